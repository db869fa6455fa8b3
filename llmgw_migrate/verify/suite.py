"""The requests verify replays: a built-in suite derived from the plan, user corpora, LiteLLM spend logs.

Accepted corpus formats (documented in docs/verify-json.md, "Inputs"):
- JSONL (or a JSON array) where each entry is one of
  `{"endpoint": "/v1/chat/completions", "body": {...}, "id": "optional"}` (also `url` or `path` for
  `endpoint`, and `custom_id` for `id`: OpenAI Batch API input files work as they are), or a bare chat
  body `{"model": ..., "messages": [...]}`, or a bare embeddings body `{"model": ..., "input": ...}`.
- LiteLLM spend logs: the JSON answer of the proxy's `GET /spend/logs` (a list of rows, or
  `{"data": [...]}` from the paginated API), or JSONL with one row per line. A row is replayed when it
  holds the request: `proxy_server_request` (the original body; stored when the proxy runs with
  `store_prompts_in_spend_logs: true`), or `messages` plus `model_group`/`model`. Other rows are counted
  as skipped.

Every model name in a request is the client-facing (LiteLLM) name; the after side gets the plan's
gateway model id for it.
"""

from __future__ import annotations

import copy
import fnmatch
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from llmgw_migrate.config.plan import ModelMapping, Plan
from llmgw_migrate.errors import UserError

CHAT = "/v1/chat/completions"
EMBEDDINGS = "/v1/embeddings"
MESSAGES = "/v1/messages"  # Anthropic format (both LiteLLM and the gateway serve it)
ANTHROPIC_PROVIDERS = frozenset({"anthropic"})
UNKNOWN_MODEL = "llmgw-verify-no-such-model"
BAD_KEY_BEFORE = "sk-llmgw-verify-invalid-key-0000000000000000"
BAD_KEY_AFTER = "llmgtwy_llmgw-verify-invalid-key-000000000000"

_ENDPOINTS = {
    "/v1/chat/completions": CHAT,
    "/chat/completions": CHAT,
    "chat/completions": CHAT,
    "v1/chat/completions": CHAT,
    "/v1/embeddings": EMBEDDINGS,
    "/embeddings": EMBEDDINGS,
    "embeddings": EMBEDDINGS,
    "v1/embeddings": EMBEDDINGS,
    "/v1/messages": MESSAGES,
    "/messages": MESSAGES,
    "messages": MESSAGES,
    "v1/messages": MESSAGES,
}

WEATHER_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city.",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string", "description": "City name, e.g. Lisbon"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                "days": {"type": "integer", "minimum": 1, "maximum": 7},
            },
            "required": ["city", "unit"],
            "additionalProperties": False,
        },
    },
}


@dataclass(frozen=True)
class Case:
    """One request to replay on both sides."""

    id: str
    endpoint: str  # CHAT or EMBEDDINGS
    body: dict[str, Any]  # as the before side gets it (client-facing model name)
    model: str | None  # client-facing model name
    after_model: str | None  # what the after side gets in `model`
    # chat | system | stream | tools | json | embeddings | unknown-model | bad-key | corpus | spend-log
    kind: str
    source: str = "builtin"  # "builtin", or file:line of the corpus entry
    bad_key: bool = False
    mapped: bool = True  # False: the plan has no gateway model for this name (sent unchanged)

    @property
    def stream(self) -> bool:
        return bool(self.body.get("stream"))

    def after_body(self) -> dict[str, Any]:
        if self.after_model is None or self.after_model == self.body.get("model"):
            return self.body
        body = dict(self.body)
        body["model"] = self.after_model
        return body

    def tools(self) -> dict[str, Any]:
        """Tool name -> JSON schema of its parameters, for validating tool-call arguments."""
        out: dict[str, Any] = {}
        for tool in self.body.get("tools") or ():
            if isinstance(tool, dict) and isinstance(tool.get("function"), dict):
                fn = tool["function"]
                if isinstance(fn.get("name"), str):
                    out[fn["name"]] = fn.get("parameters") or {}
            elif isinstance(tool, dict) and isinstance(tool.get("name"), str):
                out[tool["name"]] = tool.get("input_schema") or {}  # Anthropic format
        return out


@dataclass
class Suite:
    cases: list[Case] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # models or rows left out, and why

    def extend(self, other: Suite) -> None:
        seen = {c.id for c in self.cases}
        for case in other.cases:
            cid, n = case.id, 2
            while cid in seen:
                cid, n = f"{case.id}#{n}", n + 1
            if cid != case.id:
                case = Case(**{**case.__dict__, "id": cid})
            seen.add(cid)
            self.cases.append(case)
        self.notes.extend(other.notes)


