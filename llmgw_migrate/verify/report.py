# ruff: noqa: E501  (HTML/SVG markup reads better unwrapped)
"""Verify reports: the JSON document (its schema is `report_json_schema()`, documented in
docs/verify-json.md) and its renderings: terminal table, JUnit XML, Markdown and self-contained HTML with
side-by-side latency and cost plots (inline SVG; no scripts, no CDN).
"""

from __future__ import annotations

import datetime as dt
import html
import io
import json
import statistics
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit
from xml.etree import ElementTree as ET

from pydantic import BaseModel, ConfigDict, Field

from llmgw_migrate import __version__

REPORT_SCHEMA_VERSION: Literal[1] = 1
FORMATS = ("text", "json", "junit", "markdown", "html")


class DifferenceOut(BaseModel):
    path: str = Field(
        description="Where the answers differ, e.g. choices[0].message.tool_calls[0].function.name"
    )
    before: Any = Field(description="The before side's value (strings over 300 characters are cut)")
    after: Any = Field(description="The after side's value, or what is wrong with it")
    check: str = Field(
        description="Ladder step: status, envelope, schema, stream, model, finish_reason, tool_calls, "
        "tool_schema, tool_arguments, json_mode, usage, content, embeddings, choices, missing, value"
    )
    rule: str | None = Field(default=None, description="rules/parity.yaml rule id, for known differences")


class SideOut(BaseModel):
    status: int | None = Field(description="HTTP status of the last attempt; null on a transport failure")
    latency_ms: float = Field(description="Wall time including retries")
    attempts: int
    cost_usd: str | None = Field(default=None, description="Priced from the catalog (decimal string)")
    error: str | None = Field(default=None, description="Transport failure (no HTTP answer)")
    message: str | None = Field(
        default=None,
        description="Why the request failed: the error message of a non-2xx answer, or the transport error",
    )


class ResultOut(BaseModel):
    id: str
    model: str | None = Field(description="Client-facing (LiteLLM) model name")
    gateway_model: str | None = Field(description="Model id sent to the after side")
    kind: str = Field(
        description="chat, system, stream, tools, json, embeddings, unknown-model, bad-key, ..."
    )
    endpoint: str
    stream: bool = False
    source: str = Field(description="'builtin', or the corpus file and line")
    status: Literal["pass", "differ", "error"]
    differences: list[DifferenceOut] = Field(default_factory=list)
    known: list[DifferenceOut] = Field(
        default_factory=list, description="Differences explained by a rule in rules/parity.yaml"
    )
    noise: list[DifferenceOut] = Field(
        default_factory=list, description="Differences within the before side's own variation"
    )
    error: str | None = Field(default=None, description="Why the request could not be compared")
    before: SideOut
    after: SideOut
    noise_samples: int = 0


class LatencyOut(BaseModel):
    p50: float | None = None
    p95: float | None = None
    mean: float | None = None


class SummaryOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    total: int = Field(description="Cases compared (pass + differ + error)")
    pass_: int = Field(alias="pass")
    differ: int
    error: int
    not_run: int = Field(0, description="Cases left out by the budget or an interruption")
    parity: bool = Field(description="True when every case passed and none was left out")
    stopped: str | None = Field(
        default=None,
        description="Why the run stopped early: 'budget: max-requests', 'budget: max-cost', 'interrupted'",
    )
    requests: int = Field(0, description="HTTP requests sent, retries and noise samples included")
    retries: int = 0
    cost_usd: dict[str, str] = Field(default_factory=dict, description="{'before': ..., 'after': ...}")
    unpriced: int = Field(0, description="Successful answers the catalog could not price")
    latency_ms: dict[str, LatencyOut] = Field(
        default_factory=dict, description="{'before': ..., 'after': ...}"
    )
    seconds: float = 0.0
    broken: dict[str, str] = Field(
        default_factory=dict,
        description="Sides that answered no ordinary request successfully ({'before': why, 'after': why}); "
        "the run proves nothing and exits 2",
    )


