""".env files (.env, .env.example, .env.local, *.env, .envrc, .flaskenv): keys renamed, proxy URLs replaced.

The file is read as python-dotenv does (KEY=value, `export KEY=value`, single/double quotes, double-quoted
values across lines, ` #` comments after unquoted values); only the key and the value's inner text are
spliced, so comments, order, quoting and blank lines stay. Lines that are not assignments are left alone
(.envrc is a shell script: the shell rules read it).

Commented-out settings (`# LITELLM_BASE_URL=http://localhost:4000`) are documentation users uncomment:
when the file's live settings migrate, they are rewritten by the same rules, so uncommenting one later
does not bring the proxy back. In a file whose live settings do not change, a commented-out setting of
a variable some other file renamed in this run follows the rename (`complete_comments`, after phase 2:
only what really moved); the others stay as they are.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import TYPE_CHECKING

from llmgw_migrate.codemods import file_rules, placeholder_keys, registry, secret_mask, shell
from llmgw_migrate.codemods.base import RewriteContext, RewriteError, RewriteResult
from llmgw_migrate.codemods.findings_util import at
from llmgw_migrate.codemods.text_edits import Edit, LineIndex, finish
from llmgw_migrate.findings import Finding

if TYPE_CHECKING:
    from llmgw_migrate.codemods.engine import FileOutcome

_CODE_SUFFIXES = registry.DOTENV_CODE_SUFFIXES
_ASSIGN_RE = re.compile(r"[ \t]*(?:export[ \t]+)?(?P<key>[A-Za-z_][A-Za-z0-9_.\-]*)[ \t]*=[ \t]*")
# `# KEY=value` / `#export KEY="value"`: an upper-case name right after the hash marks, so prose
# (`# Note: a = b`) is never read as a setting.
_COMMENTED_RE = re.compile(
    r"^[ \t]*#+[ \t]*(?:export[ \t]+)?(?P<key>[A-Z_][A-Z0-9_]*)[ \t]*=[ \t]*(?P<value>[^\n]*)$", re.MULTILINE
)


@dataclass(frozen=True)
class EnvEntry:
    key: str
    key_start: int
    value: str  # the value as written inside its quotes (escapes not decoded: we splice text)
    value_start: int
    quote: str  # "", "'" or '"'


def parse(text: str) -> tuple[list[EnvEntry], list[tuple[int, int]]]:
    """Assignments, and the (start, end) spans of the other non-blank, non-comment lines."""
    entries: list[EnvEntry] = []
    others: list[tuple[int, int]] = []
    pos = 0
    n = len(text)
    index: LineIndex | None = None
    while pos < n:
        eol = text.find("\n", pos)
        eol = n if eol == -1 else eol
        line = text[pos:eol]
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            pos = eol + 1
            continue
        m = _ASSIGN_RE.match(line)
        if not m:
            others.append((pos, eol))
            pos = eol + 1
            continue
        vstart = pos + m.end()
        quote = text[vstart] if vstart < n and text[vstart] in "'\"" else ""
        if quote:
            close = _closing_quote(text, vstart + 1, quote)
            if close == -1:
                index = index or LineIndex(text)
                line_no, col = index.position(vstart)
                raise RewriteError(
                    f"unterminated {quote} quote in the value of {m.group('key')}", line_no, col
                )
            entries.append(
                EnvEntry(m.group("key"), pos + m.start("key"), text[vstart + 1 : close], vstart + 1, quote)
            )
            nl = text.find("\n", close)
            pos = n if nl == -1 else nl + 1
            continue
        raw = line[m.end() :]
        hash_at = re.search(r"[ \t]#", raw)
        if hash_at:
            raw = raw[: hash_at.start()]
        entries.append(EnvEntry(m.group("key"), pos + m.start("key"), raw.rstrip(), vstart, ""))
        pos = eol + 1
    return entries, others


def _closing_quote(text: str, start: int, quote: str) -> int:
    i = start
    while i < len(text):
        c = text[i]
        if c == "\\" and quote == '"':
            i += 2
            continue
        if c == quote:
            return i
        i += 1
    return -1


def commented(text: str) -> list[EnvEntry]:
    """The commented-out single-line settings of a dotenv text (quotes and a trailing ` #` note off)."""
    out: list[EnvEntry] = []
    for m in _COMMENTED_RE.finditer(text):
        raw = m.group("value")
        start = m.start("value")
        quote = raw[:1] if raw[:1] in "'\"" else ""
        if quote:
            close = raw.find(quote, 1)
            if close == -1:
                continue  # (a value across lines is no setting to uncomment)
            value, start = raw[1:close], start + 1
        else:
            hash_at = re.search(r"[ \t]#", raw)
            value = (raw[: hash_at.start()] if hash_at else raw).rstrip()
        out.append(EnvEntry(m.group("key"), m.start("key"), value, start, quote))
    return out


def _commented_edits(text: str, ctx: RewriteContext, llm_file: bool) -> list[Edit]:
    """The live settings' rewrites applied to the commented-out ones (their notes are not repeated)."""
    return [e for entry in commented(text) for e in _entry_edits(entry, ctx, llm_file)]


