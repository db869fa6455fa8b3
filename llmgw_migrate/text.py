"""Small wording helpers shared by the reports: counts with the right plural."""

from __future__ import annotations

# Words that do not take an -s ("9 info", not "9 infos").
_SAME = frozenset({"info"})


def plural(n: int, word: str, many: str | None = None) -> str:
    """`1 file`, `2 files`, `0 files`, `3 info`; `many` for irregular plurals."""
    if n == 1 or word in _SAME:
        return f"{n} {word}"
    return f"{n} {many or word + 's'}"
