"""`keys --from-api`: the same plan through LiteLLM's admin API (a fake serving the same real database)."""

from __future__ import annotations

import json

from keys_support import run_cli, secrets_absent

from llmgw_migrate.testing.fake_litellm_admin import FakeLiteLLMAdmin

MASTER = "sk-litellm-master-0123456789abcdef"
_USAGE = {"requests_30d", "top_models"}  # the API has no usage roll-up


def test_from_api_matches_the_database(seeded_db) -> None:
    dsn, tokens = seeded_db
    from_db = json.loads(run_cli("keys", "--database-url", dsn, "-f", "json").stdout)
    with FakeLiteLLMAdmin(dsn, MASTER) as api:
        proc = run_cli("keys", "--from-api", api.url, "-f", "json", env={"LITELLM_MASTER_KEY": MASTER})
        assert proc.returncode == 1, proc.stderr
        paths = {r.path for r in api.requests}
        assert {
            "/key/list",
            "/v2/team/list",
            "/user/list",
            "/organization/list",
            "/budget/list",
            "/model/info",
        } <= paths
        key_pages = [r for r in api.requests if r.path == "/key/list"]
        assert all(r.query["return_full_object"] == "true" and r.query["size"] == "100" for r in key_pages)
        url = api.url
    from_api = json.loads(proc.stdout)
    assert from_api["source"] == url
    assert from_api["projects"] == from_db["projects"]

    def strip(keys: list) -> list:
        return [{k: v for k, v in key.items() if k not in _USAGE} for key in keys]

    assert strip(from_api["keys"]) == strip(from_db["keys"])
    assert from_api["skipped"] == from_db["skipped"]  # expired, management and deleted keys
    no_usage = [f for f in from_api["findings"] if f["code"] == "LGM730"]
    assert len(no_usage) == 1 and no_usage[0]["message"].endswith(url)
    assert not any(f["code"] == "LGM730" for f in from_db["findings"])
    assert {s["alias"] for s in from_api["skipped"] if s["reason"] == "deleted"} == {"gone"}
    secrets_absent(proc.stdout + proc.stderr, tokens, extra=[MASTER])


def test_from_api_pages(seeded_db, monkeypatch) -> None:
    from llmgw_migrate.keys import api_reader

    dsn, _ = seeded_db
    monkeypatch.setattr(api_reader, "PAGE_SIZE", 2)
    with FakeLiteLLMAdmin(dsn, MASTER) as api:
        data = api_reader.read_api(api.url, MASTER)
        live = [r for r in api.requests if r.path == "/key/list" and "status" not in r.query]
        assert len(live) == 5  # 9 keys, 2 a page
    assert len(data.keys) == 9 and len(data.teams) == 3 and set(data.users) == {"alice", "bob"}
    assert all(len(k.key_id) == 12 for k in data.keys)


def test_wrong_master_key_and_unreachable(seeded_db) -> None:
    dsn, _ = seeded_db
    with FakeLiteLLMAdmin(dsn, MASTER) as api:
        proc = run_cli("keys", "--from-api", api.url, env={"LITELLM_MASTER_KEY": "sk-wrong-key-123"})
        url = api.url
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip() == (
        f"error: the LiteLLM admin API at {url} refused the master key (401 on /key/list): "
        "check LITELLM_MASTER_KEY"
    )
    proc = run_cli("keys", "--from-api", url, env={"LITELLM_MASTER_KEY": MASTER})  # server stopped
    assert proc.returncode == 2 and "cannot reach the LiteLLM admin API" in proc.stderr
    proc = run_cli("keys", "--from-api", url, env={"LITELLM_MASTER_KEY": ""})
    assert proc.returncode == 2 and "LITELLM_MASTER_KEY" in proc.stderr
