"""Read the same LiteLLM data through its admin API (`keys --from-api URL`), every list paged.

The master key comes from LITELLM_MASTER_KEY and is sent only as a Bearer header. Key objects carry the
token hash: it is cut to `key_id` at once, like the database reader does in SQL. Only the fields the plan
needs are taken from each object; user objects' password or SSO fields are never looked at.
Deleted keys come from `/key/list?status=deleted`, the proxy's models and their access groups from
`/model/info`. Not available through the API: access groups kept only in LiteLLM_AccessGroupTable and the
daily usage roll-up (the hand-over sheet's usage columns stay empty).
"""

# ruff: noqa: E501  (messages and SQL stay on one line)

from __future__ import annotations

import datetime as dt
import os
from typing import Any

from llmgw_migrate.errors import UserError
from llmgw_migrate.keys.source import (
    DeletedKey,
    LiteLLMData,
    SourceBudget,
    SourceKey,
    SourceMembership,
    SourceOrganization,
    SourceTeam,
    SourceUser,
    key_id,
)

PAGE_SIZE = 100
_MAX_PAGES = 100_000


def _dt(value: Any) -> dt.datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value
    try:
        parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return parsed


def _list(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


class _Client:
    def __init__(self, base: str, master_key: str) -> None:
        import httpx

        self.base = base.rstrip("/")
        self.http = httpx.Client(
            base_url=self.base,
            headers={"Authorization": f"Bearer {master_key}"},
            timeout=60.0,
            trust_env=False,
        )

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        import httpx

        try:
            resp = self.http.get(path, params=params)
        except httpx.HTTPError as exc:
            raise UserError(
                f"cannot reach the LiteLLM admin API at {self.base}: {type(exc).__name__}"
            ) from None
        if resp.status_code in (401, 403):
            raise UserError(
                f"the LiteLLM admin API at {self.base} refused the master key ({resp.status_code} on {path}): "
                "check LITELLM_MASTER_KEY"
            )
        if resp.status_code != 200:
            raise UserError(f"the LiteLLM admin API at {self.base} answered {resp.status_code} on {path}")
        try:
            return resp.json()
        except ValueError:
            raise UserError(f"{self.base}{path} did not answer JSON: is this a LiteLLM proxy?") from None

    def paged(self, path: str, items: str, size_param: str, extra: dict[str, Any] | None = None) -> list[Any]:
        out: list[Any] = []
        page = 1
        while page <= _MAX_PAGES:
            body = self.get(path, {**(extra or {}), "page": page, size_param: PAGE_SIZE})
            if not isinstance(body, dict) or not isinstance(body.get(items), list):
                raise UserError(f"{self.base}{path} did not answer a LiteLLM page (no `{items}` list)")
            out.extend(body[items])
            total_pages = int(body.get("total_pages") or 1)
            if page >= total_pages or not body[items]:
                return out
            page += 1
        return out


def _key(obj: dict[str, Any]) -> SourceKey:
    metadata = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    return SourceKey(
        key_id=key_id(obj.get("token")),
        key_name=obj.get("key_name"),
        key_alias=obj.get("key_alias"),
        spend=float(obj.get("spend") or 0.0),
        total_spend=obj.get("total_spend"),
        max_budget=obj.get("max_budget"),
        budget_duration=obj.get("budget_duration"),
        budget_limits=obj.get("budget_limits"),
        has_model_max_budget=bool(obj.get("model_max_budget")),
        expires=_dt(obj.get("expires")),
        blocked=obj.get("blocked"),
        models=_list(obj.get("models")),
        user_id=obj.get("user_id"),
        team_id=obj.get("team_id"),
        organization_id=obj.get("organization_id"),
        tpm_limit=obj.get("tpm_limit"),
        rpm_limit=obj.get("rpm_limit"),
        tpd_limit=obj.get("tpd_limit"),
        max_parallel_requests=obj.get("max_parallel_requests"),
        allowed_routes=_list(obj.get("allowed_routes")),
        key_type=obj.get("key_type"),
        has_permissions=bool(obj.get("permissions")),
        has_tags=bool((metadata or {}).get("tags")),
        object_permission_id=obj.get("object_permission_id"),
        access_group_ids=_list(obj.get("access_group_ids")),
        budget_id=obj.get("budget_id"),
        last_active=_dt(obj.get("last_active")),
        created_at=_dt(obj.get("created_at")),
        has_aliases=bool(obj.get("aliases")),
        has_config=bool(obj.get("config")),
        policies=_list(obj.get("policies")),
    )


def _team(obj: dict[str, Any]) -> SourceTeam:
    metadata = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    return SourceTeam(
        team_id=str(obj.get("team_id")),
        team_alias=obj.get("team_alias"),
        organization_id=obj.get("organization_id"),
        models=_list(obj.get("models")),
        max_budget=obj.get("max_budget"),
        soft_budget=obj.get("soft_budget"),
        budget_duration=obj.get("budget_duration"),
        blocked=bool(obj.get("blocked")),
        tpm_limit=obj.get("tpm_limit"),
        rpm_limit=obj.get("rpm_limit"),
        tpd_limit=obj.get("tpd_limit"),
        max_parallel_requests=obj.get("max_parallel_requests"),
        model_max_budget=obj.get("model_max_budget") or None,
        budget_limits=obj.get("budget_limits"),
        members_with_roles=obj.get("members_with_roles"),
        tags=(metadata or {}).get("tags"),
        object_permission_id=obj.get("object_permission_id"),
        default_team_member_models=_list(obj.get("default_team_member_models")),
    )


def read_api(url: str, master_key: str | None = None) -> LiteLLMData:
    master_key = master_key or os.environ.get("LITELLM_MASTER_KEY")
    if not master_key:
        raise UserError("--from-api needs the LiteLLM master key in LITELLM_MASTER_KEY")
    if not url.startswith(("http://", "https://")):
        raise UserError("--from-api must be an http(s):// URL of the LiteLLM proxy")
    client = _Client(url, master_key)
    data = LiteLLMData(source=client.base, usage_read=False)
    keys: list[SourceKey] = []
    for obj in client.paged(
        "/key/list", "keys", "size", {"return_full_object": "true", "include_team_keys": "true"}
    ):
        if not isinstance(obj, dict):
            raise UserError(
                f"{client.base}/key/list returned key hashes, not objects (return_full_object ignored)"
            )
        if obj.get("team_id") == "litellm-dashboard":
            continue
        keys.append(_key(obj))
    keys.sort(key=lambda k: k.key_id)
    data.keys = keys
    _read_deleted(client, data)
    for obj in client.paged("/v2/team/list", "teams", "page_size"):
        if isinstance(obj, dict) and obj.get("team_id") and obj.get("team_id") != "litellm-dashboard":
            team = _team(obj)
            data.teams[team.team_id] = team
            for m in obj.get("team_memberships") or []:
                if isinstance(m, dict) and m.get("user_id"):
                    data.memberships.append(SourceMembership(m["user_id"], team.team_id, m.get("budget_id")))
    for obj in client.paged("/user/list", "users", "page_size"):
        if isinstance(obj, dict) and obj.get("user_id"):
            data.users[obj["user_id"]] = SourceUser(
                user_id=obj["user_id"], user_alias=obj.get("user_alias"), user_email=obj.get("user_email"),
                user_role=obj.get("user_role"), max_budget=obj.get("max_budget"),
                budget_duration=obj.get("budget_duration"), models=_list(obj.get("models")),
                tpm_limit=obj.get("tpm_limit"), rpm_limit=obj.get("rpm_limit"),
            )  # fmt: skip
    orgs = client.get("/organization/list")
    for obj in orgs if isinstance(orgs, list) else []:
        if isinstance(obj, dict) and obj.get("organization_id"):
            data.organizations[obj["organization_id"]] = SourceOrganization(
                obj["organization_id"],
                obj.get("organization_alias"),
                _list(obj.get("models")),
                obj.get("budget_id"),
            )
    budgets = client.get("/budget/list")
    for obj in budgets if isinstance(budgets, list) else []:
        if isinstance(obj, dict) and obj.get("budget_id"):
            data.budgets[obj["budget_id"]] = SourceBudget(
                budget_id=obj["budget_id"], max_budget=obj.get("max_budget"), soft_budget=obj.get("soft_budget"),
                budget_duration=obj.get("budget_duration"), tpm_limit=obj.get("tpm_limit"),
                rpm_limit=obj.get("rpm_limit"), max_parallel_requests=obj.get("max_parallel_requests"),
                model_max_budget=obj.get("model_max_budget"), allowed_models=_list(obj.get("allowed_models")),
            )  # fmt: skip
    _read_models(client, data)
    return data


def _read_deleted(client: _Client, data: LiteLLMData) -> None:
    """Deleted keys, listed as skipped: the latest deletion of each token, like the database reader."""
    latest: dict[str, DeletedKey] = {}
    for obj in client.paged(
        "/key/list", "keys", "size",
        {"return_full_object": "true", "include_team_keys": "true", "status": "deleted"},
    ):  # fmt: skip
        if not isinstance(obj, dict) or obj.get("team_id") == "litellm-dashboard":
            continue
        deleted = DeletedKey(
            key_id(obj.get("token")), obj.get("key_alias"), obj.get("team_id"), obj.get("user_id"),
            _dt(obj.get("deleted_at")),
        )  # fmt: skip
        seen = latest.get(deleted.key_id)
        if seen is None or (deleted.deleted_at or dt.datetime.min) > (seen.deleted_at or dt.datetime.min):
            latest[deleted.key_id] = deleted
    data.deleted = [latest[k] for k in sorted(latest)]


def _read_models(client: _Client, data: LiteLLMData) -> None:
    """The proxy's model names and the access groups their model_info puts them in."""
    body = client.get("/model/info")
    entries = body.get("data") if isinstance(body, dict) else None
    for obj in entries if isinstance(entries, list) else []:
        if not isinstance(obj, dict) or not isinstance(obj.get("model_name"), str):
            continue
        name = obj["model_name"]
        if name not in data.proxy_models:
            data.proxy_models.append(name)
        info = obj.get("model_info") if isinstance(obj.get("model_info"), dict) else {}
        for group in _list((info or {}).get("access_groups")):
            members = data.access_groups.setdefault(group, [])
            if name not in members:
                members.append(name)
