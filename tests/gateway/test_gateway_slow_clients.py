"""Slow and hostile clients at the socket level: half-open connections, stalled bodies, the connection
cap, HTTP/1.0 framing and hop-by-hop headers (issue 13, items 1 and 9)."""

from __future__ import annotations

import contextlib
import errno
import resource
import socket
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest
from gateway_support import AUTH, env_for, gateway

from llmgw_migrate.testing.fake_upstream import FakeUpstream

MSGS = [{"role": "user", "content": "hello there"}]
HALF_REQUEST = b"POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nContent-Type: applic"


def _addr(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    assert parts.hostname and parts.port
    return parts.hostname, parts.port


@contextlib.contextmanager
def half_open(url: str, n: int) -> Iterator[list[socket.socket]]:
    """`n` connections that each sent part of a request's headers and then went quiet."""
    socks: list[socket.socket] = []
    try:
        for _ in range(n):
            s = socket.create_connection(_addr(url), timeout=10)
            s.sendall(HALF_REQUEST)
            socks.append(s)
        yield socks
    finally:
        for s in socks:
            s.close()


def closed_by_server(s: socket.socket, wait: float = 0.0) -> bool:
    """True when the server closed (or reset) the connection; False while it is still open."""
    s.settimeout(wait)
    try:
        s.recv(65536)  # b"" (closed), or a last answer (408/503) before the close
        return True
    except (TimeoutError, BlockingIOError):
        return False
    except OSError as exc:
        return exc.errno in (errno.ECONNRESET, errno.EPIPE)


def chat(url: str) -> httpx.Response:
    return httpx.post(
        url + "/v1/chat/completions", json={"model": "gpt-4o", "messages": MSGS}, headers=AUTH, timeout=10
    )


@pytest.fixture(scope="module", autouse=True)
def _enough_descriptors() -> None:
    # 2,000 client sockets and the server's 2,000 live in this one process.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < 8192:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(8192, hard), hard))


def test_a_normal_request_answers_under_2000_idle_half_open_connections(up: FakeUpstream) -> None:
    with (
        gateway(env_for(openai=up.url), header_timeout=60, max_connections=4096) as url,
        half_open(url, 2000) as idle,
    ):
        started = time.perf_counter()
        resp = chat(url)
        elapsed = time.perf_counter() - started
        assert resp.status_code == 200, resp.text
        assert elapsed < 1.0, f"a normal request took {elapsed:.2f}s beside 2,000 idle connections"
        # The idle connections were really held, not dropped to make the figure.
        assert not any(closed_by_server(s) for s in idle[:50] + idle[-50:])


def test_the_connection_cap_closes_the_longest_idle_first(up: FakeUpstream) -> None:
    with (
        gateway(env_for(openai=up.url), header_timeout=60, max_connections=40) as url,
        half_open(url, 120) as idle,
    ):
        resp = chat(url)  # the cap is reached: an idle connection makes room
        assert resp.status_code == 200, resp.text
        assert all(closed_by_server(s, 2.0) for s in idle[:60])  # the oldest were evicted
        assert not any(closed_by_server(s) for s in idle[-20:])  # the newest are still held


def test_headers_and_bodies_must_arrive_in_time(up: FakeUpstream) -> None:
    with gateway(env_for(openai=up.url), header_timeout=0.5, body_timeout=0.5) as url:
        with half_open(url, 3) as idle:
            time.sleep(1.2)
            assert all(closed_by_server(s, 2.0) for s in idle)
        # A body announced as 1,000 bytes that sends 9: 408, then the connection is closed.
        with socket.create_connection(_addr(url), timeout=5) as s:
            s.sendall(
                b"POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\n"
                b'Content-Length: 1000\r\n\r\n{"model":'
            )
            started = time.monotonic()
            data = b""
            while chunk := s.recv(65536):
                data += chunk
            assert time.monotonic() - started < 4
        assert data.startswith(b"HTTP/1.1 408 ") and b'"code":"request_timeout"' in data
        # A kept-alive connection that starts its next request and stalls is closed too.
        with socket.create_connection(_addr(url), timeout=5) as s:
            s.sendall(b"GET / HTTP/1.1\r\nHost: gw\r\n\r\n")
            first = s.recv(65536)
            assert first.startswith(b"HTTP/1.1 200 ")
            s.sendall(b"GET / HTTP/1.1\r\nHo")
            time.sleep(1.2)
            assert closed_by_server(s, 2.0)
        assert chat(url).status_code == 200  # and the server is fine


def test_http10_clients_get_no_chunked_encoding_and_one_connection_header(up: FakeUpstream) -> None:
    body = b'{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"hello there"}]}'
    with gateway(env_for(openai=up.url)) as url:
        with socket.create_connection(_addr(url), timeout=10) as s:
            s.sendall(
                b"POST /v1/chat/completions HTTP/1.0\r\nHost: gw\r\nContent-Type: application/json\r\n"
                + b"Authorization: "
                + AUTH["Authorization"].encode()
                + b"\r\n"
                + b"Content-Length: "
                + str(len(body)).encode()
                + b"\r\n\r\n"
                + body
            )
            data = b""
            while chunk := s.recv(65536):  # the answer ends when the server closes
                data += chunk
        head, _, payload = data.partition(b"\r\n\r\n")
        headers = head.lower().split(b"\r\n")
        assert headers[0].startswith(b"http/1.1 200")
        assert not any(h.startswith(b"transfer-encoding") for h in headers)
        assert [h for h in headers if h.startswith(b"connection:")] == [b"connection: close"]
        assert payload.startswith(b"id: 1\ndata: {") and payload.endswith(b"data: [DONE]\n\n")
        # HTTP/1.1: the app adds no Connection header of its own next to uvicorn's.
        with httpx.stream(
            "POST",
            url + "/v1/chat/completions",
            json={"model": "gpt-4o", "stream": True, "messages": MSGS},
            headers=AUTH,
            timeout=10,
        ) as resp:
            resp.read()
            assert resp.headers.get_list("connection") in ([], ["keep-alive"])
            assert resp.headers["transfer-encoding"] == "chunked"
