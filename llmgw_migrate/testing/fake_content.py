"""Deterministic answer content for the fake upstream: a pure function of (model, conversation).

The conversation is normalised to (role, text) pairs first, so an OpenAI request and the equivalent
Anthropic or Google request get the same text, tool call and embedding.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from typing import Any

_WORDS = (
    "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa "
    "quebec romeo sierra tango uniform victor whiskey xray yankee zulu amber basil cedar dune ember fern "
    "granite harbor island jasper kelp lagoon meadow nectar orchid pebble quartz river summit timber "
    "umber valley willow yarrow zephyr"
).split()


def _text_of(content: Any) -> str:
    """Text of an OpenAI/Anthropic/Google content value (string or list of parts)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        out = []
        for part in content:
            if isinstance(part, str):
                out.append(part)
            elif isinstance(part, dict):
                if isinstance(part.get("text"), str):
                    out.append(part["text"])
                elif part.get("type") == "tool_result":
                    out.append(_text_of(part.get("content")))
                elif "functionResponse" in part:
                    out.append(json.dumps(part["functionResponse"].get("response"), sort_keys=True))
        return "".join(out)
    return str(content)


def canonical_openai(messages: Any) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for m in messages if isinstance(messages, list) else []:
        if not isinstance(m, dict):
            continue
        role = str(m.get("role", "user"))
        role = "system" if role == "developer" else role
        out.append((role, _text_of(m.get("content"))))
    return out


