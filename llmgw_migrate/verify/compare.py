"""The comparison ladder (conventions.md): each replayed case ends pass, differ or error.

Ladder, in order: transport (error) -> status class and code -> error envelope -> response schema and
stream protocol (SSE framing, one role delta, finish_reason, [DONE]) -> volatile fields removed and known
gateway differences normalised (rules/parity.yaml) -> model -> finish_reason -> tool-call names and
parsed arguments (validated against the tool's JSON schema) -> usage within tolerance -> content (exact
at temperature 0, else similarity) -> every other field the before side sent.

Noise (Diffy): with noise samples, the before side's own answers are compared with each other first;
a before/after difference at a path where the before side already disagrees with itself is noise.
"""

from __future__ import annotations

import base64
import difflib
import functools
import json
import math
import re
import struct
from dataclasses import dataclass, field
from typing import Any

from llmgw_migrate.config.catalog import Catalog, name_variants
from llmgw_migrate.resources import rules_path
from llmgw_migrate.verify.replay import Exchange, StreamCapture
from llmgw_migrate.verify.suite import MESSAGES, Case

PASS, DIFFER, ERROR = "pass", "differ", "error"
_TOKEN_KEYS = ("prompt_tokens", "completion_tokens", "total_tokens", "input_tokens", "output_tokens")
_MISSING: Any = object()
MAX_VALUE_CHARS = 300


# rules ------------------------------------------------------------------------------------------------
def _pattern(path: str) -> re.Pattern[str]:
    rx = re.escape(path).replace(r"\[\*\]", r"\[\d+\]")
    return re.compile(rx + r"(?:$|[.\[])")


@dataclass
class StatusEquivalent:
    id: str
    before: int
    after: int
    before_error_type: str | None = None
    # Case kinds the equivalence may excuse (e.g. only the unknown-model case): a status pair that means
    # "both refused" for a deliberate error case means "nothing works" for a plain chat.
    kinds: tuple[str, ...] = ()


@dataclass
class ParityRules:
    volatile: list[re.Pattern[str]] = field(default_factory=list)
    known: list[tuple[str, re.Pattern[str]]] = field(default_factory=list)  # (rule id, path pattern)
    status_equivalents: list[StatusEquivalent] = field(default_factory=list)
    dropped_affect: list[re.Pattern[str]] = field(default_factory=list)
    dropped_params: dict[str, str] = field(default_factory=dict)
    usage_relative: float = 0.10
    usage_absolute: int = 2
    similarity: float = 0.80
    embedding_cosine: float = 0.9999

    def volatile_path(self, path: str) -> bool:
        return any(p.match(path) for p in self.volatile)

    def known_rule(self, path: str) -> str | None:
        for rule_id, p in self.known:
            if p.match(path):
                return rule_id
        return None


@functools.cache
def load_parity_rules() -> ParityRules:
    """rules/parity.yaml (+ the dropped-parameter list of rules/rewrites/dropped_params.yaml)."""
    from ruamel.yaml import YAML

    from llmgw_migrate.rules_data import dropped_params

    data = YAML(typ="safe").load(rules_path("parity.yaml").read_text(encoding="utf-8"))
    tol = data.get("tolerances") or {}
    return ParityRules(
        volatile=[_pattern(v["path"]) for v in data.get("volatile") or ()],
        known=[(k["id"], _pattern(p)) for k in data.get("known") or () for p in k.get("paths") or ()],
        status_equivalents=[
            StatusEquivalent(
                id=s["id"],
                before=int(s["before"]),
                after=int(s["after"]),
                before_error_type=s.get("before_error_type"),
                kinds=tuple(s.get("kinds") or ()),
            )
            for s in data.get("status_equivalents") or ()
        ],
        dropped_affect=[_pattern(p) for p in data.get("dropped_params_affect") or ()],
        dropped_params=dropped_params(),
        usage_relative=float(tol.get("usage_relative", 0.10)),
        usage_absolute=int(tol.get("usage_absolute", 2)),
        similarity=float(tol.get("similarity", 0.80)),
        embedding_cosine=float(tol.get("embedding_cosine", 0.9999)),
    )


