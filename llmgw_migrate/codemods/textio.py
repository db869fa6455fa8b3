"""Decode a file's bytes for the rewriters and encode the result back exactly as the file was.

Kept: the encoding (a PEP 263 coding declaration in Python files, a UTF-8 BOM) and CRLF line endings.
Handlers see text with '\\n' newlines; a file whose endings are mixed is passed through untouched
(normalising it would change lines no rule touched).
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

_CODING_RE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")
_BLANK_OR_COMMENT = re.compile(rb"^[ \t\f]*(?:[#\r\n]|$)")
PYTHON_SUFFIXES = (".py", ".pyw", ".pyi")


class DecodeError(Exception):
    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


@dataclass(frozen=True)
class TextInfo:
    """How to turn text back into the file's bytes."""

    encoding: str = "utf-8"
    bom: bool = False
    newline: str = "\n"  # "\n" or "\r\n"; "" when mixed (text kept as is)


def _declared_coding(data: bytes) -> str | None:
    """The PEP 263 declaration on line 1 or 2 (line 2 only when line 1 is blank or a comment)."""
    lines = data.split(b"\n", 2)[:2]
    for i, line in enumerate(lines):
        m = _CODING_RE.match(line)
        if m:
            return m.group(1).decode("ascii")
        if i == 0 and not _BLANK_OR_COMMENT.match(line):
            break
    return None


def decode(data: bytes, path: str = "") -> tuple[str, TextInfo]:
    """Bytes -> ('\\n'-newline text, how to encode it back). Raises DecodeError."""
    bom = data.startswith(codecs.BOM_UTF8)
    encoding = "utf-8"
    if not bom and path.endswith(PYTHON_SUFFIXES):
        declared = _declared_coding(data)
        if declared:
            try:
                encoding = codecs.lookup(declared).name
            except LookupError:
                raise DecodeError(f"unknown encoding {declared!r} in the coding declaration") from None
    raw = data[len(codecs.BOM_UTF8) :] if bom else data
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        raise DecodeError(f"cannot decode as {encoding}: {exc.reason}", line, column) from None
    crlf = text.count("\r\n")
    newline = "\n"
    if crlf:
        if crlf == text.count("\n") and text.count("\r") == crlf:
            text = text.replace("\r\n", "\n")
            newline = "\r\n"
        else:
            newline = ""
    return text, TextInfo(encoding=encoding, bom=bom, newline=newline)


def encode(text: str, info: TextInfo) -> bytes:
    if info.newline == "\r\n":
        text = text.replace("\n", "\r\n")
    data = text.encode(info.encoding)
    return codecs.BOM_UTF8 + data if info.bom else data
