"""`llmgw-migrate gateway`: run the embedded LLM Gateway-compatible server for a plan."""

# ruff: noqa: E501  (the help text stays on one line per paragraph: typer keeps line breaks)

from __future__ import annotations

import re
import sys
from pathlib import Path

import typer

from llmgw_migrate.commands._common import DEBUG_OPTION, EXIT_FINDINGS, EXIT_OK, handle_errors

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmg]i?b?|b)?\s*$", re.IGNORECASE)
_UNITS = {
    "": 1,
    "b": 1,
    "k": 1000,
    "kb": 1000,
    "kib": 1024,
    "m": 10**6,
    "mb": 10**6,
    "mib": 1024**2,
    "g": 10**9,
    "gb": 10**9,
    "gib": 1024**3,
    "ki": 1024,
    "mi": 1024**2,
    "gi": 1024**3,
}


def parse_size(value: str, option: str = "--max-body") -> int:
    """'16MiB', '500kb', '1048576' -> bytes."""
    from llmgw_migrate.errors import UserError

    match = _SIZE.match(value)
    if not match:
        raise UserError(f"{option} must be a size like 16MiB or 1000000, not {value!r}")
    number, unit = match.groups()
    size = int(float(number) * _UNITS[(unit or "").lower()])
    if size <= 0:
        raise UserError(f"{option} must be positive")
    return size


