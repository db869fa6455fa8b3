"""Property tests over generated modules: the output parses, a second run is a no-op, and a module with
nothing to migrate comes out byte-identical."""

from __future__ import annotations

import libcst as cst
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from llmgw_migrate.codemods.base import RewriteContext
from llmgw_migrate.codemods.python.handler import HANDLER

CTX = RewriteContext(
    model_map={"smart": "openai/gpt-4o", "fast": "openai/gpt-4o-mini"},
    known_models=frozenset({"smart", "fast", "old"}),
    has_plan=True,
    from_urls=("https://llm.acme.dev",),
)

URLS = st.sampled_from(
    [
        "http://localhost:4000",
        "http://0.0.0.0:4000/v1",
        "http://127.0.0.1:8000",
        "http://litellm:4000",
        "http://litellm-proxy:4000/v1/",
        "https://llm.acme.dev/v1",
        "http://localhost:3000",
        "https://api.openai.com/v1",
        "http://localhost:4000/health",
        "https://api.llmgateway.io/v1",
    ]
)
ENV_NAMES = st.sampled_from(
    ["LITELLM_API_KEY", "LITELLM_BASE_URL", "LITELLM_MASTER_KEY", "OPENAI_BASE_URL", "DATABASE_URL", "PORT"]
)
MODELS = st.sampled_from(["smart", "fast", "old", "gpt-4o", "mystery", "litellm_proxy/smart", "openai/fast"])
NAMES = st.sampled_from(["BASE", "LITELLM_URL", "backend_url", "llm_base_url", "SERVICE", "client_url"])
QUOTES = st.sampled_from(['"', "'"])


@st.composite
def statements(draw: st.DrawFn) -> str:
    q = draw(QUOTES)
    url, env, model, name = draw(URLS), draw(ENV_NAMES), draw(MODELS), draw(NAMES)
    kind = draw(st.integers(0, 11))
    if kind == 0:
        return f"{name} = {q}{url}{q}"
    if kind == 1:
        return f"{name} = os.getenv({q}{env}{q}, {q}{url}{q})"
    if kind == 2:
        return f"client = OpenAI(base_url={q}{url}{q}, api_key=os.environ[{q}{env}{q}])"
    if kind == 3:
        return f"client = OpenAI(base_url={name})"
    if kind == 4:
        return f"r = client.chat.completions.create(model={q}{model}{q}, messages=[], seed=1)"
    if kind == 5:
        return f"r = litellm.completion(model={q}{model}{q}, messages=[])"
    if kind == 6:
        return f"az = AzureOpenAI(azure_endpoint={q}{url}{q}, api_version={q}2024-01-01{q})"
    if kind == 7:
        return f"requests.post(f{q}{{{name}}}/v1/chat/completions{q}, json={{{q}model{q}: {q}{model}{q}}})"
    if kind == 8:
        return f"x = {q}{env}{q} in os.environ  # llmgw: ignore"
    if kind == 9:
        return f"litellm.api_base = {q}{url}{q}"
    if kind == 10:
        return f"def f():\n    return {name} + {q}/v1/embeddings{q}"
    return f"print({q}{url}{q}, {q}{model}{q})"


HEADER = "import os\nimport litellm\nimport requests\nfrom openai import AzureOpenAI, OpenAI\n"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(statements(), min_size=1, max_size=8))
def test_output_parses_and_second_run_is_a_noop(lines: list[str]) -> None:
    source = HEADER + "\n".join(lines) + "\n"
    first = HANDLER.rewrite("gen.py", source, CTX)
    cst.parse_module(first.text)
    second = HANDLER.rewrite("gen.py", first.text, CTX)
    assert second.text == first.text


PLAIN = st.sampled_from(
    [
        "x = 1",
        "URL = 'http://localhost:3000'",
        "PORT = 4000",
        "def f(a, b=2):\n    return a + b",
        "class A:\n    name: str = 'a'",
        "s = f'{x}:{y}'",
        "items = {'model': 'smart'}",
        "client = OpenAI()\nclient.chat.completions.create(model='smart', messages=[])",
        "# a comment about the proxy migration\ny = [i for i in range(3)]",
        "web = Flask(__name__)\nweb.run(port=4000)",
        "DEV = 'http://localhost:8000'\nrequests.get(DEV + '/users')",
    ]
)


@settings(max_examples=50, deadline=None)
@given(st.lists(PLAIN, min_size=1, max_size=10))
def test_modules_without_a_match_stay_byte_identical(lines: list[str]) -> None:
    source = HEADER + "\n".join(lines) + "\n"
    result = HANDLER.rewrite("plain.py", source, CTX)
    assert result.text == source
    assert all(f.code not in ("LGM201", "LGM202", "LGM205") for f in result.findings)
