"""The ASGI app: LLM Gateway's HTTP surface in front of the providers a plan uses.

Routes: POST /v1/chat/completions, POST /v1/embeddings, POST /v1/messages (Anthropic format),
GET /v1/models (no auth), GET / (health). Order of checks as on the gateway: content type and size,
JSON, fields, model validation, then the API key.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from llmgw_migrate import __version__
from llmgw_migrate.config.catalog import Catalog, load_catalog
from llmgw_migrate.config.plan import Plan
from llmgw_migrate.gateway import messages_api
from llmgw_migrate.gateway.cache import ResponseCache
from llmgw_migrate.gateway.catalog_view import list_models
from llmgw_migrate.gateway.errors import GatewayError
from llmgw_migrate.gateway.json_body import parse_body
from llmgw_migrate.gateway.keys import KeyRing
from llmgw_migrate.gateway.pipeline import PING, Exchange, Forwarder
from llmgw_migrate.gateway.routing import Router
from llmgw_migrate.gateway.settings import GatewaySettings
from llmgw_migrate.gateway.upstream import UpstreamClient, make_client
from llmgw_migrate.gateway.uptime import Uptime
from llmgw_migrate.gateway.validation import validate_chat, validate_embeddings, validate_messages
from llmgw_migrate.rules_data import dropped_params

if TYPE_CHECKING:
    from llmgw_migrate.gateway.key_policy import KeyPolicy, LocalKey

log = logging.getLogger("llmgw_migrate.gateway")

_TRUE = ("1", "true", "yes", "on")
CLIENT_CLOSED = 499  # nginx's status for "the client closed the connection": logged, never answered
# No hop-by-hop headers (Connection, Keep-Alive...): uvicorn owns the connection and sets those.
_SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


def _dumps(data: Any) -> bytes:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()


def _custom_modes(plan: Plan | None) -> dict[str, frozenset[str]]:
    modes: dict[str, set[str]] = {}
    for m in plan.models if plan is not None else []:
        if m.custom and m.provider:
            modes.setdefault(m.provider, set()).add(m.mode)
    return {name: frozenset(found) for name, found in modes.items()}


class Gateway:
    """State shared by all requests: catalog, keys, router, cache, and the one pooled upstream client."""

    def __init__(
        self,
        plan: Plan | None,
        settings: GatewaySettings,
        catalog: Catalog | None = None,
        key_policy: KeyPolicy | None = None,
    ) -> None:
        self.plan = plan
        self.key_policy = key_policy  # `gateway --keys`: per-key limits and IAM rules (key_policy.py)
        self.settings = settings
        self.catalog = catalog or load_catalog()
        self.keys = KeyRing.build(self.catalog, plan, settings.environ())
        self.router = Router(
            self.catalog, self.keys, settings.provider_order, settings.max_retries, _custom_modes(plan)
        )
        self.uptime = Uptime()
        self.cache = ResponseCache(settings.cache_ttl, settings.cache_max_entries)
        self.dropped = frozenset() if settings.forward_all else frozenset(dropped_params())
        self._api_keys = [k.encode() for k in settings.api_keys]
        self._client: UpstreamClient | None = None
        self._client_started = False
        self.forwarder = Forwarder(self.client, self.cache, self.keys.secrets(), settings.ping_interval)

    # upstream client -----------------------------------------------------------------------------------
    async def client(self) -> UpstreamClient:
        """The shared upstream client; started by the app's lifespan, or here on first use (apps run
        without lifespan events, e.g. mounted in another app)."""
        if self._client is not None and self._client_started:
            return self._client
        await self.start()
        assert self._client is not None
        return self._client

    async def start(self) -> None:
        if not self._client_started:
            client = make_client(self.settings)
            await client.start()
            if self._client_started:  # another request won the race while this one awaited
                await client.aclose()
                return
            self._client, self._client_started = client, True

    async def stop(self) -> None:
        if self._client is not None:
            await self._client.aclose()
        self._client, self._client_started = None, False

    # checks --------------------------------------------------------------------------------------------
    def authenticate(self, request: Request, route: Any = None) -> LocalKey | None:
        """Check the API key; with a keys plan, a plan key's token is admitted by its limits and IAM
        rules (which may narrow `route`) and returned so its usage can be recorded."""
        auth = request.headers.get("authorization", "")
        token = auth[7:].strip() if auth[:7].lower() == "bearer " else request.headers.get("x-api-key", "")
        if not token:
            raise GatewayError(
                401,
                "Unauthorized: No API key provided (send Authorization: Bearer <key> or x-api-key)",
                code="invalid_api_key",
            )
        supplied = token.encode()
        ok = False
        for key in self._api_keys:  # compare with every key: timing says nothing about which matched
            ok |= hmac.compare_digest(supplied, key)
        if not ok and self.key_policy is not None:
            return self.key_policy.admit(token, route)
        if not ok:
            raise GatewayError(401, "Unauthorized: Invalid API key", code="invalid_api_key")
        return None

    def record(self, holder: LocalKey | None, out: dict[str, Any]) -> None:
        if self.key_policy is not None:
            self.key_policy.record(holder, out.get("usage"))

    def metered(self, holder: LocalKey | None, chunks: AsyncIterator[Any]) -> AsyncIterator[Any]:
        return chunks if self.key_policy is None else self.key_policy.metered(holder, chunks)

    async def read_json(self, request: Request) -> dict[str, Any]:
        ctype = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if ctype != "application/json":
            raise GatewayError(415, "Content-Type must be application/json", code="unsupported_media_type")
        limit = self.settings.max_body_bytes
        length = request.headers.get("content-length")
        if length and length.isdigit() and int(length) > limit:
            raise GatewayError(413, f"Request body too large (limit {limit} bytes)", code="request_too_large")
        chunks = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise GatewayError(
                    413, f"Request body too large (limit {limit} bytes)", code="request_too_large"
                )
            chunks.append(chunk)
        return parse_body(b"".join(chunks))

    def prepare_chat(self, body: dict[str, Any], keep: frozenset[str] = frozenset()) -> dict[str, Any]:
        validate_chat(body)
        if self.dropped:
            body = {k: v for k, v in body.items() if k not in self.dropped or k in keep}
        return body

    def route(self, body: dict[str, Any], request: Request, kind: str, rid: str) -> Exchange:
        no_fallback = request.headers.get("x-no-fallback", "").lower() in _TRUE
        route = self.router.resolve(
            body.get("model"),
            kind=kind,
            today=self.settings.current_date(),
            no_fallback=no_fallback,
            down=self.uptime.down(),
        )
        return Exchange(route=route, request_id=rid, kind=kind, uptime=self.uptime)


def _request_id(request: Request) -> str:
    """The client's x-request-id (echoed), else a new one: every answer carries one."""
    rid = request.headers.get("x-request-id", "")
    return rid[:200] if rid else uuid.uuid4().hex


