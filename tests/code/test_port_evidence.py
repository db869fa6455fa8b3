"""codemods/port_evidence.py: what a repository says runs on port 8000."""

from __future__ import annotations

import builtins
import os
from pathlib import Path
from typing import Any

import pytest

from llmgw_migrate.codemods import engine, pool, port_evidence
from llmgw_migrate.codemods.base import RewriteContext
from llmgw_migrate.proxy_urls import UrlKind, UrlMatcher


def _collect(tmp_path: Path, files: dict[str, str]) -> port_evidence.PortEvidence:
    paths = []
    for rel, text in files.items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
        paths.append(str(p))
    return port_evidence.collect(paths)


def test_servers_on_their_default_port_are_evidence(tmp_path: Path) -> None:
    ev = _collect(
        tmp_path,
        {
            "run.sh": "vllm serve m\n",
            "Procfile": "web: gunicorn app:app\n",
            "docs/dev.md": "uvicorn main:app --reload\n",
        },
    )
    assert len(ev.other_on_8000) == 3
    assert ev.not_proxy_ports() == (8000,)


def test_another_port_and_litellm_on_8000(tmp_path: Path) -> None:
    other_port = _collect(
        tmp_path / "a", {"Makefile": "run:\n\tuvicorn app:app --port 9000\n", "requirements.txt": "litellm\n"}
    )
    assert other_port.not_proxy_ports() == ()
    ev = _collect(tmp_path / "b", {"dev.sh": "uvicorn a:b\nlitellm --config c.yaml --port 8000\n"})
    assert ev.litellm_on_8000 and ev.not_proxy_ports() == ()


def test_source_files_give_only_litellm_names_and_own_servers(tmp_path: Path) -> None:
    # A command in a source comment is not how the repository starts a server.
    ev = _collect(tmp_path / "a", {"app.py": "import litellm\n# vllm serve m --port 8000\n"})
    assert ev.litellm_named and ev.not_proxy_ports() == ()
    ev = _collect(
        tmp_path / "b",
        {"main.py": 'import os\nK = os.environ["LITELLM_API_KEY"]\nuvicorn.run(\n  app,\n  port=8000)\n'},
    )
    assert ev.other_on_8000 == [str(tmp_path / "b" / "main.py") + ":3"]
    assert ev.not_proxy_ports() == (8000,)
    ev = _collect(
        tmp_path / "c",
        {"index.ts": "// litellm\nserve({ fetch: app.fetch, port: 8000 });\napp.listen(3000);\n"},
    )
    assert len(ev.other_on_8000) == 1


def test_no_litellm_anywhere_means_8000_is_not_the_proxy(tmp_path: Path) -> None:
    ev = _collect(tmp_path, {"client.py": 'openai.api_base = "http://localhost:8000/v1"\n'})
    assert not ev.litellm_named and ev.not_proxy_ports() == (8000,)
    assert _collect(tmp_path / "b", {"litellm_config.yaml": "model_list: []\n"}).not_proxy_ports() == ()


def test_matcher_drops_ports_another_server_owns() -> None:
    assert UrlMatcher().classify("http://localhost:8000/v1") is UrlKind.CANDIDATE
    assert UrlMatcher((), (8000,)).classify("http://localhost:8000/v1") is None
    assert UrlMatcher((), (8000,)).classify("http://localhost:4000/v1") is UrlKind.CANDIDATE


_PROXY_CLIENT = (
    "import os\nfrom openai import OpenAI\n"
    'c = OpenAI(base_url="http://localhost:4000", api_key=os.environ["LITELLM_API_KEY"])\n'
)


def test_the_walk_reads_each_file_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The evidence comes from the bytes the prefilter read; only a Procfile (no handler takes it) is
    # read for the scan alone.
    files = {
        "a.py": _PROXY_CLIENT,
        "b.py": "x = 1\n",
        "README.md": "uvicorn main:app\n",
        "Main.java": 'String u = "http://localhost:8000";\n',
        "Procfile": "web: gunicorn app:app\n",
        "notes.txt": "nothing\n",
    }
    for rel, text in files.items():
        (tmp_path / rel).write_text(text)
    opened: list[str] = []
    real_os_open, real_open = os.open, builtins.open

    def os_open(path: Any, *args: Any, **kwargs: Any) -> int:
        opened.append(str(path))
        return real_os_open(path, *args, **kwargs)

    def open_(path: Any, *args: Any, **kwargs: Any) -> Any:
        opened.append(str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", os_open)
    monkeypatch.setattr(builtins, "open", open_)
    engine.run_code([tmp_path], RewriteContext(), jobs=1)
    monkeypatch.undo()
    mine = [Path(p).name for p in opened if Path(p).parent == tmp_path]
    assert sorted(mine) == sorted(n for n in files if n != "notes.txt")


def test_candidates_on_8000_wait_for_the_evidence_in_worker_processes(tmp_path: Path) -> None:
    # Enough candidates for the pool to start during the walk; the :8000 client is walked before the
    # Procfile that says uvicorn serves 8000, and must still be judged with that evidence.
    for i in range(pool.POOL_MIN_CANDIDATES + 2):
        (tmp_path / f"m{i:02d}.py").write_text(_PROXY_CLIENT)
    (tmp_path / "a_llm.py").write_text(
        'from openai import OpenAI\nclient = OpenAI(base_url="http://localhost:8000/v1/", api_key="local")\n'
    )
    (tmp_path / "zz").mkdir()
    (tmp_path / "zz" / "Procfile").write_text("web: uvicorn app.main:app --port 8000\n")
    for jobs in (1, 2):
        run = engine.run_code([tmp_path], RewriteContext(), jobs=jobs)
        assert {o.path.name for o in run.changed_files} == {
            f"m{i:02d}.py" for i in range(pool.POOL_MIN_CANDIDATES + 2)
        }
    (tmp_path / "zz" / "Procfile").unlink()
    run = engine.run_code([tmp_path], RewriteContext(), jobs=2)
    assert "a_llm.py" in {o.path.name for o in run.changed_files}
