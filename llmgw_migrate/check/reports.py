"""Render a CheckResult: text, json, sarif, github (annotations), junit and markdown.

text, sarif and github reuse `llmgw_migrate.finding_formats` (the renderers `code` uses) for the
findings and add check's own framing: a per-step summary, SARIF fingerprints. json, junit and markdown
describe the whole run (steps, baseline), so they are built here.
"""

from __future__ import annotations

import dataclasses
import json
import re
import xml.etree.ElementTree as ET
from typing import Any

from llmgw_migrate.check.result import CheckResult, Item, Section, severity_fails
from llmgw_migrate.findings import Finding

FORMATS = ("text", "json", "sarif", "github", "junit", "markdown")
FINGERPRINT_KEY = "llmgwMigrateFingerprint/v1"
MARKDOWN_MAX_ROWS = 200

# XML 1.0 forbids most control characters; a message carrying one would make the report unreadable.
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def render(result: CheckResult, fmt: str) -> str:
    if fmt == "text":
        return render_text(result)
    if fmt == "json":
        return render_json(result)
    if fmt == "sarif":
        return render_sarif(result)
    if fmt == "github":
        return render_github(result)
    if fmt == "junit":
        return render_junit(result)
    if fmt == "markdown":
        return render_markdown(result)
    raise ValueError(f"unknown report format {fmt!r}; choose one of {', '.join(FORMATS)}")


def _findings(items: list[Item]) -> list[Finding]:
    return [i.finding for i in items]


def _plural(n: int, word: str) -> str:
    from llmgw_migrate.text import plural

    return plural(n, word)


def _severity_counts(items: list[Item]) -> str:
    parts = []
    for sev in ("error", "warning", "info"):
        n = sum(1 for i in items if i.finding.severity.value == sev)
        if n:
            parts.append(_plural(n, sev))
    return ", ".join(parts) if parts else "no findings"


def section_line(result: CheckResult, section: Section) -> str:
    if not section.ran:
        return f"{section.name}: not run" + (f" ({section.detail})" if section.detail else "")
    items = [i for i in result.new_items() if i.section == section.name]
    accepted = sum(1 for i in result.items if i.section == section.name and i.accepted)
    status = "failed" if result.section_failed(section.name) else "passed"
    extra = f", {accepted} accepted by baseline" if accepted else ""
    detail = f"{section.detail}; " if section.detail else ""
    return f"{section.name}: {status}: {detail}{_severity_counts(items)}{extra} ({section.seconds:.2f} s)"


def verdict(result: CheckResult) -> str:
    if result.baseline_written:
        n = sum(1 for i in result.items if i.accepted)
        return f"baseline written to {result.baseline}: {_plural(n, 'finding')} accepted"
    failing = len(result.failing())
    if failing:
        return f"check failed: {_plural(failing, 'finding')} at or above --fail-on {result.fail_on}"
    return f"check passed (fail-on {result.fail_on})"


def render_text(result: CheckResult) -> str:
    from llmgw_migrate import finding_formats

    out = []
    new = _findings(result.new_items())
    if new:
        body = finding_formats.render(new, "text")
        out.append(body.rstrip("\n"))
        out.append("")
    for section in result.sections:
        out.append(section_line(result, section))
    out.append(verdict(result))
    return "\n".join(out) + "\n"


def render_github(result: CheckResult) -> str:
    """Workflow-command annotations for every new finding, then one summary line."""
    from llmgw_migrate import finding_formats

    new = _findings(result.new_items())
    body = finding_formats.render(new, "github").rstrip("\n") if new else ""
    tail = verdict(result)
    # The summary goes out as a notice/error without a file so it shows on the run page.
    level = "notice" if result.passed else "error"
    lines = [body] if body else []
    lines.append(f"::{level} title=llmgw-migrate check::{_gh_escape(tail)}")
    return "\n".join(lines) + "\n"


