"""Replay cases against the before and after sides: bounded concurrency, timeouts, retries, budget.

Each case goes to both sides at once (plus `noise_samples` more times to the before side, Diffy's noise
measurement). At most `concurrency` cases are in flight, so each side sees at most `concurrency`
concurrent requests. Retries back off exponentially and honour `Retry-After` on 429 and 5xx. The budget
(`max_requests`, `max_cost`) is checked before a case starts, with its cost estimated from the catalog
and reserved, so a run stops early instead of overspending. Stopping (Ctrl-C or the budget) leaves the
finished results intact: the caller reports them as a partial run.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx

from llmgw_migrate.verify.suite import BAD_KEY_AFTER, BAD_KEY_BEFORE, MESSAGES, Case

RETRY_STATUS = frozenset({429, 500, 502, 503, 504, 529})
# Headers worth keeping for the report and the comparison (everything else is dropped to save memory).
_KEEP_HEADERS = ("content-type", "retry-after", "x-litellm-response-cost", "x-llmgateway-cache")
MAX_BODY_CHARS = 2_000_000


@dataclass(frozen=True)
class Side:
    """One endpoint: base URL (with or without /v1) and its key."""

    name: str  # "before" | "after"
    base_url: str
    api_key: str | None
    bad_key: str
    headers: dict[str, str] = field(default_factory=dict)

    def url(self, endpoint: str) -> str:
        base = self.base_url.rstrip("/")
        base = base.removesuffix("/v1")
        return base + endpoint

    def auth(self, bad: bool) -> dict[str, str]:
        key = self.bad_key if bad else self.api_key
        headers = dict(self.headers)
        if key:
            headers["Authorization"] = f"Bearer {key}"
        return headers


def before_side(url: str, key: str | None) -> Side:
    return Side("before", url, key, BAD_KEY_BEFORE)


def after_side(url: str, key: str | None) -> Side:
    return Side("after", url, key, BAD_KEY_AFTER)


# SSE --------------------------------------------------------------------------------------------------
@dataclass
class SSEEvent:
    data: str
    event: str | None = None
    id: str | None = None


@dataclass
class StreamCapture:
    events: list[SSEEvent] = field(default_factory=list)
    framing_errors: list[str] = field(default_factory=list)
    done: bool = False

    def chunks(self) -> list[Any]:
        out = []
        for ev in self.events:
            if ev.data == "[DONE]" or ev.event in ("done",):
                continue
            try:
                out.append(json.loads(ev.data))
            except json.JSONDecodeError:
                out.append({"__invalid_json__": ev.data[:200]})
        return out


def parse_sse(text: str) -> StreamCapture:
    """Parse an SSE body strictly enough to notice broken framing (per the WHATWG event-stream rules)."""
    cap = StreamCapture()
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text and not text.endswith("\n\n"):
        cap.framing_errors.append("stream does not end with a blank line (last event unterminated)")
    for block in text.split("\n\n"):
        if not block.strip("\n"):
            continue
        data_lines: list[str] = []
        event = eid = None
        for line in block.split("\n"):
            if not line or line.startswith(":"):
                continue  # comments are keepalives (`: ping`)
            name, sep, value = line.partition(":")
            if not sep:
                cap.framing_errors.append(f"line without a field name: {line[:60]!r}")
                continue
            value = value[1:] if value.startswith(" ") else value
            if name == "data":
                data_lines.append(value)
            elif name == "event":
                event = value
            elif name == "id":
                eid = value
            elif name == "retry":
                continue
            else:
                cap.framing_errors.append(f"unknown SSE field {name[:30]!r}")
        if not data_lines:
            continue
        data = "\n".join(data_lines)
        if cap.done:
            cap.framing_errors.append("event after data: [DONE]")
        if data == "[DONE]":
            cap.done = True
        cap.events.append(SSEEvent(data=data, event=event, id=eid))
    return cap


# one exchange -----------------------------------------------------------------------------------------
@dataclass
class Exchange:
    """What one side answered (after retries)."""

    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None  # parsed JSON, or None
    text: str = ""  # raw body when it is not JSON (truncated)
    stream: StreamCapture | None = None
    latency_ms: float = 0.0
    attempts: int = 0
    error: str | None = None  # transport failure after the last retry
    cost_usd: Decimal | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def retry_delay(resp_headers: httpx.Headers | None, attempt: int, base: float, cap: float) -> float:
    """Seconds to wait before retry number `attempt` (0-based): Retry-After wins, else exponential."""
    if resp_headers is not None:
        raw = resp_headers.get("retry-after")
        if raw:
            raw = raw.strip()
            try:
                return min(max(float(raw), 0.0), cap)
            except ValueError:
                pass
            try:
                parsed = email.utils.parsedate_to_datetime(raw)
            except (TypeError, ValueError, IndexError):
                parsed = None  # unreadable Retry-After: fall back to exponential backoff
            if parsed is not None:
                return min(max(parsed.timestamp() - time.time(), 0.0), cap)
        ms = resp_headers.get("retry-after-ms")
        if ms:
            try:
                return min(max(float(ms) / 1000.0, 0.0), cap)
            except ValueError:
                pass
    # Full jitter keeps many workers from retrying in lockstep.
    return min(cap, base * (2**attempt)) * (0.5 + random.random() / 2)


@dataclass
class ReplayOptions:
    concurrency: int = 8
    timeout: float = 60.0
    retries: int = 2
    backoff: float = 0.5
    max_backoff: float = 30.0
    max_requests: int | None = None
    max_cost: Decimal | None = None
    noise_samples: int = 0


@dataclass
class Outcome:
    case: Case
    before: Exchange
    after: Exchange
    noise: list[Exchange] = field(default_factory=list)


@dataclass
class ReplayStats:
    requests: int = 0  # HTTP requests sent, retries and noise samples included
    retries: int = 0
    cost_before: Decimal = Decimal(0)
    cost_after: Decimal = Decimal(0)
    unpriced: int = 0  # answers whose cost could not be priced from the catalog
    seconds: float = 0.0
    stopped: str | None = None  # "budget: max-requests" | "budget: max-cost" | "interrupted"
    not_run: int = 0


Pricer = Callable[[Case, str, Any], "Decimal | None"]  # (case, side, usage or None) -> USD


class Budget:
    def __init__(self, opts: ReplayOptions, estimate: Callable[[Case], Decimal]) -> None:
        self.opts = opts
        self.estimate = estimate
        self.requests = 0
        self.reserved_requests = 0
        self.spent = Decimal(0)
        self.reserved_cost = Decimal(0)

    def reserve(self, case: Case) -> tuple[int, Decimal] | str:
        n = 2 + self.opts.noise_samples
        if self.opts.max_requests is not None and self.requests + self.reserved_requests + n > (
            self.opts.max_requests
        ):
            return "budget: max-requests"
        if self.opts.max_cost is not None and self.opts.max_cost == 0:
            return "budget: max-cost"  # a zero budget sends nothing, priced or not
        cost = self.estimate(case) if self.opts.max_cost is not None else Decimal(0)
        if self.opts.max_cost is not None and self.spent + self.reserved_cost + cost > self.opts.max_cost:
            return "budget: max-cost"
        self.reserved_requests += n
        self.reserved_cost += cost
        return n, cost

    def release(self, reservation: tuple[int, Decimal]) -> None:
        self.reserved_requests -= reservation[0]
        self.reserved_cost -= reservation[1]

    def may_retry(self) -> bool:
        # A retry is only sent when it fits beside what is reserved for cases in flight.
        limit = self.opts.max_requests
        return limit is None or self.requests + self.reserved_requests < limit


class Replayer:
    def __init__(
        self,
        before: Side,
        after: Side,
        opts: ReplayOptions,
        *,
        pricer: Pricer | None = None,
        estimate: Callable[[Case], Decimal] | None = None,
        transport_before: httpx.AsyncBaseTransport | None = None,
        transport_after: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.before = before
        self.after = after
        self.opts = opts
        self.pricer = pricer
        self.stats = ReplayStats()
        self.budget = Budget(opts, estimate or (lambda _c: Decimal(0)))
        self._transports = {"before": transport_before, "after": transport_after}
        self._finished = 0

    def _client(self, side: str) -> httpx.AsyncClient:
        limits = httpx.Limits(
            max_connections=self.opts.concurrency * (1 + (self.opts.noise_samples if side == "before" else 0))
            + 4,
            max_keepalive_connections=self.opts.concurrency,
        )
        return httpx.AsyncClient(
            timeout=httpx.Timeout(self.opts.timeout),
            limits=limits,
            transport=self._transports[side],
            trust_env=False,
            follow_redirects=False,
        )

    async def run(
        self,
        cases: Sequence[Case],
        on_outcome: Callable[[Outcome], None],
        stop: asyncio.Event | None = None,
    ) -> ReplayStats:
        """Replay `cases`; call `on_outcome` for each finished case (in completion order)."""
        stop = stop or asyncio.Event()
        started = time.perf_counter()
        queue: asyncio.Queue[Case] = asyncio.Queue()
        for c in cases:
            queue.put_nowait(c)
        async with self._client("before") as cb, self._client("after") as ca:
            clients = {"before": cb, "after": ca}

            async def worker() -> None:
                while not stop.is_set():
                    try:
                        case = queue.get_nowait()
                    except asyncio.QueueEmpty:
                        return
                    reservation = self.budget.reserve(case)
                    if isinstance(reservation, str):
                        self.stats.stopped = self.stats.stopped or reservation
                        stop.set()
                        queue.put_nowait(case)  # counted as not run below
                        return
                    try:
                        outcome = await self._one(case, clients)
                    finally:
                        self.budget.release(reservation)
                    self._account(outcome)
                    on_outcome(outcome)

            workers = [asyncio.create_task(worker()) for _ in range(max(1, self.opts.concurrency))]
            stopper = asyncio.create_task(stop.wait())
            try:
                pending: set[asyncio.Task[Any]] = set(workers)
                while pending:
                    done, pending = await asyncio.wait(
                        pending | {stopper}, return_when=asyncio.FIRST_COMPLETED
                    )
                    pending.discard(stopper)
                    if stopper in done and self.stats.stopped is None:
                        # Stopped from outside (Ctrl-C): abandon the cases in flight.
                        self.stats.stopped = "interrupted"
                        for w in pending:
                            w.cancel()
                        await asyncio.gather(*pending, return_exceptions=True)
                        break
                    if stopper in done:
                        await asyncio.gather(*pending, return_exceptions=True)
                        break
            finally:
                stopper.cancel()
                for w in workers:
                    w.cancel()
                outcomes = await asyncio.gather(*workers, stopper, return_exceptions=True)
            # A worker that died of a bug must not look like cases quietly "not run".
            for res in outcomes:
                if isinstance(res, Exception) and not isinstance(res, asyncio.CancelledError):
                    raise res
        self.stats.not_run = len(cases) - self._finished
        self.stats.seconds = time.perf_counter() - started
        return self.stats

    def _account(self, outcome: Outcome) -> None:
        self._finished += 1
        for side, ex in (("before", outcome.before), ("after", outcome.after)):
            if ex.cost_usd is None:
                if ex.ok:
                    self.stats.unpriced += 1
                continue
            if side == "before":
                self.stats.cost_before += ex.cost_usd
            else:
                self.stats.cost_after += ex.cost_usd
            self.budget.spent += ex.cost_usd
        for ex in outcome.noise:
            if ex.cost_usd is not None:
                self.stats.cost_before += ex.cost_usd
                self.budget.spent += ex.cost_usd

    async def _one(self, case: Case, clients: dict[str, httpx.AsyncClient]) -> Outcome:
        tasks = [
            self._send(clients["before"], self.before, case, case.body),
            self._send(clients["after"], self.after, case, case.after_body()),
        ]
        results = await asyncio.gather(*tasks)
        noise: list[Exchange] = []
        if self.opts.noise_samples:
            noise = list(
                await asyncio.gather(
                    *(
                        self._send(clients["before"], self.before, case, case.body)
                        for _ in range(self.opts.noise_samples)
                    )
                )
            )
        return Outcome(case, results[0], results[1], noise)

    async def _send(
        self, client: httpx.AsyncClient, side: Side, case: Case, body: dict[str, Any]
    ) -> Exchange:
        url = side.url(case.endpoint)
        headers = side.auth(case.bad_key)
        payload = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
        if case.endpoint == MESSAGES:
            headers.setdefault("anthropic-version", "2023-06-01")
        ex = Exchange()
        started = time.perf_counter()
        attempt = 0
        while True:
            ex.attempts += 1
            self.stats.requests += 1
            self.budget.requests += 1
            resp_headers: httpx.Headers | None = None
            try:
                ex.error = None
                await asyncio.wait_for(
                    self._exchange(client, url, headers, payload, case.stream, ex), self.opts.timeout
                )
                resp_headers = httpx.Headers(ex.headers)
                retryable = ex.status in RETRY_STATUS
            except asyncio.TimeoutError:
                ex.status, ex.error = None, f"timeout after {self.opts.timeout:g}s"
                retryable = True
            except httpx.HTTPError as exc:
                ex.status, ex.error = None, f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                retryable = True
            if not retryable or attempt >= self.opts.retries or not self.budget.may_retry():
                break
            delay = retry_delay(resp_headers, attempt, self.opts.backoff, self.opts.max_backoff)
            attempt += 1
            self.stats.retries += 1
            await asyncio.sleep(delay)
        ex.latency_ms = (time.perf_counter() - started) * 1000.0
        if self.pricer is not None and ex.ok:
            ex.cost_usd = self.pricer(case, side.name, _usage_of(ex, case))
        return ex

    async def _exchange(
        self,
        client: httpx.AsyncClient,
        url: str,
        headers: dict[str, str],
        payload: bytes,
        stream: bool,
        ex: Exchange,
    ) -> None:
        async with client.stream("POST", url, content=payload, headers=headers) as resp:
            raw = await resp.aread()
        ex.status = resp.status_code
        ex.headers = {k: resp.headers[k] for k in _KEEP_HEADERS if k in resp.headers}
        text = raw.decode("utf-8", errors="replace")
        ctype = resp.headers.get("content-type", "")
        ex.stream = None
        ex.body = None
        ex.text = ""
        if stream and resp.status_code == 200 and "text/event-stream" in ctype:
            ex.stream = parse_sse(text)
            return
        try:
            ex.body = json.loads(text) if text else None
        except json.JSONDecodeError:
            ex.text = text[:MAX_BODY_CHARS]
            if stream and resp.status_code == 200:
                # A stream served with the wrong content type: still parse it, and let compare say so.
                ex.stream = parse_sse(text)


def _anthropic_usage(usage: Any) -> Any:
    if isinstance(usage, dict) and "input_tokens" in usage:
        return {
            "prompt_tokens": usage.get("input_tokens") or 0,
            "completion_tokens": usage.get("output_tokens") or 0,
        }
    return usage


def _usage_of(ex: Exchange, case: Case) -> Any:
    if case.endpoint == MESSAGES:
        if isinstance(ex.body, dict):
            return _anthropic_usage(ex.body.get("usage"))
        if ex.stream is not None:
            inp = out = 0
            for chunk in ex.stream.chunks():
                if not isinstance(chunk, dict):
                    continue
                msg = chunk.get("message") if chunk.get("type") == "message_start" else None
                if isinstance(msg, dict) and isinstance(msg.get("usage"), dict):
                    inp = msg["usage"].get("input_tokens") or inp
                if chunk.get("type") == "message_delta" and isinstance(chunk.get("usage"), dict):
                    out = chunk["usage"].get("output_tokens") or out
            return {"prompt_tokens": inp, "completion_tokens": out}
        return None
    if isinstance(ex.body, dict):
        return ex.body.get("usage")
    if ex.stream is not None:
        usage = None
        chars = 0
        for chunk in ex.stream.chunks():
            if not isinstance(chunk, dict):
                continue
            if isinstance(chunk.get("usage"), dict):
                usage = chunk["usage"]
            for choice in chunk.get("choices") or ():
                delta = choice.get("delta") if isinstance(choice, dict) else None
                if isinstance(delta, dict):
                    chars += len(str(delta.get("content") or ""))
                    if delta.get("tool_calls"):
                        chars += len(json.dumps(delta["tool_calls"]))
        if usage is None:
            # A stream without a usage chunk (LiteLLM without stream_options): about 4 characters a token.
            prompt = len(json.dumps(case.body.get("messages") or "")) // 4
            usage = {"prompt_tokens": prompt, "completion_tokens": chars // 4 + 1}
        return usage
    return None
