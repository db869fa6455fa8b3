"""The embedded gateway over HTTP, against the fake upstream: routes, routing, shaping, errors, auth."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import httpx
import pytest
from gateway_support import (
    API_KEY,
    AUTH,
    SECRETS,
    closed_port_url,
    env_for,
    gateway,
)

from llmgw_migrate.config.catalog import load_catalog
from llmgw_migrate.config.plan import ModelMapping, Plan, ProviderKey
from llmgw_migrate.testing.fake_upstream import FakeUpstream, answer_text, canonical_openai

MSGS = [{"role": "system", "content": "be brief"}, {"role": "user", "content": "what is the weather"}]
TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "weather for a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "unit": {"type": "string", "enum": ["c", "f"]}},
            "required": ["city", "unit"],
        },
    },
}


def post(
    url: str, body: dict[str, Any], path: str = "/v1/chat/completions", **headers: str
) -> httpx.Response:
    resp = httpx.post(url + path, json=body, headers={**AUTH, **headers}, timeout=20)
    for secret in SECRETS:
        assert secret not in resp.text, "a provider key leaked into an answer"
    return resp


def sse(text: str) -> list[tuple[str | None, str]]:
    """(event, data) pairs of an SSE body."""
    out = []
    for block in text.split("\n\n"):
        event, data = None, []
        for line in block.splitlines():
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: "):
                data.append(line[6:])
        if data:
            out.append((event, "\n".join(data)))
    return out


def expected_text(model: str, messages: list[dict[str, Any]]) -> str:
    return answer_text(model, canonical_openai(messages))


# ---------------------------------------------------------------------------------------------------
def test_health_and_request_id(gw: str) -> None:
    resp = httpx.get(gw + "/", headers={"x-request-id": "req-1"})
    assert resp.status_code == 200 and resp.json()["message"] == "OK"
    assert resp.headers["x-request-id"] == "req-1"
    assert "openai" in resp.json()["providers"]
    missing = httpx.get(gw + "/v1/nope")
    assert missing.status_code == 404 and missing.json()["error"]["type"] == "invalid_request_error"


def test_models_lists_the_catalog_and_on_request_what_this_instance_serves(gw: str, up: FakeUpstream) -> None:
    whole = httpx.get(gw + "/v1/models").json()  # no auth needed
    assert set(whole) == {"data"}  # the hosted list's shape: no top-level "object"
    catalog_ids = {m["id"] for m in whole["data"]}
    assert len(catalog_ids) > 200 and {"gpt-4o", "claude-haiku-4-5", "mistral-large-latest"} <= catalog_ids
    data = httpx.get(gw + "/v1/models?available=true").json()["data"]
    ids = {m["id"] for m in data}
    assert ids < catalog_ids and "mistral-large-latest" not in ids  # no mistral key here
    assert {"gpt-4o", "claude-haiku-4-5", "gemini-3-flash-preview"} <= ids
    assert "claude-3-7-sonnet" not in ids  # deactivated 2026-07-07
    gpt = next(m for m in data if m["id"] == "gpt-4o")
    assert {p["providerId"] for p in gpt["providers"]} == {"openai", "azure"}
    assert gpt["pricing"]["prompt"] == "2.5e-6"
    openai = next(p for p in gpt["providers"] if p["providerId"] == "openai")
    assert openai["externalId"] == "gpt-4o" and openai["tools"] is True and "parallelToolCalls" in openai
    mapped = {m["id"] for m in httpx.get(gw + "/v1/models?mapped=true&available=true").json()["data"]}
    assert {"openai/gpt-4o", "azure/gpt-4o"} <= mapped
    with_dead = {m["id"] for m in httpx.get(gw + "/v1/models?include_deactivated=true").json()["data"]}
    assert "claude-3-7-sonnet" in with_dead
    with gateway(env_for(openai=up.url)) as only_openai:
        ids = {m["id"] for m in httpx.get(only_openai + "/v1/models?available=true").json()["data"]}
        everything = {m["id"] for m in httpx.get(only_openai + "/v1/models").json()["data"]}
    assert "gpt-4o" in ids and "claude-haiku-4-5" not in ids and "claude-haiku-4-5" in everything


def test_chat_shape_cost_and_metadata(gw: str, up: FakeUpstream) -> None:
    resp = post(gw, {"model": "gpt-4o", "messages": MSGS}, **{"x-request-id": "abc"})
    assert resp.status_code == 200
    assert resp.headers["x-request-id"] == "abc"
    out = resp.json()
    assert out["model"] == "openai/gpt-4o"
    assert out["choices"][0]["message"]["content"] == expected_text("gpt-4o", MSGS)
    usage = out["usage"]
    mapping = load_catalog().get("gpt-4o").mapping("openai")  # type: ignore[union-attr]
    want = (
        Decimal(mapping.input_price) * usage["prompt_tokens"]
        + Decimal(mapping.output_price) * usage["completion_tokens"]
    )
    assert usage["cost"] == pytest.approx(float(want))
    assert usage["cost_details"]["total_cost"] == usage["cost"]
    meta = out["metadata"]
    assert meta["request_id"] == "abc"
    assert meta["requested_model"] == "gpt-4o" and meta["requested_provider"] is None
    assert (meta["used_provider"], meta["used_model"], meta["underlying_used_model"]) == (
        "openai",
        "gpt-4o",
        "gpt-4o",
    )
    assert [(r["provider"], r["status_code"], r["succeeded"]) for r in meta["routing"]] == [
        ("openai", 200, True)
    ]
    sent = up.requests[-1]
    assert sent["path"] == "/v1/chat/completions" and sent["json"]["model"] == "gpt-4o"


def test_provider_keys_rotate(gw: str, up: FakeUpstream) -> None:
    for _ in range(4):
        assert post(gw, {"model": "openai/gpt-4o", "messages": MSGS}).status_code == 200
    keys = [r["key"] for r in up.requests]
    assert keys == ["sk-openai-SECRET-a", "sk-openai-SECRET-b"] * 2


def test_pinned_azure_uses_deployment_url(gw: str, up: FakeUpstream) -> None:
    out = post(gw, {"model": "azure/gpt-4o", "messages": MSGS}).json()
    assert out["model"] == "azure/gpt-4o"
    assert out["metadata"]["requested_provider"] == "azure"
    sent = up.requests[-1]
    assert sent["path"] == "/openai/deployments/gpt-4o/chat/completions"
    assert sent["query"] == {"api-version": "2024-10-21"}
    assert sent["headers"]["api-key"] == "azure-SECRET" and "authorization" not in sent["headers"]
    assert "model" not in sent["json"]


@pytest.mark.parametrize(
    ("model", "status", "message"),
    [
        ("gemini/gemini-3-flash-preview", 400, "Provider 'gemini' not found."),
        ("bedrock/anthropic.claude-3", 400, "Provider 'bedrock' not found."),
        ("no-such-model", 400, "Requested model no-such-model not supported"),
        ("openai/no-such-model", 400, "Requested model openai/no-such-model not supported"),
        ("claude-3-7-sonnet", 410, "Model claude-3-7-sonnet has been deactivated and is no longer available"),
        ("anthropic/claude-3-7-sonnet", 410, "has been deactivated"),
    ],
)
def test_model_validation(gw: str, model: str, status: int, message: str) -> None:
    # Model validation comes before the key check: no Authorization header at all.
    resp = httpx.post(gw + "/v1/chat/completions", json={"model": model, "messages": MSGS})
    assert resp.status_code == status
    err = resp.json()["error"]
    assert message in err["message"]
    assert err["type"] == "invalid_request_error"


def test_aliases_are_not_resolved(up: FakeUpstream) -> None:
    plan = Plan(
        source="litellm_config.yaml",
        models=[
            ModelMapping(
                name="my-gpt",
                gateway_model="openai/gpt-4o",
                provider="openai",
                litellm_model="openai/gpt-4o",
                status="exact",
            )
        ],
    )
    with gateway(env_for(openai=up.url), plan=plan) as url:
        resp = post(url, {"model": "my-gpt", "messages": MSGS})
    assert resp.status_code == 400 and "Requested model my-gpt not supported" in resp.text


def test_deactivated_pin_falls_back_to_remaining_providers(gw: str, up: FakeUpstream) -> None:
    # gpt-4o-mini's azure mapping is deactivated (2026-11-05): the pin is dropped, openai serves it.
    out = post(gw, {"model": "azure/gpt-4o-mini", "messages": MSGS}).json()
    assert out["model"] == "openai/gpt-4o-mini"
    assert out["metadata"]["requested_provider"] == "azure"
    # Before that date the pin holds.
    import datetime as dt

    env = env_for(openai=up.url, azure=up.url)
    with gateway(env, today=dt.date(2026, 1, 1)) as url:
        assert (
            post(url, {"model": "azure/gpt-4o-mini", "messages": MSGS}).json()["model"] == "azure/gpt-4o-mini"
        )


def test_bare_id_follows_provider_order(up: FakeUpstream) -> None:
    env = env_for(openai=up.url, azure=up.url)
    with gateway(env, provider_order=("azure", "openai")) as url:
        assert post(url, {"model": "gpt-4o", "messages": MSGS}).json()["model"] == "azure/gpt-4o"
    with gateway(env) as url:
        assert post(url, {"model": "gpt-4o", "messages": MSGS}).json()["model"] == "openai/gpt-4o"


def test_failover_on_5xx(up: FakeUpstream, down: FakeUpstream) -> None:
    env = env_for(openai=down.url, azure=up.url)
    with gateway(env) as url:
        out = post(url, {"model": "gpt-4o", "messages": MSGS}).json()
        assert out["model"] == "azure/gpt-4o"
        routing = out["metadata"]["routing"]
        assert [(r["provider"], r["status_code"], r["succeeded"]) for r in routing] == [
            ("openai", 500, False),
            ("azure", 200, True),
        ]
        # X-No-Fallback: the first provider's failure is the answer.
        resp = post(url, {"model": "gpt-4o", "messages": MSGS}, **{"X-No-Fallback": "true"})
        assert resp.status_code == 500 and resp.json()["error"]["type"] == "api_error"
        # Pinned: no cross-provider retry.
        assert post(url, {"model": "openai/gpt-4o", "messages": MSGS}).status_code == 500
        # Streams fail over too, before the first byte.
        stream = post(url, {"model": "gpt-4o", "messages": MSGS, "stream": True})
        assert stream.status_code == 200 and '"model":"azure/gpt-4o"' in stream.text
    assert down.request_count == 4


def test_a_failing_pinned_provider_is_rerouted_once_its_uptime_drops(
    up: FakeUpstream, down: FakeUpstream
) -> None:
    with gateway(env_for(openai=down.url, azure=up.url)) as url:
        for _ in range(10):  # ten failures: uptime 0%, and enough attempts to judge
            assert post(url, {"model": "openai/gpt-4o", "messages": MSGS}).status_code == 500
        out = post(url, {"model": "openai/gpt-4o", "messages": MSGS}).json()
        assert out["model"] == "azure/gpt-4o"
        assert out["metadata"]["requested_provider"] == "openai"
        pinned = post(url, {"model": "openai/gpt-4o", "messages": MSGS}, **{"X-No-Fallback": "true"})
        assert pinned.status_code == 500  # the request asked for the pin whatever the uptime
    assert down.request_count == 11


def test_all_providers_failed(down: FakeUpstream) -> None:
    with gateway(env_for(openai=down.url, azure=down.url)) as url:
        resp = post(url, {"model": "gpt-4o", "messages": MSGS})
    assert resp.status_code == 500
    err = resp.json()["error"]
    assert err["type"] == "api_error" and err["message"].startswith("All providers failed for model gpt-4o")
    assert "openai" in err["message"] and "azure" in err["message"]


def test_at_most_two_retries() -> None:
    # gpt-oss-120b has many OpenAI-compatible providers: 1 attempt + 2 retries, never more.
    with FakeUpstream(fail="503") as bad:
        env = {}
        for var in ("GROQ", "CEREBRAS", "NEBIUS", "TOGETHER_AI"):
            env[f"LLM_{var}_API_KEY"] = "k-SECRET"
            env[f"LLM_{var}_BASE_URL"] = bad.url
        with gateway(env) as url:
            resp = post(url, {"model": "gpt-oss-120b", "messages": MSGS})
        assert resp.status_code == 503
        assert bad.request_count == 3


def test_connection_error_and_timeout_mapping(up: FakeUpstream) -> None:
    with gateway(env_for(openai=closed_port_url(), azure=up.url)) as url:
        out = post(url, {"model": "gpt-4o", "messages": MSGS}).json()
        assert out["model"] == "azure/gpt-4o"
        assert out["metadata"]["routing"][0]["status_code"] is None
        resp = post(url, {"model": "openai/gpt-4o", "messages": MSGS})
        assert resp.status_code == 502 and resp.json()["error"]["type"] == "api_error"
    with FakeUpstream(fail="timeout") as slow:
        with gateway(env_for(openai=slow.url), request_timeout=0.3) as url:
            resp = post(url, {"model": "gpt-4o", "messages": MSGS})
            assert resp.status_code == 504
            assert (
                resp.json()["error"]["type"] == "timeout_error" and resp.json()["error"]["code"] == "timeout"
            )


def test_rate_limit_maps_to_429_with_retry_after(down: FakeUpstream) -> None:
    with FakeUpstream(fail="429") as limited:
        with gateway(env_for(openai=limited.url, azure=down.url)) as url:
            resp = post(url, {"model": "gpt-4o", "messages": MSGS})
        assert limited.request_count == 1
    assert resp.status_code == 429
    assert resp.headers["retry-after"] == "7"
    assert resp.json()["error"]["type"] == "rate_limit_error"
    assert down.request_count == 0  # no failover after a 4xx


def test_upstream_auth_failure_names_the_provider_not_the_key() -> None:
    with FakeUpstream(require_key="the-right-key") as strict:
        with gateway(env_for(openai=strict.url)) as url:
            resp = post(url, {"model": "gpt-4o", "messages": MSGS})
    assert resp.status_code == 502
    assert resp.json()["error"]["code"] == "provider_auth_error"
    assert "openai" in resp.json()["error"]["message"]


def test_streaming_shape(gw: str, up: FakeUpstream) -> None:
    resp = post(gw, {"model": "gpt-4o", "messages": MSGS, "stream": True}, **{"x-request-id": "s1"})
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/event-stream")
    assert resp.headers["x-request-id"] == "s1"
    assert "\nid: 1\n" in "\n" + resp.text
    events = sse(resp.text)
    assert events[-1] == (None, "[DONE]")
    chunks = [json.loads(d) for _, d in events[:-1]]
    assert all(c["model"] == "openai/gpt-4o" for c in chunks)
    text = "".join(ch["choices"][0]["delta"].get("content") or "" for ch in chunks if ch["choices"])
    assert text == expected_text("gpt-4o", MSGS)
    final = chunks[-1]
    assert final["choices"] == [] and final["usage"]["cost"] > 0
    assert final["metadata"]["used_provider"] == "openai" and final["metadata"]["request_id"] == "s1"
    assert up.requests[-1]["json"]["stream_options"] == {"include_usage": True}


def test_mid_stream_failure_is_an_error_event() -> None:
    with FakeUpstream(fail="midstream") as flaky:
        with gateway(env_for(openai=flaky.url)) as url:
            resp = post(url, {"model": "gpt-4o", "messages": MSGS, "stream": True})
    assert resp.status_code == 200
    events = sse(resp.text)
    assert events[-2][0] == "error" and json.loads(events[-2][1])["error"]["type"] == "api_error"
    assert events[-1] == ("done", "[DONE]")
    assert any(json.loads(d).get("choices") for e, d in events if e is None)  # some content came first


def test_keepalive_pings_while_upstream_is_quiet() -> None:
    with FakeUpstream(chunk_delay=0.15) as slow:
        with gateway(env_for(openai=slow.url), ping_interval=0.05) as url:
            resp = post(url, {"model": "gpt-4o", "messages": MSGS, "stream": True})
    assert ": ping" in resp.text
    assert sse(resp.text)[-1] == (None, "[DONE]")


@pytest.mark.parametrize("model", ["gpt-4o", "claude-haiku-4-5", "gemini-3-flash-preview", "azure/gpt-4o"])
def test_tool_calls_every_adapter(gw: str, model: str) -> None:
    body = {"model": model, "messages": MSGS, "tools": [TOOL], "tool_choice": "auto"}
    out = post(gw, body).json()
    choice = out["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    call = choice["message"]["tool_calls"][0]
    args = json.loads(call["function"]["arguments"])
    assert call["function"]["name"] == "get_weather" and call["id"]
    assert isinstance(args["city"], str) and args["unit"] in ("c", "f")
    events = sse(post(gw, {**body, "stream": True}).text)
    chunks = [json.loads(d) for _, d in events[:-1]]
    streamed = "".join(
        tc["function"].get("arguments") or ""
        for ch in chunks
        for c in ch["choices"]
        for tc in (c["delta"].get("tool_calls") or [])
    )
    assert json.loads(streamed) == args
    assert any(c["finish_reason"] == "tool_calls" for ch in chunks for c in ch["choices"])
    # The tool result goes back in each provider's own format and ends the loop with text.
    follow = [*MSGS, choice["message"], {"role": "tool", "tool_call_id": call["id"], "content": "sunny"}]
    done = post(gw, {"model": model, "messages": follow, "tools": [TOOL]}).json()
    assert done["choices"][0]["finish_reason"] == "stop"


@pytest.mark.parametrize(
    ("model", "path"),
    [
        ("claude-haiku-4-5", "/v1/messages"),
        ("gemini-3-flash-preview", "/v1beta/models/gemini-3-flash-preview:generateContent"),
    ],
)
def test_native_adapters_text(gw: str, up: FakeUpstream, model: str, path: str) -> None:
    out = post(gw, {"model": model, "messages": MSGS, "max_tokens": 50}).json()
    sent = up.requests[-1]
    assert sent["path"] == path
    upstream_model = sent["json"].get("model") or model
    # The fake answers from the normalised conversation: the same text whatever the wire format.
    assert out["choices"][0]["message"]["content"] == expected_text(upstream_model, MSGS)
    assert out["model"].endswith("/" + model) and out["usage"]["prompt_tokens"] == 6
    assert out["usage"]["cost"] > 0
    if "messages" in path:
        assert sent["headers"]["x-api-key"] == "sk-ant-SECRET" and sent["json"]["system"] == "be brief"
    else:
        assert sent["headers"]["x-goog-api-key"] == "AIza-SECRET"
    stream = post(gw, {"model": model, "messages": MSGS, "stream": True})
    chunks = [json.loads(d) for _, d in sse(stream.text)[:-1]]
    text = "".join(c["delta"].get("content") or "" for ch in chunks for c in ch["choices"])
    assert text == out["choices"][0]["message"]["content"]
    assert chunks[-1]["usage"]["completion_tokens"] == out["usage"]["completion_tokens"]


def test_n_and_response_format_pass_through(gw: str) -> None:
    out = post(
        gw, {"model": "gpt-4o", "messages": MSGS, "n": 2, "response_format": {"type": "json_object"}}
    ).json()
    assert len(out["choices"]) == 2
    assert "answer" in json.loads(out["choices"][0]["message"]["content"])


def test_dropped_fields_and_forward_all(up: FakeUpstream) -> None:
    body = {"model": "gpt-4o", "messages": MSGS, "stop": ["x"], "seed": 7, "logprobs": True, "temperature": 0}
    with gateway(env_for(openai=up.url)) as url:
        post(url, body)
    sent = up.requests[-1]["json"]
    assert "stop" not in sent and "seed" not in sent and "logprobs" not in sent
    assert sent["temperature"] == 0
    with gateway(env_for(openai=up.url), forward_all=True) as url:
        post(url, body)
    sent = up.requests[-1]["json"]
    assert sent["stop"] == ["x"] and sent["seed"] == 7


def test_auth(gw: str) -> None:
    body = {"model": "gpt-4o", "messages": MSGS}
    none = httpx.post(gw + "/v1/chat/completions", json=body)
    assert none.status_code == 401 and none.json()["error"]["code"] == "invalid_api_key"
    wrong = httpx.post(gw + "/v1/chat/completions", json=body, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    xkey = httpx.post(gw + "/v1/chat/completions", json=body, headers={"x-api-key": API_KEY})
    assert xkey.status_code == 200


def test_cache(up: FakeUpstream) -> None:
    body = {"model": "gpt-4o", "messages": MSGS, "temperature": 0}
    with gateway(env_for(openai=up.url), cache_ttl=60) as url:
        first = post(url, body)
        second = post(url, body)
        assert "x-llmgateway-cache" not in first.headers
        assert second.headers["x-llmgateway-cache"] == "HIT"
        assert second.json()["choices"] == first.json()["choices"]
        assert second.json()["usage"]["cost"] == 0 and second.json()["metadata"]["cached"] is True
        assert up.request_count == 1
        assert "x-llmgateway-cache" not in post(url, body, **{"x-no-cache": "true"}).headers
        assert "x-llmgateway-cache" not in post(url, {**body, "temperature": 1}).headers
        assert up.request_count == 3
    with gateway(env_for(openai=up.url)) as url:  # off by default
        post(url, body)
        assert "x-llmgateway-cache" not in post(url, body).headers


def test_body_limits_and_content_type(up: FakeUpstream) -> None:
    with gateway(env_for(openai=up.url), max_body_bytes=2000) as url:
        big = {"model": "gpt-4o", "messages": [{"role": "user", "content": "x" * 5000}]}
        resp = post(url, big)
        assert resp.status_code == 413 and resp.json()["error"]["code"] == "request_too_large"
        plain = httpx.post(
            url + "/v1/chat/completions", content=b"{}", headers={**AUTH, "content-type": "text/plain"}
        )
        assert plain.status_code == 415
        bad = httpx.post(
            url + "/v1/chat/completions",
            content=b"{nope",
            headers={**AUTH, "content-type": "application/json"},
        )
        assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_json"
        empty = post(url, {"model": "gpt-4o", "messages": []})
        assert empty.status_code == 400 and empty.json()["error"]["param"] == "messages"
    assert up.request_count == 0


def test_client_disconnect_cancels_upstream() -> None:
    with FakeUpstream(chunk_delay=0.2) as slow:
        with gateway(env_for(openai=slow.url)) as url:
            body = {"model": "gpt-4o", "messages": MSGS, "stream": True}
            with httpx.stream(
                "POST", url + "/v1/chat/completions", json=body, headers=AUTH, timeout=10
            ) as resp:
                for line in resp.iter_lines():
                    if line.startswith("data: "):
                        break  # the client goes away after the first chunk
            assert slow.wait_for(lambda s: s.disconnects == 1, timeout=10)


def test_embeddings(gw: str, up: FakeUpstream) -> None:
    out = post(gw, {"model": "text-embedding-3-small", "input": ["a b", "c"]}, "/v1/embeddings").json()
    assert out["model"] == "openai/text-embedding-3-small"
    assert len(out["data"]) == 2 and out["usage"]["prompt_tokens"] == 3
    assert out["usage"]["cost"] > 0 and out["metadata"]["used_provider"] == "openai"
    assert up.requests[-1]["path"] == "/v1/embeddings"
    assert post(gw, {"model": "text-embedding-3-small"}, "/v1/embeddings").status_code == 400


def test_custom_provider_and_plan_key_references(up: FakeUpstream) -> None:
    plan = Plan(
        source="litellm_config.yaml",
        provider_keys=[
            ProviderKey(provider="custom", name="my-vllm", base_url=up.url + "/v1", env_var="VLLM_TOKEN"),
            ProviderKey(provider="openai", env_var="TEAM_OPENAI_KEY", gateway_env_var="LLM_OPENAI_API_KEY"),
        ],
    )
    env = {"VLLM_TOKEN": "vllm-SECRET", "TEAM_OPENAI_KEY": "team-SECRET", "LLM_OPENAI_BASE_URL": up.url}
    with gateway(env, plan=plan) as url:
        out = post(url, {"model": "my-vllm/llama-3-8b", "messages": MSGS}).json()
        assert out["model"] == "my-vllm/llama-3-8b" and out["usage"]["cost"] == 0
        sent = up.requests[-1]
        assert sent["path"] == "/v1/chat/completions" and sent["key"] == "vllm-SECRET"
        assert sent["json"]["model"] == "llama-3-8b"
        assert post(url, {"model": "gpt-4o", "messages": MSGS}).status_code == 200
        assert up.requests[-1]["key"] == "team-SECRET"
        assert "Provider 'other' not found." in post(url, {"model": "other/x", "messages": MSGS}).text


def test_providers_without_key_or_adapter(up: FakeUpstream) -> None:
    env = env_for(openai=up.url, LLM_AWS_BEDROCK_API_KEY="b-SECRET")
    with gateway(env) as url:
        no_key = post(url, {"model": "claude-haiku-4-5", "messages": MSGS})
        assert no_key.status_code == 400 and "LLM_ANTHROPIC_API_KEY" in no_key.json()["error"]["message"]
        pinned = post(url, {"model": "aws-bedrock/claude-haiku-4-5", "messages": MSGS})
        assert pinned.status_code == 400
        err = pinned.json()["error"]
        assert err["code"] == "unsupported_provider" and "embedded gateway" in err["message"]


def test_messages_endpoint_both_ways(gw: str, up: FakeUpstream) -> None:
    anthropic_body = {
        "model": "gpt-4o",
        "max_tokens": 100,
        "system": "be brief",
        "messages": [{"role": "user", "content": [{"type": "text", "text": "what is the weather"}]}],
    }
    # Anthropic client -> OpenAI upstream.
    msg = post(gw, anthropic_body, "/v1/messages").json()
    assert msg["type"] == "message" and msg["role"] == "assistant" and msg["model"] == "openai/gpt-4o"
    assert msg["content"][0]["text"] == expected_text("gpt-4o", MSGS)
    assert msg["stop_reason"] == "end_turn" and msg["usage"]["input_tokens"] == 6
    assert up.requests[-1]["path"] == "/v1/chat/completions"
    # Anthropic client -> Anthropic upstream, streamed, with a tool.
    tool = {"name": "get_weather", "input_schema": TOOL["function"]["parameters"]}  # type: ignore[index]
    body = {**anthropic_body, "model": "claude-haiku-4-5", "tools": [tool], "stream": True}
    resp = post(gw, body, "/v1/messages")
    events = sse(resp.text)
    names = [e for e, _ in events]
    assert names[0] == "message_start" and names[-1] == "message_stop"
    start = next(json.loads(d) for e, d in events if e == "content_block_start")
    assert start["content_block"]["type"] == "tool_use" and start["content_block"]["name"] == "get_weather"
    partial = "".join(json.loads(d)["delta"]["partial_json"] for e, d in events if e == "content_block_delta")
    assert set(json.loads(partial)) == {"city", "unit"}
    delta = next(json.loads(d) for e, d in events if e == "message_delta")
    assert delta["delta"]["stop_reason"] == "tool_use"
    assert up.requests[-1]["path"] == "/v1/messages"
    # Non-streamed tool use through an OpenAI-compatible upstream, then the tool result goes back.
    tool_msg = post(gw, {**anthropic_body, "tools": [tool]}, "/v1/messages").json()
    use = tool_msg["content"][0]
    assert (
        tool_msg["stop_reason"] == "tool_use"
        and use["type"] == "tool_use"
        and set(use["input"]) == {"city", "unit"}
    )
    follow = {
        **anthropic_body,
        "tools": [tool],
        "messages": [
            *anthropic_body["messages"],  # type: ignore[list-item]
            {"role": "assistant", "content": tool_msg["content"]},
            {
                "role": "user",
                "content": [{"type": "tool_result", "tool_use_id": use["id"], "content": "sunny"}],
            },
        ],
    }
    final = post(gw, follow, "/v1/messages").json()
    assert final["stop_reason"] == "end_turn" and final["content"][0]["type"] == "text"
    sent = up.requests[-1]["json"]["messages"]
    assert sent[-1] == {"role": "tool", "tool_call_id": use["id"], "content": "sunny"}
    # Errors come back in Anthropic's envelope.
    denied = httpx.post(gw + "/v1/messages", json=anthropic_body)
    assert denied.status_code == 401
    assert denied.json()["type"] == "error" and denied.json()["error"]["type"] == "authentication_error"


def test_every_answer_has_a_request_id_and_logs_carry_no_secrets(
    gw: str, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    with caplog.at_level(logging.INFO, logger="llmgw_migrate.gateway"):
        bad = httpx.post(gw + "/v1/chat/completions", content=b"x", headers={"content-type": "text/plain"})
        ok = post(gw, {"model": "gpt-4o", "messages": MSGS})
    assert bad.status_code == 415 and len(bad.headers["x-request-id"]) == 32
    assert ok.headers["x-request-id"] == ok.json()["metadata"]["request_id"]
    lines = [r.getMessage() for r in caplog.records if r.name == "llmgw_migrate.gateway"]
    assert any(line.startswith("POST /v1/chat/completions 200 ") for line in lines)
    assert not any("SECRET" in line or API_KEY in line for line in lines)


def test_streams_are_cached_as_streams(up: FakeUpstream) -> None:
    body = {"model": "gpt-4o", "messages": MSGS, "stream": True}
    with gateway(env_for(openai=up.url), cache_ttl=60) as url:
        first = post(url, body)
        second = post(url, body)
        whole = post(url, {**body, "stream": False})  # a whole answer is a different cache entry
        assert up.request_count == 2
    assert "x-llmgateway-cache" not in first.headers and second.headers["x-llmgateway-cache"] == "HIT"
    assert "x-llmgateway-cache" not in whole.headers
    a = [json.loads(d) for _, d in sse(first.text)[:-1]]
    b = [json.loads(d) for _, d in sse(second.text)[:-1]]
    assert [c["choices"] for c in a] == [c["choices"] for c in b]
    assert a[-1]["usage"]["cost"] > 0 and b[-1]["usage"]["cost"] == 0
    assert b[-1]["metadata"]["cached"] is True and sse(second.text)[-1] == (None, "[DONE]")


def test_failed_streams_are_not_cached() -> None:
    with FakeUpstream(fail="midstream") as flaky:
        with gateway(env_for(openai=flaky.url), cache_ttl=60) as url:
            for _ in range(2):
                resp = post(url, {"model": "gpt-4o", "messages": MSGS, "stream": True})
                assert "x-llmgateway-cache" not in resp.headers and "event: error" in resp.text
        assert flaky.request_count == 2
