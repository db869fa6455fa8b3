"""Hostile request bodies and the smaller request-side points of issue 13 (items 4, 6, 7 and 10)."""

from __future__ import annotations

import logging
import socket
import time
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from gateway_support import AUTH, env_for, gateway

from llmgw_migrate.config.plan import ModelMapping, Plan, ProviderKey
from llmgw_migrate.findings import Status
from llmgw_migrate.gateway.errors import GatewayError
from llmgw_migrate.gateway.json_body import MAX_DEPTH, parse_body
from llmgw_migrate.testing.fake_upstream import FakeUpstream

MSGS = [{"role": "user", "content": "hello there"}]
JSON = {"Content-Type": "application/json"}


def raw_post(url: str, raw: bytes, path: str = "/v1/chat/completions", auth: bool = True) -> httpx.Response:
    headers = {**JSON, **(AUTH if auth else {})}
    return httpx.post(url + path, content=raw, headers=headers, timeout=10)


def no_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    bad = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert not bad, [r.getMessage() for r in bad]


@pytest.mark.parametrize("auth", [True, False])
def test_deep_json_and_lone_surrogates_are_400_without_a_traceback(
    gw: str, caplog: pytest.LogCaptureFixture, auth: bool
) -> None:
    caplog.set_level(logging.DEBUG, logger="llmgw_migrate")
    deep = b'{"model":"gpt-4o","messages":' + b"[" * 1000 + b"]" * 1000 + b"}"
    just_too_deep = b'{"model":"gpt-4o","x":' + b"[" * MAX_DEPTH + b"]" * MAX_DEPTH + b"}"
    lone = b'{"model":"gpt-4o","messages":[{"role":"user","content":"\\ud800"}]}'
    lone_upper = b'{"model":"gpt-4o","messages":[{"role":"user","content":"a\\uDC00b"}]}'
    for raw in (deep, just_too_deep, lone, lone_upper):
        resp = raw_post(gw, raw, auth=auth)
        assert resp.status_code == 400, (raw[:60], resp.text)
        assert resp.json()["error"]["code"] == "invalid_json"
    for path in ("/v1/messages", "/v1/embeddings"):
        assert raw_post(gw, deep, path=path, auth=auth).status_code == 400
    no_tracebacks(caplog)
    # A surrogate pair is a real character, and ordinary nesting is fine.
    pair = b'{"model":"gpt-4o","messages":[{"role":"user","content":"smile \\ud83d\\ude00"}]}'
    assert raw_post(gw, pair).status_code == 200
    assert parse_body(b'{"a":' + b"[" * (MAX_DEPTH - 1) + b"]" * (MAX_DEPTH - 1) + b"}")


@pytest.mark.parametrize("number", [b"NaN", b"Infinity", b"-Infinity", b"1e999", b"-1e999"])
def test_non_finite_numbers_are_invalid_parameters(gw: str, up: FakeUpstream, number: bytes) -> None:
    raw = b'{"model":"gpt-4o","temperature":' + number + b',"messages":[{"role":"user","content":"hi"}]}'
    resp = raw_post(gw, raw)
    assert resp.status_code == 400 and resp.json()["error"]["code"] == "invalid_parameters"
    assert number.lstrip(b"-").decode() in resp.json()["error"]["message"]
    assert up.request_count == 0  # nothing was forwarded as temperature=nan
    with pytest.raises(GatewayError):
        parse_body(b'{"a":[1,2,' + number + b"]}")
    assert parse_body(b'{"t":1e308,"u":-0.5}') == {"t": 1e308, "u": -0.5}


def test_a_client_leaving_during_the_body_is_not_an_internal_error(
    up: FakeUpstream, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="llmgw_migrate")
    with gateway(env_for(openai=up.url)) as url:
        parts = urlsplit(url)
        assert parts.hostname and parts.port
        with socket.create_connection((parts.hostname, parts.port), timeout=5) as s:
            s.sendall(
                b"POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\n"
                b'Content-Length: 1000\r\n\r\n{"model":'
            )
            time.sleep(0.2)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not any("499" in r.getMessage() for r in caplog.records):
            time.sleep(0.05)
    lines = [r.getMessage() for r in caplog.records if r.name.startswith("llmgw_migrate")]
    assert any(" 499 " in line for line in lines), lines  # counted as the client's, not as a 500
    assert not any(" 500 " in line or "internal error" in line for line in lines), lines
    no_tracebacks(caplog)