class VerifyReport(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    schema_version: Literal[1] = REPORT_SCHEMA_VERSION
    tool: str = "llmgw-migrate verify"
    version: str = __version__
    created_at: str = Field(description="UTC time the run ended (ISO 8601)")
    before: str = Field(description="Before side URL (credentials masked)")
    after: str = Field(description="After side URL, or 'embedded'")
    plan: str | None = None
    options: dict[str, Any] = Field(default_factory=dict)
    summary: SummaryOut
    results: list[ResultOut]
    notes: list[str] = Field(default_factory=list, description="Models or rows not verified, and why")

    def to_json(self) -> str:
        return self.model_dump_json(indent=2, by_alias=True) + "\n"


def report_json_schema() -> dict[str, Any]:
    schema = VerifyReport.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"https://llmgw-migrate.dev/schema/verify-report-v{REPORT_SCHEMA_VERSION}.json"
    return schema


# building ---------------------------------------------------------------------------------------------
def mask_url(url: str) -> str:
    """Drop user:password from a URL (and any query string, which may hold a key)."""
    if "://" not in url:
        return url
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    if parts.username or parts.password:
        host = "***@" + host
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def latency(values: Sequence[float]) -> LatencyOut:
    if not values:
        return LatencyOut()
    ordered = sorted(values)

    def q(p: float) -> float:
        k = min(len(ordered) - 1, max(0, round(p * (len(ordered) - 1))))
        return round(ordered[k], 2)

    return LatencyOut(p50=q(0.5), p95=q(0.95), mean=round(statistics.fmean(ordered), 2))


def summarize(
    results: Sequence[ResultOut],
    *,
    not_run: int = 0,
    stopped: str | None = None,
    requests: int = 0,
    retries: int = 0,
    cost_before: Decimal = Decimal(0),
    cost_after: Decimal = Decimal(0),
    unpriced: int = 0,
    seconds: float = 0.0,
) -> SummaryOut:
    counts = {"pass": 0, "differ": 0, "error": 0}
    for r in results:
        counts[r.status] += 1
    broken = broken_sides(results)
    return SummaryOut(  # type: ignore[call-arg]  # `pass` is the alias of pass_
        total=len(results),
        pass_=counts["pass"],
        differ=counts["differ"],
        error=counts["error"],
        not_run=not_run,
        parity=bool(results) and counts["pass"] == len(results) and not not_run and not broken,
        stopped=stopped,
        requests=requests,
        retries=retries,
        cost_usd={"before": _money(cost_before), "after": _money(cost_after)},
        unpriced=unpriced,
        latency_ms={
            "before": latency([r.before.latency_ms for r in results if r.before.status is not None]),
            "after": latency([r.after.latency_ms for r in results if r.after.status is not None]),
        },
        seconds=round(seconds, 3),
        broken=broken,
    )


# Built-in cases meant to fail on both sides; every other case is an ordinary request that should work.
ERROR_KINDS = frozenset({"unknown-model", "bad-key"})


def broken_sides(results: Sequence[ResultOut]) -> dict[str, str]:
    """Each side that answered none of the ordinary requests successfully, with the commonest reason."""
    ordinary = [r for r in results if r.kind not in ERROR_KINDS]
    out: dict[str, str] = {}
    if not ordinary:
        return out
    for name in ("before", "after"):
        sides = [getattr(r, name) for r in ordinary]
        if any(s.status is not None and 200 <= s.status < 300 for s in sides):
            continue
        reasons: dict[str, int] = {}
        for s in sides:
            why = f"{s.status if s.status is not None else 'no answer'}" + (
                f" {s.message}" if s.message else ""
            )
            reasons[why] = reasons.get(why, 0) + 1
        top, n = max(reasons.items(), key=lambda kv: kv[1])
        more = (
            f" (and {len(reasons) - 1} other reason{'s' if len(reasons) > 2 else ''})"
            if len(reasons) > 1
            else ""
        )
        out[name] = f"none of {len(sides)} ordinary request{'s' if len(sides) != 1 else ''} succeeded: {top}"
        out[name] += f" x{n}" if n > 1 else ""
        out[name] += more
    return out


def _money(value: Decimal) -> str:
    return format(value.quantize(Decimal("0.000001")) if value else Decimal(0), "f")


def exit_code(summary: SummaryOut) -> int:
    """0 parity, 1 differences, 2 could not run (errors, nothing compared, or cases left out by an
    interruption or the budget: parity of a partial run is not proven; a side that answered nothing)."""
    if summary.broken:
        return 2
    if summary.differ:
        return 1
    if summary.error or summary.total == 0 or summary.not_run or summary.stopped:
        return 2
    return 0


def redact(text: str, secrets: Iterable[str | None]) -> str:
    for s in secrets:
        if s and len(s) >= 6:
            text = text.replace(s, s[:3] + "***")
    return text


# text -------------------------------------------------------------------------------------------------
def _one_line(value: Any, width: int = 60) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3] + "..."


