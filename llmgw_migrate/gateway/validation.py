"""Request validation: the shapes the gateway's request schema accepts, checked before any routing.

Bad fields get 400 `invalid_parameters` naming the field, as on the gateway, instead of reaching an
adapter that would have to guess (or crash) on them.
"""

from __future__ import annotations

from typing import Any

from llmgw_migrate.gateway.errors import GatewayError, bad_request

ROLES = frozenset({"system", "developer", "user", "assistant", "tool", "function"})
TOOL_CHOICES = frozenset({"none", "auto", "required"})
FORMATS = frozenset({"text", "json_object", "json_schema"})


def _one_of(value: Any, allowed: frozenset[str]) -> bool:
    return isinstance(value, str) and value in allowed


def _fail(param: str, message: str) -> GatewayError:
    return bad_request(f"{param}: {message}", param=param)


def _content(value: Any, param: str, *, allow_none: bool) -> None:
    if value is None:
        if not allow_none:
            raise _fail(param, "is required")
        return
    if isinstance(value, str):
        return
    if not isinstance(value, list):
        raise _fail(param, "must be a string or an array of content parts")
    for i, part in enumerate(value):
        if not isinstance(part, dict) or not isinstance(part.get("type"), str):
            raise _fail(f"{param}[{i}]", "must be an object with a type")
        if part["type"] == "text" and not isinstance(part.get("text"), str):
            raise _fail(f"{param}[{i}].text", "must be a string")
        if part["type"] == "image_url":
            image = part.get("image_url")
            url = image.get("url") if isinstance(image, dict) else image
            if not isinstance(url, str):
                raise _fail(f"{param}[{i}].image_url.url", "must be a string")


def _tool_calls(value: Any, param: str) -> None:
    if not isinstance(value, list):
        raise _fail(param, "must be an array")
    for i, call in enumerate(value):
        where = f"{param}[{i}]"
        if not isinstance(call, dict):
            raise _fail(where, "must be an object")
        if "id" in call and not isinstance(call["id"], str):
            raise _fail(f"{where}.id", "must be a string")
        fn = call.get("function")
        if not isinstance(fn, dict) or not isinstance(fn.get("name"), str):
            raise _fail(f"{where}.function.name", "must be a string")
        if "arguments" in fn and not isinstance(fn["arguments"], (str, dict)):
            raise _fail(f"{where}.function.arguments", "must be a JSON string")


def validate_chat(body: dict[str, Any]) -> None:
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise _fail("messages", "must be a non-empty array")
    for i, m in enumerate(messages):
        where = f"messages[{i}]"
        if not isinstance(m, dict):
            raise _fail(where, "must be an object")
        role = m.get("role")
        if not _one_of(role, ROLES):
            raise _fail(f"{where}.role", f"must be one of {', '.join(sorted(ROLES))}")
        _content(m.get("content"), f"{where}.content", allow_none=role == "assistant")
        if "tool_calls" in m and m["tool_calls"] is not None:
            _tool_calls(m["tool_calls"], f"{where}.tool_calls")
        if role == "tool" and not isinstance(m.get("tool_call_id"), str):
            raise _fail(f"{where}.tool_call_id", "must be a string")
        if "name" in m and not isinstance(m["name"], str):
            raise _fail(f"{where}.name", "must be a string")
    tools = body.get("tools")
    if tools is not None:
        if not isinstance(tools, list):
            raise _fail("tools", "must be an array")
        for i, t in enumerate(tools):
            fn = t.get("function") if isinstance(t, dict) else None
            if not isinstance(fn, dict) or not isinstance(fn.get("name"), str):
                raise _fail(f"tools[{i}].function.name", "must be a string")
            if fn.get("parameters") is not None and not isinstance(fn["parameters"], dict):
                raise _fail(f"tools[{i}].function.parameters", "must be a JSON Schema object")
    choice = body.get("tool_choice")
    if choice is not None and not _one_of(choice, TOOL_CHOICES):
        fn = choice.get("function") if isinstance(choice, dict) else None
        if not isinstance(fn, dict) or not isinstance(fn.get("name"), str):
            raise _fail("tool_choice", "must be none, auto, required or {type: function, function: {name}}")
    fmt = body.get("response_format")
    if fmt is not None:
        if not isinstance(fmt, dict) or not _one_of(fmt.get("type"), FORMATS):
            raise _fail("response_format", "must be an object with type text, json_object or json_schema")
        if fmt["type"] == "json_schema" and not isinstance(fmt.get("json_schema"), dict):
            raise _fail("response_format.json_schema", "must be an object")
    for name in ("stream",):
        if name in body and not isinstance(body[name], bool):
            raise _fail(name, "must be a boolean")
    for name in ("n", "max_tokens"):
        value = body.get(name)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
            raise _fail(name, "must be a positive integer")
    for name in ("temperature", "top_p", "frequency_penalty", "presence_penalty"):
        value = body.get(name)
        if value is not None and (not isinstance(value, (int, float)) or isinstance(value, bool)):
            raise _fail(name, "must be a number")


