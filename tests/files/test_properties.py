"""Property tests over generated files of every non-Python type.

For each type: the output still parses, a second run changes nothing, a file with nothing to migrate
stays byte-identical, and arbitrary text never crashes a handler (it either rewrites or raises
RewriteError, which the engine reports as a parse error).
"""

from __future__ import annotations

import json
from pathlib import PurePath

import tomlkit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from llmgw_migrate.codemods import (
    docker,
    dotenv,
    json_files,
    notebooks,
    shell,
    toml_files,
    yaml_files,
)
from llmgw_migrate.codemods.base import RewriteContext, RewriteError
from llmgw_migrate.codemods.javascript import handler as javascript
from llmgw_migrate.codemods.javascript.syntax import SUFFIX_LANG, parser

CTX = RewriteContext(
    model_map={"smart": "openai/gpt-4o", "fast": "groq/llama-3.1-8b-instant"},
    known_models=frozenset({"smart", "fast"}),
    has_plan=True,
)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

KEYS = st.sampled_from(
    [
        "LITELLM_API_KEY",
        "LITELLM_BASE_URL",
        "LITELLM_PROXY_API_BASE",
        "LITELLM_MASTER_KEY",
        "OPENAI_BASE_URL",
        "ANTHROPIC_BASE_URL",
        "VITE_LITELLM_BASE_URL",
        "DEFAULT_MODEL",
        "API_URL",
        "PORT",
        "DATABASE_URL",
    ]
) | st.from_regex(r"[A-Z][A-Z0-9_]{0,12}", fullmatch=True)
URLS = st.sampled_from(
    [
        "http://localhost:4000",
        "http://0.0.0.0:4000/v1",
        "http://127.0.0.1:8000",
        "http://litellm:4000",
        "http://litellm-proxy:4000/v1/chat/completions",
        "http://litellm:4000/health/liveliness",
        "https://api.openai.com/v1",
        "http://localhost:3000",
        "https://api.llmgateway.io/v1",
    ]
)
WORDS = st.from_regex(r"[a-z0-9][a-z0-9 ._-]{0,15}", fullmatch=True)
VALUES = (
    URLS | WORDS | st.sampled_from(["smart", "fast", "${LITELLM_API_KEY}", "$LITELLM_BASE_URL/v1", "sk-1"])
)
ENTRIES = st.lists(st.tuples(KEYS, VALUES), min_size=1, max_size=8)


def twice(handler, path: str, text: str) -> str:  # type: ignore[no-untyped-def]
    first = handler.rewrite(path, text, CTX).text
    assert handler.rewrite(path, first, CTX).text == first, "a second run changed the file"
    return str(first)


def untouched_if_no_tokens(handler, path: str, text: str) -> None:  # type: ignore[no-untyped-def]
    tokens = handler.prefilter_tokens(CTX)
    if not any(t in text for t in tokens):
        assert handler.rewrite(path, text, CTX).text == text


@SETTINGS
@given(ENTRIES, st.lists(st.booleans(), min_size=8, max_size=8))
def test_dotenv(entries: list[tuple[str, str]], flags: list[bool]) -> None:
    lines = []
    for i, (k, v) in enumerate(entries):
        quoted = f'"{v}"' if flags[i % 8] else v
        lines.append(("export " if flags[(i + 3) % 8] else "") + f"{k}={quoted}")
        if flags[(i + 5) % 8]:
            lines.append("# a comment about " + k)
    text = "\n".join(lines) + "\n"
    out = twice(dotenv.HANDLER, ".env", text)
    assert [ln.startswith("#") for ln in out.splitlines()] == [ln.startswith("#") for ln in text.splitlines()]
    untouched_if_no_tokens(dotenv.HANDLER, ".env", text)


@SETTINGS
@given(ENTRIES, st.booleans())
def test_compose_yaml(entries: list[tuple[str, str]], as_list: bool) -> None:
    services: dict[str, object] = {}
    env: object = [f"{k}={v}" for k, v in entries] if as_list else dict(entries)
    services["api"] = {"image": "myorg/api", "environment": env, "command": f"curl {entries[0][1]}"}
    services["llm"] = {"baseUrl": entries[-1][1], "model": "smart"}
    text = "# stack\n" + json.dumps({"services": services}, indent=2) + "\n"
    out = twice(yaml_files.HANDLER, "docker-compose.yml", text)
    YAML(typ="rt").load(out)
    untouched_if_no_tokens(yaml_files.HANDLER, "docker-compose.yml", text)


@SETTINGS
@given(ENTRIES)
def test_block_yaml(entries: list[tuple[str, str]]) -> None:
    env = "\n".join(f"            - name: {k}\n              value: {json.dumps(v)}" for k, v in entries)
    text = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api  # the api\nspec:\n  template:\n"
        "    spec:\n      containers:\n        - name: api\n          image: myorg/api\n          env:\n"
        f"{env}\n"
    )
    out = twice(yaml_files.HANDLER, "deploy.yaml", text)
    YAML(typ="rt").load(out)
    assert out.count("\n") == text.count("\n")


@SETTINGS
@given(ENTRIES, st.integers(min_value=0, max_value=4))
def test_json(entries: list[tuple[str, str]], indent: int) -> None:
    doc = {
        "name": "app",
        "env": dict(entries),
        "llm": {"baseURL": entries[0][1], "model": "smart"},
        "scripts": {"dev": " ".join(f"{k}={v}" for k, v in entries if " " not in v) + " node app.js"},
    }
    text = json.dumps(doc, indent=indent or None, ensure_ascii=False)
    out = twice(json_files.HANDLER, "package.json", text)
    parsed = json.loads(out)
    assert list(parsed) == list(doc)
    untouched_if_no_tokens(json_files.HANDLER, "package.json", text)