def _entry_edits(entry: EnvEntry, ctx: RewriteContext, llm_file: bool) -> list[Edit]:
    res = file_rules.rewrite_assignment(entry.key, entry.value, ctx, llm_file=llm_file)
    edits: list[Edit] = []
    if res.new_key:
        edits.append(Edit(entry.key_start, entry.key_start + len(entry.key), res.new_key))
    if res.new_value is not None and res.new_value != entry.value:
        edits.append(Edit(entry.value_start, entry.value_start + len(entry.value), res.new_value))
    return edits


def complete_comments(outcomes: Sequence[FileOutcome], ctx: RewriteContext) -> None:
    """After phase 2: the commented-out settings of dotenv files follow the variables the run renamed
    elsewhere (a rename covers the whole repository). A held connection renamed nothing: no change."""
    from llmgw_migrate.codemods.repository_renames import renamed

    pending: list[tuple[FileOutcome, str, list[EnvEntry]]] = []
    for o in outcomes:
        if (
            o.error is not None
            or not registry.accepts_dotenv(registry.parts(o.path))
            or o.path.name == ".envrc"
        ):
            continue
        text = o.result if o.result is not None else o.source
        if "#" in text and (entries := commented(text)):
            pending.append((o, text, entries))
    if not pending:
        return
    names = {e.key for _o, _t, entries in pending for e in entries}
    moved = renamed(outcomes, names, ctx)
    for o, text, entries in pending:
        edits: list[Edit] = []
        for entry in entries:
            if entry.key in moved:
                edits += _entry_edits(entry, ctx, file_rules.llm_signals(text))
        if edits:
            o.result = finish(text, edits, [], index=LineIndex(text)).text
            o.__dict__.pop("new_text", None)  # the cached shown text


class DotenvHandler:
    name = "dotenv"

    def accepts(self, path: PurePath) -> bool:
        return registry.accepts_dotenv(registry.parts(path))

    def mask_secrets(self, text: str) -> str:
        """The text as it may be shown (diffs): secret-named settings' values masked."""
        return secret_mask.mask_secrets(text)

    def prefilter_tokens(self, ctx: RewriteContext) -> tuple[str, ...]:
        return file_rules.prefilter_tokens(ctx, ctx.key_env)  # a LiteLLM key under the gateway name

    def rewrite(self, path: str, text: str, ctx: RewriteContext) -> RewriteResult:
        index = LineIndex(text)
        if PurePath(path).name == ".envrc":
            # direnv files are shell scripts (export lines, dotenv, source_env): the shell rules apply
            res = shell.rewrite_commands(text, ctx, path, index)
            result = finish(text, res.edits, res.findings, index=index)
            return placeholder_keys.add_findings(result, path, ctx)
        entries, _others = parse(text)
        llm_file = file_rules.llm_signals(text)
        edits: list[Edit] = []
        findings: list[Finding] = []
        for entry in entries:
            res_a = file_rules.rewrite_assignment(entry.key, entry.value, ctx, llm_file=llm_file)
            if res_a.new_key:
                edits.append(Edit(entry.key_start, entry.key_start + len(entry.key), res_a.new_key))
            if res_a.new_value is not None:
                edits.append(Edit(entry.value_start, entry.value_start + len(entry.value), res_a.new_value))
            findings += [at(code, msg, path, index, entry.key_start) for code, msg in res_a.notes]
        if edits:
            edits += _commented_edits(text, ctx, llm_file)
        return placeholder_keys.add_findings(finish(text, edits, findings, index=index), path, ctx)


HANDLER = DotenvHandler()
