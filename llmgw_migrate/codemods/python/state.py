"""The shared state of one rewrite of one module: edits keyed by original node, findings, imports.

Rules decide on the original tree and register edits as functions of the updated node; `EditApplier`
applies them bottom-up, so an edit of a call and an edit of a string inside it both land. Every edit and
finding goes through `suppressed()`: `# llmgw: ignore` / `# llmgw: ignore[CODE]` on the node's first line.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from llmgw_migrate.codemods.base import RewriteContext
from llmgw_migrate.codemods.engine import is_suppressed, suppressed_lines
from llmgw_migrate.codemods.python.facts import Facts
from llmgw_migrate.findings import Finding, make

Edit = Callable[[cst.CSTNode], cst.CSTNode]


class RewriteState:
    def __init__(
        self,
        path: str,
        text: str,
        ctx: RewriteContext,
        facts: Facts,
        positions: Callable[[], Mapping[cst.CSTNode, CodeRange]],
        enabled: frozenset[str] | None = None,
        module: cst.Module | None = None,
    ) -> None:
        self.path = path
        self.text = text
        self.module = module  # for the quick locator; None: always the full position pass
        # The quick locator counts lines by "\n": not for files with bare "\r" line ends.
        self._locatable = module is not None and text.count("\r") == text.count("\r\n")
        self._statements: dict[int, tuple[int, Mapping[cst.CSTNode, CodeRange]]] = {}
        self.ctx = ctx
        self.facts = facts
        self._positions_fn = positions
        self._positions: Mapping[cst.CSTNode, CodeRange] | None = None
        self.enabled = enabled  # rule family names; None: all
        self.suppress = suppressed_lines(text)
        self.edits: dict[int, list[Edit]] = {}
        self.findings: list[Finding] = []
        self.needed_imports: list[tuple[str, str | None]] = []  # (module, object) for AddImportsVisitor
        self.maybe_unused: list[tuple[str, str | None, str | None]] = []  # (module, obj, asname)
        self.handled: set[int] = set()  # nodes a rule already decided on (others must leave them)
        self.module_proxy = False  # litellm.api_base / use_litellm_proxy point every litellm call at it
        self.module_proxy_flag = False  # ... because of use_litellm_proxy (calls need api_base added)
        self.replaced_calls: set[int] = set()  # litellm calls --replace-litellm turned into OpenAI calls
        self.needs_client: set[str] = set()  # module-level gateway clients those calls use

    @property
    def positions(self) -> Mapping[cst.CSTNode, CodeRange]:
        """Node positions, computed on first need (a finding, or a suppression comment in the file)."""
        if self._positions is None:
            self._positions = self._positions_fn()
        return self._positions

    def pos(self, node: cst.CSTNode) -> tuple[int, int]:
        found = self.locate(node)
        if found is not None:
            return found[0], found[1]
        rng = self.range(node)
        if rng is None:
            return 1, 1
        return rng[0], rng[1]

    def lines(self, node: cst.CSTNode) -> tuple[int, int] | None:
        """The node's first and last line."""
        found = self.locate(node)
        if found is not None:
            return found[0], found[2]
        rng = self.range(node)
        return None if rng is None else (rng[0], rng[2])

    def range(self, node: cst.CSTNode) -> tuple[int, int, int] | None:
        """(first line, column from 1, last line) from a position pass over the top-level statement that
        holds the node when that statement's code occurs once in the file, else over the whole module."""
        found = self._in_statement(node)
        if found is not None:
            return found
        rng = self.positions.get(node)
        return None if rng is None else (rng.start.line, rng.start.column + 1, rng.end.line)

    def _in_statement(self, node: cst.CSTNode) -> tuple[int, int, int] | None:
        if not self._locatable:
            return None
        assert self.module is not None
        top = node
        while True:
            parent = self.facts.parents.get(id(top))
            if parent is None:
                return None  # not in the tree the facts walked
            if parent is self.module:
                break
            top = parent
        cached = self._statements.get(id(top))
        if cached is None:
            code = self.module.code_for_node(top)  # top level: no outer indentation, so the text has it
            start = self.text.find(code) if code else -1
            if start < 0 or self.text.find(code, start + 1) >= 0:
                cached = (0, {})
            else:
                alone = self.module.with_changes(header=[], body=[top], footer=[])
                ranges = MetadataWrapper(alone, unsafe_skip_copy=True).resolve(PositionProvider)
                cached = (self.text.count("\n", 0, start), ranges)
            self._statements[id(top)] = cached
        offset, ranges = cached
        rng = ranges.get(node)
        if rng is None:
            return None
        return rng.start.line + offset, rng.start.column + 1, rng.end.line + offset

    def locate(self, node: cst.CSTNode) -> tuple[int, int, int] | None:
        """(line, column from 1, line) of a one-line unparenthesized expression whose code occurs exactly
        once in the file, found by searching for that code: the full position pass walks and regenerates
        the whole module (seconds for a 20,000-line file) for the first finding in it. None otherwise."""
        if not self._locatable or not isinstance(node, cst.BaseExpression) or getattr(node, "lpar", None):
            return None
        assert self.module is not None
        code = self.module.code_for_node(node)
        # One line only: a multi-line expression renders its comment lines with the indentation of where
        # it stands, which it does not know alone, so its code may differ from its text (and match elsewhere).
        if not code or "\n" in code or "\r" in code:
            return None
        start = self.text.find(code)
        if start < 0 or self.text.find(code, start + 1) >= 0:
            return None
        line = self.text.count("\n", 0, start) + 1
        column = start - (self.text.rfind("\n", 0, start) + 1) + 1
        return line, column, line

    def suppressed(self, code: str, node: cst.CSTNode) -> bool:
        if not self.suppress:
            return False
        span = self.lines(node)
        if span is None:
            return False
        return any(is_suppressed(code, line, self.suppress) for line in set(span))

    def edit(self, node: cst.CSTNode, code: str, fn: Edit) -> bool:
        """Register an edit of `node` under rule `code`; False when suppressed there."""
        if self.suppressed(code, node):
            return False
        self.edits.setdefault(id(node), []).append(fn)
        return True

    def replace_string(self, node: cst.SimpleString, new_value: str, code: str) -> bool:
        self.handled.add(id(node))
        current = node.evaluated_value
        if current == new_value:
            return False
        return self.edit(node, code, lambda n: _with_string_value(n, new_value))

    def finding(self, code: str, node: cst.CSTNode, message: str, fix: str | None = None) -> None:
        if self.suppressed(code, node):
            return
        line, col = self.pos(node)
        self.findings.append(make(code, message, file=self.path, line=line, column=col, fix=fix))

    def need_import(self, module: str, obj: str | None = None) -> None:
        if (module, obj) not in self.needed_imports:
            self.needed_imports.append((module, obj))


def _with_string_value(node: cst.CSTNode, value: str) -> cst.CSTNode:
    assert isinstance(node, cst.SimpleString)
    quote = node.quote
    body = value
    if "r" not in node.prefix.lower():
        body = body.replace("\\", "\\\\")
    if quote in ('"', "'"):
        body = body.replace(quote, "\\" + quote)
    return node.with_changes(value=f"{node.prefix}{quote}{body}{quote}")


def string_node(value: str) -> cst.SimpleString:
    return cst.SimpleString('"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"')


class EditApplier(cst.CSTTransformer):
    """Applies the edits bottom-up, descending only into edited nodes and their ancestors."""

    def __init__(self, edits: dict[int, list[Edit]], keep: set[int]) -> None:
        super().__init__()
        self.edits = edits
        self.keep = keep

    def on_visit(self, node: cst.CSTNode) -> bool:
        return id(node) in self.keep

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode):  # type: ignore[no-untyped-def, override]
        fns = self.edits.get(id(original_node))
        if not fns:
            return updated_node
        node: cst.CSTNode = updated_node
        for fn in fns:
            node = fn(node)
        return node
