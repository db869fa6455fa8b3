"""The rules every non-Python handler shares: env var renames, proxy URL values, model-name settings.

A handler finds the settings of its file type (a .env line, a compose `environment:` entry, a Dockerfile
`ENV`, a TOML key, a JS property) and asks these functions what each becomes. The answers are the same
whatever the syntax, so `LITELLM_API_KEY` is renamed alike in a .env file, a workflow and a Dockerfile.
Data: rules/rewrites/files/common.yaml and rules/rewrites/env_vars.yaml.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any
from urllib.parse import urlsplit

from llmgw_migrate.codemods.base import RewriteContext
from llmgw_migrate.proxy_urls import URL_RE, UrlKind, UrlMatcher, gateway_url
from llmgw_migrate.rules_data import env_renames, load_rule_data, master_key_vars

Note = tuple[str, str]  # (finding code, message); the handler adds the location


def name_suffix(path: PurePath) -> tuple[str, str]:
    """(name, lower-case suffix) of a path, cheaply: `accepts` runs for every file of a monorepo."""
    name = path.name
    dot = name.rfind(".")
    return name, (name[dot:].lower() if 0 < dot < len(name) - 1 else "")


@functools.cache
def data() -> dict[str, Any]:
    return load_rule_data("files/common")


@functools.cache
def matcher(from_urls: tuple[str, ...], not_proxy_ports: tuple[int, ...] = ()) -> UrlMatcher:
    return UrlMatcher(from_urls, not_proxy_ports)


def urls(ctx: RewriteContext) -> UrlMatcher:
    return matcher(ctx.from_urls, ctx.not_proxy_ports)


@functools.cache
def _renames(key_env: str) -> dict[str, str]:
    return env_renames(key_env)


@functools.cache
def _env_data() -> dict[str, Any]:
    return load_rule_data("env_vars")


def key_vars() -> frozenset[str]:
    return frozenset(_env_data()["key_vars"])


def conditional_url_vars() -> frozenset[str]:
    return frozenset(_env_data()["conditional_url_vars"])


def split_prefix(name: str) -> tuple[str, str]:
    """`VITE_LITELLM_API_KEY` -> ("VITE_", "LITELLM_API_KEY"); without a framework prefix -> ("", name)."""
    for prefix in data()["framework_prefixes"]:
        if name.startswith(prefix) and len(name) > len(prefix):
            return prefix, name[len(prefix) :]
    return "", name


def rename_env(name: str, ctx: RewriteContext, *, client_key: bool = False) -> str | None:
    """The new name of env var `name`, or None when it keeps its name.

    LITELLM_MASTER_KEY is renamed only when `client_key` (it is sent as a client's key); elsewhere it is
    the proxy's own admin setting.
    """
    prefix, base = split_prefix(name)
    new = _renames(ctx.key_env).get(base)
    if new is None and client_key and base in master_key_vars():
        new = ctx.key_env
    return prefix + new if new else None


def is_master_key(name: str) -> bool:
    return split_prefix(name)[1] in master_key_vars()


def is_key_var(name: str) -> bool:
    """Renamed to the gateway key variable (its value is a LiteLLM key)."""
    return split_prefix(name)[1] in key_vars()


_WORD_RE = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+")


def words(name: str) -> list[str]:
    """`OPENAI_BASE_URL` -> [openai, base, url]; `litellmBaseUrl` -> [litellm, base, url]."""
    return [w.lower() for w in _WORD_RE.findall(name)]


def is_llm_key(name: str) -> bool:
    """A setting or variable named for an LLM: a local :4000/:8000 URL in it is the proxy."""
    if not name:
        return False
    if "litellm" in name.lower() or split_prefix(name)[1] in conditional_url_vars():
        return True
    return any(w in data()["llm_key_words"] for w in words(name))


def origin_only_key(name: str) -> bool:
    """Settings read by the Anthropic SDK, which appends /v1/messages itself: no /v1 in the URL."""
    return any(w in data()["origin_url_key_words"] for w in words(name))


BASE_URL_KEYS = frozenset(
    {
        "baseURL",
        "baseUrl",
        "base_url",
        "apiBase",
        "api_base",
        "apiBaseUrl",
        "api_base_url",
        "endpoint",
        "url",
        "apiUrl",
        "api_url",
        "host",
        "server",
        "serverUrl",
    }
)
LLM_PROVIDERS = frozenset(
    {"openai", "anthropic", "litellm", "azure", "azure-openai", "openai-compatible", "ollama"}
)


def llm_settings_object(pairs: dict[str, object]) -> bool:
    """A settings object that describes an LLM endpoint: it names a model, or an LLM provider
    (`{"provider": "openai", "model": "smart", "apiBase": ...}` in Continue, promptfoo, aider configs)."""
    if any(k in pairs for k in ("model", "model_name", "modelName", "models")):
        return True
    provider = pairs.get("provider") or pairs.get("type")
    return isinstance(provider, str) and provider.lower() in LLM_PROVIDERS


def is_model_key(name: str) -> bool:
    return "model" in words(name)


def model_for(value: str, ctx: RewriteContext) -> str | None:
    """The gateway id for a client-facing model name from the plan, or None."""
    new = ctx.model_map.get(value)
    if new is None or new == value:
        return None
    return new


def litellm_only_path(url: str) -> bool:
    try:
        path = urlsplit(url).path
    except ValueError:
        return False
    if path.startswith("/v1/"):
        path = path[3:]
    return any(path == p.rstrip("/") or path.startswith(p) for p in data()["litellm_only_paths"])


def legacy_completions(url: str) -> bool:
    try:
        path = urlsplit(url).path.rstrip("/")
    except ValueError:
        return False
    return path.endswith("/completions") and not path.endswith("/chat/completions")


@dataclass
class UrlOutcome:
    new: str | None = None  # replacement, None when left alone
    notes: list[Note] = field(default_factory=list)
    candidate_left: bool = False  # a local :4000/:8000 URL not in an LLM context


def rewrite_url(url: str, ctx: RewriteContext, *, llm_context: bool, with_v1: bool = True) -> UrlOutcome:
    """What a URL value becomes: the gateway URL when it is the proxy, with notes for what cannot move."""
    kind = urls(ctx).classify(url)
    out = UrlOutcome()
    if kind is None or _public_litellm_site(url):
        return out
    if kind is UrlKind.CANDIDATE and not llm_context:
        out.candidate_left = True
        return out
    if litellm_only_path(url):
        out.notes.append(("LGM304", f"{_redact(url)} is a LiteLLM-only route; left unchanged"))
        return out
    if legacy_completions(url):
        out.notes.append(("LGM305", f"{_redact(url)} calls the legacy completions route"))
    out.new = gateway_url(url, ctx.base_url, with_v1=with_v1)
    return out


def _public_litellm_site(url: str) -> bool:
    try:
        host = (urlsplit(url.strip()).hostname or "").lower()
    except ValueError:
        return False
    return host in data()["public_litellm_hosts"]


def _redact(url: str) -> str:
    """A URL for a message: userinfo (user:password@) and query strings could carry secrets."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "URL"
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


# $NAME, ${NAME}, ${NAME:-x}, $(NAME) (make), ${{ secrets.NAME }} / env. / vars. (GitHub Actions),
# ${localEnv:NAME} (devcontainers), %NAME% is not handled (Windows batch is out of scope).
_REF_RE = re.compile(
    r"(?P<pre>\$\{\{\s*(?P<ns>secrets|env|vars)\.|\$\{(?:localEnv:|containerEnv:|env:)?|\$\(|\$)"
    r"(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
)
_CLIENT_KEY_HINT = re.compile(r"(bearer|api[-_]?key|authorization|token)\W*$", re.IGNORECASE)


@dataclass
class RefRename:
    start: int  # offset of the name inside the value
    end: int
    old: str
    new: str
    secret: bool  # a CI secret (${{ secrets.X }}): it must be created under the new name


def rename_refs(value: str, ctx: RewriteContext, *, client_key: bool = False) -> list[RefRename]:
    """Env var references inside a value or command that are renamed."""
    if "$" not in value:
        return []
    out = []
    for m in _REF_RE.finditer(value):
        name = m.group("name")
        if "LITELLM" not in name.upper():
            continue
        as_key = client_key or bool(_CLIENT_KEY_HINT.search(value[max(0, m.start() - 40) : m.start()]))
        new = rename_env(name, ctx, client_key=as_key)
        if new:
            out.append(RefRename(m.start("name"), m.end("name"), name, new, m.group("ns") == "secrets"))
    return out


def apply_ref_renames(value: str, renames: list[RefRename], ctx: RewriteContext | None = None) -> str:
    """Apply the renames; with `ctx`, also drop a "/v1" after a reference renamed to the gateway URL var."""
    for r in sorted(renames, key=lambda r: r.start, reverse=True):
        tail = value[r.end :]
        if ctx is not None and is_url_var_rename(r.old, r.new, ctx):
            v1 = strip_v1_after(value, r.end)
            if v1 is not None:
                tail = value[r.end : v1[0]] + value[v1[1] :]
        value = value[: r.start] + r.new + tail
    return value


def is_reference(value: str) -> bool:
    v = value.strip()
    return v.startswith("$") or v.startswith("os.environ/") or v.startswith("%")


_PLACEHOLDER_RE = re.compile(
    r"^(<.*>|\{\{.*\}\}|x+|\*+|changeme|change-me|todo|\.\.\.|(?:your|replace|test|dummy|fake|example|mock|placeholder)"
    r"(?:[-_].*)?)$",
    re.I,
)


def is_secret_literal(value: str) -> bool:
    """A value that looks like a real key (not empty, not a reference, not an obvious placeholder)."""
    v = value.strip().strip("'\"")
    return bool(v) and not is_reference(v) and not _PLACEHOLDER_RE.match(v)


@dataclass
class Assignment:
    """What a KEY=value setting becomes."""

    new_key: str | None = None
    new_value: str | None = None
    notes: list[Note] = field(default_factory=list)
    candidate_left: bool = False


def rewrite_assignment(
    key: str,
    value: str,
    ctx: RewriteContext,
    *,
    llm_file: bool = False,
    key_is_env: bool = True,
    with_v1: bool | None = None,
) -> Assignment:
    """Rename an env var setting and rewrite its value (URL, references, model name).

    `key_is_env`: the key is an environment variable name (renamed); otherwise only a context for the
    value (a YAML/TOML/JSON key such as `litellm_url`). `llm_file`: the file also talks to an LLM, so a
    local :4000 URL left alone deserves an LGM301 note. `with_v1`: False when the value is used as a
    prefix of `/v1/...` paths (see `origin_prefix_vars`); by default only Anthropic settings get no /v1.
    """
    out = Assignment()
    if key_is_env:
        out.new_key = rename_env(key, ctx)
        if is_master_key(key):
            out.notes.append(("LGM303", f"{key} is the proxy's admin key; kept"))
        if split_prefix(key)[1] in data()["proxy_only_settings"]:
            out.notes.append(("LGM307", f"{key} has no effect on the gateway"))
    stripped = value.strip()
    new_value = value
    refs = rename_refs(value, ctx, client_key=_names_a_key(key) and not is_master_key(key))
    if refs:
        new_value = apply_ref_renames(value, refs, ctx)
        for r in refs:
            if r.secret:
                out.notes.append(
                    ("LGM306", f"secret {r.old} is now read as {r.new}: create it with a gateway key")
                )
    if URL_RE.fullmatch(stripped):
        v1 = with_v1 if with_v1 is not None else not origin_only_key(key)
        res = rewrite_url(stripped, ctx, llm_context=is_llm_key(key), with_v1=v1)
        out.notes.extend(res.notes)
        out.candidate_left = res.candidate_left
        if res.new is not None and res.new != stripped:
            new_value = new_value.replace(stripped, res.new, 1)
    elif "${" in new_value:
        # KEY: ${KEY:-http://litellm:4000/v1} (compose, shell): the default is the URL used when KEY is
        # unset, so it moves with the renamed variable (else the gateway key goes to the proxy).
        v1 = with_v1 if with_v1 is not None else not origin_only_key(key)
        for m in reversed(list(_REF_DEFAULT_RE.finditer(new_value))):
            url = m.group("url")
            llm = is_llm_key(key) or is_llm_key(m.group("name"))
            res = rewrite_url(url, ctx, llm_context=llm, with_v1=v1)
            out.notes.extend(res.notes)
            if res.new is not None and res.new != url:
                new_value = new_value[: m.start("url")] + res.new + new_value[m.end("url") :]
    elif is_model_key(key):
        model = model_for(stripped, ctx)
        if model is not None:
            new_value = new_value.replace(stripped, model, 1)
    if out.candidate_left and llm_file:
        out.notes.append(("LGM301", f"local address in {key} left unchanged"))
    if out.new_key and is_key_var(key) and is_secret_literal(value):
        out.notes.append(("LGM302", f"{key} -> {out.new_key}: its value is a LiteLLM key"))
    elif not out.new_key and is_gateway_key_var(key, ctx) and looks_like_litellm_key(value):
        # After `--write` the rename is done but the value still is the old key: the reminder stays
        # until a person puts a gateway key (llmgtwy_...) there.
        out.notes.append(("LGM302", f"{key}: its value looks like a LiteLLM key, not a gateway key"))
    if new_value != value:
        out.new_value = new_value
    return out


def is_gateway_key_var(name: str, ctx: RewriteContext) -> bool:
    """The gateway key variable (`--key-env`, LLM_GATEWAY_API_KEY by default), with any prefix."""
    return split_prefix(name)[1] == ctx.key_env or name == ctx.key_env


def looks_like_litellm_key(value: str) -> bool:
    """A literal `sk-...` key (LiteLLM's virtual and master keys); gateway keys start `llmgtwy_`."""
    v = value.strip().strip("'\"")
    return is_secret_literal(v) and v.startswith("sk-") and len(v) >= 8


_REF_DEFAULT_RE = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*):?-(?P<url>https?://[^\s}'\"]+)\}")


def _names_a_key(key: str) -> bool:
    w = words(key)
    return "key" in w or "token" in w or "auth" in w or "authorization" in w


def llm_signals(text: str) -> bool:
    """A cheap file-level hint that the file talks to an LLM (for LGM301 notes only)."""
    low = text.lower()
    return any(
        token in low
        for token in ("litellm", "openai", "anthropic", "llm_", "llm-gateway", "/chat/completions")
    )


def prefilter_tokens(ctx: RewriteContext, *extra: str) -> tuple[str, ...]:
    """Substrings at least one of which a file needs to hold anything these rules change or report."""
    from llmgw_migrate.codemods.registry import shared_tokens

    return shared_tokens(ctx, *extra)


_PREFIX_USE_RE = re.compile(r"\$(?:\{|\()?(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:\}|\))?/v1(?:/|\b)")


def origin_prefix_vars(text: str) -> frozenset[str]:
    """Variables used as `$VAR/v1/...` in the text: their URL value must stay an origin (no /v1)."""
    if "/v1" not in text:
        return frozenset()
    return frozenset(m.group("name") for m in _PREFIX_USE_RE.finditer(text))


def v1_for(key: str, prefix_vars: frozenset[str], ctx: RewriteContext) -> bool | None:
    """with_v1 for a setting named `key`, given the file's `$VAR/v1` uses.

    A variable renamed to the gateway's URL variable always gets the /v1 base (the OpenAI SDK convention,
    so LLM_GATEWAY_BASE_URL means the same in every file); its `$VAR/v1/...` uses lose their "/v1"
    instead (`strip_v1_after`). Other variables used as `$VAR/v1/...` in the file stay an origin.
    """
    if rename_env(key, ctx) is None and key in prefix_vars:
        return False
    return None


def is_url_var_rename(old: str, new: str, ctx: RewriteContext) -> bool:
    return split_prefix(new)[1] == _env_data()["url_target"] and split_prefix(old)[1] != split_prefix(new)[1]


_V1_AFTER_REF_RE = re.compile(r"(?:\}|\))?/v1(?=/|$|[\s\"'`])")


def strip_v1_after(text: str, ref_end: int) -> tuple[int, int] | None:
    """The span of a "/v1" right after a reference ending at `ref_end` (`$X/v1/...`, `${X}/v1`, `$(X)/v1`)."""
    if text[ref_end : ref_end + 1] in ("-", "=", "+", "?") or text[ref_end : ref_end + 2] in (
        ":-",
        ":=",
        ":+",
        ":?",
    ):
        close = text.find("}", ref_end)  # ${NAME:-default}/v1: look after the default
        if close != -1:
            ref_end = close
    m = _V1_AFTER_REF_RE.match(text, ref_end)
    if not m:
        return None
    return m.end() - 3, m.end()
