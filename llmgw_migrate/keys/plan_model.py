"""The keys plan: what `keys` produces and `keys apply` (and the embedded gateway) read.

Plain slotted dataclasses, built and serialised by hand: a plan for 100,000 keys must render in well
under a second. pydantic is used only for the JSON Schema (`--schema`) and to validate a plan on load.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal

from llmgw_migrate.errors import UserError, read_input_text
from llmgw_migrate.findings import Finding

SCHEMA_VERSION: Literal[1] = 1
MARKER_PREFIX = "llmgw-migrate:"


@dataclasses.dataclass(slots=True)
class IamRule:
    rule_type: str
    """allow_models | allow_providers (the master API's ruleType)"""
    rule_value: dict[str, Any]
    """The master API's ruleValue, e.g. {"models": ["gpt-4o"]}"""


@dataclasses.dataclass(slots=True)
class ProjectPlan:
    ref: str
    """Stable id of this project in the plan (team-<team_id>, or no-team)"""
    name: str
    """Gateway project name (the team alias); keys apply matches existing projects by it"""
    status: str = "active"
    team_id: str | None = None
    team_alias: str | None = None
    organization: str | None = None
    keys: int = 0


@dataclasses.dataclass(slots=True)
class KeyPlan:
    ref: str
    """Stable id (ak-<key_id>); keys apply puts `llmgw-migrate:<ref>` in the description to stay idempotent"""
    key_id: str
    """Short prefix of LiteLLM's token hash: an opaque id, never the key"""
    description: str
    """The gateway key's description (alias, or the masked old key name), without the marker"""
    project: str
    """ref of the project the key goes to"""
    status: str = "active"
    usage_limit: str | None = None
    """Lifetime limit in USD (decimal string), or null"""
    period_usage_limit: str | None = None
    period_usage_duration_value: int | None = None
    period_usage_duration_unit: str | None = None
    expires_at: str | None = None
    """LiteLLM expiry (ISO 8601); the master API cannot set it (LGM719)"""
    iam_rules: list[IamRule] = dataclasses.field(default_factory=list)
    alias: str | None = None
    old_key_name: str | None = None
    """LiteLLM's masked key name (sk-...abcd), to recognise the old key"""
    user_id: str | None = None
    user_email: str | None = None
    team_id: str | None = None
    last_active: str | None = None
    requests_30d: int = 0
    top_models: list[str] = dataclasses.field(default_factory=list)
    findings: list[str] = dataclasses.field(default_factory=list)
    """Codes of the findings about this key"""

    def marker(self) -> str:
        return f"{MARKER_PREFIX}{self.ref}"

    def gateway_description(self) -> str:
        """The description sent to the gateway: text plus the marker, within the 255-character limit."""
        tag = f" [{self.marker()}]"
        return self.description[: 255 - len(tag)] + tag


@dataclasses.dataclass(slots=True)
class SkippedKey:
    key_id: str
    reason: str
    alias: str | None = None
    team_id: str | None = None
    user_id: str | None = None


@dataclasses.dataclass(slots=True)
class KeysPlan:
    source: str
    """Where the LiteLLM data came from (database host/name or admin API URL; no credentials)"""
    schema_version: Literal[1] = SCHEMA_VERSION
    kind: Literal["keys"] = "keys"
    litellm_version: str = "1.108.7"
    model_plan: str | None = None
    """The migration plan used to map model names, if any"""
    projects: list[ProjectPlan] = dataclasses.field(default_factory=list)
    keys: list[KeyPlan] = dataclasses.field(default_factory=list)
    skipped: list[SkippedKey] = dataclasses.field(default_factory=list)
    findings: list[Finding] = dataclasses.field(default_factory=list)

    __pydantic_config__ = {"use_attribute_docstrings": True}

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": self.schema_version,
            "kind": self.kind,
            "litellm_version": self.litellm_version,
            "source": self.source,
            "model_plan": self.model_plan,
            "projects": [_plain(p) for p in self.projects],
            "keys": [_key_dict(k) for k in self.keys],
            "skipped": [_plain(s) for s in self.skipped],
            "findings": [f.to_dict() for f in self.findings],
        }

    def to_json(self) -> str:
        return "".join(self.iter_json())

    def iter_json(self) -> Iterator[str]:
        """One line per project, key, skipped key and finding: readable diffs. Each line is encoded by
        pydantic-core (already installed with pydantic): three times faster than the stdlib's C encoder
        on a 100,000-key plan. Yielded in chunks so a big plan is written without holding all its text."""
        from pydantic_core import to_json

        def dumps(value: Any) -> str:
            return to_json(value).decode()

        yield "{\n"
        for name in ("schema_version", "kind", "litellm_version", "source", "model_plan"):
            yield f' "{name}": {dumps(getattr(self, name))},\n'

        def plain_json(item: Any) -> bytes:
            return to_json(_plain(item))

        def finding_json(item: Finding) -> bytes:
            return to_json(item.to_dict())

        sections: list[tuple[str, list[Any], Callable[[Any], bytes]]] = [
            ("projects", self.projects, plain_json),
            ("keys", self.keys, functools.partial(_key_json, to_json=to_json, rules_json={})),
            ("skipped", self.skipped, plain_json),
            ("findings", self.findings, finding_json),
        ]
        for i, (name, items, as_json) in enumerate(sections):
            end = "," if i < len(sections) - 1 else ""
            if not items:
                yield f' "{name}": []{end}\n'
                continue
            yield f' "{name}": [\n  '
            for start in range(0, len(items), 5000):
                chunk = b",\n  ".join([as_json(item) for item in items[start : start + 5000]])
                yield (chunk if start == 0 else b",\n  " + chunk).decode()
            yield f"\n ]{end}\n"
        yield "}\n"