def _gh_escape(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def render_sarif(result: CheckResult) -> str:
    """SARIF 2.1.0 for code scanning, with a line-shift-proof fingerprint on every result."""
    from llmgw_migrate import finding_formats

    new = result.new_items()
    doc = json.loads(finding_formats.render(_findings(new), "sarif"))
    runs = doc.get("runs") or []
    if runs:
        results = runs[0].get("results") or []
        # Pair results with items by what they say, not by position: the renderer may sort.
        pending: dict[tuple[Any, ...], list[str]] = {}
        for item in new:
            pending.setdefault(_sarif_key_of_finding(item.finding), []).append(item.fingerprint)
        for res in results:
            fps = pending.get(_sarif_key_of_result(res))
            if fps:
                res.setdefault("partialFingerprints", {})[FINGERPRINT_KEY] = fps.pop(0)
            if not res.get("locations") and result.anchor:
                # Code scanning needs a location on every result: a verify finding belongs to the plan.
                res["locations"] = [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": result.anchor.replace("\\", "/")},
                            "region": {"startLine": 1, "startColumn": 1},
                        }
                    }
                ]
        props = runs[0].setdefault("properties", {})
        props["llmgwMigrate"] = {
            "passed": result.passed,
            "failOn": result.fail_on,
            "acceptedByBaseline": sum(1 for i in result.items if i.accepted),
        }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _norm_uri(uri: str) -> str:
    uri = uri.replace("\\", "/")
    if uri.startswith("file://"):
        uri = uri[len("file://") :]
    return uri.removeprefix("./")


def _sarif_key_of_finding(f: Finding) -> tuple[Any, ...]:
    file = _norm_uri(f.file) if f.file else None
    return (f.code, file.rsplit("/", 1)[-1] if file else None, f.line or (1 if f.file else None))


def _sarif_key_of_result(res: dict[str, Any]) -> tuple[Any, ...]:
    uri = None
    line = None
    locs = res.get("locations") or []
    if locs:
        phys = locs[0].get("physicalLocation") or {}
        raw = (phys.get("artifactLocation") or {}).get("uri")
        if raw:
            uri = _norm_uri(raw).rsplit("/", 1)[-1]
        line = (phys.get("region") or {}).get("startLine")
    return (res.get("ruleId"), uri, line if uri else None)