# model mapping ------------------------------------------------------------------------------------------
class ModelMapper:
    """Client-facing name -> gateway model id through the plan (identity without a plan)."""

    def __init__(self, plan: Plan | None) -> None:
        self.plan = plan
        self._exact = plan.model_map() if plan else {}
        self._wild = [m for m in plan.models if "*" in m.name and m.gateway_model] if plan else []

    def map(self, name: str | None) -> tuple[str | None, bool]:
        """(after-side model, mapped?)."""
        if name is None or self.plan is None:
            return name, True
        if name in self._exact:
            return self._exact[name], True
        for m in self._wild:
            if fnmatch.fnmatchcase(name, m.name):
                target = m.gateway_model or ""
                if "*" in target:
                    # `openai/*` style: the star stands for the part of the name the pattern's star matched.
                    prefix, _, suffix = m.name.partition("*")
                    middle = name[len(prefix) : len(name) - len(suffix) if suffix else None]
                    return target.replace("*", middle, 1), True
                return target, True
        return name, False


# built-in suite ---------------------------------------------------------------------------------------
def _chat_body(model: str, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "model": model,
        "messages": [{"role": "user", "content": "In one short sentence: why is the sea salty?"}],
        "temperature": 0,
        "max_tokens": 64,
    }
    body.update(extra)
    return body


def builtin_suite(plan: Plan | None, models: Sequence[str] = ()) -> Suite:
    """For each mapped model: chat, system prompt, stream, tool call, JSON mode (or embeddings; plus an
    Anthropic-format request for Anthropic models), then an unknown model (error parity) and a bad key
    (auth parity)."""
    suite = Suite()
    if plan is None:
        suite.notes.append("no plan: the built-in suite needs one (use --plan, or give --corpus files)")
        return suite
    mapper = ModelMapper(plan)
    wanted = set(models)
    first_chat: ModelMapping | None = None
    for m in plan.models:
        if wanted and m.name not in wanted:
            continue
        if "*" in m.name:
            suite.notes.append(f"{m.name}: wildcard route, no concrete model to send (add a --corpus)")
            continue
        if not m.gateway_model:
            suite.notes.append(f"{m.name}: no gateway model in the plan, not verified")
            continue
        after, _ = mapper.map(m.name)

        def add(
            kind: str,
            body: dict[str, Any],
            endpoint: str = CHAT,
            m: ModelMapping = m,
            after: str | None = after,
        ) -> None:
            cid = f"{m.name}:{kind}"
            suite.cases.append(
                Case(id=cid, endpoint=endpoint, body=body, model=m.name, after_model=after, kind=kind)
            )

        if m.mode == "embedding":
            add(
                "embeddings",
                {"model": m.name, "input": ["The quick brown fox.", "Jumps over the lazy dog."]},
                EMBEDDINGS,
            )
            continue
        if m.mode not in ("chat", "completion"):
            suite.notes.append(f"{m.name}: mode {m.mode!r} is not replayed (chat and embeddings only)")
            continue
        if first_chat is None:
            first_chat = m
        add("chat", _chat_body(m.name))
        if m.alias_of:
            continue  # an alias reaches the same deployment: one plain request proves the mapping
        add(
            "system",
            _chat_body(
                m.name,
                messages=[
                    {"role": "system", "content": "You are a terse assistant. Answer in at most ten words."},
                    {"role": "user", "content": "Name a primary colour."},
                ],
            ),
        )
        add("stream", _chat_body(m.name, stream=True))
        add(
            "tools",
            _chat_body(
                m.name,
                messages=[{"role": "user", "content": "What is the weather in Lisbon, in celsius?"}],
                tools=[WEATHER_TOOL],
                tool_choice={"type": "function", "function": {"name": "get_weather"}},
            ),
        )
        add(
            "json",
            _chat_body(
                m.name,
                messages=[
                    {"role": "system", "content": "Reply with a JSON object with one key, answer."},
                    {"role": "user", "content": "What is the capital of Portugal?"},
                ],
                response_format={"type": "json_object"},
            ),
        )
        if m.provider in ANTHROPIC_PROVIDERS:
            # Claude clients (Claude Code, the Anthropic SDK) talk the Anthropic format: check it too.
            add(
                "messages",
                {
                    "model": m.name,
                    "max_tokens": 64,
                    "temperature": 0,
                    "messages": [{"role": "user", "content": "In one short sentence: why is the sea salty?"}],
                },
                MESSAGES,
            )
    suite.cases.append(
        Case(
            id="unknown-model",
            endpoint=CHAT,
            body=_chat_body(UNKNOWN_MODEL),
            model=UNKNOWN_MODEL,
            after_model=UNKNOWN_MODEL,
            kind="unknown-model",
        )
    )
    if first_chat is not None:
        after, _ = mapper.map(first_chat.name)
        suite.cases.append(
            Case(
                id="bad-key",
                endpoint=CHAT,
                body=_chat_body(first_chat.name),
                model=first_chat.name,
                after_model=after,
                kind="bad-key",
                bad_key=True,
            )
        )
    return suite


