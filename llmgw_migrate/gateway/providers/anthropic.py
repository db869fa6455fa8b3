"""Anthropic Messages API behind OpenAI chat completions (requests, responses, streams, tool calls)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from llmgw_migrate.gateway.errors import bad_request
from llmgw_migrate.gateway.providers.base import (
    ANTHROPIC_PARAMS,
    InvalidAnswer,
    UpstreamCall,
    UpstreamStreamError,
    error_message,
    join_url,
    now,
    text_of,
    tool_args,
)

if TYPE_CHECKING:
    from llmgw_migrate.gateway.routing import Attempt

ANTHROPIC_VERSION = "2023-06-01"
DEFAULT_MAX_TOKENS = 4096

FINISH = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "tool_use": "tool_calls",
    "refusal": "content_filter",
    "pause_turn": "stop",
}


def _image_block(part: dict[str, Any]) -> dict[str, Any]:
    url = (
        (part.get("image_url") or {}).get("url", "")
        if isinstance(part.get("image_url"), dict)
        else str(part.get("image_url") or "")
    )
    if url.startswith("data:") and ";base64," in url:
        media, data = url[5:].split(";base64,", 1)
        return {"type": "image", "source": {"type": "base64", "media_type": media, "data": data}}
    return {"type": "image", "source": {"type": "url", "url": url}}


def _content_blocks(content: Any) -> list[dict[str, Any]]:
    if content is None:
        return []
    if isinstance(content, str):
        return [{"type": "text", "text": content}] if content else []
    blocks = []
    for part in content if isinstance(content, list) else [content]:
        if isinstance(part, str):
            blocks.append({"type": "text", "text": part})
        elif isinstance(part, dict):
            if part.get("type") in ("text", "input_text"):
                blocks.append({"type": "text", "text": part.get("text", "")})
            elif part.get("type") == "image_url":
                blocks.append(_image_block(part))
    return blocks


def to_anthropic(body: dict[str, Any], model: str, default_max_tokens: int) -> dict[str, Any]:
    """An OpenAI chat completions body as an Anthropic Messages body."""
    system: list[str] = []
    messages: list[dict[str, Any]] = []

    def push(role: str, blocks: list[dict[str, Any]]) -> None:
        if not blocks:
            return
        if messages and messages[-1]["role"] == role:
            messages[-1]["content"].extend(blocks)  # Anthropic wants alternating roles
        else:
            messages.append({"role": role, "content": blocks})

    for m in body.get("messages") or []:
        if not isinstance(m, dict):
            raise bad_request("each message must be an object", param="messages")
        role = m.get("role")
        if role in ("system", "developer"):
            system.append(text_of(m.get("content")))
        elif role == "user":
            push("user", _content_blocks(m.get("content")))
        elif role == "assistant":
            blocks = _content_blocks(m.get("content"))
            for tc in m.get("tool_calls") or []:
                fn = tc.get("function") or {}
                blocks.append(
                    {
                        "type": "tool_use",
                        "id": tc.get("id") or "",
                        "name": fn.get("name", ""),
                        "input": tool_args(fn.get("arguments")),
                    }
                )
            push("assistant", blocks)
        elif role == "tool":
            result = {
                "type": "tool_result",
                "tool_use_id": m.get("tool_call_id") or "",
                "content": text_of(m.get("content")),
            }
            push("user", [result])
        else:
            raise bad_request(f"unsupported message role {role!r}", param="messages")
    out: dict[str, Any] = {
        "model": model,
        "messages": messages,
        "max_tokens": body.get("max_tokens") or default_max_tokens,
    }
    if system:
        out["system"] = "\n\n".join(s for s in system if s)
    for src, dst in (("temperature", "temperature"), ("top_p", "top_p"), ("top_k", "top_k")):
        if body.get(src) is not None:
            out[dst] = body[src]
    extras = body.get(ANTHROPIC_PARAMS)
    if isinstance(extras, dict):
        if extras.get("top_k") is not None:
            out["top_k"] = extras["top_k"]
        if isinstance(extras.get("metadata"), dict):
            out["metadata"] = extras["metadata"]
    stop = body.get("stop")
    if stop:
        out["stop_sequences"] = [stop] if isinstance(stop, str) else list(stop)
    tools = []
    for t in body.get("tools") or []:
        fn = t.get("function") if isinstance(t, dict) else None
        if isinstance(fn, dict):
            tools.append(
                {
                    "name": fn.get("name", ""),
                    "description": fn.get("description", ""),
                    "input_schema": fn.get("parameters") or {"type": "object", "properties": {}},
                }
            )
    if tools:
        out["tools"] = tools
    choice = body.get("tool_choice")
    if tools and choice is not None:
        if choice == "auto":
            out["tool_choice"] = {"type": "auto"}
        elif choice == "required":
            out["tool_choice"] = {"type": "any"}
        elif choice == "none":
            out["tool_choice"] = {"type": "none"}
        elif isinstance(choice, dict) and isinstance(choice.get("function"), dict):
            out["tool_choice"] = {"type": "tool", "name": choice["function"].get("name", "")}
    reasoning = body.get("reasoning")
    effort = body.get("reasoning_effort") or (
        reasoning.get("effort") if isinstance(reasoning, dict) else None
    )
    budgets = {"minimal": 1024, "low": 1024, "medium": 4096, "high": 16384}
    if effort in budgets:
        out["thinking"] = {"type": "enabled", "budget_tokens": budgets[effort]}
        out["max_tokens"] = max(int(out["max_tokens"]), budgets[effort] + 1024)
    return out


# Anthropic's error types inside a stream -> (status, type, code) the client sees.
STREAM_ERRORS = {
    "overloaded_error": (529, "overloaded", "overloaded"),
    "rate_limit_error": (429, "rate_limit_error", "rate_limit_exceeded"),
    "timeout_error": (504, "timeout_error", "timeout"),
}


def chat_id(message_id: str) -> str:
    """A chat-completion-style id for an Anthropic message id (`msg_x` -> `chatcmpl-x`)."""
    return "chatcmpl-" + message_id.removeprefix("msg_") if message_id else ""


def from_anthropic(data: dict[str, Any]) -> dict[str, Any]:
    """An Anthropic message as an OpenAI chat.completion."""
    if not isinstance(data.get("content"), list):
        raise InvalidAnswer("an Anthropic message without a content array")
    text = []
    reasoning = []
    tool_calls = []
    for block in data.get("content") or []:
        btype = block.get("type")
        if btype == "text":
            text.append(block.get("text", ""))
        elif btype == "thinking":
            reasoning.append(block.get("thinking", ""))
        elif btype == "tool_use":
            tool_calls.append(
                {
                    "id": block.get("id", ""),
                    "type": "function",
                    "function": {
                        "name": block.get("name", ""),
                        "arguments": json.dumps(block.get("input") or {}),
                    },
                }
            )
    message: dict[str, Any] = {
        "role": "assistant",
        "content": "".join(text) if text or not tool_calls else None,
    }
    if reasoning:
        message["reasoning"] = "".join(reasoning)
    if tool_calls:
        message["tool_calls"] = tool_calls
    usage = data.get("usage") or {}
    return {
        "id": chat_id(str(data.get("id") or "")),
        "object": "chat.completion",
        "created": now(),
        "model": data.get("model", ""),
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": FINISH.get(data.get("stop_reason") or "", "stop"),
            }
        ],
        "usage": _usage(usage),
    }


def _usage(usage: dict[str, Any]) -> dict[str, Any]:
    cached = int(usage.get("cache_read_input_tokens") or 0)
    prompt = int(usage.get("input_tokens") or 0) + cached + int(usage.get("cache_creation_input_tokens") or 0)
    completion = int(usage.get("output_tokens") or 0)
    out: dict[str, Any] = {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }
    if cached:
        out["prompt_tokens_details"] = {"cached_tokens": cached}
    return out


class AnthropicStreamDecoder:
    """Anthropic stream events -> OpenAI chunks (text deltas, tool-call deltas, finish, usage)."""

    def __init__(self) -> None:
        self.done = False
        self.id = ""
        self.model = ""
        self.created = now()
        self.usage: dict[str, Any] = {}
        self.tool_index: dict[int, int] = {}

    def _chunk(self, delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }

    def feed(self, event: str | None, data: str) -> list[dict[str, Any]]:
        try:
            ev = json.loads(data)
        except ValueError:
            raise UpstreamStreamError("the provider sent an invalid stream event") from None
        kind = ev.get("type") or event
        if kind == "message_start":
            msg = ev.get("message") or {}
            self.id, self.model = chat_id(str(msg.get("id") or "")), msg.get("model", "")
            self.usage.update(msg.get("usage") or {})
            return [self._chunk({"role": "assistant", "content": ""})]
        if kind == "content_block_start":
            block = ev.get("content_block") or {}
            if block.get("type") == "tool_use":
                idx = len(self.tool_index)
                self.tool_index[int(ev.get("index", 0))] = idx
                call = {
                    "index": idx,
                    "id": block.get("id", ""),
                    "type": "function",
                    "function": {"name": block.get("name", ""), "arguments": ""},
                }
                return [self._chunk({"tool_calls": [call]})]
            return []
        if kind == "content_block_delta":
            delta = ev.get("delta") or {}
            if delta.get("type") == "text_delta":
                return [self._chunk({"content": delta.get("text", "")})]
            if delta.get("type") == "thinking_delta":
                return [self._chunk({"reasoning": delta.get("thinking", "")})]
            if delta.get("type") == "input_json_delta":
                idx = self.tool_index.get(int(ev.get("index", 0)), 0)
                return [
                    self._chunk(
                        {
                            "tool_calls": [
                                {"index": idx, "function": {"arguments": delta.get("partial_json", "")}}
                            ]
                        }
                    )
                ]
            return []
        if kind == "message_delta":
            self.usage.update({k: v for k, v in (ev.get("usage") or {}).items() if v is not None})
            reason = (ev.get("delta") or {}).get("stop_reason")
            chunk = self._chunk({}, FINISH.get(reason or "", "stop"))
            return [chunk]
        if kind == "message_stop":
            self.done = True
            final = self._chunk({})
            final["choices"] = []
            final["usage"] = _usage(self.usage)
            return [final]
        if kind == "error":
            err = ev.get("error") if isinstance(ev.get("error"), dict) else {}
            status, etype, code = STREAM_ERRORS.get(
                str(err.get("type")), (502, "api_error", "upstream_error")
            )
            raise UpstreamStreamError(
                error_message(ev, "the provider reported a stream error"), status, etype, code
            )
        return []

    @property
    def prompt_tokens(self) -> int | None:
        """The input tokens message_start reported (None before it)."""
        if not self.usage:
            return None
        return int(_usage(self.usage)["prompt_tokens"])


class AnthropicAdapter:
    name = "anthropic"
    supports_embeddings = False

    def chat_request(self, attempt: Attempt, body: dict[str, Any], stream: bool) -> UpstreamCall:
        max_out = attempt.mapping.max_output if attempt.mapping and attempt.mapping.max_output else None
        out = to_anthropic(
            body, attempt.upstream_model, min(max_out or DEFAULT_MAX_TOKENS, DEFAULT_MAX_TOKENS)
        )
        if stream:
            out["stream"] = True
        headers = {"Content-Type": "application/json", "anthropic-version": ANTHROPIC_VERSION}
        key = attempt.access.next_key()
        if key:
            headers["x-api-key"] = key
        return UpstreamCall(join_url(attempt.access.base_url or "", "/v1/messages"), headers, out)

    def chat_response(self, data: dict[str, Any], attempt: Attempt) -> dict[str, Any]:
        return from_anthropic(data)

    def stream_decoder(self, attempt: Attempt) -> AnthropicStreamDecoder:
        return AnthropicStreamDecoder()

    def embeddings_request(self, attempt: Attempt, body: dict[str, Any]) -> UpstreamCall:
        raise bad_request("Anthropic has no embeddings API", code="unsupported_provider")

    def embeddings_response(self, data: dict[str, Any], attempt: Attempt) -> dict[str, Any]:
        return data
