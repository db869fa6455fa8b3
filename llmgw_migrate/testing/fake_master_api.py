"""A fake of LLM Gateway's master-key API (`/v1/master`, keys-and-teams.md sec. 1-2) for `keys apply` tests.

It follows the reference's routes, bodies, caps and error shapes: Bearer master key only; the API
service's error body `{"error": true, "status": N, "message": "..."}`; POST /keys returns the token once;
the organization's active-key cap (400 `API key limit reached...`) and project cap (403 `You have reached
the limit of N projects...`, llmgateway's createProjectForOrg); period rules (all of
limit, value, unit or none; value within the unit's maximum); decimal-string limits; IAM rule types.
`.state` holds what was created, `.requests` what was asked.
"""

# ruff: noqa: E501  (messages stay on one line)

from __future__ import annotations

import datetime as dt
import re
import secrets
from typing import Any

from llmgw_migrate.testing.http_fake import JsonFakeServer, Request

_DECIMAL = re.compile(r"^\d+(\.\d+)?$")
_PERIOD_MAX = {"hour": 8760, "day": 365, "week": 52, "month": 12}
_RULE_FIELDS = {
    "allow_models": "models", "deny_models": "models", "allow_providers": "providers",
    "deny_providers": "providers", "allow_pricing": "pricingType", "deny_pricing": "pricingType",
    "allow_ip_cidrs": "ipCidrs", "deny_ip_cidrs": "ipCidrs",
}  # fmt: skip


def _id() -> str:
    return secrets.token_hex(10)[:20]


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat()


def _err(status: int, message: str) -> tuple[int, Any]:
    return status, {"error": True, "status": status, "message": message}


