"""A key written into a script and sent with requests that now go to the gateway: LGM360.

`API_KEY="sk-..."` then `curl $LLM_GATEWAY_BASE_URL/chat/completions -H "Authorization: Bearer $API_KEY"`:
the literal is a key the proxy issued (a virtual or master key, or a stand-in it accepted), so the gateway
answers 401. It is reported with the variable to use, never rewritten and never shown. Findings only,
from the rewritten text, so a second run reports the same and changes nothing (issue 11, class 4).
"""

from __future__ import annotations

import re

from llmgw_migrate.codemods import file_rules
from llmgw_migrate.codemods.base import RewriteContext, RewriteResult
from llmgw_migrate.codemods.findings_util import at
from llmgw_migrate.codemods.text_edits import LineIndex
from llmgw_migrate.findings import Finding

CODE = "LGM360"
# API_KEY="...", export API_KEY=..., local KEY='...' (a plain literal: no expansion, no command)
_ASSIGN_RE = re.compile(
    r"""^[ \t]*(?:(?:export|local|readonly|declare)[ \t]+)?(?P<key>[A-Za-z_][A-Za-z0-9_]*)="""
    r"""(?P<value>"[^"$`\n]*"|'[^'\n]*'|[^\s"'$`;&|#]+)[ \t]*(?:#.*)?$""",
    re.MULTILINE,
)
# Authorization: Bearer $KEY, x-api-key: ${KEY}, api-key: $KEY
_HEADER_RE = re.compile(
    r"(?:authorization:[ \t]*bearer[ \t]+|x-api-key:[ \t]*|api-key:[ \t]*)"
    r"\$\{?(?P<key>[A-Za-z_][A-Za-z0-9_]*)\}?",
    re.IGNORECASE,
)
_HTTP_RE = re.compile(r"(?:^|[\s;&|(`])(?:curl|wget|http|https|xh|xhs)(?:\s|$)")
_TEMPLATE_RE = re.compile(r"^(<.*>|\{\{.*\}\}|\.\.\.|x+|\*+|your\b.*|your[-_].*)$", re.IGNORECASE)


def findings(path: str, text: str, ctx: RewriteContext) -> list[Finding]:
    """LGM360 for each literal key assigned in `text` and sent in a request to the gateway."""
    from llmgw_migrate.codemods.shell import logical_commands

    gateway = ctx.base_url.rstrip("/").removesuffix("/v1")
    if gateway not in text and ctx.url_env not in text:
        return []
    literals: dict[str, int] = {}
    for m in _ASSIGN_RE.finditer(text):
        value = m.group("value").strip("'\"").strip()
        if value and not file_rules.is_reference(value) and not _TEMPLATE_RE.match(value):
            literals.setdefault(m.group("key"), m.start("key"))
        else:
            literals.pop(m.group("key"), None)
    if not literals:
        return []
    gateway_ref = re.compile(r"\$\{?(?:[A-Z][A-Z0-9]*_)*" + re.escape(ctx.url_env) + r"\b")
    index = LineIndex(text)
    out: list[Finding] = []
    reported: set[str] = set()
    for span in logical_commands(text):
        cmd = text[span.start : span.end]
        if not _HTTP_RE.search(cmd) or (gateway not in cmd and not gateway_ref.search(cmd)):
            continue
        for m in _HEADER_RE.finditer(cmd):
            name = m.group("key")
            if name in reported or name not in literals or name.endswith(ctx.key_env):
                continue
            reported.add(name)
            out.append(
                at(
                    CODE,
                    f"{name} holds a key written in this script (not shown) and is sent with requests that "
                    "now go to the gateway: a key the proxy issued or accepted gets 401 there",
                    path,
                    index,
                    literals[name],
                )
            )
    return out


def add_literal_key_findings(result: RewriteResult, path: str, ctx: RewriteContext) -> RewriteResult:
    extra = [f for f in findings(path, result.text, ctx) if (f.line, f.code) not in _lines(result.findings)]
    if extra:
        result.findings = sorted([*result.findings, *extra], key=Finding.sort_key)
    return result


def _lines(found: list[Finding]) -> set[tuple[int | None, str]]:
    # a placeholder key already reported on that line (LGM355) is not reported twice
    return {(f.line, CODE) for f in found if f.code == "LGM355"}