# results ----------------------------------------------------------------------------------------------
@dataclass
class Difference:
    path: str
    before: Any
    after: Any
    check: str  # ladder step: status | envelope | schema | stream | model | finish_reason | tool_calls | ...
    rule: str | None = None  # parity rule id, for known differences

    def as_dict(self) -> dict[str, Any]:
        out = {"path": self.path, "before": self.before, "after": self.after, "check": self.check}
        if self.rule:
            out["rule"] = self.rule
        return out


@dataclass
class Comparison:
    status: str
    differences: list[Difference] = field(default_factory=list)
    known: list[Difference] = field(default_factory=list)
    noise: list[Difference] = field(default_factory=list)
    error: str | None = None


@dataclass
class CompareOptions:
    similarity: float | None = None  # None: rules' default
    usage_relative: float | None = None
    usage_absolute: int | None = None


def _short(value: Any) -> Any:
    """Keep report values small: long strings and big structures are cut."""
    if value is _MISSING:
        return None
    if isinstance(value, str):
        return value if len(value) <= MAX_VALUE_CHARS else value[:MAX_VALUE_CHARS] + "..."
    if isinstance(value, (dict, list)):
        text = json.dumps(value, ensure_ascii=False, default=str)
        if len(text) > MAX_VALUE_CHARS:
            return text[:MAX_VALUE_CHARS] + "..."
    return value


# schema checks ----------------------------------------------------------------------------------------
def _is_int(v: Any) -> bool:
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
    out.extend(_usage_problems(body.get("usage"), chat=True))
    return out


def _usage_problems(usage: Any, chat: bool) -> list[tuple[str, str]]:
    if usage is None:
        return []
    if not isinstance(usage, dict):
        return [("usage", "not an object")]
    keys = (
        ("prompt_tokens", "completion_tokens", "total_tokens") if chat else ("prompt_tokens", "total_tokens")
    )
    return [(f"usage.{k}", "missing or not an integer") for k in keys if not _is_int(usage.get(k))]


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
    out.extend(_usage_problems(body.get("usage"), chat=False))
    return out


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
            problems.append(("stream.error", _short(json.dumps(chunk["error"], default=str))))
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
            idx = ch.get("index", 0) if _is_int(ch.get("index", 0)) else 0
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


# Anthropic /v1/messages ---------------------------------------------------------------------------------
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
                if not _is_int(usage.get(k))
            )
    return out


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
            problems.append(("stream.error", _short(json.dumps(ev.get("error"), default=str))))
        elif kind == "message_start" and isinstance(ev.get("message"), dict):
            body = {k: v for k, v in ev["message"].items() if k != "content"}
            body["usage"] = dict(body.get("usage") or {})
        elif kind == "content_block_start" and _is_int(ev.get("index")):
            block = dict(ev.get("content_block") or {})
            if block.get("type") == "tool_use":
                block["input"] = {}
                partial[ev["index"]] = ""
            blocks[ev["index"]] = block
        elif kind == "content_block_delta" and _is_int(ev.get("index")):
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
                problems.append((f"stream.content[{idx}].input", f"tool input is not JSON: {_short(text)}"))
    body["content"] = [blocks[i] for i in sorted(blocks)]
    if not body.get("stop_reason"):
        problems.append(("stream.stop_reason", "no message_delta carries stop_reason"))
    return StreamSummary(body, problems)


# JSON schema (the subset tool parameters use) ---------------------------------------------------------
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
        "integer": _is_int,
        "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
        "boolean": lambda v: isinstance(v, bool),
        "null": lambda v: v is None,
    }
    if types and not any(checks.get(str(x), lambda v: True)(value) for x in types):
        return [*out, (path, f"expected {'|'.join(map(str, types))}, got {type(value).__name__}")]
    if "enum" in schema and value not in schema["enum"]:
        out.append((path, f"{_short(value)!r} is not one of {schema['enum']}"))
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
                out.append((_join(path, req), "required property missing"))
        for k, v in value.items():
            if k in props:
                out.extend(schema_violations(v, props[k], _join(path, k)))
            elif schema.get("additionalProperties") is False:
                out.append((_join(path, k), "property not allowed by the schema"))
            elif isinstance(schema.get("additionalProperties"), dict):
                out.extend(schema_violations(v, schema["additionalProperties"], _join(path, k)))
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(value):
            out.extend(schema_violations(item, schema["items"], f"{path}[{i}]"))
    return out