class FakeMasterAPI(JsonFakeServer):
    def __init__(
        self, master_key: str, *, key_limit: int = 500, project_limit: int = 250, plan: str = "enterprise",
        creator: str = "user_migrator", creator_email: str = "migrator@example.com",
    ) -> None:  # fmt: skip
        super().__init__()
        self.master_key = master_key
        self.key_limit = key_limit
        self.project_limit = project_limit
        self.plan = plan
        self.creator = creator
        self.creator_email = creator_email
        self.projects: dict[str, dict[str, Any]] = {}
        self.keys: dict[str, dict[str, Any]] = {}
        self.tokens: dict[str, str] = {}  # key id -> token (a real gateway keeps only an HMAC)
        self.rules: dict[str, list[dict[str, Any]]] = {}

    # -- views ------------------------------------------------------------------------------------
    def _detail(self, key: dict[str, Any]) -> dict[str, Any]:
        token = self.tokens[key["id"]]
        return {
            **key,
            "kind": "regular",
            "projectName": self.projects[key["projectId"]]["name"],
            "createdByEmail": self.creator_email,
            "maskedToken": token[:8] + "..." + token[-4:],
            "usage": "0",
            "currentPeriodUsage": "0",
            "currentPeriodStartedAt": None,
            "currentPeriodResetAt": None,
        }

    def handle(self, request: Request) -> tuple[int, Any]:
        auth = request.headers.get("authorization")
        if not auth or not auth.lower().startswith("bearer "):
            return _err(401, "Missing or invalid Authorization header")
        token = request.bearer()
        if not token:
            return _err(401, "Missing bearer token")
        if token != self.master_key:
            return _err(401, "Invalid master key")
        if self.plan != "enterprise":
            return _err(403, "Master keys require an enterprise plan")
        parts = [p for p in request.path.split("/") if p]
        if parts[:2] != ["v1", "master"]:
            return _err(404, "Not Found")
        route, body = parts[2:], request.json if isinstance(request.json, dict) else {}
        m = request.method
        if route == ["projects"] and m == "GET":
            return 200, {"projects": [p for p in self.projects.values() if p["status"] != "deleted"]}
        if route == ["projects"] and m == "POST":
            return self._create_project(body)
        if len(route) == 2 and route[0] == "projects" and m == "PATCH":
            return self._patch_project(route[1], body)
        if route == ["keys"] and m == "GET":
            pid = request.query.get("projectId")
            if pid and pid not in self.projects:
                return _err(404, "Project not found")
            keys = [
                k
                for k in self.keys.values()
                if k["status"] != "deleted" and (not pid or k["projectId"] == pid)
            ]
            keys.sort(key=lambda k: k["createdAt"], reverse=True)
            return 200, {"apiKeys": [self._detail(k) for k in keys]}
        if route == ["keys"] and m == "POST":
            return self._create_key(body)
        if len(route) == 2 and route[0] == "keys":
            key = self.keys.get(route[1])
            if key is None or key["status"] == "deleted":
                return _err(404, "API key not found")
            if m == "GET":
                return 200, {"apiKey": self._detail(key)}
            if m == "PATCH":
                return self._patch_key(key, body)
        if len(route) == 3 and route[0] == "keys" and route[2] == "iam":
            key = self.keys.get(route[1])
            if key is None or key["status"] == "deleted":
                return _err(404, "API key not found")
            if m == "GET":
                return 200, {"rules": self.rules.get(key["id"], [])}
            if m == "POST":
                return self._create_rule(key, body)
        return _err(404, "Not Found")

    # -- mutations --------------------------------------------------------------------------------
    def _create_project(self, body: dict[str, Any]) -> tuple[int, Any]:
        name = body.get("name")
        if not isinstance(name, str) or not 1 <= len(name) <= 255:
            return _err(400, "Invalid request: name must be 1-255 characters")
        live = sum(1 for p in self.projects.values() if p["status"] != "deleted")
        if live >= self.project_limit:
            return _err(
                403,
                f"You have reached the limit of {self.project_limit} projects. Contact us at contact@llmgateway.io to unlock more.",
            )
        mode = body.get("mode", "hybrid")
        if mode not in ("api-keys", "credits", "hybrid"):
            return _err(400, "Invalid request: mode")
        now = _now()
        project = {
            "id": _id(), "createdAt": now, "updatedAt": now, "name": name, "organizationId": "org_fake",
            "cachingEnabled": bool(body.get("cachingEnabled", False)),
            "cacheDurationSeconds": int(body.get("cacheDurationSeconds", 60)),
            "providerCacheControlMode": "auto", "providerCacheControlEnabled": True, "mode": mode,
            "status": "active",
        }  # fmt: skip
        self.projects[project["id"]] = project
        return 201, {"project": project}

    def _patch_project(self, pid: str, body: dict[str, Any]) -> tuple[int, Any]:
        project = self.projects.get(pid)
        if project is None or project["status"] == "deleted":
            return _err(404, "Project not found")
        if not body:
            return _err(400, "Invalid request: at least one field is required")
        if "status" in body:
            if body["status"] not in ("active", "inactive"):
                return _err(400, "Invalid request: status")
            project["status"] = body["status"]
        if "name" in body:
            project["name"] = body["name"]
        project["updatedAt"] = _now()
        return 200, {"project": project}

    def _limits(self, body: dict[str, Any], current: dict[str, Any] | None = None) -> str | None:
        for field in ("usageLimit", "periodUsageLimit"):
            value = body.get(field)
            if value is not None and (not isinstance(value, str) or not _DECIMAL.match(value)):
                return f"Invalid request: {field} must be a decimal string"
        merged = {**(current or {}), **{k: v for k, v in body.items() if k.startswith("period")}}
        trio = [
            merged.get("periodUsageLimit"),
            merged.get("periodUsageDurationValue"),
            merged.get("periodUsageDurationUnit"),
        ]
        if any(v is not None for v in trio) and any(v is None for v in trio):
            return "Period usage limit, duration value and duration unit must all be set or all be null"
        if trio[2] is not None:
            if trio[2] not in _PERIOD_MAX:
                return "Invalid request: periodUsageDurationUnit"
            if not isinstance(trio[1], int) or not 1 <= trio[1] <= _PERIOD_MAX[trio[2]]:
                return (
                    f"Period duration value must be between 1 and {_PERIOD_MAX[trio[2]]} for unit {trio[2]}"
                )
        return None

    def _create_key(self, body: dict[str, Any]) -> tuple[int, Any]:
        pid, description = body.get("projectId"), body.get("description")
        if not isinstance(description, str) or not 1 <= len(description) <= 255:
            return _err(400, "Invalid request: description must be 1-255 characters")
        if pid not in self.projects or self.projects[pid]["status"] == "deleted":
            return _err(404, "Project not found")
        problem = self._limits(body)
        if problem:
            return _err(400, problem)
        active = sum(1 for k in self.keys.values() if k["status"] == "active")
        if active >= self.key_limit:
            return _err(
                400,
                f"API key limit reached. Maximum {self.key_limit} active API keys per organization. Contact us to increase your limit.",
            )
        now = _now()
        key = {
            "id": _id(), "createdAt": now, "updatedAt": now, "description": description, "status": "active",
            "projectId": pid, "createdBy": self.creator, "usageLimit": body.get("usageLimit"),
            "periodUsageLimit": body.get("periodUsageLimit"),
            "periodUsageDurationValue": body.get("periodUsageDurationValue"),
            "periodUsageDurationUnit": body.get("periodUsageDurationUnit"),
        }  # fmt: skip
        token = "llmgtwy_" + secrets.token_urlsafe(32)
        self.keys[key["id"]] = key
        self.tokens[key["id"]] = token
        created = {
            k: key[k]
            for k in ("id", "createdAt", "updatedAt", "description", "status", "projectId", "createdBy")
        }
        return 201, {"apiKey": {**created, "token": token}}

    def _patch_key(self, key: dict[str, Any], body: dict[str, Any]) -> tuple[int, Any]:
        if not body:
            return _err(400, "Invalid request: at least one field is required")
        problem = self._limits(body, key)
        if problem:
            return _err(400, problem)
        if "status" in body and body["status"] not in ("active", "inactive"):
            return _err(400, "Invalid request: status")
        for field in (
            "description",
            "status",
            "usageLimit",
            "periodUsageLimit",
            "periodUsageDurationValue",
            "periodUsageDurationUnit",
        ):
            if field in body:
                key[field] = body[field]
        key["updatedAt"] = _now()
        return 200, {"apiKey": self._detail(key)}

    def _create_rule(self, key: dict[str, Any], body: dict[str, Any]) -> tuple[int, Any]:
        rule_type, value = body.get("ruleType"), body.get("ruleValue")
        if rule_type not in _RULE_FIELDS or not isinstance(value, dict):
            return _err(400, "Invalid request: ruleType / ruleValue")
        field = _RULE_FIELDS[rule_type]
        if field in ("models", "providers", "ipCidrs") and not isinstance(value.get(field), list):
            return _err(400, f"Invalid request: ruleValue.{field} must be a list")
        now = _now()
        rule = {
            "id": _id(), "createdAt": now, "updatedAt": now, "apiKeyId": key["id"], "ruleType": rule_type,
            "ruleValue": value, "status": body.get("status", "active"),
        }  # fmt: skip
        self.rules.setdefault(key["id"], []).append(rule)
        return 201, {"rule": rule}
