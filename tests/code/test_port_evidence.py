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
    other_port = _collect(tmp_path / "a", {"Makefile": "run:\n\tuvicorn app:app --port 9000\n"})
    assert other_port.not_proxy_ports() == ()
    ev = _collect(tmp_path / "b", {"dev.sh": "uvicorn a:b\nlitellm --config c.yaml --port 8000\n"})
    assert ev.litellm_on_8000 and ev.not_proxy_ports() == ()


def test_source_files_are_not_read(tmp_path: Path) -> None:
    assert _collect(tmp_path, {"app.py": "# vllm serve m --port 8000\n"}).not_proxy_ports() == ()


def test_matcher_drops_ports_another_server_owns() -> None:
    assert UrlMatcher().classify("http://localhost:8000/v1") is UrlKind.CANDIDATE
    assert UrlMatcher((), (8000,)).classify("http://localhost:8000/v1") is None
    assert UrlMatcher((), (8000,)).classify("http://localhost:4000/v1") is UrlKind.CANDIDATE
