"""Phase 1 of the connection model for JavaScript/TypeScript: where a name or URL sits in a line.

A cheap lexical look (no tree-sitter parse): a name right after a quote, a backtick or `env.` is the
variable as the program uses it; a `NAME=value` line is a dotenv text inside a template literal; a line
that starts a comment is a comment; anything else is an identifier.
"""

from __future__ import annotations

import re

from llmgw_migrate.codemods.connections.model import CODE, COMMENT, STRING

_COMMENT_LINE = re.compile(r"^\s*(?://|/?\*)")
_DOTENV_LINE = re.compile(r"^\s*[A-Z][A-Z0-9_]*=")


def where(text: str, start: int, line: str) -> str:
    if _COMMENT_LINE.match(line):
        return COMMENT
    before = text[max(0, start - 4) : start]
    if before.endswith(("'", '"', "`", "env.")) or _DOTENV_LINE.match(line):
        return STRING
    return CODE
