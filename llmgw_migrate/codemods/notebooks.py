"""Jupyter notebooks (.ipynb): the Python rules on code cells; outputs, metadata and JSON layout kept.

Each code cell's source goes through the Python handler (libcst), with IPython lines masked first:
`!curl ...` lines and `%%bash`/`%%sh` cells go through the shell rules, `%env K=V` through the setting
rules, `%pip install litellm==1.82.7` is reported. Only the changed `source` strings are replaced in the
file's text (json_spans gives their positions), escaped like the originals, so the diff shows only the
changed source lines; when a cell gains or loses lines its source array is re-emitted with the
notebook's own indentation. Outputs are never touched: they record what ran.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from llmgw_migrate.codemods import dependencies, file_rules, registry, secret_mask, shell
from llmgw_migrate.codemods.base import FileHandler, RewriteContext, RewriteError, RewriteResult
from llmgw_migrate.codemods.findings_util import at_line
from llmgw_migrate.codemods.json_spans import JValue, encode_string, parse_located
from llmgw_migrate.codemods.text_edits import Edit, LineIndex, apply_edits, finish
from llmgw_migrate.findings import Finding

_MAGIC_RE = re.compile(r"^(?P<indent>[ \t]*)(?P<magic>[!%].*)$")
_ENV_MAGIC_RE = re.compile(
    r"^%(?:env|set_env)\s+(?P<key>[A-Za-z_][A-Za-z0-9_]*)(?P<sep>\s*=\s*|\s+)(?P<value>.*)$"
)
_SHELL_CELL_MAGICS = ("%%bash", "%%sh", "%%script bash", "%%script sh", "%%zsh")


def _python_handler() -> FileHandler | None:
    try:
        from llmgw_migrate.codemods.python.handler import HANDLER
    except ModuleNotFoundError:
        return None
    return HANDLER  # type: ignore[no-any-return]


class NotebookHandler:
    name = "notebook"

    def accepts(self, path: PurePath) -> bool:
        return registry.accepts_notebook(registry.parts(path))

    def mask_secrets(self, text: str) -> str:
        """The text as it may be shown (diffs): secret-named settings' values masked."""
        return secret_mask.mask_secrets(text)

    def prefilter_tokens(self, ctx: RewriteContext) -> tuple[str, ...]:
        return registry.notebook_tokens(ctx)

    def rewrite(self, path: str, text: str, ctx: RewriteContext) -> RewriteResult:
        root, index = parse_located(text, "notebook JSON")
        cells = root.get("cells") if root.kind == "object" else None
        if cells is None or cells.kind != "array":
            raise RewriteError("not a notebook: no 'cells' array", 1, 1)
        language = _language(root)
        py = _python_handler() if language == "python" else None
        py_tokens = tuple(py.prefilter_tokens(ctx)) if py is not None else ()
        code_cells: list[_Cell] = []
        for number, cell in enumerate(cells.items, start=1):
            if cell.kind != "object":
                continue
            ctype = cell.get("cell_type")
            source = cell.get("source")
            if ctype is None or ctype.value != "code" or source is None:
                continue
            lines = _source_lines(source)
            if lines is not None:
                code_cells.append(_prepare(path, number, source, "".join(lines), ctx))
        if py is not None and any(any(t in c.masked for t in py_tokens) for c in code_cells if c.python):
            _run_python(path, code_cells, ctx, py)
        edits: list[Edit] = []
        findings: list[Finding] = []
        for c in code_cells:
            new = c.unmasked()
            findings += [_relocate(f, c.source, index, c.number) for f in c.findings]
            if new != c.old:
                edits.append(_source_edit(text, c.source, new))
        return finish(text, edits, findings, index=index)


@dataclass
class _Cell:
    number: int
    source: JValue
    old: str
    masked: str  # Python text with IPython lines replaced by `pass` placeholders
    python: bool  # False for %%bash and other cell magics
    restore: dict[str, str] = field(default_factory=dict)  # placeholder line -> rewritten IPython line
    findings: list[Finding] = field(default_factory=list)  # cell-relative lines
    new_masked: str | None = None

    def unmasked(self) -> str:
        if not self.python:
            return self.masked
        text = self.new_masked if self.new_masked is not None else self.masked
        if not self.restore:
            return text
        return "\n".join(self.restore.get(line, line) for line in text.split("\n"))