def _json(data: Any, rid: str, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    out = {"x-request-id": rid}
    if headers:
        out.update(headers)
    return Response(_dumps(data), status_code=status, media_type="application/json", headers=out)


def _error(exc: GatewayError, rid: str, anthropic: bool = False) -> Response:
    headers = dict(exc.headers)
    headers["x-request-id"] = rid
    return Response(
        exc.body_bytes(anthropic), status_code=exc.status, media_type="application/json", headers=headers
    )


def _no_cache(request: Request) -> bool:
    return request.headers.get("x-no-cache", "").lower() in _TRUE


async def _sse_openai(items: AsyncIterator[Any]) -> AsyncIterator[bytes]:
    n = 0
    async for item in items:
        if item is PING:
            yield PING
            continue
        if isinstance(item, GatewayError):
            yield b"event: error\ndata: " + _dumps(item.openai_body()) + b"\n\n"
            yield b"event: done\ndata: [DONE]\n\n"
            return
        n += 1
        yield b"id: " + str(n).encode() + b"\ndata: " + _dumps(item) + b"\n\n"
    yield b"data: [DONE]\n\n"


def create_app(
    plan: Plan | None,
    settings: GatewaySettings,
    *,
    catalog: Catalog | None = None,
    key_policy: KeyPolicy | None = None,
) -> Starlette:
    """The embedded gateway as a Starlette app (run it with uvicorn, or `server.serve_in_thread`)."""
    gw = Gateway(plan, settings, catalog, key_policy)

    async def _stream(
        ex: Exchange, body: dict[str, Any], rid: str, use_cache: bool
    ) -> tuple[AsyncIterator[Any], dict[str, str]]:
        headers = {"x-request-id": rid, **_SSE_HEADERS}
        replay = gw.forwarder.cached_stream(ex, body, use_cache=use_cache)
        if replay is not None:
            return replay, {**headers, "x-llmgateway-cache": "HIT"}
        return await gw.forwarder.open_stream(ex, body, use_cache=use_cache), headers

    def logged(handler: Any) -> Any:
        """One log line per request when INFO is on (--log-requests): never bodies, never keys."""

        anthropic = handler.__name__ == "messages"

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except ClientDisconnect:
                # The client left while sending its body: nothing to answer, nothing went wrong here.
                log.debug("client disconnected on %s %s", request.method, request.url.path)
                return Response(status_code=CLIENT_CLOSED, headers={"x-request-id": _request_id(request)})
            except Exception as exc:
                # A bug must still answer in the envelope (and never with a traceback or a key).
                log.exception("internal error on %s %s", request.method, request.url.path)
                err = GatewayError(500, f"Internal error in the embedded gateway ({type(exc).__name__})")
                return _error(err, _request_id(request), anthropic=anthropic)

        async def wrapper(request: Request) -> Response:
            if not log.isEnabledFor(logging.INFO):
                return await guarded(request)
            started = time.perf_counter()
            resp = await guarded(request)
            log.info(
                "%s %s %s %.1fms rid=%s",
                request.method,
                request.url.path,
                resp.status_code,
                (time.perf_counter() - started) * 1000,
                resp.headers.get("x-request-id", "-"),
            )
            return resp

        return wrapper

    async def chat_completions(request: Request) -> Response:
        rid = _request_id(request)
        try:
            body = gw.prepare_chat(await gw.read_json(request))
            ex = gw.route(body, request, "chat", rid)
            holder = gw.authenticate(request, ex.route)
            use_cache = not _no_cache(request)
            if body.get("stream"):
                chunks, headers = await _stream(ex, body, rid, use_cache)
                stream = _sse_openai(gw.forwarder.with_pings(gw.metered(holder, chunks)))
                return StreamingResponse(stream, media_type="text/event-stream", headers=headers)
            out, hit = await gw.forwarder.complete(ex, body, use_cache=use_cache)
            gw.record(holder, out)
            resp = _json(out, rid, headers={"x-llmgateway-cache": "HIT"} if hit else None)
        except GatewayError as exc:
            resp = _error(exc, rid)
        return resp

    async def embeddings(request: Request) -> Response:
        rid = _request_id(request)
        try:
            body = await gw.read_json(request)
            validate_embeddings(body)
            ex = gw.route(body, request, "embeddings", rid)
            holder = gw.authenticate(request, ex.route)
            out, hit = await gw.forwarder.complete(ex, body, use_cache=not _no_cache(request))
            gw.record(holder, out)
            return _json(out, rid, headers={"x-llmgateway-cache": "HIT"} if hit else None)
        except GatewayError as exc:
            return _error(exc, rid)

    async def messages(request: Request) -> Response:
        rid = _request_id(request)
        try:
            raw = await gw.read_json(request)
            validate_messages(raw)
            body = gw.prepare_chat(messages_api.to_openai(raw), keep=messages_api.KEPT)
            ex = gw.route(body, request, "chat", rid)
            holder = gw.authenticate(request, ex.route)
            use_cache = not _no_cache(request)
            if body.get("stream"):
                chunks, headers = await _stream(ex, body, rid, use_cache)
                events = messages_api.anthropic_events(
                    gw.forwarder.with_pings(gw.metered(holder, chunks)), lambda: ex.prompt_tokens
                )
                return StreamingResponse(events, media_type="text/event-stream", headers=headers)
            out, hit = await gw.forwarder.complete(ex, body, use_cache=use_cache)
            gw.record(holder, out)
            hit_headers = {"x-llmgateway-cache": "HIT"} if hit else None
            return _json(messages_api.from_openai(out), rid, headers=hit_headers)
        except GatewayError as exc:
            return _error(exc, rid, anthropic=True)

    # Catalog, keys and plan are fixed for the server's life: the list changes only with the date and the
    # query flags, so build it once per (date, flags) instead of walking the catalog on every request.
    model_lists: dict[tuple[Any, ...], dict[str, Any]] = {}

    async def models(request: Request) -> Response:
        q = request.query_params
        flags = tuple(
            q.get(name, "").lower() in _TRUE
            for name in ("include_deactivated", "exclude_deprecated", "mapped", "available")
        )
        today = settings.current_date()
        key = (today, *flags)
        data = model_lists.get(key)
        if data is None:
            if len(model_lists) > 64:
                model_lists.clear()
            data = model_lists[key] = list_models(
                gw.catalog,
                gw.keys,
                today,
                include_deactivated=flags[0],
                exclude_deprecated=flags[1],
                mapped=flags[2],
                available=flags[3],
                plan=gw.plan,
            )
        return _json(data, _request_id(request))

    async def health(request: Request) -> Response:
        providers = sorted(p for p, a in gw.keys.providers.items() if a.has_key)
        return _json(
            {
                "message": "OK",
                "version": __version__,
                "embedded": True,
                "providers": providers,
                "custom_providers": sorted(gw.keys.custom),
            },
            _request_id(request),
        )

    async def not_found(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 404
        message = "Method not allowed" if status == 405 else f"Not found: {request.method} {request.url.path}"
        err = GatewayError(status, message, code="not_found" if status == 404 else "method_not_allowed")
        return _error(err, _request_id(request))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await gw.start()
        try:
            yield
        finally:
            await gw.stop()

    routes = [Route("/", logged(health), methods=["GET"])]
    for path, handler, method in (
        ("/v1/chat/completions", chat_completions, "POST"),
        ("/v1/embeddings", embeddings, "POST"),
        ("/v1/messages", messages, "POST"),
        ("/v1/models", models, "GET"),
    ):
        # With and without a trailing slash alike: a redirect would turn a POST into a failed retry.
        wrapped = logged(handler)
        routes += [Route(path, wrapped, methods=[method]), Route(path + "/", wrapped, methods=[method])]
    app = Starlette(routes=routes, lifespan=lifespan, exception_handlers={404: not_found, 405: not_found})
    app.router.redirect_slashes = False
    app.state.gateway = gw
    return app
