"""codemods/port_evidence.py: what a repository says runs on port 8000."""

from __future__ import annotations

from pathlib import Path

from llmgw_migrate.codemods import port_evidence
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
