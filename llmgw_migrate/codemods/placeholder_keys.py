"""Placeholder keys left beside a gateway URL in config-like files (.env, compose, shell, YAML, a
Kubernetes env list): LGM355.

A LiteLLM proxy run without auth takes any key, so its clients' settings often hold a stand-in
(`OPENAI_API_KEY=sk-changeme`, `${LITELLM_API_KEY:-local-dev-key}`). Once a file's URL is the gateway's,
such a key reaches the gateway, which answers 401: it is reported with the variable to use, never
rewritten (the real key is the user's to supply). Findings only, from the rewritten text, so a second
run reports the same and changes nothing (issue 11, class 4).
"""

from __future__ import annotations

import re

from llmgw_migrate.codemods import file_rules, proxy_own
from llmgw_migrate.codemods.base import RewriteContext, RewriteResult
from llmgw_migrate.codemods.text_edits import LineIndex
from llmgw_migrate.findings import Finding, make

CODE = "LGM355"
_CLIENT_KEYS = frozenset({"OPENAI_API_KEY", "OPENAI_KEY", "ANTHROPIC_API_KEY", "AZURE_OPENAI_API_KEY"})
# KEY=value, export KEY=value, - KEY=value, KEY: value (compose / YAML maps), "KEY": "value"
_SETTING_RE = re.compile(
    r"""^[ \t]*(?:-[ \t]*)?(?:export[ \t]+)?["']?(?P<key>[A-Za-z_][A-Za-z0-9_]*)["']?[ \t]*[:=][ \t]*"""
    r"""(?P<value>[^\n#]*)""",
    re.MULTILINE,
)
# A Kubernetes env list: `- name: OPENAI_API_KEY` then `value: "anything"` on the next line
_K8S_ENV_RE = re.compile(
    r"""^[ \t]*-[ \t]*name:[ \t]*["']?(?P<key>[A-Za-z_][A-Za-z0-9_]*)["']?[ \t]*\n"""
    r"""[ \t]*value:[ \t]*(?P<value>[^\n#]*)""",
    re.MULTILINE,
)
# ${KEY:-default} / ${KEY-default} (shell, compose) and ${KEY:default} (Spring)
_DEFAULT_RE = re.compile(r"\$\{(?P<key>[A-Za-z_][A-Za-z0-9_]*)(?::-|-|:)(?P<default>[^}]*)\}")
_STAND_IN_RE = re.compile(
    r"change|dummy|placeholder|local|test|fake|your|xxx|example|anything|^none$|^null$|^empty$|1234|replace|"
    r"^sk-?$|not[-_ ]?needed|not[-_ ]?required|unused",
    re.IGNORECASE,
)


# Fill-me-in templates (`<your virtual key>`, `{{ key }}`, `your-key-here`) are no stand-in that worked with
# the proxy: the user replaces them anyway.
_TEMPLATE_RE = re.compile(r"^(<.*>|\{\{.*\}\}|\.\.\.|x+|your\b.*|your[-_].*|replace[-_ ].*)$", re.IGNORECASE)


def is_placeholder(value: str) -> bool:
    """A literal key the gateway will refuse: a stand-in word or too short to be a real key."""
    v = value.strip().strip("'\"").strip()
    if not v or file_rules.is_reference(v) or "${" in v or _TEMPLATE_RE.match(v):
        return False
    return len(v) < 16 or bool(_STAND_IN_RE.search(v)) or not file_rules.is_secret_literal(v)


def _client_key(name: str, ctx: RewriteContext) -> bool:
    return (name in _CLIENT_KEYS or name == ctx.key_env or file_rules.is_key_var(name)) and not (
        file_rules.is_master_key(name)
    )


def findings(path: str, text: str, ctx: RewriteContext) -> list[Finding]:
    """LGM355 for each client key setting with a placeholder value in `text`, if `text` uses the gateway."""
    gateway = ctx.base_url.rstrip("/").removesuffix("/v1")
    if gateway not in text:
        return []
    index = LineIndex(text)
    out: list[Finding] = []
    seen: set[int] = set()
    upstream = proxy_own.upstream_keys(text)  # the proxy's own provider keys are no client's

    def report(name: str, offset: int, how: str) -> None:
        line, column = index.position(offset)
        if line in seen or name in upstream:
            return
        seen.add(line)
        out.append(
            make(
                CODE,
                f"{name} {how} a placeholder key, and this file now points at the gateway: the gateway "
                "answers 401 to it",
                file=path,
                line=line,
                column=column,
                fix=f"Set {ctx.key_env} to a gateway key (and read it where this setting is used).",
            )
        )

    for m in _DEFAULT_RE.finditer(text):
        if _client_key(m.group("key"), ctx) and is_placeholder(m.group("default")):
            report(m.group("key"), m.start(), "defaults to")
    for m in _K8S_ENV_RE.finditer(text):
        if _client_key(m.group("key"), ctx) and is_placeholder(m.group("value")):
            report(m.group("key"), m.start("key"), "holds")
    for m in _SETTING_RE.finditer(text):
        value = m.group("value").strip()
        if _client_key(m.group("key"), ctx) and is_placeholder(value):
            report(m.group("key"), m.start("key"), "holds")
    return out


def add_findings(result: RewriteResult, path: str, ctx: RewriteContext) -> RewriteResult:
    extra = findings(path, result.text, ctx)
    if extra:
        result.findings = sorted([*result.findings, *extra], key=Finding.sort_key)
    return result
