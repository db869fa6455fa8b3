"""`llmgw-migrate config`: turn a LiteLLM proxy config into a gateway migration plan."""

# ruff: noqa: E501  (user-facing messages stay on one line so they can be grepped)

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from llmgw_migrate.commands._common import DEBUG_OPTION, EXIT_FINDINGS, EXIT_OK, handle_errors

if TYPE_CHECKING:
    from llmgw_migrate.findings import Finding

_FORMATS = ("text", "json", "yaml", "markdown")


def _parse_date(value: str | None):  # type: ignore[no-untyped-def]
    import datetime as dt

    from llmgw_migrate.errors import UserError

    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UserError(f"--as-of must be a date like 2026-01-31, not {value!r}") from None


def _output_format(path: Path, fmt: str | None) -> str:
    if fmt and fmt != "text":
        return fmt
    suffix = path.suffix.lower()
    return {".yaml": "yaml", ".yml": "yaml", ".md": "markdown", ".markdown": "markdown", ".txt": "text"}.get(
        suffix, "json"
    )


def register(app: typer.Typer) -> None:
    @app.command("config")
    def config(
        paths: list[Path] | None = typer.Argument(
            None,
            help="The LiteLLM proxy config (litellm_config.yaml); with --check, one or more.",
            show_default=False,
        ),
        fmt: str | None = typer.Option(
            None, "--format", "-f", help="Output on stdout: text (default), json, yaml or markdown."
        ),
        output: Path | None = typer.Option(
            None,
            "--output",
            "-o",
            help="Write the plan to this file (JSON unless it ends in .yaml/.yml/.md).",
        ),
        schema: bool = typer.Option(False, "--schema", help="Print the plan's JSON Schema and exit."),
        target: str = typer.Option("managed", "--target", help="managed (api.llmgateway.io) or self-hosted."),
        routing: str = typer.Option(
            "pinned",
            "--routing",
            help="pinned: provider/model ids (LiteLLM's pinning); smart: bare catalog ids where the model has several providers.",
        ),
        as_of: str | None = typer.Option(
            None,
            "--as-of",
            metavar="DATE",
            help="Compare deprecation dates with this date (YYYY-MM-DD) instead of today.",
        ),
        env_out: Path | None = typer.Option(
            None,
            "--env-out",
            help="With --target self-hosted: write the LLM_* env file here (mode 0600, references only).",
        ),
        strict: bool = typer.Option(
            False, "--strict", help="Exit 1 on warnings too, not only on manual/unsupported findings."
        ),
        fail_on: str | None = typer.Option(
            None,
            "--fail-on",
            metavar="SEVERITY",
            help="Exit 1 when a finding is at or above this severity: error, warning, info or never "
            "(as in `check`).",
        ),
        check: bool = typer.Option(
            False,
            "--check",
            help="CI/pre-commit mode: convert each config, print only the findings (--format "
            "text|json|sarif|github), write nothing; exit 1 when a plan is not complete.",
        ),
        debug: bool = DEBUG_OPTION,
    ) -> None:
        """Read a LiteLLM proxy config and print the migration plan.

        Exit codes: 0 the plan is written (-o/--env-out) or complete; 1 only when a gate fails: printed
        without -o, manual or unsupported findings; --strict, any warning too; --fail-on SEVERITY, a
        finding at or above it (as in `check`); --check, as printed without -o. 2 bad input.
        Secret values from the config are never printed or written; env references stay references.
        """
        with handle_errors(debug):
            from llmgw_migrate.errors import UserError

            if schema:
                import json

                from llmgw_migrate.config.plan import plan_json_schema

                sys.stdout.write(json.dumps(plan_json_schema(), indent=2) + "\n")
                raise typer.Exit(EXIT_OK)
            if not paths:
                raise UserError("missing config path: llmgw-migrate config litellm_config.yaml")
            fmt = fmt.lower() if fmt else fmt
            if fail_on is not None:
                from llmgw_migrate.check.result import FAIL_ON_CHOICES

                fail_on = fail_on.lower()
                if fail_on not in FAIL_ON_CHOICES:
                    raise UserError(f"--fail-on must be one of {', '.join(FAIL_ON_CHOICES)}, not {fail_on!r}")
            if check:
                raise typer.Exit(_check(paths, fmt, target, routing, _parse_date(as_of), strict, fail_on))
            if len(paths) > 1:
                raise UserError("config reads one config at a time (several only with --check)")
            path = paths[0]
            if fmt is not None and fmt not in _FORMATS:  # (lower-cased above)
                raise UserError(f"--format must be one of {', '.join(_FORMATS)}, not {fmt!r}")
            if target not in ("managed", "self-hosted"):
                raise UserError(f"--target must be managed or self-hosted, not {target!r}")
            if routing not in ("pinned", "smart"):
                raise UserError(f"--routing must be pinned or smart, not {routing!r}")
            if env_out is not None and target != "self-hosted":
                raise UserError("--env-out needs --target self-hosted")
            if env_out is not None and env_out.is_dir():
                raise UserError("--env-out is a directory, not a file", env_out)
            if output is not None and output.is_dir():
                raise UserError("--output is a directory, not a file", output)
            date = _parse_date(as_of)

            from llmgw_migrate.config.gc_pause import paused_gc

            # the collector stays off through the imports, conversion and rendering: none of it makes
            # cyclic garbage, and each collection would rescan the whole config and plan
            with paused_gc():
                from llmgw_migrate.config.plan_build import convert_file
                from llmgw_migrate.config.render import blocking, render

                plan = convert_file(path, target=target, routing=routing, as_of=date)
                if output is not None:
                    from llmgw_migrate.atomic import write_text_atomic
                    from llmgw_migrate.config.plan_paths import relative_to_plan_file

                    written_plan = relative_to_plan_file(plan, output)  # readable from any folder
                    try:
                        write_text_atomic(output, render(written_plan, _output_format(output, fmt)))
                    except OSError as exc:
                        raise UserError(f"cannot write the plan: {exc.strerror or exc}", output) from None
                if env_out is not None:
                    from llmgw_migrate.config.env_file import write_env

                    try:
                        write_env(plan, env_out)
                    except OSError as exc:
                        raise UserError(
                            f"cannot write the env file: {exc.strerror or exc}", env_out
                        ) from None
                color = fmt in (None, "text") and sys.stdout.isatty() and not _no_color()
                sys.stdout.write(render(plan, fmt or "text", color=color, width=_width()))
                if (fmt or "text") == "text":  # machine formats keep stdout to the plan alone
                    if output is not None:
                        todo = " (findings need manual work: see above)" if blocking(plan.findings) else ""
                        sys.stdout.write(f"plan written to {output}{todo}\n")
                    if env_out is not None:
                        sys.stdout.write(f"env file written to {env_out} (mode 0600)\n")
            written = output is not None or env_out is not None
            raise typer.Exit(EXIT_FINDINGS if _gate(plan.findings, strict, fail_on, written) else EXIT_OK)


