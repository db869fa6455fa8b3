"""Replay mechanics against in-process transports: retries, Retry-After, timeouts, budget, Ctrl-C, noise."""

from __future__ import annotations

import asyncio
import email.utils
import json
import time
from decimal import Decimal
from typing import Any

import httpx

from llmgw_migrate.verify.replay import (
    Outcome,
    Replayer,
    ReplayOptions,
    after_side,
    before_side,
    retry_delay,
)
from llmgw_migrate.verify.suite import BAD_KEY_AFTER, CHAT, Case
from tests.verify.helpers import chat_body


def cases(n: int, **body: Any) -> list[Case]:
    return [
        Case(
            id=f"c{i}",
            endpoint=CHAT,
            body={"model": "m", "messages": [{"role": "user", "content": str(i)}], **body},
            model="m",
            after_model="openai/m",
            kind="corpus",
        )
        for i in range(n)
    ]


class Recorder:
    """A scripted upstream: `script` maps a request number to a response factory."""

    def __init__(self, respond: Any = None) -> None:
        self.requests: list[httpx.Request] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.respond = respond or (lambda req, n: httpx.Response(200, json=chat_body()))

    async def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await asyncio.sleep(0.005)  # let other workers start, so concurrency is observable
            result = self.respond(request, len(self.requests))
            if asyncio.iscoroutine(result):
                result = await result
            return result
        finally:
            self.in_flight -= 1

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handler)


def replay(cs: list[Case], opts: ReplayOptions, before: Recorder, after: Recorder, **kw: Any):  # type: ignore[no-untyped-def]
    out: list[Outcome] = []
    stop = kw.pop("stop_after", None)

    async def main() -> Any:
        event = asyncio.Event()
        r = Replayer(
            before_side("http://before.test", "sk-before"),
            after_side("http://after.test/v1", "llmgtwy_after"),
            opts,
            transport_before=before.transport,
            transport_after=after.transport,
            **kw,
        )

        def on(o: Outcome) -> None:
            out.append(o)
            if stop is not None and len(out) >= stop:
                event.set()

        return await r.run(cs, on, event)

    stats = asyncio.run(main())
    return stats, out


def test_both_sides_get_the_request_with_their_key_and_model() -> None:
    b, a = Recorder(), Recorder()
    stats, out = replay(cases(1), ReplayOptions(), b, a)
    assert stats.requests == 2 and len(out) == 1 and out[0].before.status == 200
    assert str(b.requests[0].url) == "http://before.test/v1/chat/completions"
    assert str(a.requests[0].url) == "http://after.test/v1/chat/completions"
    assert b.requests[0].headers["authorization"] == "Bearer sk-before"
    assert a.requests[0].headers["authorization"] == "Bearer llmgtwy_after"
    assert json.loads(a.requests[0].content)["model"] == "openai/m"
    assert json.loads(b.requests[0].content)["model"] == "m"
    assert a.requests[0].headers["content-type"] == "application/json"


def test_bad_key_case_sends_the_invalid_key() -> None:
    b, a = Recorder(), Recorder()
    case = cases(1)[0]
    case = Case(**{**case.__dict__, "bad_key": True})
    replay([case], ReplayOptions(), b, a)
    assert a.requests[0].headers["authorization"] == f"Bearer {BAD_KEY_AFTER}"


def test_retry_on_429_honours_retry_after() -> None:
    def respond(req: httpx.Request, n: int) -> httpx.Response:
        if n == 1:
            return httpx.Response(429, headers={"Retry-After": "0"}, json={"error": {"message": "slow down"}})
        return httpx.Response(200, json=chat_body())

    b, a = Recorder(), Recorder(respond)
    stats, out = replay(cases(1), ReplayOptions(retries=2), b, a)
    assert out[0].after.status == 200 and out[0].after.attempts == 2
    assert stats.retries == 1 and stats.requests == 3


def test_no_retry_on_4xx_and_retries_are_bounded() -> None:
    b = Recorder(lambda req, n: httpx.Response(400, json={"error": {"message": "bad"}}))
    a = Recorder(
        lambda req, n: httpx.Response(503, headers={"Retry-After": "0"}, json={"error": {"message": "x"}})
    )
    _, out = replay(cases(1), ReplayOptions(retries=2), b, a)
    assert out[0].before.attempts == 1
    assert out[0].after.attempts == 3 and out[0].after.status == 503


def test_retry_delay_reads_retry_after() -> None:
    assert retry_delay(httpx.Headers({"retry-after": "3"}), 0, 0.5, 30) == 3.0
    assert retry_delay(httpx.Headers({"retry-after": "120"}), 0, 0.5, 30) == 30  # capped
    assert retry_delay(httpx.Headers({"retry-after-ms": "250"}), 0, 0.5, 30) == 0.25
    future = email.utils.formatdate(time.time() + 5, usegmt=True)
    assert 3.0 <= retry_delay(httpx.Headers({"retry-after": future}), 0, 0.5, 30) <= 5.0
    for attempt in range(4):
        d = retry_delay(None, attempt, 0.5, 30)
        assert 0.25 * 2**attempt <= d <= 0.5 * 2**attempt


