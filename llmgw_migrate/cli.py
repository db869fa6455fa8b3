"""The `llmgw-migrate` command line: a thin typer app.

Each command lives in llmgw_migrate/commands/<name>.py and exposes `register(app)`; modules are imported
only to build the app, and they import their heavy dependencies inside the command body, so `--help`
and `--version` stay fast.
"""

from __future__ import annotations

import importlib
import sys

from llmgw_migrate import __version__

COMMAND_MODULES = ("config", "catalog", "code", "gateway", "verify", "check", "keys")


def build_app():  # type: ignore[no-untyped-def]
    import typer

    app = typer.Typer(
        name="llmgw-migrate",
        help="Move a team from a self-hosted LiteLLM proxy to LLM Gateway, safely and provably.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )

    def version_callback(value: bool) -> None:
        if value:
            typer.echo(f"llmgw-migrate {__version__}")
            raise typer.Exit()

    @app.callback()
    def root(
        version: bool = typer.Option(
            False, "--version", "-V", callback=version_callback, is_eager=True, help="Print the version."
        ),
    ) -> None:
        """Move a team from a self-hosted LiteLLM proxy to LLM Gateway, safely and provably."""

    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"llmgw_migrate.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"llmgw_migrate.commands.{name}":
                continue  # command not built into this version
            raise
        module.register(app)
    from llmgw_migrate.commands._help import polish_help

    polish_help(app)
    return app


def main() -> None:
    argv = sys.argv[1:]
    if argv in (["--version"], ["-V"]):
        # Fast path: no typer import at all.
        sys.stdout.write(f"llmgw-migrate {__version__}\n")
        return
    if argv and argv[0] in ("code", "check"):
        from llmgw_migrate.codemods.pool import start_early

        start_early(argv)
    app = build_app()
    app(prog_name="llmgw-migrate")
