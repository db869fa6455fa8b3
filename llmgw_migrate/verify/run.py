"""Orchestration of one verify run: inputs -> suite -> replay (+ compare as results arrive) -> report.

`execute(config)` is the programmatic entry point (no printing; `check` uses it); `run_verify(config)` is
the CLI's: progress bar, stdout rendering, report files, exit code.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import signal
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from llmgw_migrate.config.plan import Plan, load_plan
from llmgw_migrate.errors import UserError
from llmgw_migrate.findings import Finding, make
from llmgw_migrate.verify.report import (
    FORMATS,
    DifferenceOut,
    ResultOut,
    SideOut,
    VerifyReport,
    exit_code,
    mask_url,
    now_iso,
    redact,
    render,
    summarize,
)
from llmgw_migrate.verify.suite import (
    Suite,
    builtin_suite,
    fetch_spend_logs,
    read_corpus,
    read_spend_logs,
    spend_log_suite,
)

EMBEDDED = "embedded"
BEFORE_KEY_ENV = "LITELLM_API_KEY"
AFTER_KEY_ENV = "LLM_GATEWAY_API_KEY"


@dataclass
class VerifyConfig:
    before: str
    after: str
    plan_path: Path | None = None
    plan: Plan | None = None  # given directly (programmatic use); wins over plan_path
    before_key: str | None = None
    after_key: str | None = None
    corpora: list[Path] = field(default_factory=list)
    spend_logs: list[Path] = field(default_factory=list)
    spend_logs_api: bool = False
    spend_logs_db: str | None = None  # --spend-logs-db: sample LiteLLM_SpendLogs in the database
    sample: int = 100
    spend_since: str | None = None
    spend_until: str | None = None
    builtin: bool = True
    models: list[str] = field(default_factory=list)
    concurrency: int = 8
    timeout: float = 60.0
    retries: int = 2
    max_requests: int | None = None
    max_cost: str | Decimal | None = None
    prices: list[str] = field(default_factory=list)  # --price MODEL=IN,OUT (USD per million tokens)
    noise_samples: int = 0
    similarity: float | None = None
    usage_tolerance: float | None = None
    fmt: str = "text"
    outputs: dict[str, Path | None] = field(default_factory=dict)
    progress: bool | None = None


def _check_url(flag: str, url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UserError(f"{flag}: {url!r} is not an http(s) URL (e.g. http://localhost:4000)")
    return url


def _max_cost(value: str | Decimal | None) -> Decimal | None:
    if value is None or isinstance(value, Decimal):
        return value
    try:
        cost = Decimal(str(value).strip().lstrip("$"))
    except InvalidOperation:
        raise UserError(f"--max-cost: {value!r} is not a number of USD") from None
    if not cost.is_finite() or cost < 0:
        raise UserError(f"--max-cost: {value!r} must be a non-negative number of USD")
    return cost


def validate(config: VerifyConfig) -> None:
    if config.fmt not in FORMATS:
        raise UserError(f"--format: {config.fmt!r} is not one of {', '.join(FORMATS)}")
    _check_url("--before", config.before)
    if config.after != EMBEDDED:
        _check_url("--after", config.after)
    elif config.plan is None and config.plan_path is None:
        raise UserError("--after embedded needs --plan (the embedded gateway serves the plan's models)")
    config.max_cost = _max_cost(config.max_cost)
    for name, path in config.outputs.items():
        if path is not None and path.exists() and path.is_dir():
            raise UserError(f"--{name}: is a directory", path)


def build_suite(config: VerifyConfig, plan: Plan | None) -> Suite:
    suite = Suite()
    if config.builtin and plan is not None:
        suite.extend(builtin_suite(plan, config.models))
    for path in config.corpora:
        suite.extend(read_corpus(path, plan, config.models))
    for path in config.spend_logs:
        suite.extend(read_spend_logs(path, plan, config.models))
    if config.spend_logs_api:
        rows = fetch_spend_logs(config.before, _key(config.before_key, BEFORE_KEY_ENV))
        suite.extend(spend_log_suite(rows, plan, config.models))
    if config.spend_logs_db:
        suite.extend(spend_log_suite(_sample_db(config), plan, config.models))
    if not suite.cases:
        hint = "give --plan for the built-in suite, or --requests/--spend-logs files"
        if config.models:
            hint = f"no request uses the models {', '.join(config.models)}"
        raise UserError(f"nothing to replay: {hint}")
    return suite


def _sample_db(config: VerifyConfig) -> list[tuple[str, Any]]:
    from llmgw_migrate.verify.spend_logs_db import sample_rows

    def when(flag: str, value: str | None) -> dt.datetime | None:
        try:
            return dt.datetime.fromisoformat(value) if value else None
        except ValueError:
            raise UserError(f"{flag} must be a date or time like 2026-11-01, not {value!r}") from None

    since, until = when("--since", config.spend_since), when("--until", config.spend_until)
    assert config.spend_logs_db is not None
    return sample_rows(config.spend_logs_db, config.sample, since=since, until=until, models=config.models)


def _key(flag_value: str | None, env: str) -> str | None:
    return flag_value or os.environ.get(env) or None


@contextlib.contextmanager
def _after_endpoint(config: VerifyConfig, plan: Plan | None) -> Iterator[tuple[str, str | None]]:
    """(after URL, after key); for `embedded`, a gateway served from the plan for the run's duration."""
    key = _key(config.after_key, AFTER_KEY_ENV)
    if config.after != EMBEDDED:
        yield config.after, key
        return
    from llmgw_migrate.gateway.server import serve_in_thread
    from llmgw_migrate.gateway.settings import GatewaySettings, generate_api_key

    key = key or generate_api_key()
    settings = GatewaySettings(api_keys=(key,))
    server = serve_in_thread(plan, settings)
    try:
        url = server.__enter__()
    except RuntimeError as exc:
        raise UserError(f"--after embedded: {exc}") from None
    try:
        yield url, key
    finally:
        server.__exit__(None, None, None)


