"""The one pooled upstream HTTP client shared by all requests (aiohttp by default; httpx for comparison).

aiohttp was kept by measurement (benchmarks/bench_gateway.py runs both): on the 2-core reference machine
the same gateway forwards several times more requests per second with aiohttp than with httpx.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from typing import Any, Protocol

from llmgw_migrate.gateway.settings import GatewaySettings


class UpstreamTimeout(Exception):
    """The upstream did not answer (or stopped sending) in time."""


class UpstreamConnectionError(Exception):
    """The upstream could not be reached or dropped the connection."""


class UpstreamTooLarge(UpstreamConnectionError):
    """The upstream's answer (decompressed) is larger than `max_upstream_body_bytes`."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"answer larger than {limit} bytes (decompressed)")


class _Budget:
    """Counts decompressed bytes of one answer against the cap."""

    __slots__ = ("left", "limit")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.left = limit

    def take(self, n: int) -> None:
        self.left -= n
        if self.left < 0:
            raise UpstreamTooLarge(self.limit)


def split_lines(buf: bytearray, chunk: bytes) -> list[bytes]:
    """Append `chunk` to `buf` and take the complete lines out of it (newline kept)."""
    buf += chunk
    out = []
    start = 0
    while True:
        end = buf.find(b"\n", start)
        if end < 0:
            break
        out.append(bytes(buf[start : end + 1]))
        start = end + 1
    if start:
        del buf[:start]
    return out


class UpstreamResponse(Protocol):
    status: int
    headers: Mapping[str, str]

    async def read(self) -> bytes: ...

    def lines(self) -> AsyncIterator[bytes]: ...

    async def aclose(self) -> None: ...


class UpstreamClient(Protocol):
    async def start(self) -> None: ...

    async def send(
        self, url: str, headers: dict[str, str], body: bytes, *, stream: bool
    ) -> UpstreamResponse: ...

    async def aclose(self) -> None: ...


# ---------------------------------------------------------------------------------------------------
class _AiohttpResponse:
    def __init__(self, resp: Any, limit: int) -> None:
        self._resp = resp
        self._limit = limit
        self.status: int = resp.status
        self.headers: Mapping[str, str] = resp.headers

    async def read(self) -> bytes:
        import aiohttp

        budget = _Budget(self._limit)
        parts = []
        try:
            # aiohttp decompresses in bounded pieces: counting them caps memory on a gzip bomb too.
            async for chunk in self._resp.content.iter_any():
                budget.take(len(chunk))
                parts.append(chunk)
            return b"".join(parts)
        except (asyncio.TimeoutError, aiohttp.ServerTimeoutError) as exc:
            raise UpstreamTimeout(str(exc) or "read timeout") from None
        except aiohttp.ClientError as exc:
            raise UpstreamConnectionError(str(exc) or type(exc).__name__) from None
        finally:
            self._resp.release()

    async def lines(self) -> AsyncIterator[bytes]:
        import aiohttp

        budget = _Budget(self._limit)
        buf = bytearray()
        try:
            async for chunk in self._resp.content.iter_any():
                budget.take(len(chunk))
                for line in split_lines(buf, chunk):
                    yield line
            if buf:
                yield bytes(buf)
        except (asyncio.TimeoutError, aiohttp.ServerTimeoutError) as exc:
            raise UpstreamTimeout(str(exc) or "read timeout") from None
        except aiohttp.ClientError as exc:
            raise UpstreamConnectionError(str(exc) or type(exc).__name__) from None

    async def aclose(self) -> None:
        # close(), not release(): an unfinished stream must not go back to the pool, and closing the
        # socket is what tells the upstream to stop generating.
        self._resp.close()


