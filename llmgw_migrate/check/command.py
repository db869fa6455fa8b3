"""The body of `llmgw-migrate check`: validate flags, run, write every report, return the exit code."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any, TextIO

from llmgw_migrate.atomic import write_text_atomic
from llmgw_migrate.check import reports
from llmgw_migrate.check.result import FAIL_ON_CHOICES
from llmgw_migrate.check.runner import CheckOptions, run_check
from llmgw_migrate.errors import UserError


def parse_date(value: str | None) -> datetime.date | None:
    if value is None:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise UserError(f"--as-of must be a date like 2026-11-25, not {value!r}") from None


def _write_report(path: Path, text: str) -> None:
    try:
        if path.parent != Path("") and not path.parent.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(path, text)
    except OSError as exc:
        raise UserError(f"cannot write report: {exc.strerror or exc}", path) from None


PROGRESS_MIN_CANDIDATES = 40  # below this the run is over before a bar would help


class _Progress:
    """A transient rich progress bar on stderr while the code rules run over many files."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._bar: Any = None
        self._task: Any = None

    def start(self, total: int) -> None:
        if not self.enabled or total < PROGRESS_MIN_CANDIDATES:
            return
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._bar = Progress(
            TextColumn("check"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self._bar.start()
        self._task = self._bar.add_task("files", total=total)

    def advance(self, done: int, total: int) -> None:
        if self._bar is not None:
            self._bar.update(self._task, completed=done)

    def stop(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


def scrub(text: str, secrets: list[str]) -> str:
    """Mask key values (verify's keys come from the environment) wherever they might surface."""
    for secret in secrets:
        if len(secret) >= 6:
            text = text.replace(secret, secret[:3] + "***")
    return text


def append_step_summary(path: str, text: str) -> None:
    """GitHub's job summary file is appended to by every step; append, never replace."""
    try:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(text + "\n")
    except OSError as exc:
        raise UserError(f"cannot append to $GITHUB_STEP_SUMMARY: {exc.strerror or exc}", path) from None


def run_command(
    *,
    paths: list[Path],
    config: Path | None,
    plan: Path | None,
    target: str,
    routing: str,
    as_of: str | None,
    no_code: bool,
    include: list[str],
    exclude: list[str],
    from_url: list[str],
    base_url: str,
    key_env: str,
    replace_litellm: bool,
    respect_gitignore: bool,
    jobs: int | None,
    verify: bool,
    before: str | None,
    after: str | None,
    requests: Path | None,
    models: list[str] | None = None,
    verify_suite: bool = True,
    verify_max_requests: int | None = None,
    verify_max_cost: str | None = None,
    baseline: Path | None,
    update_baseline: bool,
    fail_on: str,
    fmt: str,
    output: Path | None,
    report_files: dict[str, Path | None],
    step_summary: str | None,
    stdout: TextIO,
    show_progress: bool = False,
) -> int:
    if fmt not in reports.FORMATS:
        raise UserError(f"--format must be one of {', '.join(reports.FORMATS)}, not {fmt!r}")
    if fail_on not in FAIL_ON_CHOICES:
        raise UserError(f"--fail-on must be one of {', '.join(FAIL_ON_CHOICES)}, not {fail_on!r}")
    if target not in ("managed", "self-hosted"):
        raise UserError(f"--target must be managed or self-hosted, not {target!r}")
    if routing not in ("pinned", "smart"):
        raise UserError(f"--routing must be pinned or smart, not {routing!r}")
    if jobs is not None and jobs < 1:
        raise UserError("--jobs must be 1 or more")
    verify_flags = (before, after, requests, verify_max_requests, verify_max_cost)
    if not verify and (any(v is not None for v in verify_flags) or not verify_suite or models):
        raise UserError("--before, --after, --requests, --model and the other verify options need --verify")
    if verify_max_requests is not None and verify_max_requests < 1:
        raise UserError("--verify-max-requests must be 1 or more")
    verify_fn = None
    secrets: list[str] = []
    if verify:
        from llmgw_migrate.check.verify_step import make_verify_step, verify_secrets

        verify_fn = make_verify_step(
            before=before,
            after=after,
            requests=requests,
            models=models or [],
            builtin=verify_suite,
            max_requests=verify_max_requests,
            max_cost=verify_max_cost,
        )
        secrets = verify_secrets()
        if after is None and config is None and plan is None:
            raise UserError(
                "--verify without --after runs the embedded gateway, which needs --config or --plan"
            )
    opts = CheckOptions(
        paths=paths,
        config=config,
        plan=plan,
        target=target,
        routing=routing,
        as_of=parse_date(as_of),
        include=tuple(include),
        exclude=tuple(exclude),
        jobs=jobs,
        from_urls=tuple(from_url),
        base_url=base_url,
        key_env=key_env,
        replace_litellm=replace_litellm,
        respect_gitignore=respect_gitignore,
        run_code=not no_code,
        verify=verify_fn,
        baseline=baseline,
        update_baseline=update_baseline,
        fail_on=fail_on,
        own_files=tuple(p for p in (output, *report_files.values()) if p is not None),
    )
    progress = _Progress(enabled=show_progress)
    opts.on_candidates, opts.on_progress = progress.start, progress.advance
    try:
        result = run_check(opts)
    finally:
        progress.stop()

    def render(kind: str) -> str:
        return scrub(reports.render(result, kind), secrets)

    for kind, path in report_files.items():
        if path is not None:
            _write_report(path, render(kind))
    if step_summary:
        append_step_summary(step_summary, render("markdown"))
    text = render(fmt)
    if output is not None:
        _write_report(output, text)
        text = render("text")  # the log still tells what happened
    stdout.write(text)
    stdout.flush()
    return result.exit_code