@dataclass
class _Progress:
    """A rich progress bar on stderr, or nothing."""

    enabled: bool
    total: int
    _bar: Any = None
    _task: Any = None

    def __enter__(self) -> _Progress:
        if self.enabled:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self._bar = Progress(
                TextColumn("verify"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[tally]}"),
                TimeElapsedColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self._bar.__enter__()
            self._task = self._bar.add_task("verify", total=self.total, tally="")
        return self

    def advance(self, tally: dict[str, int]) -> None:
        if self._bar is not None:
            text = f"pass {tally['pass']}  differ {tally['differ']}  error {tally['error']}"
            self._bar.update(self._task, advance=1, tally=text)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)


def _diff_out(diffs: list[Any]) -> list[DifferenceOut]:
    return [
        DifferenceOut(path=d.path, before=d.before, after=d.after, check=d.check, rule=d.rule) for d in diffs
    ]


def _side(ex: Any) -> SideOut:
    from llmgw_migrate.verify.compare import error_message

    return SideOut(
        status=ex.status,
        latency_ms=round(ex.latency_ms, 2),
        attempts=ex.attempts,
        cost_usd=None if ex.cost_usd is None else format(ex.cost_usd, "f"),
        error=ex.error,
        message=error_message(ex),
    )


def served_models(plan: Plan | None) -> dict[str, str]:
    """Client-facing name -> the upstream model name LiteLLM serves for it."""
    out: dict[str, str] = {}
    for m in plan.models if plan else ():
        upstream = m.upstream_model or m.litellm_model.split("/", 1)[-1]
        if upstream and "*" not in upstream:
            out[m.name] = upstream
    return out


def load_balanced(plan: Plan | None) -> dict[str, int]:
    """Client-facing names LiteLLM spreads over several deployments -> how many (they answer differently)."""
    return {m.name: m.deployments for m in plan.models if m.deployments > 1} if plan else {}


