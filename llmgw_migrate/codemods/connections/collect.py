"""Phase 1: the facts one file holds about LiteLLM connections, from its text alone.

A regex scan over text the engine has already read and decoded; cheap, and the same for every language
except where an occurrence sits (a string, an identifier, a comment), which the language's own module
answers (python/connection_facts.py, js_facts.py). Files in languages `code` does not rewrite (Java, Go,
...) get the same scan: an occurrence there stops a rename (decide.py).
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_right
from collections.abc import Callable

from llmgw_migrate.codemods import proxy_own
from llmgw_migrate.codemods.connections.model import CODE, COMMENT, DATA, STRING, FileFacts, Part
from llmgw_migrate.proxy_urls import URL_RE, UrlKind, UrlMatcher

# Files `code` does not rewrite that may read or set a variable: other languages, and the settings
# files of tools (tox.ini's setenv, Terraform, Gradle). Read only for this scan, only when no handler
# takes them; a file that holds none of ANCHORS costs a read and a substring search.
FOREIGN_SUFFIXES = frozenset(
    {".java", ".kt", ".kts", ".go", ".rs", ".cs", ".rb", ".php", ".swift", ".scala", ".groovy"}
    | {".properties", ".gradle", ".tf", ".tfvars", ".hcl", ".ini", ".cfg", ".conf"}
    # Templates (helmfile.yaml.gotmpl, Jinja): `{{ env "X" | default "http://litellm:4000" }}` is the
    # value that runs when X is unset, and no handler rewrites inside a template expression.
    | {".gotmpl", ".tpl", ".tmpl", ".j2", ".jinja", ".jinja2"}
)
TEMPLATE_SUFFIXES = frozenset({".gotmpl", ".tpl", ".tmpl", ".j2", ".jinja", ".jinja2"})
# A template reads a variable: `{{ env "X" }}`, `requiredEnv "X"`, `.Env.X`, Jinja `lookup('env', 'X')`.
TEMPLATE_ENV_ANCHOR = re.compile(rb"\b(?:env|requiredEnv)\b|\.Env\.|lookup\(")
_TEMPLATE_ENV_RE = re.compile(
    r"""\b(?:requiredEnv|env)\s*\(?\s*["']([A-Z][A-Z0-9_]*)["']|\.Env\.([A-Z][A-Z0-9_]*)"""
    r"""|lookup\(\s*["']env["']\s*,\s*["']([A-Z][A-Z0-9_]*)["']"""
)
# Only a client's LLM settings are listed as a template's parts (not its MILVUS_URI or DEFAULT_MODELS).
_CLIENT_VAR_RE = re.compile(r"API_BASE|BASE_URL|OPENAI|LLM|API_KEY")
# A dotenv comment that names LiteLLM above key definitions (`# LiteLLM keys, one per app`): the keys
# below it are the proxy's virtual keys, which the gateway does not know.
_LITELLM_COMMENT_RE = re.compile(r"^[ \t]*#[^\n]*litellm[^\n]*$", re.IGNORECASE | re.MULTILINE)
_DEF_LINE_RE = re.compile(r"[ \t]*(?:export[ \t]+)?([A-Z][A-Z0-9_]*)[ \t]*=")
_KEY_NAME_RE = re.compile(r"(?:^|_)(?:KEY|TOKEN)(?:_|$)")
# Documentation pages: read for the LiteLLM variable names they tell the user to set (decide.py).
DOC_SUFFIXES = frozenset({".md", ".mdx", ".rst"})
# What a file must hold to have any part at all (the scan itself runs only on such files).
ANCHORS = (b"LITELLM", b"litellm", b"LiteLLM", b":4000", b":8000")

ENV_RE = re.compile(r"(?<![A-Za-z0-9_])((?:[A-Z][A-Z0-9]*_)*?LITELLM_[A-Z0-9_]*[A-Z0-9])(?![A-Za-z0-9_])")
# A route appended to something: f"{BASE}/v1/chat", `${base}/key/generate`, BASE + "/health", urljoin(B, "/x")
_TEMPLATE_RE = re.compile(r"\{([^{}\n]{1,160})\}(/[A-Za-z0-9_\-./]*)")
_CONCAT_RE = re.compile(r"([A-Za-z_$][\w$.]*(?:\[[^\]\n]{1,80}\])?)\s*\+\s*[\"'`](/[A-Za-z0-9_\-./]*)")
_SHELL_RE = re.compile(r"\$([A-Za-z_]\w*)(/[A-Za-z0-9_\-./]*)")  # curl "$LITELLM_BASE_URL/health"
_JOIN_RE = re.compile(r"urljoin\(\s*([^,()\n]{1,120}),\s*[\"'](/?[A-Za-z0-9_\-./]+)")
_IDENT_RE = re.compile(r"[A-Za-z_$][\w$]*")
# `NAME = ...`, `const NAME = ...`, `NAME: str = ...`, `export let NAME = ...`
_ASSIGN_RE = re.compile(
    r"^\s*(?:export\s+)?(?:const\s+|let\s+|var\s+)?(?:self\.|this\.)?([A-Za-z_$][\w$]*)\s*(?::\s*[^=\n]{1,80}?)?\s*=(?!=)\s*(.+)$",
    re.MULTILINE,
)
_FIELD_RE = re.compile(r"^[ \t]+(litellm_[a-z0-9_]+)\s*:\s*[A-Za-z]", re.MULTILINE)
_NL = re.compile("\n")
# A client's base URL given as a literal (`api_base="https://llm.example.com"`, `baseURL: "..."`): in a
# file that names LiteLLM, a hosted URL the matcher does not know may still be the proxy (decide.py
# holds a connection whose key would be renamed while such a URL stays).
_BASE_KW_RE = re.compile(
    r"(?<![\w$])(?:api_base|base_url|baseURL|baseUrl|basePath|openai_api_base|api_base_url)\s*[=:]\s*"
    r"[\"'`](https?://[^\s\"'`]+)[\"'`]"
)
NOT_PROXY_HOSTS = ("llmgateway", "openai.com", "anthropic.com", "azure.com", "googleapis.com")
_CONNECTION_NAME_RE = re.compile(r"litellm|lite_llm", re.IGNORECASE)

ADMIN_RE = re.compile(
    r"^/(?:v1/)?(?:key|team|user|customer|organization|spend|global|model|budget|sso|health|routes)(?:/|$)"
)
PROBE_RE = re.compile(r"^/health/(?:liveliness|readiness)")

_SET_RE = re.compile(r"setenv|putenv|environ\[[^\]]+\]\s*=(?!=)|setdefault|process\.env\.\w+\s*=(?!=)")
_DEL_RE = re.compile(r"delenv|unsetenv|del\s+os\.environ|\.pop\(|delete\s+process\.env")
_READ_RE = re.compile(r"getenv|environ|process\.env|import\.meta\.env|Getenv|ENV\[|System\.getenv|env\(")
_DEFINE_RE = re.compile(r"^\s*(?:export\s+)?-?\s*(?:name:\s*)?[\"']?[A-Z][A-Z0-9_]*[\"']?\s*[=:]")


@functools.cache
def relevant_env() -> frozenset[str]:
    """The LiteLLM variables a connection is made of: every renamed one, and the master key."""
    from llmgw_migrate.rules_data import env_renames, master_key_vars

    return frozenset([*env_renames(), *master_key_vars()])


@functools.cache
def base_name(name: str) -> str:
    from llmgw_migrate.codemods.file_rules import split_prefix

    return split_prefix(name)[1]


def route_role(path: str) -> str:
    if PROBE_RE.match(path):
        return "probe"
    if ADMIN_RE.match(path):
        return "admin"
    return "llm"


class _Lines:
    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0] + [m.end() for m in _NL.finditer(text)]

    def line_of(self, offset: int) -> int:
        return bisect_right(self.starts, offset)

    def line_text(self, line: int) -> str:
        start = self.starts[line - 1]
        end = self.starts[line] - 1 if line < len(self.starts) else len(self.text)
        return self.text[start:end]


