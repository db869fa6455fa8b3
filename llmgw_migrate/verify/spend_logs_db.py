"""`verify --spend-logs-db URL --sample N`: sample requests straight from LiteLLM_SpendLogs.

The sampling happens in the database: a table of millions of rows is never read whole. Rows are drawn
per model group (so a rare model is not drowned by a busy one), only rows that hold a request, within a
time range (`--since`/`--until`, default the last 30 days). On a big table the query reads a random
subset of its pages (TABLESAMPLE SYSTEM, sized from the planner's row estimate) and widens the sample
only when too few rows came back. Same read-only connection as `keys` (llmgw_migrate/keys/db_reader.py).
"""

# ruff: noqa: E501  (SQL stays on one line)

from __future__ import annotations

import datetime as dt
from typing import Any

from llmgw_migrate.errors import UserError

_COLUMNS = 'request_id, call_type, model, model_group, messages, proxy_server_request, "startTime"'
_FULL_SCAN_ROWS = 200_000  # below this, sampling pages saves nothing
_OVERSAMPLE = 20  # pages sampled for N rows: room for filtered-out rows and model-group caps


def _query(percent: float | None) -> str:
    sample = f" TABLESAMPLE SYSTEM ({percent:.6f})" if percent is not None else ""
    return (
        f"SELECT {_COLUMNS} FROM ("
        f"  SELECT {_COLUMNS}, row_number() OVER (PARTITION BY COALESCE(model_group, model) ORDER BY random()) AS rn"
        f'  FROM "LiteLLM_SpendLogs"{sample}'
        '  WHERE "startTime" >= %(since)s AND "startTime" < %(until)s'
        "    AND COALESCE(status, 'success') = 'success'"
        "    AND ((messages IS NOT NULL AND messages NOT IN ('{}'::jsonb, '[]'::jsonb, 'null'::jsonb))"
        "      OR (proxy_server_request IS NOT NULL AND proxy_server_request <> '{}'::jsonb))"
        "    AND (%(models)s::text[] IS NULL OR COALESCE(model_group, model) = ANY(%(models)s::text[]))"
        ") s WHERE rn <= %(per_group)s ORDER BY rn, model_group LIMIT %(n)s"
    )


def sample_rows(
    url: str,
    n: int,
    *,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    models: list[str] | None = None,
) -> list[tuple[str, dict[str, Any]]]:
    """Up to `n` (source, row) pairs, spread over model groups; rows shaped like /spend/logs answers."""
    import psycopg

    from llmgw_migrate.keys.db_reader import _first_line, connect, redact_url

    if n <= 0:
        raise UserError("--sample must be a positive number of requests")
    until = until or dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    since = since or until - dt.timedelta(days=30)
    where = redact_url(url)
    conn = connect(url)
    try:
        found = conn.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass('\"LiteLLM_SpendLogs\"')"
        ).fetchone()
        if found is None:
            raise UserError(f"{where} has no LiteLLM_SpendLogs table: is this the LiteLLM proxy's database?")
        estimate = max(int(found[0] or 0), 0)
        # Ordered by each group's random rank first, LIMIT n takes one row of every group, then a
        # second of every group, ...: an even spread over model groups without knowing them up front.
        params = {"since": since, "until": until, "models": models or None, "n": n, "per_group": n}
        percent: float | None = None
        if estimate > _FULL_SCAN_ROWS:
            percent = min(100.0, max(0.01, 100.0 * n * _OVERSAMPLE / estimate))
        while True:
            rows = conn.execute(
                _query(percent if percent is not None and percent < 100 else None), params
            ).fetchall()
            if len(rows) >= n or percent is None or percent >= 100:
                break
            percent = min(100.0, percent * 8)  # too few in the sampled pages (narrow range): widen
    except psycopg.Error as exc:
        raise UserError(f"sampling spend logs from {where} failed: {_first_line(exc, url)}") from None
    finally:
        try:
            conn.rollback()
        finally:
            conn.close()
    out = []
    for request_id, call_type, model, group, messages, psr, start in rows:
        row = {"request_id": request_id, "call_type": call_type, "model": model, "model_group": group,
               "messages": messages, "proxy_server_request": psr, "startTime": str(start)}  # fmt: skip
        out.append((f"{where}#{request_id}", row))
    return out
