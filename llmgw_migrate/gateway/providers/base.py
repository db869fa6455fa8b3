"""What every provider adapter does: OpenAI chat/embeddings requests in, upstream calls out, and back."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from llmgw_migrate.gateway.routing import Attempt

# Fields of an Anthropic-format request (/v1/messages) that only an Anthropic upstream understands
# (top_k, metadata): carried under this key, read by the Anthropic adapter, stripped for the others.
ANTHROPIC_PARAMS = "anthropic_params"

# Body fields the gateway itself consumes: never sent to a provider.
GATEWAY_ONLY = frozenset(
    {"routing", "web_search", "free_models_only", "no_reasoning", "provider", "plugins", ANTHROPIC_PARAMS}
)


class UpstreamStreamError(Exception):
    """The upstream reported an error inside an event stream (or broke the stream's format).

    `status`, `type` and `code` say how the client sees it: an Anthropic `overloaded_error` stays an
    overload (529), a rate limit stays 429; anything else is a 502.
    """

    def __init__(
        self, message: str, status: int = 502, type: str = "api_error", code: str = "upstream_error"
    ) -> None:
        super().__init__(message)
        self.status = status
        self.type = type
        self.code = code


class InvalidAnswer(ValueError):
    """An upstream's 2xx answer does not have the shape of one (502, and no cost is charged)."""


@dataclass
class UpstreamCall:
    url: str
    headers: dict[str, str]
    body: dict[str, Any]

    def encoded(self) -> bytes:
        return json.dumps(self.body, separators=(",", ":"), ensure_ascii=False).encode()


class StreamDecoder(Protocol):
    done: bool

    def feed(self, event: str | None, data: str) -> list[dict[str, Any]]:
        """OpenAI chat.completion.chunk dicts for one upstream SSE event (may be empty)."""
        ...


class ChatAdapter(Protocol):
    name: str
    supports_embeddings: bool

    def chat_request(self, attempt: Attempt, body: dict[str, Any], stream: bool) -> UpstreamCall: ...

    def chat_response(self, data: dict[str, Any], attempt: Attempt) -> dict[str, Any]: ...

    def stream_decoder(self, attempt: Attempt) -> StreamDecoder: ...

    def embeddings_request(self, attempt: Attempt, body: dict[str, Any]) -> UpstreamCall: ...

    def embeddings_response(self, data: dict[str, Any], attempt: Attempt) -> dict[str, Any]: ...


def join_url(base: str, path: str) -> str:
    """base + path, without doubling a version segment (`http://host/v1` + `/v1/chat/completions`)."""
    base = base.rstrip("/")
    path = "/" + path.lstrip("/")
    for version in ("/v1", "/v1beta"):
        if base.endswith(version) and path.startswith(version + "/"):
            base = base[: -len(version)]
            break
    return base + path


def error_message(data: Any, fallback: str) -> str:
    """The human message inside any provider's error body (OpenAI, Anthropic, Google shapes)."""
    if isinstance(data, list) and data:
        data = data[0]
    if isinstance(data, dict):
        err = data.get("error", data)
        if isinstance(err, dict):
            msg = err.get("message") or err.get("msg")
            if isinstance(msg, str) and msg:
                return msg
        if isinstance(err, str) and err:
            return err
        if isinstance(data.get("message"), str):
            return str(data["message"])
    return fallback


def openai_reasoning(body: dict[str, Any]) -> None:
    """The gateway's `reasoning: {effort}` becomes OpenAI's `reasoning_effort`."""
    reasoning = body.pop("reasoning", None)
    if isinstance(reasoning, dict) and reasoning.get("effort") and "reasoning_effort" not in body:
        body["reasoning_effort"] = reasoning["effort"]


def now() -> int:
    return int(time.time())


def text_of(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            p.get("text", "") if isinstance(p, dict) else str(p)
            for p in content
            if not isinstance(p, dict) or p.get("type") in (None, "text", "input_text")
        )
    return str(content)


def tool_args(raw: Any) -> Any:
    """OpenAI tool-call arguments (a JSON string) as an object for providers that want one."""
    if isinstance(raw, dict):
        return raw
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except (TypeError, ValueError):
        return {"_raw": raw}
    return value if isinstance(value, dict) else {"value": value}
