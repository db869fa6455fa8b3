"""Failure injection for the fake upstream: error statuses, hangs, resets, and broken answers.

A fault is picked per request (header `x-fake-fail`, a model named `fail-<kind>`) or per server
(option `fail`). Kinds:
- a status: `500`, `502`, `503`, `504`, `529`, `429` (with Retry-After), `400`, `401`;
- `timeout` (hang), `disconnect` (reset before answering);
- broken successes: `redirect` (307 elsewhere), `gzip-bomb` (a small gzip body that expands to
  `x-fake-bomb-bytes` or the option `bomb_bytes`, default 300 MB), `empty-object` (`{}`),
  `null-choices` (`{"choices": null}`, or the format's own list as null), `malformed` (truncated JSON);
- in streams, after two content events: `midstream` (connection reset), `no-terminator` (the stream
  just ends: no finish, no [DONE] / message_stop), `overloaded-midstream` (an error event: Anthropic's
  `overloaded_error`, or the OpenAI-style error object); `slow-sse` paces events by
  `x-fake-chunk-delay` seconds (default 0.2).
"""

from __future__ import annotations

import asyncio
import functools
import json
import zlib
from typing import Any

from aiohttp import web

TIMEOUT_SLEEP = 120.0  # "timeout" failures hang this long (or until the client gives up)
BOMB_BYTES = 300 * 1024 * 1024

_FAIL_STATUS = {
    "500": 500,
    "502": 502,
    "503": 503,
    "504": 504,
    "529": 529,
    "429": 429,
    "400": 400,
    "401": 401,
}
SPECIAL = frozenset({"timeout", "disconnect"})
STREAM = frozenset({"midstream", "no-terminator", "overloaded-midstream", "slow-sse"})
BROKEN = frozenset({"redirect", "gzip-bomb", "empty-object", "null-choices", "malformed"})
KINDS = frozenset(_FAIL_STATUS) | SPECIAL | STREAM | BROKEN


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(
        body=json.dumps(data, separators=(",", ":")).encode(),
        status=status,
        content_type="application/json",
        headers=headers,
    )


def error_body(fmt: str, status: int, message: str) -> dict[str, Any]:
    etype = {400: "invalid_request_error", 401: "authentication_error", 429: "rate_limit_error"}.get(
        status, "api_error" if fmt != "google" else "INTERNAL"
    )
    if fmt == "anthropic":
        return {"type": "error", "error": {"type": etype, "message": message}}
    if fmt == "google":
        return {"error": {"code": status, "message": message, "status": etype.upper()}}
    return {"error": {"message": message, "type": etype, "param": None, "code": str(status)}}


class Abort(Exception):
    """Ends a handler early with a ready response (turned into the answer by `abort_middleware`)."""

    def __init__(self, response: web.StreamResponse) -> None:
        super().__init__(response.status)
        self.response = response

    @classmethod
    def json(cls, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Abort:
        return cls(json_response(body, status, headers or None))


@web.middleware
async def abort_middleware(request: web.Request, handler: Any) -> web.StreamResponse:
    try:
        return await handler(request)
    except Abort as exc:
        return exc.response


@functools.lru_cache(maxsize=4)
def _bomb(size: int) -> bytes:
    """`size` zero bytes, gzipped (about 1,000:1): built once per size, it takes a second at 300 MB."""
    zeros = b"\0" * (1 << 20)
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: the gzip container
    parts = []
    left = size
    while left > 0:
        piece = zeros[: min(left, len(zeros))]
        parts.append(comp.compress(piece))
        left -= len(piece)
    parts.append(comp.flush())
    return b"".join(parts)


_NULL_LIST = {"openai": "choices", "anthropic": "content", "google": "candidates", "embeddings": "data"}


def _broken(request: web.Request, fail: str, fmt: str, bomb_bytes: int) -> web.StreamResponse:
    if fail == "redirect":
        return web.Response(status=307, headers={"Location": "http://127.0.0.1:9" + request.path_qs})
    if fail == "gzip-bomb":
        size = int(request.headers.get("x-fake-bomb-bytes") or bomb_bytes)
        return web.Response(
            body=_bomb(size),
            headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
        )
    if fail == "empty-object":
        return json_response({})
    if fail == "null-choices":
        return json_response({"id": "broken-1", _NULL_LIST[fmt]: None})
    return web.Response(
        body=b'{"id": "broken-1", "choices": [{"index": 0, "mess', content_type="application/json"
    )


def raise_failure(
    request: web.Request, fail: str | None, fmt: str, retry_after: int, bomb_bytes: int = BOMB_BYTES
) -> None:
    """Answer now when `fail` is a status or a broken success (`fmt`: openai/anthropic/google/embeddings)."""
    if not fail or fail in SPECIAL or fail in STREAM:
        return
    if fail in BROKEN:
        raise Abort(_broken(request, fail, fmt, bomb_bytes))
    status = _FAIL_STATUS.get(fail, 500)
    headers = {"Retry-After": str(retry_after)} if status == 429 else {}
    fmt = "openai" if fmt == "embeddings" else fmt
    raise Abort.json(status, error_body(fmt, status, f"fake upstream failure {status}"), headers)


async def special_failure(request: web.Request, fail: str | None, hanging: set[asyncio.Task[Any]]) -> None:
    if fail == "timeout":
        task = asyncio.current_task()
        assert task is not None
        hanging.add(task)
        try:
            await asyncio.sleep(TIMEOUT_SLEEP)
        finally:
            hanging.discard(task)
    if fail == "disconnect":
        if request.transport is not None:
            request.transport.abort()
        raise ConnectionResetError("fake disconnect")


def chunk_delay(request: web.Request, fail: str | None, default: float) -> float:
    if fail == "slow-sse":
        return float(request.headers.get("x-fake-chunk-delay") or 0.2)
    return default


_OVERLOADED = {
    "anthropic": b"event: error\ndata: "
    b'{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n',
    "openai": b'data: {"error":{"message":"Overloaded","type":"overloaded_error","code":"529"}}\n\n',
    "google": b'data: {"error":{"code":503,"message":"The model is overloaded.","status":"UNAVAILABLE"}}\n\n',
}


async def midstream_fault(
    request: web.Request, resp: web.StreamResponse, fail: str | None, sent: int, fmt: str
) -> bool:
    """Inject a stream fault once `sent` content events went out; True when the stream must end here."""
    if sent < 2 or fail not in ("midstream", "no-terminator", "overloaded-midstream"):
        return False
    if fail == "midstream":
        # Drop the connection mid-body, after letting the events already sent reach the client.
        await asyncio.sleep(0.05)
        if request.transport is not None:
            request.transport.abort()
    elif fail == "no-terminator":
        await resp.write_eof()
    else:
        await resp.write(_OVERLOADED[fmt])
        await resp.write_eof()
    return True
