"""Unit tests of the gateway's parts: routing, keys, pricing, cache, format conversions, start-up report."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from typing import Any

import pytest

from llmgw_migrate.commands.gateway import parse_size
from llmgw_migrate.config.catalog import load_catalog
from llmgw_migrate.config.plan import ModelMapping, Plan, ProviderKey
from llmgw_migrate.errors import UserError
from llmgw_migrate.gateway import messages_api
from llmgw_migrate.gateway.cache import ResponseCache, cache_key
from llmgw_migrate.gateway.errors import GatewayError
from llmgw_migrate.gateway.keys import KeyRing, resolve_ref
from llmgw_migrate.gateway.pipeline import Forwarder
from llmgw_migrate.gateway.pricing import add_cost
from llmgw_migrate.gateway.providers.anthropic import AnthropicStreamDecoder, from_anthropic, to_anthropic
from llmgw_migrate.gateway.providers.google import GoogleStreamDecoder, from_google, to_google
from llmgw_migrate.gateway.report import safe_url, startup_report
from llmgw_migrate.gateway.routing import Router
from llmgw_migrate.gateway.settings import GatewaySettings
from llmgw_migrate.gateway.uptime import Uptime

TODAY = dt.date(2026, 11, 25)


def router(env: dict[str, str], plan: Plan | None = None, **kw: Any) -> Router:
    catalog = load_catalog()
    return Router(catalog, KeyRing.build(catalog, plan, env), **kw)


# routing -------------------------------------------------------------------------------------------
def test_bare_id_orders_and_limits_attempts() -> None:
    env = {f"LLM_{p}_API_KEY": "k" for p in ("GROQ", "CEREBRAS", "NEBIUS", "TOGETHER_AI", "AZURE")}
    r = router(env, provider_order=("together-ai", "nebius"))
    route = r.resolve("gpt-oss-120b", kind="chat", today=TODAY)
    assert [a.provider for a in route.attempts] == ["together-ai", "nebius", "groq"]
    assert not route.pinned
    one = r.resolve("gpt-oss-120b", kind="chat", today=TODAY, no_fallback=True)
    assert len(one.attempts) == 1


def test_pinned_and_region_suffix() -> None:
    r = router({"LLM_OPENAI_API_KEY": "k", "LLM_AZURE_API_KEY": "k"})
    route = r.resolve("azure/gpt-4o:eu", kind="chat", today=TODAY)
    assert route.pinned and [a.provider for a in route.attempts] == ["azure"]
    assert route.attempts[0].response_model == "azure/gpt-4o"
    with pytest.raises(GatewayError, match="Provider openai does not support model claude-haiku-4-5"):
        r.resolve("openai/claude-haiku-4-5", kind="chat", today=TODAY)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_uptime_needs_enough_attempts_and_forgets_old_ones() -> None:
    clock = Clock()
    up = Uptime(clock)
    for _ in range(5):
        up.record("openai", False)
    assert up.down() == frozenset() and up.uptime("openai") is None  # too few attempts to judge
    for _ in range(5):
        up.record("openai", True)
    assert up.uptime("openai") == 0.5 and up.down() == {"openai"}
    for _ in range(40):
        up.record("azure", True)  # a 4xx is an answer too: the caller reports any status below 500
    up.record("azure", False)
    assert up.down() == {"openai"}  # 40/41 is above 90%
    clock.now += 301  # every attempt ages out of the 5-minute window
    assert up.down() == frozenset() and up.uptime("openai") is None


def test_a_pin_on_a_provider_under_90_percent_is_rerouted_unless_no_fallback() -> None:
    r = router({"LLM_OPENAI_API_KEY": "k", "LLM_AZURE_API_KEY": "k"})
    down = frozenset({"openai"})
    route = r.resolve("openai/gpt-4o", kind="chat", today=TODAY, down=down)
    assert not route.pinned and [a.provider for a in route.attempts] == ["azure", "openai"]
    assert route.requested_provider == "openai"
    held = r.resolve("openai/gpt-4o", kind="chat", today=TODAY, down=down, no_fallback=True)
    assert held.pinned and [a.provider for a in held.attempts] == ["openai"]
    bare = r.resolve("gpt-4o", kind="chat", today=TODAY, down=down)
    assert [a.provider for a in bare.attempts] == ["azure", "openai"]  # smart routing: the weak one last
    healthy = r.resolve("openai/gpt-4o", kind="chat", today=TODAY)
    assert healthy.pinned and [a.provider for a in healthy.attempts] == ["openai"]


@pytest.mark.parametrize(
    ("model", "status", "text"),
    [
        ("", 400, "model is required"),
        (None, 400, "model is required"),
        ("auto", 400, "'auto'"),
        ("custom/x", 400, "Provider 'custom' not found."),
        ("vertex_ai/gemini-pro", 400, "Provider 'vertex_ai' not found."),
        ("gemini-2.5-pro", 410, "Model gemini-2.5-pro has been deactivated"),
    ],
)
def test_rejections(model: Any, status: int, text: str) -> None:
    with pytest.raises(GatewayError) as exc:
        router({"LLM_OPENAI_API_KEY": "k"}).resolve(model, kind="chat", today=TODAY)
    assert exc.value.status == status and text in exc.value.message


def test_embeddings_need_an_embeddings_adapter() -> None:
    r = router({"LLM_GOOGLE_AI_STUDIO_API_KEY": "k", "LLM_OPENAI_API_KEY": "k"})
    assert (
        r.resolve("text-embedding-3-small", kind="embeddings", today=TODAY).attempts[0].provider == "openai"
    )
    with pytest.raises(GatewayError) as exc:
        r.resolve("gemini-embedding-001", kind="embeddings", today=TODAY)
    assert exc.value.code == "unsupported_provider"


def test_custom_provider_without_base_url() -> None:
    plan = Plan(
        source="c.yaml",
        models=[
            ModelMapping(
                name="local",
                gateway_model="lab/llama",
                provider="lab",
                litellm_model="hosted_vllm/llama",
                custom=True,
                status="manual",
            )
        ],
    )
    with pytest.raises(GatewayError, match="LLM_LAB_BASE_URL"):
        router({}, plan).resolve("lab/llama", kind="chat", today=TODAY)
    route = router({"LLM_LAB_BASE_URL": "http://lab:8000"}, plan).resolve(
        "lab/llama", kind="chat", today=TODAY
    )
    assert route.attempts[0].custom and route.attempts[0].access.base_url == "http://lab:8000"


# keys ----------------------------------------------------------------------------------------------
def test_keyring_sources_and_secrecy() -> None:
    catalog = load_catalog()
    plan = Plan(
        source="c.yaml",
        provider_keys=[
            ProviderKey(
                provider="azure",
                env_var="AZURE_KEY",
                options={"azure_resource": "os.environ/AZ_RES", "azure_api_version": "2025-01-01"},
            ),
        ],
    )
    env = {
        "LLM_OPENAI_API_KEY": " a , b ,,",
        "AZURE_KEY": "az-secret",
        "AZ_RES": "team-res",
        "LLM_X_AI_BASE_URL": "http://xai.local",
    }
    ring = KeyRing.build(catalog, plan, env)
    openai = ring.get("openai")
    assert openai is not None and [openai.next_key() for _ in range(3)] == ["a", "b", "a"]
    azure = ring.get("azure")
    assert azure is not None and azure.keys == ["az-secret"] and azure.key_sources == ["AZURE_KEY"]
    assert azure.options == {"azure_resource": "team-res", "azure_api_version": "2025-01-01"}
    assert "az-secret" not in repr(azure) and "a" not in repr(openai).split("keys=")[0][-3:]
    assert ring.get("xai").base_url == "http://xai.local"  # type: ignore[union-attr]
    assert ring.get("anthropic").base_url == "https://api.anthropic.com"  # type: ignore[union-attr]
    assert set(ring.secrets()) == {"a", "b", "az-secret"}
    assert resolve_ref("os.environ/MISSING", env) is None and resolve_ref("plain", env) == "plain"


def test_scrub_removes_echoed_keys() -> None:
    fwd = Forwarder(lambda: None, ResponseCache(0), ["sk-live-123456"], 0)  # type: ignore[arg-type,return-value]
    assert (
        fwd.scrub("Incorrect API key provided: sk-live-123456.") == "Incorrect API key provided: [redacted]."
    )


# pricing and cache -----------------------------------------------------------------------------------
def test_cost_uses_cached_price_and_decimal() -> None:
    mapping = load_catalog().get("gpt-4o").mapping("openai")  # type: ignore[union-attr]
    usage: dict[str, Any] = {
        "prompt_tokens": 1000,
        "completion_tokens": 100,
        "prompt_tokens_details": {"cached_tokens": 400},
    }
    add_cost(usage, mapping)
    d = usage["cost_details"]
    assert d["input_cost"] == pytest.approx(600 * 2.5e-6)
    assert d["cached_input_cost"] == pytest.approx(400 * 1.25e-6)
    assert d["output_cost"] == pytest.approx(100 * 10e-6)
    assert usage["cost"] == pytest.approx(0.0015 + 0.0005 + 0.001)
    replay: dict[str, Any] = {"prompt_tokens": 10, "completion_tokens": 5}
    assert add_cost(replay, mapping, cached=True)["cost"] == 0


def test_cache_ttl_lru_and_key(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [100.0]
    monkeypatch.setattr("llmgw_migrate.gateway.cache.time.monotonic", lambda: now[0])
    cache = ResponseCache(ttl=10, max_entries=2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1
    cache.put("c", 3)  # evicts b, the least recently used
    assert cache.get("b") is None and cache.get("a") == 1
    now[0] += 11
    assert cache.get("a") is None and len(cache) == 1
    body = {"messages": [{"role": "user", "content": "x"}], "temperature": 0}
    assert cache_key("chat", "openai", "gpt-4o", body) == cache_key("chat", "openai", "gpt-4o", dict(body))
    assert cache_key("chat", "openai", "gpt-4o", body) != cache_key("chat", "azure", "gpt-4o", body)
    assert cache_key("chat", "openai", "gpt-4o", body) != cache_key(
        "chat", "openai", "gpt-4o", {**body, "n": 2}
    )


# conversions ---------------------------------------------------------------------------------------
CONVO = [
    {"role": "system", "content": "sys"},
    {"role": "user", "content": "hi"},
    {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": '{"a": 1}'}}
        ],
    },
    {"role": "tool", "tool_call_id": "call_1", "content": "result"},
    {"role": "user", "content": "thanks"},
]


def test_to_anthropic() -> None:
    tools = [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}]
    out = to_anthropic(
        {"messages": CONVO, "tools": tools, "tool_choice": "required", "stop": "END"}, "claude-x", 1000
    )
    assert out["system"] == "sys" and out["max_tokens"] == 1000 and out["stop_sequences"] == ["END"]
    assert [m["role"] for m in out["messages"]] == ["user", "assistant", "user"]
    assert out["messages"][1]["content"][0] == {
        "type": "tool_use",
        "id": "call_1",
        "name": "f",
        "input": {"a": 1},
    }
    merged = out["messages"][2]["content"]  # tool result and next user text share one user turn
    assert merged[0]["type"] == "tool_result" and merged[1] == {"type": "text", "text": "thanks"}
    assert out["tool_choice"] == {"type": "any"} and out["tools"][0]["input_schema"] == {"type": "object"}


def test_from_anthropic_and_stream_decoder() -> None:
    msg = {
        "id": "msg_1",
        "model": "claude-x",
        "content": [
            {"type": "text", "text": "ok"},
            {"type": "tool_use", "id": "t1", "name": "f", "input": {"a": 1}},
        ],
        "stop_reason": "tool_use",
        "usage": {"input_tokens": 10, "output_tokens": 3, "cache_read_input_tokens": 5},
    }
    out = from_anthropic(msg)
    assert out["choices"][0]["finish_reason"] == "tool_calls"
    assert out["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"] == '{"a": 1}'
    assert out["usage"] == {
        "prompt_tokens": 15,
        "completion_tokens": 3,
        "total_tokens": 18,
        "prompt_tokens_details": {"cached_tokens": 5},
    }
    dec = AnthropicStreamDecoder()
    events = [
        {"type": "message_start", "message": {"id": "m", "model": "c", "usage": {"input_tokens": 4}}},
        {
            "type": "content_block_start",
            "index": 0,
            "content_block": {"type": "tool_use", "id": "t", "name": "f"},
        },
        {
            "type": "content_block_delta",
            "index": 0,
            "delta": {"type": "input_json_delta", "partial_json": '{"a"'},
        },
        {
            "type": "content_block_delta",
            "index": 0,
            "delta": {"type": "input_json_delta", "partial_json": ":1}"},
        },
        {"type": "message_delta", "delta": {"stop_reason": "tool_use"}, "usage": {"output_tokens": 7}},
        {"type": "message_stop"},
    ]
    chunks = [c for ev in events for c in dec.feed(ev["type"], json.dumps(ev))]
    args = "".join(
        tc["function"].get("arguments", "")
        for c in chunks
        for ch in c["choices"]
        for tc in ch["delta"].get("tool_calls") or []
    )
    assert args == '{"a":1}' and dec.done
    assert chunks[-1]["usage"] == {"prompt_tokens": 4, "completion_tokens": 7, "total_tokens": 11}
    with pytest.raises(Exception, match="overloaded"):
        AnthropicStreamDecoder().feed(
            "error", json.dumps({"type": "error", "error": {"message": "overloaded"}})
        )


def test_google_round_trip() -> None:
    body = to_google({"messages": CONVO, "max_tokens": 20, "response_format": {"type": "json_object"}})
    assert body["systemInstruction"] == {"parts": [{"text": "sys"}]}
    roles = [c["role"] for c in body["contents"]]
    assert roles == ["user", "model", "user"]
    assert body["contents"][2]["parts"][0]["functionResponse"]["name"] == "f"  # name found from the call id
    assert body["generationConfig"] == {"maxOutputTokens": 20, "responseMimeType": "application/json"}
    data = {
        "candidates": [
            {
                "content": {"parts": [{"functionCall": {"name": "f", "args": {"a": 1}}}]},
                "finishReason": "STOP",
            }
        ],
        "usageMetadata": {"promptTokenCount": 3, "candidatesTokenCount": 2, "thoughtsTokenCount": 1},
    }
    out = from_google(data, "gemini-x")
    assert out["choices"][0]["finish_reason"] == "tool_calls"
    assert out["usage"]["completion_tokens"] == 3
    dec = GoogleStreamDecoder("gemini-x")
    first = dec.feed(None, json.dumps({"candidates": [{"content": {"parts": [{"text": "he"}]}}]}))
    last = dec.feed(
        None,
        json.dumps(
            {**data, "candidates": [{"content": {"parts": [{"text": "llo"}]}, "finishReason": "STOP"}]}
        ),
    )
    assert first[0]["choices"][0]["delta"] == {"role": "assistant", "content": "he"}
    assert last[0]["choices"][0]["finish_reason"] == "stop"
    assert dec.finish()[0]["usage"]["prompt_tokens"] == 3


def test_messages_api_conversions() -> None:
    body = messages_api.to_openai(
        {
            "model": "m",
            "max_tokens": 5,
            "system": [{"type": "text", "text": "sys"}],
            "stop_sequences": ["X"],
            "tool_choice": {"type": "tool", "name": "f"},
            "tools": [{"name": "f", "input_schema": {"type": "object"}}],
            "thinking": {"type": "enabled", "budget_tokens": 4000},
            "messages": [
                {"role": "user", "content": "hi"},
                {"role": "assistant", "content": [{"type": "tool_use", "id": "t", "name": "f", "input": {}}]},
                {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t", "content": "r"}]},
            ],
        }
    )
    assert body["messages"][0] == {"role": "system", "content": "sys"}
    assert body["messages"][2]["tool_calls"][0]["function"]["name"] == "f"
    assert body["messages"][3] == {"role": "tool", "tool_call_id": "t", "content": "r"}
    assert body["stop"] == ["X"] and body["reasoning_effort"] == "medium"
    assert body["tool_choice"] == {"type": "function", "function": {"name": "f"}}
    with pytest.raises(GatewayError):
        messages_api.to_openai({"model": "m", "messages": []})

    async def collect() -> list[bytes]:
        async def items() -> Any:
            yield {"id": "chatcmpl-1", "model": "p/m", "choices": [{"index": 0, "delta": {"content": "a"}}]}
            yield GatewayError(502, "boom")

        return [e async for e in messages_api.anthropic_events(items())]

    events = asyncio.run(collect())
    assert events[0].startswith(b"event: message_start") and b'"id":"msg_1"' in events[0]
    assert events[-1].startswith(b"event: error") and b"boom" in events[-1]


# settings, sizes, report ---------------------------------------------------------------------------
def test_settings_generate_a_key() -> None:
    s = GatewaySettings()
    assert s.generated_key and s.api_keys[0].startswith("llmgtwy_") and len(s.api_keys[0]) > 30
    assert not GatewaySettings(api_keys=("k",)).generated_key
    with pytest.raises(ValueError):
        GatewaySettings(max_retries=-1)


@pytest.mark.parametrize(
    ("raw", "size"), [("16MiB", 16 * 1024**2), ("500kb", 500_000), ("1024", 1024), ("2 GB", 2 * 10**9)]
)
def test_parse_size(raw: str, size: int) -> None:
    assert parse_size(raw) == size


def test_parse_size_rejects_garbage() -> None:
    with pytest.raises(UserError):
        parse_size("lots")


def test_startup_report_findings() -> None:
    catalog = load_catalog()
    plan = Plan(
        source="litellm_config.yaml",
        models=[
            ModelMapping(
                name="a",
                gateway_model="anthropic/claude-haiku-4-5",
                provider="anthropic",
                litellm_model="x",
                status="exact",
            ),
            ModelMapping(
                name="b",
                gateway_model="aws-bedrock/claude-haiku-4-5",
                provider="aws-bedrock",
                litellm_model="y",
                status="exact",
            ),
            ModelMapping(
                name="c",
                gateway_model="lab/m",
                provider="lab",
                litellm_model="z",
                custom=True,
                status="manual",
            ),
        ],
        provider_keys=[ProviderKey(provider="anthropic", env_var="ANTHROPIC_API_KEY")],
    )
    env = {"LLM_OPENAI_API_KEY": "k", "LLM_OPENAI_BASE_URL": "http://user:pw@proxy.local:8080/x"}
    report = startup_report(catalog, KeyRing.build(catalog, plan, env), plan)
    codes = {f.code: f.message for f in report.findings}
    assert set(codes) == {"LGM401", "LGM402", "LGM403"}
    assert "LLM_ANTHROPIC_API_KEY or ANTHROPIC_API_KEY" in codes["LGM401"]
    text = "\n".join(report.lines())
    assert "provider openai: 1 key from LLM_OPENAI_API_KEY -> http://proxy.local:8080/x" in text
    assert "pw" not in text
    assert safe_url(None) == "-"


def test_join_url_does_not_double_the_version() -> None:
    from llmgw_migrate.gateway.providers.base import join_url

    assert join_url("http://h/v1/", "/v1/chat/completions") == "http://h/v1/chat/completions"
    assert join_url("http://h", "/v1/messages") == "http://h/v1/messages"
    assert join_url("https://api.deepinfra.com/v1/openai", "/chat/completions") == (
        "https://api.deepinfra.com/v1/openai/chat/completions"
    )


def test_app_works_without_lifespan_events() -> None:
    """Mounted in another ASGI app (no lifespan events), the upstream client starts on first use."""
    import httpx

    from llmgw_migrate.gateway.app import create_app
    from llmgw_migrate.testing.fake_upstream import FakeUpstream

    async def scenario(url: str) -> list[int]:
        env = {"LLM_OPENAI_API_KEY": "k", "LLM_OPENAI_BASE_URL": url}
        app = create_app(None, GatewaySettings(api_keys=("gk",), env=env, today=TODAY))
        body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
            answers = await asyncio.gather(
                *(
                    client.post("/v1/chat/completions", json=body, headers={"x-api-key": "gk"})
                    for _ in range(3)
                )
            )
        await app.state.gateway.stop()
        return [a.status_code for a in answers]

    with FakeUpstream() as up:
        assert asyncio.run(scenario(up.url)) == [200, 200, 200]
        assert up.request_count == 3


def test_stream_usage_option_only_where_accepted() -> None:
    from llmgw_migrate.gateway.providers import adapter_for

    catalog = load_catalog()
    ring = KeyRing.build(catalog, None, {"LLM_OPENAI_API_KEY": "k", "LLM_MISTRAL_API_KEY": "k"})
    body = {"messages": [{"role": "user", "content": "x"}], "stream_options": {"x": 1}}
    for provider, model, expected in (("openai", "gpt-4o", True), ("mistral", "mistral-large-latest", False)):
        route = Router(catalog, ring).resolve(f"{provider}/{model}", kind="chat", today=TODAY)
        adapter = adapter_for(provider)
        assert adapter is not None
        call = adapter.chat_request(route.attempts[0], body, True)
        assert call.body["stream"] is True
        assert ("include_usage" in (call.body.get("stream_options") or {})) is expected


def test_azure_urls_and_missing_resource() -> None:
    from llmgw_migrate.gateway.providers import adapter_for

    catalog = load_catalog()
    adapter = adapter_for("azure")
    assert adapter is not None
    body = {"messages": [{"role": "user", "content": "x"}]}
    env = {"LLM_AZURE_API_KEY": "k", "LLM_AZURE_RESOURCE": "team", "LLM_AZURE_API_VERSION": "2025-04-01"}
    plan = Plan(
        source="c.yaml",
        provider_keys=[ProviderKey(provider="azure", options={"azure_deployment_name": "prod gpt"})],
    )
    route = Router(catalog, KeyRing.build(catalog, plan, env)).resolve(
        "azure/gpt-4o", kind="chat", today=TODAY
    )
    call = adapter.chat_request(route.attempts[0], body, False)
    assert (
        call.url
        == "https://team.openai.azure.com/openai/deployments/prod%20gpt/chat/completions?api-version=2025-04-01"
    )
    assert call.headers["api-key"] == "k" and "model" not in call.body
    emb = adapter.embeddings_request(route.attempts[0], {"input": "x"})
    assert "/openai/deployments/prod%20gpt/embeddings?" in emb.url
    bare = Router(catalog, KeyRing.build(catalog, None, {"LLM_AZURE_API_KEY": "k"}))
    attempt = bare.resolve("azure/gpt-4o", kind="chat", today=TODAY).attempts[0]
    with pytest.raises(GatewayError, match="LLM_AZURE_RESOURCE"):
        adapter.chat_request(attempt, body, False)


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"messages": [{"role": "robot", "content": "x"}]}, "messages[0].role"),
        ({"messages": [{"role": "user"}]}, "messages[0].content"),
        (
            {"messages": [{"role": "user", "content": [{"type": "text", "text": 3}]}]},
            "messages[0].content[0].text",
        ),
        ({"messages": [{"role": "tool", "content": "x"}]}, "messages[0].tool_call_id"),
        (
            {"messages": [{"role": "assistant", "tool_calls": [{"function": {}}]}]},
            "messages[0].tool_calls[0].function.name",
        ),
        (
            {"messages": [{"role": "user", "content": "x"}], "tools": [{"type": "function"}]},
            "tools[0].function.name",
        ),
        ({"messages": [{"role": "user", "content": "x"}], "tool_choice": ["auto"]}, "tool_choice"),
        (
            {"messages": [{"role": "user", "content": "x"}], "response_format": {"type": "yaml"}},
            "response_format",
        ),
        ({"messages": [{"role": "user", "content": "x"}], "n": 0}, "n"),
        ({"messages": [{"role": "user", "content": "x"}], "temperature": "hot"}, "temperature"),
    ],
)
def test_chat_validation_names_the_field(body: dict[str, Any], param: str) -> None:
    from llmgw_migrate.gateway.validation import validate_chat

    with pytest.raises(GatewayError) as exc:
        validate_chat(body)
    assert exc.value.status == 400 and exc.value.param == param and exc.value.code == "invalid_parameters"


def test_messages_validation() -> None:
    from llmgw_migrate.gateway.validation import validate_messages

    ok = {
        "messages": [
            {"role": "user", "content": "hi"},
            {"role": "assistant", "content": [{"type": "tool_use", "id": "t", "name": "f", "input": {}}]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t", "content": "r"}]},
        ],
        "max_tokens": 10,
        "tool_choice": {"type": "tool", "name": "f"},
    }
    validate_messages(ok)
    for bad, where in (
        ({**ok, "max_tokens": 0}, "max_tokens"),
        ({**ok, "tool_choice": {"type": "tool"}}, "tool_choice.name"),
        (
            {**ok, "messages": [{"role": "user", "content": [{"type": "tool_use"}]}]},
            "messages[0].content[0].type",
        ),
        ({**ok, "system": 5}, "system"),
    ):
        with pytest.raises(GatewayError) as exc:
            validate_messages(bad)
        assert exc.value.param == where


@pytest.mark.parametrize(
    ("body", "ok"),
    [
        ({"input": "x"}, True),
        ({"input": ["a", "b"]}, True),
        ({"input": [1, 2, 3]}, True),
        ({"input": [[1, 2], [3]]}, True),
        ({"input": ""}, False),
        ({"input": []}, False),
        ({"input": ["a", 1]}, False),
        ({"input": {"text": "x"}}, False),
        ({"input": "x", "encoding_format": "int8"}, False),
        ({"input": "x", "dimensions": 0}, False),
    ],
)
def test_embeddings_validation(body: dict[str, Any], ok: bool) -> None:
    from llmgw_migrate.gateway.validation import validate_embeddings

    if ok:
        validate_embeddings(body)
    else:
        with pytest.raises(GatewayError):
            validate_embeddings(body)


def test_provider_without_base_url_is_a_clear_400() -> None:
    # permafrost has no default base URL in the catalog: its LLM_PERMAFROST_BASE_URL is required.
    r = router({"LLM_PERMAFROST_API_KEY": "k"})
    with pytest.raises(GatewayError) as exc:
        r.resolve("permafrost/kimi-k3", kind="chat", today=TODAY)
    assert exc.value.code == "provider_not_configured" and "LLM_PERMAFROST_BASE_URL" in exc.value.message
    ok = router({"LLM_PERMAFROST_API_KEY": "k", "LLM_PERMAFROST_BASE_URL": "http://pf.local"})
    assert (
        ok.resolve("permafrost/kimi-k3", kind="chat", today=TODAY).attempts[0].access.base_url
        == "http://pf.local"
    )