def _join(path: str, key: Any) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


# error messages -----------------------------------------------------------------------------------------
# Cases built to fail on both sides (error parity); every other case is an ordinary request that must work.
ERROR_CASE_KINDS = frozenset({"unknown-model", "bad-key"})
# Ladder steps whose answer depends on which deployment of a load-balanced group served the request.
DEPLOYMENT_CHECKS = frozenset({"model", "content", "usage", "tool_arguments", "json_mode", "embeddings"})


def error_message(ex: Exchange, width: int = 200) -> str | None:
    """The reason a side gave for a failed request: transport error, error.message, or the raw text."""
    if ex.error:
        return ex.error
    if ex.ok:
        return None
    body = ex.body
    msg: Any = None
    if isinstance(body, dict):
        err = body.get("error")
        if isinstance(err, dict):
            msg = err.get("message")
        elif isinstance(err, str):
            msg = err
        msg = msg or body.get("detail") or body.get("message")
    if not msg and ex.stream is not None:
        for chunk in ex.stream.chunks():
            if isinstance(chunk, dict) and isinstance(chunk.get("error"), dict):
                msg = chunk["error"].get("message")
                break
    if not msg:
        msg = ex.text
    if not isinstance(msg, str):
        msg = json.dumps(msg, default=str)
    text = " ".join(msg.split())
    if not text:
        return None
    return text if len(text) <= width else text[: width - 3] + "..."


def _failure(name: str, ex: Exchange) -> str:
    msg = error_message(ex)
    status = ex.status if ex.status is not None else "no answer"
    return f"{name} {status}" + (f": {msg}" if msg else "")


