"""Phase 1 of the connection model for Python: where a name or URL sits in a Python file.

Python's own tokenizer tells strings (a dotenv text a test writes, a `parametrize` list, the name in
`monkeypatch.setenv(...)`) from identifiers (a constant named like the variable) and comments, without
parsing the module with libcst.
"""

from __future__ import annotations

import io
import re
import tokenize
from bisect import bisect_right

from llmgw_migrate.codemods.connections.model import CODE, COMMENT, STRING

_STRINGISH = {tokenize.STRING}
for _name in ("FSTRING_MIDDLE", "TSTRING_MIDDLE"):
    if hasattr(tokenize, _name):
        _STRINGISH.add(getattr(tokenize, _name))


def _is_fstring(token: str) -> bool:
    quote = min((i for i in (token.find('"'), token.find("'")) if i >= 0), default=0)
    return "f" in token[:quote].lower()


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
    """Offsets of the string and comment tokens of one Python text."""

    def __init__(self, text: str) -> None:
        self._starts: list[int] = []
        self._ends: list[int] = []
        self._kinds: list[str] = []
        self._fstring: list[bool] = []  # a whole f-string token (before Python 3.12 tokenizes inside)
        self._text = text
        line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        try:
            for tok in tokenize.generate_tokens(io.StringIO(text).readline):
                if tok.type in _STRINGISH or tok.type == tokenize.COMMENT:
                    start = line_starts[tok.start[0] - 1] + tok.start[1]
                    end = line_starts[tok.end[0] - 1] + tok.end[1]
                    self._starts.append(start)
                    self._ends.append(end)
                    self._kinds.append(COMMENT if tok.type == tokenize.COMMENT else STRING)
                    self._fstring.append(tok.type == tokenize.STRING and _is_fstring(tok.string))
        except (tokenize.TokenError, SyntaxError, IndentationError):
            pass  # a file the handler reports as unparsable: what was tokenized so far still counts

    def where(self, offset: int) -> str:
        i = bisect_right(self._starts, offset) - 1
        if i >= 0 and offset < self._ends[i]:
            if self._fstring[i] and _in_braces(self._text[self._starts[i] : offset]):
                return CODE  # f"{LITELLM_URL}/v1": a name in code, not the variable's name
            return self._kinds[i]
        return CODE

    def string_spans(self) -> list[tuple[int, int]]:
        return [(s, e) for s, e, k in zip(self._starts, self._ends, self._kinds, strict=True) if k == STRING]
