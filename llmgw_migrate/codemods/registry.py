"""Which files each handler takes and which substrings make a file a candidate, as light data.

The engine prefilters a whole monorepo with this module alone: no handler module (libcst, ruamel.yaml,
tree-sitter grammars) is imported until a file it takes holds one of its tokens. The handlers' own
`accepts` and `prefilter_tokens` delegate here, so there is one definition of each.
"""

from __future__ import annotations

import functools
import importlib
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from llmgw_migrate.codemods.base import FileHandler, RewriteContext

# (name, suffix as written, lower-case suffix, parent folder's name, the whole path); suffix "" when there
# is none
Parts = tuple[str, str, str, str, str]


def parts(path: PurePath | str) -> Parts:
    """What `accepts` looks at, computed once per file."""
    s = str(path).replace(os.sep, "/") if os.sep != "/" else str(path)
    slash = s.rfind("/")
    name = s[slash + 1 :]
    parent = s[s.rfind("/", 0, slash) + 1 : slash] if slash > 0 else ""
    dot = name.rfind(".")
    suffix = name[dot:] if 0 < dot < len(name) - 1 else ""
    return name, suffix, suffix.lower(), parent, s


# --- which files -----------------------------------------------------------------------------------

PYTHON_SUFFIXES = (".py", ".pyw", ".pyi")
JS_SUFFIX_LANG = {
    ".js": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".jsx": "javascript",
    ".ts": "typescript",
    ".mts": "typescript",
    ".cts": "typescript",
    ".tsx": "tsx",
}
DOTENV_CODE_SUFFIXES = {
    *(".py", ".js", ".ts", ".json", ".yaml", ".yml", ".toml"),
    *(".sh", ".md", ".txt", ".go", ".rs"),
}
JSON_SKIP_NAMES = {"package-lock.json", "npm-shrinkwrap.json", "composer.lock", "Pipfile.lock"}
SHELL_SUFFIXES = {".sh", ".bash", ".zsh", ".ksh", ".mk"}
MAKE_NAMES = {"Makefile", "makefile", "GNUmakefile", "Justfile", "justfile"}
REQUIREMENTS_RE = re.compile(r"^(?:.*requirements.*|constraints.*|requires)\.(?:txt|in|pip)$", re.IGNORECASE)
LOCK_NAMES = {"poetry.lock", "uv.lock", "pdm.lock"}
INIT_PTH = "litellm_init.pth"  # what litellm 1.82.8 (credential stealer) dropped into site-packages


def accepts_python(p: Parts) -> bool:
    return p[1] in PYTHON_SUFFIXES


def accepts_notebook(p: Parts) -> bool:
    return p[2] == ".ipynb"


def accepts_javascript(p: Parts) -> bool:
    return p[2] in JS_SUFFIX_LANG and not p[0].endswith((".min.js", ".d.ts", ".bundle.js"))


def accepts_dotenv(p: Parts) -> bool:
    name, _, suffix, _, _ = p
    if name in (".env", ".envrc", ".flaskenv", "env.example", "env.sample", "env.template"):
        return True
    if name.startswith((".env-", ".env_")):
        return suffix not in DOTENV_CODE_SUFFIXES
    if name.startswith(".env."):
        return suffix not in DOTENV_CODE_SUFFIXES or name.endswith((".example", ".sample"))
    return name.endswith(".env") and len(name) > 4


def accepts_yaml(p: Parts) -> bool:
    return p[2] in (".yml", ".yaml")


def accepts_json(p: Parts) -> bool:
    name, _, suffix, _, _ = p
    return (
        suffix in (".json", ".jsonc", ".json5")
        and name not in JSON_SKIP_NAMES
        and not name.endswith(".min.json")
    )


def accepts_toml(p: Parts) -> bool:
    return p[2] == ".toml" or p[0] == "Pipfile"


def accepts_docker(p: Parts) -> bool:
    low = p[0].lower()
    return (
        low in ("dockerfile", "containerfile")
        or low.startswith(("dockerfile.", "containerfile."))
        or low.endswith((".dockerfile", ".containerfile"))
    )


def accepts_shell(p: Parts) -> bool:
    return p[2] in SHELL_SUFFIXES or p[0] in MAKE_NAMES


OTHER_LANGUAGE_SUFFIXES = frozenset(
    {".java", ".kt", ".kts", ".go", ".rs", ".cs", ".rb", ".php", ".swift", ".scala", ".properties"}
)


# Handlers that report but never rewrite: the connection model treats their files as foreign parts.
REPORT_ONLY_HANDLERS = frozenset({"other_languages"})


def accepts_other_language(p: Parts) -> bool:
    """Languages `code` reports in but does not rewrite (codemods/other_languages.py)."""
    return p[2] in OTHER_LANGUAGE_SUFFIXES