def render_json(result: CheckResult) -> str:
    """The versioned JSON report (shape and JSON Schema: check/report_model.py)."""
    from llmgw_migrate.check.report_model import (
        CheckReportOut,
        CountsOut,
        FindingOut,
        SectionOut,
        StaleEntryOut,
    )

    report = CheckReportOut(
        passed=result.passed,
        exit_code=result.exit_code,
        fail_on=result.fail_on,  # type: ignore[arg-type]
        baseline=result.baseline,
        counts=CountsOut(**result.counts()),
        sections=[
            SectionOut(
                name=s.name,  # type: ignore[arg-type]
                title=s.title,
                ran=s.ran,
                passed=s.ran and not result.section_failed(s.name),
                detail=s.detail,
                seconds=round(s.seconds, 3),
                stats=s.stats,
            )
            for s in result.sections
        ],
        findings=[
            FindingOut(
                **dataclasses.asdict(i.finding),
                section=i.section,  # type: ignore[arg-type]
                fingerprint=i.fingerprint,
                accepted=i.accepted,
                fails=not i.accepted and severity_fails(i.finding.severity, result.fail_on),
            )
            for i in result.items
        ],
        stale_baseline_entries=[
            StaleEntryOut(
                fingerprint=s.fingerprint, code=s.code, file=s.file, message=s.message, count=s.count
            )
            for s in result.stale
        ],
    )
    return json.dumps(report.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"


def _xml_text(text: str) -> str:
    return _XML_BAD.sub("\ufffd", text)


def _finding_line(f: Finding) -> str:
    where = f.location()
    prefix = f"{where}: " if where else ""
    line = f"{prefix}{f.code} [{f.severity.value}] {f.message}"
    if f.fix:
        line += f"\n    fix: {f.fix}"
    return line


def render_junit(result: CheckResult) -> str:
    """One test suite per step, one test case per file: failed when it holds a finding that fails."""
    root = ET.Element("testsuites", name="llmgw-migrate check")
    total_tests = total_failures = total_skipped = 0
    total_time = 0.0
    for section in result.sections:
        suite = ET.SubElement(root, "testsuite", name=f"llmgw-migrate.{section.name}")
        tests = failures = skipped = 0
        if not section.ran:
            case = ET.SubElement(
                suite, "testcase", classname=f"llmgw-migrate.{section.name}", name=section.name
            )
            ET.SubElement(case, "skipped", message=_xml_text(section.detail or "not requested"))
            tests, skipped = 1, 1
        else:
            by_file: dict[str, list[Item]] = {}
            for item in result.items:
                if item.section == section.name:
                    by_file.setdefault(item.finding.file or "(no file)", []).append(item)
            if not by_file:
                ET.SubElement(
                    suite,
                    "testcase",
                    classname=f"llmgw-migrate.{section.name}",
                    name=_xml_text(section.detail or section.name),
                    time=f"{section.seconds:.3f}",
                )
                tests = 1
            for file, items in sorted(by_file.items()):
                case = ET.SubElement(
                    suite, "testcase", classname=f"llmgw-migrate.{section.name}", name=_xml_text(file)
                )
                tests += 1
                bad = [
                    i for i in items if not i.accepted and severity_fails(i.finding.severity, result.fail_on)
                ]
                rest = [i for i in items if i not in bad]
                if bad:
                    failures += 1
                    first = bad[0].finding
                    fail = ET.SubElement(
                        case,
                        "failure",
                        type=first.code,
                        message=_xml_text(f"{_plural(len(bad), 'finding')}: {first.code} {first.message}"),
                    )
                    fail.text = _xml_text("\n".join(_finding_line(i.finding) for i in bad))
                if rest:
                    out = ET.SubElement(case, "system-out")
                    out.text = _xml_text(
                        "\n".join(
                            _finding_line(i.finding) + (" (accepted by baseline)" if i.accepted else "")
                            for i in rest
                        )
                    )
        suite.set("tests", str(tests))
        suite.set("failures", str(failures))
        suite.set("errors", "0")
        suite.set("skipped", str(skipped))
        suite.set("time", f"{section.seconds:.3f}")
        total_tests += tests
        total_failures += failures
        total_skipped += skipped
        total_time += section.seconds
    root.set("tests", str(total_tests))
    root.set("failures", str(total_failures))
    root.set("errors", "0")
    root.set("skipped", str(total_skipped))
    root.set("time", f"{total_time:.3f}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _md(text: str) -> str:
    """Text for one Markdown table cell: one line, no column breaks, no raw HTML. Code spans stay."""
    text = " ".join(text.split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("|", "\\|")


def render_markdown(result: CheckResult) -> str:
    """The job summary: verdict, one row per step, then the findings that need attention."""
    icon = "✅" if result.passed else "❌"
    out = [f"## {icon} llmgw-migrate check", "", _md(verdict(result)), ""]
    out += ["| step | result | findings | time |", "|---|---|---|---|"]
    for s in result.sections:
        if not s.ran:
            out.append(f"| {s.title} | ⏭️ not run | {_md(s.detail)} | |")
            continue
        items = [i for i in result.new_items() if i.section == s.name]
        status = "❌ failed" if result.section_failed(s.name) else "✅ passed"
        accepted = sum(1 for i in result.items if i.section == s.name and i.accepted)
        found = _severity_counts(items) + (f", {accepted} accepted by baseline" if accepted else "")
        detail = f"{_md(s.detail)}; " if s.detail else ""
        out.append(f"| {s.title} | {status} | {detail}{_md(found)} | {s.seconds:.2f} s |")
    new = sorted(result.new_items(), key=lambda i: (not severity_fails(i.finding.severity, result.fail_on),))
    if new:
        out += ["", f"### Findings ({len(new)})", ""]
        out += ["| | code | location | message |", "|---|---|---|---|"]
        marks = {"error": "🔴", "warning": "🟠", "info": "🔵"}
        for item in new[:MARKDOWN_MAX_ROWS]:
            f = item.finding
            where = "`" + f.location().replace("`", "").replace("|", "\\|") + "`" if f.file else ""
            out.append(f"| {marks[f.severity.value]} | {f.code} | {where} | {_md(f.message)} |")
        if len(new) > MARKDOWN_MAX_ROWS:
            out += ["", f"… and {len(new) - MARKDOWN_MAX_ROWS} more (see the JSON or SARIF report)."]
    if result.stale:
        n = sum(s.count for s in result.stale)
        out += [
            "",
            f"{n} baseline {'entry' if n == 1 else 'entries'} matched nothing: "
            "run `llmgw-migrate check --update-baseline` to drop them.",
        ]
    return "\n".join(out) + "\n"
