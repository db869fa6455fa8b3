"""`POST /v1/messages`: Anthropic-format requests in, answered through the chat completions pipeline.

Request: Anthropic Messages -> OpenAI chat completions. Response: chat.completion -> Anthropic message;
stream: chat.completion.chunk events -> Anthropic's message_start / content_block_* / message_delta /
message_stop events.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any

from llmgw_migrate.gateway.errors import GatewayError, bad_request
from llmgw_migrate.gateway.providers.base import ANTHROPIC_PARAMS

# Fields /v1/messages carries on to the provider even where /v1/chat/completions drops them.
KEPT = frozenset({"stop"})

STOP_REASON = {
    "stop": "end_turn",
    "length": "max_tokens",
    "tool_calls": "tool_use",
    "content_filter": "refusal",
}


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(b.get("text", "") for b in content if isinstance(b, dict) and b.get("type") == "text")
    return ""


def _image_part(block: dict[str, Any]) -> dict[str, Any]:
    src = block.get("source") or {}
    if src.get("type") == "base64":
        url = f"data:{src.get('media_type', 'image/png')};base64,{src.get('data', '')}"
    else:
        url = str(src.get("url", ""))
    return {"type": "image_url", "image_url": {"url": url}}


def to_openai(body: dict[str, Any]) -> dict[str, Any]:
    """An Anthropic Messages body as an OpenAI chat completions body."""
    if not isinstance(body.get("messages"), list) or not body["messages"]:
        raise bad_request("messages: must be a non-empty array", param="messages")
    messages: list[dict[str, Any]] = []
    system = body.get("system")
    if system:
        messages.append({"role": "system", "content": _text(system)})
    for m in body["messages"]:
        if not isinstance(m, dict) or m.get("role") not in ("user", "assistant"):
            raise bad_request("messages: each message needs role 'user' or 'assistant'", param="messages")
        content = m.get("content")
        if isinstance(content, str):
            messages.append({"role": m["role"], "content": content})
            continue
        if not isinstance(content, list):
            raise bad_request("messages: content must be a string or an array of blocks", param="messages")
        if m["role"] == "user":
            parts: list[dict[str, Any]] = []
            for block in content:
                if not isinstance(block, dict):
                    continue
                if block.get("type") == "tool_result":
                    messages.append(
                        {
                            "role": "tool",
                            "tool_call_id": block.get("tool_use_id", ""),
                            "content": _text(block.get("content")),
                        }
                    )
                elif block.get("type") == "text":
                    parts.append({"type": "text", "text": block.get("text", "")})
                elif block.get("type") == "image":
                    parts.append(_image_part(block))
            if parts:
                messages.append({"role": "user", "content": parts})
        else:
            text = "".join(
                b.get("text", "") for b in content if isinstance(b, dict) and b.get("type") == "text"
            )
            calls = [
                {
                    "id": b.get("id", ""),
                    "type": "function",
                    "function": {"name": b.get("name", ""), "arguments": json.dumps(b.get("input") or {})},
                }
                for b in content
                if isinstance(b, dict) and b.get("type") == "tool_use"
            ]
            msg: dict[str, Any] = {"role": "assistant", "content": text or None}
            if calls:
                msg["tool_calls"] = calls
            messages.append(msg)
    out: dict[str, Any] = {"model": body.get("model"), "messages": messages}
    if body.get("max_tokens") is not None:
        out["max_tokens"] = body["max_tokens"]
    for key in ("temperature", "top_p", "stream"):
        if body.get(key) is not None:
            out[key] = body[key]
    if body.get("stop_sequences"):
        out["stop"] = body["stop_sequences"]
    extras = {key: body[key] for key in ("top_k", "metadata") if body.get(key) is not None}
    if extras:
        out[ANTHROPIC_PARAMS] = extras
    tools = [
        {
            "type": "function",
            "function": {
                "name": t.get("name", ""),
                "description": t.get("description", ""),
                "parameters": t.get("input_schema") or {"type": "object", "properties": {}},
            },
        }
        for t in body.get("tools") or []
        if isinstance(t, dict) and t.get("name")
    ]
    if tools:
        out["tools"] = tools
    choice = body.get("tool_choice")
    if isinstance(choice, dict):
        kind = choice.get("type")
        if kind == "auto":
            out["tool_choice"] = "auto"
        elif kind == "any":
            out["tool_choice"] = "required"
        elif kind == "none":
            out["tool_choice"] = "none"
        elif kind == "tool":
            out["tool_choice"] = {"type": "function", "function": {"name": choice.get("name", "")}}
    thinking = body.get("thinking")
    if isinstance(thinking, dict) and thinking.get("type") == "enabled":
        budget = int(thinking.get("budget_tokens") or 0)
        out["reasoning_effort"] = "low" if budget < 2048 else "medium" if budget < 8192 else "high"
    return out


def _message_id(openai_id: str) -> str:
    return openai_id if openai_id.startswith("msg_") else "msg_" + openai_id.removeprefix("chatcmpl-")


def from_openai(resp: dict[str, Any]) -> dict[str, Any]:
    choice = (resp.get("choices") or [{}])[0]
    message = choice.get("message") or {}
    content: list[dict[str, Any]] = []
    if message.get("content"):
        content.append({"type": "text", "text": message["content"]})
    for tc in message.get("tool_calls") or []:
        fn = tc.get("function") or {}
        try:
            args = json.loads(fn.get("arguments") or "{}")
        except ValueError:
            args = {"_raw": fn.get("arguments")}
        content.append(
            {"type": "tool_use", "id": tc.get("id", ""), "name": fn.get("name", ""), "input": args}
        )
    usage = resp.get("usage") or {}
    return {
        "id": _message_id(str(resp.get("id") or "")),
        "type": "message",
        "role": "assistant",
        "model": resp.get("model", ""),
        "content": content,
        "stop_reason": STOP_REASON.get(choice.get("finish_reason") or "stop", "end_turn"),
        "stop_sequence": None,
        "usage": {
            "input_tokens": usage.get("prompt_tokens", 0),
            "output_tokens": usage.get("completion_tokens", 0),
        },
    }


def _event(name: str, data: dict[str, Any]) -> bytes:
    return f"event: {name}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


async def anthropic_events(
    chunks: AsyncIterator[Any], prompt_tokens: Callable[[], int | None] = lambda: None
) -> AsyncIterator[bytes]:
    """Chat completion chunks (and a trailing GatewayError on failure) as Anthropic stream events.

    `prompt_tokens()` is asked when message_start goes out, which Anthropic gives the input tokens.
    """
    started = False
    index = -1
    open_kind: str | None = None
    stop_reason = "end_turn"
    usage: dict[str, Any] = {}

    async for item in chunks:
        if isinstance(item, bytes):  # keepalive
            yield b'event: ping\ndata: {"type":"ping"}\n\n'
            continue
        if isinstance(item, GatewayError):
            if open_kind is not None:
                yield _event("content_block_stop", {"type": "content_block_stop", "index": index})
            yield _event("error", item.anthropic_body())
            return
        if not started:
            started = True
            yield _event(
                "message_start",
                {
                    "type": "message_start",
                    "message": {
                        "id": _message_id(str(item.get("id") or "")),
                        "type": "message",
                        "role": "assistant",
                        "model": item.get("model", ""),
                        "content": [],
                        "stop_reason": None,
                        "stop_sequence": None,
                        "usage": {"input_tokens": prompt_tokens() or 0, "output_tokens": 0},
                    },
                },
            )
        if item.get("usage"):
            usage = item["usage"]
        for choice in item.get("choices") or []:
            if choice.get("index", 0) != 0:
                continue
            delta = choice.get("delta") or {}
            if delta.get("content"):
                if open_kind != "text":
                    if open_kind is not None:
                        yield _event("content_block_stop", {"type": "content_block_stop", "index": index})
                    index += 1
                    open_kind = "text"
                    block: dict[str, Any] = {"type": "text", "text": ""}
                    yield _event(
                        "content_block_start",
                        {"type": "content_block_start", "index": index, "content_block": block},
                    )
                delta_ev = {"type": "text_delta", "text": delta["content"]}
                yield _event(
                    "content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta_ev}
                )
            for tc in delta.get("tool_calls") or []:
                fn = tc.get("function") or {}
                if tc.get("id"):
                    if open_kind is not None:
                        yield _event("content_block_stop", {"type": "content_block_stop", "index": index})
                    index += 1
                    open_kind = "tool"
                    block = {
                        "type": "tool_use",
                        "id": tc["id"],
                        "name": fn.get("name", ""),
                        "input": {},
                    }
                    yield _event(
                        "content_block_start",
                        {"type": "content_block_start", "index": index, "content_block": block},
                    )
                if fn.get("arguments"):
                    delta_ev = {"type": "input_json_delta", "partial_json": fn["arguments"]}
                    yield _event(
                        "content_block_delta",
                        {"type": "content_block_delta", "index": index, "delta": delta_ev},
                    )
            if choice.get("finish_reason"):
                stop_reason = STOP_REASON.get(choice["finish_reason"], "end_turn")
    if open_kind is not None:
        yield _event("content_block_stop", {"type": "content_block_stop", "index": index})
    yield _event(
        "message_delta",
        {
            "type": "message_delta",
            "delta": {"stop_reason": stop_reason, "stop_sequence": None},
            "usage": {
                "input_tokens": usage.get("prompt_tokens", 0),
                "output_tokens": usage.get("completion_tokens", 0),
            },
        },
    )
    yield _event("message_stop", {"type": "message_stop"})
