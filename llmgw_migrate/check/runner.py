"""Run the check: config conversion, then the code rules (and verify when asked), then the baseline.

Data flows one way: the LiteLLM config (or a saved plan) gives the model map the code rules use; every
step's findings get a fingerprint; the baseline splits them into new and accepted; the result decides
the exit code. Bad input (a missing config, a broken baseline) raises UserError before anything runs.
"""

from __future__ import annotations

import dataclasses
import datetime
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llmgw_migrate.check import baseline as bl
from llmgw_migrate.check.result import CheckResult, Item, Section, StaleEntry
from llmgw_migrate.errors import UserError
from llmgw_migrate.findings import Finding, make
from llmgw_migrate.proxy_urls import DEFAULT_GATEWAY_URL

if TYPE_CHECKING:
    from llmgw_migrate.codemods.base import RewriteContext
    from llmgw_migrate.config.plan import Plan


@dataclass
class CheckOptions:
    paths: list[Path] = field(default_factory=lambda: [Path(".")])
    config: Path | None = None  # LiteLLM proxy config to convert
    plan: Path | None = None  # or a plan.json `config` wrote earlier
    target: str = "managed"
    routing: str = "pinned"
    as_of: datetime.date | None = None
    include: Sequence[str] = ()
    exclude: Sequence[str] = ()
    jobs: int | None = None
    from_urls: tuple[str, ...] = ()
    base_url: str = DEFAULT_GATEWAY_URL
    key_env: str = "LLM_GATEWAY_API_KEY"
    replace_litellm: bool = False
    respect_gitignore: bool = True
    run_code: bool = True
    verify: Callable[[Plan | None], VerifyOutcome] | None = None  # built by the command from its flags
    baseline: Path | None = None
    update_baseline: bool = False
    own_files: tuple[Path, ...] = ()  # report files check writes: not scanned as code
    on_candidates: Callable[[int], None] | None = None  # progress hooks, passed to the code engine
    on_progress: Callable[[int, int], None] | None = None
    fail_on: str = "warning"


@dataclass
class VerifyOutcome:
    """What the verify step hands back: its findings and a one-line description."""

    findings: list[Finding]
    detail: str
    stats: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Collected:
    section: str
    finding: Finding
    context: str | None = None  # fingerprint context when it is not the flagged line


def _load_plan(opts: CheckOptions) -> tuple[Plan | None, Section]:
    if opts.config is not None and opts.plan is not None:
        raise UserError("give --config or --plan, not both")
    if opts.config is not None:
        from llmgw_migrate.config.plan_build import convert_file

        started = time.perf_counter()
        plan = convert_file(opts.config, target=opts.target, routing=opts.routing, as_of=opts.as_of)
        mapped = sum(1 for m in plan.models if m.gateway_model)
        section = Section(
            name="config",
            detail=f"{opts.config.name}: {mapped} of {len(plan.models)} models mapped, "
            f"{_plural(len(plan.provider_keys), 'provider key')}",
            seconds=time.perf_counter() - started,
            stats={"models": len(plan.models), "mapped": mapped, "provider_keys": len(plan.provider_keys)},
        )
        return plan, section
    if opts.plan is not None:
        from llmgw_migrate.config.plan import load_plan

        started = time.perf_counter()
        from llmgw_migrate.config.plan_paths import relative_to_root

        plan = relative_to_root(load_plan(opts.plan), opts.plan)  # report paths from the report's root
        mapped = sum(1 for m in plan.models if m.gateway_model)
        section = Section(
            name="config",
            detail=f"plan {opts.plan.name}: {mapped} of {len(plan.models)} models mapped",
            seconds=time.perf_counter() - started,
            stats={"models": len(plan.models), "mapped": mapped, "provider_keys": len(plan.provider_keys)},
        )
        return plan, section
    return None, Section(name="config", ran=False, detail="no --config or --plan given")


def _plural(n: int, word: str) -> str:
    from llmgw_migrate.text import plural

    return plural(n, word)


def rewrite_context(opts: CheckOptions) -> RewriteContext:
    """The context `code` would build from the same flags (validated the same way), without a plan."""
    from llmgw_migrate.commands.code import build_context

    return build_context(  # type: ignore[no-any-return]
        config=None,
        plan_path=None,
        target=opts.target,
        routing=opts.routing,
        from_url=list(opts.from_urls),
        base_url=opts.base_url,
        key_env=opts.key_env,
        replace_litellm=opts.replace_litellm,
    )


def with_plan(ctx: RewriteContext, plan: Plan | None) -> RewriteContext:
    """The plan's model map added to a context, as `code --config/--plan` does."""
    if plan is None:
        return ctx
    return dataclasses.replace(
        ctx, model_map=plan.model_map(), known_models=frozenset(m.name for m in plan.models), has_plan=True
    )


def _check_paths(paths: Sequence[Path]) -> None:
    for p in paths:
        if not p.exists():
            raise UserError("path not found", p)


