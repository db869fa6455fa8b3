"""Requests: the built-in suite from a plan, JSONL corpora and LiteLLM spend logs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from llmgw_migrate.config.plan import ModelMapping, Plan
from llmgw_migrate.errors import UserError
from llmgw_migrate.findings import Status
from llmgw_migrate.verify.suite import (
    CHAT,
    EMBEDDINGS,
    UNKNOWN_MODEL,
    ModelMapper,
    builtin_suite,
    read_corpus,
    read_spend_logs,
    spend_log_request,
)


def mapping(name: str, gateway: str | None, mode: str = "chat", **kw: object) -> ModelMapping:
    return ModelMapping(
        name=name,
        gateway_model=gateway,
        provider="openai",
        litellm_model=f"openai/{name}",
        status=Status.exact,
        mode=mode,
        **kw,  # type: ignore[arg-type]
    )


@pytest.fixture
def plan() -> Plan:
    return Plan(
        source="litellm_config.yaml",
        models=[
            mapping("fast", "openai/gpt-4o-mini"),
            mapping("embed", "openai/text-embedding-3-small", mode="embedding"),
            mapping("fast-alias", "openai/gpt-4o-mini", alias_of="fast"),
            mapping("gone", None),
            mapping("img", "openai/dall-e-3", mode="image_generation"),
            mapping("oa-*", "openai/*"),
        ],
    )


def write(tmp_path: Path, name: str, lines: list[object] | str) -> Path:
    path = tmp_path / name
    text = lines if isinstance(lines, str) else "\n".join(json.dumps(x) for x in lines) + "\n"
    path.write_text(text, encoding="utf-8")
    return path


# built-in suite ---------------------------------------------------------------------------------------
def test_builtin_suite_covers_each_mapped_model(plan: Plan) -> None:
    suite = builtin_suite(plan)
    ids = [c.id for c in suite.cases]
    assert ids == [
        "fast:chat",
        "fast:system",
        "fast:stream",
        "fast:tools",
        "fast:json",
        "embed:embeddings",
        "fast-alias:chat",
        "unknown-model",
        "bad-key",
    ]
    by_id = {c.id: c for c in suite.cases}
    assert by_id["fast:chat"].after_body()["model"] == "openai/gpt-4o-mini"
    assert by_id["fast:chat"].body["model"] == "fast"
    assert by_id["fast:stream"].stream
    assert "get_weather" in by_id["fast:tools"].tools()
    assert by_id["fast:json"].body["response_format"] == {"type": "json_object"}
    assert by_id["embed:embeddings"].endpoint == EMBEDDINGS
    assert (
        by_id["unknown-model"].body["model"] == UNKNOWN_MODEL == by_id["unknown-model"].after_body()["model"]
    )
    assert by_id["bad-key"].bad_key and by_id["bad-key"].model == "fast"
    assert all(c.body.get("temperature") == 0 for c in suite.cases if c.endpoint == CHAT)
    notes = " ".join(suite.notes)
    assert "gone: no gateway model" in notes and "img: mode 'image_generation'" in notes and "oa-*" in notes


def test_builtin_suite_model_filter(plan: Plan) -> None:
    suite = builtin_suite(plan, ["embed"])
    assert [c.id for c in suite.cases] == ["embed:embeddings", "unknown-model"]


def test_no_plan_no_builtin_suite() -> None:
    suite = builtin_suite(None)
    assert not suite.cases and "no plan" in suite.notes[0]


def test_wildcard_mapping(plan: Plan) -> None:
    mapper = ModelMapper(plan)
    assert mapper.map("oa-gpt-4o") == ("openai/gpt-4o", True)
    assert mapper.map("fast") == ("openai/gpt-4o-mini", True)
    assert mapper.map("nope") == ("nope", False)
    assert ModelMapper(None).map("x") == ("x", True)


# corpora ----------------------------------------------------------------------------------------------
def test_corpus_shapes(tmp_path: Path, plan: Plan) -> None:
    path = write(
        tmp_path,
        "c.jsonl",
        [
            {
                "endpoint": "/v1/chat/completions",
                "body": {"model": "fast", "messages": [{"role": "user", "content": "a"}]},
            },
            {
                "custom_id": "batch-1",
                "method": "POST",
                "url": "/v1/chat/completions",
                "body": {"model": "fast", "messages": [{"role": "user", "content": "b"}]},
            },
            {"model": "fast", "messages": [{"role": "user", "content": "c"}], "stream": True},
            {"model": "embed", "input": ["x"]},
            {"endpoint": "embeddings", "body": {"model": "unknown-name", "input": "y"}},
        ],
    )
    suite = read_corpus(path, plan)
    assert [c.id for c in suite.cases] == ["c.jsonl:1", "batch-1", "c.jsonl:3", "c.jsonl:4", "c.jsonl:5"]
    assert [c.endpoint for c in suite.cases] == [CHAT, CHAT, CHAT, EMBEDDINGS, EMBEDDINGS]
    assert suite.cases[2].stream
    assert suite.cases[3].after_model == "openai/text-embedding-3-small"
    assert suite.cases[4].after_model == "unknown-name" and not suite.cases[4].mapped


def test_corpus_blank_lines_and_json_array(tmp_path: Path) -> None:
    path = write(tmp_path, "c.jsonl", '\n{"model": "m", "messages": []}\n\n')
    assert [c.id for c in read_corpus(path, None).cases] == ["c.jsonl:2"]
    arr = write(
        tmp_path,
        "c.json",
        json.dumps([{"model": "m", "messages": []}, {"model": "n", "input": "x"}], indent=2),
    )
    assert [c.id for c in read_corpus(arr, None).cases] == ["c.json#0", "c.json#1"]


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ('{"model": "m", "messages": []}\n{"model": oops}\n', ":2:11:", "invalid JSON line"),
        (
            '{"endpoint": "/v1/completions", "body": {"model": "m", "prompt": "x"}}\n',
            ":1:1:",
            "no legacy /v1/completions",
        ),
        ('{"endpoint": "/v1/chat/completions", "body": {"messages": []}}\n', ":1:1:", "has no `model`"),
        (
            '{"endpoint": "/v1/chat/completions", "body": {"model": "m"}}\n',
            ":1:1:",
            "needs a `messages` list",
        ),
        ('{"hello": 1}\n', ":1:1:", "not a request"),
        ("[1, 2]\n", ":1:1:", "must be a JSON object"),
        (
            '{"method": "GET", "url": "/v1/embeddings", "body": {"model": "m", "input": "x"}}\n',
            ":1:1:",
            "only POST",
        ),
    ],
)
def test_corpus_errors_name_file_line_column(tmp_path: Path, text: str, where: str, message: str) -> None:
    path = write(tmp_path, "bad.jsonl", text)
    with pytest.raises(UserError) as exc:
        read_corpus(path, None)
    assert str(exc.value).startswith(str(path) + where)
    assert message in str(exc.value)


def test_corpus_missing_file(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="corpus file not found"):
        read_corpus(tmp_path / "nope.jsonl", None)


# spend logs -------------------------------------------------------------------------------------------
def test_spend_log_rows() -> None:
    body = {"model": "fast", "messages": [{"role": "user", "content": "hi"}], "litellm_call_id": "x"}
    assert spend_log_request({"call_type": "acompletion", "proxy_server_request": body}) == (
        CHAT,
        {"model": "fast", "messages": [{"role": "user", "content": "hi"}]},
    )
    as_text = {"call_type": "acompletion", "proxy_server_request": json.dumps(body)}
    assert spend_log_request(as_text)[1]["model"] == "fast"  # type: ignore[index]
    from_messages = {
        "call_type": "completion",
        "model_group": "fast",
        "model": "gpt-4o-mini",
        "messages": json.dumps([{"role": "user", "content": "x"}]),
        "proxy_server_request": "{}",
    }
    assert spend_log_request(from_messages) == (
        CHAT,
        {"model": "fast", "messages": [{"role": "user", "content": "x"}]},
    )
    emb = {
        "call_type": "aembedding",
        "model_group": "embed",
        "proxy_server_request": {"model": "embed", "input": ["a"]},
    }
    assert spend_log_request(emb) == (EMBEDDINGS, {"model": "embed", "input": ["a"]})
    assert (
        spend_log_request({"call_type": "acompletion", "messages": "{}", "proxy_server_request": "{}"})
        is None
    )
    assert spend_log_request({"call_type": "aimage_generation", "proxy_server_request": body}) is None


def test_spend_logs_file_formats(tmp_path: Path, plan: Plan) -> None:
    rows = [
        {
            "request_id": "r1",
            "call_type": "acompletion",
            "model_group": "fast",
            "proxy_server_request": {"model": "fast", "messages": [{"role": "user", "content": "a"}]},
        },
        {"request_id": "r2", "call_type": "acompletion", "model_group": "fast", "messages": "{}"},
    ]
    as_api = tmp_path / "spend.json"
    as_api.write_text(json.dumps(rows), encoding="utf-8")
    suite = read_spend_logs(as_api, plan)
    assert [(c.id, c.kind, c.after_model) for c in suite.cases] == [
        ("spend:r1", "spend-log", "openai/gpt-4o-mini")
    ]
    assert "1 spend-log row(s) hold no request body" in suite.notes[0]
    paginated = tmp_path / "page.json"
    paginated.write_text(json.dumps({"data": rows, "total": 2}), encoding="utf-8")
    assert len(read_spend_logs(paginated, plan).cases) == 1
    jsonl = write(tmp_path, "spend.jsonl", rows)
    assert [c.source for c in read_spend_logs(jsonl, plan).cases] == ["spend.jsonl:1"]


def test_spend_logs_from_the_proxy_api(plan: Plan) -> None:
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from llmgw_migrate.verify.suite import fetch_spend_logs, spend_log_suite

    seen: list[tuple[str, str | None]] = []
    rows = [
        {
            "request_id": "r9",
            "call_type": "acompletion",
            "proxy_server_request": {"model": "fast", "messages": [{"role": "user", "content": "x"}]},
        }
    ]

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append((self.path, self.headers.get("Authorization")))
            ok = self.headers.get("Authorization") == "Bearer sk-admin"
            body = json.dumps(rows if ok else {"error": {"message": "no"}}).encode()
            self.send_response(200 if ok else 401)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}/v1"
        fetched = fetch_spend_logs(base, "sk-admin")
        suite = spend_log_suite(fetched, plan)
        assert [c.id for c in suite.cases] == ["spend:r9"]
        assert seen[0] == ("/spend/logs?summarize=false", "Bearer sk-admin")
        with pytest.raises(UserError, match="HTTP 401"):
            fetch_spend_logs(base, "sk-wrong")
    finally:
        server.shutdown()
        server.server_close()


def test_anthropic_messages_entries(tmp_path: Path) -> None:
    from llmgw_migrate.verify.suite import MESSAGES

    tool = {"name": "f", "input_schema": {"type": "object"}}
    body = {
        "model": "claude",
        "max_tokens": 10,
        "messages": [{"role": "user", "content": "x"}],
        "tools": [tool],
    }
    path = write(tmp_path, "m.jsonl", [{"endpoint": "/v1/messages", "body": body}])
    case = read_corpus(path, None).cases[0]
    assert case.endpoint == MESSAGES and case.tools() == {"f": {"type": "object"}}
    no_max = write(tmp_path, "n.jsonl", [{"endpoint": "/v1/messages", "body": {**body, "max_tokens": None}}])
    with pytest.raises(UserError, match="needs `max_tokens`"):
        read_corpus(no_max, None)


def test_anthropic_models_also_get_an_anthropic_format_case() -> None:
    from llmgw_migrate.verify.suite import MESSAGES

    claude = ModelMapping(
        name="claude", gateway_model="anthropic/claude-haiku-4-5", provider="anthropic",
        litellm_model="anthropic/claude-haiku-4-5", status=Status.exact,
    )  # fmt: skip
    cases = {c.id: c for c in builtin_suite(Plan(source="x", models=[claude])).cases}
    msg = cases["claude:messages"]
    assert msg.endpoint == MESSAGES and msg.body["max_tokens"] == 64
    assert msg.after_body()["model"] == "anthropic/claude-haiku-4-5"