def accepts_dependencies(p: Parts) -> bool:
    name, _, suffix, parent, _ = p
    if suffix in (".txt", ".in", ".pip"):
        return bool(REQUIREMENTS_RE.match(name)) or parent == "requirements"
    return name in LOCK_NAMES or name == "Pipfile.lock" or name == INIT_PTH


# --- which contents ----------------------------------------------------------------------------------


def shared_tokens(ctx: RewriteContext, *extra: str) -> tuple[str, ...]:
    """Substrings at least one of which a file needs to hold anything the shared file rules change or
    report: the proxy's address, LiteLLM's name, the plan's model names (DEFAULT_MODEL=smart)."""
    tokens = [*ctx.urls.prefilter_tokens(), "LiteLLM", "Litellm", *extra]
    tokens += list(ctx.model_map)
    return tuple(dict.fromkeys(tokens))


def python_tokens(ctx: RewriteContext) -> tuple[str, ...]:
    # Everything a rule can fire on names LiteLLM, the proxy's address, or (after migration, for the
    # findings that still apply) the gateway; x-litellm-* headers contain "litellm".
    tokens = list(ctx.urls.prefilter_tokens())
    tokens += ["llmgateway", ctx.key_env, ctx.url_env]
    # A plan's client-facing names, quoted as in `model="smart"`: a file that sends one through a
    # client made elsewhere is parsed so it gets LGM212 (a missed rewrite is at least a finding).
    for name in ctx.model_map:
        if name and "'" not in name and '"' not in name:
            tokens += [f'"{name}"', f"'{name}'"]
    return tuple(dict.fromkeys(t for t in tokens if t))


# A local :4000/:8000 address is as often an ordinary web backend as the proxy. The Python rules change
# or report one only where it reaches an LLM client, sits in an LLM- or LiteLLM-named variable, setting or
# dict key, or carries an LLM API path (codemods/python/urls.py); each of those puts one of the words
# below in the file as well. So a file whose only tokens are these ports needs one of the words too, or
# it is not parsed at all (a Django project's `localhost:8000` costs a read, not a parse).
# tests/code/test_prefilter.py checks, on every rule case and on generated modules, that no file the rules
# would change or report is dropped.
PORT_TOKENS = (":4000", ":8000")
LLM_WORDS = ("llm", "litellm", "openai", "anthropic", "proxy")  # facts._LLM_HINT


@functools.cache
def _llm_context() -> re.Pattern[bytes]:
    from llmgw_migrate.codemods.python import data
    from llmgw_migrate.proxy_urls import UrlMatcher
    from llmgw_migrate.rules_data import env_renames, load_rule_data

    words = set(LLM_WORDS)
    for spec in data.client_specs():
        words.update(m.split(".")[0] for m in spec.modules)  # a client is known only by its import
        words.update(spec.url_kwargs)
    words.update(data.llm_url_kwargs())
    words.update(g.split(".")[0] for g in data.url_globals())
    words.update(env_renames())
    words.update(load_rule_data("env_vars").get("conditional_url_vars", []))
    words.update(UrlMatcher(()).llm_paths)
    words.discard("base_url")  # too common alone: see python_matcher
    alternation = b"|".join(re.escape(w.lower().encode()) for w in sorted(words, key=len, reverse=True))
    return re.compile(alternation, re.IGNORECASE)


_LLM_DICT_KEYS = (b"model", b"api_key", b"messages")  # beside which a `base_url` key counts (urls.on_dict)


def python_matcher(ctx: RewriteContext) -> Callable[[bytes], bool]:
    """Does a Python file hold anything the rules could act on? (python_tokens, with the ports narrowed.)"""
    strong = any_token([t for t in python_tokens(ctx) if t not in PORT_TOKENS])
    ports = any_token(PORT_TOKENS)
    context = _llm_context()

    def match(data: bytes) -> bool:
        if strong(data):
            return True
        if not ports(data):
            return False
        if context.search(data) is not None:
            return True
        low = data.lower()
        return b"base_url" in low and any(k in low for k in _LLM_DICT_KEYS)

    return match


def any_token(tokens: Sequence[str]) -> Callable[[bytes], bool]:
    """A predicate: does the file hold any of the tokens? (No tokens: every file the handler accepts.)

    Most files hold none, and each substring search is a pass over the file: so first a few short
    anchors that every token contains (`llm` for litellm and llmgateway), and the tokens themselves only
    when an anchor is there. Many tokens (a plan's model names) are one compiled alternation instead.
    """
    encoded = tuple(dict.fromkeys(t.encode("utf-8") for t in tokens if t))
    if not encoded:
        return lambda data: True
    if len(encoded) > 8:
        pattern = re.compile(b"|".join(re.escape(t) for t in sorted(encoded, key=len, reverse=True)))
        return lambda data: pattern.search(data) is not None

    def any_of(data: bytes) -> bool:
        for t in encoded:  # a plain loop: no generator per file
            if t in data:
                return True
        return False

    anchors = _anchors(encoded)
    if len(anchors) >= len(encoded):
        return any_of

    def anchored(data: bytes) -> bool:
        for a in anchors:
            if a in data:
                return any_of(data)
        return False

    return anchored


