"""`gateway --keys keys.json`: the embedded gateway enforces a keys plan the way the hosted gateway does.

Each key of the plan gets a local token (written once to a 0600 file, never printed). Before a request is
forwarded: unknown or inactive token -> 401; expired -> 401; lifetime or current-period usage at its
limit -> 401 (the hosted gateway's messages, keys-and-teams.md sec. 3); IAM allow/deny models and
providers -> 403 `permission_denied` (sec. 2: allow rules of one type OR-ed, types AND-ed, deny rules each
on its own; a provider rule also narrows the route). After the answer its cost is added to the key's
usage; the period window starts at first use and rolls.
"""

# ruff: noqa: E501  (the hosted gateway's messages stay on one line)

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import hashlib
import json
import os
import secrets
import threading
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from llmgw_migrate.gateway.errors import GatewayError
from llmgw_migrate.keys.plan_model import KeyPlan, KeysPlan

INVALID = "Unauthorized: Invalid LLMGateway API token. Please make sure the token is not deleted or disabled. If you believe this is an error, contact support."
EXPIRED = "Unauthorized: LLMGateway API key has expired. Set a new expiration date to reactivate it."
USAGE = "Unauthorized: LLMGateway API key reached its usage limit."
PERIOD = "Unauthorized: LLMGateway API key reached its current period usage limit."
_KEY_SCOPE = "Adapt your LLMGateway API key IAM permissions to allow this request."


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def _period_end(start: dt.datetime, value: int, unit: str) -> dt.datetime:
    if unit == "hour":
        return start + dt.timedelta(hours=value)
    if unit == "day":
        return start + dt.timedelta(days=value)
    if unit == "week":
        return start + dt.timedelta(weeks=value)
    month = start.month - 1 + value
    year, month = start.year + month // 12, month % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])  # clamps to the month's last day
    return start.replace(year=year, month=month, day=day)


@dataclasses.dataclass
class LocalKey:
    plan: KeyPlan
    rule_ids: list[str]
    usage: Decimal = Decimal(0)
    period_usage: Decimal = Decimal(0)
    period_started: dt.datetime | None = None


class KeyPolicy:
    def __init__(self, plan: KeysPlan, *, clock: Any = _now) -> None:
        self.plan = plan
        self.clock = clock
        self.tokens: dict[str, str] = {}  # ref -> token (written once to the tokens file)
        self._by_digest: dict[bytes, LocalKey] = {}
        self._lock = threading.Lock()
        for key in plan.keys:
            token = "llmgtwy_" + secrets.token_urlsafe(32)
            self.tokens[key.ref] = token
            rule_ids = [f"{key.ref}-rule-{i + 1}" for i in range(len(key.iam_rules))]
            self._by_digest[_digest(token)] = LocalKey(key, rule_ids)

    def write_tokens(self, path: Path) -> None:
        """Every local token, one JSON line per key, in a file created 0600 (replaced atomically)."""
        from llmgw_migrate.atomic import write_text_atomic

        lines = [
            json.dumps(
                {"ref": k.ref, "description": k.description, "status": k.status, "token": self.tokens[k.ref]}
            )
            for k in self.plan.keys
        ]
        write_text_atomic(path, "\n".join(lines) + "\n", mode=0o600)
        os.chmod(path, 0o600)

    # -- before the call --------------------------------------------------------------------------
    def admit(self, token: str, route: Any) -> LocalKey:
        """The key holding `token`, or the hosted gateway's error; narrows `route` by provider rules."""
        local = self._by_digest.get(_digest(token))
        if local is None or local.plan.status != "active":
            raise GatewayError(401, INVALID, code="invalid_api_key")
        key = local.plan
        now = self.clock()
        if key.expires_at and now >= dt.datetime.fromisoformat(key.expires_at.rstrip("Z")):
            raise GatewayError(401, EXPIRED, code="invalid_api_key")
        with self._lock:
            if key.usage_limit is not None and local.usage >= Decimal(key.usage_limit):
                raise GatewayError(401, USAGE, code="invalid_api_key")
            if (
                key.period_usage_limit is not None
                and key.period_usage_duration_value
                and key.period_usage_duration_unit
            ):
                if local.period_started is not None and now >= _period_end(
                    local.period_started, key.period_usage_duration_value, key.period_usage_duration_unit
                ):
                    local.period_usage, local.period_started = Decimal(0), None
                if local.period_usage >= Decimal(key.period_usage_limit):
                    raise GatewayError(401, PERIOD, code="invalid_api_key")
        self._iam(local, route)
        return local

    def _iam(self, local: LocalKey, route: Any) -> None:
        rules = list(zip(local.plan.iam_rules, local.rule_ids, strict=True))
        if not rules:
            return
        model_id = route.model_id if getattr(route, "model", None) is not None else None
        if model_id is None:
            raise self._deny(f"Model {route.requested_model} not found", rules[0][1])
        allowed_models: set[str] | None = None
        allowed_providers: set[str] | None = None
        model_rule = provider_rule = rules[0][1]
        for rule, rule_id in rules:
            values = rule.rule_value
            if rule.rule_type == "allow_models" and isinstance(values.get("models"), list):
                allowed_models = (allowed_models or set()) | set(values["models"])
                model_rule = rule_id
            elif rule.rule_type == "allow_providers" and isinstance(values.get("providers"), list):
                allowed_providers = (allowed_providers or set()) | set(values["providers"])
                provider_rule = rule_id
            elif rule.rule_type == "deny_models" and model_id in (values.get("models") or []):
                raise self._deny(f"Model {model_id} is denied", rule_id)
            elif rule.rule_type == "deny_providers":
                denied = set(values.get("providers") or [])
                route.attempts = [a for a in route.attempts if a.provider not in denied]
                if not route.attempts:
                    raise self._deny(f"No provider of model {model_id} is allowed", rule_id)
        if allowed_models is not None and model_id not in allowed_models:
            raise self._deny(f"Model {model_id} is not in the allowed models", model_rule)
        if allowed_providers is not None:
            if route.requested_provider and route.requested_provider not in allowed_providers:
                raise self._deny(f"Provider {route.requested_provider} is not allowed", provider_rule)
            route.attempts = [a for a in route.attempts if a.provider in allowed_providers]
            if not route.attempts:
                raise self._deny(f"No allowed provider serves model {model_id}", provider_rule)

    @staticmethod
    def _deny(reason: str, rule_id: str) -> GatewayError:
        return GatewayError(
            403, f"Access denied: {reason}. {_KEY_SCOPE} (Rule ID: {rule_id})",
            type="invalid_request_error", code="permission_denied",
        )  # fmt: skip

    # -- after the call ---------------------------------------------------------------------------
    def record(self, local: LocalKey | None, usage: Any) -> None:
        if local is None or not isinstance(usage, dict):
            return
        cost = Decimal(str(usage.get("cost") or 0))
        with self._lock:
            local.usage += cost
            if local.plan.period_usage_limit is not None:
                if local.period_started is None:
                    local.period_started = self.clock()
                local.period_usage += cost

    async def metered(self, local: LocalKey | None, chunks: AsyncIterator[Any]) -> AsyncIterator[Any]:
        """Pass a stream through, recording the cost its final chunk carries."""
        async for item in chunks:
            if isinstance(item, dict) and isinstance(item.get("usage"), dict):
                self.record(local, item["usage"])
            yield item