def canonical_anthropic(body: dict[str, Any]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    system = body.get("system")
    if system:
        out.append(("system", _text_of(system)))
    for m in body.get("messages") or []:
        if not isinstance(m, dict):
            continue
        content = m.get("content")
        if isinstance(content, list) and any(
            isinstance(p, dict) and p.get("type") == "tool_result" for p in content
        ):
            for p in content:
                if isinstance(p, dict) and p.get("type") == "tool_result":
                    out.append(("tool", _text_of(p.get("content"))))
                elif isinstance(p, dict) and p.get("type") == "text":
                    out.append(("user", p.get("text", "")))
            continue
        out.append((str(m.get("role", "user")), _text_of(content)))
    return out


def canonical_google(body: dict[str, Any]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    system = body.get("systemInstruction") or body.get("system_instruction")
    if isinstance(system, dict):
        out.append(("system", _text_of(system.get("parts"))))
    for c in body.get("contents") or []:
        if not isinstance(c, dict):
            continue
        parts = c.get("parts") or []
        role = {"model": "assistant"}.get(str(c.get("role", "user")), str(c.get("role", "user")))
        if any(isinstance(p, dict) and "functionResponse" in p for p in parts):
            role = "tool"
        out.append((role, _text_of(parts)))
    return out


def _digest(model: str, convo: list[tuple[str, str]], salt: str = "") -> bytes:
    payload = json.dumps([model, convo, salt], separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(payload.encode()).digest()


def answer_text(model: str, convo: list[tuple[str, str]], choice: int = 0) -> str:
    """The reply text for a conversation: a pure function of (model, conversation, choice index)."""
    d = _digest(model, convo, f"choice{choice}" if choice else "")
    n = 6 + d[0] % 7
    words = [_WORDS[d[1 + i] % len(_WORDS)] for i in range(n)]
    last_user = next((t for r, t in reversed(convo) if r in ("user", "tool")), "")
    tail = last_user.strip().split()[:3]
    return "Fake reply " + " ".join(words) + (" re: " + " ".join(tail) if tail else "") + "."


def count_tokens(text: str) -> int:
    return max(1, len(text.split())) if text else 0


class _Rng:
    """A tiny deterministic byte stream seeded from a digest."""

    def __init__(self, seed: bytes) -> None:
        self.seed = seed
        self.i = 0

    def next(self) -> int:
        self.i += 1
        return hashlib.sha256(self.seed + self.i.to_bytes(4, "big")).digest()[0]


def value_for_schema(schema: Any, rng: _Rng, root: Any, variant: int | str = 0, depth: int = 0) -> Any:
    """A value valid against a (common subset of) JSON Schema, chosen deterministically."""
    if not isinstance(schema, dict) or depth > 8:
        return "x"
    if "$ref" in schema and isinstance(schema["$ref"], str) and schema["$ref"].startswith("#/"):
        target: Any = root
        for part in schema["$ref"][2:].split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        return value_for_schema(target, rng, root, variant, depth + 1)
    if "const" in schema:
        return schema["const"]
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return schema["enum"][rng.next() % len(schema["enum"])]
    for key in ("anyOf", "oneOf"):
        options = schema.get(key)
        if isinstance(options, list) and options:
            non_null = [o for o in options if not (isinstance(o, dict) and o.get("type") == "null")]
            return value_for_schema((non_null or options)[0], rng, root, variant, depth + 1)
    if isinstance(schema.get("allOf"), list) and schema["allOf"]:
        merged: dict[str, Any] = {}
        for s in schema["allOf"]:
            if isinstance(s, dict):
                merged.update(s)
        return value_for_schema(merged, rng, root, variant, depth + 1)
    typ = schema.get("type")
    if isinstance(typ, list):
        typ = next((t for t in typ if t != "null"), "null")
    if typ is None:
        typ = "object" if "properties" in schema else "string"
    if typ == "object":
        props = schema.get("properties") or {}
        required = [r for r in schema.get("required") or [] if r in props]
        out: dict[str, Any] = {}
        for name, sub in props.items():
            if variant == "invalid" and name in required:
                continue
            out[name] = value_for_schema(sub, rng, root, variant, depth + 1)
        return out
    if typ == "array":
        n = max(int(schema.get("minItems", 1)), 1)
        if "maxItems" in schema:
            n = min(n, int(schema["maxItems"]))
        return [value_for_schema(schema.get("items") or {}, rng, root, variant, depth + 1) for _ in range(n)]
    if typ in ("integer", "number"):
        lo: float = schema.get("minimum", schema.get("exclusiveMinimum", 0)) or 0
        hi: float = schema.get("maximum", schema.get("exclusiveMaximum", lo + 100)) or 0
        if "exclusiveMinimum" in schema and "minimum" not in schema:
            lo = lo + 1
        if "exclusiveMaximum" in schema and "maximum" not in schema:
            hi = hi - 1
        lo_i, hi_i = math.ceil(lo), math.floor(hi)
        value = lo_i + rng.next() % max(hi_i - lo_i + 1, 1) if hi_i >= lo_i else lo
        return int(value) if typ == "integer" else float(value)
    if typ == "boolean":
        return rng.next() % 2 == 0
    if typ == "null":
        return None
    # string
    fmt = schema.get("format")
    if fmt == "date":
        return "2026-01-0" + str(1 + rng.next() % 9)
    if fmt == "date-time":
        return "2026-01-01T00:00:0" + str(rng.next() % 10) + "Z"
    if fmt == "email":
        return _WORDS[rng.next() % len(_WORDS)] + "@example.com"
    if fmt in ("uri", "url"):
        return "https://example.com/" + _WORDS[rng.next() % len(_WORDS)]
    word = _WORDS[rng.next() % len(_WORDS)]
    min_len = int(schema.get("minLength", 0))
    if len(word) < min_len:
        word = (word * (min_len // len(word) + 1))[:min_len]
    if "maxLength" in schema:
        word = word[: max(int(schema["maxLength"]), 0)]
    return word


@dataclass
class _ToolCall:
    id: str
    name: str
    arguments: dict[str, Any]


def _pick_tool(
    model: str,
    convo: list[tuple[str, str]],
    tools: list[tuple[str, Any]],
    forced: str | None,
    variant: int | str,
) -> _ToolCall | None:
    """A tool call when tools are offered and the conversation does not end with a tool result."""
    if not tools or (convo and convo[-1][0] == "tool"):
        return None
    name, schema = tools[0]
    if forced:
        for n, s in tools:
            if n == forced:
                name, schema = n, s
                break
    seed = _digest(model, convo, f"tool:{name}:{variant}")
    args = value_for_schema(schema or {"type": "object"}, _Rng(seed), schema, variant)
    if not isinstance(args, dict):
        args = {"value": args}
    return _ToolCall(id="call_" + seed.hex()[:24], name=name, arguments=args)


def _embedding(text: str, dims: int) -> list[float]:
    raw = hashlib.sha256(text.encode()).digest()
    while len(raw) < dims:
        raw += hashlib.sha256(raw).digest()
    vec = [(b - 127.5) / 127.5 for b in raw[:dims]]
    norm = math.sqrt(sum(v * v for v in vec)) or 1.0
    return [round(v / norm, 6) for v in vec]
