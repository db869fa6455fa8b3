"""Evidence: a real LiteLLM proxy and the embedded gateway, both in front of the same fake upstream.

1. `llmgw-migrate config` turns the LiteLLM config into plan.json (real CLI);
2. `llmgw-migrate verify --before <proxy> --after embedded --plan plan.json` (real CLI) reports parity;
3. a wrong plan (a model mapped to a different upstream model) makes verify name `model` and exit 1;
4. an upstream that answers the gateway with different tool arguments makes verify name the argument.

The proxy runs from its own virtualenv (`litellm[proxy]==1.108.7`), created on first use by
`ensure_litellm_venv()`; it runs offline with a strong random master key.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from llmgw_migrate.testing.fake_upstream import FakeUpstream
from llmgw_migrate.testing.litellm_proxy import LiteLLMProxy, ensure_litellm_venv
from tests.conftest import ROOT

pytestmark = pytest.mark.slow

CONFIG = Path(__file__).parent / "data" / "litellm_config.yaml"
OPENAI_KEY = "sk-fake-openai-key-for-parity-0123456789"
ANTHROPIC_KEY = "sk-ant-fake-key-for-parity-0123456789"


@pytest.fixture(scope="module")
def upstream() -> Iterator[FakeUpstream]:
    with FakeUpstream() as up:
        yield up


@pytest.fixture(scope="module")
def other_tool_args() -> Iterator[FakeUpstream]:
    """Same answers as `upstream`, except tool-call arguments."""
    with FakeUpstream(tool_args_variant=1) as up:
        yield up


@pytest.fixture(scope="module")
def proxy(upstream: FakeUpstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiteLLMProxy]:
    python = ensure_litellm_venv()
    workdir = tmp_path_factory.mktemp("litellm")
    config = workdir / "litellm_config.yaml"
    shutil.copyfile(CONFIG, config)
    env = {
        "OPENAI_API_KEY": OPENAI_KEY,
        "ANTHROPIC_API_KEY": ANTHROPIC_KEY,
        "OPENAI_BASE_URL": upstream.url + "/v1",
        "ANTHROPIC_API_BASE": upstream.url,
    }
    with LiteLLMProxy(config, python=python, env=env, log_path=workdir / "proxy.log") as p:
        yield p


@pytest.fixture(scope="module")
def plan_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("plan") / "plan.json"
    run = cli("config", str(CONFIG), "--output", str(out))
    assert run.returncode in (0, 1), run.stderr  # 1: the config has findings (temperature in params)
    return out


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = dict(os.environ, NO_COLOR="1", **(env or {}))
    return subprocess.run(
        [sys.executable, "-m", "llmgw_migrate", *args],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=ROOT,
        timeout=300,
    )


def gateway_env(up: FakeUpstream) -> dict[str, str]:
    """The embedded gateway's provider keys and base URLs (self-hosted naming)."""
    return {
        "LLM_OPENAI_API_KEY": OPENAI_KEY,
        "LLM_ANTHROPIC_API_KEY": ANTHROPIC_KEY,
        "LLM_OPENAI_BASE_URL": up.url,
        "LLM_ANTHROPIC_BASE_URL": up.url,
        "LITELLM_API_KEY": "",
        "LLM_GATEWAY_API_KEY": "",
    }


def verify(
    proxy: LiteLLMProxy, plan: Path, up: FakeUpstream, out: Path, *extra: str
) -> tuple[int, dict[str, Any], str]:
    run = cli(
        "verify",
        "--before",
        proxy.url,
        "--before-key",
        proxy.master_key,
        "--after",
        "embedded",
        "--plan",
        str(plan),
        "--format",
        "json",
        # A real proxy on a loaded CI box can answer one request with a transient 5xx; users get the
        # default retries too, and no retry can turn a real difference into a pass.
        "--retries",
        "2",
        "--concurrency",
        "4",
        *extra,
        env=gateway_env(up),
    )
    assert run.returncode in (0, 1, 2), run.stderr
    assert run.stdout, f"no report on stdout; stderr: {run.stderr} proxy log: {proxy.log_tail()}"
    (out / "stdout.json").write_text(run.stdout, encoding="utf-8")
    return run.returncode, json.loads(run.stdout), run.stdout + run.stderr


def by_id(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in report["results"]}


WEATHER = {
    "name": "get_weather",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}


