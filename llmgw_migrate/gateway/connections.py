"""Slow and hostile clients: header and body read timeouts, a connection cap, and HTTP/1.0 framing.

uvicorn has none of the first three (its keep-alive timeout only runs between requests), so a client
that opens a connection and sends half a request holds a file descriptor forever. `guarded_protocol`
extends uvicorn's httptools protocol, which `server.uvicorn_config` hands to uvicorn:

- header timeout: from the connection (or the first byte of the next request on a kept-alive one) to
  the end of the request headers; past it the connection is closed;
- body timeout: from the end of the headers to the end of the body; past it the client gets 408 and the
  connection is closed (the handler waiting for the body sees a disconnect);
- connection cap: past `max_connections`, the connection idle the longest (no request in progress)
  is closed to make room; with none idle, the new connection gets 503;
- HTTP/1.0 clients cannot read chunked encoding: their streamed answers are delimited by closing.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from dataclasses import dataclass, field
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle

log = logging.getLogger("llmgw_migrate.gateway")


@dataclass
class ConnectionLimits:
    header_timeout: float
    body_timeout: float
    max_connections: int
    # Protocols without a request in progress, oldest first (dicts keep insertion order).
    idle: dict[Any, None] = field(default_factory=dict, repr=False)
    evicted: int = 0
    timed_out: int = 0


def _raw_response(status: str, message: str, code: str) -> bytes:
    body = json.dumps(
        {"error": {"message": message, "type": "invalid_request_error", "param": None, "code": code}},
        separators=(",", ":"),
    ).encode()
    head = (
        f"HTTP/1.1 {status}\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
    ).encode()
    return head + body


_TIMEOUT_408 = _raw_response("408 Request Timeout", "Request body not received in time", "request_timeout")
_FULL_503 = _raw_response(
    "503 Service Unavailable", "Too many connections: try again shortly", "too_many_connections"
)


class _CloseDelimitedCycle(RequestResponseCycle):
    """An HTTP/1.0 request's cycle: an answer without Content-Length is ended by closing, not chunked."""

    async def send(self, message: Any) -> None:
        kind = message["type"]
        framed = (b"content-length", b"transfer-encoding")
        if kind == "http.response.start" and not any(
            name.lower() in framed for name, _ in message.get("headers", [])
        ):
            # Not None: uvicorn then adds no chunked framing. keep_alive is already False for 1.0, so
            # the connection closes after the last body part.
            self.chunked_encoding = False
            self.expected_content_length = sys.maxsize
            self._close_delimited = True
        elif kind == "http.response.body" and getattr(self, "_close_delimited", False):
            # uvicorn counts body bytes down to 0: announce exactly this part.
            self.expected_content_length = len(message.get("body", b""))
        await super().send(message)


def guarded_protocol(limits: ConnectionLimits) -> type[HttpToolsProtocol]:
    """uvicorn's httptools protocol with `limits` applied (pass the class as `uvicorn.Config(http=...)`)."""

    class GuardedProtocol(HttpToolsProtocol):
        _header_timer: asyncio.TimerHandle | None = None
        _body_timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport: Any) -> None:  # type: ignore[override]
            super().connection_made(transport)
            limits.idle[self] = None
            if len(self.connections) > limits.max_connections:
                # This connection was added last, so the oldest is another one unless none is idle.
                victim = next(iter(limits.idle))
                if victim is self:
                    limits.idle.pop(self, None)
                    transport.write(_FULL_503)
                    transport.close()
                    return
                limits.evicted += 1
                victim._drop()
            self._arm_header_timer()

        def connection_lost(self, exc: Exception | None) -> None:
            limits.idle.pop(self, None)
            self._cancel_timers()
            super().connection_lost(exc)

        # timers ------------------------------------------------------------------------------------
        def _cancel_timers(self) -> None:
            for name in ("_header_timer", "_body_timer"):
                timer = getattr(self, name)
                if timer is not None:
                    timer.cancel()
                    setattr(self, name, None)

        def _arm_header_timer(self) -> None:
            if self._header_timer is None:
                self._header_timer = self.loop.call_later(limits.header_timeout, self._on_header_timeout)

        def _drop(self) -> None:
            limits.idle.pop(self, None)
            self._cancel_timers()
            if not self.transport.is_closing():
                self.transport.close()

        def _on_header_timeout(self) -> None:
            self._header_timer = None
            limits.timed_out += 1
            self._drop()

        def _on_body_timeout(self) -> None:
            self._body_timer = None
            limits.timed_out += 1
            cycle = self.cycle
            if cycle is not None and not cycle.response_started and not self.transport.is_closing():
                self.transport.write(_TIMEOUT_408)
            if cycle is not None and not cycle.response_complete:
                # The handler waiting for the body sees a disconnect and writes nothing after the 408.
                cycle.disconnected = True
                cycle.message_event.set()
            self._drop()

        # parser callbacks --------------------------------------------------------------------------
        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._arm_header_timer()  # a kept-alive connection's next request

        def on_headers_complete(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None
            limits.idle.pop(self, None)
            super().on_headers_complete()
            cycle = self.cycle
            if cycle is not None and self.scope.get("http_version") == "1.0":
                cycle.__class__ = _CloseDelimitedCycle
            self._body_timer = self.loop.call_later(limits.body_timeout, self._on_body_timeout)

        def on_message_complete(self) -> None:
            if self._body_timer is not None:
                self._body_timer.cancel()
                self._body_timer = None
            super().on_message_complete()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing() and not self.pipeline:
                limits.idle[self] = None  # waiting for the next request: evictable again

    return GuardedProtocol
