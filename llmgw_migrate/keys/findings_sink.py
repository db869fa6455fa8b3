"""Findings of a keys plan, grouped: one finding per (code, detail) naming the keys or teams concerned.

A proxy with 100,000 keys that all carry an rpm limit gets one LGM701 finding listing the first keys
and a count, not 100,000 findings; each key also lists its codes in the plan (`findings`).
"""

from __future__ import annotations

from llmgw_migrate import findings as fnd
from llmgw_migrate.findings import Finding

_NAMED = 10


class FindingSink:
    def __init__(self) -> None:
        self._groups: dict[tuple[str, str], list[str]] = {}

    def add(self, code: str, subject: str, detail: str) -> None:
        self._groups.setdefault((code, detail), []).append(subject)

    def findings(self) -> list[Finding]:
        out = []
        for (code, detail), subjects in self._groups.items():
            named = ", ".join(subjects[:_NAMED])
            more = f" and {len(subjects) - _NAMED} more" if len(subjects) > _NAMED else ""
            out.append(fnd.make(code, f"{detail}: {named}{more}"))
        out.sort(key=lambda f: (f.code, f.message))
        return out
