"""`gateway --keys`: the embedded gateway enforces a keys plan (limits, expiry, status, IAM)."""

from __future__ import annotations

import datetime as dt
import json
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from llmgw_migrate.gateway import key_policy as kp
from llmgw_migrate.gateway.server import serve_in_thread
from llmgw_migrate.gateway.settings import GatewaySettings
from llmgw_migrate.keys.plan_model import IamRule, KeyPlan, KeysPlan, ProjectPlan
from llmgw_migrate.testing.fake_upstream import FakeUpstream

NOW = dt.datetime(2026, 12, 1, 12, 0, 0)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> dt.datetime:
        return self.now


def _key(ref: str, **kw) -> KeyPlan:
    return KeyPlan(ref=ref, key_id=ref[-12:], description=ref, project="p", **kw)


def _plan() -> KeysPlan:
    allow = [IamRule("allow_models", {"models": ["gpt-4o"]})]
    return KeysPlan(
        source="test",
        projects=[ProjectPlan(ref="p", name="p")],
        keys=[
            _key("ak-open"),
            _key("ak-models", iam_rules=allow),
            _key("ak-providers", iam_rules=[IamRule("allow_providers", {"providers": ["anthropic"]})]),
            _key("ak-off", status="inactive"),
            _key("ak-expired", expires_at="2026-11-30T00:00:00Z"),
            _key("ak-zero", usage_limit="0"),
            _key("ak-tiny", usage_limit="0.0000001"),
            _key("ak-period", period_usage_limit="0.0000001", period_usage_duration_value=1,
                 period_usage_duration_unit="hour"),
        ],
    )  # fmt: skip


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[str, kp.KeyPolicy, Clock]]:
    clock = Clock()
    policy = kp.KeyPolicy(_plan(), clock=clock)
    with FakeUpstream() as up:
        env = {"LLM_OPENAI_API_KEY": "sk-up-SECRET", "LLM_OPENAI_BASE_URL": up.url}
        settings = GatewaySettings(env=env, api_keys=("llmgtwy_admin-0123456789",), today=NOW.date())
        with serve_in_thread(None, settings, key_policy=policy) as url:
            yield url, policy, clock


def _chat(url: str, token: str, model: str = "gpt-4o", stream: bool = False) -> httpx.Response:
    body = {"model": model, "messages": [{"role": "user", "content": "hi"}], "stream": stream}
    return httpx.post(f"{url}/v1/chat/completions", json=body, headers={"Authorization": f"Bearer {token}"},
                      timeout=30)  # fmt: skip


def test_status_expiry_and_unknown_tokens(served) -> None:
    url, policy, _ = served
    assert _chat(url, policy.tokens["ak-open"]).status_code == 200
    for token, message in ((policy.tokens["ak-off"], kp.INVALID), ("llmgtwy_unknown", kp.INVALID),
                           (policy.tokens["ak-expired"], kp.EXPIRED)):  # fmt: skip
        resp = _chat(url, token)
        assert resp.status_code == 401
        assert resp.json()["error"] == {"message": message, "type": "invalid_request_error", "param": None,
                                        "code": "invalid_api_key"}  # fmt: skip


def test_iam_models_and_providers(served) -> None:
    url, policy, _ = served
    assert _chat(url, policy.tokens["ak-models"], "gpt-4o").status_code == 200
    resp = _chat(url, policy.tokens["ak-models"], "gpt-4o-mini")
    assert resp.status_code == 403
    err = resp.json()["error"]
    assert (err["type"], err["code"]) == ("invalid_request_error", "permission_denied")
    assert err["message"].startswith("Access denied: Model gpt-4o-mini is not in the allowed models.")
    assert "(Rule ID: ak-models-rule-1)" in err["message"]
    resp = _chat(url, policy.tokens["ak-providers"], "gpt-4o")  # only openai is keyed here
    assert resp.status_code == 403 and "allowed provider" in resp.json()["error"]["message"]


def test_usage_and_period_limits(served) -> None:
    url, policy, clock = served
    zero = _chat(url, policy.tokens["ak-zero"])  # "0" blocks at once
    assert zero.status_code == 401 and zero.json()["error"]["message"] == kp.USAGE
    assert _chat(url, policy.tokens["ak-tiny"]).status_code == 200  # checked before, counted after
    assert _chat(url, policy.tokens["ak-tiny"]).json()["error"]["message"] == kp.USAGE
    assert _chat(url, policy.tokens["ak-period"], stream=True).status_code == 200  # streams count too
    time.sleep(0.2)
    resp = _chat(url, policy.tokens["ak-period"])
    assert resp.status_code == 401 and resp.json()["error"]["message"] == kp.PERIOD
    clock.now = NOW + dt.timedelta(hours=1, seconds=1)  # the rolling window ends an hour after first use
    assert _chat(url, policy.tokens["ak-period"]).status_code == 200


def test_period_end_clamps_months() -> None:
    assert kp._period_end(dt.datetime(2026, 1, 31), 1, "month") == dt.datetime(2026, 2, 28)
    assert kp._period_end(dt.datetime(2026, 11, 30), 3, "month") == dt.datetime(2027, 2, 28)
    assert kp._period_end(dt.datetime(2026, 1, 1), 2, "week") == dt.datetime(2026, 1, 15)


def test_cli_writes_tokens_0600_and_never_prints_them(tmp_path: Path) -> None:
    plan_path, tokens = tmp_path / "keys.json", tmp_path / "tokens.jsonl"
    plan_path.write_text(_plan().to_json())
    proc = subprocess.Popen(
        [sys.executable, "-m", "llmgw_migrate", "gateway", "--keys", str(plan_path), "--keys-tokens-out",
         str(tokens), "--port", "0", "--api-key", "llmgtwy_admin-0123456789"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not tokens.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.5)
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=30)
    assert stat.S_IMODE(tokens.stat().st_mode) == 0o600
    issued = [json.loads(line) for line in tokens.read_text().splitlines()]
    assert [t["ref"] for t in issued] == [k.ref for k in _plan().keys]
    assert "8 local tokens written" in err
    for t in issued:
        assert t["token"].startswith("llmgtwy_") and t["token"] not in out + err
