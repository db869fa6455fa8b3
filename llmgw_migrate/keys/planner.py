"""LiteLLM data -> keys plan: one project per team (plus one for team-less keys), one API key per live
virtual key with its limits, status, expiry and IAM rules, and a finding for what does not carry over.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any

from llmgw_migrate.keys import durations, models
from llmgw_migrate.keys.findings_sink import NAMED, FindingSink
from llmgw_migrate.keys.plan_model import IamRule, KeyPlan, KeysPlan, ProjectPlan, SkippedKey
from llmgw_migrate.keys.source import LiteLLMData, SourceKey, SourceTeam

NO_TEAM_REF = "no-team"
NO_TEAM_NAME = "LiteLLM keys without a team"
_NON_INFERENCE_TYPES = {"management", "read_only"}


def key_label(key: SourceKey) -> str:
    return f"key '{key.key_alias}'" if key.key_alias else f"key {key.key_id}"


def team_label(team: SourceTeam) -> str:
    return f"team '{team.team_alias or team.team_id}'"


class ModelMapper:
    """LiteLLM client-facing model name -> gateway catalog id (what IAM rules compare)."""

    def __init__(self, plan: Any | None) -> None:
        self._plan_map: dict[str, str | None] = {}
        if plan is not None:
            for m in plan.models:
                gid = m.catalog_id or (m.gateway_model.split("/", 1)[-1] if m.gateway_model else None)
                self._plan_map[m.name] = gid
        self._cache: dict[str, str | None] = {}
        self._catalog: Any = None

    @property
    def names(self) -> set[str]:
        return set(self._plan_map)

    def __call__(self, name: str) -> str | None:
        if name in self._plan_map:
            return self._plan_map[name]
        if name not in self._cache:
            self._cache[name] = self._from_catalog(name)
        return self._cache[name]

    def _from_catalog(self, name: str) -> str | None:
        if self._catalog is None:
            from llmgw_migrate.config.catalog import load_catalog

            self._catalog = load_catalog()
        cat = self._catalog
        found = cat.get(name)
        if found is None and "/" in name:
            prefix, rest = name.split("/", 1)
            for provider in map_provider(prefix):
                found = cat.resolve(provider, rest)
                if found:
                    break
        if found is None:
            found = cat.resolve(None, name)
        return found.id if found else None


def map_provider(prefix: str) -> list[str]:
    from llmgw_migrate.config.resolve.rules import provider_rules

    rule = provider_rules().providers.get(prefix)
    if rule is None or rule.kind != "mapped":
        return []
    return list(rule.gateway)


class Planner:
    def __init__(self, data: LiteLLMData, model_plan: Any | None = None, now: dt.datetime | None = None):
        self.data = data
        self.mapper = ModelMapper(model_plan)
        self.now = now or dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
        self.known = sorted(self.mapper.names | set(data.proxy_models))
        self._known_set = set(self.known)
        self.sink = FindingSink()
        self._team_scopes: dict[str, models.Scope] = {}
        self._budget_parts: dict[tuple[Any, ...], _Part] = {}
        self._rules_parts: dict[tuple[Any, ...], _Part] = {}
        self._groups: dict[str, list[Any]] = {}
        self._team_model_keys: dict[str, tuple[str, ...]] = {}
        self.memberships = {(m.user_id, m.team_id): m for m in data.memberships}

    # -- projects ---------------------------------------------------------------------------------
    def projects(self) -> dict[str, ProjectPlan]:
        orgs = self.data.organizations
        several_orgs = len({t.organization_id for t in self.data.teams.values() if t.organization_id}) > 1
        used: set[str] = set()
        out: dict[str, ProjectPlan] = {}
        for team in self.data.teams.values():
            name = (team.team_alias or team.team_id).strip()[:200] or team.team_id
            org = orgs.get(team.organization_id or "")
            org_name = (org.organization_alias or org.organization_id) if org else None
            if several_orgs and org_name:
                name = f"{org_name}/{name}"
            if name in used:
                name = f"{name} ({team.team_id})"[:255]
            used.add(name)
            out[team.team_id] = ProjectPlan(
                ref=f"team-{team.team_id}",
                name=name,
                status="inactive" if team.blocked else "active",
                team_id=team.team_id,
                team_alias=team.team_alias,
                organization=org_name,
            )
            self._team_findings(team)
        if several_orgs:
            self.sink.add("LGM721", f"{len(orgs)} organizations", "projects are named <organization>/<team>")
        return out

    def _team_findings(self, team: SourceTeam) -> None:
        label = team_label(team)
        add = self.sink.add
        if team.max_budget is not None:
            add("LGM713", label, "team max_budget has no project equivalent")
        if team.soft_budget is not None:
            add("LGM703", label, "team soft_budget")
        if any(
            v is not None
            for v in (team.tpm_limit, team.rpm_limit, team.tpd_limit, team.max_parallel_requests)
        ):
            add("LGM701", label, "team tpm/rpm/tpd/max_parallel_requests limits")
        if team.model_max_budget or team.budget_limits:
            add("LGM702", label, "team per-model budgets")
        if team.tags:
            add("LGM709", label, "team tags")
        if team.object_permission_id:
            add("LGM708", label, "team object permissions (MCP servers, vector stores, agents)")
        if team.default_team_member_models:
            add("LGM727", label, "default_team_member_models")
        if isinstance(team.members_with_roles, list) and any(
            isinstance(m, dict) and m.get("role") == "admin" for m in team.members_with_roles
        ):
            add("LGM711", label, "team admins")
        if team.blocked:
            add("LGM722", label, "blocked team: project and keys inactive")

    def _user_findings(self) -> None:
        for user in self.data.users.values():
            if user.user_role and user.user_role not in ("internal_user", "customer", "team"):
                self.sink.add("LGM711", f"user '{user.user_alias or user.user_id}'", f"role {user.user_role}")

    def team_scope(self, team: SourceTeam | None) -> models.Scope:
        if team is None:
            return models.EVERYTHING
        scope = self._team_scopes.get(team.team_id)
        if scope is None:
            scope = models.scope_of(team.models, self.data.access_groups, self._known_set)
            self._team_scopes[team.team_id] = scope
        return scope

    def _team_models(self, team: SourceTeam | None) -> tuple[str, ...] | None:
        """The team's model list as a cache key, sorted once per team: teams share a few lists."""
        if team is None:
            return None
        found = self._team_model_keys.get(team.team_id)
        if found is None:
            found = self._team_model_keys[team.team_id] = tuple(sorted(team.models or ()))
        return found

    # -- keys -------------------------------------------------------------------------------------
    def plan(self, source: str, model_plan_path: str | None = None) -> KeysPlan:
        projects = self.projects()
        result = KeysPlan(source=source, model_plan=model_plan_path)
        no_team: ProjectPlan | None = None
        for key in self.data.keys:
            skip = self._skip_reason(key)
            if skip:
                result.skipped.append(
                    SkippedKey(
                        key.key_id, skip, alias=key.key_alias, team_id=key.team_id, user_id=key.user_id
                    )
                )
                continue
            team = self.data.teams.get(key.team_id or "")
            if team is not None:
                project = projects[team.team_id]
            else:
                if no_team is None:
                    no_team = ProjectPlan(ref=NO_TEAM_REF, name=NO_TEAM_NAME)
                project = no_team
            project.keys += 1
            result.keys.append(self._key(key, team, project))
        for deleted in self.data.deleted:
            result.skipped.append(
                SkippedKey(deleted.key_id, "deleted", alias=deleted.key_alias, team_id=deleted.team_id,
                           user_id=deleted.user_id)
            )  # fmt: skip
        if result.skipped:
            reasons: dict[str, int] = {}
            for s in result.skipped:
                reasons[s.reason] = reasons.get(s.reason, 0) + 1
            summary = ", ".join(f"{n} {r}" for r, n in sorted(reasons.items()))
            self.sink.add("LGM724", f"{len(result.skipped)} keys", f"skipped keys ({summary}; see `skipped`)")
        if any(k.user_id for k in result.keys):
            owners = len({k.user_id for k in result.keys if k.user_id})
            self.sink.add("LGM712", f"{owners} users", "keys owned by LiteLLM users")
        self._user_findings()
        if not self.data.usage_read and result.keys:
            self.sink.add(
                "LGM730", source, "no usage read (admin API): requests_30d and top_models are empty"
            )
        if self.data.end_users_with_limits:
            self.sink.add(
                "LGM710",
                f"{self.data.end_users_with_limits} end users",
                "end-user budgets, regions or blocks",
            )
        result.projects = [p for p in projects.values()] + ([no_team] if no_team else [])
        result.findings = self.sink.findings()
        return result

    def _skip_reason(self, key: SourceKey) -> str | None:
        if key.key_type in _NON_INFERENCE_TYPES:
            self.sink.add("LGM707", key_label(key), f"{key.key_type} key")
            return f"{key.key_type} key"
        if key.expires is not None and _naive(key.expires) <= self.now:
            return "expired"
        return None

    def _key(self, key: SourceKey, team: SourceTeam | None, project: ProjectPlan) -> KeyPlan:
        """One key's plan. Its budget and its model lists are shared by many keys: each combination is
        planned once (`_Part`) and a key only counts itself in that part's findings. The hot path of
        `keys` on a big proxy: plain checks, no closures, finding labels built only while still shown."""
        data = self.data
        spend = key.spend
        max_budget, duration = key.max_budget, key.budget_duration
        if max_budget is None and key.budget_id:
            budget = data.budgets.get(key.budget_id)
            if budget is not None:
                max_budget, duration = budget.max_budget, budget.budget_duration
        lifetime = max_budget is not None and not duration
        # A lifetime limit is per key (what is left of it): only whether there is one is shared.
        budget_sig = (
            True if lifetime else max_budget,
            duration,
            _windows(key.budget_limits) if key.budget_limits else (),
            (spend > 0) - (spend < 0) if spend else 0,
        )
        budget_part = self._budget_parts.get(budget_sig)
        if budget_part is None:
            budget_part = self._budget_parts[budget_sig] = self._part(
                lambda add: self._budget(key, max_budget, duration, add)
            )
        rules_sig = (tuple(sorted(key.models)) if key.models else (), self._team_models(team))
        rules_part = self._rules_parts.get(rules_sig)
        if rules_part is None:
            rules_part = self._rules_parts[rules_sig] = self._part(lambda add: self._rules(key, team, add))
        blocked = bool(key.blocked)
        team_blocked = team is not None and bool(team.blocked)
        # Codes in the order findings are met: team block, expiry, budget, model lists, other settings.
        codes = ["LGM722"] if team_blocked and not blocked else []
        groups: list[list[Any]] = []
        if key.expires is not None:
            codes.append("LGM719")
            groups.append(self._group("LGM719", "expiry not settable through the master API"))
        if budget_part.codes:
            codes += budget_part.codes
            groups += budget_part.groups
        if rules_part.codes:
            codes += rules_part.codes
            groups += rules_part.groups
        if (
            key.tpm_limit is not None
            or key.rpm_limit is not None
            or key.tpd_limit is not None
            or key.max_parallel_requests is not None
        ):
            codes.append("LGM701")
            groups.append(self._group("LGM701", "tpm/rpm/tpd/max_parallel_requests limits"))
        if key.has_model_max_budget:
            codes.append("LGM702")
            groups.append(self._group("LGM702", "model_max_budget"))
        if key.allowed_routes:
            codes.append("LGM706")
            groups.append(self._group("LGM706", "allowed_routes"))
        if key.object_permission_id or key.policies:
            codes.append("LGM708")
            groups.append(self._group("LGM708", "object permissions or policies"))
        if key.has_tags:
            codes.append("LGM709")
            groups.append(self._group("LGM709", "tags"))
        if key.has_aliases or key.has_config:
            codes.append("LGM723")
            groups.append(self._group("LGM723", "model aliases or config"))
        user = data.users.get(key.user_id or "") if data.users else None
        if user is not None and (user.max_budget is not None or user.models):
            codes.append("LGM720")
            groups.append(self._group("LGM720", "owner's user budget or model list"))
        if self.memberships:
            member = self.memberships.get((key.user_id or "", key.team_id or ""))
            if member is not None and member.budget_id:
                budget = data.budgets.get(member.budget_id)
                if budget is not None and (budget.max_budget is not None or budget.allowed_models):
                    if "LGM720" not in codes:
                        codes.append("LGM720")
                    groups.append(self._group("LGM720", "owner's team-member budget or models"))
        if groups:
            label = None
            for group in groups:
                group[0] += 1
                if len(group[1]) < NAMED:
                    if label is None:
                        label = key_label(key)
                    group[1].append(label)
        kid = key.key_id
        plan = KeyPlan(
            ref=f"ak-{kid}",
            key_id=kid,
            description=(key.key_alias or key.key_name or f"LiteLLM key {kid}").strip()[:220]
            or f"LiteLLM key {kid}",
            project=project.ref,
            status="inactive" if blocked or team_blocked else "active",
            iam_rules=rules_part.value,  # shared between keys with the same lists: never mutated
            alias=key.key_alias,
            old_key_name=key.key_name,
            user_id=key.user_id,
            team_id=key.team_id,
            findings=codes,
        )
        if lifetime:
            plan.usage_limit = durations.money(float(max_budget) - float(spend or 0.0))  # type: ignore[arg-type]
        period = budget_part.value
        if period is not None:
            plan.period_usage_limit, plan.period_usage_duration_value, plan.period_usage_duration_unit = (
                period
            )
        expires, last_active = key.expires, key.last_active
        if expires is not None:
            plan.expires_at = (expires if expires.tzinfo is None else _naive(expires)).isoformat() + "Z"
        if last_active is not None:
            naive = last_active if last_active.tzinfo is None else _naive(last_active)
            plan.last_active = naive.isoformat() + "Z"
        if user is not None:
            plan.user_email = user.user_email
        usage = data.usage.get(kid) if data.usage else None
        if usage is not None:
            plan.requests_30d = usage.requests
            plan.top_models = [m for m, _ in usage.top_models]
        return plan

    def _group(self, code: str, detail: str) -> list[Any]:
        """The sink group of a finding every key with one setting gets: looked up once per plan."""
        group = self._groups.get(code + detail)
        if group is None:
            group = self._groups[code + detail] = self.sink.group(code, detail)
        return group

    def _part(self, plan: Callable[[Callable[[str, str], None]], Any]) -> _Part:
        """Run one part of key planning once, recording its findings as codes and sink groups."""
        codes: list[str] = []
        groups: list[list[Any]] = []

        def add(code: str, detail: str) -> None:
            groups.append(self.sink.group(code, detail))
            if code not in codes:
                codes.append(code)

        value = plan(add)
        return _Part(value, tuple(codes), groups)

    def _budget(
        self,
        key: SourceKey,
        max_budget: float | None,
        duration: str | None,
        add: Callable[[str, str], None],
    ) -> tuple[str, int, str] | None:
        """The period limit (limit, value, unit) of the key's budget, or of its budget table row."""
        windows: list[tuple[float, str]] = []
        if max_budget is not None and duration:
            windows.append((float(max_budget), duration))
        elif max_budget is not None:
            if float(key.spend or 0.0) > 0:
                add("LGM718", "lifetime max_budget carried as remaining headroom")
        windows.extend(_windows(key.budget_limits) if key.budget_limits else ())
        if not windows:
            return None
        period, notes = _tightest(windows)
        if period is not None and key.spend:
            add("LGM705", "spend in the current window")
        for code, detail in notes:
            add(code, detail)
        return period

    def _rules(
        self, key: SourceKey, team: SourceTeam | None, add: Callable[[str, str], None]
    ) -> list[IamRule]:
        team_scope = self.team_scope(team)
        key_scope = models.scope_of(
            key.models, self.data.access_groups, self._known_set, team=team_scope if team else None
        )
        scope = models.intersect(key_scope, team_scope)
        rules = models.rules_for(scope, self.known, self.mapper, map_provider)
        iam: list[IamRule] = []
        if rules.allow_providers is not None:
            iam.append(IamRule("allow_providers", {"providers": rules.allow_providers}))
        if rules.allow_models is not None:
            iam.append(IamRule("allow_models", {"models": rules.allow_models}))
            if not rules.allow_models:
                add("LGM726", "no model the gateway knows: its rule allows nothing")
        for name in rules.unmapped:
            add("LGM716", f"model '{name}' has no gateway id")
        for pattern in rules.unexpressed_patterns:
            add("LGM716", f"pattern '{pattern}' matches no model the proxy serves")
        for prefix in rules.unmapped_providers:
            add("LGM716", f"provider '{prefix}/*' has no gateway provider")
        for pattern in rules.expanded_patterns:
            add("LGM717", f"pattern '{pattern}' expanded")
        for group in sorted(scope.unknown_groups):
            add("LGM725", f"access group '{group}' has no models in the database")
        return iam


