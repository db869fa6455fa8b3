"""Fixtures for the keys tests: one real PostgreSQL per session (127.0.0.1) with LiteLLM 1.108.7's schema
applied from litellm-proxy-extras' migrations once into a template; each test gets a fresh copy."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from llmgw_migrate.testing import litellm_db as ldb
from llmgw_migrate.testing.postgres import EmbeddedPostgres

TEMPLATE = "litellm_template"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def pg() -> Iterator[EmbeddedPostgres]:
    with EmbeddedPostgres() as server:
        server.create_litellm_database(TEMPLATE)
        yield server


@pytest.fixture
def litellm_db(pg: EmbeddedPostgres) -> str:
    """A fresh, empty LiteLLM database (a copy of the migrated template); returns its DSN."""
    import psycopg

    name = f"litellm_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(pg.dsn(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}"')
    return pg.dsn(name)


RAW = {  # raw keys exist only here, to prove they never leave the database
    "svc": "sk-svc-0123456789abcdefSECRET1",
    "alice": "sk-alice-0123456789abcdSECRET2",
    "bob": "sk-bob-0123456789abcdefgSECRET3",
    "research": "sk-res-0123456789abcdefSECRET4",
    "nolimit": "sk-free-0123456789abcdeSECRET5",
    "expired": "sk-old-0123456789abcdefSECRET6",
    "admin": "sk-adm-0123456789abcdefSECRET7",
    "blocked": "sk-blk-0123456789abcdefSECRET8",
    "windows": "sk-win-0123456789abcdefSECRET9",
}


def seed(dsn: str) -> dict[str, str]:
    """A small but complete LiteLLM proxy; returns alias -> token hash."""
    import psycopg

    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    tokens: dict[str, str] = {}
    with psycopg.connect(dsn, autocommit=True) as c:
        ldb.insert_organization(c, "org-1", "acme")
        ldb.insert_team(
            c, "team-ml", team_alias="ml-platform", organization_id="org-1",
            models=["gpt-4o", "gpt-4o-mini", "claude-sonnet"], max_budget=500.0, budget_duration="30d",
            tpm_limit=100000, members_with_roles=[{"user_id": "alice", "role": "admin"}],
        )  # fmt: skip
        ldb.insert_team(c, "team-research", team_alias="research", models=["anthropic/*"], soft_budget=50.0)
        ldb.insert_team(c, "team-frozen", team_alias="frozen", blocked=True, models=[])
        ldb.insert_user(
            c, "alice", user_email="alice@example.com", user_role="internal_user", max_budget=20.0
        )
        ldb.insert_user(c, "bob", user_email="bob@example.com", user_role="proxy_admin", password="$2b$hash")
        ldb.insert_budget(c, "member-budget", max_budget=5.0, allowed_models=["gpt-4o-mini"])
        c.execute(
            'INSERT INTO "LiteLLM_TeamMembership" (user_id, team_id, budget_id) VALUES (%s, %s, %s)',
            ("bob", "team-ml", "member-budget"),
        )
        tokens["svc"] = ldb.insert_key(
            c, RAW["svc"], key_alias="checkout-service", team_id="team-ml", models=[], max_budget=100.0,
            budget_duration="1d", spend=12.5, rpm_limit=600, metadata={"tags": ["prod"], "owner": "pay"},
            last_active=now - dt.timedelta(hours=2),
        )  # fmt: skip
        tokens["alice"] = ldb.insert_key(
            c, RAW["alice"], key_alias="alice-laptop", team_id="team-ml", user_id="alice",
            models=["gpt-4o", "o1-preview"], max_budget=10.0, spend=4.0,
            expires=now + dt.timedelta(days=30),
        )  # fmt: skip
        tokens["bob"] = ldb.insert_key(
            c, RAW["bob"], key_alias="bob-notebook", team_id="team-ml", user_id="bob",
            models=["all-team-models"], allowed_routes=["/chat/completions"],
        )  # fmt: skip
        tokens["research"] = ldb.insert_key(
            c, RAW["research"], key_alias="research-batch", team_id="team-research", models=[],
            max_budget=30.0, budget_duration="weekly",
            model_max_budget={"claude-sonnet": {"budget_limit": 5}},
        )  # fmt: skip
        tokens["nolimit"] = ldb.insert_key(c, RAW["nolimit"], key_alias=None, models=["gpt-4o-mini"])
        tokens["expired"] = ldb.insert_key(
            c, RAW["expired"], key_alias="old-demo", models=[], expires=now - dt.timedelta(days=1)
        )
        tokens["admin"] = ldb.insert_key(c, RAW["admin"], key_alias="ci-admin", key_type="management")
        tokens["blocked"] = ldb.insert_key(c, RAW["blocked"], key_alias="frozen-key", team_id="team-frozen")
        tokens["windows"] = ldb.insert_key(
            c, RAW["windows"], key_alias="windowed", models=["gpt-4o"], max_budget=50.0,
            budget_duration="30d", budget_limits=[{"budget_duration": "1d", "max_budget": 5.0}],
            spend=1.0,
        )  # fmt: skip
        ldb.insert_key(c, "sk-ui-session-0123456789SECRETX", team_id="litellm-dashboard")
        ldb.insert(
            c, "LiteLLM_DeletedVerificationToken",
            {"id": "d1", "token": ldb.hash_token("sk-deleted-0123456789SECRETY"), "key_alias": "gone",
             "deleted_at": now},
        )  # fmt: skip
        ldb.insert_daily_spend(c, tokens["svc"], "gpt-4o", 120)
        ldb.insert_daily_spend(c, tokens["svc"], "gpt-4o-mini", 30)
        ldb.insert_daily_spend(c, tokens["alice"], "gpt-4o", 7)
    return tokens


@pytest.fixture
def seeded_db(litellm_db: str) -> tuple[str, dict[str, str]]:
    return litellm_db, seed(litellm_db)


def run_cli(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = dict(os.environ)
    full_env.pop("DATABASE_URL", None)
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "llmgw_migrate", *args],
        capture_output=True, text=True, env=full_env, cwd=cwd or ROOT, timeout=300,
    )  # fmt: skip


def secrets_absent(text: str, tokens: dict[str, str] | None = None, extra: Any = ()) -> None:
    """No raw key and no full token hash appears in `text`."""
    for raw in RAW.values():
        assert raw not in text
        assert ldb.hash_token(raw) not in text
    for token in (tokens or {}).values():
        assert token not in text
    for value in extra:
        assert value not in text
