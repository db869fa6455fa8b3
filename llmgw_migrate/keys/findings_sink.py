"""Findings of a keys plan, grouped: one finding per (code, detail) naming the keys or teams concerned.

A proxy with 100,000 keys that all carry an rpm limit gets one LGM701 finding listing the first keys
and a count, not 100,000 findings; each key also lists its codes in the plan (`findings`).
"""

from __future__ import annotations

from typing import Any

from llmgw_migrate import findings as fnd
from llmgw_migrate.findings import Finding

NAMED = 10  # subjects named in a finding; the rest are counted


class FindingSink:
    def __init__(self) -> None:
        # (code, detail) -> [count, first subjects]: only the first few names are ever shown
        self._groups: dict[tuple[str, str], list[Any]] = {}

    def group(self, code: str, detail: str) -> list[Any]:
        """The [count, first subjects] of one finding: a caller counting many keys in it holds on to it."""
        group = self._groups.get((code, detail))
        if group is None:
            group = self._groups[(code, detail)] = [0, []]
        return group

    def add(self, code: str, subject: str, detail: str) -> None:
        group = self.group(code, detail)
        group[0] += 1
        if len(group[1]) < NAMED:
            group[1].append(subject)

    def findings(self) -> list[Finding]:
        out = []
        for (code, detail), (count, subjects) in self._groups.items():
            if not count:  # made ready for keys that never came
                continue
            named = ", ".join(subjects)
            more = f" and {count - NAMED} more" if count > NAMED else ""
            out.append(fnd.make(code, f"{detail}: {named}{more}"))
        out.sort(key=lambda f: (f.code, f.message))
        return out
