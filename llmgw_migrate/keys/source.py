"""What `keys` reads from a LiteLLM proxy: plain records, the same whether read from the db or the API.

Secrets never enter these records: no raw key exists anywhere, the token hash is cut to `key_id` (a short
opaque prefix) at the read, and no password, SSO or metadata column other than `tags` is read.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Iterable
from typing import Any, NamedTuple

KEY_ID_CHARS = 12  # 48 bits of the SHA-256: enough to tell a million keys apart, useless to an attacker


def key_id(token_hash: str | None) -> str:
    return (token_hash or "")[:KEY_ID_CHARS]


class SourceKey(NamedTuple):
    """One virtual key. A named tuple: the database reader makes 100,000 of them straight from its row
    tuples (`from_row`), at a fraction of an object's cost; list defaults are shared and never mutated."""

    key_id: str
    key_name: str | None = None  # LiteLLM's masked form, sk-...abcd
    key_alias: str | None = None
    spend: float = 0.0
    total_spend: float | None = None
    max_budget: float | None = None
    budget_duration: str | None = None
    budget_limits: Any = None
    has_model_max_budget: bool = False
    expires: dt.datetime | None = None
    blocked: bool | None = None
    models: list[str] = []
    user_id: str | None = None
    team_id: str | None = None
    organization_id: str | None = None
    tpm_limit: int | None = None
    rpm_limit: int | None = None
    tpd_limit: int | None = None
    max_parallel_requests: int | None = None
    allowed_routes: list[str] = []
    key_type: str | None = None
    has_permissions: bool = False
    has_tags: bool = False
    object_permission_id: str | None = None
    access_group_ids: list[str] = []
    budget_id: str | None = None
    last_active: dt.datetime | None = None
    created_at: dt.datetime | None = None
    has_aliases: bool = False
    has_config: bool = False
    policies: list[str] = []

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[Any, ...]]) -> list[SourceKey]:
        """Records from rows holding the fields in order (db_reader's _KEY_COLUMNS), without a Python
        call per row."""
        return list(map(functools.partial(tuple.__new__, cls), rows))  # type: ignore[arg-type]


@dataclasses.dataclass(slots=True)
class SourceTeam:
    team_id: str
    team_alias: str | None = None
    organization_id: str | None = None
    models: list[str] = dataclasses.field(default_factory=list)
    max_budget: float | None = None
    soft_budget: float | None = None
    budget_duration: str | None = None
    blocked: bool = False
    tpm_limit: int | None = None
    rpm_limit: int | None = None
    tpd_limit: int | None = None
    max_parallel_requests: int | None = None
    model_max_budget: Any = None
    budget_limits: Any = None
    members_with_roles: Any = None
    tags: Any = None
    object_permission_id: str | None = None
    default_team_member_models: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(slots=True)
class SourceUser:
    user_id: str
    user_alias: str | None = None
    user_email: str | None = None
    user_role: str | None = None
    max_budget: float | None = None
    budget_duration: str | None = None
    models: list[str] = dataclasses.field(default_factory=list)
    tpm_limit: int | None = None
    rpm_limit: int | None = None


@dataclasses.dataclass(slots=True)
class SourceBudget:
    budget_id: str
    max_budget: float | None = None
    soft_budget: float | None = None
    budget_duration: str | None = None
    tpm_limit: int | None = None
    rpm_limit: int | None = None
    max_parallel_requests: int | None = None
    model_max_budget: Any = None
    allowed_models: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(slots=True)
class SourceMembership:
    user_id: str
    team_id: str
    budget_id: str | None = None


@dataclasses.dataclass(slots=True)
class SourceOrganization:
    organization_id: str
    organization_alias: str | None = None
    models: list[str] = dataclasses.field(default_factory=list)
    budget_id: str | None = None


@dataclasses.dataclass(slots=True)
class DeletedKey:
    key_id: str
    key_alias: str | None = None
    team_id: str | None = None
    user_id: str | None = None
    deleted_at: dt.datetime | None = None


@dataclasses.dataclass(slots=True)
class KeyUsage:
    """Who used a key lately: its top model groups (requests) from LiteLLM's daily spend roll-up."""

    requests: int = 0
    top_models: list[tuple[str, int]] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(slots=True)
class LiteLLMData:
    """Everything read; `source` names where from (database host/name or API URL, never credentials)."""

    source: str
    keys: Iterable[SourceKey] = dataclasses.field(default_factory=list)
    """Iterated once, by the planner (the database reader streams them)"""
    teams: dict[str, SourceTeam] = dataclasses.field(default_factory=dict)
    users: dict[str, SourceUser] = dataclasses.field(default_factory=dict)
    budgets: dict[str, SourceBudget] = dataclasses.field(default_factory=dict)
    memberships: list[SourceMembership] = dataclasses.field(default_factory=list)
    organizations: dict[str, SourceOrganization] = dataclasses.field(default_factory=dict)
    deleted: list[DeletedKey] = dataclasses.field(default_factory=list)
    access_groups: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    proxy_models: list[str] = dataclasses.field(default_factory=list)
    usage: dict[str, KeyUsage] = dataclasses.field(default_factory=dict)
    usage_read: bool = True
    """Whether `usage` was read at all (the admin API has no usage roll-up)"""
    end_users_with_limits: int = 0