def _per_model(report: VerifyReport) -> list[dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    for r in report.results:
        row = rows.setdefault(
            r.model or "-",
            {
                "model": r.model or "-",
                "gateway": r.gateway_model or "-",
                "pass": 0,
                "differ": 0,
                "error": 0,
                "b": [],
                "a": [],
                "cb": Decimal(0),
                "ca": Decimal(0),
            },
        )
        row[r.status] += 1
        if r.before.status is not None:
            row["b"].append(r.before.latency_ms)
        if r.after.status is not None:
            row["a"].append(r.after.latency_ms)
        row["cb"] += Decimal(r.before.cost_usd or 0)
        row["ca"] += Decimal(r.after.cost_usd or 0)
    return list(rows.values())


def verdict(report: VerifyReport) -> str:
    s = report.summary
    if s.broken:
        return "BROKEN SIDE"
    if s.parity:
        return "PARITY"
    if s.differ:
        return "DIFFERENCES"
    if s.stopped == "interrupted":
        return "INTERRUPTED"
    if s.error:
        return "ERRORS"
    if s.not_run:
        return "PARTIAL"
    return "NOTHING COMPARED"


def render_text(report: VerifyReport, *, width: int = 120, color: bool = False, max_rows: int = 100) -> str:
    from rich.console import Console
    from rich.table import Table

    console = Console(
        file=io.StringIO(),
        record=True,
        width=width,
        color_system="standard" if color else None,
        force_terminal=color,
    )
    s = report.summary
    per_model = Table(title="Per model", title_justify="left", show_lines=False)
    for col in ("model", "gateway model", "pass", "differ", "error", "p50 before", "p50 after"):
        per_model.add_column(col, justify="right" if col[0] in "pdPe" and col != "model" else "left")
    for row in _per_model(report):
        per_model.add_row(
            row["model"],
            row["gateway"],
            str(row["pass"]),
            str(row["differ"]),
            str(row["error"]),
            _ms(latency(row["b"]).p50),
            _ms(latency(row["a"]).p50),
        )
    if report.results:
        console.print(per_model)
    bad = [r for r in report.results if r.status != "pass"]
    if bad:
        table = Table(title="Differences and errors", title_justify="left")
        table.add_column("case")
        table.add_column("status")
        table.add_column("path")
        table.add_column("before")
        table.add_column("after")
        for r in bad[:max_rows]:
            if r.status == "error":
                table.add_row(r.id, "error", "-", "-", _one_line(r.error or "", 240))
                continue
            for i, d in enumerate(r.differences[:5]):
                table.add_row(
                    r.id if i == 0 else "",
                    "differ" if i == 0 else "",
                    d.path,
                    _one_line(_with_reason(d, d.before, r.before), 40),
                    _one_line(_with_reason(d, d.after, r.after), 40),
                )
            if len(r.differences) > 5:
                table.add_row("", "", f"... {len(r.differences) - 5} more", "", "")
        console.print(table)
        if len(bad) > max_rows:
            console.print(f"... and {len(bad) - max_rows} more cases (see --json / --html)")
    known = _known_counts(report)
    if known:
        console.print("Known differences (rules/parity.yaml): " + ", ".join(f"{k} x{n}" for k, n in known))
    for note in report.notes:
        console.print(f"note: {note}")
    for side, why in s.broken.items():
        console.print(f"--{side} is broken: {why}")
    line = (
        f"{verdict(report)}: {s.total} compared, {s.pass_} pass, {s.differ} differ, {s.error} error"
        + (f", {s.not_run} not run ({s.stopped})" if s.not_run else "")
        + f"; {s.requests} requests in {s.seconds:.1f}s"
        + f"; cost before ${s.cost_usd.get('before', '0')} after ${s.cost_usd.get('after', '0')}"
    )
    console.print(line)
    return console.export_text(styles=color)


def _with_reason(d: DifferenceOut, value: Any, side: SideOut) -> Any:
    """A status difference shows why the failing side failed (410 deactivated, 400 unsupported provider)."""
    if d.check == "status" and side.message:
        return f"{value} {side.message}"
    return value


def _ms(v: float | None) -> str:
    return "-" if v is None else f"{v:.0f} ms"


def _known_counts(report: VerifyReport) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for r in report.results:
        for d in r.known:
            counts[d.rule or "?"] = counts.get(d.rule or "?", 0) + 1
    return sorted(counts.items())


# JUnit ------------------------------------------------------------------------------------------------
def render_junit(report: VerifyReport) -> str:
    s = report.summary
    suite = ET.Element(
        "testsuite",
        name="llmgw-migrate verify",
        tests=str(s.total + s.not_run),
        failures=str(s.differ),
        errors=str(s.error),
        skipped=str(s.not_run),
        time=f"{s.seconds:.3f}",
        timestamp=report.created_at,
    )
    props = ET.SubElement(suite, "properties")
    for name, value in (("before", report.before), ("after", report.after), ("plan", report.plan or "")):
        ET.SubElement(props, "property", name=name, value=value)
    for r in report.results:
        tc = ET.SubElement(
            suite,
            "testcase",
            classname=f"verify.{r.model or 'none'}",
            name=r.id,
            time=f"{max(r.before.latency_ms, r.after.latency_ms) / 1000:.3f}",
        )
        if r.status == "differ":
            first = r.differences[0]
            msg = f"{first.path}: before {_one_line(first.before, 80)} != after {_one_line(first.after, 80)}"
            fail = ET.SubElement(tc, "failure", message=msg, type="parity")
            fail.text = "\n".join(
                f"{d.path} [{d.check}]\n  before: {_one_line(d.before, 300)}\n  after:  {_one_line(d.after, 300)}"
                for d in r.differences
            )
        elif r.status == "error":
            err = ET.SubElement(tc, "error", message=r.error or "error", type="replay")
            err.text = r.error or ""
    for side, why in s.broken.items():
        tc = ET.SubElement(suite, "testcase", classname="verify", name=f"--{side} side")
        ET.SubElement(tc, "error", message=f"--{side} is broken: {why}", type="broken-side")
    if s.not_run:
        tc = ET.SubElement(suite, "testcase", classname="verify", name=f"{s.not_run} case(s) not run")
        ET.SubElement(tc, "skipped", message=s.stopped or "not run")
    ET.indent(suite)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suite, encoding="unicode") + "\n"


