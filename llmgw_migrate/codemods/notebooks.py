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
from pathlib import PurePath
from typing import Any

from llmgw_migrate.codemods import dependencies, file_rules, shell
from llmgw_migrate.codemods.base import FileHandler, RewriteContext, RewriteError, RewriteResult
from llmgw_migrate.codemods.findings_util import at_line
from llmgw_migrate.codemods.json_spans import JsonSpanError, JValue, encode_string, parse
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
        return path.suffix.lower() == ".ipynb"

    def prefilter_tokens(self, ctx: RewriteContext) -> tuple[str, ...]:
        tokens = list(file_rules.prefilter_tokens(ctx))
        py = _python_handler()
        if py is not None:
            tokens += py.prefilter_tokens(ctx)
        return tuple(dict.fromkeys(tokens))

    def rewrite(self, path: str, text: str, ctx: RewriteContext) -> RewriteResult:
        index = LineIndex(text)
        try:
            root = parse(text)
        except JsonSpanError as exc:
            line, col = index.position(exc.pos)
            raise RewriteError(f"invalid notebook JSON: {exc.message}", line, col) from None
        cells = root.get("cells") if root.kind == "object" else None
        if cells is None or cells.kind != "array":
            raise RewriteError("not a notebook: no 'cells' array", 1, 1)
        language = _language(root)
        edits: list[Edit] = []
        findings: list[Finding] = []
        py = _python_handler() if language == "python" else None
        py_tokens = tuple(py.prefilter_tokens(ctx)) if py is not None else ()
        for number, cell in enumerate(cells.items, start=1):
            if cell.kind != "object":
                continue
            ctype = cell.get("cell_type")
            source = cell.get("source")
            if ctype is None or ctype.value != "code" or source is None:
                continue
            lines = _source_lines(source)
            if lines is None:
                continue
            old = "".join(lines)
            new, cell_findings = _rewrite_cell(path, old, ctx, py, py_tokens, number)
            findings += [_relocate(f, source, index, number) for f in cell_findings]
            if new != old:
                edits.append(_source_edit(text, source, new))
        result = finish(text, edits, findings, index=index)
        return result


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


def _rewrite_cell(
    path: str, code: str, ctx: RewriteContext, py: FileHandler | None, py_tokens: tuple[str, ...], number: int
) -> tuple[str, list[Finding]]:
    findings: list[Finding] = []
    first = code.lstrip().split("\n", 1)[0].strip()
    if first.startswith("%%"):
        if first.startswith(_SHELL_CELL_MAGICS):
            body_start = code.index("\n") + 1 if "\n" in code else len(code)
            res = shell.rewrite_commands(code, ctx, path, LineIndex(code), start=body_start)
            return apply_edits(code, res.edits), res.findings
        return code, findings  # another language (%%html, %%javascript, %%sql...): not ours
    lines = code.split("\n")
    masked: dict[str, str] = {}
    out_lines = []
    for i, line in enumerate(lines):
        m = _MAGIC_RE.match(line)
        if not m or not _is_magic_line(lines, i):
            out_lines.append(line)
            continue
        new_magic, notes = _rewrite_magic(path, m.group("magic"), ctx, i + 1)
        findings += notes
        placeholder = f"{m.group('indent')}pass  # __llmgw_magic_{i}__"
        masked[placeholder] = m.group("indent") + new_magic
        out_lines.append(placeholder)
    masked_code = "\n".join(out_lines)
    new_code = masked_code
    if py is not None and any(t in masked_code for t in py_tokens):
        try:
            py_result = py.rewrite(path, masked_code, ctx)
            new_code = py_result.text
            findings += py_result.findings
        except RewriteError as exc:
            findings.append(
                at_line(
                    "LGM340", f"cell {number} does not parse as Python: {exc.message}", path, exc.line or 1
                )
            )
            new_code = masked_code
    if masked:
        restored = []
        for line in new_code.split("\n"):
            restored.append(masked.get(line, line))
        new_code = "\n".join(restored)
    return new_code, findings


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
        findings += [f.model_copy(update={"line": line}) for f in res.findings]
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
    return f.model_copy(update=update)


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
