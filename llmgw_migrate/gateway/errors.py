"""The gateway's error envelopes (OpenAI-style for /v1/chat/completions, Anthropic-style for /v1/messages)."""

from __future__ import annotations

import json
from typing import Any

# status -> (type, code) the hosted gateway uses for errors it raises itself.
_DEFAULTS: dict[int, tuple[str, str]] = {
    400: ("invalid_request_error", "invalid_parameters"),
    401: ("invalid_request_error", "invalid_api_key"),
    402: ("billing_error", "billing_error"),
    403: ("permission_denied", "permission_denied"),
    404: ("invalid_request_error", "not_found"),
    410: ("invalid_request_error", "model_deactivated"),
    413: ("invalid_request_error", "request_too_large"),
    415: ("invalid_request_error", "unsupported_media_type"),
    422: ("invalid_request_error", "invalid_parameters"),
    429: ("rate_limit_error", "rate_limit_exceeded"),
    504: ("timeout_error", "timeout"),
    529: ("overloaded", "overloaded"),
}

# Anthropic's own error types, for /v1/messages.
_ANTHROPIC_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    410: "invalid_request_error",
    413: "request_too_large",
    415: "invalid_request_error",
    429: "rate_limit_error",
    504: "timeout_error",
    529: "overloaded_error",
}


class GatewayError(Exception):
    """An error answered to the client in the gateway's envelope."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str | None = None,
        code: str | None = None,
        param: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        default_type, default_code = _DEFAULTS.get(status, ("api_error", "upstream_error"))
        self.status = status
        self.message = message
        self.type = type or default_type
        self.code = code or default_code
        self.param = param
        self.headers = headers or {}

    def openai_body(self) -> dict[str, Any]:
        return {"error": {"message": self.message, "type": self.type, "param": self.param, "code": self.code}}

    def anthropic_body(self) -> dict[str, Any]:
        etype = _ANTHROPIC_TYPES.get(self.status, "api_error")
        return {"type": "error", "error": {"type": etype, "message": self.message}}

    def body_bytes(self, anthropic: bool = False) -> bytes:
        body = self.anthropic_body() if anthropic else self.openai_body()
        return json.dumps(body, separators=(",", ":")).encode()


def bad_request(message: str, code: str = "invalid_parameters", param: str | None = None) -> GatewayError:
    return GatewayError(400, message, code=code, param=param)
