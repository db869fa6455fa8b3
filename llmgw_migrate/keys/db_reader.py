"""Read a LiteLLM 1.108.7 proxy database with psycopg 3: one read-only, repeatable-read transaction,
server-side cursors for the big tables, and only the columns the plan needs.

Never selected: raw keys (LiteLLM stores none), the full token hash (cut to `key_id` in SQL), user
passwords, SSO ids, and metadata other than `tags`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from llmgw_migrate.errors import UserError
from llmgw_migrate.keys.db_keys import KeyStream
from llmgw_migrate.keys.source import (
    KEY_ID_CHARS,
    DeletedKey,
    KeyUsage,
    LiteLLMData,
    SourceBudget,
    SourceMembership,
    SourceOrganization,
    SourceTeam,
    SourceUser,
)

_BATCH = 20_000
USAGE_DAYS = 30

# (record field, SQL expression, source column). Order = the record's field order: rows become records
# positionally, which keeps reading 100,000 keys cheap. JSON columns the plan only tests for presence
# come back as booleans: decoding 100,000 JSON values would cost more than the rest of the read.
_KEY_COLUMNS: list[tuple[str, str, str]] = [
    ("key_id", f"left(token, {KEY_ID_CHARS})", "token"),
    ("key_name", "key_name", "key_name"),
    ("key_alias", "key_alias", "key_alias"),
    ("spend", "spend", "spend"),
    ("total_spend", "total_spend", "total_spend"),
    ("max_budget", "max_budget", "max_budget"),
    ("budget_duration", "budget_duration", "budget_duration"),
    ("budget_limits", "budget_limits", "budget_limits"),
    ("has_model_max_budget", "COALESCE(model_max_budget, '{}'::jsonb) <> '{}'::jsonb", "model_max_budget"),
    ("expires", "expires", "expires"),
    ("blocked", "blocked", "blocked"),
    ("models", "models", "models"),
    ("user_id", "user_id", "user_id"),
    ("team_id", "team_id", "team_id"),
    ("organization_id", "organization_id", "organization_id"),
    ("tpm_limit", "tpm_limit", "tpm_limit"),
    ("rpm_limit", "rpm_limit", "rpm_limit"),
    ("tpd_limit", "tpd_limit", "tpd_limit"),
    ("max_parallel_requests", "max_parallel_requests", "max_parallel_requests"),
    ("allowed_routes", "allowed_routes", "allowed_routes"),
    ("key_type", "key_type", "key_type"),
    ("has_permissions", "COALESCE(permissions, '{}'::jsonb) <> '{}'::jsonb", "permissions"),
    ("has_tags", "COALESCE(metadata->'tags', '[]'::jsonb) NOT IN ('[]'::jsonb, 'null'::jsonb)", "metadata"),
    ("object_permission_id", "object_permission_id", "object_permission_id"),
    ("access_group_ids", "access_group_ids", "access_group_ids"),
    ("budget_id", "budget_id", "budget_id"),
    ("last_active", "last_active", "last_active"),
    ("created_at", "created_at", "created_at"),
    ("has_aliases", "COALESCE(aliases, '{}'::jsonb) <> '{}'::jsonb", "aliases"),
    ("has_config", "COALESCE(config, '{}'::jsonb) <> '{}'::jsonb", "config"),
    ("policies", "policies", "policies"),
]

_TEAM_COLUMNS: list[tuple[str, str]] = [
    ("team_id", "team_id"),
    ("team_alias", "team_alias"),
    ("organization_id", "organization_id"),
    ("models", "models"),
    ("max_budget", "max_budget"),
    ("soft_budget", "soft_budget"),
    ("budget_duration", "budget_duration"),
    ("blocked", "blocked"),
    ("tpm_limit", "tpm_limit"),
    ("rpm_limit", "rpm_limit"),
    ("tpd_limit", "tpd_limit"),
    ("max_parallel_requests", "max_parallel_requests"),
    ("model_max_budget", "NULLIF(model_max_budget, '{}'::jsonb)"),
    ("budget_limits", "budget_limits"),
    ("members_with_roles", "members_with_roles"),
    ("tags", "metadata->'tags'"),
    ("object_permission_id", "object_permission_id"),
    ("default_team_member_models", "default_team_member_models"),
]

_USER_COLUMNS = [
    "user_id", "user_alias", "user_email", "user_role", "max_budget", "budget_duration", "models",
    "tpm_limit", "rpm_limit",
]  # fmt: skip
_BUDGET_COLUMNS = [
    "budget_id", "max_budget", "soft_budget", "budget_duration", "tpm_limit", "rpm_limit",
    "max_parallel_requests", "model_max_budget", "allowed_models",
]  # fmt: skip

# Every table and column read: checked up front so another LiteLLM version's schema is one clear error.
REQUIRED: dict[str, set[str]] = {
    "LiteLLM_VerificationToken": {c for _, _, c in _KEY_COLUMNS},
    "LiteLLM_TeamTable": {"team_id", "team_alias", "organization_id", "models", "max_budget", "soft_budget",
                          "budget_duration", "blocked", "tpm_limit", "rpm_limit", "tpd_limit",
                          "max_parallel_requests", "model_max_budget", "budget_limits", "members_with_roles",
                          "metadata", "object_permission_id", "default_team_member_models"},
    "LiteLLM_UserTable": set(_USER_COLUMNS),
    "LiteLLM_BudgetTable": set(_BUDGET_COLUMNS),
    "LiteLLM_TeamMembership": {"user_id", "team_id", "budget_id"},
    "LiteLLM_OrganizationTable": {"organization_id", "organization_alias", "models", "budget_id"},
    "LiteLLM_DeletedVerificationToken": {"token", "key_alias", "team_id", "user_id", "deleted_at"},
    "LiteLLM_AccessGroupTable": {"access_group_name", "access_model_names"},
    "LiteLLM_ProxyModelTable": {"model_name", "model_info"},
    "LiteLLM_EndUserTable": {"user_id", "budget_id", "allowed_model_region", "blocked"},
    "LiteLLM_DailyUserSpend": {"api_key", "model_group", "api_requests", "date"},
}  # fmt: skip


def redact_url(url: str) -> str:
    """postgresql://host:port/db, without user, password or query: safe to print and to store."""
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