# corpora ----------------------------------------------------------------------------------------------
def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError("corpus file not found", path) from None
    except IsADirectoryError:
        raise UserError("corpus path is a directory, not a file", path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read corpus: {exc}", path) from None


def _entries(path: Path) -> Iterator[tuple[int, str, Any]]:
    """(line, label, value) for each entry of a JSONL file or of a JSON array/`{"data": [...]}` file.

    Items of one JSON document have no line of their own: they get line 1 and the label `file#index`.
    """
    text = _read_text(path)
    stripped = text.lstrip()
    whole: Any = None
    if stripped.startswith(("[", "{")):
        try:
            whole = json.loads(text)
        except json.JSONDecodeError as exc:
            if stripped.startswith("["):
                raise UserError(f"invalid JSON: {exc.msg}", path, exc.lineno, exc.colno) from None
            whole = None  # several objects: JSONL
        except RecursionError:
            raise UserError("invalid JSON: nested too deeply", path, 1, 1) from None
    if isinstance(whole, dict) and isinstance(whole.get("data"), list):
        whole = whole["data"]
    if isinstance(whole, list):
        for index, item in enumerate(whole):
            yield 1, f"{path.name}#{index}", item
        return
    if isinstance(whole, dict):
        lineno = len(text[: len(text) - len(stripped)].splitlines()) + 1
        yield lineno, f"{path.name}:{lineno}", whole
        return
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            raise UserError(f"invalid JSON line: {exc.msg}", path, lineno, exc.colno) from None
        except RecursionError:
            raise UserError("invalid JSON line: nested too deeply", path, lineno, 1) from None
        yield lineno, f"{path.name}:{lineno}", value


def _endpoint(raw: Any, path: Path, line: int) -> str:
    if not isinstance(raw, str):
        raise UserError("`endpoint` must be a string such as /v1/chat/completions", path, line, 1)
    key = raw.split("?", 1)[0].strip()
    if "://" in key:
        key = "/" + key.split("://", 1)[1].split("/", 1)[-1]
    if key not in _ENDPOINTS:
        raise UserError(
            f"unsupported endpoint {raw!r}: verify replays /v1/chat/completions, /v1/embeddings and "
            "/v1/messages "
            "(the gateway has no legacy /v1/completions)",
            path,
            line,
            1,
        )
    return _ENDPOINTS[key]


def _check_body(body: Any, endpoint: str, path: Path, line: int) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise UserError("`body` must be a JSON object", path, line, 1)
    if not isinstance(body.get("model"), str) or not body["model"]:
        raise UserError("the request body has no `model`", path, line, 1)
    if endpoint in (CHAT, MESSAGES) and not isinstance(body.get("messages"), list):
        raise UserError("a chat request needs a `messages` list", path, line, 1)
    if endpoint == MESSAGES and not isinstance(body.get("max_tokens"), int):
        raise UserError("an Anthropic /v1/messages request needs `max_tokens`", path, line, 1)
    if endpoint == EMBEDDINGS and "input" not in body:
        raise UserError("an embeddings request needs `input`", path, line, 1)
    return body


def read_corpus(path: Path, plan: Plan | None, models: Sequence[str] = ()) -> Suite:
    """Requests from a JSONL corpus (see the module docstring for the accepted shapes)."""
    suite = Suite()
    mapper = ModelMapper(plan)
    wanted = set(models)
    for line, label, entry in _entries(path):
        if not isinstance(entry, dict):
            raise UserError("each corpus entry must be a JSON object", path, line, 1)
        explicit_id = entry.get("id") or entry.get("custom_id")
        if "body" in entry:
            raw_ep = entry.get("endpoint", entry.get("url", entry.get("path", CHAT)))
            endpoint = _endpoint(raw_ep, path, line)
            if str(entry.get("method", "POST")).upper() != "POST":
                raise UserError("only POST requests can be replayed", path, line, 1)
            body = _check_body(entry["body"], endpoint, path, line)
        elif "messages" in entry:
            endpoint, body = CHAT, _check_body(entry, CHAT, path, line)
        elif "input" in entry:
            endpoint, body = EMBEDDINGS, _check_body(entry, EMBEDDINGS, path, line)
        else:
            raise UserError(
                'not a request: expected {"endpoint", "body"} or a chat/embeddings body', path, line, 1
            )
        name = body["model"]
        if wanted and name not in wanted:
            continue
        after, mapped = mapper.map(name)
        suite.cases.append(
            Case(
                id=str(explicit_id) if explicit_id else label,
                endpoint=endpoint,
                body=copy.deepcopy(body),
                model=name,
                after_model=after,
                kind="corpus",
                source=label,
                mapped=mapped,
            )
        )
    return suite


# LiteLLM spend logs -----------------------------------------------------------------------------------
_CHAT_CALLS = {"completion", "acompletion", "chat_completion", "achat_completion"}
_EMBED_CALLS = {"embedding", "aembedding"}


def _maybe_json(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except (json.JSONDecodeError, RecursionError):
            return value
    return value


def spend_log_request(row: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """The (endpoint, body) a LiteLLM spend-log row holds, or None when it holds no request."""
    call_type = str(row.get("call_type") or "").lower()
    if call_type and call_type not in _CHAT_CALLS | _EMBED_CALLS:
        return None
    endpoint = EMBEDDINGS if call_type in _EMBED_CALLS else CHAT
    model = row.get("model_group") or row.get("model")
    psr = _maybe_json(row.get("proxy_server_request"))
    if isinstance(psr, dict) and isinstance(psr.get("body"), dict):
        psr = psr["body"]  # some versions store {"url", "headers", "body"}
    if isinstance(psr, dict) and ("messages" in psr or "input" in psr):
        body = {k: v for k, v in psr.items() if not k.startswith("litellm_")}
        body.setdefault("model", model)
        if "input" in body and "messages" not in body:
            endpoint = EMBEDDINGS
        return (endpoint, body) if isinstance(body.get("model"), str) else None
    messages = _maybe_json(row.get("messages"))
    if endpoint == CHAT and isinstance(messages, list) and messages and isinstance(model, str):
        return CHAT, {"model": model, "messages": messages}
    if endpoint == EMBEDDINGS and isinstance(messages, (list, str)) and messages and isinstance(model, str):
        return EMBEDDINGS, {"model": model, "input": messages}
    return None


def spend_log_suite(rows: Iterable[tuple[str, Any]], plan: Plan | None, models: Sequence[str] = ()) -> Suite:
    """Cases from (source, row) pairs; rows without a stored request are counted in a note."""
    suite = Suite()
    mapper = ModelMapper(plan)
    wanted = set(models)
    skipped = 0
    for source, row in rows:
        found = spend_log_request(row) if isinstance(row, dict) else None
        if found is None:
            skipped += 1
            continue
        endpoint, body = found
        name = body["model"]
        if wanted and name not in wanted:
            continue
        after, mapped = mapper.map(name)
        rid = row.get("request_id") if isinstance(row, dict) else None
        suite.cases.append(
            Case(
                id=f"spend:{rid}" if rid else source,
                endpoint=endpoint,
                body=body,
                model=name,
                after_model=after,
                kind="spend-log",
                source=source,
                mapped=mapped,
            )
        )
    if skipped:
        suite.notes.append(
            f"{skipped} spend-log row(s) hold no request body (run the proxy with "
            "general_settings.store_prompts_in_spend_logs: true to keep them)"
        )
    return suite


def read_spend_logs(path: Path, plan: Plan | None, models: Sequence[str] = ()) -> Suite:
    rows: list[tuple[str, Any]] = []
    for line, label, row in _entries(path):
        if not isinstance(row, dict):
            raise UserError("each spend-log row must be a JSON object", path, line, 1)
        rows.append((label, row))
    return spend_log_suite(rows, plan, models)


def fetch_spend_logs(base_url: str, api_key: str | None, timeout: float = 30.0) -> list[tuple[str, Any]]:
    """Rows from a running proxy's `GET /spend/logs?summarize=false` (needs a key allowed to read them)."""
    import httpx

    url = base_url.rstrip("/").removesuffix("/v1") + "/spend/logs"
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    try:
        resp = httpx.get(url, params={"summarize": "false"}, headers=headers, timeout=timeout)
    except httpx.HTTPError as exc:
        raise UserError(f"cannot fetch spend logs from {url}: {type(exc).__name__}") from None
    if resp.status_code != 200:
        raise UserError(f"cannot fetch spend logs from {url}: HTTP {resp.status_code}")
    try:
        data = resp.json()
    except ValueError:
        raise UserError(f"spend logs from {url} are not JSON") from None
    if isinstance(data, dict) and isinstance(data.get("data"), list):
        data = data["data"]
    if not isinstance(data, list):
        raise UserError(f"spend logs from {url}: expected a list of rows")
    return [(f"{url}#{i}", row) for i, row in enumerate(data)]
