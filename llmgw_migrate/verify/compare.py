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

import json
from typing import Any

from llmgw_migrate.config.catalog import Catalog, name_variants
from llmgw_migrate.verify.outcomes import (
    DIFFER,
    ERROR,
    MAX_VALUE_CHARS,
    MISSING,
    PASS,
    CompareOptions,
    Comparison,
    Difference,
    error_message,
    failure_message,
    shorten,
)
from llmgw_migrate.verify.parity_rules import (
    DEPLOYMENT_CHECKS,
    ERROR_CASE_KINDS,
    ParityRules,
    StatusEquivalent,
    load_parity_rules,
)
from llmgw_migrate.verify.replay import Exchange
from llmgw_migrate.verify.response_shapes import (
    chat_problems,
    embeddings_problems,
    error_envelope_problems,
    join_path,
    messages_problems,
    schema_violations,
)
from llmgw_migrate.verify.streams import StreamSummary, fold_anthropic_stream, fold_stream
from llmgw_migrate.verify.suite import MESSAGES, Case
from llmgw_migrate.verify.values import (
    TOKEN_KEYS,
    as_vector,
    both_numbers,
    cosine,
    get_path,
    is_empty,
    path_related,
    text_similarity,
    tool_call_args,
    tool_call_name,
)

# The names callers import from here (the ladder's parts live in the modules above).
__all__ = [
    "DEPLOYMENT_CHECKS",
    "DIFFER",
    "ERROR",
    "ERROR_CASE_KINDS",
    "MAX_VALUE_CHARS",
    "PASS",
    "CompareOptions",
    "Comparer",
    "Comparison",
    "Difference",
    "ParityRules",
    "StatusEquivalent",
    "StreamSummary",
    "chat_problems",
    "embeddings_problems",
    "error_envelope_problems",
    "error_message",
    "fold_anthropic_stream",
    "fold_stream",
    "load_parity_rules",
    "messages_problems",
    "schema_violations",
]


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
            why = "; ".join(failure_message(n, ex) for n, ex in (("before", before), ("after", after)))
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
                        ratio = text_similarity(d.before, d.after)
                        floors[d.path] = min(floors.get(d.path, 1.0), ratio)
            kept = []
            for d in real:
                if path_related(d.path, noisy_paths):
                    floor = floors.get(d.path)
                    # Content differs between the before side's own answers: the after side passes when it
                    # is at least as close to the before answer as the before side is to itself.
                    if floor is not None and d.check == "content" and isinstance(d.after, str):
                        ratio = text_similarity(str(d.before), d.after)
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
            return [Difference("", "JSON body", f"not JSON: {shorten(aex.text)}", "schema")]
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
                                    join_path(f"{p}.input", q) if q else f"{p}.input",
                                    shorten(get_path(args_b, q) if q else args_b),
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
            names_b = [tool_call_name(c) for c in before]
            names_a = [tool_call_name(c) for c in after]
            return [Difference(path, names_b, names_a, "tool_calls")]
        for j, (b, a) in enumerate(zip(before, after, strict=False)):
            p = f"{path}[{j}]"
            nb, na = tool_call_name(b), tool_call_name(a)
            if nb != na:
                out.append(Difference(f"{p}.function.name", nb, na, "tool_calls"))
                continue
            raw_b, raw_a = tool_call_args(b), tool_call_args(a)
            ap = f"{p}.function.arguments"
            try:
                args_b = json.loads(raw_b) if raw_b else {}
            except (json.JSONDecodeError, TypeError):
                args_b = MISSING
            try:
                args_a = json.loads(raw_a) if raw_a else {}
            except (json.JSONDecodeError, TypeError):
                out.append(Difference(ap, shorten(raw_b), f"not valid JSON: {shorten(raw_a)}", "tool_calls"))
                continue
            schema = tools.get(na or "")
            if schema:
                before_bad = (
                    {q for q, _ in schema_violations(args_b, schema)} if args_b is not MISSING else set()
                )
                for q, problem in schema_violations(args_a, schema):
                    if q not in before_bad:
                        bval = get_path(args_b, q) if args_b is not MISSING else MISSING
                        out.append(
                            Difference(
                                join_path(ap, q) if q else ap,
                                shorten(bval),
                                f"schema: {problem}",
                                "tool_schema",
                            )
                        )
            if args_b is not MISSING:
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
            return [Difference(path, shorten(before), shorten(after), "content")]
        if json_mode:
            try:
                jb = json.loads(before)
            except (json.JSONDecodeError, TypeError):
                jb = MISSING
            try:
                ja = json.loads(after)
            except (json.JSONDecodeError, TypeError):
                if jb is not MISSING:
                    return [Difference(path, shorten(before), f"not JSON: {shorten(after)}", "json_mode")]
                ja = MISSING
            if jb is not MISSING and ja is not MISSING:
                if exact:
                    return [
                        Difference(d.path, d.before, d.after, "content")
                        for d in self._generic(path, jb, ja, additions=True)
                    ]
                return (
                    []
                    if text_similarity(json.dumps(jb), json.dumps(ja)) >= self.similarity
                    else [Difference(path, shorten(before), shorten(after), "content")]
                )
        if exact:
            return [Difference(path, shorten(before), shorten(after), "content")]
        if text_similarity(str(before), str(after)) >= self.similarity:
            return []
        return [Difference(path, shorten(before), shorten(after), "content")]

    def _diff_usage(self, before: Any, after: Any) -> list[Difference]:
        if not isinstance(before, dict):
            return []
        if not isinstance(after, dict):
            return [Difference("usage", shorten(before), None, "usage")]
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
        rest_b = {k: v for k, v in before.items() if k not in TOKEN_KEYS and v != 0}
        rest_a = {k: v for k, v in after.items() if k not in TOKEN_KEYS}
        out.extend(self._generic("usage", rest_b, rest_a))
        return out

    def _diff_embeddings(self, before: Any, after: Any) -> list[Difference]:
        if not isinstance(before, list) or not isinstance(after, list):
            return []
        if len(before) != len(after):
            return [Difference("data", f"{len(before)} vectors", f"{len(after)} vectors", "embeddings")]
        out: list[Difference] = []
        for i, (b, a) in enumerate(zip(before, after, strict=False)):
            vb = as_vector(b.get("embedding") if isinstance(b, dict) else None)
            va = as_vector(a.get("embedding") if isinstance(a, dict) else None)
            p = f"data[{i}].embedding"
            if vb is None or va is None:
                continue
            if len(vb) != len(va):
                out.append(Difference(p, f"{len(vb)} dimensions", f"{len(va)} dimensions", "embeddings"))
                continue
            cos = cosine(vb, va)
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
                sub = join_path(path, k)
                if is_empty(v) and is_empty(after.get(k)):
                    continue  # null, {}, [] and "" all read as "nothing here"
                if self.rules.volatile_path(sub):
                    continue
                if k not in after or (after[k] is None and v is not None):
                    out.append(Difference(sub, shorten(v), None, "missing" if k not in after else "value"))
                    continue
                out.extend(self._generic(sub, v, after[k], additions))
            if additions:
                for k, v in after.items():
                    if k not in before and v is not None:
                        out.append(Difference(join_path(path, k), None, shorten(v), "value"))
            return out
        if isinstance(before, list) and isinstance(after, list):
            if len(before) != len(after):
                return [Difference(path, shorten(before), shorten(after), "value")]
            for i, (b, a) in enumerate(zip(before, after, strict=False)):
                out.extend(self._generic(f"{path}[{i}]", b, a, additions))
            return out
        if before != after or (type(before) is not type(after) and not both_numbers(before, after)):
            out.append(Difference(path, shorten(before), shorten(after), "value"))
        return out
