"""`verify --keys`: old LiteLLM keys and their new gateway keys allow and refuse the same things.

The LiteLLM side is a small stand-in answering like LiteLLM 1.108.7's key checks (403
key_model_access_denied, 422 budget_exceeded); the gateway side is the embedded gateway enforcing the
keys plan (`gateway --keys`) in front of the fake upstream.
"""

# ruff: noqa: E501  (LiteLLM error bodies stay on one line)

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

from keys_support import run_cli

from llmgw_migrate.config.plan import ModelMapping, Plan
from llmgw_migrate.gateway.key_policy import KeyPolicy
from llmgw_migrate.gateway.server import serve_in_thread
from llmgw_migrate.gateway.settings import GatewaySettings
from llmgw_migrate.keys.planner import build_plan
from llmgw_migrate.keys.source import LiteLLMData, SourceKey
from llmgw_migrate.testing.fake_upstream import FakeUpstream
from llmgw_migrate.testing.http_fake import JsonFakeServer, Request

RAW = {
    "narrow": "sk-narrow-0123456789SECRETa",
    "spent": "sk-spent-0123456789SECRETb",
    "open": "sk-open-0123456789SECRETc",
}


class LiteLLMKeys(JsonFakeServer):
    def __init__(self, keys: dict[str, dict[str, Any]]) -> None:
        super().__init__()
        self.keys = keys

    def handle(self, request: Request) -> tuple[int, Any]:
        key = self.keys.get(request.bearer() or "")
        if key is None:
            return 401, {"error": {"message": "Authentication Error, Invalid proxy server token passed.",
                                   "type": "auth_error", "param": "None", "code": "401"}}  # fmt: skip
        model = (request.json or {}).get("model")
        if key.get("models") and model not in key["models"]:
            return 403, {"error": {"message": f"The requested model '{model}' is not available for this API key",
                                   "type": "key_model_access_denied", "param": "model", "code": "403"}}  # fmt: skip
        if key.get("spent"):
            return 422, {"error": {"message": "Budget has been exceeded! Current cost: 5.0, Max budget: 5.0",
                                   "type": "budget_exceeded", "param": None, "code": "422"}}  # fmt: skip
        return 200, {"id": "x", "object": "chat.completion", "model": model,
                     "choices": [{"index": 0, "message": {"role": "assistant", "content": "OK"}, "finish_reason": "stop"}]}  # fmt: skip


def _key_id(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()[:12]


def _files(tmp_path: Path) -> tuple[Path, Path, KeyPolicy]:
    data = LiteLLMData(source="test")
    data.keys = [
        SourceKey(_key_id(RAW["narrow"]), key_alias="narrow", models=["gpt-4o"]),
        SourceKey(_key_id(RAW["spent"]), key_alias="spent", max_budget=5.0, spend=5.0),
        SourceKey(_key_id(RAW["open"]), key_alias="open"),
    ]
    model_plan = Plan(source="c.yaml", models=[
        ModelMapping(name=n, gateway_model=f"openai/{n}", provider="openai", litellm_model=f"openai/{n}", status="exact")
        for n in ("gpt-4o", "gpt-4o-mini")
    ])  # fmt: skip
    plan = build_plan(data, model_plan)
    assert [k.usage_limit for k in plan.keys if k.alias == "spent"] == ["0"]  # max_budget 5 - spend 5
    (tmp_path / "keys.json").write_text(plan.to_json())
    (tmp_path / "plan.json").write_text(model_plan.to_json())
    (tmp_path / "old-keys.txt").write_text("# old LiteLLM keys\n" + "\n".join(RAW.values()) + "\n")
    policy = KeyPolicy(plan)
    policy.write_tokens(tmp_path / "tokens.jsonl")
    return tmp_path / "keys.json", tmp_path / "plan.json", policy


def _verify(tmp_path: Path, before: str, after: str) -> Any:
    return run_cli("verify", "--before", before, "--after", after, "--keys", str(tmp_path / "keys.json"),
                   "--old-keys", str(tmp_path / "old-keys.txt"), "--new-tokens", str(tmp_path / "tokens.jsonl"),
                   "--plan", str(tmp_path / "plan.json"))  # fmt: skip


def test_parity_holds_and_budget_status_is_a_known_difference(tmp_path: Path) -> None:
    _, _, policy = _files(tmp_path)
    litellm = {RAW["narrow"]: {"models": ["gpt-4o"]}, RAW["spent"]: {"spent": True}, RAW["open"]: {}}
    with FakeUpstream() as up, LiteLLMKeys(litellm) as before:
        env = {"LLM_OPENAI_API_KEY": "sk-up-SECRET", "LLM_OPENAI_BASE_URL": up.url}
        settings = GatewaySettings(
            env=env, api_keys=("llmgtwy_admin-0123456789",), today=dt.date(2026, 12, 1)
        )
        with serve_in_thread(None, settings, key_policy=policy) as after:
            proc = _verify(tmp_path, before.url, after)
            assert proc.returncode == 0, proc.stdout + proc.stderr
            lines = proc.stdout.splitlines()
            assert any(
                "key 'narrow'" in ln and "allowed-model" in ln and "200    200  pass" in ln for ln in lines
            )
            assert any(
                "key 'narrow'" in ln and "denied-model" in ln and "403    403  pass" in ln for ln in lines
            )
            assert any(
                "key 'spent'" in ln and "422    401  known-difference" in ln and "LGM728" in ln
                for ln in lines
            )
            assert "0 failed, 1 known differences" in proc.stdout
            for secret in [*RAW.values(), *policy.tokens.values()]:
                assert secret not in proc.stdout + proc.stderr

            # the LiteLLM key turns out to allow more than the plan says: a mismatch
            before.keys[RAW["narrow"]] = {}
            proc = _verify(tmp_path, before.url, after)
            assert proc.returncode == 1
            assert any(
                "key 'narrow'" in ln and "denied-model" in ln and "fail" in ln
                for ln in proc.stdout.splitlines()
            )


def test_usage_errors(tmp_path: Path) -> None:
    _files(tmp_path)
    proc = run_cli("verify", "--before", "http://127.0.0.1:9", "--after", "http://127.0.0.1:9",
                   "--keys", str(tmp_path / "keys.json"))  # fmt: skip
    assert proc.returncode == 2 and "--old-keys FILE and --new-tokens FILE" in proc.stderr
    (tmp_path / "old-keys.txt").write_text("sk-unrelated-key\n")
    proc = _verify(tmp_path, "http://127.0.0.1:9", "http://127.0.0.1:9")
    assert proc.returncode == 2 and "no plan key has both" in proc.stderr