def _where_fn(lang: str, text: str, lines: _Lines) -> Callable[[int], str]:
    if lang == "python":
        from llmgw_migrate.codemods.python.connection_facts import PythonSpans

        return PythonSpans(text).where
    if lang == "javascript":
        from llmgw_migrate.codemods import js_facts

        return lambda off: js_facts.where(text, off, lines.line_text(lines.line_of(off)))

    def data_where(off: int) -> str:
        stripped = lines.line_text(lines.line_of(off)).lstrip()
        # (in a shell script `--url=$X` continues a command: only `#` starts a comment there)
        if stripped.startswith(("#",) if lang == "shell" else ("#", "//", "/*", "* ", "--")):
            return COMMENT
        return DATA

    return data_where


def _lazy(make: Callable[[], Callable[[int], str]]) -> Callable[[int], str]:
    """The language's `where`, built at the first occurrence (tokenizing costs; most files have none)."""
    built: list[Callable[[int], str]] = []

    def where(offset: int) -> str:
        if not built:
            built.append(make())
        return built[0](offset)

    return where


def _env_role(line: str, start_in_line: int) -> str:
    head = line[:start_in_line]
    if _DEL_RE.search(line):
        return "deleted"
    if _SET_RE.search(line):
        return "set"
    if _READ_RE.search(head):
        return "read"
    if _DEFINE_RE.match(line):
        return "defined"
    if "[" in head and ("," in line):
        return "listed"
    return "mentioned"


