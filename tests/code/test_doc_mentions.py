"""Documentation pages that name what `code` moved (doc_mentions.py, LGM358): one finding lists every
page line, only for what some file really changed, and the pages themselves stay byte-identical."""

from __future__ import annotations

from pathlib import Path

import pytest

from llmgw_migrate.codemods import engine
from llmgw_migrate.codemods.base import RewriteContext

ENV = "LITELLM_BASE_URL=http://localhost:4000\nLITELLM_API_KEY=\n"
APP = (
    "import os\nfrom openai import OpenAI\n"
    'client = OpenAI(base_url=os.environ["LITELLM_BASE_URL"], api_key=os.environ["LITELLM_API_KEY"])\n'
)
README = (
    "# Demo\n\nSet these first:\n\n    export LITELLM_API_KEY=sk-...\n"
    "    export LITELLM_BASE_URL=http://localhost:4000\n\nThe web app runs on http://localhost:3000.\n"
)


def _tree(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")


def _docs(root: Path) -> list[str]:
    run = engine.run_code([root], RewriteContext(), jobs=1)
    return [f"{f.file}:{f.line} {f.message}" for f in run.findings if f.code == "LGM358"]


def test_each_page_line_is_listed_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _tree(
        tmp_path,
        {".env.example": ENV, "app.py": APP, "README.md": README, "docs/setup.rst": "Set LITELLM_API_KEY.\n"},
    )
    monkeypatch.chdir(tmp_path)
    (found,) = _docs(Path("."))
    assert found.startswith("README.md:5 ")
    assert "README.md:5 LITELLM_API_KEY (renamed LLM_GATEWAY_API_KEY)" in found
    assert "README.md:6 LITELLM_BASE_URL (renamed LLM_GATEWAY_BASE_URL), http://localhost:4000" in found
    assert "docs/setup.rst:1 LITELLM_API_KEY" in found
    assert "3000" not in found  # another server the code never moved


def test_after_write_pages_are_untouched_and_still_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _tree(tmp_path, {".env.example": ENV, "app.py": APP, "README.md": README})
    monkeypatch.chdir(tmp_path)
    engine.apply(engine.run_code([Path(".")], RewriteContext(), jobs=1))
    assert (tmp_path / "README.md").read_text(encoding="utf-8") == README
    # The second run changes nothing and reports the variables' mentions again (the URL it cannot
    # tell any more: no file holds it).
    (again,) = _docs(Path("."))
    assert "README.md:5 LITELLM_API_KEY (renamed LLM_GATEWAY_API_KEY)" in again
    assert "README.md:6 LITELLM_BASE_URL (renamed LLM_GATEWAY_BASE_URL)" in again


def test_a_held_connection_reports_no_doc_mention(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A Java class reads the key: nothing of the connection changes, so the README is still right.
    java = 'class C { String k = System.getenv("LITELLM_API_KEY"); }\n'
    _tree(tmp_path, {".env.example": ENV, "app.py": APP, "README.md": README, "src/C.java": java})
    monkeypatch.chdir(tmp_path)
    assert _docs(Path(".")) == []
