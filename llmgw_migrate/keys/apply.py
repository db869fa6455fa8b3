"""`keys apply`: create the plan's projects, API keys and IAM rules through LLM Gateway's master-key API.

Idempotent: each key's description carries `llmgw-migrate:<ref>`; on a re-run, keys whose marker is
already there are not created again (their missing IAM rules and status are completed), and projects
are matched by name. Dry run unless `execute`: the requests are printed, nothing is sent but GETs.
New tokens are appended, one JSON line each, to a 0600 file the moment they are returned, and are never
printed. The organization's key or project cap stops the run cleanly, with what was created so far.
"""

# ruff: noqa: E501  (messages stay on one line)

from __future__ import annotations

import dataclasses
import json
import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from llmgw_migrate.errors import UserError
from llmgw_migrate.keys.durations import MAXIMA
from llmgw_migrate.keys.plan_model import MARKER_PREFIX, KeyPlan, KeysPlan, ProjectPlan

_MARKER = re.compile(re.escape(MARKER_PREFIX) + r"([A-Za-z0-9_.:-]+)")
# The key caps answer 400 `API key limit reached. Maximum N active API keys per organization...` or
# `You have reached your limit of N active API keys...`; the project cap answers 403 `You have reached the
# limit of N projects. Contact us at ... to unlock more.` (createProjectForOrg, which POST
# /v1/master/projects calls, in llmgateway's apps/api/src/routes/projects.ts).
_CAP = re.compile(r"limit reached|reached your limit|reached the limit of", re.IGNORECASE)
_DECIMAL = re.compile(r"^\d+(\.\d+)?$")


class CapReached(Exception):
    def __init__(self, what: str, message: str) -> None:
        super().__init__(message)
        self.what = what
        self.message = message


@dataclasses.dataclass
class ApplyResult:
    projects_created: int = 0
    projects_present: int = 0
    keys_created: int = 0
    keys_present: int = 0
    rules_created: int = 0
    updates: int = 0
    keys_left: int = 0
    stopped: str | None = None

    @property
    def changes(self) -> int:
        return self.projects_created + self.keys_created + self.rules_created + self.updates


def _locate(source: Path, ref: str) -> tuple[int | None, int | None]:
    """Line and column of a key's entry in the plan file (one key per line as `keys` writes it)."""
    try:
        text = source.read_text(encoding="utf-8")
    except OSError:
        return None, None
    found = re.search(r'"ref":\s*"' + re.escape(ref) + '"', text)
    if found is None:
        return None, None
    start = text.rfind("\n", 0, found.start()) + 1
    return text.count("\n", 0, found.start()) + 1, found.start() - start + 1


def _problem(key: KeyPlan) -> str | None:
    for name, value in (("usage_limit", key.usage_limit), ("period_usage_limit", key.period_usage_limit)):
        if value is not None and not _DECIMAL.match(value):
            return f'{name} must be a decimal string like "12.5", not {value!r}'
    trio = (key.period_usage_limit, key.period_usage_duration_value, key.period_usage_duration_unit)
    if any(v is not None for v in trio) and any(v is None for v in trio):
        return "period_usage_limit, _duration_value and _duration_unit must all be set or all null"
    unit, count = key.period_usage_duration_unit, key.period_usage_duration_value
    if unit is not None:
        if unit not in MAXIMA:
            return f"period_usage_duration_unit must be hour, day, week or month, not {unit!r}"
        if count is None or not 1 <= count <= MAXIMA[unit]:
            return f"period_usage_duration_value must be 1-{MAXIMA[unit]} for {unit}"
    if key.status not in ("active", "inactive"):
        return f"status must be active or inactive, not {key.status!r}"
    return None


def validate(plan: KeysPlan, source: Path) -> None:
    """Catch what the gateway would refuse (or, on one create path, not check) before any call; the
    error points at the key's line in the plan file."""
    refs = {p.ref for p in plan.projects}
    for key in plan.keys:
        problem = _problem(key)
        if problem is None and key.project not in refs:
            problem = f"project {key.project!r} is not in the plan's projects"
        if problem is not None:
            line, column = _locate(source, key.ref)
            raise UserError(f"key {key.ref}: {problem}", source, line, column)


