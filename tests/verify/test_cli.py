"""`llmgw-migrate verify` as a subprocess, against fake upstreams on 127.0.0.1."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from llmgw_migrate.cli import build_app
from llmgw_migrate.testing.fake_upstream import FakeUpstream
from llmgw_migrate.testing.litellm_proxy import free_port
from tests.conftest import ROOT

SECRET = "sk-verify-secret-0123456789abcdef"
TOOL = {
    "type": "function",
    "function": {
        "name": "lookup",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
            "required": ["city"],
        },
    },
}


@pytest.fixture(scope="module")
def pair() -> Iterator[tuple[FakeUpstream, FakeUpstream, FakeUpstream]]:
    with FakeUpstream() as a, FakeUpstream() as b, FakeUpstream(tool_args_variant=1) as c:
        yield a, b, c


def corpus(tmp_path: Path, n: int = 3) -> Path:
    lines = []
    for i in range(n):
        lines.append(
            {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": f"q{i}"}], "temperature": 0}
        )
    lines.append(
        {
            "endpoint": "/v1/chat/completions",
            "body": {
                "model": "gpt-4o",
                "stream": True,
                "temperature": 0,
                "messages": [{"role": "user", "content": "stream"}],
            },
        }
    )
    lines.append(
        {
            "model": "gpt-4o",
            "temperature": 0,
            "tools": [TOOL],
            "tool_choice": "required",
            "messages": [{"role": "user", "content": "weather"}],
        }
    )
    lines.append({"model": "text-embedding-3-small", "input": ["a", "b"]})
    path = tmp_path / "corpus.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    return path


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "llmgw_migrate", "verify", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=dict(os.environ, NO_COLOR="1", **(env or {})),
        timeout=120,
    )


def test_parity_exit_0_and_json_on_stdout(pair, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    a, b, _ = pair
    r = run(
        "--before",
        a.url,
        "--after",
        b.url + "/v1",
        "--requests",
        str(corpus(tmp_path)),
        "-f",
        "json",
        env={"LITELLM_API_KEY": SECRET},
    )
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["summary"]["total"] == 6 and data["summary"]["pass"] == 6 and data["summary"]["parity"]
    assert SECRET not in r.stdout + r.stderr


def test_differences_exit_1_with_reports(pair, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    a, _, c = pair
    out = {fmt: tmp_path / f"report.{fmt}" for fmt in ("json", "junit", "markdown", "html")}
    r = run(
        "--before",
        a.url,
        "--after",
        c.url,
        "--requests",
        str(corpus(tmp_path)),
        "--json",
        str(out["json"]),
        "--junit",
        str(out["junit"]),
        "--markdown",
        str(out["markdown"]),
        "--html",
        str(out["html"]),
        "--before-key",
        SECRET,
    )
    assert r.returncode == 1, r.stderr
    assert "DIFFERENCES: 6 compared, 5 pass, 1 differ, 0 error" in r.stdout
    data = json.loads(out["json"].read_text(encoding="utf-8"))
    differ = [x for x in data["results"] if x["status"] == "differ"]
    assert [x["id"] for x in differ] == ["corpus.jsonl:5"]
    assert differ[0]["differences"][0]["path"].startswith(
        "choices[0].message.tool_calls[0].function.arguments."
    )
    assert "<failure" in out["junit"].read_text(encoding="utf-8")
    assert "corpus.jsonl:5" in out["markdown"].read_text(encoding="utf-8")
    html = out["html"].read_text(encoding="utf-8")
    assert "<svg" in html
    for path in out.values():
        assert SECRET not in path.read_text(encoding="utf-8")


def test_unreachable_side_is_an_error_exit_2(pair, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    a, _, _ = pair
    r = run(
        "--before",
        a.url,
        "--after",
        f"http://127.0.0.1:{free_port()}",
        "--requests",
        str(corpus(tmp_path, 1)),
        "--retries",
        "0",
        "-f",
        "json",
    )
    assert r.returncode == 2
    data = json.loads(r.stdout)
    assert data["summary"]["error"] == 4 and "ConnectError" in data["results"][0]["error"]


def test_max_requests_budget(pair, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    a, b, _ = pair
    r = run(
        "--before",
        a.url,
        "--after",
        b.url,
        "--requests",
        str(corpus(tmp_path)),
        "--concurrency",
        "1",
        "--max-requests",
        "5",
        "-f",
        "json",
    )
    assert r.returncode == 2, r.stderr  # a partial run proves nothing: "could not run" fully
    s = json.loads(r.stdout)["summary"]
    assert (s["total"], s["not_run"], s["requests"], s["stopped"]) == (2, 4, 4, "budget: max-requests")
    assert not s["parity"]


def test_max_cost_budget(pair, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    a, b, _ = pair
    r = run(
        "--before",
        a.url,
        "--after",
        b.url,
        "--requests",
        str(corpus(tmp_path)),
        "--concurrency",
        "1",
        "--max-cost",
        "0.000001",
        "-f",
        "json",
    )
    s = json.loads(r.stdout)["summary"]
    assert s["stopped"] == "budget: max-cost" and s["total"] == 0 and r.returncode == 2


def test_noise_samples_are_sent(pair, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    a, b, _ = pair
    before = a.request_count
    r = run(
        "--before",
        a.url,
        "--after",
        b.url,
        "--requests",
        str(corpus(tmp_path, 1)),
        "--noise-samples",
        "2",
        "-f",
        "json",
    )
    assert r.returncode == 0, r.stderr
    assert a.request_count - before == 4 * 3
    assert json.loads(r.stdout)["results"][0]["noise_samples"] == 2


def test_ctrl_c_writes_a_partial_report(tmp_path: Path) -> None:
    path = tmp_path / "many.jsonl"
    path.write_text(
        "".join(
            json.dumps({"model": "gpt-4o", "messages": [{"role": "user", "content": str(i)}]}) + "\n"
            for i in range(200)
        ),
        encoding="utf-8",
    )
    report = tmp_path / "partial.json"
    with FakeUpstream(delay=0.05) as a, FakeUpstream(delay=0.05) as b:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "llmgw_migrate",
                "verify",
                "--before",
                a.url,
                "--after",
                b.url,
                "--requests",
                str(path),
                "--concurrency",
                "1",
                "--json",
                str(report),
                "-f",
                "json",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        assert a.wait_for(lambda up: up.request_count >= 3, timeout=60)
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 2, stderr
    data = json.loads(report.read_text(encoding="utf-8"))
    s = data["summary"]
    assert s["stopped"] == "interrupted" and s["total"] >= 2 and s["not_run"] == 200 - s["total"]
    assert json.loads(stdout)["summary"] == s
    assert "Traceback" not in stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--before", "localhost:4000", "--after", "http://x"],
            "--before: 'localhost:4000' is not an http(s) URL",
        ),
        (["--before", "http://x", "--after", "embedded"], "--after embedded needs --plan"),
        (["--before", "http://x", "--after", "http://y"], "nothing to replay"),
        (
            ["--before", "http://x", "--after", "http://y", "--max-cost", "lots"],
            "--max-cost: 'lots' is not a number",
        ),
        (["--before", "http://x", "--after", "http://y", "-f", "yaml"], "--format: 'yaml' is not one of"),
        (["--after", "http://y"], "verify needs --before URL"),
    ],
)
def test_usage_errors_exit_2_one_line(args: list[str], message: str) -> None:
    # In-process (typer's runner) to keep the suite fast; the subprocess path is covered above and below.
    r = CliRunner().invoke(build_app(), ["verify", *args])
    assert r.exit_code == 2
    assert message in r.stderr and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_bad_corpus_line_names_file_line_column(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"model": "m", "messages": []}\n{"model": m}\n', encoding="utf-8")
    r = run("--before", "http://127.0.0.1:9", "--after", "http://127.0.0.1:9", "--requests", str(path))
    assert r.returncode == 2
    assert r.stderr.strip() == f"error: {path}:2:11: invalid JSON line: Expecting value"


def test_bad_plan_names_file_line_column(tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text('{"schema_version": 1,\n "source": }', encoding="utf-8")
    r = run("--before", "http://127.0.0.1:9", "--after", "embedded", "--plan", str(plan))
    assert r.returncode == 2 and r.stderr.startswith(f"error: {plan}:2:12: invalid JSON")


def test_schema_flag_prints_the_report_schema() -> None:
    r = run("--schema")
    assert r.returncode == 0 and json.loads(r.stdout)["$id"].endswith("verify-report-v1.json")


def test_a_side_that_answers_nothing_exits_2_naming_it(pair, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # issue 15: a wrong --before path (every request 404) printed PARITY. Now: errors with each reason,
    # and exit 2 naming the broken side.
    a, b, _ = pair
    report = tmp_path / "r.json"
    r = run(
        "--before",
        a.url + "/wrong-path",
        "--after",
        b.url,
        "--requests",
        str(corpus(tmp_path, 2)),
        "--json",
        str(report),
        env={"LITELLM_API_KEY": SECRET},
    )
    assert r.returncode == 2, r.stdout + r.stderr
    assert "PARITY" not in r.stdout and "BROKEN SIDE" in r.stdout
    assert "error: --before is broken: none of 5 ordinary requests succeeded: 404" in r.stderr
    assert "--after is broken" not in r.stderr
    data = json.loads(report.read_text(encoding="utf-8"))
    assert set(data["summary"]["broken"]) == {"before"} and not data["summary"]["parity"]
    assert {x["status"] for x in data["results"]} == {"differ"}
    assert all(x["before"]["status"] == 404 and x["before"]["message"] for x in data["results"])


def test_missing_litellm_key_against_a_proxy_that_needs_one_exits_2_up_front(tmp_path: Path) -> None:
    with FakeUpstream(require_key=SECRET) as before, FakeUpstream() as after:
        env = {k: v for k, v in os.environ.items() if k != "LITELLM_API_KEY"}
        r = subprocess.run(
            [
                sys.executable,
                "-m",
                "llmgw_migrate",
                "verify",
                "--before",
                before.url,
                "--after",
                after.url,
                "--requests",
                str(corpus(tmp_path, 1)),
            ],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=dict(env, NO_COLOR="1"),
            timeout=120,
        )
        assert r.returncode == 2, r.stdout + r.stderr
        assert "needs a key" in r.stderr and "LITELLM_API_KEY" in r.stderr
        assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
        assert before.request_count == 0  # found up front: no request was replayed
        r = run(
            "--before",
            before.url,
            "--after",
            after.url,
            "--requests",
            str(corpus(tmp_path, 1)),
            env={"LITELLM_API_KEY": SECRET},
        )
        assert r.returncode == 0, r.stdout + r.stderr


def test_corpus_is_a_deprecated_name_of_requests(pair, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    a, b, _ = pair
    r = run("--before", a.url, "--after", b.url, "--corpus", str(corpus(tmp_path, 1)), "-f", "JSON")
    assert r.returncode == 0, r.stderr
    assert "--corpus is deprecated; use --requests" in r.stderr
    assert json.loads(r.stdout)["summary"]["parity"]
    assert "--corpus" not in run("--help").stdout  # hidden
    assert " -c " not in run("--help").stdout  # -c means --config (check, code), never --concurrency


def _unpriced_corpus(tmp_path: Path) -> Path:
    lines = [
        {"model": "my-local-llama", "temperature": 0, "messages": [{"role": "user", "content": f"q{i}"}]}
        for i in range(3)
    ]
    path = tmp_path / "unpriced.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    return path


def test_a_zero_cost_budget_sends_nothing(pair, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    a, b, _ = pair
    a.reset()
    b.reset()
    for path in (corpus(tmp_path), _unpriced_corpus(tmp_path)):  # priced, and unpriced ($0 before)
        r = run("--before", a.url, "--after", b.url, "--requests", str(path), "--max-cost", "0", "-f", "json")
        s = json.loads(r.stdout)["summary"]
        assert (s["requests"], s["total"], s["stopped"]) == (0, 0, "budget: max-cost"), r.stderr
    assert a.request_count == 0 and b.request_count == 0


def test_unpriced_models_need_a_price_or_a_request_budget(pair, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    a, b, _ = pair
    a.reset()
    b.reset()
    base = ["--before", a.url, "--after", b.url, "--requests", str(_unpriced_corpus(tmp_path)), "-f", "json"]
    r = run(*base, "--max-cost", "1")
    assert r.returncode == 2 and a.request_count == 0 and b.request_count == 0
    assert "no price for my-local-llama" in r.stderr and "--price" in r.stderr and "Traceback" not in r.stderr
    # Counted against --max-requests only, with a warning before anything is sent.
    r = run(*base, "--max-cost", "1", "--max-requests", "4")
    assert "warning: no price for my-local-llama" in r.stderr
    s = json.loads(r.stdout)["summary"]
    assert s["requests"] == 4 and s["stopped"] == "budget: max-requests"
    # Or priced by hand: then the cost budget bounds it like any other model.
    r = run(*base, "--max-cost", "1", "--price", "my-local-llama=0.5,1.5")
    s = json.loads(r.stdout)["summary"]
    assert r.returncode == 0 and s["total"] == 3 and "warning" not in r.stderr, r.stderr
    r = run(*base, "--max-cost", "0.0000001", "--price", "my-local-llama=0.5,1.5")
    assert json.loads(r.stdout)["summary"]["stopped"] == "budget: max-cost"
    r = run(*base, "--max-cost", "1", "--price", "my-local-llama=cheap")
    assert r.returncode == 2 and "--price: 'my-local-llama=cheap' must be MODEL=IN,OUT" in r.stderr
