"""Shell scripts and Makefiles: `export` lines, $LITELLM_* references, cURL calls against the proxy.

A script is read as logical commands (backslash continuations joined, comments skipped, heredoc bodies
kept with their command). In each command:
- assignments (`export K=v`, `K=v cmd`, make's `K = v`, `K := v`, `K ?= v`) follow the shared setting
  rules: key renamed, proxy URL value replaced, model-name settings mapped;
- `$LITELLM_API_KEY`, `${LITELLM_BASE_URL:-...}`, make's `$(LITELLM_API_KEY)` are renamed
  (`$LITELLM_MASTER_KEY` only where it is sent as a bearer token or API key);
- in an HTTP command (curl, wget, httpie, xh) that talks to an LLM (a LiteLLM variable, an
  Authorization/x-api-key header, an LLM API path or JSON body), local :4000/:8000 URLs are the proxy;
  `x-litellm-api-key:` becomes `x-api-key:` and "model" names in the JSON body follow the plan;
- `pip install litellm==1.82.7` is reported (dependencies.py).
Docker's RUN and GitHub Actions' `run:` blocks reuse `rewrite_commands`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePath

from llmgw_migrate.codemods import dependencies, file_rules, placeholder_keys, registry, secret_mask
from llmgw_migrate.codemods.base import RewriteContext, RewriteResult
from llmgw_migrate.codemods.findings_util import at
from llmgw_migrate.codemods.shell_keys import add_literal_key_findings
from llmgw_migrate.codemods.text_edits import Edit, LineIndex, finish
from llmgw_migrate.findings import Finding
from llmgw_migrate.proxy_urls import URL_RE

_SHELL_SUFFIXES = registry.SHELL_SUFFIXES
_MAKE_NAMES = registry.MAKE_NAMES

_WORD_ASSIGN_RE = re.compile(r"(?P<key>[A-Za-z_][A-Za-z0-9_]*)(?P<op>\+?=)")
_MAKE_ASSIGN_RE = re.compile(
    r"^[ \t]*(?:(?:export|override)[ \t]+)*(?P<key>[A-Za-z_][A-Za-z0-9_]*)"
    r"[ \t]*(?P<op>\?=|:=|::=|\+=|!=|=)[ \t]*",
    re.M,
)
_DECLARERS = {"export", "local", "readonly", "declare", "typeset", "env"}
_SEPARATORS = {
    ";",
    "&&",
    "||",
    "|",
    "&",
    "(",
    "{",
    "then",
    "do",
    "else",
    "elif",
    "if",
    "while",
    "!",
    "`",
    "$(",
}
_HTTP_RE = re.compile(r"(?:^|[\s;&|(`])(?:curl|wget|http|https|xh|xhs)(?:\s|$)")
_LLM_HTTP_HINT_RE = re.compile(
    r"authorization:|x-api-key:|x-litellm-api-key:|bearer\s|litellm|\"messages\"|\\\"messages\\\"|/chat/completions",
    re.IGNORECASE,
)
_LITELLM_HEADER_RE = re.compile(r"x-litellm-api-key(?=\s*:)", re.IGNORECASE)
# "model": "name" in a JSON body, also inside a double-quoted shell string (\"model\": \"name\").
_JSON_MODEL_RE = re.compile(r'(?P<q>\\?")model(?P=q)\s*:\s*(?P=q)(?P<name>[^"\\]+)(?P=q)')
_HTTPIE_MODEL_RE = re.compile(r"(?:(?<=\s)|^)model=(?P<name>[^\s'\"]+)")
_DEFAULT_BEFORE_URL_RE = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*):?[-=]['\"]?$")


@dataclass
class CommandSpan:
    start: int
    end: int
    make_rule: bool = False  # a make/just recipe line or a target line


@dataclass
class Rewrites:
    edits: list[Edit] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


def logical_commands(text: str, start: int = 0, end: int | None = None) -> list[CommandSpan]:
    """Spans of commands in text[start:end], backslash continuations joined, comment lines skipped."""
    end = len(text) if end is None else end
    out: list[CommandSpan] = []
    pos = start
    heredoc: str | None = None
    cmd_start: int | None = None
    while pos < end:
        eol = text.find("\n", pos, end)
        eol = end if eol == -1 else eol
        line = text[pos:eol]
        stripped = line.strip()
        if heredoc is not None:
            if stripped == heredoc:
                heredoc = None
                if cmd_start is not None:
                    out.append(CommandSpan(cmd_start, eol))
                    cmd_start = None
            pos = eol + 1
            continue
        if cmd_start is None:
            if not stripped or stripped.startswith("#"):
                pos = eol + 1
                continue
            cmd_start = pos
        hd = re.search(r"<<-?\s*['\"]?([A-Za-z_][A-Za-z0-9_]*)['\"]?", line)
        if hd and not stripped.startswith("#"):
            heredoc = hd.group(1)
        elif not line.endswith("\\"):
            out.append(CommandSpan(cmd_start, eol))
            cmd_start = None
        pos = eol + 1
    if cmd_start is not None:
        out.append(CommandSpan(cmd_start, end))
    return out


def _word_end(text: str, i: int, end: int) -> int:
    """End of the shell word starting at i (quotes respected, no expansion)."""
    quote = ""
    while i < end:
        c = text[i]
        if quote:
            if c == "\\" and quote == '"':
                i += 2
                continue
            if c == quote:
                quote = ""
        elif c in "'\"":
            quote = c
        elif c.isspace() or c in ";&|)":
            break
        elif c == "\\":
            i += 1
        i += 1
    return min(i, end)


def rewrite_commands(
    text: str,
    ctx: RewriteContext,
    path: str,
    index: LineIndex,
    *,
    start: int = 0,
    end: int | None = None,
    make: bool = False,
    llm_file: bool | None = None,
) -> Rewrites:
    """Edits and findings for every command in text[start:end] (offsets are into `text`)."""
    out = Rewrites()
    if llm_file is None:
        llm_file = file_rules.llm_signals(text)
    prefix_vars = file_rules.origin_prefix_vars(text)
    for span in logical_commands(text, start, end):
        _rewrite_command(
            text, span, ctx, path, index, out, make=make, llm_file=llm_file, prefix_vars=prefix_vars
        )
    return out


def _rewrite_command(
    text: str,
    span: CommandSpan,
    ctx: RewriteContext,
    path: str,
    index: LineIndex,
    out: Rewrites,
    *,
    make: bool,
    llm_file: bool,
    prefix_vars: frozenset[str] = frozenset(),
) -> None:
    cmd = text[span.start : span.end]
    base = span.start
    taken: list[tuple[int, int]] = []

    def add(s: int, e: int, new: str) -> None:
        if any(s < te and ts < e for ts, te in taken):
            return
        taken.append((s, e))
        out.edits.append(Edit(base + s, base + e, new))

    def note(code: str, msg: str, offset: int) -> None:
        out.findings.append(at(code, msg, path, index, base + offset))

    # 1. Assignments in assignment position (and make variable definitions).
    for key, kstart, vstart, vend in _assignments(cmd, make):
        raw = cmd[vstart:vend]
        inner_start, inner = _unquote(raw)
        res = file_rules.rewrite_assignment(
            key, inner, ctx, llm_file=llm_file, with_v1=file_rules.v1_for(key, prefix_vars, ctx)
        )
        if res.new_key:
            add(kstart, kstart + len(key), res.new_key)
        if res.new_value is not None and "$" not in inner:
            # values with references are renamed by step 2; only plain values are replaced whole
            add(vstart + inner_start, vstart + inner_start + len(inner), res.new_value)
        for code, msg in res.notes:
            if code != "LGM306":
                note(code, msg, kstart)

    # 2. Env var references anywhere in the command. The master key stays when no URL of the command moves
    # to the gateway (a LiteLLM-only route such as /key/generate, another service): it is not a client key.
    http = bool(_HTTP_RE.search(cmd))
    llm_http = http and bool(_LLM_HTTP_HINT_RE.search(cmd))
    url_outcomes = []
    for m in URL_RE.finditer(cmd):
        url = m.group(0).rstrip(".,;")
        before = cmd[max(0, m.start() - 80) : m.start()]
        dm = _DEFAULT_BEFORE_URL_RE.search(before)
        in_default = bool(dm and file_rules.is_llm_key(dm.group("name")))
        v1 = True
        if dm:
            name = dm.group("name")
            v1 = not file_rules.origin_only_key(name) and file_rules.v1_for(name, prefix_vars, ctx) is None
        url_outcomes.append(
            (m, url, file_rules.rewrite_url(url, ctx, llm_context=llm_http or in_default, with_v1=v1))
        )
    gateway = ctx.base_url.rstrip("/").removesuffix("/v1")
    keep_master = bool(url_outcomes) and not any(
        res.new is not None or url.startswith(gateway) for _, url, res in url_outcomes
    )
    for r in file_rules.rename_refs(cmd, ctx):
        if keep_master and file_rules.is_master_key(r.old):
            continue
        add(r.start, r.end, r.new)
        if file_rules.is_url_var_rename(r.old, r.new, ctx):
            doubled = file_rules.strip_v1_after(cmd, r.end)
            if doubled is not None:
                add(doubled[0], doubled[1], "")
        if r.secret:
            note("LGM306", f"secret {r.old} is now read as {r.new}: create it with a gateway key", r.start)

    # 3. HTTP commands against the proxy.
    proxy_call = False
    for m, url, res_url in url_outcomes:
        for code, msg in res_url.notes:
            note(code, msg, m.start())
        if res_url.new is not None or res_url.notes:
            proxy_call = proxy_call or http
        if res_url.new is not None and res_url.new != url:
            add(m.start(), m.start() + len(url), res_url.new)
    if http and not proxy_call:
        # an already-migrated call (or one through a variable) still gets its headers and models fixed
        proxy_call = bool(re.search(r"LITELLM|LLM_GATEWAY|llmgateway", cmd))
    if proxy_call:
        for m in _LITELLM_HEADER_RE.finditer(cmd):
            add(m.start(), m.end(), "x-api-key")
        for rx in (_JSON_MODEL_RE, _HTTPIE_MODEL_RE):
            for m in rx.finditer(cmd):
                new = file_rules.model_for(m.group("name"), ctx)
                if new is not None:
                    add(m.start("name"), m.end("name"), new)

    # 4. Installing litellm.
    for offset, (code, msg) in dependencies.install_command_notes(cmd):
        note(code, msg, offset)


def _assignments(cmd: str, make: bool) -> list[tuple[str, int, int, int]]:
    """(key, key offset, value start, value end) of the assignments in a command.

    Shell: only words in assignment position (before the command word, or after export/local/...);
    make: `K = v`, `K := v`, `K ?= v` lines (the value is the rest of the line, minus a comment).
    """
    out: list[tuple[str, int, int, int]] = []
    if make:
        for m in _MAKE_ASSIGN_RE.finditer(cmd):
            eol = cmd.find("\n", m.end())
            vend = _strip_make_comment(cmd, m.end(), len(cmd) if eol == -1 else eol)
            out.append((m.group("key"), m.start("key"), m.end(), vend))
        if out or cmd[:1] in ("\t",):
            return out
    i, n = 0, len(cmd)
    at_start = True
    declaring = False
    while i < n:
        while i < n and cmd[i] in " \t\n\\":
            i += 1
        if i >= n:
            break
        if cmd[i] in ";&|(){}`":
            j = i + 1
            while j < n and cmd[j] in "&|":
                j += 1
            at_start, declaring = True, False
            i = j
            continue
        j = _word_end(cmd, i, n)
        if j == i:
            i += 1
            continue
        word = cmd[i:j]
        wm = _WORD_ASSIGN_RE.match(word)
        if (at_start or declaring) and wm:
            out.append((wm.group("key"), i, i + wm.end(), j))
        elif word in _DECLARERS and at_start:
            declaring = True
            at_start = False
        elif word in _SEPARATORS:
            at_start, declaring = True, False
        elif not declaring:
            at_start = False
        elif declaring and word.startswith("-"):
            pass
        i = j
    return out


def _unquote(raw: str) -> tuple[int, str]:
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "'\"":
        return 1, raw[1:-1]
    return 0, raw


def _strip_make_comment(cmd: str, start: int, end: int) -> int:
    i = cmd.find("#", start, end)
    if i != -1:
        end = i
    while end > start and cmd[end - 1] in " \t":
        end -= 1
    return end


_RUNNERS = ("docker", "podman", "nerdctl")


def proxy_containers(text: str, path: str, index: LineIndex) -> list[Finding]:
    """`docker run ... ghcr.io/berriai/litellm:main-stable`: the script starts the proxy (LGM310)."""
    from llmgw_migrate.codemods.docker import decommission_message, is_litellm_image

    out: list[Finding] = []
    if "litellm" not in text:
        return out
    for span in logical_commands(text):
        words = [w.strip("'\"\\") for w in text[span.start : span.end].split()]
        runs = any(
            "run" in words[i + 1 : i + 3] or "create" in words[i + 1 : i + 3]
            for i, w in enumerate(words)
            if w in _RUNNERS
        )
        image = next((w for w in words if is_litellm_image(w)), None)
        if runs and image is not None:
            what = f"this `{words[0]} run` of {image}"
            where = text.find(image, span.start, span.end)
            out.append(at("LGM310", decommission_message(what, []), path, index, max(where, span.start)))
    return out


class ShellHandler:
    name = "shell"

    def accepts(self, path: PurePath) -> bool:
        return registry.accepts_shell(registry.parts(path))

    def mask_secrets(self, text: str) -> str:
        """The text as it may be shown (diffs): secret-named settings' values masked."""
        return secret_mask.mask_secrets(text)

    def prefilter_tokens(self, ctx: RewriteContext) -> tuple[str, ...]:
        return file_rules.prefilter_tokens(ctx, ctx.key_env)  # a LiteLLM key under the gateway name

    def rewrite(self, path: str, text: str, ctx: RewriteContext) -> RewriteResult:
        index = LineIndex(text)
        p = PurePath(path)
        make = p.name in _MAKE_NAMES or p.suffix.lower() == ".mk"
        res = rewrite_commands(text, ctx, path, index, make=make)
        res.findings += proxy_containers(text, path, index)
        result = placeholder_keys.add_findings(finish(text, res.edits, res.findings, index=index), path, ctx)
        return add_literal_key_findings(result, path, ctx)


HANDLER = ShellHandler()