@dataclasses.dataclass(slots=True)
class _Part:
    """One planned part of a key, shared by every key with the same fields: its result, finding codes
    (in order, once each) and the sink groups each such key is counted in."""

    value: Any
    codes: tuple[str, ...]
    groups: list[list[Any]]


def _windows(budget_limits: Any) -> tuple[tuple[float, str], ...]:
    """LiteLLM's extra budget windows (budget_limits: [{max_budget, budget_duration}, ...])."""
    if not isinstance(budget_limits, list):
        return ()
    return tuple(
        (float(entry["max_budget"]), str(entry["budget_duration"]))
        for entry in budget_limits
        if isinstance(entry, dict) and entry.get("max_budget") is not None and entry.get("budget_duration")
    )


def _tightest(
    windows: list[tuple[float, str]],
) -> tuple[tuple[str, int, str] | None, list[tuple[str, str]]]:
    """The window with the lowest spend per hour (limit, value, unit), and the findings about the rest."""
    notes: list[tuple[str, str]] = []
    best: tuple[float, durations.Period, str] | None = None
    dropped = False
    for amount, text in windows:
        period = durations.parse(text)
        if isinstance(period, str):
            notes.append(("LGM714", f"budget window {text} ({period.split(' is ', 1)[-1]})"))
            continue
        if best is None or amount / period.hours() < best[0] / best[1].hours():
            dropped = dropped or best is not None
            best = (amount, period, text)
        else:
            dropped = True
    if best is None:
        return None, notes
    amount, period, text = best
    notes.append(("LGM715", f"budget window {text} -> {period.value} {period.unit}"))
    if dropped:
        notes.append(("LGM704", "several budget windows, the tightest kept"))
    return (durations.money(amount), period.value, period.unit), notes


def _naive(value: dt.datetime) -> dt.datetime:
    """LiteLLM's timestamps are naive UTC; the API may return aware ones."""
    if value.tzinfo is not None:
        return value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return value


def build_plan(
    data: LiteLLMData, model_plan: Any | None = None, model_plan_path: str | None = None,
    now: dt.datetime | None = None,
) -> KeysPlan:  # fmt: skip
    return Planner(data, model_plan, now).plan(data.source, model_plan_path)
