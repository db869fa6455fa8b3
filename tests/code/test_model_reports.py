"""Model names reported where a call moves to the gateway (LGM261, LGM271) go with the move: a
connection that is held (nothing of it changes) keeps no such finding, since its calls still reach the
proxy, which served them."""

from __future__ import annotations

from pathlib import Path

import pytest

from llmgw_migrate.codemods import engine
from llmgw_migrate.codemods.base import RewriteContext

APP = (
    "import os\nfrom openai import OpenAI\n"
    'client = OpenAI(base_url="http://localhost:4000", api_key=os.environ["LITELLM_API_KEY"])\n'
    'client.chat.completions.create(model="served-model", messages=[])\n'
    'client.chat.completions.create(model="anything", messages=[])\n'
)

TS = (
    'const client = new OpenAI({ baseURL: "http://litellm:4000", apiKey: process.env.LITELLM_API_KEY });\n'
    'await client.chat.completions.create({ model: "served-model", messages: [] });\n'
)
CODES = ("LGM261", "LGM271", "LGM332", "LGM359")


def _codes(root: Path, files: dict[str, str]) -> list[str]:
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    run = engine.run_code([Path(".")], RewriteContext(), jobs=1)
    return sorted(f"{f.code}:{f.file}:{f.line}" for f in run.findings if f.code in CODES)


def test_a_migrating_call_reports_its_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert _codes(tmp_path, {"app.py": APP}) == ["LGM261:app.py:5", "LGM271:app.py:4"]


def test_a_held_connection_reports_no_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    java = 'class C { String k = System.getenv("LITELLM_API_KEY"); }\n'
    assert _codes(tmp_path, {"app.py": APP, "src/C.java": java}) == []


def test_typescript_alike(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert _codes(tmp_path, {"web/llm.ts": TS}) == ["LGM332:web/llm.ts:2"]
    java = 'class C { String k = System.getenv("LITELLM_API_KEY"); }\n'
    assert _codes(tmp_path, {"src/C.java": java}) == []