@SETTINGS
@given(ENTRIES)
def test_toml(entries: list[tuple[str, str]]) -> None:
    doc = tomlkit.document()
    doc.add("app", "chat")
    table = tomlkit.table()
    for k, v in entries:
        table[k] = v
    doc.add("env", table)
    tool = tomlkit.table()
    tool.add("litellm_url", entries[0][1])
    tool.add("env", [f"{k}={v}" for k, v in entries])
    doc.add("tool", tool)
    text = tomlkit.dumps(doc)
    out = twice(toml_files.HANDLER, "pyproject.toml", text)
    tomlkit.parse(out)
    untouched_if_no_tokens(toml_files.HANDLER, "pyproject.toml", text)


JS_SNIPPETS = st.sampled_from(
    [
        'const client = new OpenAI({ baseURL: "{url}", apiKey: process.env.{key} });',
        'const BASE = process.env.{key} ?? "{url}";',
        "const llm = new ChatOpenAI({ model: \"smart\", configuration: { baseURL: '{url}' } });",
        'const p = createOpenAI({ baseURL: `${process.env.{key}}/v1` }); p("fast");',
        'await client.chat.completions.create({ model: "smart", messages: [], seed: 1 });',
        'const r = await fetch(`${BASE}/v1/chat/completions`, { body: JSON.stringify({ model: "fast" }) });',
        'export const api = axios.create({ baseURL: "{url}" });',
        "const { {key} } = process.env;",
        "// a comment with {url}",
    ]
)


@SETTINGS
@given(
    st.lists(st.tuples(JS_SNIPPETS, URLS, KEYS), min_size=1, max_size=8),
    st.sampled_from([".js", ".ts", ".tsx"]),
)
def test_javascript(snippets: list[tuple[str, str, str]], suffix: str) -> None:
    text = "\n".join(s.replace("{url}", u).replace("{key}", k) for s, u, k in snippets) + "\n"
    path = "src/app" + suffix
    if parser(SUFFIX_LANG[suffix]).parse(text.encode()).root_node.has_error:
        return  # a generated key may be a reserved word in a destructuring pattern
    out = twice(javascript.HANDLER, path, text)
    assert not parser(SUFFIX_LANG[suffix]).parse(out.encode()).root_node.has_error
    untouched_if_no_tokens(javascript.HANDLER, path, text)


@SETTINGS
@given(ENTRIES)
def test_shell_and_docker(entries: list[tuple[str, str]]) -> None:
    script = "\n".join(
        [f'export {k}="{v}"' for k, v in entries]
        + [f'curl -s "{entries[0][1]}/v1/models" -H "Authorization: Bearer ${entries[-1][0]}"']
    )
    twice(shell.HANDLER, "run.sh", script + "\n")
    dockerfile = (
        "FROM python:3.12\n" + "\n".join(f'ENV {k}="{v}"' for k, v in entries) + "\nRUN " + script[:80]
    )
    twice(docker.HANDLER, "Dockerfile", dockerfile + "\n")


@SETTINGS
@given(
    st.lists(
        st.tuples(URLS, st.sampled_from(["smart", "fast", "other"]), st.booleans()), min_size=1, max_size=5
    )
)
def test_notebook(cells: list[tuple[str, str, bool]]) -> None:
    nb_cells = []
    for url, model, magic in cells:
        source = [
            "from openai import OpenAI\n",
            f'client = OpenAI(base_url="{url}", api_key="k")\n',
            f'client.chat.completions.create(model="{model}", messages=[])',
        ]
        if magic:
            source.insert(0, f"!curl -s {url}/v1/models -H 'Authorization: Bearer $LITELLM_API_KEY'\n")
        nb_cells.append(
            {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": source}
        )
    nb = {"cells": nb_cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    text = json.dumps(nb, indent=1) + "\n"
    out = twice(notebooks.HANDLER, "nb.ipynb", text)
    parsed = json.loads(out)
    assert [c["outputs"] for c in parsed["cells"]] == [c["outputs"] for c in nb_cells]
    assert len(out.splitlines()) >= len(text.splitlines()) - len(cells)


HANDLERS = [
    dotenv.HANDLER,
    shell.HANDLER,
    docker.HANDLER,
    yaml_files.HANDLER,
    json_files.HANDLER,
    toml_files.HANDLER,
    javascript.HANDLER,
    notebooks.HANDLER,
]
PATHS = {
    "dotenv": ".env",
    "shell": "x.sh",
    "docker": "Dockerfile",
    "yaml": "x.yaml",
    "json": "x.json",
    "toml": "x.toml",
    "javascript": "x.ts",
    "notebook": "x.ipynb",
}


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(HANDLERS),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=200)
    | st.sampled_from(['LITELLM_API_KEY="unterminated', "{[", "a: [b", 'x = "', "const a = ;"]),
)
def test_arbitrary_text_never_crashes(handler, text: str) -> None:  # type: ignore[no-untyped-def]
    path = PATHS[handler.name]
    assert handler.accepts(PurePath(path))
    try:
        handler.rewrite(path, text + " LITELLM_API_KEY http://litellm:4000", CTX)
    except RewriteError as exc:
        assert exc.message
