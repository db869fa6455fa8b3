"""Google AI Studio (Gemini `generateContent` / `streamGenerateContent?alt=sse`) behind chat completions."""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from llmgw_migrate.gateway.errors import bad_request
from llmgw_migrate.gateway.providers.base import (
    InvalidAnswer,
    UpstreamCall,
    UpstreamStreamError,
    error_message,
    join_url,
    now,
    text_of,
    tool_args,
)

if TYPE_CHECKING:
    from llmgw_migrate.gateway.routing import Attempt

FINISH = {
    "STOP": "stop",
    "MAX_TOKENS": "length",
    "SAFETY": "content_filter",
    "RECITATION": "content_filter",
    "PROHIBITED_CONTENT": "content_filter",
    "BLOCKLIST": "content_filter",
    "SPII": "content_filter",
}


def _parts(content: Any) -> list[dict[str, Any]]:
    if content is None:
        return []
    if isinstance(content, str):
        return [{"text": content}] if content else []
    parts: list[dict[str, Any]] = []
    for p in content if isinstance(content, list) else [content]:
        if isinstance(p, str):
            parts.append({"text": p})
        elif isinstance(p, dict) and p.get("type") in ("text", "input_text"):
            parts.append({"text": p.get("text", "")})
        elif isinstance(p, dict) and p.get("type") == "image_url":
            url = (p.get("image_url") or {}).get("url", "")
            if url.startswith("data:") and ";base64," in url:
                mime, data = url[5:].split(";base64,", 1)
                parts.append({"inlineData": {"mimeType": mime, "data": data}})
            else:
                parts.append({"fileData": {"fileUri": url}})
    return parts


def _strip_schema(schema: Any) -> Any:
    """Gemini's OpenAPI subset rejects some JSON Schema keywords: drop them."""
    if isinstance(schema, dict):
        return {
            k: _strip_schema(v)
            for k, v in schema.items()
            if k not in ("$schema", "additionalProperties", "$id", "strict", "examples", "default")
        }
    if isinstance(schema, list):
        return [_strip_schema(v) for v in schema]
    return schema


