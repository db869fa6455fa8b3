"""The Python prefilter never drops a file the rules would act on.

A file whose only tokens are a local :4000/:8000 address must also hold an LLM word to be parsed
(codemods/registry.py, python_matcher). These tests run the full Python rules on every file the
prefilter rejects, from every rule case, the example app and generated modules, and require that they
change nothing and report nothing there.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from llmgw_migrate.codemods import registry
from llmgw_migrate.codemods.base import RewriteContext
from llmgw_migrate.codemods.python import facts
from llmgw_migrate.codemods.python.handler import HANDLER
from llmgw_migrate.resources import rules_path

ROOT = Path(__file__).resolve().parents[2]
PLAIN_CTX = RewriteContext()
PLAN_CTX = RewriteContext(
    model_map={"smart": "openai/gpt-4o"}, known_models=frozenset({"smart", "old"}), has_plan=True
)


def rules_act_on(text: str, ctx: RewriteContext) -> bool:
    result = HANDLER.rewrite("m.py", text, ctx)
    return result.text != text or bool(result.findings)


def case_params() -> list[Any]:
    out = []
    for path in sorted(rules_path("rewrites", "python").glob("*.cases.yaml")):
        data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
        for i, case in enumerate(data["cases"]):
            spec = case.get("ctx") or {}
            ctx = RewriteContext(
                model_map={"smart": "openai/gpt-4o"} if spec.get("plan", True) else {},
                from_urls=tuple(spec.get("from_urls", ())),
                replace_litellm=spec.get("replace_litellm", False),
            )
            out.append(pytest.param(case["before"], ctx, id=f"{path.stem}:{i}"))
    return out


@pytest.mark.parametrize(("text", "ctx"), case_params())
def test_no_rule_case_is_dropped(text: str, ctx: RewriteContext) -> None:
    if not registry.python_matcher(ctx)(text.encode()):
        assert not rules_act_on(text, ctx)


def test_no_example_app_file_is_dropped() -> None:
    files = sorted((ROOT / "fixtures").rglob("*.py"))
    assert files
    for path in files:
        text = path.read_text(encoding="utf-8")
        if not registry.python_matcher(PLAN_CTX)(text.encode()):
            assert not rules_act_on(text, PLAN_CTX), path


def test_the_llm_words_cover_the_rules_own_hint() -> None:
    # facts._LLM_HINT decides which names count as LLM settings; every word it knows must make a file a
    # candidate, or a `llm_base_url = "http://localhost:8000"` would be dropped.
    words = re.findall(r"[a-z_]+", facts._LLM_HINT.pattern)
    assert words and set(words) <= set(registry.LLM_WORDS)


def test_ordinary_web_code_on_those_ports_is_not_parsed() -> None:
    match = registry.python_matcher(PLAIN_CTX)
    assert not match(b'DEV_SERVER = "http://localhost:8000"\n\ndef url(p):\n    return DEV_SERVER + p\n')
    assert not match(b'ALLOWED = ["http://127.0.0.1:4000"]\nclient.get("http://localhost:8000/api/users")\n')
    assert match(b'from openai import OpenAI\nOpenAI(base_url="http://localhost:8000")\n')
    assert match(b'requests.post("http://localhost:4000/v1/chat/completions")\n')
    assert match(b'llm_base_url = "http://localhost:4000"\n')
    assert match(b'cfg = {"base_url": "http://localhost:4000", "model": "x"}\n')
    assert match(b'KEY = os.environ["LITELLM_API_KEY"]\n')  # no port at all: still a candidate


URLS = [
    "http://localhost:4000",
    "http://127.0.0.1:8000/v1",
    "http://0.0.0.0:4000",
    "http://localhost:8000/api",
]
PATHS = ["/v1/chat/completions", "/embeddings", "/health", "/api/items", "/v1/messages", "/v1/models"]
NAMES = ["BASE", "backend_url", "llm_base_url", "SERVICE_HOST", "api_base", "proxy_url", "OPENAI_URL"]
ENVS = ["OPENAI_BASE_URL", "SERVICE_URL", "ANTHROPIC_BASE_URL", "BACKEND", "LLM_ENDPOINT"]
KEYS = ["base_url", "api_base", "url", "endpoint", "azure_endpoint", "model", "messages", "api_key", "ttl"]
HEADERS = [
    "",
    "import os\n",
    "import requests\n",
    "import httpx\n",
    "from openai import OpenAI\n",
    "from anthropic import Anthropic\n",
    "from pydantic_settings import BaseSettings\n",
    "from langchain_openai import ChatOpenAI\n",
]


@st.composite
def statement(draw: st.DrawFn) -> str:
    url, path, name = draw(st.sampled_from(URLS)), draw(st.sampled_from(PATHS)), draw(st.sampled_from(NAMES))
    env, k1, k2 = draw(st.sampled_from(ENVS)), draw(st.sampled_from(KEYS)), draw(st.sampled_from(KEYS))
    forms = [
        f'{name} = "{url}"',
        f'{name} = os.getenv("{env}", "{url}")',
        f'os.environ["{env}"] = "{url}"',
        f'requests.post("{url}{path}", json={{}})',
        f'httpx.get(f"{{{name}}}{path}")',
        f'r = requests.get({name} + "{path}")',
        f'cfg = {{"{k1}": "{url}", "{k2}": "x"}}',
        f'client = OpenAI(base_url="{url}")',
        f"client = OpenAI(base_url={name})",
        f'c = Anthropic(base_url="{url}")',
        f'llm = ChatOpenAI(openai_api_base="{url}", model="smart")',
        f'class Settings(BaseSettings):\n    {name.lower()}: str = "{url}"',
        f'monkeypatch.setenv("{env}", "{url}")',
        f'call(api_base="{url}")',
        f'print("{url}")',
        'r = client.chat.completions.create(model="smart", messages=[], seed=1)',
    ]
    return draw(st.sampled_from(forms))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(HEADERS), st.lists(statement(), min_size=1, max_size=6), st.booleans())
def test_no_generated_module_is_dropped(header: str, lines: list[str], plan: bool) -> None:
    text = header + "\n".join(lines) + "\n"
    ctx = PLAN_CTX if plan else PLAIN_CTX
    if not registry.python_matcher(ctx)(text.encode()):
        assert not rules_act_on(text, ctx), text


def test_the_case_check_is_not_vacuous() -> None:
    rejected = [p for p in case_params() if not registry.python_matcher(p.values[1])(p.values[0].encode())]
    assert len(rejected) >= 3  # the precision cases: web backends on :4000/:8000 with no LLM in sight