def collect(
    display: str, text: str, lang: str, urls: UrlMatcher, *, rewritable: bool = True
) -> FileFacts | None:
    """The parts `text` holds; None when it holds none (most files)."""
    if not any(a.decode() in text for a in ANCHORS):
        return None
    lines = _Lines(text)
    where = _lazy(lambda: _where_fn(lang, text, lines))
    facts = FileFacts(display, lang, rewritable)
    relevant = relevant_env()
    for m in ENV_RE.finditer(text):
        name = m.group(1)
        if base_name(name) not in relevant:
            continue
        ln = lines.line_of(m.start())
        line = lines.line_text(ln)
        col = m.start() - lines.starts[ln - 1]
        facts.parts.append(Part(display, ln, "env", name, _env_role(line, col), where(m.start()), rewritable))
    for m in URL_RE.finditer(text):
        url = m.group(0).rstrip(".,;:")
        kind = urls.classify(url)
        if kind is None:
            continue
        ln = lines.line_of(m.start())
        # A local :4000/:8000 address is the proxy's only beside a LiteLLM name; else it is weak.
        weak = kind is UrlKind.CANDIDATE and not _CONNECTION_NAME_RE.search(lines.line_text(ln))
        # A URL that holds its own route keeps a LiteLLM admin route apart from the LLM ones: its role
        # says which (the handlers leave an admin URL on the proxy and report it).
        path = _path_of(url)
        role = route_role(path) if path else "url"
        facts.parts.append(Part(display, ln, "url", url, role, where(m.start()), rewritable, weak))
    if lang in ("python", "javascript") and _CONNECTION_NAME_RE.search(text):
        for m in _BASE_KW_RE.finditer(text):
            url = m.group(1).rstrip(".,;:")
            if urls.classify(url) is not None or not _hosted(url):
                continue
            if where(m.start(1)) != STRING:
                continue
            ln = lines.line_of(m.start(1))
            facts.parts.append(Part(display, ln, "hosted", url, "url", STRING, rewritable))
    if lang == "python":  # a pydantic-settings field reads its variable by name: litellm_api_key: str
        for m in _FIELD_RE.finditer(text):
            if m.group(1).upper() in relevant:
                ln = lines.line_of(m.start(1))
                facts.parts.append(Part(display, ln, "env", m.group(1).upper(), "read", CODE, rewritable))
    if lang == "shell" and facts.parts:  # `./register_model.sh --url=$LITELLM_BASE_URL` (script_args.py)
        from llmgw_migrate.codemods.connections import script_args

        facts.parts += script_args.parts(display, text, relevant, base_name)
    if facts.parts and proxy_own.launches_proxy(text):  # the proxy's own master key, not a client's
        facts.parts = [
            p for p in facts.parts if not (p.kind == "env" and p.name.endswith("LITELLM_MASTER_KEY"))
        ]
    if not facts.parts:
        return None
    _aliases(facts, text)
    _routes(facts, text, lines, where)
    if lang in ("python", "javascript"):
        _uses(facts, text)
    if lang == "data" and "#" in text:
        _commented_keys(facts, text, lines)
    return facts