def preflight_before(url: str, key: str | None, timeout: float) -> None:
    """Without a key, ask the proxy's /v1/models whether it needs one: a proxy with a master key refuses
    every request, which would otherwise come back as a run of errors. Found up front, exit 2."""
    if key:
        return
    import httpx

    from llmgw_migrate.verify.replay import before_side

    try:
        resp = httpx.get(before_side(url, None).url("/v1/models"), timeout=min(timeout, 10.0))
    except httpx.HTTPError:
        return  # unreachable: the run reports the transport errors per case, and the broken side
    text = resp.text[:2000].lower()
    needs_key = resp.status_code in (401, 403) or (
        resp.status_code >= 400
        and any(w in text for w in ("api key", "api_key", "master key", "authentication"))
    )
    if needs_key:
        raise UserError(
            f"--before: the proxy at {mask_url(url)} needs a key (GET /v1/models without one answered "
            f"{resp.status_code}): set {BEFORE_KEY_ENV} or pass --before-key"
        )


def execute(config: VerifyConfig, *, progress: bool = False) -> VerifyReport:
    """Run verify and return its report (raises UserError on bad input)."""
    from llmgw_migrate.config.catalog import load_catalog
    from llmgw_migrate.verify.compare import ERROR, CompareOptions, Comparer, Comparison
    from llmgw_migrate.verify.pricing import CatalogPricer, budget_notice, parse_prices
    from llmgw_migrate.verify.replay import Outcome, Replayer, ReplayOptions, after_side, before_side

    validate(config)
    plan = config.plan or (load_plan(config.plan_path) if config.plan_path else None)
    suite = build_suite(config, plan)
    catalog = load_catalog()
    pricer = CatalogPricer(catalog, plan, parse_prices(config.prices))
    max_cost = config.max_cost if isinstance(config.max_cost, Decimal) else None
    notice = budget_notice(pricer, suite.cases, max_cost, config.max_requests)
    if notice:
        sys.stderr.write(notice + "\n")
    comparer = Comparer(
        catalog,
        opts=CompareOptions(similarity=config.similarity, usage_relative=config.usage_tolerance),
        served=served_models(plan),
        groups=load_balanced(plan),
    )
    preflight_before(config.before, _key(config.before_key, BEFORE_KEY_ENV), config.timeout)
    opts = ReplayOptions(
        concurrency=config.concurrency,
        timeout=config.timeout,
        retries=config.retries,
        max_requests=config.max_requests,
        max_cost=max_cost,
        noise_samples=config.noise_samples,
    )
    order = {c.id: i for i, c in enumerate(suite.cases)}
    results: list[ResultOut] = []
    tally = {"pass": 0, "differ": 0, "error": 0}

    with (
        _after_endpoint(config, plan) as (after_url, after_key),
        _Progress(progress, len(suite.cases)) as bar,
    ):
        replayer = Replayer(
            before_side(config.before, _key(config.before_key, BEFORE_KEY_ENV)),
            after_side(after_url, after_key),
            opts,
            pricer=pricer.price,
            estimate=lambda case: pricer.estimate(case, config.noise_samples),
        )

        def on_outcome(o: Outcome) -> None:
            try:
                cmp = comparer.compare(o.case, o.before, o.after, o.noise)
            except Exception as exc:  # one odd answer must not end a long run: report it as an error
                cmp = Comparison(ERROR, error=f"could not compare the answers: {type(exc).__name__}: {exc}")
            tally[cmp.status] += 1
            results.append(
                ResultOut(
                    id=o.case.id,
                    model=o.case.model,
                    gateway_model=o.case.after_model,
                    kind=o.case.kind,
                    endpoint=o.case.endpoint,
                    stream=o.case.stream,
                    source=o.case.source,
                    status=cmp.status,  # type: ignore[arg-type]
                    differences=_diff_out(cmp.differences),
                    known=_diff_out(cmp.known),
                    noise=_diff_out(cmp.noise),
                    error=cmp.error,
                    before=_side(o.before),
                    after=_side(o.after),
                    noise_samples=len(o.noise),
                )
            )
            bar.advance(tally)

        stats = asyncio.run(_replay_with_sigint(replayer, suite, on_outcome))

    results.sort(key=lambda r: order.get(r.id, 0))
    summary = summarize(
        results,
        not_run=stats.not_run,
        stopped=stats.stopped,
        requests=stats.requests,
        retries=stats.retries,
        cost_before=stats.cost_before,
        cost_after=stats.cost_after,
        unpriced=stats.unpriced,
        seconds=stats.seconds,
    )
    notes = list(suite.notes)
    unmapped = sorted({c.model for c in suite.cases if not c.mapped and c.model})
    if unmapped:
        notes.append("not in the plan, sent unchanged to the after side: " + ", ".join(unmapped))
    if stats.stopped and stats.stopped.startswith("budget"):
        notes.append(f"stopped by the {stats.stopped.split(': ')[1]} budget: {stats.not_run} case(s) not run")
    return VerifyReport(
        created_at=now_iso(),
        before=mask_url(config.before),
        after=EMBEDDED if config.after == EMBEDDED else mask_url(config.after),
        plan=str(config.plan_path) if config.plan_path else None,
        options={
            "concurrency": config.concurrency,
            "timeout": config.timeout,
            "retries": config.retries,
            "max_requests": config.max_requests,
            "max_cost": None if config.max_cost is None else str(config.max_cost),
            "noise_samples": config.noise_samples,
            "similarity": comparer.similarity,
            "usage_tolerance": comparer.usage_rel,
            "models": config.models,
        },
        summary=summary,
        results=results,
        notes=notes,
    )


