"""Helpers shared by the command modules: error handling and exit codes."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator

import typer

from llmgw_migrate.errors import UserError

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2

DEBUG_OPTION = typer.Option(False, "--debug", help="Show a traceback on internal errors.")


@contextlib.contextmanager
def handle_errors(debug: bool = False) -> Iterator[None]:
    """Map UserError and unexpected exceptions to one line on stderr and exit code 2."""
    try:
        yield
    except typer.Exit:
        raise
    except UserError as exc:
        if debug:
            raise
        sys.stderr.write(f"error: {exc}\n")
        raise typer.Exit(EXIT_ERROR) from None
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        raise typer.Exit(130) from None
    except Exception as exc:
        if debug:
            raise
        name = type(exc).__name__
        sys.stderr.write(f"error: internal error: {name}: {exc} (rerun with --debug for details)\n")
        raise typer.Exit(EXIT_ERROR) from None
