"""Forwarding: one request through its route's attempts, with failover, error mapping and shaping.

Responses come back shaped like the hosted gateway's: `model` = "<provider>/<catalog-id>", usage with
cost from catalog prices, `metadata{...routing[]}`; streams end with a usage chunk before [DONE].
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from llmgw_migrate.gateway.answers import check_chat, check_embeddings
from llmgw_migrate.gateway.cache import ResponseCache, cache_key
from llmgw_migrate.gateway.errors import GatewayError
from llmgw_migrate.gateway.pricing import add_cost
from llmgw_migrate.gateway.providers import CUSTOM, adapter_for
from llmgw_migrate.gateway.providers.base import ChatAdapter, UpstreamCall, UpstreamStreamError, error_message
from llmgw_migrate.gateway.routing import Attempt, Route
from llmgw_migrate.gateway.upstream import (
    UpstreamClient,
    UpstreamConnectionError,
    UpstreamResponse,
    UpstreamTimeout,
    sse_events,
)
from llmgw_migrate.gateway.uptime import Uptime

PING = b": ping\n\n"


@dataclass
class Failure:
    """Why one attempt failed (kept to pick the final status when every attempt failed)."""

    provider: str
    kind: str  # "status" | "timeout" | "connection" | "invalid"
    status: int | None
    message: str


@dataclass
class Exchange:
    """Per-request state: route, request id, routing log."""

    route: Route
    request_id: str
    kind: str = "chat"
    routing: list[dict[str, Any]] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    cached: bool = False
    uptime: Uptime | None = None  # told every catalog provider's attempt
    # A stream's input tokens as soon as known (Anthropic's message_start); else the request's estimate.
    prompt_tokens: int | None = None

    def log(
        self, attempt: Attempt, status: int | None, ok: bool, started: float, error: str | None = None
    ) -> None:
        if self.uptime is not None and not attempt.custom:
            self.uptime.record(attempt.provider, status is not None and status < 500)
        entry: dict[str, Any] = {
            "provider": attempt.provider,
            "model": attempt.upstream_model,
            "status_code": status,
            "succeeded": ok,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1),
        }
        if error:
            entry["error"] = error
        self.routing.append(entry)

    def metadata(self, attempt: Attempt | None) -> dict[str, Any]:
        route = self.route
        return {
            "request_id": self.request_id,
            "requested_model": route.requested_model,
            "requested_provider": route.requested_provider,
            "used_model": attempt.model_id if attempt else route.model_id,
            "used_provider": attempt.provider if attempt else None,
            "underlying_used_model": attempt.upstream_model if attempt else None,
            "cached": self.cached,
            "routing": self.routing,
        }


def _adapter(attempt: Attempt, kind: str) -> ChatAdapter:
    if attempt.custom:
        return CUSTOM
    adapter = adapter_for(attempt.provider, kind)
    if adapter is None:  # the router only builds attempts it can serve
        raise GatewayError(400, f"Provider {attempt.provider} is not supported by the embedded gateway")
    return adapter


def estimate_usage(body: dict[str, Any], completion_chars: int) -> dict[str, Any]:
    """Roughly 4 characters a token, for providers that report no usage (the gateway estimates too)."""
    prompt = max(1, len(json.dumps(body.get("messages") or body.get("input") or "")) // 4)
    completion = (completion_chars + 3) // 4
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


class Forwarder:
    def __init__(
        self,
        client: Callable[[], Awaitable[UpstreamClient]],
        cache: ResponseCache,
        secrets: list[str],
        ping_interval: float,
    ) -> None:
        self._client = client
        self.cache = cache
        self._secrets = [s for s in secrets if len(s) >= 4]
        self.ping_interval = ping_interval

    # helpers -------------------------------------------------------------------------------------------
    def scrub(self, text: str) -> str:
        """Remove any provider key an upstream echoed back (some do, in 401 messages)."""
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, "[redacted]")
        return text

    def _upstream_message(self, status: int, raw: bytes) -> str:
        try:
            data = json.loads(raw) if raw else None
        except ValueError:
            data = None
        text = raw.decode("utf-8", errors="replace")[:300] if raw else ""
        return self.scrub(error_message(data, text or f"HTTP {status}"))

    def _upstream_error(self, attempt: Attempt, status: int, raw: bytes, headers: Any) -> GatewayError:
        message = self._upstream_message(status, raw)
        who = f"Provider {attempt.provider}"
        if status == 429:
            retry = headers.get("retry-after") or headers.get("Retry-After") or "1"
            return GatewayError(
                429,
                f"{who} rate limit exceeded: {message}",
                type="rate_limit_error",
                code="rate_limit_exceeded",
                headers={"Retry-After": str(retry)},
            )
        if status in (401, 403):
            return GatewayError(
                502,
                f"{who} rejected the provider key (HTTP {status}): {message}",
                type="api_error",
                code="provider_auth_error",
            )
        if status == 413:
            return GatewayError(413, f"{who}: {message}")
        return GatewayError(status, f"{who}: {message}", type="invalid_request_error", code="upstream_error")

    def _all_failed(self, ex: Exchange) -> GatewayError:
        detail = "; ".join(f"{f.provider}: {f.message}" for f in ex.failures)
        last = ex.failures[-1] if ex.failures else None
        model = ex.route.requested_model
        if last is not None and last.kind == "timeout":
            return GatewayError(
                504, f"Upstream timeout for model {model} ({detail})", type="timeout_error", code="timeout"
            )
        if last is not None and last.status == 529:
            return GatewayError(
                529, f"Provider overloaded for model {model} ({detail})", type="overloaded", code="overloaded"
            )
        status = last.status if last is not None and last.status and last.status >= 500 else 502
        what = "All providers failed" if len(ex.failures) > 1 else "Provider failed"
        return GatewayError(
            status, f"{what} for model {model}: {detail}", type="api_error", code="upstream_error"
        )

    async def _open(
        self, ex: Exchange, build: Callable[[ChatAdapter, Attempt], UpstreamCall], stream: bool
    ) -> tuple[Attempt, ChatAdapter, UpstreamResponse, float]:
        """Try the route's attempts in order until one answers 2xx; 4xx ends the request at once."""
        for attempt in ex.route.attempts:
            adapter = _adapter(attempt, ex.kind)
            call = build(adapter, attempt)
            started = time.perf_counter()
            try:
                client = await self._client()
                resp = await client.send(call.url, call.headers, call.encoded(), stream=stream)
            except UpstreamTimeout:
                ex.log(attempt, None, False, started, "timeout")
                ex.failures.append(Failure(attempt.provider, "timeout", None, "timeout"))
                continue
            except UpstreamConnectionError as exc:
                msg = self.scrub(f"connection error: {exc}")
                ex.log(attempt, None, False, started, msg)
                ex.failures.append(Failure(attempt.provider, "connection", None, msg))
                continue
            if 200 <= resp.status < 300:
                return attempt, adapter, resp, started
            try:
                raw = await resp.read()
            except (UpstreamTimeout, UpstreamConnectionError):
                raw = b""
            if resp.status >= 500:
                message = f"HTTP {resp.status}: {self._upstream_message(resp.status, raw)}"
                ex.log(attempt, resp.status, False, started, message)
                ex.failures.append(Failure(attempt.provider, "status", resp.status, message))
                continue
            if resp.status < 200 or 300 <= resp.status < 400:
                # Redirects are never followed (a provider key must not travel to another host) and
                # never passed on: the client asked this gateway, not the upstream's new address.
                message = f"unexpected HTTP {resp.status} (redirects are not followed)"
                ex.log(attempt, resp.status, False, started, message)
                ex.failures.append(Failure(attempt.provider, "invalid", 502, message))
                continue
            error = self._upstream_error(attempt, resp.status, raw, resp.headers)
            ex.log(attempt, resp.status, False, started, error.message)
            raise error
        raise self._all_failed(ex)

    # non-streaming -------------------------------------------------------------------------------------
    async def complete(
        self, ex: Exchange, body: dict[str, Any], *, use_cache: bool
    ) -> tuple[dict[str, Any], bool]:
        """A whole chat completion or embeddings answer; returns (response, cache hit)."""
        key = None
        if use_cache and self.cache.enabled:
            first = ex.route.attempts[0]
            key = cache_key(ex.kind, first.provider, first.model_id, body)
            hit = self.cache.get(key)
            if hit is not None:
                out = json.loads(hit)
                ex.cached = True
                add_cost(out.setdefault("usage", {}), None, cached=True)
                meta = out.get("metadata") or {}
                meta.update(request_id=ex.request_id, cached=True, routing=[])
                out["metadata"] = meta
                return out, True
        embeddings = ex.kind == "embeddings"

        def build(adapter: ChatAdapter, attempt: Attempt) -> UpstreamCall:
            if embeddings:
                return adapter.embeddings_request(attempt, body)
            return adapter.chat_request(attempt, body, False)

        while True:
            attempt, adapter, resp, started = await self._open(ex, build, stream=False)
            try:
                raw = await resp.read()
                data = json.loads(raw)
                if not isinstance(data, dict):
                    raise ValueError("not an object")
            except UpstreamTimeout:
                ex.log(attempt, resp.status, False, started, "timeout while reading the answer")
                ex.failures.append(Failure(attempt.provider, "timeout", None, "timeout"))
            except (UpstreamConnectionError, ValueError, RecursionError) as exc:
                msg = self.scrub(f"invalid answer: {exc}")
                ex.log(attempt, resp.status, False, started, msg)
                ex.failures.append(Failure(attempt.provider, "invalid", 502, msg))
            else:
                try:
                    out = (
                        adapter.embeddings_response(data, attempt)
                        if embeddings
                        else adapter.chat_response(data, attempt)
                    )
                    (check_embeddings if embeddings else check_chat)(out)
                except (ValueError, TypeError, AttributeError, KeyError) as exc:
                    msg = self.scrub(f"invalid answer: {exc}")
                    ex.log(attempt, resp.status, False, started, msg)
                    ex.failures.append(Failure(attempt.provider, "invalid", 502, msg))
                else:
                    ex.log(attempt, resp.status, True, started)
                    break
            # This attempt failed after its headers: go on with the attempts left.
            ex.route.attempts = ex.route.attempts[ex.route.attempts.index(attempt) + 1 :]
            if not ex.route.attempts:
                raise self._all_failed(ex)
        out["model"] = attempt.response_model
        usage = out.get("usage")
        if not isinstance(usage, dict) or "prompt_tokens" not in usage:
            chars = sum(
                len(str((c.get("message") or {}).get("content") or "")) for c in out.get("choices") or []
            )
            usage = estimate_usage(body, chars)
        add_cost(usage, None if attempt.custom else attempt.mapping)
        out["usage"] = usage
        out["metadata"] = ex.metadata(attempt)
        if key is not None:
            self.cache.put(key, json.dumps(out))
        return out, False

    # streaming -----------------------------------------------------------------------------------------
    def _stream_key(self, ex: Exchange, body: dict[str, Any], use_cache: bool) -> str | None:
        if not (use_cache and self.cache.enabled):
            return None
        first = ex.route.attempts[0]
        return cache_key(ex.kind, first.provider, first.model_id, body)

    def cached_stream(
        self, ex: Exchange, body: dict[str, Any], *, use_cache: bool
    ) -> AsyncIterator[Any] | None:
        """A replay of a stored stream (cost 0, metadata.cached), or None on a miss."""
        key = self._stream_key(ex, body, use_cache)
        stored = self.cache.get(key) if key else None
        if stored is None:
            return None
        ex.cached = True
        chunks = json.loads(stored)
        ex.prompt_tokens = (chunks[-1].get("usage") or {}).get("prompt_tokens")

        async def replay() -> AsyncIterator[Any]:
            for chunk in chunks[:-1]:
                yield chunk
            final = chunks[-1]
            add_cost(final.setdefault("usage", {}), None, cached=True)
            final["metadata"] = {
                **final.get("metadata", {}),
                "request_id": ex.request_id,
                "cached": True,
                "routing": [],
            }
            yield final

        return replay()

    async def open_stream(
        self, ex: Exchange, body: dict[str, Any], *, use_cache: bool = False
    ) -> AsyncIterator[Any]:
        """Connect (with failover) and return the chunk iterator; errors before the first byte raise."""
        attempt, adapter, resp, started = await self._open(
            ex, lambda a, at: a.chat_request(at, body, True), stream=True
        )
        ex.log(attempt, resp.status, True, started)
        ex.prompt_tokens = estimate_usage(body, 0)["prompt_tokens"]
        chunks = self._chunks(ex, body, attempt, adapter, resp)
        key = self._stream_key(ex, body, use_cache)
        return chunks if key is None else self._recording(chunks, key)

    async def _recording(self, chunks: AsyncIterator[Any], key: str) -> AsyncIterator[Any]:
        """Pass chunks through and store the whole stream once it completed without error."""
        seen: list[Any] = []
        try:
            async for chunk in chunks:
                seen.append(chunk)
                yield chunk
        finally:
            aclose = getattr(chunks, "aclose", None)
            if aclose is not None:
                await aclose()
        if seen and not isinstance(seen[-1], GatewayError):
            self.cache.put(key, json.dumps(seen))

    async def _chunks(
        self,
        ex: Exchange,
        body: dict[str, Any],
        attempt: Attempt,
        adapter: ChatAdapter,
        resp: UpstreamResponse,
    ) -> AsyncIterator[Any]:
        decoder = adapter.stream_decoder(attempt)
        usage: dict[str, Any] | None = None
        chars = 0
        last_id, created = "", int(time.time())
        model = attempt.response_model
        failure: GatewayError | None = None
        try:
            async for event, data in sse_events(resp.lines()):
                decoded = decoder.feed(event, data)
                known = getattr(decoder, "prompt_tokens", None)
                if known is not None:
                    ex.prompt_tokens = known
                for chunk in decoded:
                    if chunk.get("usage"):
                        usage = chunk.pop("usage")
                    last_id = chunk.get("id") or last_id
                    created = chunk.get("created") or created
                    if not chunk.get("choices"):
                        continue
                    chunk["model"] = model
                    for choice in chunk["choices"]:
                        content = (choice.get("delta") or {}).get("content")
                        if content:
                            chars += len(content)
                    yield chunk
                if decoder.done:
                    break
            finish = getattr(decoder, "finish", None)
            if finish is not None:
                for chunk in finish():
                    usage = chunk.get("usage") or usage
            if not decoder.done:
                raise UpstreamStreamError("the stream ended before its end marker")
        except UpstreamTimeout:
            failure = GatewayError(
                504,
                f"Upstream timeout: provider {attempt.provider} stopped sending",
                type="timeout_error",
                code="timeout",
            )
        except UpstreamConnectionError as exc:
            failure = GatewayError(
                502, self.scrub(f"Provider {attempt.provider} stream failed: {exc}"), code="upstream_error"
            )
        except (ValueError, TypeError, AttributeError, KeyError, RecursionError) as exc:
            # An event of the wrong shape (a decoder met something no provider sends).
            failure = GatewayError(
                502,
                self.scrub(f"Provider {attempt.provider} sent an invalid stream: {type(exc).__name__}"),
                code="upstream_error",
            )
        except UpstreamStreamError as exc:
            failure = GatewayError(
                exc.status, self.scrub(f"Provider {attempt.provider}: {exc}"), type=exc.type, code=exc.code
            )
        finally:
            await resp.aclose()
        if failure is not None:
            ex.routing[-1].update(succeeded=False, error=failure.message)
            yield failure
            return
        if usage is None or "prompt_tokens" not in usage:
            usage = estimate_usage(body, chars)
        add_cost(usage, None if attempt.custom else attempt.mapping)
        yield {
            "id": last_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "choices": [],
            "usage": usage,
            "metadata": ex.metadata(attempt),
        }

    async def with_pings(self, items: AsyncIterator[Any]) -> AsyncIterator[Any]:
        """Pass items through, yielding PING while the upstream is quiet for ping_interval seconds."""
        if self.ping_interval <= 0:
            async for item in items:
                yield item
            return
        it = items.__aiter__()
        pending: asyncio.Future[Any] | None = None
        try:
            while True:
                if pending is None:
                    pending = asyncio.ensure_future(it.__anext__())
                done, _ = await asyncio.wait({pending}, timeout=self.ping_interval)
                if not done:
                    yield PING
                    continue
                try:
                    item = pending.result()
                except StopAsyncIteration:
                    return
                finally:
                    if done:
                        pending = None
                yield item
        finally:
            if pending is not None and not pending.done():
                pending.cancel()
                try:
                    await pending
                except BaseException:  # the cancellation we asked for
                    pass
            aclose = getattr(items, "aclose", None)
            if aclose is not None:
                await aclose()