# the ladder -------------------------------------------------------------------------------------------
class Comparer:
    def __init__(
        self,
        catalog: Catalog | None = None,
        rules: ParityRules | None = None,
        opts: CompareOptions | None = None,
        served: dict[str, str] | None = None,
        groups: dict[str, int] | None = None,
    ) -> None:
        """`served`: client-facing name -> the upstream model LiteLLM serves for it (from the plan).
        LiteLLM echoes the model group name the client sent; this says which model that stands for.
        `groups`: client-facing names LiteLLM load-balances over several deployments -> how many."""
        self.catalog = catalog
        self.served = dict(served or {})
        self.groups = {k: v for k, v in (groups or {}).items() if v > 1}
        self.rules = rules or load_parity_rules()
        opts = opts or CompareOptions()
        self.similarity = opts.similarity if opts.similarity is not None else self.rules.similarity
        self.usage_rel = opts.usage_relative if opts.usage_relative is not None else self.rules.usage_relative
        self.usage_abs = opts.usage_absolute if opts.usage_absolute is not None else self.rules.usage_absolute

    # entry point
    def compare(
        self, case: Case, before: Exchange, after: Exchange, noise: list[Exchange] | None = None
    ) -> Comparison:
        if before.error or after.error:
            parts = [f"{name}: {ex.error}" for name, ex in (("before", before), ("after", after)) if ex.error]
            return Comparison(ERROR, error="; ".join(parts))
        if case.kind not in ERROR_CASE_KINDS and not before.ok and not after.ok:
            # An ordinary request refused by both sides proves nothing: equal statuses are not parity.
            why = "; ".join(_failure(n, ex) for n, ex in (("before", before), ("after", after)))
            return Comparison(ERROR, error=f"the request failed on both sides: {why}")
        diffs = self._diff(case, before, after)
        samples = [n for n in noise or () if not n.error]
        known = [d for d in diffs if d.rule]
        real = [d for d in diffs if not d.rule]
        noisy: list[Difference] = []
        if case.model in self.groups and real:
            # A load-balanced group: which deployment answers is LiteLLM's choice, so the fields that depend
            # on the deployment vary from run to run. They are noise by construction (repeated runs must
            # agree); an empty answer where the before side had one is still a difference.
            kept = []
            for d in real:
                if d.check in DEPLOYMENT_CHECKS and d.after is not None:
                    noisy.append(d)
                else:
                    kept.append(d)
            real = kept
        if samples and real:
            noisy_paths: set[str] = set()
            floors: dict[str, float] = {}
            for sample in samples:
                for d in self._diff(case, before, sample):
                    if d.rule:
                        continue
                    noisy_paths.add(d.path)
                    if d.check == "content" and isinstance(d.after, str) and isinstance(d.before, str):
                        ratio = _similarity(d.before, d.after)
                        floors[d.path] = min(floors.get(d.path, 1.0), ratio)
            kept = []
            for d in real:
                if _path_related(d.path, noisy_paths):
                    floor = floors.get(d.path)
                    # Content differs between the before side's own answers: the after side passes when it
                    # is at least as close to the before answer as the before side is to itself.
                    if floor is not None and d.check == "content" and isinstance(d.after, str):
                        ratio = _similarity(str(d.before), d.after)
                        if ratio + 1e-9 < floor:
                            kept.append(d)
                            continue
                    noisy.append(d)
                else:
                    kept.append(d)
            real = kept
        return Comparison(DIFFER if real else PASS, real, known, noisy)

    # before vs after (or before vs a noise sample)
    def _diff(self, case: Case, before: Exchange, after: Exchange) -> list[Difference]:
        out: list[Difference] = []
        bs, as_ = before.status or 0, after.status or 0
        if bs != as_:
            rule = self._status_equivalent(bs, as_, before.body, case.kind)
            if rule:
                out.append(Difference("status", bs, as_, "status", rule))
            else:
                return [Difference("status", bs, as_, "status")]
        if not (200 <= bs < 300):
            before_bad = error_envelope_problems(before.body)
            for path, problem in error_envelope_problems(after.body):
                if not before_bad:
                    out.append(Difference(path, "OpenAI error envelope", problem, "envelope"))
            return out
        if case.stream:
            return out + self._diff_stream(case, before, after)
        return out + self._diff_body(case, before.body, after.body, before, after)

    def _status_equivalent(self, before: int, after: int, before_body: Any, kind: str) -> str | None:
        err = before_body.get("error") if isinstance(before_body, dict) else None
        etype = err.get("type") if isinstance(err, dict) else None
        for eq in self.rules.status_equivalents:
            if eq.kinds and kind not in eq.kinds:
                continue
            if eq.before == before and eq.after == after:
                if eq.before_error_type is None or eq.before_error_type == etype:
                    return eq.id
        return None

    def _diff_stream(self, case: Case, before: Exchange, after: Exchange) -> list[Difference]:
        out: list[Difference] = []
        if after.stream is None or before.stream is None:
            if before.stream is not None and after.stream is None:
                ctype = after.headers.get("content-type", "?")
                return [Difference("stream", "text/event-stream", f"not a stream ({ctype})", "stream")]
            if before.stream is None and after.stream is None:
                return self._diff_body(case, before.body, after.body, before, after)
            return out  # the before side did not stream: nothing to hold the after side to
        fold = fold_anthropic_stream if case.endpoint == MESSAGES else fold_stream
        b, a = fold(before.stream), fold(after.stream)
        if "text/event-stream" not in after.headers.get("content-type", ""):
            if "text/event-stream" in before.headers.get("content-type", ""):
                out.append(
                    Difference(
                        "stream.content_type",
                        "text/event-stream",
                        after.headers.get("content-type"),
                        "stream",
                    )
                )
        before_problems = {p for p, _ in b.problems}
        for path, problem in a.problems:
            if path not in before_problems:
                out.append(Difference(path, "valid", problem, "stream"))
        if "usage" not in b.body and "usage" in a.body:
            pass  # final-usage-chunk: gateway always reports usage; an addition, never a difference
        return out + self._diff_fields(case, b.body, a.body)

    def _diff_body(
        self, case: Case, before: Any, after: Any, bex: Exchange, aex: Exchange
    ) -> list[Difference]:
        if after is None and aex.text:
            return [Difference("", "JSON body", f"not JSON: {_short(aex.text)}", "schema")]
        check = (
            embeddings_problems
            if case.endpoint.endswith("embeddings")
            else messages_problems
            if case.endpoint == MESSAGES
            else chat_problems
        )
        before_problems = {p for p, _ in check(before)}
        out = [
            Difference(path or "(body)", "valid", problem, "schema")
            for path, problem in check(after)
            if path not in before_problems
        ]
        if out and any(d.path in ("(body)", "choices", "data", "content") for d in out):
            return out
        return out + self._diff_fields(case, before, after)

    # field-level ladder
    def _diff_fields(self, case: Case, before: Any, after: Any) -> list[Difference]:
        if not isinstance(before, dict) or not isinstance(after, dict):
            return []
        out: list[Difference] = []
        dropped = [p for p in self.rules.dropped_params if p in case.body]
        handled: set[str] = {"model", "usage", "choices", "data"}
        # model
        bm, am = before.get("model"), after.get("model")
        if isinstance(bm, str) and isinstance(am, str) and bm != am:
            shown = bm
            if bm == case.model and bm in self.served and bm != self.served[bm]:
                # LiteLLM echoed the model group name: compare the model it stands for.
                bm = self.served[bm]
                shown = f"{bm} (served as {case.model!r})"
            if self._same_model(bm, am):
                out.append(Difference("model", shown, am, "model", "model-echo"))
            else:
                out.append(Difference("model", shown, am, "model"))
        # choices: finish_reason, tool calls, content, remaining fields
        if case.endpoint.endswith("embeddings"):
            out.extend(self._diff_embeddings(before.get("data"), after.get("data")))
        elif case.endpoint == MESSAGES:
            handled |= {"content", "stop_reason"}
            out.extend(self._diff_message(case, before, after))
        else:
            out.extend(self._diff_choices(case, before.get("choices"), after.get("choices")))
        out.extend(self._diff_usage(before.get("usage"), after.get("usage")))
        rest_b = {k: v for k, v in before.items() if k not in handled}
        rest_a = {k: v for k, v in after.items() if k not in handled}
        out.extend(self._generic("", rest_b, rest_a))
        return [self._attribute(d, dropped) for d in out]

    def _attribute(self, d: Difference, dropped: list[str]) -> Difference:
        if d.rule:
            return d
        rule = self.rules.known_rule(d.path)
        if rule:
            d.rule = rule
        elif dropped and any(p.match(d.path) for p in self.rules.dropped_affect):
            d.rule = "dropped-param:" + ",".join(dropped)
        return d

    def _same_model(self, before: str, after: str) -> bool:
        a_id = after.split("/", 1)[1] if "/" in after else after
        a_provider = after.split("/", 1)[0] if "/" in after else None
        b_names = set(name_variants(before))
        if "/" in before:
            b_names.update(name_variants(before.split("/", 1)[1]))
        b_lower = {n.lower() for n in b_names}
        if a_id.lower() in b_lower:
            return True
        if self.catalog is None:
            return False
        model = self.catalog.get(a_id)
        if model is None:
            return False
        for p in model.providers:
            if a_provider and p.provider != a_provider:
                continue
            if {v.lower() for v in name_variants(p.external_id)} & b_lower:
                return True
        return False

    def _diff_choices(self, case: Case, before: Any, after: Any) -> list[Difference]:
        if not isinstance(before, list) or not isinstance(after, list):
            return []
        out: list[Difference] = []
        if len(before) != len(after):
            out.append(Difference("choices", f"{len(before)} choices", f"{len(after)} choices", "choices"))
        temperature = case.body.get("temperature", 1)
        exact = temperature == 0
        json_mode = isinstance(case.body.get("response_format"), dict) and case.body["response_format"].get(
            "type"
        ) in ("json_object", "json_schema")
        tools = case.tools()
        for i, (b, a) in enumerate(zip(before, after, strict=False)):
            if not isinstance(b, dict) or not isinstance(a, dict):
                continue
            p = f"choices[{i}]"
            if b.get("finish_reason") != a.get("finish_reason"):
                out.append(
                    Difference(
                        f"{p}.finish_reason", b.get("finish_reason"), a.get("finish_reason"), "finish_reason"
                    )
                )
            bm, am = b.get("message") or {}, a.get("message") or {}
            if not isinstance(bm, dict) or not isinstance(am, dict):
                continue
            out.extend(
                self._diff_tool_calls(
                    f"{p}.message.tool_calls", bm.get("tool_calls"), am.get("tool_calls"), tools
                )
            )
            out.extend(
                self._diff_content(
                    f"{p}.message.content", bm.get("content"), am.get("content"), exact, json_mode
                )
            )
            rest_b = {k: v for k, v in bm.items() if k not in ("tool_calls", "content")}
            rest_a = {k: v for k, v in am.items() if k not in ("tool_calls", "content")}
            out.extend(self._generic(f"{p}.message", rest_b, rest_a))
            rest_b = {k: v for k, v in b.items() if k not in ("message", "finish_reason")}
            rest_a = {k: v for k, v in a.items() if k not in ("message", "finish_reason")}
            out.extend(self._generic(p, rest_b, rest_a))
        return out

    def _diff_message(self, case: Case, before: dict[str, Any], after: dict[str, Any]) -> list[Difference]:
        """Anthropic answers: stop_reason, then content blocks (text, tool_use name and input)."""
        out: list[Difference] = []
        if before.get("stop_reason") != after.get("stop_reason"):
            out.append(
                Difference(
                    "stop_reason", before.get("stop_reason"), after.get("stop_reason"), "finish_reason"
                )
            )
        bc, ac = before.get("content"), after.get("content")
        if not isinstance(bc, list) or not isinstance(ac, list):
            return out
        # Thinking blocks vary run to run and by provider settings: compared by presence only.
        bc = [b for b in bc if isinstance(b, dict) and b.get("type") not in ("thinking", "redacted_thinking")]
        ac = [a for a in ac if isinstance(a, dict) and a.get("type") not in ("thinking", "redacted_thinking")]
        if [b.get("type") for b in bc] != [a.get("type") for a in ac]:
            return [
                *out,
                Difference("content", [b.get("type") for b in bc], [a.get("type") for a in ac], "content"),
            ]
        exact = case.body.get("temperature", 1) == 0
        tools = case.tools()
        for i, (b, a) in enumerate(zip(bc, ac, strict=True)):
            p = f"content[{i}]"
            if b.get("type") == "text":
                out.extend(self._diff_content(f"{p}.text", b.get("text"), a.get("text"), exact, False))
            elif b.get("type") == "tool_use":
                if b.get("name") != a.get("name"):
                    out.append(Difference(f"{p}.name", b.get("name"), a.get("name"), "tool_calls"))
                    continue
                schema = tools.get(str(a.get("name")))
                args_b, args_a = b.get("input"), a.get("input")
                if schema:
                    before_bad = {q for q, _ in schema_violations(args_b, schema)}
                    for q, problem in schema_violations(args_a, schema):
                        if q not in before_bad:
                            out.append(
                                Difference(
                                    _join(f"{p}.input", q) if q else f"{p}.input",
                                    _short(_get(args_b, q) if q else args_b),
                                    f"schema: {problem}",
                                    "tool_schema",
                                )
                            )
                out.extend(
                    Difference(d.path, d.before, d.after, "tool_arguments")
                    for d in self._generic(f"{p}.input", args_b, args_a, additions=True)
                )
            rest_b = {k: v for k, v in b.items() if k not in ("text", "input", "name", "id")}
            rest_a = {k: v for k, v in a.items() if k not in ("text", "input", "name", "id")}
            out.extend(self._generic(p, rest_b, rest_a))
        return out

    def _diff_tool_calls(self, path: str, before: Any, after: Any, tools: dict[str, Any]) -> list[Difference]:
        before = before or []
        after = after or []
        if not isinstance(before, list) or not isinstance(after, list):
            return []
        out: list[Difference] = []
        if len(before) != len(after):
            names_b = [_call_name(c) for c in before]
            names_a = [_call_name(c) for c in after]
            return [Difference(path, names_b, names_a, "tool_calls")]
        for j, (b, a) in enumerate(zip(before, after, strict=False)):
            p = f"{path}[{j}]"
            nb, na = _call_name(b), _call_name(a)
            if nb != na:
                out.append(Difference(f"{p}.function.name", nb, na, "tool_calls"))
                continue
            raw_b, raw_a = _call_args(b), _call_args(a)
            ap = f"{p}.function.arguments"
            try:
                args_b = json.loads(raw_b) if raw_b else {}
            except (json.JSONDecodeError, TypeError):
                args_b = _MISSING
            try:
                args_a = json.loads(raw_a) if raw_a else {}
            except (json.JSONDecodeError, TypeError):
                out.append(Difference(ap, _short(raw_b), f"not valid JSON: {_short(raw_a)}", "tool_calls"))
                continue
            schema = tools.get(na or "")
            if schema:
                before_bad = (
                    {q for q, _ in schema_violations(args_b, schema)} if args_b is not _MISSING else set()
                )
                for q, problem in schema_violations(args_a, schema):
                    if q not in before_bad:
                        bval = _get(args_b, q) if args_b is not _MISSING else _MISSING
                        out.append(
                            Difference(
                                _join(ap, q) if q else ap, _short(bval), f"schema: {problem}", "tool_schema"
                            )
                        )
            if args_b is not _MISSING:
                out.extend(
                    Difference(d.path, d.before, d.after, "tool_arguments")
                    for d in self._generic(ap, args_b, args_a, additions=True)
                )
            rest_b = {k: v for k, v in b.items() if k not in ("function", "id", "index")}
            rest_a = {k: v for k, v in a.items() if k not in ("function", "id", "index")}
            out.extend(self._generic(p, rest_b, rest_a))
        return out

    def _diff_content(
        self, path: str, before: Any, after: Any, exact: bool, json_mode: bool
    ) -> list[Difference]:
        if before == after:
            return []
        if not before and not after:
            return []  # "" vs null: both empty
        if before is None or after is None:
            return [Difference(path, _short(before), _short(after), "content")]
        if json_mode:
            try:
                jb = json.loads(before)
            except (json.JSONDecodeError, TypeError):
                jb = _MISSING
            try:
                ja = json.loads(after)
            except (json.JSONDecodeError, TypeError):
                if jb is not _MISSING:
                    return [Difference(path, _short(before), f"not JSON: {_short(after)}", "json_mode")]
                ja = _MISSING
            if jb is not _MISSING and ja is not _MISSING:
                if exact:
                    return [
                        Difference(d.path, d.before, d.after, "content")
                        for d in self._generic(path, jb, ja, additions=True)
                    ]
                return (
                    []
                    if _similarity(json.dumps(jb), json.dumps(ja)) >= self.similarity
                    else [Difference(path, _short(before), _short(after), "content")]
                )
        if exact:
            return [Difference(path, _short(before), _short(after), "content")]
        if _similarity(str(before), str(after)) >= self.similarity:
            return []
        return [Difference(path, _short(before), _short(after), "content")]

    def _diff_usage(self, before: Any, after: Any) -> list[Difference]:
        if not isinstance(before, dict):
            return []
        if not isinstance(after, dict):
            return [Difference("usage", _short(before), None, "usage")]
        out: list[Difference] = []
        for key in ("prompt_tokens", "completion_tokens", "total_tokens", "input_tokens", "output_tokens"):
            b, a = before.get(key), after.get(key)
            if not isinstance(b, int) or isinstance(b, bool):
                continue
            if a is None and b == 0:
                continue  # LiteLLM reports completion_tokens: 0 for embeddings; absent means 0
            if not isinstance(a, int) or isinstance(a, bool):
                out.append(Difference(f"usage.{key}", b, a, "usage"))
            elif abs(b - a) > max(self.usage_abs, self.usage_rel * max(b, a)):
                out.append(Difference(f"usage.{key}", b, a, "usage"))
        rest_b = {k: v for k, v in before.items() if k not in _TOKEN_KEYS and v != 0}
        rest_a = {k: v for k, v in after.items() if k not in _TOKEN_KEYS}
        out.extend(self._generic("usage", rest_b, rest_a))
        return out

    def _diff_embeddings(self, before: Any, after: Any) -> list[Difference]:
        if not isinstance(before, list) or not isinstance(after, list):
            return []
        if len(before) != len(after):
            return [Difference("data", f"{len(before)} vectors", f"{len(after)} vectors", "embeddings")]
        out: list[Difference] = []
        for i, (b, a) in enumerate(zip(before, after, strict=False)):
            vb = _vector(b.get("embedding") if isinstance(b, dict) else None)
            va = _vector(a.get("embedding") if isinstance(a, dict) else None)
            p = f"data[{i}].embedding"
            if vb is None or va is None:
                continue
            if len(vb) != len(va):
                out.append(Difference(p, f"{len(vb)} dimensions", f"{len(va)} dimensions", "embeddings"))
                continue
            cos = _cosine(vb, va)
            if cos < self.rules.embedding_cosine:
                out.append(Difference(p, "cosine 1.0", f"cosine {cos:.4f}", "embeddings"))
        return out

    def _generic(self, path: str, before: Any, after: Any, additions: bool = False) -> list[Difference]:
        """Every value the before side has must be on the after side, equal (additions ignored unless
        `additions`: for tool arguments and JSON content, an extra key is a difference too)."""
        out: list[Difference] = []
        if self.rules.volatile_path(path) if path else False:
            return out
        if isinstance(before, dict) and isinstance(after, dict):
            for k, v in before.items():
                sub = _join(path, k)
                if _empty(v) and _empty(after.get(k)):
                    continue  # null, {}, [] and "" all read as "nothing here"
                if self.rules.volatile_path(sub):
                    continue
                if k not in after or (after[k] is None and v is not None):
                    out.append(Difference(sub, _short(v), None, "missing" if k not in after else "value"))
                    continue
                out.extend(self._generic(sub, v, after[k], additions))
            if additions:
                for k, v in after.items():
                    if k not in before and v is not None:
                        out.append(Difference(_join(path, k), None, _short(v), "value"))
            return out
        if isinstance(before, list) and isinstance(after, list):
            if len(before) != len(after):
                return [Difference(path, _short(before), _short(after), "value")]
            for i, (b, a) in enumerate(zip(before, after, strict=False)):
                out.extend(self._generic(f"{path}[{i}]", b, a, additions))
            return out
        if before != after or (type(before) is not type(after) and not _both_numbers(before, after)):
            out.append(Difference(path, _short(before), _short(after), "value"))
        return out


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, (dict, list, str)) and not value)


