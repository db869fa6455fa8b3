"""The fake upstream: deterministic answers in every wire format, failure injection, both run modes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from llmgw_migrate.testing.fake_upstream import FakeUpstream, _Rng, value_for_schema

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string", "minLength": 2},
                "unit": {"type": "string", "enum": ["c", "f"]},
                "days": {"type": "integer", "minimum": 1, "maximum": 7},
            },
            "required": ["city", "unit"],
        },
    },
}


@pytest.fixture(scope="module")
def up() -> Iterator[FakeUpstream]:
    with FakeUpstream() as server:
        yield server


def chat(up: FakeUpstream, body: dict[str, Any], **headers: str) -> httpx.Response:
    return httpx.post(up.url + "/v1/chat/completions", json=body, headers=headers, timeout=10)


def sse(resp: httpx.Response) -> list[Any]:
    out = []
    for line in resp.text.splitlines():
        if line.startswith("data: "):
            payload = line[6:]
            out.append(payload if payload == "[DONE]" else json.loads(payload))
    return out


MSGS = [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hello there friend"}]


def test_chat_is_deterministic_across_servers(up: FakeUpstream) -> None:
    a = chat(up, {"model": "gpt-4o", "messages": MSGS}).json()
    with FakeUpstream() as other:
        b = chat(other, {"model": "gpt-4o", "messages": MSGS}).json()
    assert a == b
    assert a["choices"][0]["message"]["content"].startswith("Fake reply ")
    assert a["usage"]["prompt_tokens"] == 5
    assert a["usage"]["total_tokens"] == a["usage"]["prompt_tokens"] + a["usage"]["completion_tokens"]
    c = chat(up, {"model": "gpt-4o-mini", "messages": MSGS}).json()
    assert c["choices"][0]["message"]["content"] != a["choices"][0]["message"]["content"]


def test_same_conversation_same_text_in_every_format(up: FakeUpstream) -> None:
    openai = chat(up, {"model": "m", "messages": MSGS}).json()["choices"][0]["message"]["content"]
    anthropic = httpx.post(
        up.url + "/v1/messages",
        json={"model": "m", "max_tokens": 10, "system": "be brief", "messages": MSGS[1:]},
    ).json()
    google = httpx.post(
        up.url + "/v1beta/models/m:generateContent",
        json={
            "systemInstruction": {"parts": [{"text": "be brief"}]},
            "contents": [{"role": "user", "parts": [{"text": "hello there friend"}]}],
        },
    ).json()
    assert anthropic["content"][0]["text"] == openai
    assert google["candidates"][0]["content"]["parts"][0]["text"] == openai
    assert anthropic["usage"]["input_tokens"] == 5
    assert google["usageMetadata"]["promptTokenCount"] == 5


def test_stream_matches_non_stream_and_reports_usage(up: FakeUpstream) -> None:
    full = chat(up, {"model": "gpt-4o", "messages": MSGS}).json()
    resp = chat(
        up, {"model": "gpt-4o", "messages": MSGS, "stream": True, "stream_options": {"include_usage": True}}
    )
    assert resp.headers["content-type"].startswith("text/event-stream")
    events = sse(resp)
    assert events[-1] == "[DONE]"
    text = "".join(e["choices"][0]["delta"].get("content") or "" for e in events[:-1] if e["choices"])
    assert text == full["choices"][0]["message"]["content"]
    assert events[-2]["usage"] == full["usage"]
    without = sse(chat(up, {"model": "gpt-4o", "messages": MSGS, "stream": True}))
    assert all("usage" not in e for e in without[:-1])


def test_tool_calls_follow_the_schema(up: FakeUpstream) -> None:
    body = {"model": "gpt-4o", "messages": MSGS, "tools": [WEATHER_TOOL]}
    msg = chat(up, body).json()["choices"][0]
    assert msg["finish_reason"] == "tool_calls"
    call = msg["message"]["tool_calls"][0]
    args = json.loads(call["function"]["arguments"])
    assert call["function"]["name"] == "get_weather"
    assert args["unit"] in ("c", "f") and len(args["city"]) >= 2 and 1 <= args["days"] <= 7
    # Same request, same arguments; another variant, other arguments; "invalid" drops required ones.
    assert chat(up, body).json()["choices"][0]["message"]["tool_calls"][0] == call
    variants = {
        chat(up, body, **{"x-fake-tool-args-variant": str(v)}).json()["choices"][0]["message"]["tool_calls"][
            0
        ]["function"]["arguments"]
        for v in range(1, 6)
    }
    assert len(variants | {call["function"]["arguments"]}) > 1
    bad = chat(up, body, **{"x-fake-tool-args-variant": "invalid"}).json()
    bad_args = json.loads(bad["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"])
    assert "city" not in bad_args and "unit" not in bad_args
    # A tool result ends the loop with text; tool_choice none disables tools.
    after = [
        *MSGS,
        {"role": "assistant", "tool_calls": [call]},
        {"role": "tool", "tool_call_id": call["id"], "content": "sunny"},
    ]
    assert chat(up, dict(body, messages=after)).json()["choices"][0]["finish_reason"] == "stop"
    assert chat(up, dict(body, tool_choice="none")).json()["choices"][0]["finish_reason"] == "stop"


def test_streamed_tool_call_arguments_reassemble(up: FakeUpstream) -> None:
    body = {"model": "gpt-4o", "messages": MSGS, "tools": [WEATHER_TOOL]}
    whole = chat(up, body).json()["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"]
    events = sse(chat(up, dict(body, stream=True)))
    parts = [
        tc["function"].get("arguments", "")
        for e in events[:-1]
        for tc in e["choices"][0]["delta"].get("tool_calls") or []
    ]
    assert "".join(parts) == whole
    assert events[-2]["choices"][0]["finish_reason"] == "tool_calls"


def test_anthropic_stream_and_tools(up: FakeUpstream) -> None:
    tool = {"name": "get_weather", "input_schema": WEATHER_TOOL["function"]["parameters"]}
    body = {"model": "claude", "max_tokens": 50, "messages": MSGS[1:], "tools": [tool]}
    msg = httpx.post(up.url + "/v1/messages", json=body).json()
    assert msg["stop_reason"] == "tool_use" and msg["content"][0]["type"] == "tool_use"
    resp = httpx.post(up.url + "/v1/messages", json=dict(body, stream=True))
    names = [line[7:] for line in resp.text.splitlines() if line.startswith("event: ")]
    assert names[0] == "message_start" and names[-1] == "message_stop"
    partial = "".join(
        json.loads(line[6:])["delta"]["partial_json"]
        for line in resp.text.splitlines()
        if line.startswith("data: ") and "input_json_delta" in line
    )
    assert json.loads(partial) == msg["content"][0]["input"]
    missing = httpx.post(up.url + "/v1/messages", json={"model": "c", "messages": MSGS[1:]})
    assert missing.status_code == 400 and missing.json()["type"] == "error"


def test_json_mode_and_n(up: FakeUpstream) -> None:
    schema = {"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"]}
    out = chat(
        up,
        {
            "model": "gpt-4o",
            "messages": MSGS,
            "n": 2,
            "response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": schema}},
        },
    ).json()
    assert len(out["choices"]) == 2
    assert isinstance(json.loads(out["choices"][0]["message"]["content"])["ok"], bool)
    obj = chat(up, {"model": "gpt-4o", "messages": MSGS, "response_format": {"type": "json_object"}}).json()
    assert "answer" in json.loads(obj["choices"][0]["message"]["content"])


def test_embeddings_models_and_azure_routes(up: FakeUpstream) -> None:
    emb = httpx.post(
        up.url + "/v1/embeddings", json={"model": "e", "input": ["a", "b"], "dimensions": 4}
    ).json()
    assert [len(d["embedding"]) for d in emb["data"]] == [4, 4]
    again = httpx.post(up.url + "/embeddings", json={"model": "e", "input": "a", "dimensions": 4}).json()
    assert again["data"][0]["embedding"] == emb["data"][0]["embedding"]
    assert "gpt-4o" in [m["id"] for m in httpx.get(up.url + "/v1/models").json()["data"]]
    az = httpx.post(
        up.url + "/openai/deployments/my-dep/chat/completions?api-version=2024-10-21",
        json={"messages": MSGS},
        headers={"api-key": "k"},
    ).json()
    assert az["model"] == "my-dep"


def test_failure_injection(up: FakeUpstream) -> None:
    r = chat(up, {"model": "gpt-4o", "messages": MSGS}, **{"x-fake-fail": "429"})
    assert r.status_code == 429 and r.headers["retry-after"] == "7"
    assert chat(up, {"model": "fail-503", "messages": MSGS}).status_code == 503
    with pytest.raises(httpx.ReadTimeout):
        chat_timeout = httpx.post(
            up.url + "/v1/chat/completions",
            json={"model": "fail-timeout", "messages": MSGS},
            timeout=httpx.Timeout(5, read=0.3),
        )
        del chat_timeout
    with pytest.raises(httpx.RemoteProtocolError):
        with httpx.stream(
            "POST",
            up.url + "/v1/chat/completions",
            json={"model": "fail-midstream", "messages": MSGS, "stream": True},
        ) as resp:
            for _ in resp.iter_bytes():
                pass


def test_require_key_and_recording() -> None:
    with FakeUpstream(require_key="sekrit", fail=None) as up:
        assert chat(up, {"model": "m", "messages": MSGS}).status_code == 401
        ok = chat(up, {"model": "m", "messages": MSGS}, Authorization="Bearer sekrit")
        assert ok.status_code == 200
        assert [r["key"] for r in up.requests] == [None, "sekrit"]
        assert up.request_count == 2
        up.reset()
        assert up.request_count == 0


def test_server_wide_failure_and_subprocess_mode() -> None:
    with FakeUpstream(subprocess=True, fail="500") as up:
        assert chat(up, {"model": "gpt-4o", "messages": MSGS}).status_code == 500
        assert up.request_count == 1
        assert up.requests[0]["model"] == "gpt-4o"


@pytest.mark.parametrize(
    "schema",
    [
        {
            "type": "array",
            "items": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 3},
            "minItems": 2,
        },
        {"anyOf": [{"type": "null"}, {"type": "string", "format": "date"}]},
        {"$defs": {"x": {"type": "boolean"}}, "type": "object", "properties": {"a": {"$ref": "#/$defs/x"}}},
        {"type": ["integer", "null"], "minimum": 5, "maximum": 5},
    ],
)
def test_value_for_schema_shapes(schema: dict[str, Any]) -> None:
    value = value_for_schema(schema, _Rng(b"seed"), schema)
    if "items" in schema:
        assert len(value) == 2 and all(0 < v < 3 for v in value)
    elif "anyOf" in schema:
        assert value.startswith("2026-")
    elif "$defs" in schema:
        assert isinstance(value["a"], bool)
    else:
        assert value == 5


def test_standalone_command_line() -> None:
    import re
    import subprocess
    import sys

    cmd = [sys.executable, "-m", "llmgw_migrate.testing.fake_upstream", "--port", "0", "--fail", "503"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        match = re.search(r"(http://127\.0\.0\.1:\d+)", proc.stdout.readline())
        assert match
        resp = httpx.post(match.group(1) + "/v1/chat/completions", json={"model": "m", "messages": MSGS})
        assert resp.status_code == 503
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    bad = subprocess.run([*cmd[:3], "--options", "{nope"], capture_output=True, text=True)
    assert bad.returncode == 2 and "--options is not JSON" in bad.stderr and "Traceback" not in bad.stderr


def test_broken_success_faults(up: FakeUpstream) -> None:
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}
    redirect = chat(up, body, **{"x-fake-fail": "redirect"})
    assert redirect.status_code == 307 and redirect.headers["location"].endswith("/v1/chat/completions")
    assert chat(up, body, **{"x-fake-fail": "empty-object"}).json() == {}
    assert chat(up, body, **{"x-fake-fail": "null-choices"}).json()["choices"] is None
    anthropic = httpx.post(
        up.url + "/v1/messages", json={**body, "max_tokens": 9}, headers={"x-fake-fail": "null-choices"}
    )
    assert anthropic.json()["content"] is None
    with pytest.raises(json.JSONDecodeError):
        chat(up, body, **{"x-fake-fail": "malformed"}).json()
    bomb = {"x-fake-fail": "gzip-bomb", "x-fake-bomb-bytes": str(4 << 20)}
    with httpx.stream("POST", up.url + "/v1/chat/completions", json=body, headers=bomb) as resp:
        assert resp.headers["content-encoding"] == "gzip"
        assert sum(len(c) for c in resp.iter_raw()) < (4 << 20) // 100  # small on the wire
    with httpx.stream("POST", up.url + "/v1/chat/completions", json=body, headers=bomb) as resp:
        assert sum(len(c) for c in resp.iter_bytes()) == 4 << 20  # large once inflated


@pytest.mark.parametrize("fmt", ["openai", "anthropic"])
def test_stream_faults(up: FakeUpstream, fmt: str) -> None:
    body = {
        "model": "gpt-4o",
        "stream": True,
        "max_tokens": 9,
        "messages": [{"role": "user", "content": "tell me more"}],
    }
    path = "/v1/chat/completions" if fmt == "openai" else "/v1/messages"

    def text(fail: str) -> str:
        return httpx.post(up.url + path, json=body, headers={"x-fake-fail": fail}, timeout=10).text

    cut = text("no-terminator")
    assert "[DONE]" not in cut and "message_stop" not in cut and 'finish_reason":"stop' not in cut
    busy = text("overloaded-midstream")
    assert "overloaded_error" in busy and "[DONE]" not in busy and "message_stop" not in busy
    whole = text("slow-sse")
    assert ("[DONE]" in whole) if fmt == "openai" else ("message_stop" in whole)