class MasterClient:
    """The master API (`<base>/v1/master`) with the master key as Bearer; errors become UserError."""

    def __init__(self, base_url: str, master_key: str, timeout: float = 60.0) -> None:
        import httpx

        base = base_url.rstrip("/")
        if base.endswith("/v1/master"):
            base = base[: -len("/v1/master")]
        self.base = base
        self.http = httpx.Client(
            base_url=base + "/v1/master",
            headers={"Authorization": f"Bearer {master_key}"},
            timeout=timeout,
            trust_env=False,
        )

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
        import httpx

        for attempt in range(5):
            try:
                resp = self.http.request(method, path, json=body)
            except httpx.HTTPError as exc:
                raise UserError(
                    f"cannot reach the LLM Gateway API at {self.base}: {type(exc).__name__}"
                ) from None
            if resp.status_code == 429 and attempt < 4:
                time.sleep(min(float(resp.headers.get("retry-after") or 2**attempt), 30.0))
                continue
            break
        try:
            data = resp.json()
        except ValueError:
            data = {}
        refused = resp.status_code == 401 or (resp.status_code == 403 and not _CAP.search(_message(data)))
        if refused and not path.startswith("/keys/"):  # a 403 cap answer is the project cap, not the key
            raise UserError(
                f"the LLM Gateway master API at {self.base} refused the master key ({resp.status_code}: {_message(data)}); check LLM_GATEWAY_MASTER_KEY"
            )
        return resp.status_code, data

    def close(self) -> None:
        self.http.close()


def _message(data: Any) -> str:
    if isinstance(data, dict):
        msg = data.get("message")
        if isinstance(msg, str):
            return msg
        err = data.get("error")
        if isinstance(err, dict) and isinstance(err.get("message"), str):
            return str(err["message"])
    return "no message"