def test_timeout_becomes_an_error_after_retries() -> None:
    async def slow(req: httpx.Request, n: int) -> httpx.Response:
        await asyncio.sleep(5)
        return httpx.Response(200, json=chat_body())

    b, a = Recorder(), Recorder(slow)
    _, out = replay(cases(1), ReplayOptions(timeout=0.05, retries=1, backoff=0.001), b, a)
    assert out[0].after.status is None and out[0].after.attempts == 2
    assert out[0].after.error == "timeout after 0.05s"


def test_connection_error_is_recorded() -> None:
    def refuse(req: httpx.Request, n: int) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=req)

    _, out = replay(cases(1), ReplayOptions(retries=0), Recorder(), Recorder(refuse))
    assert out[0].after.error == "ConnectError: connection refused"


def test_concurrency_is_bounded_per_side() -> None:
    b, a = Recorder(), Recorder()
    _, out = replay(cases(30), ReplayOptions(concurrency=3), b, a)
    assert len(out) == 30
    assert b.max_in_flight <= 3 and a.max_in_flight <= 3


def test_max_requests_budget_stops_before_overspending() -> None:
    b, a = Recorder(), Recorder()
    stats, out = replay(cases(10), ReplayOptions(concurrency=1, max_requests=5), b, a)
    assert len(out) == 2 and stats.requests == 4
    assert stats.stopped == "budget: max-requests" and stats.not_run == 8


def test_max_cost_budget_uses_estimates_and_actual_cost() -> None:
    b, a = Recorder(), Recorder()
    stats, out = replay(
        cases(10),
        ReplayOptions(concurrency=1, max_cost=Decimal("2.5")),
        b,
        a,
        pricer=lambda case, side, usage: Decimal("0.5"),
        estimate=lambda case: Decimal("1"),
    )
    assert len(out) == 2 and stats.cost_before + stats.cost_after == Decimal("2.0")
    assert stats.stopped == "budget: max-cost" and stats.not_run == 8


def test_stop_event_ends_the_run_with_a_partial_result() -> None:
    b, a = Recorder(), Recorder()
    stats, out = replay(cases(50), ReplayOptions(concurrency=2), b, a, stop_after=3)
    assert stats.stopped == "interrupted"
    assert 3 <= len(out) < 50 and stats.not_run == 50 - len(out)


def test_noise_samples_replay_the_before_side() -> None:
    b, a = Recorder(), Recorder()
    stats, out = replay(cases(2), ReplayOptions(noise_samples=2), b, a)
    assert len(b.requests) == 6 and len(a.requests) == 2
    assert all(len(o.noise) == 2 for o in out) and stats.requests == 8


def test_streams_are_captured_as_sse() -> None:
    sse_text = 'data: {"object": "chat.completion.chunk", "choices": []}\n\ndata: [DONE]\n\n'

    def respond(req: httpx.Request, n: int) -> httpx.Response:
        return httpx.Response(200, text=sse_text, headers={"content-type": "text/event-stream"})

    _, out = replay(cases(1, stream=True), ReplayOptions(), Recorder(respond), Recorder(respond))
    assert out[0].after.stream is not None and out[0].after.stream.done
    assert out[0].after.body is None


def test_non_json_answers_keep_their_text() -> None:
    def respond(req: httpx.Request, n: int) -> httpx.Response:
        return httpx.Response(502, text="<html>bad gateway</html>")

    _, out = replay(cases(1), ReplayOptions(retries=0), Recorder(), Recorder(respond))
    assert out[0].after.status == 502 and out[0].after.text == "<html>bad gateway</html>"


def test_unreadable_retry_after_falls_back_to_backoff() -> None:
    d = retry_delay(httpx.Headers({"retry-after": "soon-ish"}), 1, 0.5, 30)
    assert 0.5 <= d <= 1.0


def test_a_crashing_callback_is_not_swallowed() -> None:
    async def main() -> None:
        r = Replayer(
            before_side("http://before.test", None),
            after_side("http://after.test", None),
            ReplayOptions(concurrency=2),
            transport_before=Recorder().transport,
            transport_after=Recorder().transport,
        )

        def boom(o: Outcome) -> None:
            raise ValueError("bug in a callback")

        await r.run(cases(3), boom)

    try:
        asyncio.run(main())
    except ValueError as exc:
        assert "bug in a callback" in str(exc)
    else:
        raise AssertionError("the callback's exception was swallowed")
