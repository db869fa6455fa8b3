"""Findings: the one record every command reports, and the registry of their stable codes.

Codes live as data in rules/findings/*.yaml (one file per family: config, code, files, gateway, verify,
check). Each entry documents itself (title, why, fix) so docs/ can be generated from it.
"""

from __future__ import annotations

import dataclasses
import functools
from enum import Enum
from typing import Any

from llmgw_migrate.resources import rules_path


class Severity(str, Enum):
    error = "error"
    warning = "warning"
    info = "info"


class Status(str, Enum):
    """How a source field carries over (agentgateway's classes)."""

    exact = "exact"
    approximate = "approximate"
    manual = "manual"
    unsupported = "unsupported"


SEVERITY_ORDER = {Severity.error: 0, Severity.warning: 1, Severity.info: 2}


@dataclasses.dataclass(slots=True)
class Location:
    """One place a finding's cause shows up: a config line and, for a model finding, the model there."""

    file: str | None = None
    line: int | None = None
    column: int | None = None
    model: str | None = None
    """The client-facing model_name of the deployment at this place"""
    litellm_model: str | None = None
    """The deployment's litellm_params.model"""

    __pydantic_config__ = {"use_attribute_docstrings": True}  # read by pydantic only

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


# A plain dataclass, not a pydantic model: every command and every `code` worker makes findings, and
# importing pydantic and building a model costs about 0.15 s at start-up. Pydantic models that hold
# findings (Plan, the check report) validate and describe it all the same; the attribute docstrings
# below become the JSON Schema's descriptions (`use_attribute_docstrings`).
@dataclasses.dataclass(slots=True)
class Finding:
    code: str
    """Stable code, e.g. LGM101; documented in docs/findings.md"""
    severity: Severity
    status: Status
    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    fix: str | None = None
    """What to do about it"""
    locations: list[Location] = dataclasses.field(default_factory=list)
    """Every place this one cause shows up (config: each deployment it touches); empty when only file:line"""

    __pydantic_config__ = {"use_attribute_docstrings": True}  # read by pydantic only

    def location(self) -> str:
        if not self.file:
            return ""
        return f"{self.file}:{self.line or 1}:{self.column or 1}"

    def sort_key(self) -> tuple[Any, ...]:
        return (self.file or "", self.line or 0, self.column or 0, self.code, self.message)

    def replace(self, **changes: Any) -> Finding:
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (enums as their values)."""
        return {
            "code": self.code,
            "severity": self.severity.value,
            "status": self.status.value,
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "fix": self.fix,
            **({"locations": [loc.to_dict() for loc in self.locations]} if self.locations else {}),
        }


@dataclasses.dataclass(frozen=True, slots=True)
class CodeInfo:
    code: str
    name: str
    severity: Severity
    status: Status
    title: str
    why: str
    fix: str
    family: str = ""


def load_rules_yaml(text: str) -> Any:
    """Plain data from one of our rules/*.yaml files.

    libyaml (PyYAML's C loader) when available: 10-30x faster than a pure-Python load, which keeps every
    command's start-up short. tests/config/test_providers_rules.py checks that every rules file reads
    the same with it as with ruamel.yaml.
    """
    try:
        import yaml

        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except ImportError:
        from ruamel.yaml import YAML

        return YAML(typ="safe").load(text)


@functools.cache
def registry() -> dict[str, CodeInfo]:
    """All documented finding codes, keyed by code."""
    out: dict[str, CodeInfo] = {}
    for path in sorted(rules_path("findings").glob("*.yaml")):
        data = load_rules_yaml(path.read_text(encoding="utf-8")) or {}
        for entry in data.get("codes", []):
            info = _code_info(entry, path.stem, path)
            if info.code in out:
                raise ValueError(f"duplicate finding code {info.code} in {path}")
            out[info.code] = info
    return out


def _code_info(entry: Any, family: str, path: Any) -> CodeInfo:
    fields = {f.name for f in dataclasses.fields(CodeInfo)} - {"family"}
    if not isinstance(entry, dict) or set(entry) != fields:
        raise ValueError(f"{path}: a code entry needs exactly the keys {sorted(fields)}: {entry!r}")
    if not all(isinstance(entry[k], str) for k in fields):
        raise ValueError(f"{path}: every key of a code entry is a string: {entry!r}")
    return CodeInfo(
        **{**entry, "severity": Severity(entry["severity"]), "status": Status(entry["status"])}, family=family
    )


def make(
    code: str,
    message: str,
    *,
    file: str | None = None,
    line: int | None = None,
    column: int | None = None,
    fix: str | None = None,
    severity: Severity | None = None,
    status: Status | None = None,
) -> Finding:
    """Build a Finding from a registered code; severity/status default to the registry's."""
    info = registry().get(code)
    if info is None:
        raise KeyError(f"finding code {code} is not registered in rules/findings/")
    return Finding(
        code=code,
        severity=severity or info.severity,
        status=status or info.status,
        message=message,
        file=file,
        line=line,
        column=column,
        fix=fix if fix is not None else info.fix,
    )
