"""OpenAI-compatible providers (openai, groq, deepseek, xai, mistral, together-ai, ... and custom ones).

The request is forwarded as is (model swapped for the provider's own name); streams ask for the usage
chunk so the gateway can always report usage and cost.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from llmgw_migrate.gateway.providers.base import (
    GATEWAY_ONLY,
    UpstreamCall,
    UpstreamStreamError,
    error_message,
    join_url,
    openai_reasoning,
)

if TYPE_CHECKING:
    from llmgw_migrate.gateway.routing import Attempt


class OpenAIStreamDecoder:
    def __init__(self) -> None:
        self.done = False

    def feed(self, event: str | None, data: str) -> list[dict[str, Any]]:
        if data.strip() == "[DONE]":
            self.done = True
            return []
        try:
            chunk = json.loads(data)
        except ValueError:
            raise UpstreamStreamError("the provider sent an invalid stream event") from None
        if not isinstance(chunk, dict):
            return []
        if event == "error" or ("error" in chunk and "choices" not in chunk):
            raise UpstreamStreamError(error_message(chunk, "the provider reported a stream error"))
        choices = chunk.get("choices")
        if choices is not None and not (
            isinstance(choices, list)
            and all(isinstance(c, dict) and isinstance(c.get("delta", {}), dict) for c in choices)
        ):
            raise UpstreamStreamError("the provider sent a stream chunk with malformed choices")
        if chunk.get("usage") is not None and not isinstance(chunk["usage"], dict):
            chunk.pop("usage")
        return [chunk]


class OpenAICompatibleAdapter:
    supports_embeddings = True

    def __init__(
        self, name: str, chat_path: str = "/v1/chat/completions", *, stream_usage: bool = True
    ) -> None:
        self.name = name
        self.chat_path = chat_path
        # Whether the provider accepts `stream_options.include_usage`; the others send usage on their own
        # (or not at all, and the gateway estimates it) and may reject the unknown field.
        self.stream_usage = stream_usage
        self.embeddings_path = chat_path.rsplit("/chat/completions", 1)[0] + "/embeddings"

    def _headers(self, attempt: Attempt) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        key = attempt.access.next_key()
        if key:
            headers["Authorization"] = f"Bearer {key}"
        return headers

    def _base(self, attempt: Attempt) -> str:
        base = attempt.access.base_url or ""
        if attempt.custom:
            # Custom providers are configured WITHOUT /v1 (the gateway appends /v1/chat/completions).
            base = base.rstrip("/").removesuffix("/v1")
        return base

    def chat_request(self, attempt: Attempt, body: dict[str, Any], stream: bool) -> UpstreamCall:
        out = {k: v for k, v in body.items() if k not in GATEWAY_ONLY}
        out["model"] = attempt.upstream_model
        openai_reasoning(out)
        if stream:
            out["stream"] = True
            options = out.get("stream_options")
            if self.stream_usage:
                out["stream_options"] = {
                    **(options if isinstance(options, dict) else {}),
                    "include_usage": True,
                }
        else:
            out.pop("stream", None)
            out.pop("stream_options", None)
        return UpstreamCall(join_url(self._base(attempt), self.chat_path), self._headers(attempt), out)

    def chat_response(self, data: dict[str, Any], attempt: Attempt) -> dict[str, Any]:
        return data

    def stream_decoder(self, attempt: Attempt) -> OpenAIStreamDecoder:
        return OpenAIStreamDecoder()

    def embeddings_request(self, attempt: Attempt, body: dict[str, Any]) -> UpstreamCall:
        out = {k: v for k, v in body.items() if k not in GATEWAY_ONLY}
        out["model"] = attempt.upstream_model
        return UpstreamCall(join_url(self._base(attempt), self.embeddings_path), self._headers(attempt), out)

    def embeddings_response(self, data: dict[str, Any], attempt: Attempt) -> dict[str, Any]:
        return data
