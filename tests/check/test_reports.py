"""Every report format of `check`, from a hand-built result: structure, counts, escaping, fingerprints."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from llmgw_migrate.check import reports
from llmgw_migrate.check.result import CheckResult, Item, Section, StaleEntry
from llmgw_migrate.findings import Severity, make


def _result(fail_on: str = "warning") -> CheckResult:
    items = [
        Item(
            make(
                "LGM200",
                "`code --write` would change `a` to `b`",
                file="src/app.py",
                line=3,
                column=1,
                severity=Severity.error,
            ),
            "code",
            "fp-1",
        ),
        Item(
            make(
                "LGM601",
                "pipe | and <xml> & \x07bell",
                file="src/app.py",
                line=9,
                column=1,
                severity=Severity.warning,
            ),
            "code",
            "fp-2",
        ),
        Item(make("LGM601", "just so you know", file="src/other.py", line=1), "code", "fp-3"),
        Item(make("LGM602", "accepted one", file="src/app.py", line=20), "code", "fp-4", accepted=True),
    ]
    return CheckResult(
        sections=[
            Section("config", ran=False, detail="no --config or --plan given"),
            Section("code", detail="12 files scanned, 1 would change", seconds=0.25),
            Section("verify", ran=False, detail="not requested (--verify)"),
        ],
        items=items,
        fail_on=fail_on,
        baseline="baseline.json",
        stale=[StaleEntry("fp-9", "LGM200", "gone.py", "old", 2)],
    )


def test_exit_code_follows_fail_on() -> None:
    assert _result("warning").exit_code == 1
    assert len(_result("warning").failing()) == 2
    assert len(_result("error").failing()) == 1
    assert len(_result("info").failing()) == 3
    assert _result("never").exit_code == 0


def test_text_lists_new_findings_then_steps_and_verdict() -> None:
    out = reports.render(_result(), "text")
    lines = out.splitlines()
    assert lines[0].startswith("src/app.py:3:1: LGM200 [error]")
    assert "accepted one" not in out
    assert "config: not run (no --config or --plan given)" in lines
    assert (
        "code: failed: 12 files scanned, 1 would change; "
        "1 error, 1 warning, 1 info, 1 accepted by baseline (0.25 s)" in lines
    )
    assert lines[-1] == "check failed: 2 findings at or above --fail-on warning"


def test_json_report_has_every_finding_with_fingerprint() -> None:
    data = json.loads(reports.render(_result(), "json"))
    assert data["schema_version"] == 1
    assert data["passed"] is False and data["exit_code"] == 1
    assert data["counts"] == {"error": 1, "warning": 1, "info": 1, "accepted": 1, "failing": 2}
    assert [f["fingerprint"] for f in data["findings"]] == ["fp-1", "fp-2", "fp-3", "fp-4"]
    assert [f["fails"] for f in data["findings"]] == [True, True, False, False]
    assert data["findings"][3]["accepted"] is True
    assert [s["name"] for s in data["sections"]] == ["config", "code", "verify"]
    assert data["sections"][1]["passed"] is False
    assert data["stale_baseline_entries"][0]["count"] == 2


def test_sarif_results_carry_fingerprints() -> None:
    doc = json.loads(reports.render(_result(), "sarif"))
    assert doc["version"] == "2.1.0"
    run = doc["runs"][0]
    results = run["results"]
    assert len(results) == 3  # the accepted finding is not a result
    fps = sorted(r["partialFingerprints"][reports.FINGERPRINT_KEY] for r in results)
    assert fps == ["fp-1", "fp-2", "fp-3"]
    rule_ids = {r["id"] for r in run["tool"]["driver"]["rules"]}
    assert rule_ids == {"LGM200", "LGM601"}
    assert run["properties"]["llmgwMigrate"] == {
        "passed": False,
        "failOn": "warning",
        "acceptedByBaseline": 1,
    }


def test_github_annotations_and_summary_line() -> None:
    out = reports.render(_result(), "github").splitlines()
    assert out[0].startswith("::error file=src/app.py,line=3,col=1")
    assert any(line.startswith("::warning file=src/app.py,line=9") for line in out)
    assert (
        out[-1] == "::error title=llmgw-migrate check::check failed: 2 findings at or above --fail-on warning"
    )
    ok = reports.render(_result("never"), "github").splitlines()
    assert ok[-1].startswith("::notice title=llmgw-migrate check::check passed")


def test_junit_is_valid_xml_with_a_case_per_file() -> None:
    text = reports.render(_result(), "junit")
    root = ET.fromstring(text.encode("utf-8"))
    assert root.tag == "testsuites"
    assert root.get("tests") == "4" and root.get("failures") == "1" and root.get("skipped") == "2"
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert set(suites) == {"llmgw-migrate.config", "llmgw-migrate.code", "llmgw-migrate.verify"}
    code = suites["llmgw-migrate.code"]
    cases = {c.get("name"): c for c in code.findall("testcase")}
    assert set(cases) == {"src/app.py", "src/other.py"}
    failure = cases["src/app.py"].find("failure")
    assert failure is not None and failure.get("type") == "LGM200"
    assert "pipe | and <xml> &" in (failure.text or "")
    assert "\x07" not in text
    assert "accepted by baseline" in (cases["src/app.py"].findtext("system-out") or "")
    assert cases["src/other.py"].find("failure") is None
    assert suites["llmgw-migrate.config"].find("testcase/skipped") is not None


def test_junit_clean_section_has_a_passing_case() -> None:
    result = CheckResult(sections=[Section("code", detail="3 files scanned, 0 would change")], items=[])
    root = ET.fromstring(reports.render(result, "junit"))
    (case,) = root.iter("testcase")
    assert case.get("name") == "3 files scanned, 0 would change"
    assert list(case) == []


def test_markdown_summary_escapes_cells() -> None:
    md = reports.render(_result(), "markdown")
    assert md.startswith("## ❌ llmgw-migrate check\n")
    assert "| Code | ❌ failed |" in md
    assert "| Config conversion | ⏭️ not run |" in md
    assert "pipe \\| and &lt;xml&gt; &amp; " in md
    assert "`src/app.py:3:1`" in md
    assert "2 baseline entries matched nothing" in md
    # Every table row keeps its column count despite the pipe in a message.
    for line in md.splitlines():
        if line.startswith("| 🔴") or line.startswith("| 🟠"):
            assert line.replace("\\|", "").count("|") == 5


def test_markdown_caps_rows() -> None:
    items = [Item(make("LGM602", f"m{i}", file="a.py", line=i), "code", f"f{i}") for i in range(1, 260)]
    result = CheckResult(sections=[Section("code")], items=items)
    md = reports.render(result, "markdown")
    assert md.count("| 🔴 |") == reports.MARKDOWN_MAX_ROWS
    assert "and 59 more" in md


def test_passing_markdown() -> None:
    result = CheckResult(sections=[Section("code", detail="3 files scanned, 0 would change")], items=[])
    md = reports.render(result, "markdown")
    assert md.startswith("## ✅ llmgw-migrate check")
    assert "Findings" not in md


def test_unknown_format() -> None:
    with pytest.raises(ValueError, match="unknown report format"):
        reports.render(_result(), "yaml")


def test_json_report_matches_its_schema_model() -> None:
    from llmgw_migrate.check.report_model import CheckReportOut, report_json_schema

    data = json.loads(reports.render(_result(), "json"))
    assert CheckReportOut.model_validate(data).model_dump(mode="json") == data
    schema = report_json_schema()
    assert schema["$id"].endswith("check-report-v1.json")
    assert set(schema["required"]) >= {"passed", "exit_code", "fail_on", "counts", "sections", "findings"}
    finding_props = schema["$defs"]["FindingOut"]["properties"]
    assert {"fingerprint", "accepted", "fails", "section"} <= set(finding_props)


def test_sarif_gives_fileless_findings_the_plan_as_location() -> None:
    items = [Item(make("LGM602", "verify could not run: boom"), "verify", "fp-v")]
    result = CheckResult(sections=[Section("verify")], items=items, anchor="ops/plan.json")
    (res,) = json.loads(reports.render(result, "sarif"))["runs"][0]["results"]
    loc = res["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == "ops/plan.json" and loc["region"]["startLine"] == 1
    assert res["partialFingerprints"][reports.FINGERPRINT_KEY] == "fp-v"