def _gate(findings: list[Finding], strict: bool, fail_on: str | None, written: bool) -> bool:
    """Whether the run fails (exit 1). Writing the plan is the job: once written, only an explicit gate
    (--strict, --fail-on) fails, so `config ... -o plan.json && code ...` runs on."""
    from llmgw_migrate.check.result import severity_fails
    from llmgw_migrate.config.render import blocking

    if fail_on is not None:
        return any(severity_fails(f.severity, fail_on) for f in findings)
    if written and not strict:
        return False
    return blocking(findings, strict)


def _check(
    paths: list[Path],
    fmt: str | None,
    target: str,
    routing: str,
    date,
    strict: bool,
    fail_on: str | None = None,
) -> int:  # type: ignore[no-untyped-def]
    """Findings of every config, one report; a config that cannot be read is one line and exit 2."""
    from llmgw_migrate import finding_formats
    from llmgw_migrate.config.plan_build import convert_file
    from llmgw_migrate.errors import UserError
    from llmgw_migrate.text import plural

    fmt = fmt or "text"
    if fmt not in finding_formats.FORMATS:
        raise UserError(
            f"with --check, --format must be one of {', '.join(finding_formats.FORMATS)}, not {fmt!r}"
        )
    findings: list[Finding] = []
    failed = incomplete = False
    for path in paths:
        try:
            plan = convert_file(path, target=target, routing=routing, as_of=date)
        except UserError as exc:
            sys.stderr.write(f"error: {exc}\n")
            failed = True
            continue
        findings.extend(plan.findings)
        todo = _gate(plan.findings, strict, fail_on, written=False)
        incomplete = incomplete or todo
        mapped = sum(1 for m in plan.models if m.gateway_model)
        state = "plan needs manual work" if todo else "plan complete"
        sys.stderr.write(
            f"{path}: {mapped} of {plural(len(plan.models), 'model')} mapped, {plural(len(plan.findings), 'finding')}: {state}\n"
        )
    sys.stdout.write(finding_formats.render(findings, fmt))
    if failed:
        return 2
    return EXIT_FINDINGS if incomplete else EXIT_OK


def _no_color() -> bool:
    import os

    return bool(os.environ.get("NO_COLOR"))


def _width() -> int | None:
    import shutil

    if sys.stdout.isatty():
        return shutil.get_terminal_size().columns
    return 120
