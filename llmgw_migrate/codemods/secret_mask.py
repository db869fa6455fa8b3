"""Mask secret values in text that is about to be shown (diffs, previews), never in text that is written.

A .env file, a compose `environment:` block or a Dockerfile `ENV` may hold a real key; renaming
LITELLM_API_KEY puts that line in the diff. `mask_secrets` replaces the value of every setting whose name
says it is a secret (KEY, TOKEN, SECRET, PASSWORD, CREDENTIAL, AUTH) with `****`, in the shapes these
files use: `NAME=value`, `NAME: value`, `"NAME": "value"`, `NAME = "value"`, `ENV NAME value`.
References (`${X}`, `$X`, `os.environ/X`, `${{ secrets.X }}`) and empty values stay visible: they are
not secrets, and the reviewer needs to see them renamed.
"""

from __future__ import annotations

import re

MASK = "****"
_SECRET_WORDS = {"key", "token", "secret", "password", "passwd", "credential", "credentials", "auth"}
_SETTING_RE = re.compile(
    r"""(?P<head>(?:^|(?<=[ \t{,;]))(?:export[ \t]+|ENV[ \t]+|ARG[ \t]+|-[ \t]+)?["']?"""
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
