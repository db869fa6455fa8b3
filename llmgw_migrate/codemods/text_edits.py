"""Minimal text edits for the non-Python handlers: replace byte or character ranges, nothing else moves.

Parsers (tree-sitter, ruamel.yaml's composer, the JSON span scanner, tomlkit) only locate what to change;
the change itself is a splice into the original text, so comments, quoting, indentation and blank lines
survive byte for byte. Also: line/column lookup and `llmgw: ignore` suppressions.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from llmgw_migrate.codemods.base import RewriteResult
from llmgw_migrate.findings import Finding

T = TypeVar("T", str, bytes)


@dataclass(frozen=True)
class Edit:
    """Replace text[start:end] by `new` (offsets in the same unit as the text: chars or bytes)."""

    start: int
    end: int
    new: str


def apply_edits(text: T, edits: Iterable[Edit]) -> T:
    """Apply non-overlapping edits; of two overlapping edits the one that starts first wins."""
    ordered = sorted(edits, key=lambda e: (e.start, e.end))
    parts: list[T] = []
    pos = 0
    for edit in ordered:
        if edit.start < pos:
            continue  # overlaps an earlier edit
        parts.append(text[pos : edit.start])
        parts.append(edit.new.encode("utf-8") if isinstance(text, bytes) else edit.new)  # type: ignore[arg-type]
        pos = edit.end
    parts.append(text[pos:])
    return text[:0].join(parts)


class LineIndex:
    """Offset -> (line, column), both 1-based, for a str (columns in characters)."""

    def __init__(self, text: str) -> None:
        self._starts = [0]
        self._starts.extend(m.end() for m in re.finditer("\n", text))

    def position(self, offset: int) -> tuple[int, int]:
        i = bisect.bisect_right(self._starts, offset) - 1
        return i + 1, offset - self._starts[i] + 1

    def line_of(self, offset: int) -> int:
        return bisect.bisect_right(self._starts, offset)

    def line_start(self, line: int) -> int:
        return self._starts[line - 1]


_IGNORE_RE = re.compile(r"llmgw:\s*ignore(?:\[([A-Za-z0-9_, ]*)\])?")


class Suppressions:
    """`llmgw: ignore` (everything on the line) and `llmgw: ignore[LGM301,LGM302]` (those findings).

    The marker is looked for in the line's text whatever the comment syntax (#, //, /* */, <!-- -->), so
    one rule serves every file type; a bare `ignore` also stops the line's rewrites.
    """

    def __init__(self, text: str) -> None:
        self._lines: dict[int, frozenset[str] | None] = {}
        if "llmgw" not in text:
            return
        for number, line in enumerate(text.split("\n"), start=1):
            m = _IGNORE_RE.search(line)
            if m:
                codes = m.group(1)
                self._lines[number] = (
                    None if codes is None else frozenset(c.strip() for c in codes.split(",") if c.strip())
                )

    def __bool__(self) -> bool:
        return bool(self._lines)

    def edits_allowed(self, line: int) -> bool:
        return not (line in self._lines and self._lines[line] is None)

    def finding_allowed(self, finding: Finding) -> bool:
        if finding.line is None or finding.line not in self._lines:
            return True
        codes = self._lines[finding.line]
        return codes is not None and finding.code not in codes


def finish(
    text: str,
    edits: Sequence[Edit],
    findings: Sequence[Finding],
    *,
    index: LineIndex | None = None,
    suppressions: Suppressions | None = None,
) -> RewriteResult:
    """Drop suppressed edits and findings, apply the rest (character offsets), sort the findings."""
    sup = suppressions if suppressions is not None else Suppressions(text)
    if sup and edits:
        idx = index or LineIndex(text)
        edits = [e for e in edits if sup.edits_allowed(idx.line_of(e.start))]
    kept = [f for f in findings if sup.finding_allowed(f)] if sup else list(findings)
    kept.sort(key=Finding.sort_key)
    return RewriteResult(text=apply_edits(text, edits) if edits else text, findings=_dedupe(kept))


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple[object, ...]] = set()
    out = []
    for f in findings:
        key = (f.code, f.line, f.column, f.message)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out
