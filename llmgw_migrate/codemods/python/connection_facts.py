"""Phase 1 of the connection model for Python: where a name or URL sits in a Python file.

A string (a dotenv text a test writes, a `parametrize` list, the name in `monkeypatch.setenv(...)`) is
told from an identifier (a constant named like the variable) and a comment by one regex pass over the
file's strings and comments (Python's own tokenizer costs ten times more), and only when an occurrence
is not plainly inside quotes: most are (`os.environ["LITELLM_API_KEY"]`).
"""

from __future__ import annotations

import re
from bisect import bisect_right

from llmgw_migrate.codemods.connections.model import CODE, COMMENT, STRING

# A comment, or a string literal with its prefix (triple-quoted ones first).
_LEXEME = re.compile(
    r"(?P<comment>\#[^\n]*)"
    r"|(?P<string>(?P<prefix>[rRbBuUfF]{0,2})"
    r"(?:\"\"\"(?:\\.|[^\\])*?\"\"\"|'''(?:\\.|[^\\])*?'''|\"(?:\\.|[^\"\\\n])*\"|'(?:\\.|[^'\\\n])*'))",
    re.DOTALL,
)


def _in_braces(head: str) -> bool:
    """Whether the end of `head` (an f-string's text up to an offset) is inside a {...} expression."""
    depth = 0
    i = 0
    while i < len(head):
        ch = head[i]
        if ch in "{}" and head[i : i + 2] in ("{{", "}}") and depth == 0:
            i += 2
            continue
        if ch == "{":
            depth += 1
        elif ch == "}" and depth:
            depth -= 1
        i += 1
    return depth > 0


class PythonSpans:
    """Where offsets of one Python text sit: in a string, a comment, or code."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._built = False
        self._starts: list[int] = []
        self._ends: list[int] = []
        self._kinds: list[str] = []
        self._fstring: list[bool] = []

    def _build(self) -> None:
        self._built = True
        for m in _LEXEME.finditer(self._text):
            self._starts.append(m.start())
            self._ends.append(m.end())
            if m.group("comment") is not None:
                self._kinds.append(COMMENT)
                self._fstring.append(False)
            else:
                self._kinds.append(STRING)
                self._fstring.append("f" in (m.group("prefix") or "").lower())

    def where(self, offset: int) -> str:
        if (
            offset > 0
            and self._text[offset - 1] in "\"'"
            and not self._text[offset - 2 : offset - 1].isalnum()
        ):
            return STRING  # `"LITELLM_API_KEY"`: plainly quoted, no lexing needed
        if not self._built:
            self._build()
        i = bisect_right(self._starts, offset) - 1
        if i >= 0 and offset < self._ends[i]:
            if self._fstring[i] and _in_braces(self._text[self._starts[i] : offset]):
                return CODE  # f"{LITELLM_URL}/v1": a name in code, not the variable's name
            return self._kinds[i]
        return CODE
