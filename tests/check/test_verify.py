"""`check --verify`: verify's replay runs inside the gate (fake upstreams on 127.0.0.1, embedded gateway)."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from llmgw_migrate.testing.fake_upstream import FakeUpstream
from tests.check.helpers import run_cli

BEFORE_KEY = "sk-before-Qw3rTy7uIo9pAs2dF"
PROVIDER_KEY = "sk-provider-Zx8cVb6nMm4kJh1gF"

CONFIG = """\
model_list:
  - model_name: gpt-4o-mini
    litellm_params:
      model: openai/gpt-4o-mini
      api_key: os.environ/OPENAI_API_KEY
"""
REQUESTS = (
    '{"endpoint": "/v1/chat/completions", "body": {"model": "gpt-4o-mini", '
    '"messages": [{"role": "user", "content": "Why is the sea salty?"}], "temperature": 0}}\n'
    '{"endpoint": "/v1/chat/completions", "body": {"model": "gpt-4o-mini", "stream": true, '
    '"messages": [{"role": "user", "content": "Name a river."}], "temperature": 0}}\n'
)


@pytest.fixture(scope="module")
def before() -> Iterator[FakeUpstream]:
    """Stands in for the LiteLLM proxy: same deterministic answers as the provider behind the gateway."""
    with FakeUpstream(require_key=BEFORE_KEY) as server:
        yield server


@pytest.fixture(scope="module")
def provider() -> Iterator[FakeUpstream]:
    with FakeUpstream() as server:
        yield server


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    (tmp_path / "litellm_config.yaml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "requests.jsonl").write_text(REQUESTS, encoding="utf-8")
    (tmp_path / "app.py").write_text("print('no proxy here')\n", encoding="utf-8")
    return tmp_path


def _env(provider: FakeUpstream) -> dict[str, str]:
    return {
        "LITELLM_API_KEY": BEFORE_KEY,
        "OPENAI_API_KEY": PROVIDER_KEY,
        "LLM_OPENAI_API_KEY": PROVIDER_KEY,
        "LLM_OPENAI_BASE_URL": provider.url,
    }


def test_parity_passes(project: Path, before: FakeUpstream, provider: FakeUpstream) -> None:
    proc = run_cli(
        "check", ".", "--config", "litellm_config.yaml", "--verify", "--before", before.url,
        "--requests", "requests.jsonl", "--no-verify-suite", "--format", "json",
        cwd=project, env=_env(provider),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads(proc.stdout)
    verify = next(s for s in data["sections"] if s["name"] == "verify")
    assert verify["ran"] and verify["passed"]
    assert verify["stats"]["total"] == 2 and verify["stats"]["pass"] == 2
    assert "embedded" in verify["detail"]
    assert BEFORE_KEY not in proc.stdout and PROVIDER_KEY not in proc.stdout


def test_differences_fail_with_lgm5xx(project: Path, before: FakeUpstream, provider: FakeUpstream) -> None:
    # The built-in suite sends an unknown model: the fake "proxy" answers it, the gateway refuses it.
    proc = run_cli(
        "check", ".", "--config", "litellm_config.yaml", "--verify", "--before", before.url,
        "--junit", "junit.xml", cwd=project, env=_env(provider),
    )  # fmt: skip
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "LGM501 [error] unknown-model: status differs" in proc.stdout
    assert "verify: failed:" in proc.stdout
    junit = (project / "junit.xml").read_text(encoding="utf-8")
    assert 'name="llmgw-migrate.verify"' in junit and "<failure" in junit
    assert BEFORE_KEY not in proc.stdout + junit


def test_budget_stops_the_replay_and_fails(
    project: Path, before: FakeUpstream, provider: FakeUpstream
) -> None:
    proc = run_cli(
        "check", ".", "--config", "litellm_config.yaml", "--verify", "--before", before.url,
        "--requests", "requests.jsonl", "--no-verify-suite", "--verify-max-requests", "2", "--format", "json",
        cwd=project, env=_env(provider),
    )  # fmt: skip
    assert proc.returncode == 1, proc.stdout + proc.stderr
    data = json.loads(proc.stdout)
    verify = next(s for s in data["sections"] if s["name"] == "verify")
    assert verify["stats"]["not_run"] >= 1
    assert "LGM503" in {f["code"] for f in data["findings"] if f["fails"]}


def test_unreachable_before_fails_the_gate(project: Path, provider: FakeUpstream) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}"
    proc = run_cli(
        "check", ".", "--config", "litellm_config.yaml", "--verify", "--before", closed,
        "--requests", "requests.jsonl", "--no-verify-suite", "--format", "json",
        cwd=project, env=_env(provider),
    )  # fmt: skip
    assert proc.returncode == 1, proc.stdout + proc.stderr
    data = json.loads(proc.stdout)
    codes = {f["code"] for f in data["findings"] if f["section"] == "verify" and f["fails"]}
    assert codes and all(c.startswith("LGM5") for c in codes)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--verify"], "error: --verify needs --before URL"),
        (
            ["--verify", "--before", "localhost:4000"],
            "error: --before: 'localhost:4000' is not an http(s) URL",
        ),
        (
            ["--verify", "--before", "http://127.0.0.1:9", "--requests", "nope.jsonl"],
            "error: nope.jsonl: ",
        ),
        (
            ["--verify", "--before", "http://127.0.0.1:9", "--no-verify-suite"],
            "error: --no-verify-suite leaves",
        ),
        (["--verify", "--before", "http://127.0.0.1:9"], "error: --verify without --after runs the embedded"),
        (
            ["--verify", "--before", "http://127.0.0.1:9", "--verify-max-cost", "lots"],
            "error: --max-cost: 'lots'",
        ),
    ],
)
def test_bad_verify_flags_are_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    proc = run_cli("check", ".", *args, cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stderr.startswith(message), proc.stderr
    assert proc.stderr.count("\n") == 1
