"""Render a Plan for people and machines: text tables, markdown, yaml, json."""

# ruff: noqa: E501  (user-facing messages stay on one line so they can be grepped)

from __future__ import annotations

import io
import json
from collections import Counter
from typing import Any

from llmgw_migrate.config.plan import Plan, ProviderKey, Target
from llmgw_migrate.config.text_table import render_table
from llmgw_migrate.findings import Finding, Severity, Status

FORMATS = ("text", "json", "yaml", "markdown")
_SEVERITY_ORDER = (Severity.error, Severity.warning, Severity.info)


def render(plan: Plan, fmt: str, *, width: int | None = None, color: bool = False) -> str:
    if fmt == "json":
        return plan.to_json()
    if fmt == "yaml":
        return render_yaml(plan)
    if fmt == "markdown":
        return render_markdown(plan)
    if fmt == "text":
        return render_text(plan, width=width, color=color)
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")


def _n(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def summary(plan: Plan) -> str:
    statuses = Counter(m.status.value for m in plan.models)
    sev = Counter(f.severity.value for f in plan.findings)
    blocking_count = sum(1 for f in plan.findings if f.status in (Status.manual, Status.unsupported))
    by_status = ", ".join(f"{statuses[s.value]} {s.value}" for s in Status if statuses.get(s.value))
    parts = [
        f"{_n(len(plan.models), 'model')} ({by_status or 'none'})",
        _n(len(plan.provider_keys), "provider key"),
        f"{_n(len(plan.findings), 'finding')} ({_n(sev.get('error', 0), 'error')}, {_n(sev.get('warning', 0), 'warning')}, {sev.get('info', 0)} info)",
    ]
    verdict = (
        "plan complete" if blocking_count == 0 else f"{blocking_count} need manual work or are unsupported"
    )
    return "; ".join(parts) + f": {verdict}"


def render_yaml(plan: Plan) -> str:
    from ruamel.yaml import YAML

    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.sort_base_mapping_type_on_output = False  # type: ignore[assignment]
    buf = io.StringIO()
    yaml.dump(json.loads(plan.model_dump_json()), buf)
    return buf.getvalue()


def key_label(k: ProviderKey) -> str:
    return f"custom: {k.name}" if k.provider == "custom" else k.provider


def _secret_source(k: ProviderKey) -> str:
    if k.env_var:
        return f"${k.env_var}"
    return "(enter by hand)"


def _options(k: ProviderKey) -> str:
    parts = [f"{a}={b}" for a, b in sorted(k.options.items())]
    if k.base_url:
        parts.insert(0, f"base URL {k.base_url}")
    return ", ".join(parts)


def render_text(plan: Plan, *, width: int | None = None, color: bool = False) -> str:
    """The plan as tables (plain text: a plan holds no markup; `color` is accepted for the CLI's sake)."""
    width = width or 120
    out = [
        f"Migration plan for {plan.source} (target {plan.target.value}, routing {plan.routing}, as of {plan.as_of})\n"
    ]
    rows = [
        [
            m.name + (f" (alias of {m.alias_of})" if m.alias_of else ""),
            m.gateway_model or "-",
            m.provider or "-",
            str(m.deployments),
            m.status.value,
        ]
        for m in plan.models
    ]
    out.append(
        render_table("Models", ("client name", "gateway model", "provider", "deploy", "status"), rows, width)
    )
    title = "Provider keys" + (
        " (add in the dashboard: Settings > Provider Keys)"
        if plan.target == Target.managed
        else " (self-hosted: LLM_* variables)"
    )
    third = "gateway variable" if plan.target != Target.managed else "options"
    rows = [
        [
            key_label(k),
            _secret_source(k),
            (k.gateway_env_var or "-") if plan.target != Target.managed else (_options(k) or "-"),
            ", ".join(k.models),
        ]
        for k in plan.provider_keys
    ]
    out.append(render_table(title, ("provider", "secret from", third, "used by"), rows, width))
    for sev in _SEVERITY_ORDER:
        items = [f for f in plan.findings if f.severity == sev]
        if not items:
            continue
        title = f"Findings: {sev.value} ({len(items)})"
        if max(len(f.location()) for f in items) > width // 2:
            # Long paths would wrap inside a table cell: one line per finding keeps file:line:col whole,
            # for grep and for editors that jump to it.
            out.append(title + "\n")
            out.extend(f"  {f.location()}: {f.code} [{f.status.value}] {f.message}\n" for f in items)
            continue
        rows = [[f.code, f.status.value, f.location(), f.message] for f in items]
        out.append(render_table(title, ("code", "status", "where", "message"), rows, width))
    out.append(summary(plan) + "\n")
    return "".join(out)


def _md(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_markdown(plan: Plan) -> str:
    out: list[str] = []
    out.append(f"## LLM Gateway migration plan: `{plan.source}`\n")
    out.append(
        f"Target **{plan.target.value}**, routing **{plan.routing}**, catalog dates as of {plan.as_of}.\n"
    )
    out.append(f"**Summary:** {summary(plan)}\n")
    out.append("### Models\n")
    out.append("| client name | gateway model | provider | deployments | status |")
    out.append("|---|---|---|---|---|")
    for m in plan.models:
        name = f"`{_md(m.name)}`" + (f" (alias of `{_md(m.alias_of)}`)" if m.alias_of else "")
        gm = f"`{_md(m.gateway_model)}`" if m.gateway_model else "-"
        out.append(f"| {name} | {gm} | {_md(m.provider or '-')} | {m.deployments} | {m.status.value} |")
    out.append("")
    out.append("### Provider keys\n")
    for k in plan.provider_keys:
        line = (
            f"- [ ] **{_md(key_label(k))}**: secret from `{k.env_var}`"
            if k.env_var
            else f"- [ ] **{_md(key_label(k))}**: secret to enter by hand"
        )
        opts = _options(k)
        if opts:
            line += f"; {_md(opts)}"
        if plan.target != Target.managed and k.gateway_env_var:
            line += f"; self-hosted variable `{k.gateway_env_var}`"
        line += f" (used by {', '.join(f'`{_md(n)}`' for n in k.models)})"
        out.append(line)
    out.append("")
    if plan.fallbacks:
        out.append("### Fallbacks\n")
        for c in plan.fallbacks:
            out.append(f"- {c.kind}: `{_md(c.model)}` -> " + " -> ".join(f"`{_md(x)}`" for x in c.fallbacks))
        out.append("")
    out.append("### Findings\n")
    if not plan.findings:
        out.append("None.")
    for sev in _SEVERITY_ORDER:
        items = [f for f in plan.findings if f.severity == sev]
        if not items:
            continue
        out.append(
            f"<details{' open' if sev != Severity.info else ''}><summary>{sev.value} ({len(items)})</summary>\n"
        )
        out.append("| code | status | where | message |")
        out.append("|---|---|---|---|")
        for f in items:
            out.append(f"| {f.code} | {f.status.value} | `{_md(f.location())}` | {_md(f.message)} |")
        out.append("\n</details>\n")
    return "\n".join(out).rstrip() + "\n"


def blocking(findings: list[Finding], strict: bool = False) -> bool:
    """Does the plan need work? manual/unsupported findings, or (strict) any warning or error."""
    for f in findings:
        if f.status in (Status.manual, Status.unsupported):
            return True
        if strict and f.severity in (Severity.warning, Severity.error):
            return True
    return False
