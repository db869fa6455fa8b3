"""Response schema checks: the OpenAI chat/embeddings and Anthropic messages shapes, the error envelope,
and the JSON-schema subset tool parameters use.
"""

from __future__ import annotations

from typing import Any

from llmgw_migrate.verify.outcomes import shorten


def is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def error_envelope_problems(body: Any) -> list[tuple[str, str]]:
    if not isinstance(body, dict) or not isinstance(body.get("error"), dict):
        return [("error", "no {'error': {...}} envelope")]
    if not isinstance(body["error"].get("message"), str):
        return [("error.message", "missing or not a string")]
    return []


def chat_problems(body: Any) -> list[tuple[str, str]]:
    """Where a non-streamed chat.completion breaks the OpenAI schema."""
    if not isinstance(body, dict):
        return [("", "not a JSON object")]
    out: list[tuple[str, str]] = []
    if body.get("object") != "chat.completion":
        out.append(("object", f"expected 'chat.completion', got {body.get('object')!r}"))
    if not isinstance(body.get("model"), str):
        out.append(("model", "missing or not a string"))
    choices = body.get("choices")
    if not isinstance(choices, list) or not choices:
        return [*out, ("choices", "missing or empty")]
    for i, ch in enumerate(choices):
        p = f"choices[{i}]"
        if not isinstance(ch, dict):
            out.append((p, "not an object"))
            continue
        msg = ch.get("message")
        if not isinstance(msg, dict):
            out.append((f"{p}.message", "missing or not an object"))
            continue
        if msg.get("role") != "assistant":
            out.append((f"{p}.message.role", f"expected 'assistant', got {msg.get('role')!r}"))
        if msg.get("content") is not None and not isinstance(msg.get("content"), str):
            out.append((f"{p}.message.content", "not a string or null"))
        if not isinstance(ch.get("finish_reason"), str):
            out.append((f"{p}.finish_reason", "missing"))
        for j, tc in enumerate(msg.get("tool_calls") or ()):
            fn = tc.get("function") if isinstance(tc, dict) else None
            if not isinstance(fn, dict) or not isinstance(fn.get("name"), str):
                out.append((f"{p}.message.tool_calls[{j}].function.name", "missing"))
            elif not isinstance(fn.get("arguments"), str):
                out.append((f"{p}.message.tool_calls[{j}].function.arguments", "not a JSON string"))
    out.extend(usage_problems(body.get("usage"), chat=True))
    return out


def usage_problems(usage: Any, chat: bool) -> list[tuple[str, str]]:
    if usage is None:
        return []
    if not isinstance(usage, dict):
        return [("usage", "not an object")]
    keys = (
        ("prompt_tokens", "completion_tokens", "total_tokens") if chat else ("prompt_tokens", "total_tokens")
    )
    return [(f"usage.{k}", "missing or not an integer") for k in keys if not is_int(usage.get(k))]


def embeddings_problems(body: Any) -> list[tuple[str, str]]:
    if not isinstance(body, dict):
        return [("", "not a JSON object")]
    out: list[tuple[str, str]] = []
    if body.get("object") != "list":
        out.append(("object", f"expected 'list', got {body.get('object')!r}"))
    data = body.get("data")
    if not isinstance(data, list) or not data:
        return [*out, ("data", "missing or empty")]
    for i, item in enumerate(data):
        emb = item.get("embedding") if isinstance(item, dict) else None
        if not (
            isinstance(emb, str) or (isinstance(emb, list) and all(isinstance(x, (int, float)) for x in emb))
        ):
            out.append((f"data[{i}].embedding", "not a list of numbers or base64 string"))
    out.extend(usage_problems(body.get("usage"), chat=False))
    return out