def _prepare(path: str, number: int, source: JValue, code: str, ctx: RewriteContext) -> _Cell:
    """Mask IPython syntax (rewriting it with the shell/setting rules on the way)."""
    first = code.lstrip().split("\n", 1)[0].strip()
    if first.startswith("%%"):
        if first.startswith(_SHELL_CELL_MAGICS):
            body_start = code.index("\n") + 1 if "\n" in code else len(code)
            res = shell.rewrite_commands(code, ctx, path, LineIndex(code), start=body_start)
            return _Cell(number, source, code, apply_edits(code, res.edits), False, findings=res.findings)
        return _Cell(number, source, code, code, False)  # %%html, %%sql...: another language
    cell = _Cell(number, source, code, code, True)
    lines = code.split("\n")
    out_lines = []
    for i, line in enumerate(lines):
        m = _MAGIC_RE.match(line)
        if not m or not _is_magic_line(lines, i):
            out_lines.append(line)
            continue
        new_magic, notes = _rewrite_magic(path, m.group("magic"), ctx, i + 1)
        cell.findings += notes
        placeholder = f"{m.group('indent')}pass  # __llmgw_magic_{number}_{i}__"
        cell.restore[placeholder] = m.group("indent") + new_magic
        out_lines.append(placeholder)
    cell.masked = "\n".join(out_lines)
    return cell


def _marker(number: int) -> str:
    return f"# __llmgw_cell_{number}__"


def _run_python(path: str, cells: list[_Cell], ctx: RewriteContext, py: FileHandler) -> None:
    """The notebook's cells run as one namespace: rewrite them as one module (a client made in one cell
    is known in the next), falling back to cell by cell when the whole does not parse."""
    py_cells = [c for c in cells if c.python]
    parts: list[str] = []
    starts: list[tuple[int, _Cell]] = []  # first line (1-based) of each cell's code in the module
    line = 1
    for c in py_cells:
        parts.append(_marker(c.number) + "\n" + c.masked + "\n")
        starts.append((line + 1, c))
        line += 1 + c.masked.count("\n") + 1
    module = "".join(parts)
    try:
        result = py.rewrite(path, module, ctx)
    except RewriteError:
        for c in py_cells:
            _run_python_cell(path, c, ctx, py)
        return
    chunks = _split(result.text, [c.number for c in py_cells])
    if chunks is None:
        for c in py_cells:
            _run_python_cell(path, c, ctx, py)
        return
    for c, chunk in zip(py_cells, chunks, strict=True):
        c.new_masked = chunk
    for f in result.findings:
        owner = starts[0]
        for first_line, c in starts:
            if (f.line or 1) >= first_line:
                owner = (first_line, c)
        first_line, c = owner
        c.findings.append(f.replace(line=max(1, (f.line or 1) - first_line + 1)))


def _split(text: str, numbers: list[int]) -> list[str] | None:
    """Cut the rewritten module back into cells at the markers; None if a marker went missing."""
    positions: list[tuple[int, int]] = []
    for n in numbers:
        marker = _marker(n) + "\n"
        i = text.find(marker, positions[-1][1] if positions else 0)
        if i == -1:
            return None
        positions.append((i, i + len(marker)))
    chunks = []
    for k, (_start, body) in enumerate(positions):
        end = positions[k + 1][0] if k + 1 < len(positions) else len(text)
        chunk = text[body:end]
        if not chunk.endswith("\n"):
            return None
        chunks.append(chunk[:-1])
    if positions and positions[0][0] > 0:
        chunks[0] = text[: positions[0][0]] + chunks[0]  # imports the rewrite added at the very top
    return chunks


def _run_python_cell(path: str, cell: _Cell, ctx: RewriteContext, py: FileHandler) -> None:
    try:
        res = py.rewrite(path, cell.masked, ctx)
    except RewriteError as exc:
        cell.findings.append(
            at_line("LGM340", f"does not parse as Python: {exc.message}", path, exc.line or 1)
        )
        return
    cell.new_masked = res.text
    cell.findings += res.findings