def to_google(body: dict[str, Any]) -> dict[str, Any]:
    system: list[str] = []
    contents: list[dict[str, Any]] = []
    names: dict[str, str] = {}  # tool_call_id -> function name, for functionResponse parts

    def push(role: str, parts: list[dict[str, Any]]) -> None:
        if not parts:
            return
        if contents and contents[-1]["role"] == role:
            contents[-1]["parts"].extend(parts)
        else:
            contents.append({"role": role, "parts": parts})

    for m in body.get("messages") or []:
        if not isinstance(m, dict):
            raise bad_request("each message must be an object", param="messages")
        role = m.get("role")
        if role in ("system", "developer"):
            system.append(text_of(m.get("content")))
        elif role == "user":
            push("user", _parts(m.get("content")))
        elif role == "assistant":
            parts = _parts(m.get("content"))
            for tc in m.get("tool_calls") or []:
                fn = tc.get("function") or {}
                names[tc.get("id") or ""] = fn.get("name", "")
                parts.append(
                    {"functionCall": {"name": fn.get("name", ""), "args": tool_args(fn.get("arguments"))}}
                )
            push("model", parts)
        elif role == "tool":
            name = names.get(m.get("tool_call_id") or "", m.get("name") or "tool")
            response = {"name": name, "response": {"content": text_of(m.get("content"))}}
            push("user", [{"functionResponse": response}])
        else:
            raise bad_request(f"unsupported message role {role!r}", param="messages")
    out: dict[str, Any] = {"contents": contents}
    if system:
        out["systemInstruction"] = {"parts": [{"text": "\n\n".join(s for s in system if s)}]}
    gen: dict[str, Any] = {}
    for src, dst in (
        ("temperature", "temperature"),
        ("top_p", "topP"),
        ("top_k", "topK"),
        ("max_tokens", "maxOutputTokens"),
        ("n", "candidateCount"),
        ("presence_penalty", "presencePenalty"),
        ("frequency_penalty", "frequencyPenalty"),
    ):
        if body.get(src) is not None:
            gen[dst] = body[src]
    stop = body.get("stop")
    if stop:
        gen["stopSequences"] = [stop] if isinstance(stop, str) else list(stop)
    fmt = body.get("response_format")
    if isinstance(fmt, dict) and fmt.get("type") in ("json_object", "json_schema"):
        gen["responseMimeType"] = "application/json"
        schema = (fmt.get("json_schema") or {}).get("schema") if fmt.get("type") == "json_schema" else None
        if schema:
            gen["responseSchema"] = _strip_schema(schema)
    if gen:
        out["generationConfig"] = gen
    decls = []
    for t in body.get("tools") or []:
        fn = t.get("function") if isinstance(t, dict) else None
        if isinstance(fn, dict):
            decl = {"name": fn.get("name", ""), "description": fn.get("description", "")}
            if fn.get("parameters"):
                decl["parameters"] = _strip_schema(fn["parameters"])
            decls.append(decl)
    if decls:
        out["tools"] = [{"functionDeclarations": decls}]
        choice = body.get("tool_choice")
        if choice == "none":
            out["toolConfig"] = {"functionCallingConfig": {"mode": "NONE"}}
        elif choice == "required":
            out["toolConfig"] = {"functionCallingConfig": {"mode": "ANY"}}
        elif isinstance(choice, dict) and isinstance(choice.get("function"), dict):
            name = choice["function"].get("name", "")
            out["toolConfig"] = {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": [name]}}
    return out


def _call_id(name: str, args: Any, salt: str) -> str:
    return (
        "call_"
        + hashlib.sha256(f"{salt}:{name}:{json.dumps(args, sort_keys=True)}".encode()).hexdigest()[:24]
    )


def _usage(meta: dict[str, Any]) -> dict[str, Any]:
    prompt = int(meta.get("promptTokenCount") or 0)
    completion = int(meta.get("candidatesTokenCount") or 0) + int(meta.get("thoughtsTokenCount") or 0)
    out: dict[str, Any] = {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }
    cached = int(meta.get("cachedContentTokenCount") or 0)
    if cached:
        out["prompt_tokens_details"] = {"cached_tokens": cached}
    return out


def _candidate_delta(cand: dict[str, Any], salt: str) -> tuple[str, list[dict[str, Any]]]:
    text = []
    calls = []
    for part in (cand.get("content") or {}).get("parts") or []:
        if "text" in part and not part.get("thought"):
            text.append(part["text"])
        elif "functionCall" in part:
            fc = part["functionCall"]
            args = fc.get("args") or {}
            calls.append(
                {
                    "id": _call_id(fc.get("name", ""), args, salt),
                    "type": "function",
                    "function": {"name": fc.get("name", ""), "arguments": json.dumps(args)},
                }
            )
    return "".join(text), calls


def from_google(data: dict[str, Any], model: str) -> dict[str, Any]:
    choices = []
    rid = (
        data.get("responseId")
        or "chatcmpl-" + hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:24]
    )
    candidates = data.get("candidates")
    if not candidates and isinstance(data.get("promptFeedback"), dict):
        # A blocked prompt: no candidates, a block reason. An answer, filtered, not a broken one.
        candidates = [{"content": {"parts": []}, "finishReason": "SAFETY"}]
    if not isinstance(candidates, list) or not candidates:
        raise InvalidAnswer("a Google answer without candidates")
    for i, cand in enumerate(candidates):
        if not isinstance(cand, dict):
            raise InvalidAnswer("a Google candidate that is not an object")
        text, calls = _candidate_delta(cand, f"{rid}:{i}")
        message: dict[str, Any] = {"role": "assistant", "content": text if text or not calls else None}
        if calls:
            message["tool_calls"] = calls
        finish = "tool_calls" if calls else FINISH.get(cand.get("finishReason") or "STOP", "stop")
        choices.append({"index": cand.get("index", i), "message": message, "finish_reason": finish})
    return {
        "id": rid,
        "object": "chat.completion",
        "created": now(),
        "model": data.get("modelVersion") or model,
        "choices": choices,
        "usage": _usage(data.get("usageMetadata") or {}),
    }