def _run_code(opts: CheckOptions, ctx: RewriteContext) -> tuple[list[_Collected], Section]:
    from llmgw_migrate.check.pending import pending_findings
    from llmgw_migrate.codemods.engine import is_suppressed, run_code, suppressed_lines

    run = run_code(
        list(opts.paths),
        ctx,
        include=opts.include,
        exclude=opts.exclude,
        jobs=opts.jobs,
        respect_gitignore=opts.respect_gitignore,
        on_candidates=opts.on_candidates,
        on_progress=opts.on_progress,
        # check's own files (the baseline, the reports it writes) quote proxy URLs in their messages:
        # never findings or connection parts themselves, or a second run would fail on the first's report.
        skip=opts.own_files,
    )
    collected = [_Collected("code", f) for f in run.findings]
    pending = 0
    for outcome in run.files:
        if outcome.new_text is None:
            continue
        table = suppressed_lines(outcome.old_text)
        for finding, context in pending_findings(outcome.display, outcome.old_text, outcome.new_text):
            if is_suppressed("LGM200", finding.line, table):
                continue
            pending += 1
            collected.append(_Collected("code", finding, context))
    stats = {
        "scanned": run.stats.scanned,
        "candidates": run.stats.candidates,
        "changed": run.stats.changed,
        "errors": run.stats.errors,
        "pending_rewrites": pending,
    }
    detail = f"{_plural(run.stats.scanned, 'file')} scanned, {run.stats.changed} would change"
    if run.stats.errors:
        detail += f", {run.stats.errors} unreadable"
    return collected, Section(name="code", detail=detail, seconds=run.stats.seconds, stats=stats)


def _run_verify(opts: CheckOptions, plan: Plan | None) -> tuple[list[_Collected], Section]:
    if opts.verify is None:
        return [], Section(name="verify", ran=False, detail="not requested")
    started = time.perf_counter()
    outcome = opts.verify(plan)
    return [_Collected("verify", f) for f in outcome.findings], Section(
        name="verify", detail=outcome.detail, seconds=time.perf_counter() - started, stats=outcome.stats
    )


def _relative(c: _Collected) -> _Collected:
    """Absolute paths inside the working directory shown relative to it, as `code` shows its files
    (annotations and SARIF locations need repository-relative paths)."""
    file = c.finding.file
    if file and Path(file).is_absolute():
        try:
            rel = Path(file).relative_to(Path.cwd()).as_posix()
        except ValueError:
            return c
        return dataclasses.replace(c, finding=c.finding.replace(file=rel))
    return c


def run_check(opts: CheckOptions) -> CheckResult:
    if opts.fail_on not in ("error", "warning", "info", "never"):
        raise UserError(f"--fail-on must be error, warning, info or never, not {opts.fail_on!r}")
    _check_paths(opts.paths)
    # Read the baseline first: a broken one is bad input, reported before minutes of work.
    baseline = None
    if opts.baseline is not None and not opts.update_baseline:
        baseline = bl.load_baseline(opts.baseline)
    elif opts.update_baseline and opts.baseline is None:
        raise UserError("--update-baseline needs --baseline FILE")

    if opts.baseline is not None:
        opts = dataclasses.replace(opts, own_files=(*opts.own_files, opts.baseline))
    ctx = rewrite_context(opts) if opts.run_code else None  # bad --base-url etc.: fail before any work
    plan, config_section = _load_plan(opts)
    collected: list[_Collected] = []
    if plan is not None:
        collected += [_Collected("config", f) for f in plan.findings]
    sections = [config_section]
    if ctx is not None:
        code_found, code_section = _run_code(opts, with_plan(ctx, plan))
        collected += code_found
        sections.append(code_section)
    else:
        sections.append(Section(name="code", ran=False, detail="--no-code"))
    verify_found, verify_section = _run_verify(opts, plan)
    collected += verify_found
    sections.append(verify_section)

    collected = [_relative(c) for c in collected]
    collected.sort(key=lambda c: (c.finding.sort_key(), c.section))
    root = opts.baseline.resolve().parent if opts.baseline is not None else Path.cwd()
    lines = bl.LineCache()
    fps = [bl.fingerprint(c.finding, root, lines, c.context) for c in collected]
    findings = [c.finding for c in collected]
    result = CheckResult(
        sections=sections,
        items=[Item(c.finding, c.section, fp) for c, fp in zip(collected, fps, strict=True)],
        fail_on=opts.fail_on,
        baseline=str(opts.baseline) if opts.baseline is not None else None,
        anchor=str(opts.config or opts.plan) if (opts.config or opts.plan) else None,
    )

    if opts.update_baseline:
        assert opts.baseline is not None
        bl.write_baseline(bl.build_baseline(opts.baseline, findings, fps))
        for item in result.items:
            item.accepted = True
        result.baseline_written = True
        return result

    if baseline is not None:
        matched = bl.match(baseline, findings, fps)
        accepted_ids = {id(f) for f in matched.accepted}
        for item in result.items:
            item.accepted = id(item.finding) in accepted_ids
        result.stale = [StaleEntry(e.fingerprint, e.code, e.file, e.message, e.count) for e in matched.stale]
        for entry in matched.stale:
            what = f"{entry.code} in {entry.file}" if entry.file else entry.code
            times = f" ({entry.count} times)" if entry.count > 1 else ""
            stale = make("LGM601", f"baseline entry for {what} matches nothing{times}: {entry.message}")
            stale = stale.replace(file=str(opts.baseline))
            result.items.append(Item(stale, "baseline", entry.fingerprint))
    return result
