"""Write rows into a LiteLLM 1.108.7 database the way the proxy writes them, for tests and benchmarks.

Keys are stored as LiteLLM's `hash_token`: the unsalted SHA-256 hex of the raw `sk-...` key, with the
masked `sk-...abcd` in key_name. JSON columns get JSON (jsonb), list columns get text[] arrays.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Iterable
from typing import Any

_JSON_COLUMNS = {
    "aliases", "config", "permissions", "metadata", "model_spend", "model_max_budget", "budget_limits",
    "members_with_roles", "router_settings", "litellm_params", "model_info", "request_tags", "messages",
    "response", "proxy_server_request",
}  # fmt: skip


def hash_token(raw_key: str) -> str:
    """LiteLLM's hash_token: sha256 hex of the raw key."""
    return hashlib.sha256(raw_key.encode()).hexdigest()


def masked_key_name(raw_key: str) -> str:
    """LiteLLM's key_name: `sk-...` plus the last 4 characters."""
    return f"sk-...{raw_key[-4:]}"


def _adapt(column: str, value: Any) -> Any:
    from psycopg.types.json import Jsonb

    if column in _JSON_COLUMNS and value is not None:
        return Jsonb(value)
    return value


def insert(conn: Any, table: str, row: dict[str, Any]) -> None:
    cols = ", ".join(f'"{c}"' for c in row)
    marks = ", ".join(["%s"] * len(row))
    conn.execute(f'INSERT INTO "{table}" ({cols}) VALUES ({marks})', [_adapt(c, v) for c, v in row.items()])


def insert_key(conn: Any, raw_key: str, **columns: Any) -> str:
    """A virtual key as /key/generate stores it; returns the token hash."""
    token = hash_token(raw_key)
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    row: dict[str, Any] = {
        "token": token,
        "key_name": masked_key_name(raw_key),
        "models": [],
        "metadata": {},
        "aliases": {},
        "config": {},
        "permissions": {},
        "created_at": now,
        "updated_at": now,
        "created_by": "default_user_id",
        "updated_by": "default_user_id",
    }
    row.update(columns)
    insert(conn, "LiteLLM_VerificationToken", row)
    return token


def insert_team(conn: Any, team_id: str, **columns: Any) -> None:
    row: dict[str, Any] = {
        "team_id": team_id,
        "admins": [],
        "members": [],
        "members_with_roles": [],
        "metadata": {},
        "models": [],
    }
    row.update(columns)
    insert(conn, "LiteLLM_TeamTable", row)


def insert_user(conn: Any, user_id: str, **columns: Any) -> None:
    row: dict[str, Any] = {"user_id": user_id, "models": [], "teams": [], "metadata": {}}
    row.update(columns)
    insert(conn, "LiteLLM_UserTable", row)


def insert_budget(conn: Any, budget_id: str, **columns: Any) -> None:
    row: dict[str, Any] = {"budget_id": budget_id, "created_by": "admin", "updated_by": "admin"}
    row.update(columns)
    insert(conn, "LiteLLM_BudgetTable", row)


def insert_organization(conn: Any, organization_id: str, alias: str, **columns: Any) -> None:
    budget_id = columns.pop("budget_id", None) or f"budget-{organization_id}"
    insert_budget(conn, budget_id)
    row: dict[str, Any] = {
        "organization_id": organization_id,
        "organization_alias": alias,
        "budget_id": budget_id,
        "models": [],
        "metadata": {},
        "created_by": "admin",
        "updated_by": "admin",
    }
    row.update(columns)
    insert(conn, "LiteLLM_OrganizationTable", row)


def insert_daily_spend(conn: Any, token: str, model_group: str, requests: int, **columns: Any) -> None:
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    row: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "date": columns.pop("date", now.date().isoformat()),
        "api_key": token,
        "model": model_group,
        "model_group": model_group,
        "api_requests": requests,
        "successful_requests": requests,
        "updated_at": now,
    }
    row.update(columns)
    insert(conn, "LiteLLM_DailyUserSpend", row)


def insert_spend_log(conn: Any, token: str, model_group: str, start: dt.datetime, **columns: Any) -> None:
    row: dict[str, Any] = {
        "request_id": str(uuid.uuid4()),
        "call_type": "acompletion",
        "api_key": token,
        "model": model_group,
        "model_group": model_group,
        "startTime": start,
        "endTime": start + dt.timedelta(seconds=1),
        "metadata": {},
        "request_tags": [],
        "messages": {},
        "response": {},
        "status": "success",
    }
    row.update(columns)
    insert(conn, "LiteLLM_SpendLogs", row)


def copy_keys(conn: Any, rows: Iterable[dict[str, Any]], columns: list[str]) -> None:
    """Bulk-load keys with COPY (benchmarks): each row holds `raw_key` plus `columns`."""

    fields = ["token", "key_name", *columns]
    quoted = ", ".join(f'"{c}"' for c in fields)
    with conn.cursor().copy(f'COPY "LiteLLM_VerificationToken" ({quoted}) FROM STDIN') as copy:
        for r in rows:
            raw = r["raw_key"]
            values: list[Any] = [hash_token(raw), masked_key_name(raw)]
            for c in columns:
                v = r.get(c)
                values.append(json.dumps(v) if c in _JSON_COLUMNS and v is not None else v)
            copy.write_row(values)
