"""`verify --spend-logs-db --sample N`: requests sampled in the database from a real LiteLLM_SpendLogs."""

from __future__ import annotations

import datetime as dt

import psycopg
import pytest

from llmgw_migrate.errors import UserError
from llmgw_migrate.testing import litellm_db as ldb
from llmgw_migrate.verify import spend_logs_db
from llmgw_migrate.verify.run import VerifyConfig, build_suite

NOW = dt.datetime(2026, 12, 1, 12, 0)


def _seed(dsn: str) -> None:
    msgs = [{"role": "user", "content": "hello"}]
    with psycopg.connect(dsn, autocommit=True) as c:
        token = ldb.hash_token("sk-spend-0123456789SECRET")
        for i in range(300):
            ldb.insert_spend_log(c, token, "gpt-4o", NOW - dt.timedelta(minutes=i), messages=msgs)
        for i in range(4):
            ldb.insert_spend_log(c, token, "claude-sonnet", NOW - dt.timedelta(hours=i), messages=msgs)
        for i in range(50):  # no stored request: never sampled
            ldb.insert_spend_log(c, token, "no-body", NOW - dt.timedelta(minutes=i), messages={})
        ldb.insert_spend_log(c, token, "old-model", NOW - dt.timedelta(days=90), messages=msgs)
        ldb.insert_spend_log(c, token, "failed", NOW, messages=msgs, status="failure")
        c.execute('ANALYZE "LiteLLM_SpendLogs"')


def test_sample_spreads_over_model_groups(litellm_db: str) -> None:
    _seed(litellm_db)
    rows = spend_logs_db.sample_rows(litellm_db, 10, until=NOW + dt.timedelta(minutes=1))
    groups = [r["model_group"] for _, r in rows]
    assert len(rows) == 10
    assert groups.count("claude-sonnet") == 4 and groups.count("gpt-4o") == 6  # rare group kept whole
    assert not {"no-body", "old-model", "failed"} & set(groups)
    assert all(src.startswith("postgresql://127.0.0.1:") and "@" not in src for src, _ in rows)


def test_page_sampling_on_big_tables(litellm_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past the full-scan threshold the query samples pages, widening until it has enough rows."""
    _seed(litellm_db)
    monkeypatch.setattr(spend_logs_db, "_FULL_SCAN_ROWS", 10)
    monkeypatch.setattr(spend_logs_db, "_OVERSAMPLE", 1)
    rows = spend_logs_db.sample_rows(litellm_db, 5, until=NOW + dt.timedelta(minutes=1), models=["gpt-4o"])
    assert len(rows) == 5 and {r["model_group"] for _, r in rows} == {"gpt-4o"}
    with psycopg.connect(litellm_db) as c:
        plan = c.execute(
            "EXPLAIN " + spend_logs_db._query(1.0),
            {"since": NOW, "until": NOW, "models": None, "n": 5, "per_group": 5},
        ).fetchall()
    assert any("Sample Scan" in line for (line,) in plan)  # pages sampled, not the whole table


def test_verify_builds_its_suite_from_the_sample(litellm_db: str) -> None:
    _seed(litellm_db)
    until = (NOW + dt.timedelta(minutes=1)).isoformat()
    config = VerifyConfig(before="http://127.0.0.1:1", after="http://127.0.0.1:2", builtin=False,
                          spend_logs_db=litellm_db, sample=3, spend_until=until)  # fmt: skip
    suite = build_suite(config, None)
    assert len(suite.cases) == 3 and {c.kind for c in suite.cases} == {"spend-log"}
    assert suite.cases[0].body["messages"] == [{"role": "user", "content": "hello"}]
    with pytest.raises(UserError, match="--since must be a date"):
        build_suite(
            VerifyConfig(before="x", after="y", spend_logs_db=litellm_db, spend_since="yesterday"), None
        )


def test_not_litellms_database(pg) -> None:
    with pytest.raises(UserError, match="no LiteLLM_SpendLogs table"):
        spend_logs_db.sample_rows(pg.dsn("postgres"), 5)