class GoogleStreamDecoder:
    def __init__(self, model: str) -> None:
        self.done = False
        self.model = model
        self.created = now()
        self.id = ""
        self.started: set[int] = set()
        self.calls: dict[int, int] = {}
        self.usage: dict[str, Any] | None = None
        self.finished = False  # a finishReason was seen: the stream may end

    def feed(self, event: str | None, data: str) -> list[dict[str, Any]]:
        try:
            ev = json.loads(data)
        except ValueError:
            raise UpstreamStreamError("the provider sent an invalid stream event") from None
        if isinstance(ev, dict) and "error" in ev:
            raise UpstreamStreamError(error_message(ev, "the provider reported a stream error"))
        if not self.id:
            self.id = ev.get("responseId") or "chatcmpl-" + hashlib.sha256(data.encode()).hexdigest()[:24]
        chunks = []
        for i, cand in enumerate(ev.get("candidates") or []):
            index = cand.get("index", i)
            text, calls = _candidate_delta(cand, f"{self.id}:{index}:{self.calls.get(index, 0)}")
            delta: dict[str, Any] = {}
            if index not in self.started:
                self.started.add(index)
                delta["role"] = "assistant"
            if text:
                delta["content"] = text
            if calls:
                base = self.calls.get(index, 0)
                delta["tool_calls"] = [dict(c, index=base + j) for j, c in enumerate(calls)]
                self.calls[index] = base + len(calls)
            reason = cand.get("finishReason")
            finish = None
            if reason:
                self.finished = True
                finish = "tool_calls" if self.calls.get(index) else FINISH.get(reason, "stop")
            if delta or finish:
                chunks.append(
                    {
                        "id": self.id,
                        "object": "chat.completion.chunk",
                        "created": self.created,
                        "model": ev.get("modelVersion") or self.model,
                        "choices": [{"index": index, "delta": delta, "finish_reason": finish}],
                    }
                )
        if ev.get("usageMetadata"):
            self.usage = _usage(ev["usageMetadata"])
        return chunks

    def finish(self) -> list[dict[str, Any]]:
        """Google streams just end (after a finishReason; `done` stays false when none came): the usage
        chunk comes from the last usageMetadata seen."""
        self.done = self.finished
        if self.usage is None:
            return []
        return [
            {
                "id": self.id,
                "object": "chat.completion.chunk",
                "created": self.created,
                "model": self.model,
                "choices": [],
                "usage": self.usage,
            }
        ]


class GoogleAdapter:
    name = "google-ai-studio"
    supports_embeddings = False

    def _headers(self, attempt: Attempt) -> dict[str, str]:
        headers = {"Content-Type": "application/json"}
        key = attempt.access.next_key()
        if key:
            headers["x-goog-api-key"] = key
        return headers

    def chat_request(self, attempt: Attempt, body: dict[str, Any], stream: bool) -> UpstreamCall:
        method = "streamGenerateContent?alt=sse" if stream else "generateContent"
        path = f"/v1beta/models/{quote(attempt.upstream_model, safe='')}:{method}"
        return UpstreamCall(
            join_url(attempt.access.base_url or "", path), self._headers(attempt), to_google(body)
        )

    def chat_response(self, data: dict[str, Any], attempt: Attempt) -> dict[str, Any]:
        return from_google(data, attempt.upstream_model)

    def stream_decoder(self, attempt: Attempt) -> GoogleStreamDecoder:
        return GoogleStreamDecoder(attempt.upstream_model)

    def embeddings_request(self, attempt: Attempt, body: dict[str, Any]) -> UpstreamCall:
        raise bad_request(
            "Google AI Studio embeddings are not supported by the embedded gateway",
            code="unsupported_provider",
        )

    def embeddings_response(self, data: dict[str, Any], attempt: Attempt) -> dict[str, Any]:
        return data
