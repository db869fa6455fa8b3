"""Property tests: whatever the conversation, streamed and whole answers agree, through every adapter."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from gateway_support import AUTH, env_for, gateway
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from llmgw_migrate.testing.fake_upstream import FakeUpstream

MODELS = ["gpt-4o", "claude-haiku-4-5", "gemini-3-flash-preview"]

text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1, max_size=40
)
messages = st.lists(st.tuples(st.sampled_from(["user", "assistant"]), text), min_size=1, max_size=4).map(
    lambda pairs: [{"role": r, "content": c} for r, c in pairs] + [{"role": "user", "content": "go"}]
)


@pytest.fixture(scope="module")
def gw_url() -> Iterator[str]:
    with FakeUpstream() as up:
        with gateway(env_for(openai=up.url, anthropic=up.url, google=up.url)) as url:
            yield url


def _stream_text(resp: httpx.Response) -> tuple[str, dict[str, Any]]:
    chunks = [
        json.loads(line[6:])
        for line in resp.text.split("\n")
        if line.startswith("data: ") and line != "data: [DONE]"
    ]
    text = "".join(c["delta"].get("content") or "" for ch in chunks for c in ch["choices"])
    return text, chunks[-1]["usage"]


@settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(msgs=messages, model=st.sampled_from(MODELS))
def test_stream_equals_whole_answer(gw_url: str, msgs: list[dict[str, str]], model: str) -> None:
    body = {"model": model, "messages": msgs}
    whole = httpx.post(gw_url + "/v1/chat/completions", json=body, headers=AUTH, timeout=20)
    assert whole.status_code == 200, whole.text
    streamed = httpx.post(
        gw_url + "/v1/chat/completions", json={**body, "stream": True}, headers=AUTH, timeout=20
    )
    text, usage = _stream_text(streamed)
    out = whole.json()
    assert text == out["choices"][0]["message"]["content"]
    assert usage["prompt_tokens"] == out["usage"]["prompt_tokens"]
    assert usage["completion_tokens"] == out["usage"]["completion_tokens"]
    assert usage["cost"] == pytest.approx(out["usage"]["cost"])


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)


def mostly(
    valid: st.SearchStrategy[Any], junk: st.SearchStrategy[Any] = json_values
) -> st.SearchStrategy[Any]:
    """Valid values most of the time, so requests get past validation into the adapters too."""
    return st.one_of(valid, valid, valid, valid, junk)


function = st.fixed_dictionaries({"name": st.text(max_size=5)}, optional={"arguments": st.text(max_size=10)})
message = st.fixed_dictionaries(
    {
        "role": mostly(st.sampled_from(["user", "user", "assistant", "system", "tool", "developer"])),
        "content": mostly(st.text(max_size=10)),
    },
    optional={
        "tool_calls": st.lists(
            st.fixed_dictionaries(
                {}, optional={"id": mostly(st.text(max_size=5)), "function": mostly(function)}
            ),
            max_size=2,
        ).map(lambda calls: calls or None),
        "tool_call_id": mostly(st.text(max_size=5)),
    },
)
TOOL = {"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {}}}}
chat_body = st.fixed_dictionaries(
    {
        "model": mostly(st.sampled_from([*MODELS, "gpt-4o-mini", "nope", "gemini/x"])),
        "messages": st.lists(message, min_size=1, max_size=4) | st.just([{"role": "user", "content": "hi"}]),
    },
    optional={
        "tools": mostly(st.just([TOOL])),
        "tool_choice": mostly(st.sampled_from(["auto", "none", "required"])),
        "stream": mostly(st.booleans()),
        "max_tokens": mostly(st.integers(1, 50)),
        "response_format": mostly(st.just({"type": "json_object"})),
        "n": st.integers(1, 2),
    },
)


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(body=chat_body, path=st.sampled_from(["/v1/chat/completions", "/v1/messages"]))
def test_any_body_gets_an_enveloped_answer_never_a_crash(
    gw_url: str, body: dict[str, Any], path: str
) -> None:
    resp = httpx.post(gw_url + path, json=body, headers=AUTH, timeout=20)
    assert resp.status_code != 500 or "fake upstream" in resp.text, resp.text
    if resp.status_code >= 400:
        data = resp.json()
        assert ("error" in data) and (data.get("type") == "error" if path == "/v1/messages" else True)
