"""A held connection's one finding lists its commented-out settings too (`# LITELLM_API_KEY=...` in
.env.example): users uncomment them, so they are parts the user moves by hand. Alone, a comment makes no
connection."""

from __future__ import annotations

from pathlib import Path

import pytest

from llmgw_migrate.codemods import engine
from llmgw_migrate.codemods.base import RewriteContext

# The client reaches a hosted address nobody named as the proxy: the connection is held (LGM253).
APP = (
    "import os\nfrom openai import OpenAI\n"
    'client = OpenAI(base_url="https://llm.example.systems", api_key=os.environ["LITELLM_API_KEY"])\n'
)
ENV_EXAMPLE = "OPENAI_MODEL=gpt-4o\n# LITELLM_API_KEY=your_key_here\n"


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        (root / rel).write_text(text, encoding="utf-8")


def test_held_finding_lists_a_commented_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path, {"app.py": APP, ".env.example": ENV_EXAMPLE})
    monkeypatch.chdir(tmp_path)
    run = engine.run_code([Path(".")], RewriteContext(), jobs=1)
    (held,) = [f for f in run.findings if f.code == "LGM253"]
    assert ".env.example:2 LITELLM_API_KEY" in held.message
    assert "(commented out)" in held.message
    assert held.file == "app.py"  # the finding points at a live part
    assert all(o.result is None for o in run.files)


def test_a_comment_alone_makes_no_connection(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path, {"app.py": "print('hello')\n", ".env.example": ENV_EXAMPLE})
    monkeypatch.chdir(tmp_path)
    run = engine.run_code([Path(".")], RewriteContext(), jobs=1)
    assert not [f for f in run.findings if f.code.startswith("LGM25")]
