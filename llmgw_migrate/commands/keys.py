"""`llmgw-migrate keys`: plan the move of LiteLLM virtual keys, teams and budgets; `keys apply` runs it."""

# ruff: noqa: E501  (help texts stay on one line)

from __future__ import annotations

import gc
import sys
from collections.abc import Iterable
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


def _write(path: Path, text: Iterable[str], what: str) -> None:
    from llmgw_migrate.atomic import write_chunks_atomic
    from llmgw_migrate.errors import UserError

    if path.is_dir():
        raise UserError(f"{what} path is a directory, not a file", path)
    try:
        write_chunks_atomic(path, text)
    except OSError as exc:
        raise UserError(f"cannot write the {what}: {exc.strerror or exc}", path) from None


def _echo(line: str) -> None:
    sys.stdout.write(line + "\n")


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
                from llmgw_migrate.config.plan import load_plan

                plan_obj = load_plan(model_plan)
            for path in handover or []:
                if path.suffix.lower() not in (".md", ".markdown", ".csv"):
                    raise UserError("--handover must end in .md or .csv", path)
            # ~2 million objects and almost no cycles: the cyclic collector would rescan the growing heap
            # many times over (a third of the run on 100,000 keys) to free nothing. The process ends here.
            gc.disable()
            if from_api:
                from llmgw_migrate.keys.api_reader import read_api

                data = read_api(from_api)
            else:
                from llmgw_migrate.keys.db_reader import read_database

                data = read_database(str(database_url))
            from llmgw_migrate.findings import blocking
            from llmgw_migrate.keys.planner import build_plan

            try:
                plan = build_plan(data, plan_obj, str(model_plan) if model_plan else None)
            finally:
                close = getattr(data.keys, "close", None)  # a database's key stream holds its connection
                if close is not None:
                    close()
            del data  # the plan holds what it needs; keep the peak memory of a big proxy low
            if output is not None:
                out_fmt = _format_for(output, fmt if fmt != "markdown" else None)
                _write(
                    output, plan.iter_json() if out_fmt == "json" else [render(plan, out_fmt)], "keys plan"
                )
            for path in handover or []:
                from llmgw_migrate.keys.handover import render_handover

                _write(
                    path,
                    [render_handover(plan, "csv" if path.suffix.lower() == ".csv" else "markdown")],
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

    @keys_app.command("apply")
    def apply(
        plan_path: Path = typer.Option(
            ..., "--plan", help="The keys plan (JSON) written by `llmgw-migrate keys -o keys.json`."
        ),
        master_url: str = typer.Option(
            ...,
            "--master-url",
            envvar="LLM_GATEWAY_MASTER_URL",
            show_envvar=True,
            help="The LLM Gateway API service: https://internal.llmgateway.io, or http://localhost:4002 self-hosted.",
        ),
        yes: bool = typer.Option(
            False,
            "--yes",
            help="Make the calls. Without it (or with --dry-run) the requests are only printed.",
        ),
        dry_run: bool = typer.Option(
            False, "--dry-run", help="Print the requests, send nothing but reads (the default)."
        ),
        tokens_out: Path | None = typer.Option(
            None,
            "--tokens-out",
            help="Append each new key's token here (JSON lines, mode 0600). Required with --yes.",
        ),
        debug: bool = DEBUG_OPTION,
    ) -> None:
        """Create the plan's projects, API keys and IAM rules through the master-key API (key from LLM_GATEWAY_MASTER_KEY).

        Idempotent: keys carry `llmgw-migrate:<ref>` in their description and are never created twice.
        Exit codes: 0 done (or nothing to do), 1 dry run with changes to make, or stopped at the
        organization's key or project cap; 2 bad input or an API error.
        """
        with handle_errors(debug):
            import os

            from llmgw_migrate.errors import UserError
            from llmgw_migrate.keys.apply import Applier, MasterClient, TokenFile, validate
            from llmgw_migrate.keys.plan_model import load_keys_plan

            execute = yes and not dry_run
            plan = load_keys_plan(plan_path)
            validate(plan, plan_path)
            if not master_url.startswith(("http://", "https://")):
                raise UserError("--master-url must be an http(s):// URL")
            master_key = os.environ.get("LLM_GATEWAY_MASTER_KEY")
            if execute and not master_key:
                raise UserError("keys apply --yes needs the master key in LLM_GATEWAY_MASTER_KEY")
            if execute and tokens_out is None:
                raise UserError(
                    "keys apply --yes needs --tokens-out FILE: new tokens are shown once and must be kept"
                )
            if tokens_out is not None and tokens_out.is_dir():
                raise UserError("--tokens-out is a directory, not a file", tokens_out)
            client = MasterClient(master_url, master_key) if master_key else None
            if client is None:
                sys.stderr.write(
                    "LLM_GATEWAY_MASTER_KEY is not set: listing every request, as for an empty organization\n"
                )
            tokens = TokenFile(tokens_out) if execute and tokens_out is not None else None
            try:
                result = Applier(
                    plan,
                    client,
                    execute=execute,
                    tokens=tokens,
                    echo=_echo,
                ).run()
            finally:
                if tokens is not None:
                    tokens.close()
                if client is not None:
                    client.close()
            verb = "created" if execute else "to create"
            summary = (
                f"{'applied' if execute else 'dry run'}: projects {verb} {result.projects_created}, present {result.projects_present}; "
                f"keys {verb} {result.keys_created}, present {result.keys_present}; IAM rules {verb} {result.rules_created}; "
                f"status updates {result.updates}"
            )
            sys.stdout.write(summary + "\n")
            if execute and tokens_out is not None and result.keys_created:
                sys.stdout.write(
                    f"{result.keys_created} new tokens appended to {tokens_out} (mode 0600); they are not shown anywhere else\n"
                )
            if result.stopped:
                sys.stdout.write(
                    f"stopped: {result.stopped} {result.keys_left} keys of the plan were not created; "
                    "raise the limit and re-run: what exists is matched and not created twice\n"
                )
                raise typer.Exit(EXIT_FINDINGS)
            if not execute:
                sys.stdout.write("nothing sent; re-run with --yes --tokens-out FILE to make these calls\n")
                raise typer.Exit(EXIT_FINDINGS if result.changes else EXIT_OK)
            raise typer.Exit(EXIT_OK)