def _language(root: JValue) -> str:
    meta = root.get("metadata")
    if meta is None:
        return "python"
    for holder, key in (("kernelspec", "language"), ("language_info", "name")):
        node = meta.get(holder)
        value = node.get(key) if node is not None and node.kind == "object" else None
        if value is not None and value.kind == "string":
            return str(value.value).lower()
    return "python"


def _source_lines(source: JValue) -> list[str] | None:
    if source.kind == "string":
        return str(source.value).splitlines(keepends=True)
    if source.kind == "array" and all(i.kind == "string" for i in source.items):
        return [str(i.value) for i in source.items]
    return None


def _is_magic_line(lines: list[str], i: int) -> bool:
    """`!cmd` / `%magic` at a statement start (not inside a bracket or string continued from above)."""
    if i == 0:
        return True
    prev = lines[i - 1].rstrip()
    return not prev.endswith(("\\", ",", "(", "[", "{"))


def _rewrite_magic(path: str, magic: str, ctx: RewriteContext, line: int) -> tuple[str, list[Finding]]:
    findings: list[Finding] = []
    if magic.startswith("!"):
        body = magic[1:]
        res = shell.rewrite_commands(body, ctx, path, LineIndex(body))
        findings += [f.replace(line=line) for f in res.findings]
        return "!" + apply_edits(body, res.edits), findings
    m = _ENV_MAGIC_RE.match(magic)
    if m:
        res_a = file_rules.rewrite_assignment(m.group("key"), m.group("value"), ctx)
        findings += [at_line(code, msg, path, line) for code, msg in res_a.notes]
        key = res_a.new_key or m.group("key")
        value = res_a.new_value if res_a.new_value is not None else m.group("value")
        return magic[: m.start("key")] + key + m.group("sep") + value, findings
    if magic.startswith(("%pip", "%conda", "%uv")):
        for _offset, (code, msg) in dependencies.install_command_notes(magic[1:]):
            findings.append(at_line(code, msg, path, line))
    return magic, findings


def _relocate(f: Finding, source: JValue, index: LineIndex, number: int) -> Finding:
    """A cell-relative finding -> the .ipynb line of that source line, the cell number in the message."""
    cell_line = f.line or 1
    if source.kind == "array" and source.items:
        item = source.items[min(cell_line, len(source.items)) - 1]
        line = index.line_of(item.start)
    else:
        line = index.line_of(source.start)
    update: dict[str, Any] = {"line": line, "message": f"cell {number}, line {cell_line}: {f.message}"}
    return f.replace(**update)


def _source_edit(text: str, source: JValue, new: str) -> Edit:
    if source.kind == "string":
        return Edit(source.start, source.end, encode_string(new, text[source.start : source.end]))
    new_lines = new.splitlines(keepends=True)
    items = source.items
    style = text[items[0].start : items[0].end] if items else ""
    if len(new_lines) == len(items):
        # same shape: one edit per changed line, so the diff is exactly the changed lines
        edits = []
        for item, line in zip(items, new_lines, strict=True):
            if item.value != line:
                edits.append((item.start, item.end, encode_string(line, text[item.start : item.end])))
        if len(edits) == 1:
            return Edit(*edits[0])
        start, end = edits[0][0], edits[-1][1]
        chunk = text[start:end]
        for s, e, rep in reversed(edits):
            chunk = chunk[: s - start] + rep + chunk[e - start :]
        return Edit(start, end, chunk)
    # a different number of lines: re-emit the array with the notebook's own separators
    if items:
        opening = text[source.start + 1 : items[0].start]
        closing = text[items[-1].end : source.end - 1]
        sep = text[items[0].end : items[1].start] if len(items) > 1 else "," + opening
    else:
        opening, closing, sep = "\n    ", "\n   ", ",\n    "
    body = sep.join(encode_string(line, style) for line in new_lines)
    return Edit(source.start, source.end, "[" + opening + body + closing + "]" if new_lines else "[]")


HANDLER = NotebookHandler()
