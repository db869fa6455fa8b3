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
