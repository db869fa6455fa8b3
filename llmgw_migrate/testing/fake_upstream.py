"""A deterministic fake LLM provider for tests and CI: OpenAI-, Anthropic-, Azure- and Google-compatible.

    with FakeUpstream() as up:            # background thread (default), or FakeUpstream(subprocess=True)
        client = OpenAI(base_url=up.url + "/v1", api_key="anything")

Answers are a pure function of (model, conversation): two servers (or the same server reached through
different wire formats) answer the same conversation alike, which is what parity checks need. The
conversation is normalised to (role, text) pairs first, so an OpenAI request and the equivalent
Anthropic or Google request get the same text.

Failure injection, per request or per server (the kinds: testing/fake_faults.py):
- header `x-fake-fail: 500|502|503|429|400|401|timeout|disconnect|midstream|redirect|gzip-bomb|...`, or
  a model named `fail-500`, `fail-429`, `fail-timeout`, `fail-midstream`... (the part after `fail-`), or
  the server option `fail="500"` (every request fails);
- header `x-fake-delay: <seconds>` or option `delay` adds latency; `chunk_delay` paces stream chunks;
- `tool_args_variant` (option or header `x-fake-tool-args-variant`) changes generated tool arguments,
  and the variant `"invalid"` drops required properties (for negative tests).

`require_key` makes the server answer 401 unless the request carries that key (Bearer, x-api-key,
api-key or `?key=`). `.requests` lists what the server received (method, path, model, key, json);
`.request_count` counts them; `.disconnects` counts streams the client abandoned.

Run standalone: `python -m llmgw_migrate.testing.fake_upstream --port 8100`.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import os
import re
import struct
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from typing import Any

from aiohttp import web

from llmgw_migrate.testing.fake_content import (
    _digest,
    _embedding,
    _pick_tool,
    _Rng,
    _ToolCall,
    answer_text,
    canonical_anthropic,
    canonical_google,
    canonical_openai,
    count_tokens,
    value_for_schema,
)
from llmgw_migrate.testing.fake_faults import (
    BOMB_BYTES,
    Abort,
    abort_middleware,
    chunk_delay,
    error_body,
    json_response,
    midstream_fault,
    raise_failure,
    special_failure,
)

__all__ = [
    "FakeOptions",
    "FakeUpstream",
    "_Rng",
    "answer_text",
    "build_app",
    "canonical_anthropic",
    "canonical_google",
    "canonical_openai",
    "value_for_schema",
]


DEFAULT_MODELS = ("gpt-4o", "gpt-4o-mini", "text-embedding-3-small", "claude-3-5-haiku-latest")


@dataclass
class FakeOptions:
    fail: str | None = None
    delay: float = 0.0
    chunk_delay: float = 0.0
    tool_args_variant: int | str = 0
    require_key: str | None = None
    record: bool = True
    embedding_dimensions: int = 16
    models: tuple[str, ...] = DEFAULT_MODELS
    retry_after: int = 7
    bomb_bytes: int = BOMB_BYTES  # what the `gzip-bomb` fault expands to


@dataclass
class _State:
    options: FakeOptions
    requests: list[dict[str, Any]] = field(default_factory=list)
    count: int = 0
    disconnects: int = 0
    hanging: set[asyncio.Task[Any]] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)


# ----------------------------------------------------------------------------------------------------
# HTTP app
# ----------------------------------------------------------------------------------------------------

_STATE_KEY = web.AppKey("state", _State)


def _request_key(request: web.Request) -> str | None:
    auth = request.headers.get("Authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return (
        request.headers.get("x-api-key")
        or request.headers.get("api-key")
        or request.headers.get("x-goog-api-key")
        or request.query.get("key")
    )


async def _prologue(request: web.Request, fmt: str, model: str) -> tuple[_State, dict[str, Any], str | None]:
    """Record the request, check the key, apply delay and pick a failure mode (or None)."""
    state = request.app[_STATE_KEY]
    opts = state.options
    try:
        body = await request.json() if request.can_read_body else {}
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise Abort.json(400, error_body(fmt, 400, "invalid JSON body")) from None
    if not isinstance(body, dict):
        body = {}
    model = model or str(body.get("model") or "")
    key = _request_key(request)
    with state.lock:
        state.count += 1
        if opts.record:
            state.requests.append(
                {
                    "method": request.method,
                    "path": request.path,
                    "query": dict(request.query),
                    "model": model,
                    "key": key,
                    "headers": {k.lower(): v for k, v in request.headers.items()},
                    "json": body,
                }
            )
    if opts.require_key is not None and key != opts.require_key:
        raise Abort.json(401, error_body(fmt, 401, "invalid api key"))
    delay = float(request.headers.get("x-fake-delay") or opts.delay or 0)
    if delay:
        await asyncio.sleep(delay)
    fail = request.headers.get("x-fake-fail") or opts.fail
    if not fail and model.startswith("fail-"):
        fail = model[5:]
    return state, body, fail


def _openai_tools(body: dict[str, Any]) -> tuple[list[tuple[str, Any]], str | None, bool]:
    tools = []
    for t in body.get("tools") or []:
        if isinstance(t, dict) and isinstance(t.get("function"), dict):
            tools.append((str(t["function"].get("name", "tool")), t["function"].get("parameters")))
    choice = body.get("tool_choice")
    forced = None
    if isinstance(choice, dict):
        forced = (choice.get("function") or {}).get("name")
    disabled = choice == "none"
    return tools, forced, disabled


def _variant(request: web.Request, state: _State) -> int | str:
    raw = request.headers.get("x-fake-tool-args-variant")
    if raw is None:
        return state.options.tool_args_variant
    return int(raw) if raw.lstrip("-").isdigit() else raw


def _json_mode_content(model: str, convo: list[tuple[str, str]], fmt: Any, text: str) -> str | None:
    if not isinstance(fmt, dict):
        return None
    if fmt.get("type") == "json_object":
        return json.dumps({"answer": text})
    if fmt.get("type") == "json_schema":
        schema = (fmt.get("json_schema") or {}).get("schema") or {"type": "object"}
        return json.dumps(value_for_schema(schema, _Rng(_digest(model, convo, "json")), schema))
    return None


async def chat_completions(request: web.Request) -> web.StreamResponse:
    state, body, fail = await _prologue(request, "openai", request.match_info.get("deployment", ""))
    raise_failure(request, fail, "openai", state.options.retry_after, state.options.bomb_bytes)
    await special_failure(request, fail, state.hanging)
    model = request.match_info.get("deployment") or str(body.get("model") or "")
    if not model:
        return json_response(error_body("openai", 400, "you must provide a model parameter"), 400)
    if not isinstance(body.get("messages"), list) or not body["messages"]:
        return json_response(error_body("openai", 400, "messages must be a non-empty array"), 400)
    convo = canonical_openai(body["messages"])
    tools, forced, disabled = _openai_tools(body)
    call = None if disabled else _pick_tool(model, convo, tools, forced, _variant(request, state))
    n = max(1, min(int(body.get("n") or 1), 8))
    prompt_tokens = sum(count_tokens(t) for _, t in convo)
    choices_text = []
    for i in range(n):
        text = answer_text(model, convo, i)
        text = _json_mode_content(model, convo, body.get("response_format"), text) or text
        choices_text.append(text)
    created = 1_700_000_000
    rid = "chatcmpl-" + _digest(model, convo).hex()[:24]
    completion_tokens = sum(count_tokens(t) for t in choices_text) if call is None else 12
    usage = {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }
    if body.get("stream"):
        return await _stream_openai(
            request, state, fail, model, rid, created, choices_text, call, usage, body.get("stream_options")
        )
    choices = []
    for i, text in enumerate(choices_text):
        if call is not None:
            message: dict[str, Any] = {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": call.id if i == 0 else f"{call.id}_{i}",
                        "type": "function",
                        "function": {"name": call.name, "arguments": json.dumps(call.arguments)},
                    }
                ],
            }
            finish = "tool_calls"
        else:
            message = {"role": "assistant", "content": text}
            finish = "stop"
        choices.append({"index": i, "message": message, "logprobs": None, "finish_reason": finish})
    return json_response(
        {
            "id": rid,
            "object": "chat.completion",
            "created": created,
            "model": model,
            "system_fingerprint": "fp_fake",
            "choices": choices,
            "usage": usage,
        }
    )


def _pieces(text: str) -> list[str]:
    parts = re.findall(r"\S+\s*", text)
    return parts or [text]


async def _stream_openai(
    request: web.Request,
    state: _State,
    fail: str | None,
    model: str,
    rid: str,
    created: int,
    texts: list[str],
    call: _ToolCall | None,
    usage: dict[str, int],
    stream_options: Any,
) -> web.StreamResponse:
    resp = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
    await resp.prepare(request)
    pace = chunk_delay(request, fail, state.options.chunk_delay)
    base = {"id": rid, "object": "chat.completion.chunk", "created": created, "model": model}

    def chunk(index: int, delta: dict[str, Any], finish: str | None = None) -> bytes:
        data = dict(
            base, choices=[{"index": index, "delta": delta, "logprobs": None, "finish_reason": finish}]
        )
        return b"data: " + json.dumps(data, separators=(",", ":")).encode() + b"\n\n"

    sent = 0
    try:
        for i, text in enumerate(texts):
            await resp.write(chunk(i, {"role": "assistant", "content": ""}))
            if call is not None:
                args = json.dumps(call.arguments)
                head = {
                    "index": 0,
                    "id": call.id,
                    "type": "function",
                    "function": {"name": call.name, "arguments": ""},
                }
                await resp.write(chunk(i, {"tool_calls": [head]}))
                step = max(1, len(args) // 3)
                for j in range(0, len(args), step):
                    frag = {"index": 0, "function": {"arguments": args[j : j + step]}}
                    await resp.write(chunk(i, {"tool_calls": [frag]}))
                await resp.write(chunk(i, {}, "tool_calls"))
                continue
            for piece in _pieces(text):
                if await midstream_fault(request, resp, fail, sent, "openai"):
                    return resp
                if pace:
                    await asyncio.sleep(pace)
                await resp.write(chunk(i, {"content": piece}))
                sent += 1
            await resp.write(chunk(i, {}, "stop"))
        if isinstance(stream_options, dict) and stream_options.get("include_usage"):
            data = dict(base, choices=[], usage=usage)
            await resp.write(b"data: " + json.dumps(data, separators=(",", ":")).encode() + b"\n\n")
        await resp.write(b"data: [DONE]\n\n")
        await resp.write_eof()
    except (ConnectionResetError, asyncio.CancelledError):
        with state.lock:
            state.disconnects += 1
        raise
    return resp


async def embeddings(request: web.Request) -> web.Response:
    state, body, fail = await _prologue(request, "openai", request.match_info.get("deployment", ""))
    raise_failure(request, fail, "embeddings", state.options.retry_after, state.options.bomb_bytes)
    await special_failure(request, fail, state.hanging)
    model = request.match_info.get("deployment") or str(body.get("model") or "")
    raw = body.get("input")
    if raw is None or raw == [] or raw == "":
        return json_response(error_body("openai", 400, "input must not be empty"), 400)
    inputs = (
        [raw] if isinstance(raw, str) or (isinstance(raw, list) and raw and isinstance(raw[0], int)) else raw
    )
    dims = int(body.get("dimensions") or state.options.embedding_dimensions)
    data = []
    tokens = 0
    for i, item in enumerate(inputs):
        text = item if isinstance(item, str) else " ".join(str(t) for t in item)
        tokens += count_tokens(text)
        vec = _embedding(f"{model}\x00{text}", dims)
        emb: Any = vec
        if body.get("encoding_format") == "base64":
            emb = base64.b64encode(struct.pack(f"<{len(vec)}f", *vec)).decode()
        data.append({"object": "embedding", "index": i, "embedding": emb})
    return json_response(
        {
            "object": "list",
            "data": data,
            "model": model,
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        }
    )


async def models(request: web.Request) -> web.Response:
    state = request.app[_STATE_KEY]
    required = state.options.require_key
    if required is not None and _request_key(request) != required:
        # Like a LiteLLM proxy with a master key: the model list needs the key too.
        return json_response(error_body("openai", 401, "invalid api key"), 401)
    return json_response(
        {
            "object": "list",
            "data": [
                {"id": m, "object": "model", "created": 1_700_000_000, "owned_by": "fake"}
                for m in state.options.models
            ],
        }
    )


async def anthropic_messages(request: web.Request) -> web.StreamResponse:
    state, body, fail = await _prologue(request, "anthropic", "")
    raise_failure(request, fail, "anthropic", state.options.retry_after, state.options.bomb_bytes)
    await special_failure(request, fail, state.hanging)
    model = str(body.get("model") or "")
    if not model or not isinstance(body.get("messages"), list):
        return json_response(error_body("anthropic", 400, "model and messages are required"), 400)
    if "max_tokens" not in body:
        return json_response(error_body("anthropic", 400, "max_tokens: Field required"), 400)
    convo = canonical_anthropic(body)
    tools = [
        (str(t.get("name", "tool")), t.get("input_schema"))
        for t in body.get("tools") or []
        if isinstance(t, dict)
    ]
    choice = body.get("tool_choice") or {}
    forced = choice.get("name") if isinstance(choice, dict) and choice.get("type") == "tool" else None
    disabled = isinstance(choice, dict) and choice.get("type") == "none"
    call = None if disabled else _pick_tool(model, convo, tools, forced, _variant(request, state))
    text = answer_text(model, convo)
    input_tokens = sum(count_tokens(t) for _, t in convo)
    output_tokens = count_tokens(text) if call is None else 12
    mid = "msg_" + _digest(model, convo).hex()[:24]
    if body.get("stream"):
        return await _stream_anthropic(
            request, state, fail, model, mid, text, call, input_tokens, output_tokens
        )
    content: list[dict[str, Any]]
    if call is not None:
        content = [
            {
                "type": "tool_use",
                "id": call.id.replace("call_", "toolu_"),
                "name": call.name,
                "input": call.arguments,
            }
        ]
    else:
        content = [{"type": "text", "text": text}]
    return json_response(
        {
            "id": mid,
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": content,
            "stop_reason": "tool_use" if call is not None else "end_turn",
            "stop_sequence": None,
            "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens},
        }
    )


async def _stream_anthropic(
    request: web.Request,
    state: _State,
    fail: str | None,
    model: str,
    mid: str,
    text: str,
    call: _ToolCall | None,
    input_tokens: int,
    output_tokens: int,
) -> web.StreamResponse:
    resp = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
    await resp.prepare(request)
    pace = chunk_delay(request, fail, state.options.chunk_delay)

    async def event(name: str, data: dict[str, Any]) -> None:
        await resp.write(f"event: {name}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode())

    try:
        await event(
            "message_start",
            {
                "type": "message_start",
                "message": {
                    "id": mid,
                    "type": "message",
                    "role": "assistant",
                    "model": model,
                    "content": [],
                    "stop_reason": None,
                    "stop_sequence": None,
                    "usage": {"input_tokens": input_tokens, "output_tokens": 1},
                },
            },
        )
        if call is not None:
            block = {
                "type": "tool_use",
                "id": call.id.replace("call_", "toolu_"),
                "name": call.name,
                "input": {},
            }
            await event(
                "content_block_start", {"type": "content_block_start", "index": 0, "content_block": block}
            )
            args = json.dumps(call.arguments)
            step = max(1, len(args) // 3)
            for j in range(0, len(args), step):
                delta = {"type": "input_json_delta", "partial_json": args[j : j + step]}
                await event(
                    "content_block_delta", {"type": "content_block_delta", "index": 0, "delta": delta}
                )
        else:
            block = {"type": "text", "text": ""}
            await event(
                "content_block_start", {"type": "content_block_start", "index": 0, "content_block": block}
            )
            for sent, piece in enumerate(_pieces(text)):
                if await midstream_fault(request, resp, fail, sent, "anthropic"):
                    return resp
                if pace:
                    await asyncio.sleep(pace)
                delta = {"type": "text_delta", "text": piece}
                await event(
                    "content_block_delta", {"type": "content_block_delta", "index": 0, "delta": delta}
                )
        await event("content_block_stop", {"type": "content_block_stop", "index": 0})
        await event(
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": "tool_use" if call else "end_turn", "stop_sequence": None},
                "usage": {"output_tokens": output_tokens},
            },
        )
        await event("message_stop", {"type": "message_stop"})
        await resp.write_eof()
    except (ConnectionResetError, asyncio.CancelledError):
        with state.lock:
            state.disconnects += 1
        raise
    return resp


async def google_generate(request: web.Request) -> web.StreamResponse:
    target = request.match_info["target"]
    model, _, method = target.partition(":")
    state, body, fail = await _prologue(request, "google", model)
    raise_failure(request, fail, "google", state.options.retry_after, state.options.bomb_bytes)
    await special_failure(request, fail, state.hanging)
    if method not in ("generateContent", "streamGenerateContent"):
        return json_response(error_body("google", 404, f"unknown method {method}"), 404)
    if not isinstance(body.get("contents"), list):
        return json_response(error_body("google", 400, "contents is required"), 400)
    convo = canonical_google(body)
    tools = []
    for t in body.get("tools") or []:
        for fd in (t or {}).get("functionDeclarations") or (t or {}).get("function_declarations") or []:
            tools.append((str(fd.get("name", "tool")), fd.get("parameters")))
    cfg = ((body.get("toolConfig") or {}).get("functionCallingConfig")) or {}
    forced_names = cfg.get("allowedFunctionNames") or []
    disabled = cfg.get("mode") == "NONE"
    call = (
        None
        if disabled
        else _pick_tool(
            model, convo, tools, forced_names[0] if forced_names else None, _variant(request, state)
        )
    )
    text = answer_text(model, convo)
    gen = body.get("generationConfig") or {}
    if gen.get("responseMimeType") == "application/json":
        schema = gen.get("responseSchema") or gen.get("responseJsonSchema")
        text = (
            json.dumps(value_for_schema(schema, _Rng(_digest(model, convo, "json")), schema))
            if schema
            else json.dumps({"answer": text})
        )
    prompt_tokens = sum(count_tokens(t) for _, t in convo)
    out_tokens = count_tokens(text) if call is None else 12
    usage = {
        "promptTokenCount": prompt_tokens,
        "candidatesTokenCount": out_tokens,
        "totalTokenCount": prompt_tokens + out_tokens,
    }

    def candidate(parts: list[dict[str, Any]], finish: str | None) -> dict[str, Any]:
        c: dict[str, Any] = {"content": {"role": "model", "parts": parts}, "index": 0}
        if finish:
            c["finishReason"] = finish
        return c

    if method == "generateContent":
        parts = [{"functionCall": {"name": call.name, "args": call.arguments}}] if call else [{"text": text}]
        return json_response(
            {"candidates": [candidate(parts, "STOP")], "usageMetadata": usage, "modelVersion": model}
        )
    resp = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
    await resp.prepare(request)
    pace = chunk_delay(request, fail, state.options.chunk_delay)
    try:
        if call is not None:
            data = {
                "candidates": [
                    candidate([{"functionCall": {"name": call.name, "args": call.arguments}}], "STOP")
                ],
                "usageMetadata": usage,
                "modelVersion": model,
            }
            await resp.write(b"data: " + json.dumps(data).encode() + b"\r\n\r\n")
        else:
            pieces = _pieces(text)
            for i, piece in enumerate(pieces):
                if await midstream_fault(request, resp, fail, i, "google"):
                    return resp
                if pace:
                    await asyncio.sleep(pace)
                last = i == len(pieces) - 1
                data = {
                    "candidates": [candidate([{"text": piece}], "STOP" if last else None)],
                    "modelVersion": model,
                }
                if last:
                    data["usageMetadata"] = usage
                await resp.write(b"data: " + json.dumps(data).encode() + b"\r\n\r\n")
        await resp.write_eof()
    except (ConnectionResetError, asyncio.CancelledError):
        with state.lock:
            state.disconnects += 1
        raise
    return resp


async def stats(request: web.Request) -> web.Response:
    state = request.app[_STATE_KEY]
    with state.lock:
        data = {"count": state.count, "disconnects": state.disconnects, "requests": list(state.requests)}
    return json_response(data)


async def reset(request: web.Request) -> web.Response:
    state = request.app[_STATE_KEY]
    with state.lock:
        state.count = 0
        state.disconnects = 0
        state.requests.clear()
    return json_response({"ok": True})


async def health(request: web.Request) -> web.Response:
    return json_response({"status": "ok"})


def build_app(options: FakeOptions | None = None, state: _State | None = None) -> web.Application:
    """The aiohttp application (exposed so users can mount it in their own test servers)."""
    app = web.Application(client_max_size=64 * 1024 * 1024, middlewares=[abort_middleware])
    app[_STATE_KEY] = state or _State(options or FakeOptions())
    for prefix in ("/v1", "", "/openai/v1", "/openai"):
        app.router.add_post(prefix + "/chat/completions", chat_completions)
        app.router.add_post(prefix + "/embeddings", embeddings)
        app.router.add_get(prefix + "/models", models)
    app.router.add_post("/v1/messages", anthropic_messages)
    app.router.add_post("/openai/deployments/{deployment}/chat/completions", chat_completions)
    app.router.add_post("/openai/deployments/{deployment}/embeddings", embeddings)
    app.router.add_post("/v1beta/models/{target}", google_generate)
    app.router.add_post("/v1/models/{target}", google_generate)
    app.router.add_get("/__fake__/stats", stats)
    app.router.add_post("/__fake__/reset", reset)
    app.router.add_get("/health", health)
    return app


# ----------------------------------------------------------------------------------------------------
# Runner
# ----------------------------------------------------------------------------------------------------


async def _shutdown(runner: web.AppRunner, state: _State) -> None:
    """Cancel handlers hanging on purpose (injected timeouts), then stop; nothing outlives the server."""
    for task in list(state.hanging):
        task.cancel()
    await runner.cleanup()
    me = asyncio.current_task()
    rest = [t for t in asyncio.all_tasks() if t is not me]
    for t in rest:
        t.cancel()
    await asyncio.gather(*rest, return_exceptions=True)


class FakeUpstream:
    """Run the fake provider on `host:port` (0 = a free port) in a background thread or a subprocess."""

    def __init__(
        self, host: str = "127.0.0.1", port: int = 0, *, subprocess: bool = False, **options: Any
    ) -> None:
        if "models" in options:
            options["models"] = tuple(options["models"])
        self.options = FakeOptions(**options)
        self.host = host
        self.port = port
        self.use_subprocess = subprocess
        self._state = _State(self.options)
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._proc: Any = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # lifecycle -------------------------------------------------------------------------------------
    def start(self) -> FakeUpstream:
        if self.use_subprocess:
            self._start_subprocess()
        else:
            self._start_thread()
        return self

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except Exception:
                self._proc.kill()
                self._proc.wait()
            self._proc = None
        if self._loop is not None and self._thread is not None:
            loop = self._loop
            if self._runner is not None:
                fut = asyncio.run_coroutine_threadsafe(_shutdown(self._runner, self._state), loop)
                with contextlib.suppress(Exception):
                    fut.result(timeout=15)
            loop.call_soon_threadsafe(loop.stop)
            self._thread.join(timeout=10)
            self._thread = None
            self._loop = None

    def __enter__(self) -> FakeUpstream:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _start_thread(self) -> None:
        ready = threading.Event()
        errors: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            try:
                runner = web.AppRunner(build_app(state=self._state), access_log=None, handle_signals=False)
                loop.run_until_complete(runner.setup())
                site = web.TCPSite(runner, self.host, self.port, backlog=1024)
                loop.run_until_complete(site.start())
                self._runner = runner
                server = site._server
                assert server is not None
                self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
            except BaseException as exc:
                errors.append(exc)
                ready.set()
                return
            ready.set()
            loop.run_forever()
            loop.close()

        self._thread = threading.Thread(target=run, name="fake-upstream", daemon=True)
        self._thread.start()
        ready.wait(30)
        if errors:
            self._thread = None
            raise errors[0]

    def _start_subprocess(self) -> None:
        opts = asdict(self.options)
        opts["models"] = list(opts["models"])
        cmd = [
            sys.executable,
            "-m",
            "llmgw_migrate.testing.fake_upstream",
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--options",
            json.dumps(opts),
        ]
        self._proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, start_new_session=True)
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()
        match = re.search(r"http://[^:]+:(\d+)", line)
        if not match:
            self._proc.kill()
            raise RuntimeError(f"fake upstream did not start: {line!r}")
        self.port = int(match.group(1))

    @property
    def pid(self) -> int:
        return self._proc.pid if self._proc is not None else os.getpid()

    # introspection ---------------------------------------------------------------------------------
    def _remote_stats(self) -> dict[str, Any]:
        with urllib.request.urlopen(self.url + "/__fake__/stats", timeout=10) as resp:
            return json.loads(resp.read())

    @property
    def requests(self) -> list[dict[str, Any]]:
        if self._proc is not None:
            return list(self._remote_stats()["requests"])
        with self._state.lock:
            return list(self._state.requests)

    @property
    def request_count(self) -> int:
        if self._proc is not None:
            return int(self._remote_stats()["count"])
        return self._state.count

    @property
    def disconnects(self) -> int:
        if self._proc is not None:
            return int(self._remote_stats()["disconnects"])
        return self._state.disconnects

    def reset(self) -> None:
        if self._proc is not None:
            req = urllib.request.Request(self.url + "/__fake__/reset", method="POST", data=b"")
            urllib.request.urlopen(req, timeout=10).close()
            return
        with self._state.lock:
            self._state.requests.clear()
            self._state.count = 0
            self._state.disconnects = 0

    def wait_for(self, predicate: Any, timeout: float = 5.0) -> bool:
        """Poll until predicate(self) is true (for effects that land after a response, e.g. disconnects)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate(self):
                return True
            time.sleep(0.02)
        return bool(predicate(self))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m llmgw_migrate.testing.fake_upstream",
        description="A deterministic fake OpenAI/Anthropic/Azure/Google provider for tests and CI.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="Address to bind (default 127.0.0.1).")
    parser.add_argument("--port", type=int, default=0, help="Port (0: a free one; the URL is printed).")
    parser.add_argument(
        "--fail", help="Fail every request: 500, 502, 503, 429, 400, 401, timeout, midstream."
    )
    parser.add_argument("--delay", type=float, help="Seconds added before every answer.")
    parser.add_argument("--chunk-delay", type=float, help="Seconds between stream chunks.")
    parser.add_argument("--require-key", help="Answer 401 unless the request carries this key.")
    parser.add_argument("--tool-args-variant", help="Vary generated tool arguments (an int, or 'invalid').")
    parser.add_argument("--options", default="{}", help="JSON object of any FakeOptions fields.")
    args = parser.parse_args(argv)
    try:
        raw = json.loads(args.options)
    except json.JSONDecodeError as exc:
        parser.error(f"--options is not JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})")
    if not isinstance(raw, dict):
        parser.error("--options must be a JSON object")
    for name in ("fail", "delay", "chunk_delay", "require_key"):
        if getattr(args, name) is not None:
            raw[name] = getattr(args, name)
    if args.tool_args_variant is not None:
        v = args.tool_args_variant
        raw["tool_args_variant"] = int(v) if v.lstrip("-").isdigit() else v
    if "models" in raw:
        raw["models"] = tuple(raw["models"])
    try:
        options = FakeOptions(**raw)
    except TypeError as exc:
        parser.error(f"--options: {exc}")
    try:
        import uvloop

        uvloop.install()
    except ImportError:  # pragma: no cover
        pass

    async def run() -> None:
        runner = web.AppRunner(build_app(options), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, args.host, args.port, backlog=2048)
        await site.start()
        server = site._server
        assert server is not None
        port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        sys.stdout.write(f"fake upstream listening on http://{args.host}:{port}\n")
        sys.stdout.flush()
        await asyncio.Event().wait()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())


if __name__ == "__main__":
    main()