class AiohttpClient:
    def __init__(self, settings: GatewaySettings) -> None:
        self.settings = settings
        self._session: Any = None
        self._timeouts: dict[bool, Any] = {}

    async def start(self) -> None:
        import aiohttp

        s = self.settings
        # Built once: a ClientTimeout per request is measurable at a few thousand requests/s.
        self._timeouts = {
            False: aiohttp.ClientTimeout(
                total=s.request_timeout, connect=s.connect_timeout, sock_read=s.request_timeout
            ),
            True: aiohttp.ClientTimeout(
                total=None, connect=s.connect_timeout, sock_read=s.stream_idle_timeout
            ),
        }
        connector = aiohttp.TCPConnector(
            limit=self.settings.pool_size, limit_per_host=0, ttl_dns_cache=300, keepalive_timeout=30
        )
        self._session = aiohttp.ClientSession(
            connector=connector, auto_decompress=True, cookie_jar=aiohttp.DummyCookieJar()
        )

    async def send(self, url: str, headers: dict[str, str], body: bytes, *, stream: bool) -> UpstreamResponse:
        import aiohttp

        s = self.settings
        timeout = aiohttp.ClientTimeout(
            total=None if stream else s.request_timeout,
            connect=s.connect_timeout,
            sock_read=s.stream_idle_timeout if stream else s.request_timeout,
        )
        try:
            resp = await self._session.post(
                url, data=body, headers=headers, timeout=timeout, allow_redirects=False
            )
        except (asyncio.TimeoutError, aiohttp.ServerTimeoutError) as exc:
            raise UpstreamTimeout(str(exc) or "timeout") from None
        except aiohttp.ClientError as exc:
            raise UpstreamConnectionError(str(exc) or type(exc).__name__) from None
        return _AiohttpResponse(resp, s.max_upstream_body_bytes)

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


# ---------------------------------------------------------------------------------------------------
class _HttpxResponse:
    def __init__(self, resp: Any, limit: int) -> None:
        self._resp = resp
        self._limit = limit
        self.status: int = resp.status_code
        self.headers: Mapping[str, str] = resp.headers

    async def read(self) -> bytes:
        import httpx

        budget = _Budget(self._limit)
        parts = []
        try:
            async for chunk in self._resp.aiter_bytes():
                budget.take(len(chunk))
                parts.append(chunk)
            return b"".join(parts)
        except httpx.TimeoutException as exc:
            raise UpstreamTimeout(str(exc) or "read timeout") from None
        except httpx.HTTPError as exc:
            raise UpstreamConnectionError(str(exc) or type(exc).__name__) from None
        finally:
            await self._resp.aclose()

    async def lines(self) -> AsyncIterator[bytes]:
        import httpx

        budget = _Budget(self._limit)
        buf = bytearray()
        try:
            async for chunk in self._resp.aiter_bytes():
                budget.take(len(chunk))
                for line in split_lines(buf, chunk):
                    yield line
            if buf:
                yield bytes(buf)
        except httpx.TimeoutException as exc:
            raise UpstreamTimeout(str(exc) or "read timeout") from None
        except httpx.HTTPError as exc:
            raise UpstreamConnectionError(str(exc) or type(exc).__name__) from None

    async def aclose(self) -> None:
        await self._resp.aclose()


class HttpxClient:
    def __init__(self, settings: GatewaySettings) -> None:
        self.settings = settings
        self._client: Any = None

    async def start(self) -> None:
        import httpx

        s = self.settings
        self._client = httpx.AsyncClient(
            limits=httpx.Limits(max_connections=s.pool_size, max_keepalive_connections=s.pool_size),
            timeout=httpx.Timeout(s.request_timeout, connect=s.connect_timeout),
            follow_redirects=False,
        )

    async def send(self, url: str, headers: dict[str, str], body: bytes, *, stream: bool) -> UpstreamResponse:
        import httpx

        s = self.settings
        timeout = httpx.Timeout(
            None if stream else s.request_timeout,
            connect=s.connect_timeout,
            read=s.stream_idle_timeout if stream else s.request_timeout,
        )
        request = self._client.build_request("POST", url, content=body, headers=headers, timeout=timeout)
        try:
            resp = await self._client.send(request, stream=True)
        except httpx.TimeoutException as exc:
            raise UpstreamTimeout(str(exc) or "timeout") from None
        except httpx.HTTPError as exc:
            raise UpstreamConnectionError(str(exc) or type(exc).__name__) from None
        return _HttpxResponse(resp, s.max_upstream_body_bytes)

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None


def make_client(settings: GatewaySettings) -> UpstreamClient:
    if settings.upstream_client == "httpx":
        return HttpxClient(settings)
    return AiohttpClient(settings)


async def sse_events(lines: AsyncIterator[bytes]) -> AsyncIterator[tuple[str | None, str]]:
    """(event, data) pairs of a server-sent event stream (comments skipped; CRLF tolerated)."""
    event: str | None = None
    data: list[str] = []
    async for raw in lines:
        line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
        if not line:
            if data:
                yield event, "\n".join(data)
            event, data = None, []
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        if value.startswith(" "):
            value = value[1:]
        if name == "event":
            event = value
        elif name == "data":
            data.append(value)
    if data:
        yield event, "\n".join(data)