def anthropic_corpus(path: Path) -> Path:
    """Anthropic-format requests (/v1/messages) for the Claude model: text, stream, tool use, both."""
    base = {"model": "claude", "max_tokens": 64, "temperature": 0}
    tools = {"tools": [WEATHER], "tool_choice": {"type": "any"}}
    bodies = [
        {**base, "messages": [{"role": "user", "content": "hello"}]},
        {**base, "stream": True, "messages": [{"role": "user", "content": "stream please"}]},
        {**base, **tools, "messages": [{"role": "user", "content": "weather in Lisbon"}]},
        {**base, **tools, "stream": True, "messages": [{"role": "user", "content": "weather in Porto"}]},
    ]
    lines = [
        json.dumps({"id": f"messages-{i}", "endpoint": "/v1/messages", "body": b})
        for i, b in enumerate(bodies)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_parity_between_litellm_and_the_embedded_gateway(
    proxy: LiteLLMProxy, plan_path: Path, upstream: FakeUpstream, tmp_path: Path
) -> None:
    html, junit = tmp_path / "verify.html", tmp_path / "verify.xml"
    messages = anthropic_corpus(tmp_path / "messages.jsonl")
    code, report, output = verify(
        proxy,
        plan_path,
        upstream,
        tmp_path,
        "--html",
        str(html),
        "--junit",
        str(junit),
        "--noise-samples",
        "1",
        "--requests",
        str(messages),
    )
    problems = [(r["id"], r["differences"] or r["error"]) for r in report["results"] if r["status"] != "pass"]
    assert code == 0, problems
    s = report["summary"]
    assert s["parity"] and s["differ"] == 0 and s["error"] == 0
    results = by_id(report)
    # Every model of the config was exercised, with every kind of request, plus error and auth parity.
    for name in ("fast", "smart", "claude"):
        for kind in ("chat", "system", "stream", "tools", "json"):
            assert results[f"{name}:{kind}"]["status"] == "pass"
    assert results["embed:embeddings"]["status"] == "pass"
    assert results["claude:messages"]["status"] == "pass"  # built-in Anthropic-format case
    for i in range(4):  # the Anthropic wire format too: text, stream, tool use, streamed tool use
        assert results[f"messages-{i}"]["status"] == "pass"
    assert results["unknown-model"]["before"]["status"] == 400 == results["unknown-model"]["after"]["status"]
    assert (
        results["bad-key"]["before"]["status"] in (400, 401) and results["bad-key"]["after"]["status"] == 401
    )
    # The gateway's model echo was seen and normalised, not ignored silently.
    assert any(k["rule"] == "model-echo" for k in results["fast:chat"]["known"])
    # Both sides really went through the upstream (LiteLLM, the gateway, and the noise samples).
    assert (
        upstream.request_count >= 3 * 21
    )  # 21 reach it: 3 chat models x 5, claude:messages, embed, 4 corpus
    # Reports were written; no key leaked into any of them.
    for text in (output, html.read_text(encoding="utf-8"), junit.read_text(encoding="utf-8")):
        for secret in (proxy.master_key, OPENAI_KEY, ANTHROPIC_KEY):
            assert secret not in text


def test_wrong_plan_is_caught(
    proxy: LiteLLMProxy, plan_path: Path, upstream: FakeUpstream, tmp_path: Path
) -> None:
    plan = json.loads(plan_path.read_text(encoding="utf-8"))
    for m in plan["models"]:
        if m["name"] == "fast":
            m["gateway_model"] = "openai/gpt-4o"  # LiteLLM serves gpt-4o-mini under this name
    wrong = tmp_path / "wrong-plan.json"
    wrong.write_text(json.dumps(plan), encoding="utf-8")
    code, report, _ = verify(proxy, wrong, upstream, tmp_path, "--model", "fast", "--model", "smart")
    assert code == 1
    results = by_id(report)
    chat = results["fast:chat"]
    assert chat["status"] == "differ"
    diffs = {d["path"]: d for d in chat["differences"]}
    assert diffs["model"]["before"] == "gpt-4o-mini (served as 'fast')"
    assert diffs["model"]["after"] == "openai/gpt-4o"
    assert "choices[0].message.content" in diffs
    assert all(results[f"smart:{k}"]["status"] == "pass" for k in ("chat", "stream", "tools"))


def test_different_tool_arguments_are_named(
    proxy: LiteLLMProxy, plan_path: Path, other_tool_args: FakeUpstream, tmp_path: Path
) -> None:
    code, report, _ = verify(proxy, plan_path, other_tool_args, tmp_path, "--model", "fast")
    assert code == 1
    results = by_id(report)
    tools = results["fast:tools"]
    assert tools["status"] == "differ"
    paths = [d["path"] for d in tools["differences"]]
    assert paths and all(p.startswith("choices[0].message.tool_calls[0].function.arguments") for p in paths)
    assert any(p.count(".") >= 5 for p in paths), paths  # names the argument, not just the blob
    assert results["fast:chat"]["status"] == "pass" and results["fast:stream"]["status"] == "pass"
