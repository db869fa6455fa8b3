"""Where candidates run: in this process, or a pool whose workers come warm from a forkserver (or a
fork). Whatever the route, the outcomes are the same as running here, in the order found."""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

import pytest

from llmgw_migrate.codemods import pool as pool_mod
from llmgw_migrate.codemods.base import RewriteContext
from llmgw_migrate.codemods.engine import FileOutcome, process_file
from llmgw_migrate.codemods.pool import CandidatePool, LazyHandlers

CTX = RewriteContext()
SRC = 'from openai import OpenAI\nclient = OpenAI(base_url="http://localhost:4000", api_key=KEY)\nn = {i}\n'


def items(n: int) -> list[pool_mod.Item]:
    return [(f"m{i}.py", f"m{i}.py", SRC.format(i=i).encode(), ("python",)) for i in range(n)]


def here(batch: list[pool_mod.Item]) -> list[tuple[str, str | None]]:
    local = LazyHandlers()
    return [(o.display, o.result) for o in (process_file(*it, CTX, local) for it in batch)]


def through(p: CandidatePool, batch: list[pool_mod.Item]) -> list[FileOutcome]:
    try:
        for it in batch:
            p.add(it)
        return p.results()
    finally:
        p.close()


needs_forkserver = pytest.mark.skipif(
    "forkserver" not in multiprocessing.get_all_start_methods(), reason="the platform has no forkserver"
)


@needs_forkserver
def test_a_walk_boots_the_server_at_its_first_candidate_and_uses_it_even_for_a_few() -> None:
    batch = items(3)  # fewer than POOL_MIN_CANDIDATES
    p = CandidatePool(CTX, 2, local=LazyHandlers(), handler_map=None, walking=True)
    p.add(batch[0])
    assert p.started and p.server  # booting while the walk goes on
    for it in batch[1:]:
        p.add(it)
    try:
        out = p.results()
    finally:
        p.close()
    assert [(o.display, o.result) for o in out] == here(batch)
    assert all(o.result and "api.llmgateway.io" in o.result for o in out)


@needs_forkserver
def test_many_candidates_keep_their_order_through_the_feeder() -> None:
    batch = items(pool_mod.POOL_MIN_CANDIDATES + 3 * pool_mod.BATCH + 1)
    out = through(CandidatePool(CTX, 2, local=LazyHandlers(), handler_map=None, walking=True), batch)
    assert [(o.display, o.result) for o in out] == here(batch)


def test_explicit_files_run_here_when_few() -> None:
    batch = items(3)
    p = CandidatePool(CTX, 2, local=LazyHandlers(), handler_map=None, walking=False)
    assert through(p, batch) == []
    assert not p.started and p.pending == batch  # the caller runs them


def test_one_job_never_starts_anything() -> None:
    batch = items(pool_mod.POOL_MIN_CANDIDATES + 1)
    p = CandidatePool(CTX, 1, local=LazyHandlers(), handler_map=None, walking=True)
    assert through(p, batch) == [] and p.pending == batch
    assert not p.started


def test_handlers_a_caller_passes_go_to_forked_workers_warm() -> None:
    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("the platform has no fork")
    from llmgw_migrate.codemods.python.handler import HANDLER

    warmed: list[str] = []

    class Counting:
        name = "python"

        def warm(self) -> None:
            warmed.append("parent")

        def rewrite(self, path: str, text: str, ctx: RewriteContext):  # type: ignore[no-untyped-def]
            return HANDLER.rewrite(path, text, ctx)

    handlers = {"python": Counting()}
    batch = items(pool_mod.POOL_MIN_CANDIDATES + 2)
    p = CandidatePool(CTX, 2, local=handlers, handler_map=handlers, walking=True)  # type: ignore[dict-item]
    out = through(p, batch)
    assert p.inherit and not p.server
    assert warmed == ["parent"]  # once, here, before the fork
    assert [(o.display, o.result) for o in out] == here(batch)


def test_which_command_lines_boot_the_server_before_parsing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pool_mod, "cores", lambda: 2)
    f = tmp_path / "a.py"
    f.write_text("x = 1\n")
    d = str(tmp_path)
    wants = pool_mod.wants_early_server
    if "forkserver" not in multiprocessing.get_all_start_methods():
        assert not wants(["code", d])
        return
    assert wants(["code", d]) and wants(["code", "--plan", "p.json", d, "--check"]) and wants(["check"])
    assert not wants(["code", str(f)])  # explicit files: run in this process
    for one_job in (["-j", "1"], ["--jobs=1"], ["-j1"], ["--jobs", "1"]):
        assert not wants(["code", d, *one_job])
    assert not wants(["code", "--help"]) and not wants(["config", d]) and not wants([])
    monkeypatch.setattr(pool_mod, "cores", lambda: 1)
    assert not wants(["code", d])


def test_no_process_support_runs_everything_here(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: CandidatePool, context: object) -> object:
        raise OSError(38, "Function not implemented")  # no semaphores, as in some sandboxes

    monkeypatch.setattr(CandidatePool, "_executor_for", refuse)
    batch = items(pool_mod.POOL_MIN_CANDIDATES + 1)
    p = CandidatePool(CTX, 2, local=LazyHandlers(), handler_map={}, walking=True)
    assert through(p, batch) == [] and p.pending == batch


def test_a_pool_that_breaks_leaves_the_rest_to_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    from concurrent.futures import Future
    from concurrent.futures.process import BrokenProcessPool

    class Breaks:
        """Answers the first batch, then dies like a pool whose worker was killed."""

        def __init__(self) -> None:
            self.calls = 0

        def submit(
            self, fn: object, batch: list[pool_mod.Item], ports: object = None
        ) -> Future[list[FileOutcome]]:
            self.calls += 1
            future: Future[list[FileOutcome]] = Future()
            if self.calls == 1:
                local = LazyHandlers()
                future.set_result([process_file(*it, CTX, local) for it in batch])
            else:
                future.set_exception(BrokenProcessPool("a worker died"))
            return future

        def shutdown(self, cancel_futures: bool = False) -> None:
            pass

    monkeypatch.setattr(CandidatePool, "_executor_for", lambda self, context: Breaks())
    batch = items(pool_mod.POOL_MIN_CANDIDATES + pool_mod.BATCH)
    p = CandidatePool(CTX, 2, local=LazyHandlers(), handler_map={}, walking=True)
    out = through(p, batch)
    assert [o.display for o in out] == [it[1] for it in batch[: len(out)]] and out
    assert [o.display for o in out] + [it[1] for it in p.pending] == [it[1] for it in batch]


@needs_forkserver
@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc")
def test_the_server_does_not_hold_the_output_open() -> None:
    # A reader of `code`'s output (a pipe, CI) sees its end when `code` exits, not when the server
    # has torn down: the server's standard streams are /dev/null, and this process keeps its own.
    import subprocess
    import sys

    script = (
        "import os, sys\n"
        "from multiprocessing import forkserver\n"
        "from llmgw_migrate.codemods import pool\n"
        "assert pool._serve({'python'})\n"
        "pid = forkserver._forkserver._forkserver_pid\n"
        "print([os.readlink(f'/proc/{pid}/fd/{fd}') for fd in (0, 1, 2)])\n"
        "print(os.readlink('/proc/self/fd/1') != os.devnull)\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [str([os.devnull] * 3), "True"]
