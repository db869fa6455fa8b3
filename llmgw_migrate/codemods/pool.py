"""Where `code` rewrites its candidates: in this process, or in a process pool started so that the
largest fixed cost of a run, importing a handler's parser (libcst: about 0.4 s), is paid once and never
stalls the walk.

- forkserver (the registered handlers, where the platform has it): at a tree's first candidate a server
  process starts importing that file type's handler on another core while the walk goes on; the
  workers are forked from it warm. Batches reach the pool through a feeder thread, because starting a
  worker waits for the server: the walk never does. A server that was started is used even for a few
  candidates: it is warm by the time the walk ends, and the walk did not pay for it.
- fork (handlers a caller passed, which a fresh process could not import by name): this process
  imports the handler at its first candidate and the forked workers inherit it.
- neither (Windows): each worker imports what it needs.

Explicit file lists (pre-commit) and runs with few candidates stay in this process: no pool at all.
Outcomes come back in the order the candidates were found.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import multiprocessing
import multiprocessing.context
import os
import queue
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from llmgw_migrate.codemods.base import FileHandler, RewriteContext
    from llmgw_migrate.codemods.engine import FileOutcome

POOL_MIN_CANDIDATES = 12  # below this (and no warm server), forking workers costs more than it saves
BATCH = 8  # candidates per pool task: few round trips, and the workers stay evenly loaded

Item = tuple[str, str, bytes, tuple[str, ...]]  # (path, display, bytes read, handler names)


class LazyHandlers(Mapping[str, "FileHandler"]):
    """The registered handlers by name, each module imported the first time a file needs it (a worker
    that only sees Python files never imports the YAML or JavaScript parsers)."""

    def __init__(self) -> None:
        self._loaded: dict[str, FileHandler] = {}

    def __getitem__(self, name: str) -> FileHandler:
        handler = self._loaded.get(name)
        if handler is None:
            from llmgw_migrate.codemods.registry import SPEC_BY_NAME

            loaded = SPEC_BY_NAME[name].load()
            if loaded is None:
                raise KeyError(name)
            handler = self._loaded[name] = loaded
        return handler

    def __iter__(self) -> Iterator[str]:
        from llmgw_migrate.codemods.registry import SPEC_BY_NAME

        return iter(SPEC_BY_NAME)

    def __len__(self) -> int:
        from llmgw_migrate.codemods.registry import SPEC_BY_NAME

        return len(SPEC_BY_NAME)


def warm(handler: FileHandler) -> None:
    """Let a handler load what its first file would (optional `warm()`: parser, rules data)."""
    hook = getattr(handler, "warm", None)
    if callable(hook):
        hook()


# --- worker side ------------------------------------------------------------------------------------

_WORKER_CTX: RewriteContext | None = None
_WORKER_HANDLERS: Mapping[str, FileHandler] | None = None


def _init_worker(
    ctx: RewriteContext, handlers: Mapping[str, FileHandler] | None, names: tuple[str, ...]
) -> None:
    global _WORKER_CTX, _WORKER_HANDLERS
    _WORKER_CTX = ctx
    _WORKER_HANDLERS = handlers if handlers is not None else LazyHandlers()
    for name in names:
        warm(_WORKER_HANDLERS[name])


def _work(items: list[Item], ports: tuple[int, ...] | None = None) -> list[FileOutcome]:
    """Rewrite a batch; `ports`: the run's not_proxy_ports when decided after the pool started."""
    from llmgw_migrate.codemods.engine import process_file

    assert _WORKER_CTX is not None
    ctx = _WORKER_CTX
    if ports is not None and ports != ctx.not_proxy_ports:
        ctx = _with_ports(ports)
    return [process_file(p, d, data, names, ctx, _WORKER_HANDLERS) for p, d, data, names in items]


def _with_ports(ports: tuple[int, ...]) -> RewriteContext:
    global _WORKER_CTX
    assert _WORKER_CTX is not None
    _WORKER_CTX = dataclasses.replace(_WORKER_CTX, not_proxy_ports=ports)  # for the batches that follow
    return _WORKER_CTX


# --- parent side ------------------------------------------------------------------------------------

_EARLY: set[str] | None = None  # handlers a server started by start_early() preloads


def start_early(argv: list[str]) -> bool:
    """Boot the forkserver with the Python handler before the command line is even parsed, when `argv`
    asks to walk a folder on more than one core (wants_early_server): the server imports libcst (the
    run's largest fixed cost) while this process imports the CLI and walks. True when it started.

    Everything else about the run is decided later, as usual; a server nobody uses costs only CPU time
    on another core.
    """
    global _EARLY
    if _EARLY is not None or not wants_early_server(argv) or not _serve({"python"}):
        return False  # (no process support here: the run decides again later, and stays in this process)
    _EARLY = {"python"}
    return True