def _anchors(tokens: Sequence[bytes], size: int = 3) -> tuple[bytes, ...]:
    """Few substrings of `size` bytes such that every token contains one (greedy set cover); a token
    shorter than `size` is its own anchor."""
    left = list(tokens)
    out: list[bytes] = []
    while left:
        grams: dict[bytes, int] = {}
        for t in left:
            for g in {t[i : i + size] for i in range(max(1, len(t) - size + 1))}:
                grams[g] = grams.get(g, 0) + 1
        best = max(sorted(grams), key=lambda g: grams[g])
        out.append(best)
        left = [t for t in left if best not in t]
    return tuple(out)


def notebook_tokens(ctx: RewriteContext) -> tuple[str, ...]:
    return tuple(dict.fromkeys([*shared_tokens(ctx), *python_tokens(ctx)]))


def javascript_tokens(ctx: RewriteContext) -> tuple[str, ...]:
    return shared_tokens(ctx, "x-litellm", "baseURL", "baseUrl")


def berriai_tokens(ctx: RewriteContext) -> tuple[str, ...]:
    return shared_tokens(ctx, "berriai")  # the LiteLLM proxy image


def env_tokens(ctx: RewriteContext) -> tuple[str, ...]:
    # Env settings: also the gateway key variable, which may still hold a LiteLLM key (LGM302).
    return shared_tokens(ctx, ctx.key_env)


def yaml_tokens(ctx: RewriteContext) -> tuple[str, ...]:
    return shared_tokens(ctx, "berriai", ctx.key_env)


def dependency_tokens(ctx: RewriteContext) -> tuple[str, ...]:
    return ("litellm", "LiteLLM", "LITELLM", "import ", "exec", "base64")


# --- the handlers ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HandlerSpec:
    name: str
    module: str  # defines HANDLER
    accepts: Callable[[Parts], bool]
    tokens: Callable[[RewriteContext], tuple[str, ...]]
    always_names: frozenset[str] = frozenset()  # candidates whatever they hold (the name is the signal)
    finishes: bool = False  # HANDLER has a `finish(run)` hook
    narrow: Callable[[RewriteContext], Callable[[bytes], bool]] | None = None  # instead of any token
    needs: tuple[str, ...] = ()  # other handlers this one runs (whose modules it imports when it works)

    def matcher(self, ctx: RewriteContext) -> Callable[[bytes], bool]:
        """The prefilter: does a file this handler takes hold anything it could act on?"""
        return self.narrow(ctx) if self.narrow is not None else any_token(self.tokens(ctx))

    def load(self) -> FileHandler | None:
        """The handler itself (imports its module); None when the module is not built into this version."""
        try:
            module = importlib.import_module(self.module)
        except ModuleNotFoundError as exc:
            if exc.name and self.module.startswith(exc.name):
                return None
            raise
        return module.HANDLER  # type: ignore[no-any-return]


_C = "llmgw_migrate.codemods."
SPECS: tuple[HandlerSpec, ...] = (
    HandlerSpec("python", _C + "python.handler", accepts_python, python_tokens, narrow=python_matcher),
    HandlerSpec("notebook", _C + "notebooks", accepts_notebook, notebook_tokens, needs=("python",)),
    HandlerSpec("javascript", _C + "javascript.handler", accepts_javascript, javascript_tokens),
    HandlerSpec("dotenv", _C + "dotenv", accepts_dotenv, env_tokens),
    HandlerSpec("yaml", _C + "yaml_files", accepts_yaml, yaml_tokens, finishes=True),
    HandlerSpec("json", _C + "json_files", accepts_json, shared_tokens),
    HandlerSpec("toml", _C + "toml_files", accepts_toml, shared_tokens),
    HandlerSpec("docker", _C + "docker", accepts_docker, berriai_tokens),
    HandlerSpec("shell", _C + "shell", accepts_shell, env_tokens),
    HandlerSpec(
        "dependencies", _C + "dependencies", accepts_dependencies, dependency_tokens, frozenset({INIT_PTH})
    ),
    HandlerSpec("other_languages", _C + "other_languages", accepts_other_language, shared_tokens),
)
SPEC_BY_NAME = {s.name: s for s in SPECS}