def _split_prisma_schema(url: str) -> tuple[str, str | None]:
    """LiteLLM's DATABASE_URL may carry Prisma's `?schema=NAME`, which libpq rejects: move it aside."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    schema = next((v for k, v in query if k == "schema"), None)
    rest = [(k, v) for k, v in query if k not in ("schema", "connection_limit", "pool_timeout")]
    return urlunsplit(parts._replace(query=urlencode(rest))), schema


def connect(url: str) -> Any:
    """A read-only, repeatable-read psycopg connection; bad input becomes a one-line UserError."""
    try:
        import psycopg
    except ImportError:
        raise UserError(
            "reading a database needs psycopg: pip install 'llmgw-migrate[keys]' (or use --from-api)"
        ) from None
    if not url.startswith(("postgresql://", "postgres://")):
        raise UserError("--database-url must be a postgresql:// URL")
    dsn, schema = _split_prisma_schema(url)
    where = redact_url(url)
    try:
        conn = psycopg.connect(dsn, connect_timeout=10, application_name="llmgw-migrate")
    except psycopg.Error as exc:
        raise UserError(f"cannot connect to the LiteLLM database {where}: {_first_line(exc, url)}") from None
    except ValueError as exc:  # malformed URL
        raise UserError(f"bad --database-url: {_first_line(exc, url)}") from None
    conn.read_only = True
    conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    if schema:
        conn.execute("SELECT set_config('search_path', %s, true)", (schema,))
    return conn


def _first_line(exc: BaseException, url: str) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    from llmgw_migrate.secret_text import mask_secrets

    password = urlsplit(url).password
    return mask_secrets(text, [password]) if password else text


def check_schema(conn: Any, where: str) -> None:
    rows = conn.execute(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = ANY(%s)",
        (list(REQUIRED),),
    ).fetchall()
    found: dict[str, set[str]] = {}
    for table, column in rows:
        found.setdefault(table, set()).add(column)
    if "LiteLLM_VerificationToken" not in found:
        raise UserError(f"{where} is not a LiteLLM proxy database: it has no LiteLLM_VerificationToken table")
    missing_tables = sorted(t for t in REQUIRED if t not in found)
    missing_cols = sorted(f"{t}.{c}" for t, cols in REQUIRED.items() if t in found for c in cols - found[t])
    if missing_tables or missing_cols:
        parts = []
        if missing_tables:
            parts.append(f"missing tables {', '.join(missing_tables)}")
        if missing_cols:
            parts.append(f"missing columns {', '.join(missing_cols)}")
        raise UserError(
            f"{where} has another LiteLLM version's schema (this reads 1.108.7): {'; '.join(parts)}"
        )


def _stream(conn: Any, name: str, sql: str, params: Any = None) -> Any:
    """Rows of a server-side cursor, fetched in batches: memory stays flat however big the table."""
    with conn.cursor(name=name) as cur:
        cur.itersize = _BATCH
        cur.execute(sql, params)
        while True:
            rows = cur.fetchmany(_BATCH)
            if not rows:
                return
            yield from rows


# Dashboard session keys (team litellm-dashboard) are the UI's own login tokens, never a client's.
KEYS_SQL = (
    f"SELECT {', '.join(expr for _, expr, _ in _KEY_COLUMNS)} "
    'FROM "LiteLLM_VerificationToken" '
    "WHERE team_id IS DISTINCT FROM 'litellm-dashboard' ORDER BY token"
)
TEAMS_SQL = f'SELECT {", ".join(expr for _, expr in _TEAM_COLUMNS)} FROM "LiteLLM_TeamTable" ORDER BY team_id'


def read_database(url: str, *, with_usage: bool = True, today: dt.date | None = None) -> LiteLLMData:
    """Everything `keys` reads. The key rows come last, as a stream (db_keys) that the planner consumes
    while they are read, and that closes the connection when it ends."""
    import psycopg

    where = redact_url(url)
    conn = connect(url)

    def close() -> None:
        try:
            conn.rollback()
        finally:
            conn.close()

    def failed(exc: BaseException) -> BaseException:
        if isinstance(exc, psycopg.Error):
            return UserError(f"reading {where} failed: {_first_line(exc, url)}")
        return exc

    try:
        check_schema(conn, where)
        data = _read(conn, where, with_usage, today or dt.date.today())
    except BaseException as exc:
        close()
        raise failed(exc) from None
    data.keys = KeyStream(conn, KEYS_SQL, failed, close)
    return data


def _read(conn: Any, where: str, with_usage: bool, today: dt.date) -> LiteLLMData:
    data = LiteLLMData(source=where, usage_read=with_usage)
    for row in _stream(conn, "llmgw_teams", TEAMS_SQL):
        team = SourceTeam(*row)
        if team.team_id != "litellm-dashboard":
            data.teams[team.team_id] = team
    for row in _stream(conn, "llmgw_users", f'SELECT {", ".join(_USER_COLUMNS)} FROM "LiteLLM_UserTable"'):
        user = SourceUser(*row)
        data.users[user.user_id] = user
    for row in conn.execute(f'SELECT {", ".join(_BUDGET_COLUMNS)} FROM "LiteLLM_BudgetTable"'):
        budget = SourceBudget(*row)
        data.budgets[budget.budget_id] = budget
    data.memberships = [
        SourceMembership(*row)
        for row in _stream(
            conn, "llmgw_members", 'SELECT user_id, team_id, budget_id FROM "LiteLLM_TeamMembership"'
        )
    ]
    for row in conn.execute(
        'SELECT organization_id, organization_alias, models, budget_id FROM "LiteLLM_OrganizationTable"'
    ):
        org = SourceOrganization(*row)
        data.organizations[org.organization_id] = org
    data.deleted = [
        DeletedKey(*row)
        for row in _stream(
            conn,
            "llmgw_deleted",
            f"SELECT DISTINCT ON (token) left(token, {KEY_ID_CHARS}), "
            "key_alias, team_id, user_id, deleted_at "
            'FROM "LiteLLM_DeletedVerificationToken" ORDER BY token, deleted_at DESC NULLS LAST',
        )
    ]
    for name, models in conn.execute(
        'SELECT access_group_name, access_model_names FROM "LiteLLM_AccessGroupTable"'
    ):
        data.access_groups.setdefault(name, []).extend(models or [])
    for name, groups in conn.execute(
        "SELECT model_name, model_info->'access_groups' FROM \"LiteLLM_ProxyModelTable\""
    ):
        data.proxy_models.append(name)
        if isinstance(groups, list):
            for group in groups:
                if isinstance(group, str):
                    data.access_groups.setdefault(group, []).append(name)
    (data.end_users_with_limits,) = conn.execute(
        'SELECT count(*) FROM "LiteLLM_EndUserTable" '
        "WHERE budget_id IS NOT NULL OR allowed_model_region IS NOT NULL OR blocked"
    ).fetchone()
    if with_usage:
        since = (today - dt.timedelta(days=USAGE_DAYS)).isoformat()
        # LiteLLM's own daily roll-up of its spend logs: one row per key, model and day, so this stays
        # small where LiteLLM_SpendLogs may hold millions of rows.
        for kid, model, requests in _stream(
            conn,
            "llmgw_usage",
            f"SELECT left(api_key, {KEY_ID_CHARS}), COALESCE(model_group, ''), sum(api_requests)::bigint "
            'FROM "LiteLLM_DailyUserSpend" WHERE date >= %s GROUP BY 1, 2',
            (since,),
        ):
            usage = data.usage.get(kid)
            if usage is None:
                usage = data.usage[kid] = KeyUsage()
            usage.requests += int(requests or 0)
            usage.top_models.append((model, int(requests or 0)))
        for usage in data.usage.values():
            usage.top_models.sort(key=lambda mr: (-mr[1], mr[0]))
            del usage.top_models[3:]
    return data
