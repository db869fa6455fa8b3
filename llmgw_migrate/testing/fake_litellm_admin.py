"""A fake of LiteLLM 1.108.7's admin API (keys-and-teams.md sec. 6) serving a real LiteLLM database.

Rows come straight from the database (as `SELECT *`), paged and shaped like the proxy's answers, so
`keys --from-api` can be checked against `keys --database-url` on the same data. Auth: the master key
as Bearer, else 401 `auth_error` like the proxy.
"""

from __future__ import annotations

import math
from typing import Any

from llmgw_migrate.testing.http_fake import JsonFakeServer, Request


class FakeLiteLLMAdmin(JsonFakeServer):
    def __init__(self, dsn: str, master_key: str) -> None:
        super().__init__()
        self.dsn = dsn
        self.master_key = master_key

    def _rows(self, sql: str) -> list[dict[str, Any]]:
        import psycopg
        from psycopg.rows import dict_row

        with psycopg.connect(self.dsn) as conn:
            return list(conn.cursor(row_factory=dict_row).execute(sql))  # type: ignore[call-overload]

    def handle(self, request: Request) -> tuple[int, Any]:
        if request.bearer() != self.master_key:
            return 401, {
                "error": {
                    "message": "Authentication Error, Invalid proxy server token passed.",
                    "type": "auth_error",
                    "param": "None",
                    "code": "401",
                }
            }
        q = request.query
        if request.path == "/key/list":
            table = (
                "LiteLLM_DeletedVerificationToken"
                if q.get("status") == "deleted"
                else "LiteLLM_VerificationToken"
            )
            rows = self._rows(
                f"SELECT * FROM \"{table}\" WHERE team_id IS DISTINCT FROM 'litellm-dashboard' "
                "ORDER BY created_at, token"
            )
            size = min(int(q.get("size", 10)), 100)
            page_rows, pages = _page(rows, int(q.get("page", 1)), size)
            keys = page_rows if q.get("return_full_object") == "true" else [r["token"] for r in page_rows]
            return 200, {"keys": keys, "total_count": len(rows), "current_page": int(q.get("page", 1)),
                         "total_pages": pages}  # fmt: skip
        if request.path == "/v2/team/list":
            rows = self._rows('SELECT * FROM "LiteLLM_TeamTable" ORDER BY team_id')
            members = self._rows('SELECT * FROM "LiteLLM_TeamMembership"')
            for row in rows:
                row["team_memberships"] = [m for m in members if m["team_id"] == row["team_id"]]
            size = min(int(q.get("page_size", 10)), 100)
            page_rows, pages = _page(rows, int(q.get("page", 1)), size)
            return 200, {"teams": page_rows, "total": len(rows), "page": int(q.get("page", 1)),
                         "page_size": size, "total_pages": pages}  # fmt: skip
        if request.path == "/user/list":
            rows = self._rows(
                "SELECT user_id, user_alias, user_email, user_role, max_budget, budget_duration, models, "
                'tpm_limit, rpm_limit, spend, teams FROM "LiteLLM_UserTable" ORDER BY user_id'
            )
            size = min(int(q.get("page_size", 25)), 100)
            page_rows, pages = _page(rows, int(q.get("page", 1)), size)
            return 200, {"users": page_rows, "total": len(rows), "page": int(q.get("page", 1)),
                         "page_size": size, "total_pages": pages}  # fmt: skip
        if request.path == "/organization/list":
            return 200, self._rows('SELECT * FROM "LiteLLM_OrganizationTable" ORDER BY organization_id')
        if request.path == "/model/info":  # database models only: the fake proxy has no config file
            rows = self._rows(
                'SELECT model_name, model_info FROM "LiteLLM_ProxyModelTable" ORDER BY model_name'
            )
            return 200, {"data": rows}
        if request.path == "/budget/list":
            return 200, self._rows('SELECT * FROM "LiteLLM_BudgetTable" ORDER BY budget_id')
        return 404, {"detail": "Not Found"}


def _page(rows: list[dict[str, Any]], page: int, size: int) -> tuple[list[dict[str, Any]], int]:
    start = (max(page, 1) - 1) * size
    return rows[start : start + size], max(1, math.ceil(len(rows) / size))
