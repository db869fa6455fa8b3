"""`llmgw-migrate gateway` driven as a subprocess: start-up, keys, requests, bad input, --check, --config."""

from __future__ import annotations

import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from gateway_support import closed_port_url

from llmgw_migrate.config.plan import ModelMapping, Plan
from llmgw_migrate.testing.fake_upstream import FakeUpstream

EXE = [sys.executable, "-m", "llmgw_migrate"]
MSGS = [{"role": "user", "content": "hi"}]


def base_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LLM_")}
    env.update(extra)
    return env


@contextmanager
def running(args: list[str], env: dict[str, str]) -> Iterator[tuple[str, list[str], subprocess.Popen[str]]]:
    proc = subprocess.Popen(
        [*EXE, "gateway", *args], env=env, stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    lines: queue.Queue[str | None] = queue.Queue()
    seen: list[str] = []

    def pump() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    url = None
    while url is None:
        line = lines.get(timeout=60)
        if line is None:
            break
        seen.append(line)
        match = re.search(r"listening on (http://\S+)", line)
        if match:
            url = match.group(1)
    if url is None:
        proc.kill()
        raise AssertionError("gateway did not start:\n" + "".join(seen))
    # The lines printed right after "listening" (base URL hint, generated key).
    for _ in range(2):
        try:
            line = lines.get(timeout=0.5)
        except queue.Empty:
            break
        if line:
            seen.append(line)
    try:
        yield url, seen, proc
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def run(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*EXE, "gateway", *args], env=env or base_env(), capture_output=True, text=True, timeout=60
    )


def test_serves_with_given_key_and_never_prints_provider_keys() -> None:
    with FakeUpstream() as up:
        env = base_env(LLM_OPENAI_API_KEY="sk-provider-SECRET", LLM_OPENAI_BASE_URL=up.url)
        with running(["--port", "0", "--api-key", "team-key", "--as-of", "2026-11-25"], env) as (
            url,
            out,
            proc,
        ):
            resp = httpx.post(
                url + "/v1/chat/completions",
                json={"model": "gpt-4o", "messages": MSGS},
                headers={"Authorization": "Bearer team-key"},
            )
            assert resp.status_code == 200 and resp.json()["model"] == "openai/gpt-4o"
            assert up.requests[-1]["key"] == "sk-provider-SECRET"
        assert proc.returncode == 0
    text = "".join(out)
    assert "SECRET" not in text and "team-key" not in text
    assert "provider openai: 1 key from LLM_OPENAI_API_KEY" in text
    assert url.startswith("http://127.0.0.1:")


def test_generated_key_is_printed_once_and_works() -> None:
    with FakeUpstream() as up:
        env = base_env(LLM_OPENAI_API_KEY="k", LLM_OPENAI_BASE_URL=up.url)
        with running(["--port", "0"], env) as (url, out, _):
            keys = [m.group(1) for line in out for m in [re.search(r"shown once\): (\S+)", line)] if m]
            assert len(keys) == 1 and keys[0].startswith("llmgtwy_")
            ok = httpx.post(
                url + "/v1/chat/completions",
                json={"model": "gpt-4o", "messages": MSGS},
                headers={"x-api-key": keys[0]},
            )
            assert ok.status_code == 200
            assert (
                httpx.post(
                    url + "/v1/chat/completions", json={"model": "gpt-4o", "messages": MSGS}
                ).status_code
                == 401
            )


