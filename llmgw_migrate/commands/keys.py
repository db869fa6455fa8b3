"""`llmgw-migrate keys`: plan the move of LiteLLM virtual keys, teams and budgets; `keys apply` runs it."""

# ruff: noqa: E501  (help texts stay on one line)

from __future__ import annotations

import sys
from pathlib import Path

import typer

from llmgw_migrate.commands._common import DEBUG_OPTION, EXIT_FINDINGS, EXIT_OK, handle_errors


def _format_for(path: Path | None, fmt: str | None) -> str:
    if fmt:
        return fmt
    if path is None:
        return "markdown"
    suffix = path.suffix.lower()
    return {".yaml": "yaml", ".yml": "yaml", ".md": "markdown", ".markdown": "markdown", ".csv": "csv"}.get(
        suffix, "json"
    )


def _write(path: Path, text: str, what: str) -> None:
    from llmgw_migrate.atomic import write_text_atomic
    from llmgw_migrate.errors import UserError

    if path.is_dir():
        raise UserError(f"{what} path is a directory, not a file", path)
    try:
        write_text_atomic(path, text)
    except OSError as exc:
        raise UserError(f"cannot write the {what}: {exc.strerror or exc}", path) from None


def register(app: typer.Typer) -> None:
    keys_app = typer.Typer(
        help="Move LiteLLM virtual keys, teams and budgets to gateway projects, API keys and IAM rules.",
        invoke_without_command=True,
    )
    app.add_typer(keys_app, name="keys")

    @keys_app.callback()
    def keys(
        ctx: typer.Context,
        database_url: str | None = typer.Option(
            None,
            "--database-url",
            envvar="DATABASE_URL",
            show_envvar=True,
            help="The LiteLLM proxy's Postgres (postgresql://...). Read only; never written.",
        ),
        from_api: str | None = typer.Option(
            None,
            "--from-api",
            metavar="URL",
            help="Read through the LiteLLM admin API at this URL instead (master key from LITELLM_MASTER_KEY).",
        ),
        model_plan: Path | None = typer.Option(
            None,
            "--plan",
            help="The migration plan from `llmgw-migrate config`: maps model names to gateway ids.",
        ),
        fmt: str | None = typer.Option(
            None, "--format", "-f", help="json, yaml, markdown (default on stdout) or csv."
        ),
        output: Path | None = typer.Option(
            None,
            "--output",
            "-o",
            help="Write the plan here (JSON unless it ends in .yaml/.md/.csv); `keys apply` reads the JSON.",
        ),
        handover: list[Path] | None = typer.Option(
            None, "--handover", help="Also write the hand-over sheet here (.md or .csv; repeat for both)."
        ),
        schema: bool = typer.Option(False, "--schema", help="Print the keys plan's JSON Schema and exit."),
        strict: bool = typer.Option(False, "--strict", help="Exit 1 on warnings too."),
        debug: bool = DEBUG_OPTION,
    ) -> None:
        """Read a LiteLLM proxy's keys, teams and budgets and print the keys plan.

        Exit codes: 0 plan complete, 1 findings that need manual work (--strict: any warning), 2 bad input.
        Raw keys are never read; the token hash appears only as a short opaque id.
        """
        if ctx.invoked_subcommand is not None:
            return
        with handle_errors(debug):
            import json

            from llmgw_migrate.errors import UserError
            from llmgw_migrate.keys.render import FORMATS, render

            if schema:
                from llmgw_migrate.keys.plan_model import keys_plan_json_schema

                sys.stdout.write(json.dumps(keys_plan_json_schema(), indent=2) + "\n")
                raise typer.Exit(EXIT_OK)
            if fmt is not None and fmt not in FORMATS:
                raise UserError(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
            if bool(database_url) == bool(from_api):
                raise UserError("give one source: --database-url postgresql://... or --from-api URL")
            plan_obj = None
            if model_plan is not None:
                from llmgw_migrate.plan import load_plan

                plan_obj = load_plan(model_plan)
            for path in handover or []:
                if path.suffix.lower() not in (".md", ".markdown", ".csv"):
                    raise UserError("--handover must end in .md or .csv", path)
            if from_api:
                from llmgw_migrate.keys.api_reader import read_api

                data = read_api(from_api)
            else:
                from llmgw_migrate.keys.db_reader import read_database

                data = read_database(str(database_url))
            from llmgw_migrate.keys.planner import build_plan
            from llmgw_migrate.plan_render import blocking

            plan = build_plan(data, plan_obj, str(model_plan) if model_plan else None)
            if output is not None:
                _write(
                    output, render(plan, _format_for(output, fmt if fmt != "markdown" else None)), "keys plan"
                )
            for path in handover or []:
                from llmgw_migrate.keys.handover import render_handover

                _write(
                    path,
                    render_handover(plan, "csv" if path.suffix.lower() == ".csv" else "markdown"),
                    "hand-over sheet",
                )
            if output is None or fmt is not None:
                sys.stdout.write(render(plan, fmt or "markdown"))
            else:
                sys.stdout.write(
                    f"keys plan written to {output}: {len(plan.projects)} projects, {len(plan.keys)} keys, "
                    f"{len(plan.skipped)} skipped, {len(plan.findings)} findings\n"
                )
            raise typer.Exit(EXIT_FINDINGS if blocking(plan.findings, strict) else EXIT_OK)
