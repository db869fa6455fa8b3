"""The JSON report of `check` as pydantic models: the one definition of its shape and of its JSON Schema
(`llmgw-migrate check --schema`). Versioned by `schema_version`; fields are only ever added."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field
from pydantic.dataclasses import dataclass as pydantic_dataclass

from llmgw_migrate import __version__
from llmgw_migrate.findings import Finding

REPORT_SCHEMA_VERSION = 1


class CountsOut(BaseModel):
    error: int = Field(description="New (not baselined) findings of severity error")
    warning: int
    info: int
    accepted: int = Field(description="Findings the baseline accepts")
    failing: int = Field(description="New findings at or above --fail-on: the ones that fail the check")


class SectionOut(BaseModel):
    name: Literal["config", "code", "verify"]
    title: str
    ran: bool
    passed: bool = Field(description="Ran, and none of its new findings fails")
    detail: str = Field(description="One line: what was looked at (or why the step did not run)")
    seconds: float
    stats: dict[str, Any] = Field(
        default_factory=dict,
        description="config: models, mapped, provider_keys; code: scanned, candidates, changed, errors, "
        "pending_rewrites; verify: total, pass, differ, error, not_run, requests, parity",
    )


@pydantic_dataclass(kw_only=True)
class FindingOut(Finding):
    """A Finding as `check` reports it: where it came from and what the baseline says of it."""

    section: Literal["config", "code", "verify", "baseline"]
    fingerprint: str = Field(description="Line-shift-proof id, as stored in baselines and SARIF")
    accepted: bool = Field(description="Accepted by the baseline")
    fails: bool = Field(description="New and at or above --fail-on")


class StaleEntryOut(BaseModel):
    fingerprint: str
    code: str
    file: str
    message: str
    count: int = Field(description="How many accepted copies matched nothing")


class CheckReportOut(BaseModel):
    schema_version: Literal[1] = 1
    tool: Literal["llmgw-migrate"] = "llmgw-migrate"
    version: str = __version__
    passed: bool
    exit_code: int = Field(description="0 passed, 1 failed (2, bad input, never writes a report)")
    fail_on: Literal["error", "warning", "info", "never"]
    baseline: str | None = Field(description="The --baseline file, if any")
    counts: CountsOut
    sections: list[SectionOut]
    findings: list[FindingOut] = Field(
        description="Every finding, baselined ones included, sorted by location"
    )
    stale_baseline_entries: list[StaleEntryOut] = Field(default_factory=list)


def report_json_schema() -> dict[str, Any]:
    schema = CheckReportOut.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"https://llmgw-migrate.dev/schema/check-report-v{REPORT_SCHEMA_VERSION}.json"
    return schema
