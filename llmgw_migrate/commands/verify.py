"""`llmgw-migrate verify`: replay requests against LiteLLM and the gateway and report parity."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from llmgw_migrate.commands._common import DEBUG_OPTION, handle_errors

HELP = (
    "Replay the same requests to the LiteLLM proxy (--before) and the gateway (--after) and compare.\n\n"
    "Requests: a built-in suite from the plan (chat, system prompt, streaming, a tool call, JSON mode, "
    "embeddings; an unknown model; a bad key), JSONL request files (--requests) and LiteLLM spend logs "
    "(--spend-logs). Model names are mapped through the plan. Keys come from LITELLM_API_KEY and "
    "LLM_GATEWAY_API_KEY, or --before-key / --after-key. `--after embedded` runs the embedded gateway "
    "from the plan in-process.\n\n"
    "Exit codes: 0 parity, 1 differences, 2 could not run (bad input, errors, a side that answered no "
    "ordinary request successfully, a proxy that needs LITELLM_API_KEY, a run cut short by Ctrl-C or the "
    "budget). An ordinary request that fails on both sides is an error, never a pass."
)


def register(app: typer.Typer) -> None:
    @app.command("verify", help=HELP)
    def verify(
        before: str | None = typer.Option(
            None, "--before", help="LiteLLM proxy URL, e.g. http://localhost:4000 (required)"
        ),
        after: str | None = typer.Option(
            None, "--after", help="Gateway URL (e.g. https://api.llmgateway.io/v1), or 'embedded' (required)"
        ),
        plan: Path | None = typer.Option(None, "--plan", help="plan.json from `llmgw-migrate config`"),
        before_key: str | None = typer.Option(
            None, "--before-key", help="Key for --before (default: $LITELLM_API_KEY)", show_default=False
        ),
        after_key: str | None = typer.Option(
            None, "--after-key", help="Key for --after (default: $LLM_GATEWAY_API_KEY)", show_default=False
        ),
        requests: list[Path] = typer.Option(
            [], "--requests", help="JSONL of requests ({endpoint, body} or bare bodies); repeatable"
        ),
        corpus: list[Path] = typer.Option([], "--corpus", hidden=True, help="Deprecated name of --requests"),
        spend_logs: list[Path] = typer.Option(
            [], "--spend-logs", help="LiteLLM /spend/logs export (JSON or JSONL); repeatable"
        ),
        spend_logs_api: bool = typer.Option(
            False, "--spend-logs-api", help="Also fetch /spend/logs from --before (needs an admin key)"
        ),
        spend_logs_db: str | None = typer.Option(
            None,
            "--spend-logs-db",
            metavar="DATABASE_URL",
            help="Sample requests straight from the LiteLLM database's LiteLLM_SpendLogs (read only)",
        ),
        sample: int = typer.Option(100, "--sample", min=1, help="With --spend-logs-db: how many requests"),
        since: str | None = typer.Option(
            None, "--since", help="With --spend-logs-db: from this date/time (default: 30 days ago)"
        ),
        until: str | None = typer.Option(None, "--until", help="With --spend-logs-db: up to this date/time"),
        keys_plan: Path | None = typer.Option(
            None, "--keys", help="Key-permission parity: the keys plan (`llmgw-migrate keys -o keys.json`)"
        ),
        old_keys: Path | None = typer.Option(
            None, "--old-keys", help="With --keys: the LiteLLM keys to test, one a line (paired by hash)"
        ),
        new_tokens: Path | None = typer.Option(
            None, "--new-tokens", help="With --keys: the tokens file of `keys apply` or `gateway --keys`"
        ),
        builtin: bool = typer.Option(
            True, "--suite/--no-suite", help="Include the built-in suite derived from the plan"
        ),
        model: list[str] = typer.Option(
            [], "--model", "-m", help="Only these client-facing models; repeatable"
        ),
        concurrency: int = typer.Option(8, "--concurrency", min=1, max=512, help="Cases in flight"),
        timeout: float = typer.Option(60.0, "--timeout", min=0.1, help="Per-request timeout, seconds"),
        retries: int = typer.Option(2, "--retries", min=0, max=10, help="Retries on 429/5xx/timeouts"),
        max_requests: int | None = typer.Option(
            None, "--max-requests", min=1, help="Stop before sending more HTTP requests than this"
        ),
        max_cost: str | None = typer.Option(
            None, "--max-cost", help="Stop before spending more than this many USD (catalog prices)"
        ),
        price: list[str] = typer.Option(
            [],
            "--price",
            metavar="MODEL=IN,OUT",
            help="Price a model the catalog does not (USD per million input, output tokens); repeatable",
        ),
        noise_samples: int = typer.Option(
            0, "--noise-samples", min=0, max=20, help="Replay each request N more times to --before (noise)"
        ),
        similarity: float | None = typer.Option(
            None, "--similarity", min=0.0, max=1.0, help="Content similarity threshold when temperature > 0"
        ),
        usage_tolerance: float | None = typer.Option(
            None, "--usage-tolerance", min=0.0, help="Relative token-usage tolerance (default 0.10)"
        ),
        fmt: str = typer.Option(
            "text", "--format", "-f", help="stdout format: text|json|junit|markdown|html"
        ),
        json_out: Path | None = typer.Option(None, "--json", help="Also write the JSON report here"),
        junit_out: Path | None = typer.Option(None, "--junit", help="Also write JUnit XML here"),
        markdown_out: Path | None = typer.Option(None, "--markdown", help="Also write Markdown here"),
        html_out: Path | None = typer.Option(None, "--html", help="Also write the HTML report here"),
        progress: bool | None = typer.Option(
            None, "--progress/--no-progress", help="Progress bar on stderr (default: when it is a terminal)"
        ),
        schema: bool = typer.Option(False, "--schema", help="Print the JSON report's JSON Schema and exit."),
        debug: bool = DEBUG_OPTION,
    ) -> None:
        with handle_errors(debug):
            if schema:
                import json

                from llmgw_migrate.verify.report import report_json_schema

                typer.echo(json.dumps(report_json_schema(), indent=2))
                raise typer.Exit(0)
            from llmgw_migrate.errors import UserError
            from llmgw_migrate.verify.run import VerifyConfig, run_verify

            if not before or not after:
                raise UserError("verify needs --before URL and --after URL|embedded")
            if corpus:
                sys.stderr.write("warning: --corpus is deprecated; use --requests (same meaning)\n")
            if keys_plan is not None:
                raise typer.Exit(_key_parity(before, after, keys_plan, old_keys, new_tokens, plan, timeout))

            config = VerifyConfig(
                before=before,
                after=after,
                plan_path=plan,
                before_key=before_key,
                after_key=after_key,
                corpora=[*requests, *corpus],
                spend_logs=list(spend_logs),
                spend_logs_api=spend_logs_api,
                spend_logs_db=spend_logs_db,
                sample=sample,
                spend_since=since,
                spend_until=until,
                builtin=builtin,
                models=list(model),
                concurrency=concurrency,
                timeout=timeout,
                retries=retries,
                max_requests=max_requests,
                max_cost=max_cost,
                prices=list(price),
                noise_samples=noise_samples,
                similarity=similarity,
                usage_tolerance=usage_tolerance,
                fmt=fmt.lower(),
                outputs={"json": json_out, "junit": junit_out, "markdown": markdown_out, "html": html_out},
                progress=progress,
            )
            code = run_verify(config)
        raise typer.Exit(code)


def _key_parity(
    before: str, after: str, keys_plan: Path, old_keys: Path | None, new_tokens: Path | None,
    plan_path: Path | None, timeout: float,
) -> int:  # fmt: skip
    """verify --keys: an old LiteLLM key and its new gateway key must allow and refuse the same things."""
    from llmgw_migrate.config.plan import load_plan
    from llmgw_migrate.errors import UserError
    from llmgw_migrate.keys.plan_model import load_keys_plan
    from llmgw_migrate.keys.planner import ModelMapper
    from llmgw_migrate.verify import key_parity

    if old_keys is None or new_tokens is None:
        raise UserError("verify --keys needs --old-keys FILE and --new-tokens FILE")
    if after == "embedded":
        raise UserError(
            "verify --keys needs the gateway's URL as --after (start `gateway --keys` for a local one)"
        )
    plan = load_keys_plan(keys_plan)
    model_plan = load_plan(plan_path) if plan_path is not None else None
    if model_plan is None:
        raise UserError("verify --keys needs --plan (the model names to send to each side)")
    mapper = ModelMapper(model_plan)
    names = {name: gid for name in sorted(mapper.names) if (gid := mapper(name))}
    paired = key_parity.pairs(
        plan, key_parity.read_old_keys(old_keys), key_parity.read_new_tokens(new_tokens)
    )
    if not paired:
        raise UserError("no plan key has both an old key in --old-keys and a new token in --new-tokens")
    checks = key_parity.run_key_parity(before, after, plan, paired, names, timeout)
    typer.echo(key_parity.render(checks, len(plan.keys) - len(paired)), nl=False)
    return 1 if any(c.verdict == "fail" for c in checks) else 0
