"""What one `check` run found: its sections (config, code, verify) and every finding, with fingerprints."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from llmgw_migrate.findings import SEVERITY_ORDER, Finding, Severity

FAIL_ON_CHOICES = ("error", "warning", "info", "never")
SECTION_TITLES = {"config": "Config conversion", "code": "Code", "verify": "Verify"}


def severity_fails(severity: Severity, fail_on: str) -> bool:
    """Whether a finding of `severity` fails the gate at threshold `fail_on`."""
    if fail_on == "never":
        return False
    return SEVERITY_ORDER[severity] <= SEVERITY_ORDER[Severity(fail_on)]


@dataclass
class Item:
    finding: Finding
    section: str
    fingerprint: str
    accepted: bool = False  # accepted by the baseline


@dataclass
class Section:
    name: str  # config | code | verify
    ran: bool = True
    detail: str = ""  # one line: what was looked at
    seconds: float = 0.0
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return SECTION_TITLES.get(self.name, self.name)


@dataclass
class StaleEntry:
    fingerprint: str
    code: str
    file: str
    message: str
    count: int


@dataclass
class CheckResult:
    sections: list[Section]
    items: list[Item]
    fail_on: str = "warning"
    baseline: str | None = None
    stale: list[StaleEntry] = field(default_factory=list)
    baseline_written: bool = False
    anchor: str | None = None  # the config or plan: where findings without a file are shown in SARIF

    def new_items(self) -> list[Item]:
        return [i for i in self.items if not i.accepted]

    def failing(self) -> list[Item]:
        return [i for i in self.new_items() if severity_fails(i.finding.severity, self.fail_on)]

    def section_items(self, name: str) -> list[Item]:
        return [i for i in self.items if i.section == name]

    def section_failed(self, name: str) -> bool:
        return any(i.section == name for i in self.failing())

    @property
    def passed(self) -> bool:
        return self.baseline_written or not self.failing()

    @property
    def exit_code(self) -> int:
        return 0 if self.passed else 1

    def counts(self) -> dict[str, int]:
        new = self.new_items()
        return {
            "error": sum(1 for i in new if i.finding.severity is Severity.error),
            "warning": sum(1 for i in new if i.finding.severity is Severity.warning),
            "info": sum(1 for i in new if i.finding.severity is Severity.info),
            "accepted": sum(1 for i in self.items if i.accepted),
            "failing": len(self.failing()),
        }
