"""Report renderings: JSON (and its documented schema), JUnit, Markdown, HTML, terminal text."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from xml.etree import ElementTree as ET

import pytest

from llmgw_migrate.verify.report import (
    DifferenceOut,
    ResultOut,
    SideOut,
    VerifyReport,
    exit_code,
    mask_url,
    redact,
    render,
    render_html,
    render_junit,
    render_markdown,
    render_text,
    report_json_schema,
    summarize,
)
from tests.conftest import ROOT


def result(i: int, status: str = "pass", **kw: object) -> ResultOut:
    diffs = kw.pop("differences", [])
    return ResultOut(
        id=f"case-{i}",
        model="fast" if i % 2 else "embed",
        gateway_model="openai/gpt-4o-mini",
        kind="chat",
        endpoint="/v1/chat/completions",
        source="builtin",
        status=status,  # type: ignore[arg-type]
        differences=diffs,  # type: ignore[arg-type]
        before=SideOut(status=200, latency_ms=20.0 + i, attempts=1, cost_usd="0.0001"),
        after=SideOut(status=200, latency_ms=10.0 + i, attempts=1, cost_usd="0.0002"),
        **kw,  # type: ignore[arg-type]
    )


def report(results: list[ResultOut], **kw: object) -> VerifyReport:
    return VerifyReport(
        created_at="2026-11-25T12:00:00Z",
        before="http://localhost:4000",
        after="embedded",
        plan="plan.json",
        summary=summarize(results, cost_before=Decimal("0.0003"), cost_after=Decimal("0.0004"), **kw),  # type: ignore[arg-type]
        results=results,
    )


DIFF = DifferenceOut(
    path="choices[0].message.tool_calls[0].function.arguments.city",
    before="Lisbon",
    after="<Porto & co>",
    check="tool_arguments",
)


@pytest.fixture
def mixed() -> VerifyReport:
    return report(
        [
            result(1),
            result(2, "differ", differences=[DIFF]),
            result(3, "error", error="after: ConnectError: refused"),
        ]
    )


def test_summary_and_exit_codes(mixed: VerifyReport) -> None:
    s = mixed.summary
    assert (s.total, s.pass_, s.differ, s.error, s.parity) == (3, 1, 1, 1, False)
    assert s.latency_ms["before"].p50 == 22.0 and s.latency_ms["after"].p95 == 13.0
    assert exit_code(s) == 1
    assert exit_code(report([result(1)]).summary) == 0
    assert exit_code(report([result(1), result(2, "error", error="x")]).summary) == 2
    assert exit_code(report([]).summary) == 2
    interrupted = report([result(1)], not_run=3, stopped="interrupted").summary
    assert not interrupted.parity and exit_code(interrupted) == 2
    budget = report([result(1)], not_run=3, stopped="budget: max-requests").summary
    assert exit_code(budget) == 2 and not budget.parity


def test_json_has_the_issue_shape_and_round_trips(mixed: VerifyReport) -> None:
    data = json.loads(render(mixed, "json"))
    assert {"total", "pass", "differ", "error"} <= set(data["summary"])
    r = data["results"][1]
    assert {"id", "model", "status", "differences"} <= set(r)
    assert r["differences"][0]["path"] == DIFF.path
    assert {"path", "before", "after"} <= set(r["differences"][0])
    assert VerifyReport.model_validate(data).summary.pass_ == 1


def test_documented_schema_is_current() -> None:
    doc = (ROOT / "docs" / "verify-json.md").read_text(encoding="utf-8")
    block = re.search(r"## JSON Schema\n\n```json\n(.*?)\n```", doc, re.S)
    assert block, "docs/verify-json.md lost its JSON Schema block"
    assert json.loads(block.group(1)) == report_json_schema(), (
        "regenerate the block with `llmgw-migrate verify --schema`"
    )


def test_schema_requires_the_issue_fields() -> None:
    schema = report_json_schema()
    summary = schema["$defs"]["SummaryOut"]
    assert {"total", "pass", "differ", "error"} <= set(summary["required"])
    res = schema["$defs"]["ResultOut"]
    assert {"id", "model", "status"} <= set(res["required"])
    assert res["properties"]["status"]["enum"] == ["pass", "differ", "error"]


def test_junit(mixed: VerifyReport) -> None:
    root = ET.fromstring(render_junit(mixed))
    assert root.tag == "testsuite"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("3", "1", "1")
    cases = root.findall("testcase")
    assert [c.get("name") for c in cases] == ["case-1", "case-2", "case-3"]
    failure = cases[1].find("failure")
    assert failure is not None and DIFF.path in (failure.get("message") or "")
    assert cases[2].find("error") is not None


def test_junit_lists_cases_not_run() -> None:
    root = ET.fromstring(render_junit(report([result(1)], not_run=4, stopped="budget: max-cost")))
    assert root.get("skipped") == "4"
    assert root.findall("testcase")[-1].find("skipped") is not None


def test_markdown(mixed: VerifyReport) -> None:
    md = render_markdown(mixed)
    assert md.startswith("## ❌ llmgw-migrate verify: differences")
    assert "| 3 | 1 | 1 | 1 | 0 |" in md
    assert f"`{DIFF.path}`" in md and "after: ConnectError" in md


def test_html_is_self_contained_and_escaped(mixed: VerifyReport) -> None:
    page = render_html(mixed)
    assert page.startswith("<!DOCTYPE html>")
    assert page.count("<svg") == 4  # p50, p95, cost, latency scatter
    assert "<script" not in page
    assert not re.search(r"""(src|href)=["']?https?:""", page)
    assert "&lt;Porto &amp; co&gt;" in page and "<Porto" not in page
    assert "before (LiteLLM)" in page and "p50 latency per model" in page


def test_text(mixed: VerifyReport) -> None:
    text = render_text(mixed)
    assert "DIFFERENCES: 3 compared, 1 pass, 1 differ, 1 error" in text
    assert "case-2" in text and "Lisbon" in text
    assert "PARITY: 1 compared" in render_text(report([result(1)]))


def test_redact_and_mask() -> None:
    assert redact("key sk-abcdef123456 here", ["sk-abcdef123456", None, ""]) == "key sk-*** here"
    assert mask_url("https://user:pw@host.example:8443/v1?key=abc") == "https://***@host.example:8443/v1"
    assert mask_url("http://localhost:4000") == "http://localhost:4000"