def _serve(handlers: set[str]) -> bool:
    """Boot the forkserver preloading these handlers' modules and the engine (for _work); returns at
    once, the server importing them while the caller goes on. False where processes cannot start."""
    from multiprocessing import forkserver

    from llmgw_migrate.codemods.registry import SPEC_BY_NAME

    modules = {SPEC_BY_NAME[n].module for n in handlers} | {"llmgw_migrate.codemods.engine"}
    forkserver.set_forkserver_preload(sorted(modules))
    try:
        with _stdio_not_inherited():
            forkserver.ensure_running()
    except (OSError, NotImplementedError):
        return False
    return True


@contextlib.contextmanager
def _stdio_not_inherited() -> Iterator[None]:
    """Processes started inside (the forkserver, its resource tracker, the workers forked from it) get
    /dev/null as stdin, stdout and stderr. Otherwise they hold this process's output open: whoever
    reads it (a pipe into `less`, CI, subprocess.run) would see its end only once the server has torn
    libcst down, after this process exited. Their results come back through the pool, not the output."""
    for stream in (sys.stdout, sys.stderr):
        if stream is not None:
            stream.flush()
    saved: list[tuple[int, int]] = []
    try:
        null = os.open(os.devnull, os.O_RDWR)
    except OSError:
        yield
        return
    try:
        for fd in (0, 1, 2):
            try:
                saved.append((fd, os.dup(fd)))
            except OSError:
                continue  # closed in this process: nothing to keep from the children
            os.dup2(null, fd)
        yield
    finally:
        for fd, copy in saved:
            os.dup2(copy, fd)
            os.close(copy)
        os.close(null)


def wants_early_server(argv: list[str]) -> bool:
    """`code DIR...` or `check`, not asking for help or one job, on a machine with cores to spare."""
    if not argv or argv[0] not in ("code", "check"):
        return False
    if any(a in ("-h", "--help", "-j1", "--jobs=1") for a in argv) or _one_job(argv):
        return False
    if cores() < 2 or "forkserver" not in multiprocessing.get_all_start_methods():
        return False
    # `code` with explicit files (pre-commit) runs them in this process: few, and no walk to overlap.
    return argv[0] == "check" or any(os.path.isdir(a) for a in argv[1:] if not a.startswith("-"))


def _one_job(argv: list[str]) -> bool:
    return any(a in ("-j", "--jobs") and b.strip() == "1" for a, b in itertools.pairwise(argv))


