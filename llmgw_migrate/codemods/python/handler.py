"""The Python FileHandler: parse with libcst, collect facts, let every rule family decide, apply.

Rule families (one module each): urls (LGM201, LGM213), env_vars (LGM202, LGM240, LGM241), clients
(LGM203, LGM223-LGM225), litellm_sdk (LGM204, LGM230-LGM233), model_names (LGM205, LGM210-LGM212,
LGM261, LGM270, LGM271) and other_findings (LGM220-LGM222). Notebooks reuse this handler on their code
cells.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import PurePath

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from llmgw_migrate.codemods import registry
from llmgw_migrate.codemods.base import RewriteContext, RewriteError, RewriteResult
from llmgw_migrate.codemods.python import clients, env_vars, litellm_sdk, model_names, other_findings, urls
from llmgw_migrate.codemods.python.facts import Facts
from llmgw_migrate.codemods.python.state import EditApplier, RewriteState

RULE_FAMILIES = ("urls", "env_vars", "clients", "litellm_sdk", "model_names", "findings")
SUFFIXES = registry.PYTHON_SUFFIXES


class _Dispatcher:
    """Replays the walk's events (pre-order), asking each enabled rule family about the nodes it cares for."""

    def __init__(self, state: RewriteState) -> None:
        self.s = state
        on = state.enabled
        self.urls = on is None or "urls" in on
        self.env = on is None or "env_vars" in on
        self.clients = on is None or "clients" in on
        self.litellm = on is None or "litellm_sdk" in on
        self.models = on is None or "model_names" in on
        self.findings = on is None or "findings" in on
        self.field = False
        self.table = {
            cst.ClassDef: self.visit_ClassDef,
            cst.Assign: self.visit_Assign,
            cst.AnnAssign: self.visit_AnnAssign,
            cst.Call: self.visit_Call,
            cst.Dict: self.visit_Dict,
            cst.Subscript: self.visit_Subscript,
            cst.Comparison: self.visit_Comparison,
            cst.FormattedString: self.visit_FormattedString,
            cst.BinaryOperation: self.visit_BinaryOperation,
            cst.SimpleString: self.visit_SimpleString,
            cst.Param: self.visit_Param,
        }

    def run(self, events: list[tuple[cst.CSTNode, bool]]) -> None:
        table = self.table
        for node, field in events:
            fn = table.get(type(node))
            if fn is not None:
                self.field = field
                fn(node)  # type: ignore[operator]

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        if self.env:
            env_vars.on_class(self.s, node)

    def _assign(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        field = self.field
        if self.urls:
            urls.on_assign(self.s, target, value, field)
        if self.env:
            env_vars.on_assign(self.s, target, value, field)
        if self.litellm:
            litellm_sdk.on_assign(self.s, target, value, field)

    def visit_Assign(self, node: cst.Assign) -> None:
        for t in node.targets:
            self._assign(t.target, node.value)

    def visit_Param(self, node: cst.Param) -> None:
        # def make_client(base_url: str = "http://localhost:4000"): the default is the URL the
        # parameter's uses (an LLM client's base_url) get, like an assignment of that name.
        if node.default is not None and self.urls:
            urls.on_assign(self.s, node.name, node.default, False)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._assign(node.target, node.value)

    def visit_Call(self, node: cst.Call) -> None:
        s = self.s
        if self.urls:
            urls.on_call(s, node)
        if self.env:
            env_vars.on_call(s, node)
        if self.clients:
            clients.on_call(s, node)
        if self.litellm:
            litellm_sdk.on_call(s, node)
        if self.models:
            model_names.on_call(s, node)
        if self.findings:
            other_findings.on_call(s, node)

    def visit_Dict(self, node: cst.Dict) -> None:
        if self.urls:
            urls.on_dict(self.s, node)
        if self.clients:
            clients.on_dict(self.s, node)

    def visit_Subscript(self, node: cst.Subscript) -> None:
        if self.env:
            env_vars.on_subscript(self.s, node)
        if self.findings:
            other_findings.on_subscript(self.s, node)

    def visit_Comparison(self, node: cst.Comparison) -> None:
        if self.env:
            env_vars.on_comparison(self.s, node)

    def visit_FormattedString(self, node: cst.FormattedString) -> None:
        if self.urls:
            urls.on_fstring(self.s, node)
        if self.env:
            env_vars.on_fstring_expr(self.s, node)

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        if self.urls:
            urls.on_binary(self.s, node)

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        if self.urls:
            urls.on_string(self.s, node)
        if self.findings:
            other_findings.on_string(self.s, node)


def _is_import(stmt: cst.CSTNode) -> bool:
    return isinstance(stmt, cst.SimpleStatementLine) and all(
        isinstance(s, (cst.Import, cst.ImportFrom)) for s in stmt.body
    )


def _is_docstring(stmt: cst.CSTNode) -> bool:
    return (
        isinstance(stmt, cst.SimpleStatementLine)
        and len(stmt.body) == 1
        and isinstance(stmt.body[0], cst.Expr)
        and isinstance(stmt.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def _insert_after_imports(module: cst.Module, statements: list[cst.SimpleStatementLine]) -> cst.Module:
    body = list(module.body)
    last = -1
    for i, stmt in enumerate(body):
        if _is_import(stmt):
            last = i
        elif not _is_docstring(stmt):
            break
    first = statements[0].with_changes(leading_lines=[cst.EmptyLine()])
    new = [first, *statements[1:]]
    return module.with_changes(body=[*body[: last + 1], *new, *body[last + 1 :]])


def _top_level_imports(module: cst.Module) -> set[tuple[str, str | None]]:
    """(module, None) for `import m`, (module, name) for `from m import name`, unaliased, top level."""
    from llmgw_migrate.codemods.python.facts import dotted

    out: set[tuple[str, str | None]] = set()
    for stmt in module.body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if isinstance(small, cst.Import):
                for alias in small.names:
                    name = dotted(alias.name)
                    if name and alias.asname is None:
                        out.add((name, None))
            elif isinstance(small, cst.ImportFrom) and not small.relative and small.module is not None:
                mod = dotted(small.module)
                if mod and not isinstance(small.names, cst.ImportStar):
                    for alias in small.names:
                        if isinstance(alias.name, cst.Name) and alias.asname is None:
                            out.add((mod, alias.name.value))
    return out


def _fix_imports(module: cst.Module, state: RewriteState) -> cst.Module:
    present = _top_level_imports(module) if state.needed_imports else set()
    state.needed_imports = [i for i in state.needed_imports if i not in present]
    if not state.needed_imports and not state.maybe_unused:
        return module  # the common case: libcst.codemod is slow to import, so only import it when needed
    from libcst.codemod import CodemodContext
    from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor

    if state.needed_imports:
        context = CodemodContext()
        for mod, obj in state.needed_imports:
            AddImportsVisitor.add_needed_import(context, mod, obj)
        module = AddImportsVisitor(context).transform_module(module)
    if state.maybe_unused:
        context = CodemodContext()
        for mod, obj, asname in state.maybe_unused:
            RemoveImportsVisitor.remove_unused_import(context, mod, obj, asname)
        module = RemoveImportsVisitor(context).transform_module(module)
    return module


_WARM_UP = """import os
from openai import OpenAI

client = OpenAI(base_url=os.getenv("LITELLM_BASE_URL", "http://localhost:4000"), api_key=os.environ["X"])
client.chat.completions.create(model="m", messages=[], seed=1)
"""


class PythonHandler:
    name = "python"

    def __init__(self, enabled: Iterable[str] | None = None) -> None:
        self.enabled = frozenset(enabled) if enabled is not None else None

    def accepts(self, path: PurePath) -> bool:
        return registry.accepts_python(registry.parts(path))

    def prefilter_tokens(self, ctx: RewriteContext) -> tuple[str, ...]:
        return registry.python_tokens(ctx)

    def warm(self) -> None:
        """Load the parser and the rules' data (YAML, compiled patterns) before the engine forks workers,
        so they share it: a throwaway rewrite of a small client module touches all of it.

        (libcst.codemod's import visitors are left to the workers that need them: most runs never do.)
        """
        self.rewrite("<warm-up>", _WARM_UP, RewriteContext())

    def rewrite(self, path: str, text: str, ctx: RewriteContext) -> RewriteResult:
        module = parse(text)
        return rewrite_module(module, path, text, ctx, self.enabled)


def parse(text: str) -> cst.Module:
    try:
        return cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        raise RewriteError(f"syntax error: {exc.message}", exc.raw_line, exc.raw_column + 1) from None


def rewrite_module(
    module: cst.Module, path: str, text: str, ctx: RewriteContext, enabled: frozenset[str] | None = None
) -> RewriteResult:
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    facts = Facts.collect(module, ctx)
    state = RewriteState(path, text, ctx, facts, lambda: wrapper.resolve(PositionProvider), enabled, module)
    litellm_sdk.prepare(state)
    _Dispatcher(state).run(facts.events)
    litellm_sdk.response_shape_findings(state, module)
    findings = sorted(state.findings, key=lambda f: f.sort_key())
    if not state.edits:
        return RewriteResult(text=text, findings=findings)
    new = module.visit(EditApplier(state.edits, facts.ancestors(list(state.edits))))
    new = _fix_imports(new, state)
    extra = litellm_sdk.client_statements(state)
    if extra:
        new = _insert_after_imports(new, extra)
    return RewriteResult(text=_code(module, new, text), findings=findings)


def _code(old: cst.Module, new: cst.Module, text: str) -> str:
    """`new.code`, generating only the top-level statements that changed (the code of a whole module is
    a fifth of a rewrite): `text` is `old.code`, so an old statement whose code occurs once in it is
    found by search and replaced. Anything else (statements added, a statement's code seen twice, most
    of the module changed) generates the whole module."""
    same = (
        len(new.body) == len(old.body)
        and _identical(new.header, old.header)
        and _identical(new.footer, old.footer)
        and (new.encoding, new.default_indent, new.default_newline, new.has_trailing_newline)
        == (old.encoding, old.default_indent, old.default_newline, old.has_trailing_newline)
    )
    if not same:
        return new.code
    changed = [(o, n) for o, n in zip(old.body, new.body, strict=True) if o is not n]
    parts: list[str] = []
    pos = budget = 0
    for o, n in changed:
        before = old.code_for_node(o)
        budget += len(before)
        start = text.find(before)
        if budget * 2 > len(text) or start < pos or text.find(before, start + 1) >= 0:
            return new.code
        parts += (text[pos:start], new.code_for_node(n))
        pos = start + len(before)
    parts.append(text[pos:])
    return "".join(parts)


def _identical(a: Sequence[cst.CSTNode], b: Sequence[cst.CSTNode]) -> bool:
    """The same nodes (a transform that did not descend rebuilds the sequence, not the nodes)."""
    return len(a) == len(b) and all(x is y for x, y in zip(a, b, strict=True))


HANDLER = PythonHandler()
# This module is imported only to rewrite Python files, and every rewrite needs the rules' data: load it
# with the module, so a forkserver that preloads the module hands it to every worker (codemods/pool.py).
HANDLER.warm()