def _blocks(value: Any, param: str, kinds: frozenset[str]) -> None:
    if isinstance(value, str):
        return
    if not isinstance(value, list):
        raise _fail(param, "must be a string or an array of content blocks")
    for i, block in enumerate(value):
        where = f"{param}[{i}]"
        if not isinstance(block, dict) or not _one_of(block.get("type"), kinds):
            raise _fail(f"{where}.type", f"must be one of {', '.join(sorted(kinds))}")
        kind = block["type"]
        if kind == "text" and not isinstance(block.get("text"), str):
            raise _fail(f"{where}.text", "must be a string")
        if kind == "tool_use":
            if not isinstance(block.get("id"), str) or not isinstance(block.get("name"), str):
                raise _fail(where, "tool_use needs string id and name")
            if "input" in block and not isinstance(block["input"], dict):
                raise _fail(f"{where}.input", "must be an object")
        if kind == "tool_result":
            if not isinstance(block.get("tool_use_id"), str):
                raise _fail(f"{where}.tool_use_id", "must be a string")
            if "content" in block and block["content"] is not None:
                _blocks(block["content"], f"{where}.content", frozenset({"text", "image"}))
        if kind == "image" and not isinstance(block.get("source"), dict):
            raise _fail(f"{where}.source", "must be an object")


_USER_BLOCKS = frozenset({"text", "image", "tool_result", "document"})
_ASSISTANT_BLOCKS = frozenset({"text", "tool_use", "thinking", "redacted_thinking"})


def validate_messages(body: dict[str, Any]) -> None:
    """An Anthropic Messages request (`POST /v1/messages`)."""
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise _fail("messages", "must be a non-empty array")
    for i, m in enumerate(messages):
        where = f"messages[{i}]"
        if not isinstance(m, dict) or not _one_of(m.get("role"), frozenset({"user", "assistant"})):
            raise _fail(f"{where}.role", "must be user or assistant")
        kinds = _USER_BLOCKS if m["role"] == "user" else _ASSISTANT_BLOCKS
        _blocks(m.get("content"), f"{where}.content", kinds)
    if body.get("system") is not None:
        _blocks(body["system"], "system", frozenset({"text"}))
    tools = body.get("tools")
    if tools is not None:
        if not isinstance(tools, list):
            raise _fail("tools", "must be an array")
        for i, t in enumerate(tools):
            if not isinstance(t, dict) or not isinstance(t.get("name"), str):
                raise _fail(f"tools[{i}].name", "must be a string")
            if t.get("input_schema") is not None and not isinstance(t["input_schema"], dict):
                raise _fail(f"tools[{i}].input_schema", "must be an object")
    choice = body.get("tool_choice")
    if choice is not None:
        if not isinstance(choice, dict) or not _one_of(
            choice.get("type"), frozenset({"auto", "any", "tool", "none"})
        ):
            raise _fail("tool_choice.type", "must be auto, any, tool or none")
        if choice["type"] == "tool" and not isinstance(choice.get("name"), str):
            raise _fail("tool_choice.name", "must be a string")
    value = body.get("max_tokens")
    if value is None:
        raise _fail("max_tokens", "Field required (Anthropic's Messages API requires it)")
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise _fail("max_tokens", "must be a positive integer")
    if body.get("metadata") is not None and not isinstance(body["metadata"], dict):
        raise _fail("metadata", "must be an object")
    stops = body.get("stop_sequences")
    if stops is not None and (not isinstance(stops, list) or not all(isinstance(s, str) for s in stops)):
        raise _fail("stop_sequences", "must be an array of strings")
    if "stream" in body and not isinstance(body["stream"], bool):
        raise _fail("stream", "must be a boolean")
    thinking = body.get("thinking")
    if thinking is not None and (
        not isinstance(thinking, dict) or not isinstance(thinking.get("budget_tokens", 0), int)
    ):
        raise _fail("thinking", "must be an object with an integer budget_tokens")
    for name in ("temperature", "top_p", "top_k"):
        v = body.get(name)
        if v is not None and (not isinstance(v, (int, float)) or isinstance(v, bool)):
            raise _fail(name, "must be a number")


def validate_embeddings(body: dict[str, Any]) -> None:
    value = body.get("input")
    ok = (isinstance(value, str) and value != "") or (
        isinstance(value, list)
        and bool(value)
        and (
            all(isinstance(v, str) for v in value)
            or all(isinstance(v, int) and not isinstance(v, bool) for v in value)
            or all(isinstance(v, list) and all(isinstance(t, int) for t in v) for v in value)
        )
    )
    if not ok:
        raise _fail("input", "must be a non-empty string, array of strings or array of token arrays")
    fmt = body.get("encoding_format")
    if fmt is not None and not _one_of(fmt, frozenset({"float", "base64"})):
        raise _fail("encoding_format", "must be float or base64")
    dims = body.get("dimensions")
    if dims is not None and (not isinstance(dims, int) or isinstance(dims, bool) or dims < 1):
        raise _fail("dimensions", "must be a positive integer")
