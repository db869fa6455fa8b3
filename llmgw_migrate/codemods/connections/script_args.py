"""A LiteLLM URL or key a shell script passes as an argument to another script of the repository.

`/workspace/register_model.sh --litellm_base_url=$LITELLM_BASE_URL --litellm_key=$LITELLM_KEY`: the
value reaches whatever that script calls with it. When it calls LiteLLM's admin API (`/model/new`,
`/key/generate`, ...), renaming the variable would send admin calls and the admin key to the gateway,
so the call becomes an admin route of the connection (decide.py holds it, LGM251). When the script
cannot be found, or shows neither an admin nor an LLM route, the argument is a use `code` cannot
follow: a part it cannot rewrite, which holds the connection (LGM250). Issue 11, class 2.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from llmgw_migrate.codemods.connections.model import DATA, Part
from llmgw_migrate.codemods.connections.shell_text import command_ranges

# `x.sh`, `./x.sh`, `bash scripts/x.sh`, `python3 /workspace/x.py` (a token that names a script)
_SCRIPT_RE = re.compile(r"(?<![\w$./-])((?:[\w.-]*/)*[\w-][\w.-]*\.(?:sh|py))(?=[\s\"';)&|]|$)")
# `$LITELLM_BASE_URL`, `${LITELLM_KEY}`, `--url=$LITELLM_BASE_URL`, `"$LITELLM_BASE_URL"`
_ARG_VAR_RE = re.compile(r"\$\{?((?:[A-Z][A-Z0-9]*_)*?LITELLM_[A-Z0-9_]*[A-Z0-9])\}?")
# A route of LiteLLM's own API in the called script: after `$url`, `${url}`, f"{url}", or opening a string
_ADMIN_IN_SCRIPT_RE = re.compile(
    r"(?:\$\{?\w+\}?|\}|[\"'])"
    r"(/(?:v1/)?(?:key|team|user|customer|organization|spend|global|model|budget|sso|routes)"
    r"(?![\w-])(?:/[\w{}.-]+)*)"
)
_LLM_IN_SCRIPT_RE = re.compile(r"/(?:chat/completions|completions|embeddings|responses|messages)\b")
_MAX_BYTES = 1_000_000


def _commands(text: str) -> list[tuple[int, str]]:
    """(first line, text) of each shell command (a line ending in a backslash continues it)."""
    lines = text.split("\n")
    return [(r.start + 1, "\n".join(lines[r.start : r.stop])) for r in command_ranges(lines)]


def _read_script(caller: str, script: str) -> str | None:
    """The called script's text: its path beside the caller, then its name there (`/workspace/x.sh`
    in a container image built from the caller's directory); None when neither is a file."""
    here = PurePosixPath(caller).parent
    name = PurePosixPath(script)
    tries = [] if name.is_absolute() else [here / name]
    tries.append(here / name.name)
    for t in tries:
        p = Path(t)
        try:
            if p.is_file() and p.stat().st_size <= _MAX_BYTES:
                return p.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
    return None


def parts(display: str, text: str, relevant: frozenset[str], base_name: Callable[[str], str]) -> list[Part]:
    """The parts a shell script's arguments to other scripts add to its connection."""
    out: list[Part] = []
    for first, cmd in _commands(text):
        if cmd.lstrip().startswith("#"):
            continue
        script = _SCRIPT_RE.search(cmd)
        if script is None:
            continue
        passed = [m for m in _ARG_VAR_RE.finditer(cmd, script.end()) if base_name(m.group(1)) in relevant]
        if not passed:
            continue
        called = _read_script(display, script.group(1))
        admin = sorted(set(_ADMIN_IN_SCRIPT_RE.findall(called))) if called is not None else []
        if admin:
            at = first + cmd.count("\n", 0, passed[0].start())
            out += [Part(display, at, "route", route, "admin", DATA, True) for route in admin]
        elif called is None or not _LLM_IN_SCRIPT_RE.search(called):
            # a use `code` cannot follow: held as a part it cannot rewrite
            role = f"argument of {PurePosixPath(script.group(1)).name}"
            out += [
                Part(display, first + cmd.count("\n", 0, m.start()), "env", m.group(1), role, DATA, False)
                for m in passed
            ]
    return out
