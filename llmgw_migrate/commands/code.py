"""`llmgw-migrate code PATH...`: rewrite a codebase from the LiteLLM proxy to LLM Gateway.

stdout carries only the artifact (the unified diff in text mode, else the json/sarif/github report), so
`llmgw-migrate code . > migration.patch` and `--format sarif > results.sarif` work; findings and the
summary line go to stderr in text mode.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from llmgw_migrate.commands._common import DEBUG_OPTION, EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, handle_errors

if TYPE_CHECKING:
    from llmgw_migrate.codemods.base import RewriteContext

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
PROGRESS_MIN_CANDIDATES = 40


def register(app: typer.Typer) -> None:
    app.command(
        "code",
        help="Rewrite code that reaches the LiteLLM proxy so it reaches LLM Gateway (diff by default).",
        no_args_is_help=False,
    )(code)


def code(
    paths: list[Path] = typer.Argument(
        None, help="Files or folders to migrate (default: the current folder)."
    ),
    diff: bool = typer.Option(False, "--diff", help="Print a unified diff and write nothing (the default)."),
    write: bool = typer.Option(False, "--write", "-w", help="Apply the changes (atomic writes)."),
    check: bool = typer.Option(
        False,
        "--check",
        help="Write nothing; exit 1 if a file would change (LGM200, a warning) or a finding at or above "
        "--fail-on remains (default warning: manual reminders such as LGM302/LGM306 fail it until a "
        "person acts; --fail-on error lets them pass).",
    ),
    fail_on: str = typer.Option(
        "warning",
        "--fail-on",
        metavar="SEVERITY",
        help="Lowest severity that fails (exit 1): error, warning, info or never, as in `check`. "
        "Pending rewrites count as warnings.",
    ),
    fmt: str = typer.Option("text", "--format", "-f", help="Output: text | json | sarif | github."),
    config: Path | None = typer.Option(
        None, "--config", "-c", help="A LiteLLM config; converted in-process to a plan."
    ),
    plan_path: Path | None = typer.Option(
        None, "--plan", help="A plan.json written by `llmgw-migrate config`."
    ),
    target: str = typer.Option("managed", "--target", help="With --config: managed | self-hosted."),
    routing: str = typer.Option("pinned", "--routing", help="With --config: pinned | smart model ids."),
    from_url: list[str] = typer.Option(
        None, "--from-url", help="Your proxy's address (repeatable), e.g. https://llm.internal.example.com."
    ),
    base_url: str = typer.Option(
        "https://api.llmgateway.io/v1", "--base-url", help="The gateway URL that replaces the proxy's."
    ),
    key_env: str = typer.Option(
        "LLM_GATEWAY_API_KEY", "--key-env", help="Env var that holds the gateway key."
    ),
    include: list[str] = typer.Option(None, "--include", help="Only files matching this glob (repeatable)."),
    exclude: list[str] = typer.Option(
        None, "--exclude", help="Skip files matching this glob (repeatable; wins)."
    ),
    jobs: int | None = typer.Option(None, "--jobs", "-j", help="Worker processes (default: CPU count)."),
    replace_litellm: bool = typer.Option(
        False, "--replace-litellm", help="Turn litellm completion/embedding calls into OpenAI SDK calls."
    ),
    no_gitignore: bool = typer.Option(False, "--no-gitignore", help="Also visit files .gitignore excludes."),
    show_secrets: bool = typer.Option(
        False,
        "--show-secrets",
        help="Print secret values (keys, tokens) unmasked in the diff, so `git apply` can take it. "
        "Masked by default: diffs land in terminals and CI logs.",
    ),
    no_progress: bool = typer.Option(False, "--no-progress", help="Never show a progress bar."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Text mode: no info findings, no summary line."),
    debug: bool = DEBUG_OPTION,
) -> None:
    with handle_errors(debug):
        code_exit = _run(
            paths=paths or [Path(".")],
            mode=_mode(diff, write, check),
            fail_on=fail_on,
            fmt=fmt.lower(),
            config=config,
            plan_path=plan_path,
            target=target,
            routing=routing,
            from_url=from_url or [],
            base_url=base_url,
            key_env=key_env,
            include=include or [],
            exclude=exclude or [],
            jobs=jobs,
            replace_litellm=replace_litellm,
            respect_gitignore=not no_gitignore,
            show_secrets=show_secrets,
            progress=not no_progress,
            quiet=quiet,
        )
    raise typer.Exit(code_exit)


def _mode(diff: bool, write: bool, check: bool) -> str:
    from llmgw_migrate.errors import UserError

    chosen = [name for name, on in (("diff", diff), ("write", write), ("check", check)) if on]
    if len(chosen) > 1:
        raise UserError(f"--{chosen[0]} and --{chosen[1]} cannot be combined")
    return chosen[0] if chosen else "diff"


def build_context(
    *,
    config: Path | None,
    plan_path: Path | None,
    target: str,
    routing: str,
    from_url: list[str],
    base_url: str,
    key_env: str,
    replace_litellm: bool,
) -> RewriteContext:
    """The RewriteContext for a run, from the flags and the plan (UserError on bad input)."""
    from llmgw_migrate.codemods.base import RewriteContext
    from llmgw_migrate.errors import UserError

    if config is not None and plan_path is not None:
        raise UserError("--config and --plan cannot be combined; pass one")
    if not _is_http_url(base_url):
        raise UserError(f"--base-url must be an http(s) URL, got {base_url!r}")
    for u in from_url:
        if not _is_http_url(u):
            raise UserError(f"--from-url must be an http(s) URL, got {u!r}")
    if not _ENV_NAME.match(key_env):
        raise UserError(f"--key-env must be an environment variable name, got {key_env!r}")
    plan = None
    if plan_path is not None:
        from llmgw_migrate.config.plan import load_plan

        plan = load_plan(plan_path)
    elif config is not None:
        if not config.exists():
            raise UserError("config file not found", config)
        try:
            from llmgw_migrate.config.plan_build import convert_file
        except ImportError:
            raise UserError("--config needs the config converter (not in this build); use --plan") from None
        if target not in ("managed", "self-hosted"):
            raise UserError(f"--target must be managed or self-hosted, got {target!r}")
        if routing not in ("pinned", "smart"):
            raise UserError(f"--routing must be pinned or smart, got {routing!r}")
        plan = convert_file(config, target=target, routing=routing)
    model_map: dict[str, str] = {}
    known: frozenset[str] = frozenset()
    if plan is not None:
        model_map = plan.model_map()
        known = frozenset(m.name for m in plan.models)
    return RewriteContext(
        model_map=model_map,
        known_models=known,
        base_url=base_url.rstrip("/") if base_url.rstrip("/") else base_url,
        key_env=key_env,
        from_urls=tuple(u.rstrip("/") for u in from_url),
        replace_litellm=replace_litellm,
        has_plan=plan is not None,
    )


def _is_http_url(value: str) -> bool:
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _first_changed_line(old: str, new: str) -> int:
    import difflib

    a, b = old.splitlines(), new.splitlines()
    for tag, i1, _i2, _j1, _j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag != "equal":
            return i1 + 1
    return 1


def _run(
    *,
    paths: list[Path],
    mode: str,
    fmt: str,
    config: Path | None,
    plan_path: Path | None,
    target: str,
    routing: str,
    from_url: list[str],
    base_url: str,
    key_env: str,
    include: list[str],
    exclude: list[str],
    jobs: int | None,
    replace_litellm: bool,
    respect_gitignore: bool,
    progress: bool,
    quiet: bool,
    show_secrets: bool = False,
    fail_on: str = "warning",
) -> int:
    import sys

    from llmgw_migrate.check.result import FAIL_ON_CHOICES, severity_fails
    from llmgw_migrate.codemods import engine
    from llmgw_migrate.errors import UserError
    from llmgw_migrate.finding_formats import FORMATS, render
    from llmgw_migrate.findings import Finding, Severity, make

    if fmt not in FORMATS:
        raise UserError(f"--format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    fail_on = fail_on.lower()
    if fail_on not in FAIL_ON_CHOICES:
        raise UserError(f"--fail-on must be one of {', '.join(FAIL_ON_CHOICES)}, got {fail_on!r}")
    if jobs is not None and jobs < 1:
        raise UserError(f"--jobs must be at least 1, got {jobs}")
    ctx = build_context(
        config=config,
        plan_path=plan_path,
        target=target,
        routing=routing,
        from_url=from_url,
        base_url=base_url,
        key_env=key_env,
        replace_litellm=replace_litellm,
    )
    bar = _Progress(enabled=progress and sys.stderr.isatty())
    try:
        run = engine.run_code(
            paths,
            ctx,
            include=include,
            exclude=exclude,
            jobs=jobs,
            on_candidates=bar.start,
            on_progress=bar.advance,
            on_scan=bar.scanned,
            respect_gitignore=respect_gitignore,
            show_secrets=show_secrets,
        )
    finally:
        bar.stop()

    written: list[engine.FileOutcome] = []
    stale_error: str | None = None
    if mode == "write":
        try:
            written = engine.apply(run)
        except engine.StaleFileError as exc:
            stale_error = str(exc)
            written = exc.written
    findings: list[Finding] = list(run.findings)
    if mode != "write" and (mode == "check" or fmt != "text"):
        for outcome in run.changed_files:
            assert outcome.result is not None
            findings.append(
                make(
                    "LGM200",
                    "would be rewritten by `llmgw-migrate code --write`",
                    file=outcome.display,
                    line=_first_changed_line(outcome.source, outcome.result),
                    column=1,
                )
            )
    findings.sort(key=Finding.sort_key)
    failing = [f for f in findings if severity_fails(f.severity, fail_on)]
    # A file that would still change is a pending rewrite (LGM200, a warning) in every mode but --write.
    pending = mode != "write" and bool(run.changed_files) and severity_fails(Severity.warning, fail_on)

    stats = run.stats
    counts = {s: sum(1 for f in findings if f.severity is s) for s in Severity}
    verb = {"write": "rewritten", "check": "would change", "diff": "would change"}[mode]
    summary = {
        "mode": mode,
        "files_scanned": stats.scanned,
        "candidates": stats.candidates,
        "changed": stats.changed,
        "errors": stats.errors,
        "seconds": round(stats.seconds, 3),
    }
    out = sys.stdout
    if fmt == "text":
        if mode == "diff":
            out.write(run.diff())
        shown = [f for f in findings if not (quiet and f.severity is Severity.info)]
        sys.stderr.write(render(shown, "text"))
        if not quiet:
            from llmgw_migrate.text import plural

            sev = ", ".join(plural(counts[s], s.value) for s in Severity if counts[s])
            sys.stderr.write(
                f"{plural(stats.scanned, 'file')} scanned, {plural(stats.candidates, 'candidate')}, "
                f"{stats.changed} {verb}, "
                f"{plural(len(findings), 'finding')}{f' ({sev})' if sev else ''} in {stats.seconds:.2f}s\n"
            )
    elif fmt == "json":
        files = [
            {
                "path": o.display,
                "changed": o.changed,
                "written": mode == "write" and o in written,
                "error": o.error.message if o.error else None,
            }
            for o in run.files
            if o.changed or o.error or o.findings
        ]
        extra: dict[str, object] = {"files": files}
        if mode == "diff":
            extra["diff"] = run.diff()
        out.write(render(findings, "json", summary=summary, extra=extra))
    else:
        out.write(render(findings, fmt))
    out.flush()
    if stale_error:
        sys.stderr.write(f"error: {stale_error}\n")
        return EXIT_ERROR
    return EXIT_FINDINGS if (pending or failing) else EXIT_OK


class _Progress:
    """A rich progress bar on stderr for long runs on a terminal; a no-op otherwise."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._progress: Any = None
        self._task: Any = None
        self._status: Any = None

    def scanned(self, files: int) -> None:
        """During the prefilter: a status line with the files read so far (big trees only)."""
        if not self.enabled:
            return
        if self._status is None:
            from rich.console import Console

            self._status = Console(stderr=True).status(f"scanning: {files} files")
            self._status.start()
        else:
            self._status.update(f"scanning: {files} files")

    def start(self, total: int) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None
        if not self.enabled or total < PROGRESS_MIN_CANDIDATES:
            return
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._progress = Progress(
            TextColumn("rewriting"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self._progress.start()
        self._task = self._progress.add_task("files", total=total)

    def advance(self, done: int, total: int) -> None:
        if self._progress is not None:
            self._progress.update(self._task, completed=done)

    def stop(self) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
