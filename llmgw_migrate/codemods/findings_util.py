"""Turn a rule's (code, message) note into a located Finding."""

from __future__ import annotations

from llmgw_migrate.codemods.text_edits import LineIndex
from llmgw_migrate.findings import Finding, make


def at(code: str, message: str, path: str, index: LineIndex, offset: int) -> Finding:
    line, column = index.position(offset)
    return make(code, message, file=path, line=line, column=column)


def at_line(code: str, message: str, path: str, line: int, column: int = 1) -> Finding:
    return make(code, message, file=path, line=line, column=column)