def _commented_keys(facts: FileFacts, text: str, lines: _Lines) -> None:
    """Key definitions right below a comment that names LiteLLM (no blank line between): listed with
    the connection (kind "key"), since its finding must name the keys the gateway key replaces."""
    known = {p.name for p in facts.parts if p.kind == "env"}
    for m in _LITELLM_COMMENT_RE.finditer(text):
        ln = lines.line_of(m.start()) + 1
        while ln <= len(lines.starts):
            d = _DEF_LINE_RE.match(lines.line_text(ln))
            if d is None:
                break
            name = d.group(1)
            if _KEY_NAME_RE.search(name) and name not in known:
                facts.parts.append(Part(facts.file, ln, "key", name, "defined", DATA, facts.rewritable))
            ln += 1


# A request a documentation page shows (`curl 'http://localhost:31519/v1/completions'`): an LLM route or a
# LiteLLM key/team/spend route, at any address that is not a provider's.
_DOC_ROUTE_RE = re.compile(
    r"https?://[^\s/\"'`<>()]+(/(?:v1/(?:chat/completions|completions|embeddings|responses|messages)"
    r"|(?:v1/)?(?:key|team|spend|budget|customer|organization)/)[^\s\"'`<>()]*)"
)


def doc_requests(display: str, text: str) -> list[Part]:
    """The requests a documentation page shows (kind "docurl"): listed with a connection the page's
    variables already tie it to, so a held connection's finding names every proxy reference there."""
    lines = _Lines(text)
    out: list[Part] = []
    for m in _DOC_ROUTE_RE.finditer(text):
        url = m.group(0).rstrip(".,;:")
        if any(h in url.lower() for h in NOT_PROXY_HOSTS):
            continue
        out.append(Part(display, lines.line_of(m.start()), "docurl", url, "url", DATA, False, doc=True))
    return out


def collect_template(display: str, text: str, urls: UrlMatcher) -> FileFacts | None:
    """A template file (helmfile.yaml.gotmpl, *.j2): the parts the text scan finds, plus the client
    settings it reads from the environment (`{{ env "OPENAI_API_BASE" }}`). Those are `uses`: a dotenv
    that binds the name to the proxy URL ties the template to its connection, whose finding lists them."""
    facts = collect(display, text, "foreign", urls, rewritable=False) or FileFacts(display, "foreign", False)
    lines = _Lines(text)
    env = {p.name for p in facts.parts if p.kind == "env"}
    for m in _TEMPLATE_ENV_RE.finditer(text):
        name = m.group(1) or m.group(2) or m.group(3)
        if name in env or not _CLIENT_VAR_RE.search(name) or not shareable(name):
            continue
        ln = lines.line_of(m.start())
        # (weak: listed with a connection its file holds, never the reason to hold one by itself)
        facts.parts.append(Part(display, ln, "read", name, "read", DATA, False, weak=True))
        facts.uses.add(name)
    return facts if facts.parts else None


# `from app.settings import A, B as C` / `from x import (A,\n B)`; `import { A, B } from "./x"`;
# `config.LITELLM_BASE_URL`, `settings.litellm_base_url`
_IMPORT_RE = re.compile(
    r"^[ \t]*from[ \t]+[\w.]+[ \t]+import[ \t]+(\([^)]*\)|[^\n]+)|import\s*(?:type\s+)?\{([^}]*)\}\s*from",
    re.MULTILINE,
)
_ATTR_RE = re.compile(r"(?<=[\w)\]])\.([A-Za-z_][\w]*)")


def _uses(facts: FileFacts, text: str) -> None:
    """Shareable names the file imports or reads as attributes and does not bind itself."""
    names: set[str] = set()
    if "import" in text:
        for m in _IMPORT_RE.finditer(text):
            names.update(_IDENT_RE.findall(m.group(1) or m.group(2) or ""))
    names.update(m.group(1) for m in _ATTR_RE.finditer(text))
    env = {p.name for p in facts.parts if p.kind == "env"}
    facts.uses = {n for n in names if shareable(n) and n not in facts.aliases and n not in env}


def _hosted(url: str) -> bool:
    """A public host name (`llm.example.org`), not a local or private address nor a provider's API."""
    import ipaddress
    from urllib.parse import urlsplit

    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return False
    if "." not in host or host.endswith((".local", ".internal", ".localhost")):
        return False
    try:
        ipaddress.ip_address(host)
        return False  # an address, local or not, is another server's as often as the proxy's
    except ValueError:
        pass
    return not any(h in host for h in NOT_PROXY_HOSTS)


def _path_of(url: str) -> str:
    from urllib.parse import urlsplit

    try:
        return urlsplit(url).path.rstrip("/")
    except ValueError:
        return ""