async def _replay_with_sigint(replayer: Any, suite: Suite, on_outcome: Any) -> Any:
    """Ctrl-C stops the replay (the report of what finished is still written); a second one kills."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    installed = False

    def first_interrupt() -> None:
        stop.set()
        loop.remove_signal_handler(signal.SIGINT)  # the next Ctrl-C raises KeyboardInterrupt as usual

    with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
        loop.add_signal_handler(signal.SIGINT, first_interrupt)
        installed = True
    try:
        return await replayer.run(suite.cases, on_outcome, stop)
    finally:
        if installed:
            with contextlib.suppress(Exception):
                loop.remove_signal_handler(signal.SIGINT)


def findings_from_report(report: VerifyReport) -> list[Finding]:
    """Findings (LGM5xx) for `check`: one per differing or failed case, one for cases not run."""
    out: list[Finding] = []
    for r in report.results:
        if r.status == "differ":
            d = r.differences[0]
            more = f" (+{len(r.differences) - 1} more)" if len(r.differences) > 1 else ""
            out.append(
                make("LGM501", f"{r.id}: {d.path} differs: before {d.before!r}, after {d.after!r}{more}")
            )
        elif r.status == "error":
            out.append(make("LGM502", f"{r.id}: {r.error}"))
    for side, why in report.summary.broken.items():
        out.append(make("LGM504", f"--{side}: {why}"))
    if report.summary.not_run:
        out.append(make("LGM503", f"{report.summary.not_run} case(s) not run ({report.summary.stopped})"))
    return out


def run_verify(config: VerifyConfig) -> int:
    """The CLI: run, print the report in --format, write the report files, return the exit code."""
    from llmgw_migrate.atomic import write_text_atomic

    show_progress = config.progress if config.progress is not None else sys.stderr.isatty()
    report = execute(config, progress=show_progress)
    secrets = [
        config.before_key,
        config.after_key,
        os.environ.get(BEFORE_KEY_ENV),
        os.environ.get(AFTER_KEY_ENV),
    ]
    for fmt, path in config.outputs.items():
        if path is not None:
            write_text_atomic(path, redact(render(report, fmt), secrets))
    color = config.fmt == "text" and sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    sys.stdout.write(redact(render(report, config.fmt, color=color), secrets))
    sys.stdout.flush()
    for side, why in report.summary.broken.items():
        sys.stderr.write(redact(f"error: --{side} is broken: {why}\n", secrets))
    return exit_code(report.summary)