def cores() -> int:
    """The CPUs this process may run on (the default number of workers)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _chunks(items: list[Item], n: int) -> list[list[Item]]:
    size = max(1, -(-len(items) // n))
    return [items[i : i + size] for i in range(0, len(items), size)]


class CandidatePool:
    """Collects candidates as the walk finds them and decides where they run (see the module doc).

    `add` each candidate, then `results()`: the pool's outcomes in order; the caller runs what is left in
    `pending` itself. Always `close()`.
    """

    def __init__(
        self,
        ctx: RewriteContext,
        jobs: int,
        *,
        local: Mapping[str, FileHandler],
        handler_map: Mapping[str, FileHandler] | None,
        walking: bool,
    ) -> None:
        self.ctx = ctx
        self.jobs = jobs
        self.local = local  # this process's handlers
        self.handler_map = handler_map  # None: the registered ones
        self.walking = walking and jobs > 1  # explicit files: few, run here
        self.pending: list[Item] = []  # found, not yet handed to a pool
        self.used: set[str] = set()
        # Handlers that took some file so far (the caller adds to it): the server preloads these too,
        # since a mixed tree's later candidates will likely need them.
        self.seen: set[str] = set()
        methods = multiprocessing.get_all_start_methods()
        self.server = handler_map is None and "forkserver" in methods
        self.inherit = not self.server and "fork" in methods
        self.started = False  # the forkserver was asked to boot
        # Handlers whose modules the server imports: warm for its workers (a handler module with a
        # warm() runs it at import).
        self.preloaded: set[str] = set()
        if self.server and _EARLY is not None:
            self.started, self.preloaded = True, set(_EARLY)
        self._executor: ProcessPoolExecutor | None = None
        self._futures: list[tuple[list[Item], Future[list[FileOutcome]]]] = []
        self._feed: queue.SimpleQueue[tuple[list[Item], tuple[int, ...] | None] | None] | None = None
        self._feeder: threading.Thread | None = None
        self._not_sent: list[list[Item]] = []  # batches the pool could not take
        # The run's not_proxy_ports once the walk decided them (port_evidence.py); until then only
        # candidates they cannot affect are added, and the workers' context is the one they started with.
        self.ports: tuple[int, ...] | None = None

    def add(self, item: Item) -> None:
        names = item[3]
        if self._executor is None and self.jobs > 1 and not self.used.issuperset(names):
            if self.server and self.walking and not self.started:
                self._start_server(names)
            elif self.inherit:
                for name in names:
                    if name not in self.used:
                        warm(self.local[name])  # before any fork, so the workers inherit it
        self.used.update(names)
        self.pending.append(item)
        if self._executor is None and self.jobs > 1 and len(self.pending) >= POOL_MIN_CANDIDATES:
            self._open()
        if self._executor is not None and len(self.pending) >= BATCH:
            self._submit(self.pending)
            self.pending = []

    def results(self, on_outcome: Callable[[FileOutcome], None] | None = None) -> list[FileOutcome]:
        """The pool's outcomes, in the order found. What no worker rewrote is left in `pending` for the
        caller to run in this process: everything when no pool ran, the rest when the pool broke (a
        sandbox without process support, a killed worker)."""
        if self._executor is None and self.started and self.pending:
            self._open()  # warm by now: cheaper than importing the parser here
        if self._executor is None:
            return []
        for chunk in _chunks(self.pending, self.jobs):
            self._submit(chunk)
        self.pending = []
        self._stop_feeder()
        out: list[FileOutcome] = []
        for i, (_, future) in enumerate(self._futures):
            try:
                outcomes = future.result()
            except (BrokenProcessPool, OSError):
                self.pending = [it for batch, _ in self._futures[i:] for it in batch] + self._unsent()
                return out
            for outcome in outcomes:
                out.append(outcome)
                if on_outcome is not None:
                    on_outcome(outcome)
        self.pending = self._unsent()
        return out

    def decide(self, ports: tuple[int, ...]) -> None:
        """The run's not_proxy_ports, for the candidates added from now on."""
        self.ports = ports
        self.ctx = dataclasses.replace(self.ctx, not_proxy_ports=ports)  # a pool that opens later

    def close(self) -> None:
        self._stop_feeder(timeout=2.0)
        if self._executor is not None:
            self._executor.shutdown(cancel_futures=True)

    # --- internals -------------------------------------------------------------------------------
    def _start_server(self, names: tuple[str, ...] | list[str]) -> None:
        from llmgw_migrate.codemods.registry import SPEC_BY_NAME

        preload = set(names) | self.seen
        preload |= {need for n in preload for need in SPEC_BY_NAME[n].needs}
        if not _serve(preload):
            self.jobs = 1  # cannot start processes here: everything runs in this process
            return
        self.started = True
        self.preloaded = preload

    def _open(self) -> None:
        if self.server and not self.started:
            self._start_server(sorted(self.used))
            if self.jobs == 1:
                return
        context: multiprocessing.context.BaseContext | None = None
        if self.server:
            context = multiprocessing.get_context("forkserver")
        elif self.inherit:
            context = multiprocessing.get_context("fork")
        try:
            self._executor = self._executor_for(context)
        except (OSError, NotImplementedError, ImportError):
            self.jobs = 1  # no process support here (a sandbox without semaphores): all in this process
            return
        if self.server:
            self._feed = queue.SimpleQueue()
            self._feeder = threading.Thread(target=self._feed_loop, name="llmgw-pool-feeder", daemon=True)
            self._feeder.start()

    def _executor_for(self, context: multiprocessing.context.BaseContext | None) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self.jobs,
            mp_context=context,
            initializer=_init_worker,
            # Inherited and preloaded handlers are warm already; workers warm the others in parallel.
            initargs=(
                self.ctx,
                self.handler_map,
                () if self.inherit else tuple(sorted(self.used - self.preloaded)),
            ),
        )

    def _submit(self, batch: list[Item]) -> None:
        if self._feed is not None:
            self._feed.put((batch, self.ports))
            return
        assert self._executor is not None
        try:
            self._futures.append((batch, self._executor.submit(_work, batch, self.ports)))
        except (BrokenProcessPool, OSError):
            self._not_sent.append(batch)

    def _feed_loop(self) -> None:
        assert self._feed is not None and self._executor is not None
        while (task := self._feed.get()) is not None:
            batch, ports = task
            if self._not_sent:  # the pool broke: keep the rest for this process
                self._not_sent.append(batch)
                continue
            try:
                self._futures.append((batch, self._executor.submit(_work, batch, ports)))
            except (BrokenProcessPool, OSError):
                self._not_sent.append(batch)

    def _unsent(self) -> list[Item]:
        return [it for batch in self._not_sent for it in batch]

    def _stop_feeder(self, timeout: float | None = None) -> None:
        if self._feeder is not None and self._feed is not None:
            self._feed.put(None)
            self._feeder.join(timeout)
            self._feeder = None
