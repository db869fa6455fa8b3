"""Unified diffs of rewritten files, in the `git diff` shape so `git apply` / `patch -p1` take them."""

from __future__ import annotations

import difflib


def unified_diff(old: str, new: str, path: str, context: int = 3) -> str:
    """A unified diff of `old` -> `new` for `path` (posix, relative); '' when equal."""
    if old == new:
        return ""
    old_lines = old.splitlines(keepends=True)
    new_lines = new.splitlines(keepends=True)
    # Relative paths get git's a/ b/ prefixes (`git apply`); a file outside the working directory keeps
    # its absolute path, as plain `diff -u` prints it.
    a, b = (path, path) if path.startswith("/") else (f"a/{path}", f"b/{path}")
    out: list[str] = []
    for line in difflib.unified_diff(old_lines, new_lines, a, b, n=context):
        if not line.endswith("\n"):
            line += "\n\\ No newline at end of file\n"
        out.append(line)
    return "".join(out)
