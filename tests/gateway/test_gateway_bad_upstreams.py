"""Bad upstreams (issue 13, items 2, 3, 5 and 8): broken successes, redirects, gzip bombs, streams that
end early or report overload, and Anthropic-served answers shaped like chat completions."""

from __future__ import annotations

import json
import resource
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from gateway_support import AUTH, env_for, gateway

from llmgw_migrate.config.plan import Plan, ProviderKey
from llmgw_migrate.testing.fake_upstream import FakeUpstream

MSGS = [{"role": "user", "content": "hello there"}]


def sse(text: str) -> list[tuple[str | None, Any]]:
    out: list[tuple[str | None, Any]] = []
    for block in text.split("\n\n"):
        event, data = None, []
        for line in block.splitlines():
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: "):
                data.append(line[6:])
        if data:
            raw = "\n".join(data)
            out.append((event, raw if raw == "[DONE]" else json.loads(raw)))
    return out


@pytest.fixture(scope="module")
def custom_gw(up: FakeUpstream) -> Iterator[str]:
    """`my-vllm/fail-<kind>` reaches the fake upstream as model `fail-<kind>`: that fault, per request."""
    plan = Plan(
        source="litellm_config.yaml",
        provider_keys=[ProviderKey(provider="custom", name="my-vllm", base_url=up.url + "/v1")],
    )
    with gateway(env_for(), plan=plan, max_upstream_body_bytes=1024 * 1024, max_retries=0) as url:
        yield url


def call(url: str, model: str, path: str = "/v1/chat/completions", **extra: Any) -> httpx.Response:
    body: dict[str, Any] = {"model": model, **extra}
    if path == "/v1/embeddings":
        body.setdefault("input", "hi")
    else:
        body.setdefault("messages", MSGS)
    if path == "/v1/messages":
        body.setdefault("max_tokens", 50)
    return httpx.post(url + path, json=body, headers=AUTH, timeout=30)


@pytest.mark.parametrize("kind", ["empty-object", "null-choices", "malformed"])
@pytest.mark.parametrize("path", ["/v1/chat/completions", "/v1/embeddings"])
def test_an_invalid_success_is_502_without_cost(custom_gw: str, kind: str, path: str) -> None:
    resp = call(custom_gw, f"my-vllm/fail-{kind}", path)
    assert resp.status_code == 502, resp.text
    out = resp.json()
    assert out["error"]["code"] == "upstream_error" and "usage" not in out
    assert "invalid answer" in out["error"]["message"]


def test_invalid_anthropic_and_google_successes_are_502() -> None:
    with (
        FakeUpstream(fail="null-choices") as broken,
        gateway(env_for(anthropic=broken.url, google=broken.url)) as url,
    ):
        assert call(url, "anthropic/claude-haiku-4-5").status_code == 502
        assert call(url, "google-ai-studio/gemini-3-flash-preview").status_code == 502
        assert call(url, "anthropic/claude-haiku-4-5", "/v1/messages").json()["type"] == "error"


def test_a_redirect_is_502_and_not_followed(custom_gw: str, up: FakeUpstream) -> None:
    resp = call(custom_gw, "my-vllm/fail-redirect")
    assert resp.status_code == 502 and "location" not in resp.headers
    assert "HTTP 307" in resp.json()["error"]["message"]
    assert up.request_count == 1  # the Location was not visited
    stream = call(custom_gw, "my-vllm/fail-redirect", stream=True)
    assert stream.status_code == 502


def _rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # pragma: no cover


def test_a_gzip_bomb_is_cut_at_the_cap(custom_gw: str) -> None:
    before = _rss_mb()
    resp = call(custom_gw, "my-vllm/fail-gzip-bomb")  # 300 KB on the wire, 300 MB inflated
    assert resp.status_code == 502
    assert "larger than 1048576 bytes" in resp.json()["error"]["message"]
    events = sse(call(custom_gw, "my-vllm/fail-gzip-bomb", stream=True).text)
    assert events[0][0] == "error" and "larger than" in events[0][1]["error"]["message"]
    # Before the cap this process grew by about 900 MB; the fake's compressed bomb is 300 KB.
    assert _rss_mb() - before < 150


def test_a_stream_without_its_terminator_is_an_error_event(custom_gw: str) -> None:
    events = sse(call(custom_gw, "my-vllm/fail-no-terminator", stream=True).text)
    kinds = [e for e, _ in events]
    assert kinds[-2:] == ["error", "done"] and "end marker" in events[-2][1]["error"]["message"]
    assert not any(isinstance(d, dict) and d.get("usage") for _, d in events)  # no cost for it
    with (
        FakeUpstream(fail="no-terminator") as cut,
        gateway(env_for(anthropic=cut.url, google=cut.url)) as url,
    ):
        for model in ("anthropic/claude-haiku-4-5", "google-ai-studio/gemini-3-flash-preview"):
            events = sse(call(url, model, stream=True).text)
            assert [e for e, _ in events][-2:] == ["error", "done"], model


def test_anthropic_overload_mid_stream_stays_an_overload() -> None:
    with FakeUpstream(fail="overloaded-midstream") as busy, gateway(env_for(anthropic=busy.url)) as url:
        events = sse(call(url, "anthropic/claude-haiku-4-5", stream=True).text)
        error = next(d for e, d in events if e == "error")["error"]
        assert error["type"] == "overloaded" and error["code"] == "overloaded"
        events = sse(call(url, "anthropic/claude-haiku-4-5", "/v1/messages", stream=True).text)
        assert events[-1][0] == "error" and events[-1][1]["error"]["type"] == "overloaded_error"


def test_anthropic_answers_have_chat_ids_and_message_start_has_input_tokens(gw: str) -> None:
    whole = call(gw, "anthropic/claude-haiku-4-5").json()
    assert whole["id"].startswith("chatcmpl-")
    chunks = [d for _, d in sse(call(gw, "anthropic/claude-haiku-4-5", stream=True).text) if d != "[DONE]"]
    assert {c["id"] for c in chunks} == {whole["id"]}
    message = call(gw, "anthropic/claude-haiku-4-5", "/v1/messages").json()
    assert message["id"].startswith("msg_") and message["id"][4:] == whole["id"][9:]
    events = sse(call(gw, "anthropic/claude-haiku-4-5", "/v1/messages", stream=True).text)
    start = next(d for e, d in events if e == "message_start")["message"]
    assert start["id"] == message["id"]
    assert start["usage"]["input_tokens"] == message["usage"]["input_tokens"] > 0
