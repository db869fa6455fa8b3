"""`keys apply` against the fake master API: dry run, create, idempotent re-run, cap reached halfway."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from keys_support import run_cli

from llmgw_migrate.keys.planner import build_plan
from llmgw_migrate.keys.source import LiteLLMData, SourceKey, SourceTeam
from llmgw_migrate.testing.fake_master_api import FakeMasterAPI

MASTER = "llmgmk_test_master_key_0123456789"


def _plan_file(tmp_path: Path, n_keys: int = 4) -> Path:
    data = LiteLLMData(source="postgresql://db.internal/litellm")
    data.teams["t1"] = SourceTeam("t1", team_alias="payments", models=["gpt-4o", "gpt-4o-mini"])
    data.teams["t2"] = SourceTeam("t2", team_alias="frozen", blocked=True)
    for i in range(n_keys):
        data.keys.append(
            SourceKey(f"{i:012x}", key_alias=f"svc-{i}", team_id="t1", models=["gpt-4o"], max_budget=10.0,
                      budget_duration="1d" if i % 2 else None)
        )  # fmt: skip
    data.keys.append(SourceKey("ffffffffffff", key_alias="frozen-svc", team_id="t2"))
    data.keys.append(SourceKey("eeeeeeeeeeee", key_alias="loose", blocked=True))
    path = tmp_path / "keys.json"
    path.write_text(build_plan(data).to_json())
    return path


def _env() -> dict[str, str]:
    return {"LLM_GATEWAY_MASTER_KEY": MASTER}


def _tokens(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_dry_run_is_the_default(tmp_path: Path) -> None:
    plan = _plan_file(tmp_path)
    with FakeMasterAPI(MASTER) as api:
        proc = run_cli("keys", "apply", "--plan", str(plan), "--master-url", api.url, env=_env())
        assert proc.returncode == 1, proc.stderr
        assert {r.method for r in api.requests} == {"GET"}
        assert not api.keys and not api.projects
    lines = proc.stdout.splitlines()
    assert 'POST /v1/master/projects {"name": "payments"}' in lines
    assert any(
        line.startswith("POST /v1/master/keys {") and "llmgw-migrate:ak-000000000000" in line
        for line in lines
    )
    assert any("/iam" in line and '"allow_models"' in line for line in lines)
    assert "dry run: projects to create 3" in proc.stdout and "nothing sent" in proc.stdout
    # without a master key: every request, nothing read
    proc = run_cli(
        "keys",
        "apply",
        "--plan",
        str(plan),
        "--master-url",
        "http://127.0.0.1:9",
        env={"LLM_GATEWAY_MASTER_KEY": ""},
    )
    assert proc.returncode == 1 and "POST /v1/master/keys" in proc.stdout


def test_apply_creates_everything_once(tmp_path: Path) -> None:
    plan_path = _plan_file(tmp_path)
    plan = json.loads(plan_path.read_text())
    tokens_out = tmp_path / "tokens.jsonl"
    with FakeMasterAPI(MASTER) as api:
        proc = run_cli("keys", "apply", "--plan", str(plan_path), "--master-url", api.url, "--yes",
                       "--tokens-out", str(tokens_out), env=_env())  # fmt: skip
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert stat.S_IMODE(tokens_out.stat().st_mode) == 0o600
        written = _tokens(tokens_out)
        assert len(written) == len(plan["keys"]) == len(api.keys)
        assert {t["token"] for t in written} == set(api.tokens.values())
        for t in written:
            assert t["token"] not in proc.stdout + proc.stderr
        assert {p["name"]: p["status"] for p in api.projects.values()} == {
            "payments": "active", "frozen": "inactive", "LiteLLM keys without a team": "active"}  # fmt: skip
        by_ref = {t["ref"]: api.keys[t["id"]] for t in written}
        svc1 = by_ref["ak-000000000001"]
        assert svc1["description"] == "svc-1 [llmgw-migrate:ak-000000000001]"
        assert (
            svc1["periodUsageLimit"],
            svc1["periodUsageDurationValue"],
            svc1["periodUsageDurationUnit"],
        ) == ("10", 1, "day")
        assert by_ref["ak-000000000000"]["usageLimit"] == "10"
        assert (
            by_ref["ak-ffffffffffff"]["status"] == "inactive"
            and by_ref["ak-eeeeeeeeeeee"]["status"] == "inactive"
        )
        rules = api.rules[svc1["id"]]
        assert [(r["ruleType"], r["ruleValue"]) for r in rules] == [("allow_models", {"models": ["gpt-4o"]})]
        posts = sum(1 for r in api.requests if r.method == "POST")

        again = run_cli("keys", "apply", "--plan", str(plan_path), "--master-url", api.url, "--yes",
                        "--tokens-out", str(tokens_out), env=_env())  # fmt: skip
        assert again.returncode == 0, again.stdout + again.stderr
        assert "keys created 0, present 6" in again.stdout and "projects created 0, present 3" in again.stdout
        assert sum(1 for r in api.requests if r.method == "POST") == posts
        assert len(_tokens(tokens_out)) == len(written) and len(api.keys) == len(written)


def test_rerun_completes_a_key_interrupted_before_its_rules(tmp_path: Path) -> None:
    plan_path = _plan_file(tmp_path, n_keys=1)
    with FakeMasterAPI(MASTER) as api:
        run_cli("keys", "apply", "--plan", str(plan_path), "--master-url", api.url, "--yes",
                "--tokens-out", str(tmp_path / "t.jsonl"), env=_env())  # fmt: skip
        kid = next(k["id"] for k in api.keys.values() if "ak-000000000000" in k["description"])
        api.rules[kid] = []  # as if the run had died between the key and its rule
        api.keys[kid]["status"] = "active"
        proc = run_cli("keys", "apply", "--plan", str(plan_path), "--master-url", api.url, "--yes",
                       "--tokens-out", str(tmp_path / "t.jsonl"), env=_env())  # fmt: skip
        assert proc.returncode == 0 and "IAM rules created 1" in proc.stdout
        assert api.rules[kid][0]["ruleValue"] == {"models": ["gpt-4o"]}
        assert len(api.keys) == 3


def test_cap_reached_halfway_then_resumed(tmp_path: Path) -> None:
    plan_path = _plan_file(tmp_path, n_keys=6)  # 8 keys in all
    tokens_out = tmp_path / "tokens.jsonl"
    args = ["keys", "apply", "--plan", str(plan_path), "--yes", "--tokens-out", str(tokens_out)]
    with FakeMasterAPI(MASTER, key_limit=3) as api:
        proc = run_cli(*args, "--master-url", api.url, env=_env())
        assert proc.returncode == 1, proc.stderr
        assert "keys created 3" in proc.stdout
        assert (
            "stopped: the organization's keys cap was reached: API key limit reached. Maximum 3"
            in proc.stdout
        )
        assert "5 keys of the plan were not created" in proc.stdout
        assert len(_tokens(tokens_out)) == 3 == len(api.keys)
        api.key_limit = 100
        proc = run_cli(*args, "--master-url", api.url, env=_env())
        assert proc.returncode == 0, proc.stdout
        assert "keys created 5, present 3" in proc.stdout
        refs = [t["ref"] for t in _tokens(tokens_out)]
        assert len(refs) == len(set(refs)) == 8 == len(api.keys)


def test_project_cap_stops_cleanly(tmp_path: Path) -> None:
    plan_path = _plan_file(tmp_path)
    with FakeMasterAPI(MASTER, project_limit=1) as api:
        proc = run_cli("keys", "apply", "--plan", str(plan_path), "--master-url", api.url, "--yes",
                       "--tokens-out", str(tmp_path / "t.jsonl"), env=_env())  # fmt: skip
        assert proc.returncode == 1
        assert "projects cap was reached: You have reached the limit of 1 projects" in proc.stdout
        assert len(api.projects) == 1 and not api.keys


@pytest.mark.parametrize(
    ("master", "plan_kind", "needle"),
    [
        ("llmgmk_wrong", "enterprise", "refused the master key (401: Invalid master key)"),
        (MASTER, "pro", "refused the master key (403: Master keys require an enterprise plan)"),
    ],
)
def test_bad_master_key(tmp_path: Path, master: str, plan_kind: str, needle: str) -> None:
    plan_path = _plan_file(tmp_path)
    with FakeMasterAPI(MASTER, plan=plan_kind) as api:
        env = {"LLM_GATEWAY_MASTER_KEY": master}
        proc = run_cli("keys", "apply", "--plan", str(plan_path), "--master-url", api.url, "--yes",
                       "--tokens-out", str(tmp_path / "t.jsonl"), env=env)  # fmt: skip
        assert proc.returncode == 2 and needle in proc.stderr, proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1 and master not in proc.stderr
        assert not api.keys


def test_bad_plans_and_usage(tmp_path: Path) -> None:
    plan_path = _plan_file(tmp_path)
    from llmgw_migrate.keys.plan_model import load_keys_plan

    plan = load_keys_plan(plan_path)
    plan.keys[0].period_usage_limit, plan.keys[0].period_usage_duration_value = "5", 400
    plan.keys[0].period_usage_duration_unit = "day"
    bad = tmp_path / "bad.json"
    bad.write_text(plan.to_json())
    line = next(n for n, text in enumerate(bad.read_text().splitlines(), 1) if plan.keys[0].ref in text)
    proc = run_cli("keys", "apply", "--plan", str(bad), "--master-url", "http://127.0.0.1:9", env=_env())
    assert proc.returncode == 2, proc.stderr
    assert (
        f"bad.json:{line}:4: key {plan.keys[0].ref}: period_usage_duration_value must be 1-365 for day"
        in proc.stderr
    )
    (tmp_path / "broken.json").write_text("{\n  nope")
    proc = run_cli(
        "keys", "apply", "--plan", str(tmp_path / "broken.json"), "--master-url", "http://x", env=_env()
    )
    assert proc.returncode == 2 and "broken.json:2:3: invalid JSON" in proc.stderr
    proc = run_cli(
        "keys", "apply", "--plan", str(plan_path), "--master-url", "http://127.0.0.1:9", "--yes", env=_env()
    )
    assert proc.returncode == 2 and "--tokens-out" in proc.stderr
    proc = run_cli("keys", "apply", "--plan", str(plan_path), "--master-url", "http://127.0.0.1:9", "--yes",
                   "--tokens-out", str(tmp_path / "t"), env=_env())  # fmt: skip
    assert proc.returncode == 2 and "cannot reach the LLM Gateway API" in proc.stderr
