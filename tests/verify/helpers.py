"""Builders for hand-made answers, so compare tests read as before/after pairs."""

from __future__ import annotations

import copy
import dataclasses
import json
from typing import Any

from llmgw_migrate.verify.replay import Exchange, parse_sse
from llmgw_migrate.verify.suite import CHAT, EMBEDDINGS, WEATHER_TOOL, Case


def chat_case(**body: Any) -> Case:
    base: dict[str, Any] = {
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": "hi"}],
        "temperature": 0,
    }
    base.update(body)
    return Case(
        id="c1", endpoint=CHAT, body=base, model="gpt-4o-mini", after_model="openai/gpt-4o-mini", kind="chat"
    )


def error_case(kind: str = "unknown-model") -> Case:
    """A built-in case meant to fail on both sides (error parity)."""
    return dataclasses.replace(chat_case(), id=kind, kind=kind)


def tool_case() -> Case:
    return chat_case(tools=[WEATHER_TOOL], tool_choice="required")


def embed_case() -> Case:
    return Case(
        id="e1",
        endpoint=EMBEDDINGS,
        body={"model": "embed", "input": "abc"},
        model="embed",
        after_model="openai/text-embedding-3-small",
        kind="embeddings",
    )


def chat_body(
    content: str | None = "Salt comes from rocks.", model: str = "gpt-4o-mini", **extra: Any
) -> dict:
    body: dict[str, Any] = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": model,
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
    }
    body.update(extra)
    return body


def tool_body(args: dict[str, Any] | str, name: str = "get_weather", model: str = "gpt-4o-mini") -> dict:
    body = chat_body(None, model=model)
    body["choices"][0]["finish_reason"] = "tool_calls"
    body["choices"][0]["message"]["tool_calls"] = [
        {
            "id": "call_1",
            "type": "function",
            "function": {"name": name, "arguments": args if isinstance(args, str) else json.dumps(args)},
        }
    ]
    return body


def ok(body: Any, status: int = 200) -> Exchange:
    return Exchange(status=status, body=copy.deepcopy(body), headers={"content-type": "application/json"})


def err(status: int, message: str = "nope", etype: str = "invalid_request_error") -> Exchange:
    return ok({"error": {"message": message, "type": etype, "param": None, "code": str(status)}}, status)


def sse(events: list[Any], done: bool = True, model: str = "gpt-4o-mini") -> Exchange:
    lines = []
    for ev in events:
        data = ev if isinstance(ev, str) else json.dumps(ev)
        lines.append(f"data: {data}\n\n")
    if done:
        lines.append("data: [DONE]\n\n")
    return Exchange(
        status=200, stream=parse_sse("".join(lines)), headers={"content-type": "text/event-stream"}
    )


def chunk(delta: dict[str, Any], finish: str | None = None, model: str = "gpt-4o-mini", **extra: Any) -> dict:
    out: dict[str, Any] = {
        "id": "c",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    out.update(extra)
    return out


def text_stream(text: str, model: str = "gpt-4o-mini", roles: int = 1, usage: bool = False) -> list[Any]:
    events: list[Any] = [chunk({"role": "assistant", "content": ""}, model=model) for _ in range(roles)]
    for word in text.split(" "):
        events.append(chunk({"content": word + " "}, model=model))
    events.append(chunk({}, "stop", model=model))
    if usage:
        events.append(
            {
                "id": "c",
                "object": "chat.completion.chunk",
                "created": 1,
                "model": model,
                "choices": [],
                "usage": {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7, "cost": 0.1},
            }
        )
    return events
