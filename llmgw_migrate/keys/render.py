"""Render a keys plan: json (what `keys apply` reads), yaml, markdown (for review) or csv (one row a key)."""

# ruff: noqa: E501  (table rows stay on one line)

from __future__ import annotations

import csv
import io
from typing import Any

from llmgw_migrate.keys.plan_model import KeyPlan, KeysPlan

FORMATS = ("json", "yaml", "markdown", "csv")


def render(plan: KeysPlan, fmt: str) -> str:
    if fmt == "json":
        return plan.to_json()
    if fmt == "yaml":
        return _yaml(plan.to_dict())
    if fmt == "markdown":
        return markdown(plan)
    if fmt == "csv":
        return keys_csv(plan)
    raise ValueError(fmt)


def _yaml(data: dict[str, Any]) -> str:
    import yaml

    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return str(yaml.dump(data, Dumper=dumper, sort_keys=False, allow_unicode=True, width=110))


def rules_text(key: KeyPlan) -> str:
    parts = []
    for rule in key.iam_rules:
        values: list[str] = next(iter(rule.rule_value.values()), [])
        parts.append(f"{rule.rule_type}: {', '.join(values) if values else '(none)'}")
    return "; ".join(parts)


def limit_text(key: KeyPlan) -> str:
    parts = []
    if key.usage_limit is not None:
        parts.append(f"${key.usage_limit} total")
    if key.period_usage_limit is not None:
        parts.append(
            f"${key.period_usage_limit} per {key.period_usage_duration_value} {key.period_usage_duration_unit}"
        )
    return ", ".join(parts)


def _cell(text: Any) -> str:
    return str(text if text is not None else "").replace("|", "\\|").replace("\n", " ")


def markdown(plan: KeysPlan) -> str:
    out = io.StringIO()
    w = out.write
    w(f"# Keys plan: {plan.source}\n\n")
    w(f"{len(plan.projects)} projects, {len(plan.keys)} API keys, {len(plan.skipped)} skipped keys, ")
    w(f"{len(plan.findings)} findings (LiteLLM {plan.litellm_version}).\n\n")
    by_project: dict[str, list[KeyPlan]] = {}
    for key in plan.keys:
        by_project.setdefault(key.project, []).append(key)
    for project in plan.projects:
        team = f" (team `{project.team_id}`)" if project.team_id else ""
        w(f"## Project {_cell(project.name)}{team}: {project.status}\n\n")
        keys = by_project.get(project.ref, [])
        if not keys:
            w("No keys.\n\n")
            continue
        w(
            "| Key | Old key | Status | Limits | IAM rules | Expires | Findings |\n|---|---|---|---|---|---|---|\n"
        )
        for k in keys:
            w(
                f"| {_cell(k.description)} | `{k.key_id}` {_cell(k.old_key_name)} | {k.status} | "
                f"{_cell(limit_text(k))} | {_cell(rules_text(k))} | {k.expires_at or ''} | "
                f"{', '.join(k.findings)} |\n"
            )
        w("\n")
    if plan.skipped:
        w("## Skipped keys\n\n| Key | Alias | Team | Reason |\n|---|---|---|---|\n")
        for s in plan.skipped:
            w(f"| `{s.key_id}` | {_cell(s.alias)} | {_cell(s.team_id)} | {s.reason} |\n")
        w("\n")
    if plan.findings:
        w("## Findings\n\n| Code | Severity | Status | Message |\n|---|---|---|---|\n")
        for f in plan.findings:
            w(f"| {f.code} | {f.severity.value} | {f.status.value} | {_cell(f.message)} |\n")
    return out.getvalue()


_CSV_COLUMNS = [
    "ref", "key_id", "description", "project", "status", "usage_limit", "period_usage_limit",
    "period_usage_duration_value", "period_usage_duration_unit", "expires_at", "iam_rules", "alias",
    "old_key_name", "user_id", "team_id", "findings",
]  # fmt: skip


def keys_csv(plan: KeysPlan) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(_CSV_COLUMNS)
    for k in plan.keys:
        writer.writerow(
            [
                k.ref, k.key_id, k.description, k.project, k.status, k.usage_limit, k.period_usage_limit,
                k.period_usage_duration_value, k.period_usage_duration_unit, k.expires_at, rules_text(k),
                k.alias, k.old_key_name, k.user_id, k.team_id, " ".join(k.findings),
            ]
        )  # fmt: skip
    return out.getvalue()