def _both_numbers(a: Any, b: Any) -> bool:
    return all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in (a, b))


def _call_name(call: Any) -> str | None:
    fn = call.get("function") if isinstance(call, dict) else None
    return fn.get("name") if isinstance(fn, dict) else None


def _call_args(call: Any) -> Any:
    fn = call.get("function") if isinstance(call, dict) else None
    return fn.get("arguments") if isinstance(fn, dict) else None


def _get(value: Any, path: str) -> Any:
    cur = value
    for part in re.findall(r"[^.\[\]]+", path):
        if isinstance(cur, dict) and part in cur:
            cur = cur[part]
        elif isinstance(cur, list) and part.isdigit() and int(part) < len(cur):
            cur = cur[int(part)]
        else:
            return _MISSING
    return cur


def _path_related(path: str, noisy: set[str]) -> bool:
    for n in noisy:
        if path == n or path.startswith(n + ".") or path.startswith(n + "[") or n.startswith(path + "."):
            return True
        if n.startswith(path + "["):
            return True
    return False


def _similarity(a: str, b: str) -> float:
    """0..1; characters for short texts, words for long ones (SequenceMatcher is quadratic)."""
    if a == b:
        return 1.0
    if len(a) + len(b) <= 4000:
        return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()
    return difflib.SequenceMatcher(None, a.split(), b.split(), autojunk=False).ratio()


def _vector(raw: Any) -> list[float] | None:
    if isinstance(raw, list):
        return [float(x) for x in raw]
    if isinstance(raw, str):
        try:
            data = base64.b64decode(raw)
        except ValueError:
            return None
        return list(struct.unpack(f"<{len(data) // 4}f", data[: len(data) // 4 * 4]))
    return None


def _cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=False))
    na = math.sqrt(sum(x * x for x in a))
    nb = math.sqrt(sum(y * y for y in b))
    if na == 0 or nb == 0:
        return 1.0 if na == nb else 0.0
    return dot / (na * nb)
