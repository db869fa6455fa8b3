"""Render findings for people and machines: text, json, sarif (2.1.0) and GitHub workflow commands.

Shared by every command that reports findings. The JSON shape is versioned (`schema_version`); SARIF
carries each code's title/why/fix from the registry as the rule's description and help.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from llmgw_migrate import __version__
from llmgw_migrate.findings import Finding, Severity, registry

FORMATS = ("text", "json", "sarif", "github")
JSON_SCHEMA_VERSION = 1
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFO_URI = "https://github.com/llmgateway/llmgw-migrate"

_SARIF_LEVEL = {Severity.error: "error", Severity.warning: "warning", Severity.info: "note"}
_GITHUB_LEVEL = {Severity.error: "error", Severity.warning: "warning", Severity.info: "notice"}


def render(
    findings: Sequence[Finding],
    fmt: str,
    *,
    summary: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
) -> str:
    """`findings` as `fmt` (text|json|sarif|github); ends with a newline unless empty (text, github)."""
    ordered = sorted(findings, key=Finding.sort_key)
    if fmt == "text":
        return "".join(render_text_line(f) + "\n" for f in ordered)
    if fmt == "json":
        return render_json(ordered, summary=summary, extra=extra)
    if fmt == "sarif":
        return render_sarif(ordered)
    if fmt == "github":
        return "".join(render_github_line(f) + "\n" for f in ordered)
    raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")


def render_text_line(f: Finding) -> str:
    where = f.location() or "-"
    return f"{where}: {f.code} [{f.severity.value}] {f.message}"


def render_json(
    findings: Sequence[Finding], *, summary: dict[str, Any] | None = None, extra: dict[str, Any] | None = None
) -> str:
    counts = {s.value: 0 for s in Severity}
    for f in findings:
        counts[f.severity.value] += 1
    doc: dict[str, Any] = {
        "schema_version": JSON_SCHEMA_VERSION,
        "tool": {"name": "llmgw-migrate", "version": __version__},
        "summary": {**(summary or {}), "findings": len(findings), "by_severity": counts},
        "findings": [f.to_dict() for f in findings],
    }
    if extra:
        doc.update(extra)
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def render_sarif(findings: Sequence[Finding]) -> str:
    reg = registry()
    used = sorted({f.code for f in findings})
    rules = []
    for code in used:
        info = reg.get(code)
        rule: dict[str, Any] = {"id": code}
        if info is not None:
            rule.update(
                {
                    "name": _camel(info.name),
                    "shortDescription": {"text": info.title},
                    "fullDescription": {"text": info.why},
                    "help": {"text": info.fix},
                    "defaultConfiguration": {"level": _SARIF_LEVEL[info.severity]},
                    "properties": {"status": info.status.value, "family": info.family},
                }
            )
        rules.append(rule)
    index = {code: i for i, code in enumerate(used)}
    results = []
    for f in findings:
        result: dict[str, Any] = {
            "ruleId": f.code,
            "ruleIndex": index[f.code],
            "level": _SARIF_LEVEL[f.severity],
            "message": {"text": f.message + (f"\nFix: {f.fix}" if f.fix else "")},
            "properties": {"status": f.status.value},
        }
        if f.file:
            result["locations"] = [_sarif_location(f.file, f.line, f.column)]
        related = _related_locations(f)
        if related:
            result["relatedLocations"] = related
        results.append(result)
    doc = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "llmgw-migrate",
                        "version": __version__,
                        "informationUri": INFO_URI,
                        "rules": rules,
                    }
                },
                "results": results,
            }
        ],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _sarif_location(file: str, line: int | None, column: int | None) -> dict[str, Any]:
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": file.replace("\\", "/")},
            "region": {"startLine": line or 1, "startColumn": column or 1},
        }
    }


def _related_locations(f: Finding) -> list[dict[str, Any]]:
    """A merged finding's other places (SARIF 2.1.0 §3.27.22): `locations` keeps the one primary place
    (viewers such as GitHub code scanning show one), each further deployment is a related location with
    an id unique in the result and a message naming its model_name and LiteLLM model."""
    out: list[dict[str, Any]] = []
    primary = (f.file, f.line, f.column)
    for loc in f.locations:
        if not loc.file or (loc.file, loc.line, loc.column) == primary:
            continue
        related = _sarif_location(loc.file, loc.line, loc.column)
        related["id"] = len(out) + 1
        named = [
            f"{what} `{value}`"
            for what, value in (("model_name", loc.model), ("LiteLLM model", loc.litellm_model))
            if value
        ]
        if named:
            related["message"] = {"text": ", ".join(named)}
        out.append(related)
    return out


def _camel(name: str) -> str:
    parts = name.replace("_", "-").split("-")
    return parts[0] + "".join(p.title() for p in parts[1:])


def _escape_data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(s: str) -> str:
    return _escape_data(s).replace(":", "%3A").replace(",", "%2C")


def render_github_line(f: Finding) -> str:
    """A GitHub Actions workflow command: `::warning file=F,line=L,col=C,title=CODE::message`."""
    props = []
    if f.file:
        props.append(f"file={_escape_property(f.file)}")
        props.append(f"line={f.line or 1}")
        props.append(f"col={f.column or 1}")
    props.append(f"title={_escape_property(f.code)}")
    return f"::{_GITHUB_LEVEL[f.severity]} {','.join(props)}::{_escape_data(f.message)}"