def test_trailing_slash_paths_answer_like_the_plain_ones(gw: str) -> None:
    for path, body in (
        ("/v1/chat/completions/", {"model": "gpt-4o", "messages": MSGS}),
        ("/v1/embeddings/", {"model": "text-embedding-3-small", "input": "hi"}),
        ("/v1/messages/", {"model": "claude-haiku-4-5", "max_tokens": 20, "messages": MSGS}),
    ):
        resp = httpx.post(gw + path, json=body, headers=AUTH, timeout=10, follow_redirects=False)
        assert resp.status_code == 200, (path, resp.status_code, resp.text)
    assert httpx.get(gw + "/v1/models/", follow_redirects=False).status_code == 200


def test_model_custom_and_chat_models_on_embeddings_get_clear_errors(gw: str, up: FakeUpstream) -> None:
    for model in ("custom", "custom/llama-3"):
        resp = httpx.post(
            gw + "/v1/chat/completions", json={"model": model, "messages": MSGS}, headers=AUTH, timeout=10
        )
        assert resp.status_code == 400
        assert "'<provider-name>/<model>'" in resp.json()["error"]["message"]
    resp = httpx.post(
        gw + "/v1/embeddings", json={"model": "gpt-4o", "input": "hi"}, headers=AUTH, timeout=10
    )
    assert resp.status_code == 400 and "not an embedding model" in resp.json()["error"]["message"]
    assert up.request_count == 0


def _custom_plan(up: FakeUpstream, *modes: str) -> Plan:
    models = [
        ModelMapping(
            name=f"m-{mode}",
            gateway_model=f"my-vllm/m-{mode}",
            provider="my-vllm",
            litellm_model=f"openai/m-{mode}",
            status=Status.exact,
            custom=True,
            mode=mode,
        )
        for mode in modes
    ]
    key = ProviderKey(provider="custom", name="my-vllm", base_url=up.url + "/v1")
    return Plan(source="litellm_config.yaml", models=models, provider_keys=[key])


def test_a_chat_only_custom_provider_serves_no_embeddings(up: FakeUpstream) -> None:
    emb = {"model": "my-vllm/m-chat", "input": "hi"}
    with gateway({}, plan=_custom_plan(up, "chat")) as url:
        resp = httpx.post(url + "/v1/embeddings", json=emb, headers=AUTH, timeout=10)
        assert resp.status_code == 400 and "not embeddings" in resp.json()["error"]["message"]
        chat = {"model": "my-vllm/m-chat", "messages": MSGS}
        assert (
            httpx.post(url + "/v1/chat/completions", json=chat, headers=AUTH, timeout=10).status_code == 200
        )
        listed = httpx.get(url + "/v1/models?available=true").json()["data"]
        assert [m["id"] for m in listed] == ["my-vllm/m-chat"]  # a custom provider alone is not []
    with gateway({}, plan=_custom_plan(up, "chat", "embedding")) as url:
        resp = httpx.post(url + "/v1/embeddings", json=emb, headers=AUTH, timeout=10)
        assert resp.status_code == 200, resp.text


def test_messages_passes_anthropic_fields_on_and_requires_max_tokens(gw: str, up: FakeUpstream) -> None:
    body: dict[str, Any] = {
        "model": "anthropic/claude-haiku-4-5",
        "max_tokens": 50,
        "stop_sequences": ["END"],
        "top_k": 5,
        "metadata": {"user_id": "u-1"},
        "messages": MSGS,
    }
    assert httpx.post(gw + "/v1/messages", json=body, headers=AUTH, timeout=10).status_code == 200
    sent = up.requests[-1]
    assert sent["path"] == "/v1/messages"
    assert sent["json"]["stop_sequences"] == ["END"] and sent["json"]["top_k"] == 5
    assert sent["json"]["metadata"] == {"user_id": "u-1"} and "anthropic_params" not in sent["json"]
    # To an OpenAI-format upstream: the stop sequences as `stop`, nothing it would reject.
    assert (
        httpx.post(gw + "/v1/messages", json={**body, "model": "openai/gpt-4o"}, headers=AUTH).status_code
        == 200
    )
    sent = up.requests[-1]["json"]
    assert sent["stop"] == ["END"] and not {"top_k", "metadata", "anthropic_params"} & set(sent)
    del body["max_tokens"]
    resp = httpx.post(gw + "/v1/messages", json=body, headers=AUTH, timeout=10)
    assert resp.status_code == 400 and "max_tokens" in resp.json()["error"]["message"]
    assert resp.json()["type"] == "error"
