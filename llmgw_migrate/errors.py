"""User-facing errors: one line naming file, line and column; the CLI maps them to exit code 2."""

from __future__ import annotations

from pathlib import Path


class UserError(Exception):
    """Bad input or a failed precondition. Rendered as `file:line:col: message` (`file: message` for a
    problem with the file as a whole: missing, a directory, unreadable), never as a traceback."""

    def __init__(
        self,
        message: str,
        file: str | Path | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = str(file) if file is not None else None
        self.line = line
        self.column = column

    def __str__(self) -> str:
        if self.file is None:
            return self.message
        if self.line is None:
            return f"{self.file}: {self.message}"
        return f"{self.file}:{self.line}:{self.column or 1}: {self.message}"
