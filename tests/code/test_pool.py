"""Where candidates run: in this process, or a pool whose workers come warm from a forkserver (or a
fork). Whatever the route, the outcomes are the same as running here, in the order found."""

from __future__ import annotations

import multiprocessing
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


def through(p: CandidatePool, batch: list[pool_mod.Item]) -> list[FileOutcome] | None:
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
    assert out is not None
    assert [(o.display, o.result) for o in out] == here(batch)
    assert all(o.result and "api.llmgateway.io" in o.result for o in out)


@needs_forkserver
def test_many_candidates_keep_their_order_through_the_feeder() -> None:
    batch = items(pool_mod.POOL_MIN_CANDIDATES + 3 * pool_mod.BATCH + 1)
    out = through(CandidatePool(CTX, 2, local=LazyHandlers(), handler_map=None, walking=True), batch)
    assert out is not None
    assert [(o.display, o.result) for o in out] == here(batch)


def test_explicit_files_run_here_when_few() -> None:
    batch = items(3)
    p = CandidatePool(CTX, 2, local=LazyHandlers(), handler_map=None, walking=False)
    assert through(p, batch) is None
    assert not p.started and p.pending == batch  # the caller runs them


def test_one_job_never_starts_anything() -> None:
    batch = items(pool_mod.POOL_MIN_CANDIDATES + 1)
    p = CandidatePool(CTX, 1, local=LazyHandlers(), handler_map=None, walking=True)
    assert through(p, batch) is None
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
    assert out is not None and [(o.display, o.result) for o in out] == here(batch)


def test_which_command_lines_boot_the_server_before_parsing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pool_mod, "_cores", lambda: 2)
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
    monkeypatch.setattr(pool_mod, "_cores", lambda: 1)
    assert not wants(["code", d])
