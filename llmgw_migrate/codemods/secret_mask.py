"""Mask secret values in text that is about to be shown (diffs, previews), never in text that is written.

A .env file, a compose `environment:` block or a Dockerfile `ENV` may hold a real key; renaming
LITELLM_API_KEY puts that line in the diff. `mask_secrets` replaces the value of every setting whose name
says it is a secret (KEY, TOKEN, SECRET, PASSWORD, CREDENTIAL, AUTH) with `****`, in the shapes these
files use: `NAME=value`, `NAME: value`, `"NAME": "value"`, `NAME = "value"`, `ENV NAME value`.
References (`${X}`, `$X`, `os.environ/X`, `${{ secrets.X }}`) and empty values stay visible: they are
not secrets, and the reviewer needs to see them renamed.

`mask_shown` is what the engine applies to what `code` and `check` show of a file (diffs, hunk
descriptions): the settings above plus values shaped like a key wherever they stand (`sk-...` as a call
argument, `Bearer <token>` in a header), since a Python or JS file holds keys in every shape.

`mask_message` is for the tool's own finding messages: they are prose ("X -> Y: its value is a LiteLLM
key"), so only values (quoted, key-shaped, bearer tokens, `NAME=value`) are masked, never the words after
a `NAME:`.
"""

from __future__ import annotations

import re

MASK = "****"
_SECRET_WORDS = {"key", "token", "secret", "password", "passwd", "credential", "credentials", "auth"}
_SETTING_RE = re.compile(
    r"""(?P<head>(?:^|(?<=[ \t{,;`]))(?:export[ \t]+|ENV[ \t]+|ARG[ \t]+|-[ \t]+)?["']?"""
    r"""(?P<name>[A-Za-z_][A-Za-z0-9_.-]*)["']?(?P<sep>[ \t]*[=:][ \t]*|[ \t]+(?=[^=:\s]))["']?)"""
    r"""(?P<value>[^\s"',}#]+)""",
    re.MULTILINE,
)
_NOT_SECRETS = {"null", "none", "true", "false", "bearer", "basic", "~"}


def _is_reference(value: str) -> bool:
    return value.startswith(("$", "os.environ/", "%", "<", "{{")) or value.lower() in _NOT_SECRETS


def _secret_name(name: str) -> bool:
    from llmgw_migrate.codemods.file_rules import words

    return any(w in _SECRET_WORDS for w in words(name))


def mask_secrets(text: str) -> str:
    """`text` with the values of secret-named settings replaced by ****."""
    if not any(w in text.upper() for w in ("KEY", "TOKEN", "SECRET", "PASSW", "CREDENTIAL", "AUTH")):
        return text

    def repl(m: re.Match[str]) -> str:
        value = m.group("value")
        if not _secret_name(m.group("name")) or _is_reference(value):
            return m.group(0)
        if m.group("sep").strip() == "" and not m.group("head").lstrip().upper().startswith("ENV"):
            return m.group(0)  # `word value` is a setting only in a Dockerfile's legacy ENV
        return m.group("head") + MASK

    return _SETTING_RE.sub(repl, text)


# Well-known key formats (OpenAI/LiteLLM `sk-`, Anthropic, Stripe, Groq, Hugging Face, GitHub, GitLab, Slack,
# AWS, Google): the prefix stays visible so the reviewer sees what kind of key the line holds.
_KEY_SHAPE_RE = re.compile(
    r"(?<![A-Za-z0-9_-])(?P<prefix>sk-ant-|sk-proj-|sk-or-v1-|sk-|sk_live_|sk_test_|rk_live_|gsk_|hf_|"
    r"ghp_|gho_|ghs_|github_pat_|glpat-|xox[abprs]-|AKIA|AIza)[A-Za-z0-9_\-]{8,}"
)
# Quoted values in code: `api_key="..."` (a keyword argument), `"apiKey": "..."`, and an env lookup's
# default, `os.getenv("LITELLM_API_KEY", "...")` / `process.env.X ?? "..."`.
_QUOTED_RE = re.compile(
    r"""(?P<head>(?<![A-Za-z0-9_])["']?(?P<name>[A-Za-z_][A-Za-z0-9_]*)["']?[ \t]*(?:=|:|\?\?|\|\|)[ \t]*"""
    r"""(?P<q>["'`]))(?P<value>[^"'`\s]+)(?P=q)"""
)
_ENV_DEFAULT_RE = re.compile(
    r"""(?P<head>(?:getenv|environ\.get|setdefault|env\.get)\([ \t]*"""
    r"""["'](?P<name>[A-Za-z_][A-Za-z0-9_]*)["'][ \t]*,[ \t]*(?P<q>["']))(?P<value>[^"'\s]+)(?P=q)"""
)
_BEARER_RE = re.compile(r"(?P<prefix>\b[Bb]earer[ \t]+)(?![$<{%])[A-Za-z0-9._~+/=\-]{8,}")


# In code an unquoted value is an expression (`api_key=KEY`, `key = os.getenv(...)`), never a literal key:
# only the quoted and key-shaped rules apply there.
CODE_SUFFIXES = (
    ".py",
    ".pyw",
    ".pyi",
    ".ipynb",
    ".js",
    ".jsx",
    ".mjs",
    ".cjs",
    ".ts",
    ".tsx",
    ".mts",
    ".cts",
)


def mask_shown(text: str, path: str = "") -> str:
    """`text` (of the file at `path`) as `code` and `check` may show it: secret-named settings, key-shaped
    values and bearer tokens replaced by ****. Line structure is kept, so masked texts diff line for line
    like the real ones.
    """
    if not path.endswith(CODE_SUFFIXES):
        text = mask_secrets(text)

    def quoted(m: re.Match[str]) -> str:
        if not _secret_name(m.group("name")) or _is_reference(m.group("value")):
            return m.group(0)
        return m.group("head") + MASK + m.group("q")

    text = _QUOTED_RE.sub(quoted, text)
    text = _ENV_DEFAULT_RE.sub(quoted, text)
    text = _KEY_SHAPE_RE.sub(lambda m: m.group("prefix") + MASK, text)
    return _BEARER_RE.sub(lambda m: m.group("prefix") + MASK, text)


_ASSIGNED_RE = re.compile(
    r"""(?P<head>(?<![A-Za-z0-9_])(?P<name>[A-Za-z_][A-Za-z0-9_.-]*)=["']?)(?P<value>[^\s"',}#]+)"""
)


def mask_message(text: str) -> str:
    """A finding message as it may be shown: secret values masked, the message's own words kept."""

    def assigned(m: re.Match[str]) -> str:
        if not _secret_name(m.group("name")) or _is_reference(m.group("value")):
            return m.group(0)
        return m.group("head") + MASK

    def quoted(m: re.Match[str]) -> str:
        if not _secret_name(m.group("name")) or _is_reference(m.group("value")):
            return m.group(0)
        return m.group("head") + MASK + m.group("q")

    text = _ASSIGNED_RE.sub(assigned, text)
    text = _QUOTED_RE.sub(quoted, text)
    text = _ENV_DEFAULT_RE.sub(quoted, text)
    text = _KEY_SHAPE_RE.sub(lambda m: m.group("prefix") + MASK, text)
    return _BEARER_RE.sub(lambda m: m.group("prefix") + MASK, text)