# Markdown ---------------------------------------------------------------------------------------------
def _md(value: Any, width: int = 60) -> str:
    return "`" + _one_line(value, width).replace("`", "'").replace("|", "\\|") + "`"


def render_markdown(report: VerifyReport, max_rows: int = 50) -> str:
    s = report.summary
    icon = {"PARITY": "✅", "DIFFERENCES": "❌"}.get(verdict(report), "⚠️")
    out = [
        f"## {icon} llmgw-migrate verify: {verdict(report).lower()}",
        "",
        f"Before `{report.before}` vs after `{report.after}`"
        + (f" (plan `{report.plan}`)" if report.plan else ""),
        "",
        "| compared | pass | differ | error | not run | requests | cost before | cost after | p50 before | p50 after |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| {s.total} | {s.pass_} | {s.differ} | {s.error} | {s.not_run} | {s.requests} "
        f"| ${s.cost_usd.get('before', '0')} | ${s.cost_usd.get('after', '0')} "
        f"| {_ms(s.latency_ms['before'].p50 if 'before' in s.latency_ms else None)} "
        f"| {_ms(s.latency_ms['after'].p50 if 'after' in s.latency_ms else None)} |",
        "",
    ]
    bad = [r for r in report.results if r.status != "pass"]
    if bad:
        out += ["| case | model | status | path | before | after |", "|---|---|---|---|---|---|"]
        for r in bad[:max_rows]:
            if r.status == "error":
                out.append(f"| {_md(r.id)} | {_md(r.model or '-')} | error | | | {_md(r.error or '')} |")
                continue
            for d in r.differences[:3]:
                b, a = _with_reason(d, d.before, r.before), _with_reason(d, d.after, r.after)
                out.append(
                    f"| {_md(r.id)} | {_md(r.model or '-')} | differ | {_md(d.path)} | {_md(b, 80)} | {_md(a, 80)} |"
                )
        if len(bad) > max_rows:
            out.append(f"\n_{len(bad) - max_rows} more cases: see the JSON or HTML report._")
        out.append("")
    known = _known_counts(report)
    if known:
        out.append(
            "<details><summary>Known benign differences (rules/parity.yaml)</summary>\n\n"
            + "\n".join(f"- `{k}`: {n}" for k, n in known)
            + "\n\n</details>\n"
        )
    if report.notes:
        out += ["**Notes**", ""] + [f"- {n}" for n in report.notes] + [""]
    for side, why in s.broken.items():
        out.append(f"**`--{side}` is broken:** {why}\n")
    if s.stopped:
        out.append(f"_Stopped early: {s.stopped}; {s.not_run} case(s) not run._\n")
    return "\n".join(out)


