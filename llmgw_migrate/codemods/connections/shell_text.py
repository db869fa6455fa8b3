"""Shell command boundaries, shared by the connection steps that read scripts line by line."""

from __future__ import annotations


def command_ranges(lines: list[str]) -> list[range]:
    """0-based line ranges of the shell commands (a line ending in a backslash continues on the next)."""
    out: list[range] = []
    start = 0
    for i, line in enumerate(lines):
        if not line.rstrip().endswith("\\"):
            out.append(range(start, i + 1))
            start = i + 1
    if start < len(lines):
        out.append(range(start, len(lines)))
    return out
