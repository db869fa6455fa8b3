"""A JSON reader that remembers where every value sits in the source, so edits can be spliced in.

The standard library's decoder gives values, not positions; `json.dumps` of an edited document would
re-indent and re-escape the whole file. This reader (objects, arrays, strings through the standard
`scanstring`, numbers, literals) records each value's [start, end) and also accepts the JSONC that
devcontainer.json, tsconfig.json and VS Code settings use (// and /* */ comments, trailing commas).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from llmgw_migrate.codemods.base import RewriteError
from llmgw_migrate.codemods.text_edits import LineIndex

scanstring = json.decoder.scanstring  # type: ignore[attr-defined]  # public, but untyped in typeshed
_NUMBER_RE = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?")
_LITERALS = {"true": True, "false": False, "null": None}


class JsonSpanError(ValueError):
    def __init__(self, message: str, pos: int) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos


@dataclass
class JValue:
    kind: str  # object | array | string | number | literal
    start: int
    end: int
    value: Any = None  # str for strings, the number/literal otherwise
    items: list[JValue] = field(default_factory=list)  # array items
    pairs: list[tuple[JValue, JValue]] = field(default_factory=list)  # object (key, value)

    def get(self, key: str) -> JValue | None:
        for k, v in self.pairs:
            if k.value == key:
                return v
        return None


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.n = len(text)

    def skip(self, i: int) -> int:
        text, n = self.text, self.n
        while i < n:
            c = text[i]
            if c in " \t\r\n\ufeff":
                i += 1
            elif c == "/" and i + 1 < n and text[i + 1] == "/":
                nl = text.find("\n", i)
                i = n if nl == -1 else nl + 1
            elif c == "/" and i + 1 < n and text[i + 1] == "*":
                close = text.find("*/", i + 2)
                if close == -1:
                    raise JsonSpanError("unterminated comment", i)
                i = close + 2
            else:
                break
        return i

    def value(self, i: int, depth: int = 0) -> JValue:
        if depth > 500:
            raise JsonSpanError("nesting too deep", i)
        i = self.skip(i)
        if i >= self.n:
            raise JsonSpanError("expecting a value", i)
        c = self.text[i]
        if c == "{":
            return self.obj(i, depth)
        if c == "[":
            return self.arr(i, depth)
        if c == '"':
            try:
                s, end = scanstring(self.text, i + 1, True)
            except json.JSONDecodeError as exc:
                raise JsonSpanError(exc.msg, exc.pos) from None
            return JValue("string", i, end, s)
        m = _NUMBER_RE.match(self.text, i)
        if m:
            return JValue("number", i, m.end(), m.group(0))
        for word, lit in _LITERALS.items():
            if self.text.startswith(word, i):
                return JValue("literal", i, i + len(word), lit)
        raise JsonSpanError("expecting a value", i)

    def obj(self, start: int, depth: int) -> JValue:
        node = JValue("object", start, start)
        i = self.skip(start + 1)
        while True:
            if i < self.n and self.text[i] == "}":
                node.end = i + 1
                return node
            if i >= self.n or self.text[i] != '"':
                raise JsonSpanError("expecting a property name in double quotes", i)
            key = self.value(i, depth + 1)
            i = self.skip(key.end)
            if i >= self.n or self.text[i] != ":":
                raise JsonSpanError("expecting ':' delimiter", i)
            val = self.value(i + 1, depth + 1)
            node.pairs.append((key, val))
            i = self.skip(val.end)
            if i < self.n and self.text[i] == ",":
                i = self.skip(i + 1)
                continue
            if i < self.n and self.text[i] == "}":
                node.end = i + 1
                return node
            raise JsonSpanError("expecting ',' delimiter", i)

    def arr(self, start: int, depth: int) -> JValue:
        node = JValue("array", start, start)
        i = self.skip(start + 1)
        while True:
            if i < self.n and self.text[i] == "]":
                node.end = i + 1
                return node
            item = self.value(i, depth + 1)
            node.items.append(item)
            i = self.skip(item.end)
            if i < self.n and self.text[i] == ",":
                i = self.skip(i + 1)
                continue
            if i < self.n and self.text[i] == "]":
                node.end = i + 1
                return node
            raise JsonSpanError("expecting ',' delimiter", i)


def parse(text: str) -> JValue:
    """The document's root value with source spans; raises JsonSpanError(message, pos)."""
    reader = _Reader(text)
    root = reader.value(0)
    end = reader.skip(root.end)
    if end != len(text):
        raise JsonSpanError("extra data after the document", end)
    return root


def encode_string(value: str, original_token: str) -> str:
    """A JSON string token for `value`, escaping like the token it replaces (\\uXXXX or raw UTF-8)."""
    return json.dumps(value, ensure_ascii="\\u" in original_token)


def parse_located(text: str, what: str = "JSON") -> tuple[JValue, LineIndex]:
    """Parse `text` for a handler: the tree and its line index, or a RewriteError at the bad spot."""
    index = LineIndex(text)
    try:
        return parse(text), index
    except JsonSpanError as exc:
        line, col = index.position(exc.pos)
        raise RewriteError(f"invalid {what}: {exc.message}", line, col) from None
