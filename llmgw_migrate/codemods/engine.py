"""The `code` engine: discover files, prefilter them cheaply, rewrite candidates in parallel, diff, write.

File-type neutral: it runs every handler in `codemods/registry.py` that takes the file and one of whose
prefilter tokens occurs in the file's bytes (decided from light data: no handler module is imported for a
file that is not a candidate). A file that is not a candidate costs one read and a substring search, in
this process. Candidates go to `codemods/pool.py`, which runs them here or in warm worker processes;
results keep a stable order.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import os
import re
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from llmgw_migrate.atomic import write_bytes_atomic
from llmgw_migrate.codemods import doc_mentions, port_evidence
from llmgw_migrate.codemods.base import FileHandler, RewriteContext, RewriteError
from llmgw_migrate.codemods.connections import collect as connection_facts
from llmgw_migrate.codemods.connections.model import COMMENT, FileFacts, Part
from llmgw_migrate.codemods.diffing import unified_diff
from llmgw_migrate.codemods.discovery import Walker
from llmgw_migrate.codemods.pool import CandidatePool, LazyHandlers, cores
from llmgw_migrate.codemods.registry import REPORT_ONLY_HANDLERS, Parts, any_token
from llmgw_migrate.codemods.secret_mask import mask_message, mask_shown
from llmgw_migrate.codemods.textio import DecodeError, TextInfo, decode, encode
from llmgw_migrate.findings import SEVERITY_ORDER, Finding, Severity, make

MAX_FILE_BYTES = 4 * 1024 * 1024  # larger files are generated or data, never hand-written client code

SUPPRESS_RE = re.compile(r"llmgw:\s*ignore(?:\[([A-Za-z0-9_,\s]*)\])?")


@dataclass
class FileOutcome:
    """One file's result. `source`/`result` are the real texts (`apply` writes `result`); `old_text`/
    `new_text` are what may be shown (diffs, check's hunk descriptions): secret values masked, unless
    the run was asked to show secrets (`code --show-secrets`, for a patch `git apply` can take)."""

    path: Path  # the file on disk (a symlink's target)
    display: str  # as shown to the user: relative to the working directory when inside it, posix
    source: str
    result: str | None  # None when unchanged
    findings: list[Finding] = field(default_factory=list)
    error: Finding | None = None
    handlers: tuple[str, ...] = ()
    text_info: TextInfo = field(default_factory=TextInfo)
    digest: str = ""  # sha256 of the bytes read, so a write never clobbers a concurrent edit
    show_secrets: bool = False
    facts: FileFacts | None = None  # what the file says about LiteLLM connections (connections/)

    @property
    def changed(self) -> bool:
        return self.result is not None

    @functools.cached_property
    def old_text(self) -> str:
        return self.source if self.show_secrets else mask_shown(self.source, self.display)

    @functools.cached_property
    def new_text(self) -> str | None:
        if self.result is None or self.show_secrets:
            return self.result
        return mask_shown(self.result, self.display)

    def diff(self) -> str:
        new = self.new_text
        return unified_diff(self.old_text, new, self.display) if new is not None else ""


@dataclass
class CodeStats:
    scanned: int = 0  # files some handler accepts
    candidates: int = 0  # files that passed the prefilter and were parsed
    changed: int = 0
    errors: int = 0  # files that could not be read, decoded or parsed
    seconds: float = 0.0


@dataclass
class CodeRun:
    files: list[FileOutcome] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    stats: CodeStats = field(default_factory=CodeStats)
    skipped_symlinks: list[str] = field(default_factory=list)

    @property
    def changed_files(self) -> list[FileOutcome]:
        return [f for f in self.files if f.changed]

    def diff(self) -> str:
        return "".join(f.diff() for f in self.files)

    def failing_findings(self) -> list[Finding]:
        """Findings that make `--check` fail: errors and warnings (info never does)."""
        return [f for f in self.findings if f.severity in (Severity.error, Severity.warning)]


def display_path(path: Path, cwd: Path | None = None) -> str:
    cwd = cwd or Path.cwd()
    try:
        return path.absolute().relative_to(cwd).as_posix()
    except ValueError:
        return path.as_posix()


def suppressed_lines(text: str) -> dict[int, frozenset[str] | None]:
    """Line number -> codes silenced there (None: every code) by `llmgw: ignore[...]` comments."""
    out: dict[int, frozenset[str] | None] = {}
    if "llmgw:" not in text:
        return out
    for i, line in enumerate(text.splitlines(), start=1):
        m = SUPPRESS_RE.search(line)
        if m:
            codes = m.group(1)
            out[i] = (
                None if codes is None else frozenset(c.strip().upper() for c in codes.split(",") if c.strip())
            )
    return out


def is_suppressed(code: str, line: int | None, table: dict[int, frozenset[str] | None]) -> bool:
    if not table or line is None or line not in table:
        return False
    codes = table[line]
    return codes is None or code.upper() in codes


def _error(
    code: str, message: str, display: str, line: int | None = None, column: int | None = None
) -> Finding:
    return make(code, message, file=display, line=line or 1, column=column or 1)


def _shown(f: Finding, display: str) -> Finding:
    """A handler's finding as it may be shown: located in its file, any quoted secret value masked."""
    update: dict[str, str] = {} if f.file else {"file": display}
    message = mask_message(f.message)
    if message != f.message:
        update["message"] = message
    return f.replace(**update) if update else f


def process_file(
    path: str,
    display: str,
    data: bytes,
    handler_names: Sequence[str],
    ctx: RewriteContext,
    handlers: Mapping[str, FileHandler] | None = None,
) -> FileOutcome:
    """Decode, run the handlers in order, re-encode. Never raises for a bad file: reports it."""
    digest = hashlib.sha256(data).hexdigest()
    outcome = FileOutcome(
        path=Path(path),
        display=display,
        source="",
        result=None,
        digest=digest,
        handlers=tuple(handler_names),
    )
    try:
        text, info = decode(data, path)
    except DecodeError as exc:
        outcome.error = _error("LGM291", exc.message, display, exc.line, exc.column)
        return outcome
    outcome.source = text
    outcome.text_info = info
    outcome.facts = _facts(display, text, handler_names, ctx)
    handlers = handlers if handlers is not None else LazyHandlers()
    current = text
    findings: list[Finding] = []
    for name in handler_names:
        handler = handlers[name]
        try:
            result = handler.rewrite(display, current, ctx)
        except RewriteError as exc:
            outcome.error = _error("LGM290", exc.message, display, exc.line, exc.column)
            return outcome
        except RecursionError:
            outcome.error = _error("LGM292", f"{name}: the file nests too deeply to rewrite", display)
            return outcome
        except Exception as exc:  # a bug in one rule must not stop a run over a whole monorepo
            outcome.error = _error("LGM292", f"{name}: {type(exc).__name__}: {exc}", display)
            return outcome
        current = result.text
        findings.extend(_shown(f, display) for f in result.findings)
    table = suppressed_lines(text)
    outcome.findings = sorted(
        (f for f in findings if not is_suppressed(f.code, f.line, table)), key=Finding.sort_key
    )
    if current != text:
        try:
            encode(current, info)
        except UnicodeEncodeError as exc:
            outcome.error = _error(
                "LGM291", f"the rewritten text cannot be encoded as {info.encoding}: {exc.reason}", display
            )
            return outcome
        outcome.result = current
    return outcome


def _facts(display: str, text: str, handler_names: Sequence[str], ctx: RewriteContext) -> FileFacts | None:
    """Phase 1 of the connection model for one candidate (never fails the file: facts are advisory)."""
    from llmgw_migrate.codemods.file_rules import matcher

    # A file only a reporting handler takes (Java, Go, ...) is read, never rewritten: its parts hold
    # their connection like those of a file no handler takes.
    rewritable = any(n not in REPORT_ONLY_HANDLERS for n in handler_names)
    lang = connection_facts.lang_of(tuple(handler_names)) if rewritable else "foreign"
    try:
        facts = connection_facts.collect(
            display, text, lang, matcher(ctx.from_urls, ctx.not_proxy_ports), rewritable=rewritable
        )
        if facts is None and lang in ("python", "javascript"):
            # No part of its own (`${LLM_BASE_URL}/v1/chat` in litellm.ts): its routes may still be
            # appended to a name another file binds to the proxy (a dotenv's LLM_BASE_URL).
            facts = connection_facts.collect_appends(display, text, lang)
        return facts
    except (RecursionError, ValueError, IndexError):
        return None


def _foreign_facts(display: str, data: bytes, ctx: RewriteContext) -> FileFacts | None:
    """A file in a language `code` does not rewrite, that mentions LiteLLM or its ports (the walk read
    it and searched its bytes): its occurrences stop a rename (connections/decide.py)."""
    from llmgw_migrate.codemods.file_rules import matcher

    text = data.decode("utf-8", errors="replace")
    if PurePath(display).suffix.lower() in connection_facts.TEMPLATE_SUFFIXES:
        return connection_facts.collect_template(display, text, matcher(ctx.from_urls, ctx.not_proxy_ports))
    return connection_facts.collect(
        display, text, "foreign", matcher(ctx.from_urls, ctx.not_proxy_ports), rewritable=False
    )


def _doc_facts(display: str, data: bytes, ctx: RewriteContext, doc_urls: list[Part]) -> FileFacts | None:
    """A Markdown/reST page that tells the user which LiteLLM variables to set: only its variable names
    count (decide.py holds a connection with no URL that its docs still document). Its URLs go to
    `doc_urls`, for doc_mentions.py's report only."""
    ff = _foreign_facts(display, data, ctx)
    if ff is None:
        return None
    doc_urls += [p for p in ff.parts if p.kind == "url"]
    ff.parts = [dataclasses.replace(p, doc=True) for p in ff.parts if p.kind == "env" and p.where != COMMENT]
    ff.aliases, ff.appends = set(), []
    if not ff.parts:
        return None
    # (only beside its variables: a page's requests alone tie it to no connection)
    ff.parts += connection_facts.doc_requests(display, data.decode("utf-8", errors="replace"))
    return ff


# --- driver -----------------------------------------------------------------------------------------


def _always(h: FileHandler) -> frozenset[str]:
    """File names the handler takes whatever they hold (optional `always_names`: an artifact whose name
    is the signal, e.g. litellm_init.pth, which may be obfuscated)."""
    return frozenset(getattr(h, "always_names", ()))


ProgressCallback = Callable[[int, int], None]  # (done, total) over the candidates


@dataclass(frozen=True)
class _Owner:
    """A handler as the prefilter sees it: light data for registered handlers (no import), the object
    itself for handlers a caller passes."""

    name: str
    accepts: Callable[[Parts], bool]
    match: Callable[[bytes], bool]
    always: frozenset[str]
    finishes: bool


def _owners(ctx: RewriteContext, handlers: Sequence[FileHandler] | None) -> list[_Owner]:
    from llmgw_migrate.codemods import registry

    if handlers is None:
        return [
            _Owner(s.name, s.accepts, s.matcher(ctx), s.always_names, s.finishes)
            for s in registry.SPECS
            if _built(s.module)
        ]
    return [
        _Owner(
            h.name,
            _by_path(h),
            any_token(h.prefilter_tokens(ctx)),
            _always(h),
            callable(getattr(h, "finish", None)),
        )
        for h in handlers
    ]


def _by_path(handler: FileHandler) -> Callable[[Parts], bool]:
    return lambda parts: handler.accepts(Path(parts[4]))


@functools.cache
def _built(module: str) -> bool:
    """Whether a handler module is part of this version (found without importing it)."""
    import importlib.util

    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


_O_READ = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


def _read(path: str) -> bytes | None:
    """The file's bytes in as few system calls as possible; None when it is larger than MAX_FILE_BYTES."""
    fd = os.open(path, _O_READ)
    try:
        size = os.fstat(fd).st_size
        if size > MAX_FILE_BYTES:
            return None
        data = os.read(fd, size + 1)
        if len(data) > size:  # grew since the fstat: read the rest the slow way
            rest = [data]
            while chunk := os.read(fd, 1 << 16):
                rest.append(chunk)
            data = b"".join(rest)
        return None if len(data) > MAX_FILE_BYTES else data
    finally:
        os.close(fd)


def run_code(
    paths: list[Path],
    ctx: RewriteContext,
    *,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    jobs: int | None = None,
    handlers: Sequence[FileHandler] | None = None,
    on_candidates: Callable[[int], None] | None = None,
    on_progress: ProgressCallback | None = None,
    on_scan: Callable[[int], None] | None = None,
    respect_gitignore: bool = True,
    show_secrets: bool = False,
    skip: Collection[Path] = (),
) -> CodeRun:
    """Rewrite every file under `paths` in memory; nothing is written (see `apply`).

    `handlers` defaults to every registered handler (tests pass one). `on_candidates(n)` is called once
    the prefilter is done, `on_progress(done, total)` after each candidate, `on_scan(files)` every
    thousand files read during the prefilter (a long, silent phase in a big monorepo otherwise).
    `show_secrets` makes the outcomes' shown texts (diffs) the real ones, secret values included.

    Registered handlers are prefiltered from light data (codemods/registry.py); a handler's module is
    imported only where a candidate needs it, and never at the walk's expense (codemods/pool.py).
    """
    from llmgw_migrate.codemods.registry import parts

    started = time.perf_counter()
    owners = _owners(ctx, handlers)
    handler_map: Mapping[str, FileHandler] | None = (
        None if handlers is None else {h.name: h for h in handlers}
    )
    cwd = Path.cwd()
    walked = Walker(include, exclude, respect_gitignore).walk(paths)
    if skip:
        # The caller's own files (check's baseline and reports) quote proxy URLs: they are neither
        # rewritten nor parts of a connection.
        own = {os.path.realpath(p) for p in skip}
        walked.files = [f for f in walked.files if os.path.realpath(f) not in own]
    run = CodeRun(skipped_symlinks=[display_path(p, cwd) for p in walked.skipped_symlinks])
    # What the repository says runs on port 8000 decides whether a local :8000 URL can be the proxy. It
    # is gathered from the bytes the walk reads anyway; until the walk ends, only candidates that cannot
    # hold such a URL (no "8000") go to the pool, the others wait for the decision.
    evidence = port_evidence.Scan() if any(p.is_dir() for p in paths) else None
    held: list[tuple[str, str, bytes, tuple[str, ...]]] = []
    foreign_data: list[tuple[str, bytes, bool]] = []  # (display, bytes, doc page) holding an anchor

    n_jobs = jobs if jobs and jobs > 0 else cores()
    local: Mapping[str, FileHandler] = handler_map if handler_map is not None else LazyHandlers()
    pool = CandidatePool(
        ctx,
        n_jobs,
        local=local,
        handler_map=handler_map,
        walking=any(p.is_dir() for p in paths),
    )
    seen = pool.seen
    n_items = 0
    early: list[FileOutcome] = []
    foreign: list[FileFacts] = []
    appending: list[tuple[str, bytes]] = []  # not candidates, but they append a route to some name
    doc_urls: list[Part] = []  # proxy URLs documentation pages name (doc_mentions.py)
    try:
        for path_s in walked.files:
            p = parts(path_s)
            if evidence is not None:
                evidence.name(path_s, p[0])
            accepting = [o for o in owners if o.accepts(p)]
            if not accepting:
                doc = p[2] in connection_facts.DOC_SUFFIXES
                if doc or p[2] in connection_facts.FOREIGN_SUFFIXES:
                    try:
                        data = _read(path_s)
                    except OSError:
                        continue
                    if data is None:
                        continue
                    if evidence is not None:
                        evidence.add(path_s, p[0].lower(), data)
                    if any(a in data for a in connection_facts.ANCHORS) or (
                        p[2] in connection_facts.TEMPLATE_SUFFIXES
                        and connection_facts.TEMPLATE_ENV_ANCHOR.search(data)
                    ):
                        foreign_data.append((display_path(Path(path_s), cwd), data, doc))
                elif evidence is not None and evidence.wants(low := p[0].lower()):
                    evidence.extra(path_s, low)
                continue
            for acc in accepting:
                seen.add(acc.name)
            run.stats.scanned += 1
            if on_scan is not None and run.stats.scanned % 1000 == 0:
                on_scan(run.stats.scanned)
            try:
                data = _read(path_s)
            except OSError as exc:
                path = Path(path_s)
                display = display_path(path, cwd)
                early.append(
                    FileOutcome(
                        path=path,
                        display=display,
                        source="",
                        result=None,
                        error=_error("LGM291", f"cannot read: {exc.strerror or exc}", display),
                    )
                )
                continue
            if data is None:
                continue
            if evidence is not None:
                evidence.add(path_s, p[0].lower(), data)
            names = tuple(o.name for o in accepting if o.match(data) or p[0] in o.always)
            if not names:
                if p[2] in connection_facts.APPEND_SUFFIXES and connection_facts.APPEND_ANCHOR.search(data):
                    appending.append((path_s, data))
                continue
            n_items += 1
            item = (path_s, display_path(Path(path_s), cwd), data, names)
            if evidence is not None and port_evidence.HELD in data:
                held.append(item)
            else:
                pool.add(item)

        if evidence is not None:
            ports = evidence.evidence.not_proxy_ports()
            ctx = dataclasses.replace(ctx, not_proxy_ports=ports)
            pool.decide(ports)
        for item in held:
            pool.add(item)
        for display, data, doc in foreign_data:
            ff = _doc_facts(display, data, ctx, doc_urls) if doc else _foreign_facts(display, data, ctx)
            if ff is not None:
                foreign.append(ff)
        run.stats.candidates = n_items
        if on_candidates:
            on_candidates(n_items)
        outcomes: list[FileOutcome] = []

        def done(outcome: FileOutcome) -> None:
            outcomes.append(outcome)
            if on_progress:
                on_progress(len(outcomes), n_items)

        pool.results(done)
        for path_s, display, data, names in pool.pending:  # no pool, or a pool that broke
            done(process_file(path_s, display, data, names, ctx, local))
    finally:
        pool.close()

    run.files = sorted(early + outcomes, key=lambda o: o.display)
    for o in run.files:
        o.show_secrets = show_secrets
    # Phase 2: each proxy connection migrates whole or not at all (codemods/connections/).
    adopted = _appending(appending, cwd)
    connection_findings = _connections(run.files + adopted, foreign, ctx)
    from llmgw_migrate.codemods.dotenv import complete_comments

    complete_comments(run.files + adopted, ctx)  # commented-out dotenv settings follow the renames
    doc_parts = [p for ff in foreign for p in ff.parts if p.doc] + doc_urls
    connection_findings += doc_mentions.findings(run.files + adopted, doc_parts, ctx)
    run.files = sorted(run.files + [o for o in adopted if o.changed], key=lambda o: o.display)
    all_findings: list[Finding] = list(connection_findings)
    for o in run.files:
        all_findings.extend(o.findings)
        if o.error is not None:
            all_findings.append(o.error)
            run.stats.errors += 1
    run.findings = all_findings
    for owner in owners:
        if owner.finishes and owner.name in pool.used:
            handler = local[owner.name]
            finish = getattr(handler, "finish", None)
            if callable(finish):
                _merge(run, [_shown(f, f.file or "") for f in finish(run)])
    run.findings = sorted(
        run.findings, key=lambda f: (*f.sort_key()[:3], SEVERITY_ORDER[f.severity], f.code, f.message)
    )
    run.stats.changed = sum(1 for o in run.files if o.changed)
    run.stats.seconds = time.perf_counter() - started
    return run


def _appending(items: list[tuple[str, bytes]], cwd: Path) -> list[FileOutcome]:
    """Outcomes (unchanged so far) for code files that append a route to a shareable name: phase 2 may
    drop a /v1 there, or find an admin route, when that name is bound to a proxy connection elsewhere."""
    out: list[FileOutcome] = []
    for path_s, data in items:
        display = display_path(Path(path_s), cwd)
        try:
            text, info = decode(data, path_s)
        except DecodeError:
            continue
        lang = "python" if path_s.endswith((".py", ".pyw")) else "javascript"
        facts = connection_facts.collect_appends(display, text, lang)
        if facts is None:
            continue
        digest = hashlib.sha256(data).hexdigest()
        out.append(FileOutcome(Path(path_s), display, text, None, digest=digest, text_info=info, facts=facts))
    return out


def _connections(files: list[FileOutcome], foreign: list[FileFacts], ctx: RewriteContext) -> list[Finding]:
    facts = [o.facts for o in files if o.facts is not None] + foreign
    from llmgw_migrate.codemods.connections.apply import apply_decisions

    out: list[Finding] = []
    tables = {o.display: o.source for o in files}
    try:
        decided = apply_decisions(files, facts, ctx)
    except Exception as exc:  # a bug in phase 2: no change can be shown to keep its connection whole
        for o in files:
            o.result = None
            o.__dict__.pop("new_text", None)
        return [
            make("LGM292", f"connection model: {type(exc).__name__}: {exc}; nothing was changed", file=".")
        ]
    for f in decided:
        table = suppressed_lines(tables.get(f.file or "", ""))
        if not is_suppressed(f.code, f.line, table):
            out.append(f)
    return out


def _merge(run: CodeRun, extra: list[Finding]) -> None:
    """A `finish` hook's findings: one at an existing finding's code and place replaces it, else added."""

    def key(f: Finding) -> tuple[str, str | None, int | None, int | None]:
        return (f.code, f.file, f.line, f.column)

    replacing = {key(f): f for f in extra}
    run.findings = [replacing.pop(key(f), f) for f in run.findings] + list(replacing.values())
    by_file = {o.display: o for o in run.files}
    for f in extra:
        o = by_file.get(f.file or "")
        if o is not None:
            o.findings = [f if key(g) == key(f) else g for g in o.findings]


class StaleFileError(Exception):
    """Some files changed on disk during the run and were not written; `written` lists the others."""

    def __init__(self, message: str, written: list[FileOutcome], stale: list[str]) -> None:
        super().__init__(message)
        self.written = written
        self.stale = stale


def apply(run: CodeRun) -> list[FileOutcome]:
    """Write every changed file atomically (mode, encoding, BOM, line endings kept).

    A file that changed on disk since it was read is not written; it is reported by raising
    StaleFileError after the others were written.
    """
    written: list[FileOutcome] = []
    stale: list[str] = []
    for outcome in run.files:
        if outcome.result is None:
            continue
        try:
            current = outcome.path.read_bytes()
        except OSError:
            stale.append(outcome.display)
            continue
        if hashlib.sha256(current).hexdigest() != outcome.digest:
            stale.append(outcome.display)
            continue
        write_bytes_atomic(outcome.path, encode(outcome.result, outcome.text_info))
        written.append(outcome)
    if stale:
        raise StaleFileError(
            "changed on disk during the run, not written: " + ", ".join(stale), written, stale
        )
    return written
