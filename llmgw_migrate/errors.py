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


def read_input_text(path: Path, what: str, *, not_found: str | None = None) -> str:
    """Read a file the user named (`what`: "plan", "baseline", ...); every failure is a one-line UserError
    about the file as a whole."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(not_found or f"{what} not found", path) from None
    except IsADirectoryError:
        raise UserError(f"{what} path is a directory, not a file", path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read {what}: {exc}", path) from None
