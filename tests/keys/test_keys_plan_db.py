"""`keys --database-url` on a real PostgreSQL with LiteLLM 1.108.7's schema, through the CLI."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import psycopg
import pytest
from keys_support import run_cli, secrets_absent

from llmgw_migrate.config.plan import ModelMapping, Plan
from llmgw_migrate.keys.db_reader import REQUIRED, connect
from llmgw_migrate.testing import litellm_db as ldb


def _by_alias(plan: dict) -> dict:
    return {k.get("alias") or k["old_key_name"]: k for k in plan["keys"]}


def test_schema_is_litellms_own(litellm_db: str) -> None:
    with psycopg.connect(litellm_db) as conn:
        migrations = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = %s", ("public",)
        ).fetchone()
        assert migrations is not None and migrations[0] > 50
        for table, columns in REQUIRED.items():
            found = {
                r[0]
                for r in conn.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = %s", (table,)
                )
            }
            assert columns <= found, (table, columns - found)


def test_plan_from_database(seeded_db, tmp_path: Path) -> None:
    dsn, tokens = seeded_db
    out, md, sheet = tmp_path / "keys.json", tmp_path / "handover.md", tmp_path / "handover.csv"
    proc = run_cli(
        "keys", "--database-url", dsn, "-o", str(out), "--handover", str(md), "--handover", str(sheet)
    )
    assert proc.returncode == 1, proc.stderr  # findings that need manual work
    assert "keys plan written" in proc.stdout
    plan = json.loads(out.read_text())
    assert plan["kind"] == "keys" and plan["schema_version"] == 1
    assert plan["source"].startswith("postgresql://127.0.0.1:") and "@" not in plan["source"]
    projects = {p["name"]: p for p in plan["projects"]}
    assert set(projects) == {"ml-platform", "research", "frozen", "LiteLLM keys without a team"}
    assert projects["frozen"]["status"] == "inactive"
    keys = _by_alias(plan)
    # ui session keys, expired, management and deleted keys are not migrated
    assert set(keys) == {
        "checkout-service",
        "alice-laptop",
        "bob-notebook",
        "research-batch",
        "sk-...RET5",
        "frozen-key",
        "windowed",
    }
    skipped = {s["alias"]: s["reason"] for s in plan["skipped"]}
    assert skipped == {"old-demo": "expired", "ci-admin": "management key", "gone": "deleted"}

    svc = keys["checkout-service"]
    assert svc["project"] == projects["ml-platform"]["ref"]
    assert (
        svc["period_usage_limit"],
        svc["period_usage_duration_value"],
        svc["period_usage_duration_unit"],
    ) == ("100", 1, "day")
    assert "usage_limit" not in svc
    # key models [] = the team's list; claude-sonnet has no gateway id without a model plan
    assert svc["iam_rules"] == [
        {"rule_type": "allow_models", "rule_value": {"models": ["gpt-4o", "gpt-4o-mini"]}}
    ]
    assert {"LGM701", "LGM705", "LGM709", "LGM715", "LGM716"} <= set(svc["findings"])
    assert svc["requests_30d"] == 150 and svc["top_models"] == ["gpt-4o", "gpt-4o-mini"]
    assert len(svc["key_id"]) == 12 and tokens["svc"].startswith(svc["key_id"])

    alice = keys["alice-laptop"]
    assert alice["usage_limit"] == "6"  # max_budget 10 - spend 4: the remaining headroom
    assert alice.get("expires_at") and "LGM719" in alice["findings"]
    # intersection of key [gpt-4o, o1-preview] and team [gpt-4o, gpt-4o-mini, claude-sonnet]
    assert alice["iam_rules"][0]["rule_value"] == {"models": ["gpt-4o"]}
    assert alice["user_email"] == "alice@example.com"

    bob = keys["bob-notebook"]  # all-team-models inherits the team's list
    assert bob["iam_rules"][0]["rule_value"] == {"models": ["gpt-4o", "gpt-4o-mini"]}
    assert {"LGM706", "LGM720"} <= set(bob["findings"])
    research = keys["research-batch"]  # anthropic/* alone -> allow_providers
    assert research["iam_rules"] == [
        {"rule_type": "allow_providers", "rule_value": {"providers": ["anthropic"]}}
    ]
    assert (research["period_usage_limit"], research["period_usage_duration_unit"]) == ("30", "week")
    assert "LGM702" in research["findings"]
    assert keys["frozen-key"]["status"] == "inactive"
    windowed = keys["windowed"]  # 50/30d and 5/1d: 50 a month is the lower spend per hour
    assert (windowed["period_usage_limit"], windowed["period_usage_duration_unit"]) == ("50", "month")
    assert "LGM704" in windowed["findings"]
    assert keys["sk-...RET5"]["project"] == "no-team" and "usage_limit" not in keys["sk-...RET5"]

    codes = {f["code"] for f in plan["findings"]}
    assert {"LGM703", "LGM707", "LGM711", "LGM712", "LGM713", "LGM722", "LGM724"} <= codes
    for f in plan["findings"]:
        assert (
            "key '" in f["message"]
            or "team '" in f["message"]
            or "user '" in f["message"]
            or f["code"] in ("LGM712", "LGM724")
        )

    rows = list(csv.DictReader(io.StringIO(sheet.read_text())))
    by_ref = {r["new_key_ref"]: r for r in rows}
    assert by_ref[svc["ref"]]["project"] == "ml-platform"
    assert by_ref[svc["ref"]]["top_models"] == "gpt-4o, gpt-4o-mini"
    assert by_ref[alice["ref"]]["user_email"] == "alice@example.com"
    assert "## ml-platform" in md.read_text() and "alice@example.com" in md.read_text()
    for text in (proc.stdout, proc.stderr, out.read_text(), md.read_text(), sheet.read_text()):
        secrets_absent(text, tokens, extra=["$2b$hash"])


def test_every_format_renders_without_secrets(seeded_db) -> None:
    dsn, tokens = seeded_db
    for fmt in ("json", "yaml", "markdown", "csv"):
        proc = run_cli("keys", "--database-url", dsn, "--format", fmt)
        assert proc.returncode == 1, proc.stderr
        assert "checkout-service" in proc.stdout
        secrets_absent(proc.stdout, tokens)
    schema = run_cli("keys", "--schema")
    assert schema.returncode == 0 and json.loads(schema.stdout)["$id"].endswith("keys-plan-v1.json")


def test_model_plan_maps_names(seeded_db, tmp_path: Path) -> None:
    dsn, _ = seeded_db
    model_plan = Plan(source="litellm_config.yaml", models=[
        ModelMapping(name=n, gateway_model=g, provider=g.split("/")[0], litellm_model=g, status="exact")
        for n, g in [("gpt-4o", "openai/gpt-4o"), ("gpt-4o-mini", "openai/gpt-4o-mini"),
                     ("claude-sonnet", "anthropic/claude-3-7-sonnet")]
    ])  # fmt: skip
    (tmp_path / "plan.json").write_text(model_plan.to_json())
    proc = run_cli("keys", "--database-url", dsn, "--plan", str(tmp_path / "plan.json"), "-f", "json")
    plan = json.loads(proc.stdout)
    svc = _by_alias(plan)["checkout-service"]
    assert svc["iam_rules"][0]["rule_value"]["models"] == ["claude-3-7-sonnet", "gpt-4o", "gpt-4o-mini"]
    assert "LGM716" not in svc["findings"]
    assert plan["model_plan"].endswith("plan.json")


def test_connection_is_read_only(litellm_db: str) -> None:
    conn = connect(litellm_db)
    try:
        try:
            conn.execute('CREATE TABLE "llmgw_probe" (x int)')
        except psycopg.errors.ReadOnlySqlTransaction:
            pass
        else:  # pragma: no cover - the assertion below reports it
            raise AssertionError("the keys reader's transaction accepted a write")
    finally:
        conn.close()


def test_nothing_written_with_a_read_only_role(pg, seeded_db, tmp_path: Path) -> None:
    """A role that may only SELECT reads everything the plan needs; row counts stay the same."""
    dsn, _ = seeded_db
    dbname = dsn.rsplit("/", 1)[1]
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("DROP ROLE IF EXISTS llmgw_reader")
        conn.execute("CREATE ROLE llmgw_reader LOGIN PASSWORD 'reader-pass-123'")
        conn.execute(f'GRANT CONNECT ON DATABASE "{dbname}" TO llmgw_reader')
        conn.execute("GRANT USAGE ON SCHEMA public TO llmgw_reader")
        conn.execute("GRANT SELECT ON ALL TABLES IN SCHEMA public TO llmgw_reader")
        before = _counts(conn)
    reader = pg.dsn(dbname, user="llmgw_reader", password="reader-pass-123")
    proc = run_cli("keys", "--database-url", reader, "-o", str(tmp_path / "k.json"))
    assert proc.returncode == 1, proc.stderr
    assert len(json.loads((tmp_path / "k.json").read_text())["keys"]) == 7
    assert "reader-pass-123" not in proc.stdout + proc.stderr + (tmp_path / "k.json").read_text()
    with psycopg.connect(dsn, autocommit=True) as conn:
        assert _counts(conn) == before
        conn.execute("DROP OWNED BY llmgw_reader")
        conn.execute("DROP ROLE llmgw_reader")


def _counts(conn) -> dict[str, int]:
    tables = [
        r[0]
        for r in conn.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
        )
    ]
    return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}


def _one_line_error(proc, *needles: str) -> None:
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    assert "Traceback" not in proc.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


def test_unreachable_database(pg) -> None:
    from llmgw_migrate.testing.litellm_proxy import free_port

    url = f"postgresql://postgres:topsecret-pw@127.0.0.1:{free_port()}/litellm"
    proc = run_cli("keys", "--database-url", url)
    _one_line_error(proc, "cannot connect to the LiteLLM database", "127.0.0.1")
    assert "topsecret-pw" not in proc.stderr


def test_wrong_password(pg, litellm_db: str) -> None:
    url = litellm_db.replace(pg.password, "wrong-pw-xyz")
    proc = run_cli("keys", "--database-url", url)
    _one_line_error(proc, "cannot connect", "password authentication failed")
    assert "wrong-pw-xyz" not in proc.stderr and pg.password not in proc.stderr


def test_not_a_litellm_database(pg) -> None:
    proc = run_cli("keys", "--database-url", pg.dsn("postgres"))
    _one_line_error(proc, "is not a LiteLLM proxy database", "LiteLLM_VerificationToken")


def test_other_litellm_version_names_what_is_missing(litellm_db: str) -> None:
    with psycopg.connect(litellm_db, autocommit=True) as conn:
        conn.execute(
            'ALTER TABLE "LiteLLM_VerificationToken" DROP COLUMN tpd_limit, DROP COLUMN budget_limits'
        )
        conn.execute('DROP TABLE "LiteLLM_AccessGroupTable"')
    proc = run_cli("keys", "--database-url", litellm_db)
    _one_line_error(
        proc, "another LiteLLM version's schema", "missing tables LiteLLM_AccessGroupTable",
        "LiteLLM_VerificationToken.budget_limits", "LiteLLM_VerificationToken.tpd_limit",
    )  # fmt: skip


def test_usage_errors() -> None:
    _one_line_error(run_cli("keys"), "give one source")
    _one_line_error(run_cli("keys", "--database-url", "mysql://x/y"), "postgresql://")
    _one_line_error(run_cli("keys", "--database-url", "postgresql://h/d", "-f", "xml"), "--format")


def test_prisma_schema_parameter(pg, litellm_db: str) -> None:
    """LiteLLM's DATABASE_URL may carry Prisma's ?schema=; the tables then live in that schema."""
    with psycopg.connect(litellm_db, autocommit=True) as conn:
        conn.execute("ALTER SCHEMA public RENAME TO litellm")
        conn.execute("CREATE SCHEMA public")
        ldb_conn = conn
        ldb_conn.execute("SET search_path TO litellm")
        ldb.insert_key(ldb_conn, "sk-schema-test-0123456789SECRET", key_alias="in-schema")
    proc = run_cli("keys", "--database-url", litellm_db + "?schema=litellm", "-f", "json")
    assert proc.returncode in (0, 1), proc.stderr
    assert [k["alias"] for k in json.loads(proc.stdout)["keys"]] == ["in-schema"]


def test_key_rows_stream_once_and_close_the_connection(seeded_db) -> None:
    from llmgw_migrate.keys.db_reader import read_database

    dsn, _ = seeded_db
    data = read_database(dsn)
    stream = data.keys
    conn = stream._conn  # type: ignore[attr-defined]
    rows = iter(stream)
    assert len(next(rows).key_id) == 12
    rows.close()  # the planner stopped early: the reader thread ends and the connection is closed
    assert conn.closed
    with pytest.raises(RuntimeError):
        next(iter(stream))
    assert len(list(read_database(dsn).keys)) == 9  # the UI session key is left out
    unread = read_database(dsn).keys  # never iterated (the planner failed first): close() cleans up
    conn = unread._conn  # type: ignore[attr-defined]
    unread.close()  # type: ignore[attr-defined]
    assert conn.closed
