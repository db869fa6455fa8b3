"""`llmgw-migrate check [PATH...]`: one CI gate over config, code (and verify), with one exit code."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer

from llmgw_migrate.commands._common import DEBUG_OPTION, handle_errors

FORMAT_HELP = "Report on stdout: text, json, sarif, github (annotations), junit or markdown."


def register(app: typer.Typer) -> None:
    @app.command("check")
    def check(
        paths: list[Path] = typer.Argument(
            None, help="Files or folders to check with the `code` rules (default: the current folder)."
        ),
        config: Path | None = typer.Option(
            None, "--config", "-c", help="LiteLLM proxy config to convert (its findings join the report)."
        ),
        plan: Path | None = typer.Option(
            None, "--plan", help="A plan.json from `config`, instead of --config."
        ),
        target: str = typer.Option("managed", "--target", help="managed | self-hosted (with --config)."),
        routing: str = typer.Option("pinned", "--routing", help="pinned | smart (with --config)."),
        as_of: str | None = typer.Option(
            None, "--as-of", help="Compare model retirements with this date (YYYY-MM-DD; default today)."
        ),
        no_code: bool = typer.Option(
            False, "--no-code", help="Skip the code rules (config and verify only)."
        ),
        include: list[str] = typer.Option(
            [], "--include", help="Only files matching this glob (repeatable)."
        ),
        exclude: list[str] = typer.Option(
            [], "--exclude", help="Skip files matching this glob (repeatable; wins)."
        ),
        from_url: list[str] = typer.Option(
            [], "--from-url", help="Your proxy's address, if not a default one."
        ),
        base_url: str = typer.Option(
            "https://api.llmgateway.io/v1", "--base-url", help="The gateway URL that replaces the proxy's."
        ),
        key_env: str = typer.Option(
            "LLM_GATEWAY_API_KEY", "--key-env", help="Env var that holds the gateway key."
        ),
        replace_litellm: bool = typer.Option(
            False, "--replace-litellm", help="As `code --replace-litellm`: litellm SDK calls -> OpenAI SDK."
        ),
        no_gitignore: bool = typer.Option(
            False, "--no-gitignore", help="Also check files .gitignore excludes."
        ),
        jobs: int | None = typer.Option(None, "--jobs", "-j", help="Worker processes (default: CPU count)."),
        verify: bool = typer.Option(False, "--verify", help="Also replay requests and compare (see verify)."),
        before: str | None = typer.Option(None, "--before", help="verify: the LiteLLM proxy URL."),
        after: str | None = typer.Option(
            None, "--after", help="verify: the gateway URL (default: an embedded gateway from the plan)."
        ),
        requests: Path | None = typer.Option(
            None, "--requests", help="verify: a JSONL file of requests (as `verify --requests`)."
        ),
        model: list[str] = typer.Option(
            [], "--model", "-m", help="verify: only these client-facing models (repeatable)."
        ),
        verify_suite: bool = typer.Option(
            True, "--verify-suite/--no-verify-suite", help="verify: include the built-in suite from the plan."
        ),
        verify_max_requests: int | None = typer.Option(
            None, "--verify-max-requests", help="verify: send at most this many HTTP requests."
        ),
        verify_max_cost: str | None = typer.Option(
            None, "--verify-max-cost", help="verify: spend at most this many USD (catalog prices)."
        ),
        baseline: Path | None = typer.Option(
            None, "--baseline", help="JSON file of accepted findings; they do not fail the check."
        ),
        update_baseline: bool = typer.Option(
            False, "--update-baseline", help="Write every current finding to --baseline and exit 0."
        ),
        fail_on: str = typer.Option(
            "warning", "--fail-on", help="Lowest severity that fails: error, warning, info or never."
        ),
        fmt: str = typer.Option("text", "--format", "-f", help=FORMAT_HELP),
        output: Path | None = typer.Option(None, "--output", "-o", help="Write the --format report here."),
        sarif: Path | None = typer.Option(None, "--sarif", help="Also write a SARIF 2.1.0 report here."),
        junit: Path | None = typer.Option(None, "--junit", help="Also write a JUnit XML report here."),
        json_out: Path | None = typer.Option(None, "--json", help="Also write the JSON report here."),
        markdown: Path | None = typer.Option(None, "--markdown", help="Also write a Markdown summary here."),
        step_summary: bool = typer.Option(
            True,
            "--step-summary/--no-step-summary",
            help="Append the Markdown summary to $GITHUB_STEP_SUMMARY when it is set.",
        ),
        progress: bool | None = typer.Option(
            None, "--progress/--no-progress", help="Progress bar on stderr (default: when it is a terminal)."
        ),
        schema: bool = typer.Option(False, "--schema", help="Print the JSON report's JSON Schema and exit."),
        debug: bool = DEBUG_OPTION,
    ) -> None:
        """Gate a pull request: config findings, code still reaching the proxy, verify; one exit code.

        Exit 0: nothing fails at --fail-on. Exit 1: findings or pending rewrites. Exit 2: bad input.
        """
        with handle_errors(debug):
            if schema:
                import json

                from llmgw_migrate.check.report_model import report_json_schema

                sys.stdout.write(json.dumps(report_json_schema(), indent=2) + "\n")
                raise typer.Exit(0)
            from llmgw_migrate.check.command import run_command

            code = run_command(
                paths=paths or [Path(".")],
                config=config,
                plan=plan,
                target=target,
                routing=routing,
                as_of=as_of,
                no_code=no_code,
                include=include,
                exclude=exclude,
                from_url=from_url,
                base_url=base_url,
                key_env=key_env,
                replace_litellm=replace_litellm,
                respect_gitignore=not no_gitignore,
                jobs=jobs,
                verify=verify,
                before=before,
                after=after,
                requests=requests,
                models=list(model),
                verify_suite=verify_suite,
                verify_max_requests=verify_max_requests,
                verify_max_cost=verify_max_cost,
                baseline=baseline,
                update_baseline=update_baseline,
                fail_on=fail_on.lower(),
                fmt=fmt.lower(),
                output=output,
                report_files={"sarif": sarif, "junit": junit, "json": json_out, "markdown": markdown},
                step_summary=os.environ.get("GITHUB_STEP_SUMMARY") if step_summary else None,
                stdout=sys.stdout,
                show_progress=sys.stderr.isatty() if progress is None else progress,
            )
        raise typer.Exit(code)