def _plain(obj: Any) -> dict[str, Any]:
    return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}


def _key_json(key: KeyPlan, to_json: Callable[[Any], bytes], rules_json: dict[int, bytes]) -> bytes:
    """One key's JSON line, as `_key_dict` would encode. Keys share their rule lists (the planner plans
    each model list once), and encoding the nested rules is half the cost of a line: each list is encoded
    once and appended as bytes (iam_rules is the last field). Keyed by id(): the plan holds every list,
    so no id is reused while the cache lives."""
    line: bytes = to_json(_key_dict(key, with_rules=False))
    rules = key.iam_rules
    if not rules:
        return line
    tail = rules_json.get(id(rules))
    if tail is None:
        tail = rules_json[id(rules)] = b',"iam_rules":' + to_json([_plain(r) for r in rules]) + b"}"
    return line[:-1] + tail


def _key_dict(key: KeyPlan, with_rules: bool = True) -> dict[str, Any]:
    """The key's fields in declaration order, iam_rules last; fields at their default (null, empty list)
    are left out: a shorter plan, read back the same. Spelled out field by field: a generic loop over the
    fields costs three times as much, which shows on 100,000 keys (tests check it covers every field)."""
    out: dict[str, Any] = {
        "ref": key.ref, "key_id": key.key_id, "description": key.description, "project": key.project,
        "status": key.status,
    }  # fmt: skip
    if key.usage_limit is not None:
        out["usage_limit"] = key.usage_limit
    if key.period_usage_limit is not None:
        out["period_usage_limit"] = key.period_usage_limit
    if key.period_usage_duration_value is not None:
        out["period_usage_duration_value"] = key.period_usage_duration_value
    if key.period_usage_duration_unit is not None:
        out["period_usage_duration_unit"] = key.period_usage_duration_unit
    if key.expires_at is not None:
        out["expires_at"] = key.expires_at
    if key.alias is not None:
        out["alias"] = key.alias
    if key.old_key_name is not None:
        out["old_key_name"] = key.old_key_name
    if key.user_id is not None:
        out["user_id"] = key.user_id
    if key.user_email is not None:
        out["user_email"] = key.user_email
    if key.team_id is not None:
        out["team_id"] = key.team_id
    if key.last_active is not None:
        out["last_active"] = key.last_active
    if key.requests_30d is not None:
        out["requests_30d"] = key.requests_30d
    if key.top_models:
        out["top_models"] = key.top_models
    if key.findings:
        out["findings"] = key.findings
    if with_rules and key.iam_rules:
        out["iam_rules"] = [_plain(r) for r in key.iam_rules]
    return out


def keys_plan_json_schema() -> dict[str, Any]:
    from pydantic import TypeAdapter

    schema = TypeAdapter(KeysPlan).json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"https://llmgw-migrate.dev/schema/keys-plan-v{SCHEMA_VERSION}.json"
    return schema


def load_keys_plan(path: str | Path) -> KeysPlan:
    """Read a keys plan (JSON), turning every problem into a one-line UserError."""
    from pydantic import TypeAdapter, ValidationError

    p = Path(path)
    text = read_input_text(p, "keys plan")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UserError(f"invalid JSON: {exc.msg}", p, exc.lineno, exc.colno) from None
    if not isinstance(data, dict) or data.get("kind") != "keys":
        raise UserError(
            'not a keys plan (no "kind": "keys"; write one with `llmgw-migrate keys -o`)', p, 1, 1
        )
    if data.get("schema_version") != SCHEMA_VERSION:
        raise UserError(f"unsupported keys plan schema_version {data.get('schema_version')!r}", p, 1, 1)
    try:
        return TypeAdapter(KeysPlan).validate_python(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(x) for x in err["loc"])
        raise UserError(f"not a valid keys plan: {where}: {err['msg']}", p, 1, 1) from None