class TokenFile:
    """Append-only JSON lines, mode 0600 from the first byte; each token is on disk before the next call."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        except OSError as exc:
            raise UserError(f"cannot open the tokens file: {exc.strerror or exc}", path) from None
        os.fchmod(self.fd, 0o600)  # an existing file may have been wider

    def write(self, record: dict[str, Any]) -> None:
        os.write(self.fd, (json.dumps(record) + "\n").encode())
        os.fsync(self.fd)

    def close(self) -> None:
        os.close(self.fd)


def _key_body(key: KeyPlan, project_id: str) -> dict[str, Any]:
    body: dict[str, Any] = {"projectId": project_id, "description": key.gateway_description()}
    if key.usage_limit is not None:
        body["usageLimit"] = key.usage_limit
    if key.period_usage_limit is not None:
        body["periodUsageLimit"] = key.period_usage_limit
        body["periodUsageDurationValue"] = key.period_usage_duration_value
        body["periodUsageDurationUnit"] = key.period_usage_duration_unit
    return body


class Applier:
    def __init__(
        self, plan: KeysPlan, client: MasterClient | None, *, execute: bool,
        tokens: TokenFile | None, echo: Callable[[str], None],
    ) -> None:  # fmt: skip
        self.plan, self.client, self.execute, self.tokens, self.echo = plan, client, execute, tokens, echo
        self.result = ApplyResult()
        self.project_ids: dict[str, str] = {}

    def _send(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        if not self.execute:
            self.echo(
                f"{method} /v1/master{path}"
                + (f" {json.dumps(body, sort_keys=True)}" if body is not None else "")
            )
            return None
        assert self.client is not None
        status, data = self.client.call(method, path, body)
        if status >= 400:
            message = _message(data)
            if status in (400, 403) and _CAP.search(message):
                raise CapReached("projects" if path == "/projects" else "keys", message)
            raise UserError(f"{method} /v1/master{path} failed ({status}): {message}")
        return data

    def _existing(self) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
        if self.client is None:
            return {}, {}
        status, data = self.client.call("GET", "/projects")
        if status != 200 or not isinstance(data, dict):
            raise UserError(f"GET /v1/master/projects failed ({status}): {_message(data)}")
        projects = {
            p["name"]: p
            for p in data.get("projects", [])
            if isinstance(p, dict) and p.get("status") != "deleted"
        }
        status, data = self.client.call("GET", "/keys")
        if status != 200 or not isinstance(data, dict):
            raise UserError(f"GET /v1/master/keys failed ({status}): {_message(data)}")
        keys: dict[str, dict[str, Any]] = {}
        for k in data.get("apiKeys", []):
            match = _MARKER.search(str(k.get("description") or "")) if isinstance(k, dict) else None
            if match and k.get("status") != "deleted":
                keys.setdefault(match.group(1), k)
        return projects, keys

    def run(self) -> ApplyResult:
        projects, keys = self._existing()
        try:
            for project in self.plan.projects:
                self._project(project, projects.get(project.name))
            for index, key in enumerate(self.plan.keys):
                try:
                    self._key(key, keys.get(key.ref))
                except CapReached:
                    self.result.keys_left = len(self.plan.keys) - index
                    raise
        except CapReached as cap:
            if cap.what == "projects":
                self.result.keys_left = sum(1 for k in self.plan.keys if k.ref not in keys)
            self.result.stopped = f"the organization's {cap.what} cap was reached: {cap.message}"
        return self.result

    def _project(self, project: ProjectPlan, existing: dict[str, Any] | None) -> None:
        if existing is not None:
            self.result.projects_present += 1
            self.project_ids[project.ref] = existing["id"]
            if project.status == "inactive" and existing.get("status") == "active":
                self._send("PATCH", f"/projects/{existing['id']}", {"status": "inactive"})
                self.result.updates += 1
            return
        data = self._send("POST", "/projects", {"name": project.name})
        pid = data["project"]["id"] if data else f"<new project {project.ref}>"
        self.project_ids[project.ref] = pid
        self.result.projects_created += 1
        if project.status == "inactive":
            self._send("PATCH", f"/projects/{pid}", {"status": "inactive"})
            self.result.updates += 1

    def _key(self, key: KeyPlan, existing: dict[str, Any] | None) -> None:
        wanted = [{"ruleType": r.rule_type, "ruleValue": r.rule_value} for r in key.iam_rules]
        if existing is not None:
            self.result.keys_present += 1
            kid = existing["id"]
            have: list[Any] = []
            if wanted and self.client is not None:
                status, data = self.client.call("GET", f"/keys/{kid}/iam")
                if status == 200 and isinstance(data, dict):
                    have = [(r.get("ruleType"), r.get("ruleValue")) for r in data.get("rules", [])]
            for rule in wanted:
                if (rule["ruleType"], rule["ruleValue"]) not in have:
                    self._send("POST", f"/keys/{kid}/iam", rule)
                    self.result.rules_created += 1
            if key.status == "inactive" and existing.get("status") == "active":
                self._send("PATCH", f"/keys/{kid}", {"status": "inactive"})
                self.result.updates += 1
            return
        data = self._send("POST", "/keys", _key_body(key, self.project_ids[key.project]))
        if data:
            created = data["apiKey"]
            kid = created["id"]
            assert self.tokens is not None
            self.tokens.write({
                "ref": key.ref, "id": kid, "description": created.get("description"),
                "project": key.project, "old_key": key.old_key_name, "alias": key.alias,
                "token": created["token"],
            })  # fmt: skip
        else:
            kid = f"<new key {key.ref}>"
        self.result.keys_created += 1
        for rule in wanted:
            self._send("POST", f"/keys/{kid}/iam", rule)
            self.result.rules_created += 1
        if key.status == "inactive":
            self._send("PATCH", f"/keys/{kid}", {"status": "inactive"})
            self.result.updates += 1