# HTML -------------------------------------------------------------------------------------------------
_CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem;color:#1f2328;max-width:1200px}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{border:1px solid #d0d7de;padding:4px 8px;
text-align:left;vertical-align:top}th{background:#f6f8fa}td.n{text-align:right}
code{font-family:ui-monospace,Menlo,monospace;font-size:12px;word-break:break-all}
.pass{color:#1a7f37}.differ{color:#cf222e}.error{color:#9a6700}.badge{font-weight:600}
.plots{display:flex;gap:2rem;flex-wrap:wrap}.legend span{display:inline-block;width:10px;height:10px;margin:0 4px 0 12px}
"""
_BEFORE_COLOR, _AFTER_COLOR = "#8250df", "#0969da"


def _bar_chart(title: str, rows: list[tuple[str, float, float]], unit: str, fmt: str = "{:.0f}") -> str:
    """Grouped horizontal bars: one pair (before, after) per row."""
    e = html.escape
    label_w, bar_w, row_h = 200, 320, 34
    height = 40 + row_h * max(1, len(rows))
    top = max([max(b, a) for _, b, a in rows] + [1e-12])
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{label_w + bar_w + 90}" height="{height}" role="img" aria-label="{e(title)}">',
        f'<text x="0" y="16" font-size="13" font-weight="600">{e(title)}</text>',
    ]
    for i, (name, b, a) in enumerate(rows):
        y = 30 + i * row_h
        parts.append(f'<text x="0" y="{y + 15}" font-size="12">{e(name[:30])}</text>')
        for j, (value, color) in enumerate(((b, _BEFORE_COLOR), (a, _AFTER_COLOR))):
            w = max(1.0, bar_w * value / top)
            yy = y + j * 14
            parts.append(
                f'<rect x="{label_w}" y="{yy}" width="{w:.1f}" height="12" fill="{color}"><title>{e(fmt.format(value))} {e(unit)}</title></rect>'
            )
            parts.append(
                f'<text x="{label_w + w + 4:.1f}" y="{yy + 10}" font-size="11">{e(fmt.format(value))} {e(unit)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def _latency_scatter(report: VerifyReport) -> str:
    """Each case as a point: before latency (x) vs after latency (y), with the y=x line."""
    pts = [
        (r.before.latency_ms, r.after.latency_ms, r.status)
        for r in report.results
        if r.before.status and r.after.status
    ]
    size, pad = 320, 40
    top = max([max(b, a) for b, a, _ in pts] + [1.0])
    colors = {"pass": "#1a7f37", "differ": "#cf222e", "error": "#9a6700"}
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size + pad + 10}" height="{size + pad + 20}" role="img" aria-label="latency before vs after">',
        '<text x="0" y="14" font-size="13" font-weight="600">Latency per case: before (x) vs after (y)</text>',
        f'<line x1="{pad}" y1="{size + 20}" x2="{pad + size}" y2="20" stroke="#d0d7de"/>',
        f'<rect x="{pad}" y="20" width="{size}" height="{size}" fill="none" stroke="#d0d7de"/>',
        f'<text x="{pad}" y="{size + 36}" font-size="11">0</text><text x="{pad + size - 40}" y="{size + 36}" font-size="11">{top:.0f} ms</text>',
    ]
    for b, a, st in pts[:5000]:
        x = pad + size * b / top
        y = 20 + size - size * a / top
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{colors[st]}" fill-opacity=".6"/>')
    parts.append("</svg>")
    return "".join(parts)


def render_html(report: VerifyReport, max_rows: int = 500) -> str:
    e = html.escape
    s = report.summary
    v = verdict(report)
    rows = _per_model(report)
    lat_rows = [(r["model"], latency(r["b"]).p50 or 0.0, latency(r["a"]).p50 or 0.0) for r in rows]
    p95_rows = [(r["model"], latency(r["b"]).p95 or 0.0, latency(r["a"]).p95 or 0.0) for r in rows]
    cost_rows = [(r["model"], float(r["cb"]), float(r["ca"])) for r in rows]
    out = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>llmgw-migrate verify: {e(v.lower())}</title><style>{_CSS}</style></head><body>",
        f"<h1>llmgw-migrate verify: <span class='badge {'pass' if s.parity else 'differ' if s.differ else 'error'}'>{e(v)}</span></h1>",
        f"<p>Before <code>{e(report.before)}</code> vs after <code>{e(report.after)}</code>"
        + (f", plan <code>{e(report.plan)}</code>" if report.plan else "")
        + f". {e(report.created_at)}, llmgw-migrate {e(report.version)}.</p>",
        *(f"<p class='error'><b>--{e(side)} is broken:</b> {e(why)}</p>" for side, why in s.broken.items()),
        "<table><tr><th>compared</th><th>pass</th><th>differ</th><th>error</th><th>not run</th><th>requests</th>"
        "<th>retries</th><th>cost before</th><th>cost after</th><th>seconds</th></tr>",
        f"<tr><td class=n>{s.total}</td><td class='n pass'>{s.pass_}</td><td class='n differ'>{s.differ}</td>"
        f"<td class='n error'>{s.error}</td><td class=n>{s.not_run}</td><td class=n>{s.requests}</td>"
        f"<td class=n>{s.retries}</td><td class=n>${e(s.cost_usd.get('before', '0'))}</td>"
        f"<td class=n>${e(s.cost_usd.get('after', '0'))}</td><td class=n>{s.seconds:.1f}</td></tr></table>",
        "<h2>Latency and cost, side by side</h2>",
        f"<p class='legend'><span style='background:{_BEFORE_COLOR}'></span>before (LiteLLM)"
        f"<span style='background:{_AFTER_COLOR}'></span>after (gateway)</p>",
        "<div class='plots'>",
        _bar_chart("p50 latency per model", lat_rows, "ms"),
        _bar_chart("p95 latency per model", p95_rows, "ms"),
        _bar_chart("cost per model", cost_rows, "USD", "{:.6f}"),
        _latency_scatter(report),
        "</div>",
        "<h2>Per model</h2><table><tr><th>model</th><th>gateway model</th><th>pass</th><th>differ</th><th>error</th>"
        "<th>p50 before</th><th>p50 after</th><th>cost before</th><th>cost after</th></tr>",
    ]
    for r in rows:
        out.append(
            f"<tr><td><code>{e(r['model'])}</code></td><td><code>{e(r['gateway'])}</code></td>"
            f"<td class=n>{r['pass']}</td><td class=n>{r['differ']}</td><td class=n>{r['error']}</td>"
            f"<td class=n>{_ms(latency(r['b']).p50)}</td><td class=n>{_ms(latency(r['a']).p50)}</td>"
            f"<td class=n>${float(r['cb']):.6f}</td><td class=n>${float(r['ca']):.6f}</td></tr>"
        )
    out.append(
        "</table><h2>Cases</h2><table><tr><th>case</th><th>model</th><th>status</th><th>details</th>"
        "<th>before</th><th>after</th></tr>"
    )
    ordered = sorted(report.results, key=lambda r: {"differ": 0, "error": 1, "pass": 2}[r.status])
    for res in ordered[:max_rows]:
        if res.status == "error":
            detail = f"<code>{e(res.error or '')}</code>"
        elif res.differences:
            detail = "<br>".join(
                f"<code>{e(d.path)}</code>: <code>{e(_one_line(_with_reason(d, d.before, res.before), 120))}</code>"
                f" &rarr; <code>{e(_one_line(_with_reason(d, d.after, res.after), 120))}</code>"
                for d in res.differences[:10]
            )
        else:
            detail = e(f"{len(res.known)} known, {len(res.noise)} noise") if (res.known or res.noise) else ""
        out.append(
            f"<tr><td><code>{e(res.id)}</code></td><td><code>{e(res.model or '-')}</code></td>"
            f"<td class='{res.status}'>{res.status}</td><td>{detail}</td>"
            f"<td class=n>{res.before.status or '-'} / {res.before.latency_ms:.0f} ms</td>"
            f"<td class=n>{res.after.status or '-'} / {res.after.latency_ms:.0f} ms</td></tr>"
        )
    out.append("</table>")
    if len(ordered) > max_rows:
        out.append(f"<p>{len(ordered) - max_rows} more passing cases are in the JSON report.</p>")
    known = _known_counts(report)
    if known:
        out.append("<h2>Known benign differences</h2><ul>")
        out += [f"<li><code>{e(k)}</code>: {n}</li>" for k, n in known]
        out.append("</ul>")
    if report.notes:
        out.append("<h2>Notes</h2><ul>" + "".join(f"<li>{e(n)}</li>" for n in report.notes) + "</ul>")
    out.append("</body></html>\n")
    return "\n".join(out)


def render(report: VerifyReport, fmt: str, *, color: bool = False) -> str:
    if fmt == "json":
        return report.to_json()
    if fmt == "junit":
        return render_junit(report)
    if fmt == "markdown":
        return render_markdown(report)
    if fmt == "html":
        return render_html(report)
    if fmt == "text":
        return render_text(report, color=color)
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")


def now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