def test_env_gateway_keys() -> None:
    env = base_env(LLM_GATEWAY_API_KEY="from-env, second-key")
    with running(["--port", "0"], env) as (url, out, _):
        assert not any("shown once" in line for line in out)
        assert "no provider keys found" in "".join(out)
        assert httpx.get(url + "/v1/models?available=true").json() == {"data": []}
        body = {"model": "gpt-4o", "messages": MSGS}
        # Model and provider checks come before the key check, as on the gateway.
        assert "No provider key" in httpx.post(url + "/v1/chat/completions", json=body).text
    env = base_env(
        LLM_GATEWAY_API_KEY="from-env, second-key",
        LLM_OPENAI_API_KEY="o",
        LLM_OPENAI_BASE_URL=closed_port_url(),
    )
    with running(["--port", "0"], env) as (url, _, _):
        for key, status in (("nope", 401), ("from-env", 502), ("second-key", 502)):  # 502: upstream is down
            resp = httpx.post(url + "/v1/chat/completions", json=body, headers={"x-api-key": key})
            assert resp.status_code == status, resp.text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--plan", "missing.json"], "missing.json: plan file not found"),
        (["--plan", "a.json", "--config", "b.yaml"], "give --plan or --config, not both"),
        (["--as-of", "yesterday"], "--as-of must be a date"),
        (["--max-body", "huge"], "--max-body must be a size"),
        (["--port", "70000"], "--port must be between 0 and 65535"),
        (["--timeout", "0"], "--timeout must be positive"),
        (["--header-timeout", "0"], "--header-timeout must be positive"),
        (["--body-timeout", "-1"], "--body-timeout must be positive"),
        (["--max-connections", "0"], "--max-connections must be positive"),
        (["--max-upstream-body", "lots"], "--max-upstream-body must be a size"),
    ],
)
def test_bad_input_is_one_line_exit_2(args: list[str], message: str) -> None:
    result = run(args)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0]
    assert "Traceback" not in result.stderr


def test_bad_plan_json_names_line_and_column(tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text('{\n  "source": "x",\n  oops\n}\n')
    result = run(["--plan", str(plan)])
    assert result.returncode == 2 and f"{plan}:3:3: invalid JSON" in result.stderr


def test_port_in_use() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        result = run(["--port", str(port)])
    assert result.returncode == 2 and f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr


def test_check_reports_findings(tmp_path: Path) -> None:
    plan = Plan(
        source="litellm_config.yaml",
        models=[
            ModelMapping(
                name="b",
                gateway_model="aws-bedrock/claude-haiku-4-5",
                provider="aws-bedrock",
                litellm_model="bedrock/x",
                status="exact",
            ),
        ],
    )
    path = tmp_path / "plan.json"
    path.write_text(plan.to_json())
    result = run(
        ["--plan", str(path), "--check"],
        base_env(LLM_AWS_BEDROCK_API_KEY="b", LLM_OPENAI_API_KEY="o", LLM_OPENAI_BASE_URL=closed_port_url()),
    )
    assert result.returncode == 1
    assert "LGM402 provider 'aws-bedrock' is not supported by the embedded gateway" in result.stderr
    clean = run(["--check"], base_env(LLM_OPENAI_API_KEY="o"))
    assert clean.returncode == 0 and "provider openai: 1 key" in clean.stderr


def test_config_is_converted_on_start(tmp_path: Path) -> None:
    config = tmp_path / "litellm_config.yaml"
    config.write_text(
        "model_list:\n"
        "  - model_name: gpt-4o\n"
        "    litellm_params:\n"
        "      model: openai/gpt-4o\n"
        "      api_key: os.environ/TEAM_OPENAI_KEY\n"
    )
    result = run(["--config", str(config), "--check"], base_env(TEAM_OPENAI_KEY="team-SECRET"))
    assert result.returncode == 0, result.stderr
    assert "provider openai: 1 key from TEAM_OPENAI_KEY" in result.stderr
    assert "SECRET" not in result.stderr + result.stdout
    broken = tmp_path / "broken.yaml"
    broken.write_text("model_list: [\n")
    bad = run(["--config", str(broken)])
    assert bad.returncode == 2 and str(broken) in bad.stderr and "Traceback" not in bad.stderr


def test_help_lists_the_options() -> None:
    result = run(["--help"])
    assert result.returncode == 0
    for flag in (
        "--plan",
        "--config",
        "--host",
        "--api-key",
        "--cache-ttl",
        "--forward-all",
        "--provider-order",
        "--max-connections",
        "--header-timeout",
        "--body-timeout",
        "--max-upstream-body",
    ):
        assert flag in result.stdout