def messages_problems(body: Any) -> list[tuple[str, str]]:
    """Where an Anthropic `message` answer breaks its schema."""
    if not isinstance(body, dict):
        return [("", "not a JSON object")]
    out: list[tuple[str, str]] = []
    if body.get("type") != "message":
        out.append(("type", f"expected 'message', got {body.get('type')!r}"))
    if body.get("role") != "assistant":
        out.append(("role", f"expected 'assistant', got {body.get('role')!r}"))
    if not isinstance(body.get("model"), str):
        out.append(("model", "missing or not a string"))
    content = body.get("content")
    if not isinstance(content, list):
        return [*out, ("content", "missing or not a list of blocks")]
    for i, block in enumerate(content):
        p = f"content[{i}]"
        if not isinstance(block, dict) or not isinstance(block.get("type"), str):
            out.append((p, "not a typed content block"))
        elif block["type"] == "text" and not isinstance(block.get("text"), str):
            out.append((f"{p}.text", "missing or not a string"))
        elif block["type"] == "tool_use":
            if not isinstance(block.get("name"), str):
                out.append((f"{p}.name", "missing"))
            if not isinstance(block.get("input"), dict):
                out.append((f"{p}.input", "missing or not an object"))
    if not isinstance(body.get("stop_reason"), str):
        out.append(("stop_reason", "missing"))
    usage = body.get("usage")
    if usage is not None:
        if not isinstance(usage, dict):
            out.append(("usage", "not an object"))
        else:
            out.extend(
                (f"usage.{k}", "missing or not an integer")
                for k in ("input_tokens", "output_tokens")
                if not is_int(usage.get(k))
            )
    return out


def schema_violations(value: Any, schema: Any, path: str = "") -> list[tuple[str, str]]:
    """Where `value` breaks `schema`: type, enum, const, required, properties, additionalProperties,
    items, minimum/maximum, minLength/maxLength, anyOf/oneOf."""
    if not isinstance(schema, dict):
        return []
    out: list[tuple[str, str]] = []
    for key in ("anyOf", "oneOf"):
        subs = schema.get(key)
        if isinstance(subs, list) and subs and not any(not schema_violations(value, s, path) for s in subs):
            out.append((path, f"matches none of {key}"))
    t = schema.get("type")
    types = t if isinstance(t, list) else [t] if t else []
    checks = {
        "object": lambda v: isinstance(v, dict),
        "array": lambda v: isinstance(v, list),
        "string": lambda v: isinstance(v, str),
        "integer": is_int,
        "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
        "boolean": lambda v: isinstance(v, bool),
        "null": lambda v: v is None,
    }
    if types and not any(checks.get(str(x), lambda v: True)(value) for x in types):
        return [*out, (path, f"expected {'|'.join(map(str, types))}, got {type(value).__name__}")]
    if "enum" in schema and value not in schema["enum"]:
        out.append((path, f"{shorten(value)!r} is not one of {schema['enum']}"))
    if "const" in schema and value != schema["const"]:
        out.append((path, f"expected {schema['const']!r}"))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            out.append((path, f"{value} < minimum {schema['minimum']}"))
        if "maximum" in schema and value > schema["maximum"]:
            out.append((path, f"{value} > maximum {schema['maximum']}"))
    if isinstance(value, str):
        if "minLength" in schema and len(value) < schema["minLength"]:
            out.append((path, f"shorter than {schema['minLength']}"))
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            out.append((path, f"longer than {schema['maxLength']}"))
    if isinstance(value, dict):
        props = schema.get("properties") or {}
        for req in schema.get("required") or ():
            if req not in value:
                out.append((join_path(path, req), "required property missing"))
        for k, v in value.items():
            if k in props:
                out.extend(schema_violations(v, props[k], join_path(path, k)))
            elif schema.get("additionalProperties") is False:
                out.append((join_path(path, k), "property not allowed by the schema"))
            elif isinstance(schema.get("additionalProperties"), dict):
                out.extend(schema_violations(v, schema["additionalProperties"], join_path(path, k)))
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(value):
            out.extend(schema_violations(item, schema["items"], f"{path}[{i}]"))
    return out


def join_path(path: str, key: Any) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)
