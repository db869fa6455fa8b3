"""Stream protocol: an OpenAI SSE stream or an Anthropic event stream folded into one summary (the
assembled answer and the protocol problems seen on the way).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from llmgw_migrate.verify.outcomes import shorten
from llmgw_migrate.verify.replay import StreamCapture
from llmgw_migrate.verify.response_shapes import is_int


@dataclass
class StreamSummary:
    """A stream folded into the shape of a chat.completion, plus its protocol problems."""

    body: dict[str, Any]
    problems: list[tuple[str, str]]


def fold_stream(cap: StreamCapture) -> StreamSummary:
    problems: list[tuple[str, str]] = [("stream.framing", e) for e in cap.framing_errors[:3]]
    if not cap.done:
        problems.append(("stream.done", "no data: [DONE] at the end"))
    choices: dict[int, dict[str, Any]] = {}
    roles: dict[int, int] = {}
    body: dict[str, Any] = {"object": "chat.completion"}
    for k, chunk in enumerate(cap.chunks()):
        if not isinstance(chunk, dict):
            problems.append((f"stream.chunks[{k}]", "not a JSON object"))
            continue
        if "__invalid_json__" in chunk:
            problems.append((f"stream.chunks[{k}]", "data is not JSON"))
            continue
        if "error" in chunk:
            problems.append(("stream.error", shorten(json.dumps(chunk["error"], default=str))))
            continue
        if chunk.get("object") != "chat.completion.chunk":
            problems.append(
                (
                    f"stream.chunks[{k}].object",
                    f"expected 'chat.completion.chunk', got {chunk.get('object')!r}",
                )
            )
        for key in ("id", "created", "model", "system_fingerprint"):
            if key in chunk and key not in body:
                body[key] = chunk[key]
        if isinstance(chunk.get("usage"), dict):
            body["usage"] = chunk["usage"]
        for ch in chunk.get("choices") or ():
            if not isinstance(ch, dict):
                continue
            idx = ch.get("index", 0) if is_int(ch.get("index", 0)) else 0
            agg = choices.setdefault(idx, {"index": idx, "message": {"role": None, "content": None}})
            delta = ch.get("delta") or {}
            if not isinstance(delta, dict):
                problems.append((f"stream.choices[{idx}].delta", "not an object"))
                continue
            if delta.get("role"):
                roles[idx] = roles.get(idx, 0) + 1
                agg["message"]["role"] = delta["role"]
            if isinstance(delta.get("content"), str):
                agg["message"]["content"] = (agg["message"]["content"] or "") + delta["content"]
            for tc in delta.get("tool_calls") or ():
                if not isinstance(tc, dict):
                    continue
                calls = agg["message"].setdefault("tool_calls", [])
                raw_index = tc.get("index")
                ti: int = raw_index if isinstance(raw_index, int) and not isinstance(raw_index, bool) else -1
                if ti < 0:
                    # No index: a new call when it carries an id, else more of the last one.
                    ti = len(calls) if tc.get("id") is not None or not calls else len(calls) - 1
                while len(calls) <= ti:
                    calls.append({"id": None, "type": "function", "function": {"name": "", "arguments": ""}})
                call = calls[ti]
                if tc.get("id"):
                    call["id"] = tc["id"]
                fn = tc.get("function") or {}
                if fn.get("name"):
                    call["function"]["name"] += fn["name"]
                if isinstance(fn.get("arguments"), str):
                    call["function"]["arguments"] += fn["arguments"]
            if ch.get("finish_reason"):
                agg["finish_reason"] = ch["finish_reason"]
    body["choices"] = [choices[i] for i in sorted(choices)]
    if not choices:
        problems.append(("stream.choices", "no choice deltas"))
    for idx, agg in choices.items():
        n = roles.get(idx, 0)
        if n != 1:
            problems.append((f"stream.choices[{idx}].role_deltas", f"{n} role deltas (expected exactly 1)"))
        if not agg.get("finish_reason"):
            problems.append((f"stream.choices[{idx}].finish_reason", "no chunk carries finish_reason"))
    return StreamSummary(body, problems)


def fold_anthropic_stream(cap: StreamCapture) -> StreamSummary:
    """An Anthropic event stream (message_start ... message_stop) folded into the `message` it builds."""
    problems: list[tuple[str, str]] = [("stream.framing", e) for e in cap.framing_errors[:3]]
    events = [e for e in cap.chunks() if isinstance(e, dict)]
    body: dict[str, Any] = {}
    blocks: dict[int, dict[str, Any]] = {}
    partial: dict[int, str] = {}
    kinds = [str(e.get("type")) for e in events if e.get("type") != "ping"]
    if not kinds or kinds[0] != "message_start":
        problems.append(("stream.message_start", "the stream does not open with message_start"))
    if "message_stop" not in kinds:
        problems.append(("stream.message_stop", "no message_stop event"))
    elif kinds[-1] != "message_stop":
        problems.append(("stream.message_stop", "events after message_stop"))
    for ev in events:
        kind = ev.get("type")
        if kind == "error" or ("error" in ev and kind is None):
            problems.append(("stream.error", shorten(json.dumps(ev.get("error"), default=str))))
        elif kind == "message_start" and isinstance(ev.get("message"), dict):
            body = {k: v for k, v in ev["message"].items() if k != "content"}
            body["usage"] = dict(body.get("usage") or {})
        elif kind == "content_block_start" and is_int(ev.get("index")):
            block = dict(ev.get("content_block") or {})
            if block.get("type") == "tool_use":
                block["input"] = {}
                partial[ev["index"]] = ""
            blocks[ev["index"]] = block
        elif kind == "content_block_delta" and is_int(ev.get("index")):
            idx, delta = ev["index"], ev.get("delta") or {}
            target = blocks.get(idx)
            if target is None:
                problems.append((f"stream.content[{idx}]", "delta before content_block_start"))
                continue
            block = target
            if delta.get("type") == "text_delta":
                block["text"] = str(block.get("text") or "") + str(delta.get("text") or "")
            elif delta.get("type") == "input_json_delta":
                partial[idx] = partial.get(idx, "") + str(delta.get("partial_json") or "")
            elif delta.get("type") == "thinking_delta":
                block["thinking"] = str(block.get("thinking") or "") + str(delta.get("thinking") or "")
        elif kind == "message_delta":
            delta = ev.get("delta") or {}
            for key in ("stop_reason", "stop_sequence"):
                if key in delta:
                    body[key] = delta[key]
            if isinstance(ev.get("usage"), dict):
                body.setdefault("usage", {}).update(ev["usage"])
    for idx, text in partial.items():
        if text:
            try:
                blocks[idx]["input"] = json.loads(text)
            except json.JSONDecodeError:
                problems.append((f"stream.content[{idx}].input", f"tool input is not JSON: {shorten(text)}"))
    body["content"] = [blocks[i] for i in sorted(blocks)]
    if not body.get("stop_reason"):
        problems.append(("stream.stop_reason", "no message_delta carries stop_reason"))
    return StreamSummary(body, problems)
