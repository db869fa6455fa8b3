"""Findings: the one record every command reports, and the registry of their stable codes.

Codes live as data in rules/findings/*.yaml (one file per family: config, code, files, gateway, verify,
check). Each entry documents itself (title, why, fix) so docs/ can be generated from it.
"""

from __future__ import annotations

import functools
from enum import Enum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

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


class Finding(BaseModel):
    model_config = ConfigDict(use_enum_values=False)

    code: str = Field(description="Stable code, e.g. LGM101; documented in docs/findings.md")
    severity: Severity
    status: Status
    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    fix: str | None = Field(default=None, description="What to do about it")

    def location(self) -> str:
        if not self.file:
            return ""
        return f"{self.file}:{self.line or 1}:{self.column or 1}"

    def sort_key(self) -> tuple[Any, ...]:
        return (self.file or "", self.line or 0, self.column or 0, self.code, self.message)


class CodeInfo(BaseModel):
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
            info = CodeInfo(family=path.stem, **entry)
            if info.code in out:
                raise ValueError(f"duplicate finding code {info.code} in {path}")
            out[info.code] = info
    return out


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