def register(app: typer.Typer) -> None:
    @app.command("gateway")
    def gateway(
        plan_path: Path | None = typer.Option(
            None,
            "--plan",
            metavar="PATH",
            help="A plan.json from `llmgw-migrate config` (custom providers, key env vars).",
        ),
        config_path: Path | None = typer.Option(
            None, "--config", metavar="PATH", help="A LiteLLM proxy config, converted to a plan on start."
        ),
        host: str = typer.Option(
            "127.0.0.1", "--host", metavar="HOST", help="Address to bind (default: loopback only)."
        ),
        port: int = typer.Option(
            4001, "--port", metavar="PORT", help="Port (the self-hosted gateway's is 4001; 0 = any free)."
        ),
        api_key: list[str] = typer.Option(
            [],
            "--api-key",
            metavar="KEY",
            help="Key clients must send (repeatable). Default: env LLM_GATEWAY_API_KEY, else a random key "
            "printed once.",
        ),
        provider_order: str = typer.Option(
            "",
            "--provider-order",
            metavar="LIST",
            help="Comma list: providers tried first for bare model ids (e.g. azure,openai).",
        ),
        forward_all: bool = typer.Option(
            False,
            "--forward-all",
            help="Forward fields the hosted gateway drops (stop, seed, logprobs, ...).",
        ),
        cache_ttl: float = typer.Option(
            0, "--cache-ttl", metavar="SECONDS", help="Cache answers this many seconds (0 = off)."
        ),
        timeout: float = typer.Option(
            600, "--timeout", metavar="SECONDS", help="Upstream timeout in seconds (per attempt)."
        ),
        connect_timeout: float = typer.Option(
            10, "--connect-timeout", metavar="SECONDS", help="Upstream connect timeout (s)."
        ),
        max_retries: int = typer.Option(
            2, "--max-retries", metavar="N", help="Other providers tried after a 5xx/timeout."
        ),
        max_body: str = typer.Option(
            "16MiB", "--max-body", metavar="SIZE", help="Largest request body accepted (413 above)."
        ),
        max_upstream_body: str = typer.Option(
            "64MiB",
            "--max-upstream-body",
            metavar="SIZE",
            help="Largest upstream answer accepted, decompressed (502 above).",
        ),
        header_timeout: float = typer.Option(
            10, "--header-timeout", metavar="SECONDS", help="Time a client has to send its request headers."
        ),
        body_timeout: float = typer.Option(
            60, "--body-timeout", metavar="SECONDS", help="Time a client has to send its body (408 after)."
        ),
        max_connections: int = typer.Option(
            4096,
            "--max-connections",
            metavar="N",
            help="Most client connections held; past it the longest idle one is closed.",
        ),
        as_of: str | None = typer.Option(
            None,
            "--as-of",
            metavar="DATE",
            help="Compare deactivation dates with this date instead of today.",
        ),
        upstream_client: str = typer.Option("aiohttp", "--upstream-client", hidden=True),
        log_requests: bool = typer.Option(
            False, "--log-requests", help="Log one line per request (no secrets)."
        ),
        check_only: bool = typer.Option(
            False,
            "--check",
            help="Print every plan model with the provider that would serve it, then exit "
            "(1 if a model cannot be served or there are other findings).",
        ),
        keys_plan: Path | None = typer.Option(
            None,
            "--keys",
            help="A keys plan (`llmgw-migrate keys -o keys.json`): issue a local token per key and enforce "
            "its limits, expiry, status and IAM rules.",
        ),
        keys_tokens_out: Path = typer.Option(
            Path("gateway-tokens.jsonl"),
            "--keys-tokens-out",
            help="With --keys: where the local tokens go (JSON lines, mode 0600; never printed).",
        ),
        debug: bool = DEBUG_OPTION,
    ) -> None:
        """Serve LLM Gateway's API locally, routing like the gateway would with the migrated plan.

        One process, no database. Forwards to the real providers with your keys (LLM_<PROVIDER>_API_KEY, a comma list rotates, or the env vars the plan names); LLM_<PROVIDER>_BASE_URL points a provider elsewhere (e.g. at `python -m llmgw_migrate.testing.fake_upstream` in CI).

        Exit codes: 0 stopped cleanly (or --check clean), 1 --check found problems, 2 bad input.
        """
        with handle_errors(debug):
            import datetime as dt
            import logging
            import os

            from llmgw_migrate.config.catalog import load_catalog
            from llmgw_migrate.config.plan import Plan, load_plan
            from llmgw_migrate.errors import UserError
            from llmgw_migrate.gateway.keys import KeyRing
            from llmgw_migrate.gateway.report import startup_report
            from llmgw_migrate.gateway.settings import GATEWAY_KEY_ENV, GatewaySettings

            if plan_path is not None and config_path is not None:
                raise UserError("give --plan or --config, not both")
            if not 0 <= port <= 65535:
                raise UserError(f"--port must be between 0 and 65535, not {port}")
            if upstream_client not in ("aiohttp", "httpx"):
                raise UserError("--upstream-client must be aiohttp or httpx")
            for name, value in (
                ("--timeout", timeout),
                ("--connect-timeout", connect_timeout),
                ("--header-timeout", header_timeout),
                ("--body-timeout", body_timeout),
                ("--max-connections", max_connections),
            ):
                if value <= 0:
                    raise UserError(f"{name} must be positive")
            if cache_ttl < 0 or max_retries < 0:
                raise UserError("--cache-ttl and --max-retries must not be negative")
            today = None
            if as_of is not None:
                try:
                    today = dt.date.fromisoformat(as_of)
                except ValueError:
                    raise UserError(f"--as-of must be a date like 2026-01-31, not {as_of!r}") from None
            plan: Plan | None = None
            if plan_path is not None:
                plan = load_plan(plan_path)
            elif config_path is not None:
                from llmgw_migrate.config.plan_build import convert_file

                plan = convert_file(config_path, target="self-hosted", as_of=today)
            # --api-key wins; else LLM_GATEWAY_API_KEY (a comma list allows several keys); else random.
            keys = tuple(api_key) or tuple(
                k.strip() for k in os.environ.get(GATEWAY_KEY_ENV, "").split(",") if k.strip()
            )
            settings = GatewaySettings(
                api_keys=keys,
                provider_order=tuple(provider_order.split(",")) if provider_order else (),
                forward_all=forward_all,
                cache_ttl=cache_ttl,
                request_timeout=timeout,
                connect_timeout=connect_timeout,
                stream_idle_timeout=timeout,
                max_retries=max_retries,
                max_body_bytes=parse_size(max_body),
                max_upstream_body_bytes=parse_size(max_upstream_body, "--max-upstream-body"),
                header_timeout=header_timeout,
                body_timeout=body_timeout,
                max_connections=max_connections,
                today=today,
                upstream_client=upstream_client,  # type: ignore[arg-type]
            )
            catalog = load_catalog()
            report = startup_report(catalog, KeyRing.build(catalog, plan, os.environ), plan)
            err = sys.stderr
            for line in report.lines():
                err.write(line + "\n")
            found = list(report.findings)
            if check_only and plan is not None:
                # Every model and who would serve it, by the server's own router.
                from llmgw_migrate.gateway import model_check

                models = model_check.check_models(
                    catalog, KeyRing.build(catalog, plan, os.environ), plan, today
                )
                for line in model_check.lines(models):
                    err.write(line + "\n")
                found += model_check.findings(models, plan.source)
            for f in found:
                err.write(f"{f.severity.value}: {f.code} {f.message}\n")
            if check_only:
                raise typer.Exit(EXIT_FINDINGS if found else EXIT_OK)
            if log_requests:
                logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=err)

            def ready(url: str) -> None:
                err.write(f"LLM Gateway-compatible server (embedded) listening on {url}\n")
                if host not in ("127.0.0.1", "localhost", "::1"):
                    err.write(
                        f"  warning: bound to {host}, not loopback: anyone who can reach this port and holds "
                        "the API key spends your provider credits\n"
                    )
                err.write(f"  use base URL {url}/v1 with your gateway API key\n")
                if settings.generated_key:
                    # The one time this random key is shown: it is needed to call the server.
                    err.write(f"  API key (generated, shown once): {settings.api_keys[0]}\n")
                err.flush()

            from llmgw_migrate.gateway.server import serve

            key_policy = None
            if keys_plan is not None:
                from llmgw_migrate.gateway.key_policy import KeyPolicy
                from llmgw_migrate.keys.plan_model import load_keys_plan

                key_policy = KeyPolicy(load_keys_plan(keys_plan))
                if keys_tokens_out.is_dir():
                    raise UserError("--keys-tokens-out is a directory, not a file", keys_tokens_out)
                try:
                    key_policy.write_tokens(keys_tokens_out)
                except OSError as exc:
                    raise UserError(
                        f"cannot write the tokens: {exc.strerror or exc}", keys_tokens_out
                    ) from None
                err.write(
                    f"keys plan: {len(key_policy.tokens)} local tokens written to {keys_tokens_out} (mode 0600)\n"
                )
            try:
                serve(plan, settings, host, port, on_ready=ready, key_policy=key_policy)
            except OSError as exc:
                raise UserError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
            except KeyboardInterrupt:
                pass
            raise typer.Exit(EXIT_OK)