def _aliases(facts: FileFacts, text: str) -> None:
    """Names bound to a part, directly or through another such name (to a fixed point, in this file)."""
    env = {p.name for p in facts.parts if p.kind == "env"}
    urls = {p.name for p in facts.parts if p.kind == "url"}
    assigns = [(m.group(1), m.group(2)) for m in _ASSIGN_RE.finditer(text)]
    from llmgw_migrate.codemods.file_rules import is_master_key

    master_env = {e for e in env if is_master_key(e)}
    known: set[str] = set()
    master: set[str] = set()
    changed = True
    while changed:
        changed = False
        for name, rhs in assigns:
            if name in known or name in env:
                continue
            idents = set(_IDENT_RE.findall(rhs))
            if idents & (env | known) or any(u in rhs for u in urls):
                known.add(name)
                changed = True
                if idents & (master_env | master):
                    master.add(name)
    facts.master = master
    # A settings field named for LiteLLM's address (`litellm_base_url: str = ...`) is one too.
    for name, _ in assigns:
        low = name.lower()
        if _CONNECTION_NAME_RE.search(name) and any(w in low for w in ("url", "base", "host", "endpoint")):
            known.add(name)
    facts.aliases = known


_SHARED_RE = re.compile(r"[A-Z][A-Z0-9_]{3,}|.*(?:litellm|LiteLLM|LITELLM).*")


_ROUTE_PATTERNS = (
    (_TEMPLATE_RE, ("}/",)),
    (_CONCAT_RE, ('+ "/', "+ '/", "+ `/", '+"/', "+'/")),
    (_JOIN_RE, ("urljoin(",)),
    (_SHELL_RE, ("$",)),
)


def shareable(name: str) -> bool:
    """A name distinctive enough to tie files together (`PROXY_BASE`, `litellm_url`; not `base`)."""
    return _SHARED_RE.fullmatch(name) is not None


def _routes(facts: FileFacts, text: str, lines: _Lines, where: Callable[[int], str]) -> None:
    """Routes appended to a part or an alias here; appends to a shareable name defined in another file
    wait in `appends` for decide.py."""
    subjects = facts.aliases | {p.name for p in facts.parts if p.kind == "env"}
    for rx, needs in _ROUTE_PATTERNS:
        if not any(n in text for n in needs):
            continue  # (a substring search is far cheaper than the pattern over the whole file)
        for m in rx.finditer(text):
            idents = _IDENT_RE.findall(m.group(1))
            if not idents or (idents[-1] not in subjects and not shareable(idents[-1])):
                continue
            path = m.group(2).rstrip("/.")
            if not path.startswith("/"):
                path = "/" + path
            if path == "/":
                continue
            ln = lines.line_of(m.start())
            w = where(m.start())
            if w == COMMENT:
                continue
            part = Part(facts.file, ln, "route", path, route_role(path), w, facts.rewritable)
            if idents[-1] in subjects:
                facts.parts.append(part)
            else:
                facts.appends.append((idents[-1], part))


# A code file no handler needed (no LiteLLM name, no proxy address) may still append a route to a name
# another file binds to the proxy (`from config import BASE_URL`, f"{BASE_URL}/v1/chat/completions").
# (one compiled pattern: a pass over each file, where seven substring searches cost ten times more)
APPEND_ANCHOR = re.compile(rb"/(?:v1/|key/|team/|user/|spend/|model/|health)")
APPEND_SUFFIXES = frozenset({".py", ".pyw", ".js", ".mjs", ".cjs", ".jsx", ".ts", ".mts", ".cts", ".tsx"})


def collect_appends(display: str, text: str, lang: str) -> FileFacts | None:
    """Routes appended to shareable names in a file with no part of its own (decide.py ties them)."""
    facts = FileFacts(display, lang, True)
    lines = _Lines(text)
    _routes(facts, text, lines, _lazy(lambda: _where_fn(lang, text, lines)))
    return facts if facts.appends else None


def lang_of(handler_names: tuple[str, ...] | list[str]) -> str:
    """The scan's language for a candidate, from the handlers that took it."""
    if "python" in handler_names:
        return "python"
    if "javascript" in handler_names:
        return "javascript"
    if "shell" in handler_names:
        return "shell"  # a script's curl is a client of the proxy, like code
    return "data"
