"""Apply phase 2's decisions to the handlers' per-file rewrites.

Per connection (decide.py):
- held: every file of it is left as it was and one finding lists every part with file:line;
- migrating, once some handler changed one of its files: every remaining occurrence of a renamed
  variable in a string of its files is renamed too (a dotenv text a test writes, a `parametrize` list,
  a header name), routes appended with `/v1` to a value that now holds it lose theirs; then it is
  checked whole: a LiteLLM variable or proxy URL still used, LITELLM_MASTER_KEY beside the gateway URL,
  or a doubled /v1, and nothing of it changes after all (one finding, every part listed).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from typing import TYPE_CHECKING

from llmgw_migrate.codemods.connections import complete
from llmgw_migrate.codemods.connections.collect import collect
from llmgw_migrate.codemods.connections.decide import (
    ADMIN,
    CLIENT_LANGS,
    FOREIGN,
    HOSTED,
    connections,
    decide,
)
from llmgw_migrate.codemods.connections.model import (
    COMMENT,
    DATA,
    STRING,
    Connection,
    FileFacts,
    Part,
    origin,
)
from llmgw_migrate.codemods.connections.shell_text import command_ranges
from llmgw_migrate.findings import Finding, Status, make, registry

if TYPE_CHECKING:
    from llmgw_migrate.codemods.base import RewriteContext
    from llmgw_migrate.codemods.engine import FileOutcome
    from llmgw_migrate.proxy_urls import UrlMatcher

HELD_FOREIGN = "LGM250"
HELD_ADMIN = "LGM251"
GATEWAY_PROBE = "LGM252"
HALF_MIGRATION = "LGM253"
DOUBLE_V1 = "LGM254"
MAX_LISTED = 30

_PROBE_ON_GATEWAY = re.compile(r"/health/(?:liveliness|readiness)")


def apply_decisions(
    outcomes: Sequence[FileOutcome], facts: Iterable[FileFacts], ctx: RewriteContext
) -> list[Finding]:
    """Complete, or undo, the per-file rewrites so each connection migrates whole; the findings."""
    all_facts = list(facts)
    langs = {f.file: f.lang for f in all_facts}
    by_display = {o.display: o for o in outcomes}
    findings: list[Finding] = []
    for conn in connections(all_facts):
        decision = decide(conn, langs)
        files = [by_display[f] for f in conn.files if f in by_display]
        if decision.hold == FOREIGN:
            _revert(files)
            foreign = conn.foreign or [p for p in conn.parts if p.doc]  # docs naming its variables
            # (its admin calls would hold it too: said, so the user knows it must stay on the proxy)
            admin = sorted(
                {p.name for p in conn.admin_routes if p.role == "admin" and langs.get(p.file) in CLIENT_LANGS}
            )
            also = f"; it also calls the proxy's own API ({', '.join(admin)})" if admin else ""
            findings.append(
                _finding(
                    HELD_FOREIGN,
                    conn,
                    f"a LiteLLM connection is also used where `code` cannot rewrite it "
                    f"({', '.join(sorted({p.at for p in foreign}))}){also}; nothing of it was changed",
                )
            )
            continue
        if decision.hold == HOSTED:
            _revert(files)
            hosted = sorted({p.name for p in conn.hosted})
            # (a local address with no LiteLLM name beside it is likely another server: not listed)
            listed = Connection([p for p in conn.parts if not p.weak], conn.files, conn.borrowing)
            findings.append(
                _finding(
                    HALF_MIGRATION,
                    listed,
                    f"a LiteLLM connection's client takes its base URL from {', '.join(hosted)}, which is "
                    "not known as the proxy; renaming its key alone would send the gateway key there, so "
                    "nothing of it was changed (pass that URL with --from-url if it is the proxy)",
                )
            )
            continue
        if decision.hold == ADMIN:
            _revert(files)
            routes = sorted({p.name for p in conn.admin_routes})
            findings.append(
                _finding(
                    HELD_ADMIN,
                    conn,
                    f"a LiteLLM connection also calls the proxy's own API ({', '.join(routes)}), which the "
                    "gateway does not have; it stays on the proxy, nothing of it was changed",
                )
            )
            continue
        if decision.admin_files:
            kept = [o for o in files if o.display in decision.admin_files]
            _revert(kept)
            files = [o for o in files if o.display not in decision.admin_files]
            routes = sorted({p.name for p in conn.admin_routes})
            findings.append(
                _finding(
                    HELD_ADMIN,
                    Connection(
                        [p for p in conn.parts if p.file in decision.admin_files],
                        sorted(decision.admin_files),
                    ),
                    f"these calls of the proxy's own API ({', '.join(routes)}) stay on the proxy (the "
                    "gateway has none); the rest of the connection migrates",
                )
            )
        if not any(o.changed for o in files):
            continue
        notes, stay = _complete(conn, files, langs, ctx)
        problems = _verify(conn, files, langs, ctx, stay)
        if problems:
            code, why, left = problems
            _revert(files)
            findings.append(_finding(code, conn, why + ": " + ", ".join(p.describe() for p in left[:10])))
            continue
        findings += notes
        findings += _probes(conn, langs)
    seen = {(f.file, f.line) for f in findings if f.code == GATEWAY_PROBE}
    findings += [f for f in _gateway_probes(outcomes, ctx) if (f.file, f.line) not in seen]
    return findings


def _probes(conn: Connection, langs: dict[str, str]) -> list[Finding]:
    """The connection's liveness/readiness probes (`f"{base}/health/liveliness"`), once it moved: the
    gateway does not serve them (a probe is no reason to keep the connection on the proxy)."""
    from llmgw_migrate.codemods.connections.decide import CLIENT_LANGS

    seen: set[tuple[str, int]] = set()
    out: list[Finding] = []
    for p in conn.parts:
        if p.kind != "route" or p.role != "probe" or langs.get(p.file) not in CLIENT_LANGS:
            continue
        if (p.file, p.line) in seen:
            continue
        seen.add((p.file, p.line))
        out.append(
            make(
                GATEWAY_PROBE,
                f"a LiteLLM health probe ({p.name}) on this connection's URL, which now is the gateway's: "
                "the gateway does not serve this route",
                file=p.file,
                line=p.line,
                column=1,
            )
        )
    return out


# --- held ------------------------------------------------------------------------------------------

# Findings that describe a rename the file no longer gets once it is undone, or what a call sends once
# it reaches the gateway (a placeholder model, a model no plan maps), or a key the file would send
# there (LGM355 placeholder, LGM360 literal: computed on the rewritten text before a hold undoes it).
_RENAME_NOTES = frozenset(
    {"LGM302", "LGM306", "LGM308", "LGM261", "LGM271", "LGM332", "LGM359", "LGM355", "LGM360"}
)


def _applied_codes() -> frozenset[str]:
    """Codes that describe a change `--write` applies (dropped with the change when a file is undone)."""
    return frozenset(c for c, info in registry().items() if info.status is Status.exact) | _RENAME_NOTES


def _revert(files: Sequence[FileOutcome]) -> None:
    applied = _applied_codes()
    for o in files:
        if o.result is None:
            continue
        o.result = None
        o.__dict__.pop("new_text", None)  # the cached shown text
        o.findings = [f for f in o.findings if f.code not in applied]


def _finding(code: str, conn: Connection, why: str) -> Finding:
    live = [p for p in conn.parts if p.where != COMMENT]
    # Commented-out settings (`# LITELLM_API_KEY=...` in .env.example) come last: users uncomment them,
    # so they belong to the connection the user has to move by hand.
    shown = live + [p for p in conn.parts if p.where == COMMENT]
    listed = "; ".join(
        p.describe() + (" (commented out)" if p.where == COMMENT else "") for p in shown[:MAX_LISTED]
    )
    if len(shown) > MAX_LISTED:
        listed += f"; and {len(shown) - MAX_LISTED} more"
    first = live[0] if live else conn.parts[0]
    return make(code, f"{why}. Its parts: {listed}", file=first.file, line=first.line, column=1)


# --- completing a migration ---------------------------------------------------------------------------


def _renames(conn: Connection, ctx: RewriteContext) -> dict[str, str]:
    """Each variable of the connection that a handler renames -> its new name (framework prefix kept)."""
    from llmgw_migrate.codemods.file_rules import rename_env

    out: dict[str, str] = {}
    for p in conn.parts:
        if p.kind == "env" and p.name not in out:
            new = rename_env(p.name, ctx)
            if new is not None:
                out[p.name] = new
    return out


def _url_renames(renames: dict[str, str], ctx: RewriteContext) -> dict[str, str]:
    from llmgw_migrate.codemods.file_rules import is_url_var_rename

    return {old: new for old, new in renames.items() if is_url_var_rename(old, new, ctx)}


def _complete(
    conn: Connection, files: Sequence[FileOutcome], langs: dict[str, str], ctx: RewriteContext
) -> tuple[list[Finding], set[tuple[str, int]]]:
    """Complete the rewrites across the connection's files; the findings to report if it migrates, and
    the lines left on the proxy on purpose (file, line)."""
    from llmgw_migrate.codemods.file_rules import split_prefix

    renames = _renames(conn, ctx)
    url_renames = _url_renames(renames, ctx)
    key_names = {ctx.key_env} | {n for n in renames.values() if split_prefix(n)[1] == ctx.key_env}
    markers = (_gateway_host(ctx), ctx.url_env)
    v1_names = _v1_names(files, langs, ctx, renames)
    notes: list[Finding] = []
    stay: set[tuple[str, int]] = set()
    for o in files:
        text = o.result if o.result is not None else o.source
        lang = langs.get(o.display, "data")
        new = _rename_everywhere(text, lang, renames, ctx)
        new = _drop_appended_v1(new, v1_names)
        if not complete.test_file(o.display):
            new = complete.move_values(o.source, new, url_renames, ctx)
        if lang == "shell" and o.result is not None:
            new = _curl_keys(o.source, new, ctx)
        if lang in ("python", "javascript"):
            new, dropped = complete.drop_master_fallback(new, lang, key_names)
            notes += [
                make(
                    complete.MASTER_FALLBACK,
                    "LITELLM_MASTER_KEY was read as the fallback of the gateway key; that read was dropped "
                    "(the proxy's admin key must never be sent to the gateway)",
                    file=o.display,
                    line=ln,
                    column=1,
                )
                for ln in dropped
            ]
        elif new != o.source:
            new, kept = complete.keep_master_commands(o.source, new, markers)
            notes += [
                make(
                    complete.MASTER_ON_GATEWAY,
                    "this command sends the proxy's master key (or a variable holding it); its URL would "
                    "move to the gateway, so the command was left on the proxy",
                    file=o.display,
                    line=lines.start,
                    column=1,
                )
                for lines in kept
            ]
            stay.update((o.display, ln) for lines in kept for ln in lines)
        if new != text:
            o.result = new if new != o.source else None
            o.__dict__.pop("new_text", None)
    return notes, stay


def _rename_everywhere(text: str, lang: str, renames: dict[str, str], ctx: RewriteContext) -> str:
    """Rename what the handlers left of a renamed variable in strings (and data lines), and in a
    `NAME=URL` dotenv text the proxy URL after a renamed URL variable."""
    if lang not in ("python", "javascript") or not renames or not any(old in text for old in renames):
        # Data files' handlers know which names are variables (a Secret's key keeps its name).
        return text
    pattern = re.compile(
        r"(?<![A-Za-z0-9_])("
        + "|".join(re.escape(n) for n in sorted(renames, key=len, reverse=True))
        + r")(?![A-Za-z0-9_])"
    )
    where = _where(text, lang)
    out: list[str] = []
    last = 0
    for m in pattern.finditer(text):
        old = m.group(1)
        new = renames[old]
        if where(m.start()) not in (STRING, DATA) or new in _line(text, m.start()):
            continue  # an identifier, a comment, or a deliberate fallback beside the new name
        out.append(text[last : m.start()])
        out.append(new)
        last = m.end()
        tail = re.match(r"(\s*=\s*[\"']?)(https?://[^\s'\"`]+)", text[m.end() :])
        if tail and new == ctx.url_env:
            url = tail.group(2)
            from llmgw_migrate.codemods.file_rules import urls
            from llmgw_migrate.proxy_urls import gateway_url

            if urls(ctx).classify(url) is not None:
                out.append(tail.group(1) + gateway_url(url, ctx.base_url))
                last = m.end() + tail.end()
    out.append(text[last:])
    return "".join(out)


_SHELL_KEY = re.compile(r"\$(\{?)((?:[A-Z][A-Z0-9]*_)*?LITELLM_[A-Z0-9_]*(?:KEY|TOKEN)[A-Z0-9_]*)(\}?)")


def _curl_keys(source: str, text: str, ctx: RewriteContext) -> str:
    """A command whose URL moved to the gateway sends the gateway key: `Bearer $LITELLM_DEV_KEY` on it
    becomes the gateway key variable (the master key stays, and _verify holds the file)."""
    from llmgw_migrate.codemods.file_rules import is_master_key

    before, after = source.split("\n"), text.split("\n")
    if len(before) != len(after) or "$" not in text:
        return text  # (a handler that adds or drops lines: no way to pair the commands)
    host = _gateway_host(ctx)
    for cmd in command_ranges(after):
        if not any(before[i] != after[i] and host in after[i] for i in cmd):
            continue
        for i in cmd:
            after[i] = _SHELL_KEY.sub(
                lambda m: (
                    m.group(0) if is_master_key(m.group(2)) else f"${m.group(1)}{ctx.key_env}{m.group(3)}"
                ),
                after[i],
            )
    return "\n".join(after)


def _gateway_host(ctx: RewriteContext) -> str:
    from urllib.parse import urlsplit

    return urlsplit(ctx.base_url).netloc or ctx.base_url


def _line(text: str, offset: int) -> str:
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    return text[start : end if end >= 0 else len(text)]


def _where(text: str, lang: str):  # type: ignore[no-untyped-def]
    if lang == "python":
        from llmgw_migrate.codemods.python.connection_facts import PythonSpans

        return PythonSpans(text).where
    if lang == "javascript":
        from llmgw_migrate.codemods import js_facts

        return lambda off: js_facts.where(text, off, _line(text, off))
    return lambda off: COMMENT if _line(text, off).lstrip().startswith(("#", "//")) else DATA


_ASSIGN = re.compile(
    r"^\s*(?:export\s+)?(?:const\s+|let\s+|var\s+)?(?:self\.|this\.)?([A-Za-z_$][\w$]*)\s*(?::\s*[^=\n]{1,80}?)?\s*=(?!=)\s*(.+)$",
    re.MULTILINE,
)


def _v1_names(
    files: Sequence[FileOutcome], langs: dict[str, str], ctx: RewriteContext, renames: dict[str, str]
) -> set[str]:
    """Names whose value now holds the gateway URL with /v1: the URL variable, and names bound to it or
    to a literal gateway URL with /v1, in any file of the connection (to a fixed point)."""
    base = ctx.base_url.rstrip("/")
    if not base.endswith("/v1"):
        return set()
    names = {ctx.url_env} | {n for n, new in renames.items() if new == ctx.url_env}
    assigns: list[tuple[str, str]] = []
    for o in files:
        text = o.result if o.result is not None else o.source
        assigns += [(m.group(1), m.group(2)) for m in _ASSIGN.finditer(text)]
    literals = (base + '"', base + "'", base + "`")
    changed = True
    while changed:
        changed = False
        uses = re.compile(r"(?<![\w$])(?:" + "|".join(re.escape(n) for n in sorted(names)) + r")(?![\w$])")
        for name, rhs in assigns:
            if name in names:
                continue
            # (a dotenv value is unquoted: `LLM_BASE_URL=https://api.llmgateway.io/v1`)
            if any(t in rhs for t in literals) or rhs.strip() == base or uses.search(rhs):
                if _origin_literal(rhs, base):
                    continue  # `X ?? "https://api.llmgateway.io"`: which one holds /v1 is unclear
                names.add(name)
                changed = True
    return names


def _origin_literal(rhs: str, base: str) -> bool:
    origin = base[: -len("/v1")]
    return any(origin + q in rhs for q in ('"', "'", "`"))


def _drop_appended_v1(text: str, names: set[str]) -> str:
    if not names or "/v1" not in text:
        return text
    alt = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    # `${base}/v1/chat`, f"{BASE}/v1/chat", f"{os.environ['LLM_GATEWAY_BASE_URL']}/v1/x"
    text = re.sub(r"(\{[^{}\n]*(?<![\w$])(?:" + alt + r")(?![\w$])[^{}\n]*?\})/v1(?=/|[\"'`])", r"\1", text)
    # BASE + "/v1/chat"
    return re.sub(r"((?<![\w$])(?:" + alt + r")\s*\+\s*[\"'`])/v1(?=/)", r"\1", text)


# --- verifying ------------------------------------------------------------------------------------


def _verify(
    conn: Connection,
    files: Sequence[FileOutcome],
    langs: dict[str, str],
    ctx: RewriteContext,
    stay: Collection[tuple[str, int]] = (),
) -> tuple[str, str, list[Part]] | None:
    """What would keep the connection on the proxy after the rewrites: (code, why, parts) or None.
    `stay`: lines left on the proxy on purpose (a command that sends the master key, reported)."""
    from llmgw_migrate.codemods.file_rules import is_master_key, urls

    renamed = set(_renames(conn, ctx))
    matcher = urls(ctx)
    left: list[Part] = []
    master: list[Part] = []
    doubled: list[Part] = []
    # One scan per file as it now reads (a file nothing changed keeps the facts phase 1 collected).
    after = {
        o.display: (
            collect(o.display, o.result, langs.get(o.display, "data"), matcher)
            if o.result is not None
            else o.facts
        )
        for o in files
    }
    moved = _moved_origins(files, after)
    url_renames = _url_renames(_renames(conn, ctx), ctx)
    # Names other files of the connection build on (bound to a part in the file that defines them).
    borrowed: set[str] = set()
    master_names: set[str] = set()  # names a module binds to the master key (as it now reads)
    for o in files:
        if o.facts is not None:
            borrowed |= o.facts.uses | {name for name, _ in o.facts.appends}
        now = after[o.display]
        if now is not None:
            master_names |= now.master
    conn_renamed = any(p.kind == "env" and p.name in renamed and p.where != COMMENT for p in conn.parts)
    for o in files:
        text = o.result if o.result is not None else o.source
        if o.result is not None and not complete.test_file(o.display):
            # a renamed URL variable that kept a value no rule moved
            left += [
                Part(o.display, v.line, "url", v.url, "url")
                for v in complete.unmoved_values(o.source, text, url_renames, complete.gateway_origin(ctx))
            ]
        if "/v1/v1" in text and "/v1/v1" not in o.source:
            doubled.append(
                Part(o.display, text[: text.index("/v1/v1")].count("\n") + 1, "route", "/v1/v1", "llm")
            )
        lang = langs.get(o.display, "data")
        if o.changed and o.facts is not None and lang in ("python", "javascript"):
            # `from app.config import MASTER` in a client that now reaches the gateway
            for name in sorted(o.facts.uses & master_names):
                master.append(Part(o.display, _first_use(text, name), "env", name, "read", STRING))
        facts = after[o.display]
        if facts is None:
            continue
        has_env = any(p.kind == "env" and p.name in renamed for p in facts.parts)
        # The file as it was: a rename the handler did leaves no LiteLLM name to see after it (then only a
        # URL given as a value counts, not one in prose: `(e.g., http://localhost:4000)` in a docstring).
        had_env = o.facts is not None and any(p.kind == "env" and p.name in renamed for p in o.facts.parts)
        for p in facts.parts:
            if p.where not in (STRING, DATA) or (p.file, p.line) in stay:
                continue
            if p.kind == "env" and p.name in renamed and _renamed_beside(text, p, ctx):
                continue
            if p.kind == "env" and p.name in renamed and lang in ("python", "javascript"):
                left.append(p)  # (data files' handlers keep a name on purpose: a Secret's key)
            elif p.kind == "url" and p.role not in ("admin", "probe") and (p.where == STRING or o.changed):
                # (A data file's handler that changed nothing there left its URLs on purpose: a
                # baseline or report that quotes them, a proxy's own deployment; it reports them.)
                # A weak local address (no LiteLLM name beside it) is the proxy's when it is a bare
                # origin or an LLM API base, and the same address moved elsewhere in the connection or
                # it sits on LiteLLM's port beside a LiteLLM variable; `http://localhost:4000/api` is
                # another server (fixtures/example_app). Python and JS/TS only: their strings are told
                # from comments and names.
                weak_left = (
                    lang in ("python", "javascript")
                    and _bare_or_llm(p.name, matcher)
                    and (
                        origin(p.name) in moved
                        or (
                            origin(p.name).endswith(":4000")
                            and (has_env or (had_env and _given_as_value(text, p)))
                        )
                    )
                ) or (
                    # `DEFAULT_PROXY_ROOT = "http://localhost:4000"` that another module of a renamed
                    # connection builds its base URL on (f"{DEFAULT_PROXY_ROOT}/v1")
                    lang in ("python", "javascript")
                    and conn_renamed
                    and _bare_or_llm(p.name, matcher)
                    and _bound_to(text, p.line) in borrowed
                )
                if not p.weak or weak_left:
                    left.append(p)  # (an admin URL stays on the proxy on purpose, and is reported)
            elif p.kind == "env" and is_master_key(p.name) and lang in ("python", "javascript"):
                master.append(p)
    if doubled:
        return (
            DOUBLE_V1,
            "the gateway URL holds /v1 and code would append /v1 again; nothing of this connection was "
            "changed",
            doubled,
        )
    if left:
        return (
            HALF_MIGRATION,
            "migrating this connection would leave parts of it on the proxy, so nothing of it was changed",
            left,
        )
    if master and any(o.changed for o in files if any(m.file == o.display for m in master)):
        return (
            HALF_MIGRATION,
            "LITELLM_MASTER_KEY would be sent beside the gateway URL (it is the proxy's admin key); nothing "
            "of this connection was changed",
            master,
        )
    return None


def _first_use(text: str, name: str) -> int:
    """The line of the first use of `name` that is not an import (1 when there is none)."""
    rx = re.compile(r"(?<![\w$])" + re.escape(name) + r"(?![\w$])")
    for i, line in enumerate(text.split("\n"), start=1):
        if rx.search(line) and not re.match(r"\s*(?:from\s|import\s)", line):
            return i
    return 1


def _given_as_value(text: str, p: Part) -> bool:
    """Whether the URL is a literal given as a value (`= "url"`, `?? "url"`, `, "url"`, `("url"`)."""
    lines = text.split("\n")
    line = lines[p.line - 1] if 0 < p.line <= len(lines) else ""
    return re.search(r"(?:[=:(,]|\?\?|\|\||\bor)\s*[\"'`]" + re.escape(p.name), line) is not None


def _bound_to(text: str, line: int) -> str | None:
    """The name line `line` of `text` assigns (`NAME = ...`, `export const NAME = ...`), if any."""
    lines = text.split("\n")
    m = _ASSIGN.match(lines[line - 1]) if 0 < line <= len(lines) else None
    return m.group(1) if m else None


def _bare_or_llm(url: str, matcher: UrlMatcher) -> bool:
    from urllib.parse import urlsplit

    path = urlsplit(url).path.rstrip("/")
    return path in ("", "/v1") or matcher.has_llm_path(url)


def _moved_origins(files: Sequence[FileOutcome], after: dict[str, FileFacts | None]) -> set[str]:
    """Proxy origins some handler rewrote in this connection (fewer of them after than before)."""
    from collections import Counter

    before_n: Counter[str] = Counter()
    after_n: Counter[str] = Counter()
    for o in files:
        if o.result is None:
            continue
        for facts, count in ((o.facts, before_n), (after[o.display], after_n)):
            for p in facts.parts if facts is not None else ():
                if p.kind == "url" and p.where != COMMENT:
                    count[origin(p.name)] += 1
    return {u for u, n in before_n.items() if after_n[u] < n}


def _renamed_beside(text: str, p: Part, ctx: RewriteContext) -> bool:
    """A LiteLLM name on a line that also holds its new name is a deliberate fallback."""
    from llmgw_migrate.codemods.file_rules import rename_env

    new = rename_env(p.name, ctx)
    lines = text.split("\n")
    return new is not None and 0 < p.line <= len(lines) and new in lines[p.line - 1]


def _gateway_probes(outcomes: Sequence[FileOutcome], ctx: RewriteContext) -> list[Finding]:
    """LiteLLM's liveness/readiness probes aimed at the gateway, which does not serve them."""
    out: list[Finding] = []
    markers = ("llmgateway", ctx.url_env)
    for o in outcomes:
        text = o.result if o.result is not None else o.source
        if "/health/" not in text:
            continue
        for i, line in enumerate(text.split("\n"), start=1):
            if _PROBE_ON_GATEWAY.search(line) and any(m in line for m in markers):
                out.append(
                    make(
                        GATEWAY_PROBE,
                        "a LiteLLM health probe aimed at the gateway, which does not serve this route",
                        file=o.display,
                        line=i,
                        column=1,
                    )
                )
    return out
