"""Completing a migrating connection where one file's handler saw too little (apply.py calls these).

- A renamed URL variable never keeps a value the tool did not move: `LITELLM_URL=http://10.0.0.5:4003/v1`
  renamed to LLM_GATEWAY_BASE_URL would hold the proxy's address under the gateway's name. LiteLLM's own
  variable name proves the value is the proxy's, so the value moves too; a value that is a provider's
  API stays, and `unmoved_values` reports it so the connection is held.
- The proxy's master key as a fallback of the gateway key (`os.getenv("LLM_GATEWAY_API_KEY") or
  os.getenv("LITELLM_MASTER_KEY")`) is dropped (LGM263): the admin key must never reach the gateway.
- A command whose URL moved to the gateway while it still sends the master key, or a variable holding
  it (`KEY=$LITELLM_MASTER_KEY` ... `Bearer $KEY`), is put back as it was (LGM264): it stays on the
  proxy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from llmgw_migrate.codemods.connections.collect import NOT_PROXY_HOSTS
from llmgw_migrate.codemods.connections.shell_text import command_ranges

if TYPE_CHECKING:
    from llmgw_migrate.codemods.base import RewriteContext

MASTER_FALLBACK = "LGM263"
MASTER_ON_GATEWAY = "LGM264"

_URL = r"(?P<url>https?://[^\s\"'`}]+)"


@dataclass(frozen=True)
class Value:
    """A URL value of a renamed URL variable, on line `line` (1-based) of a file."""

    line: int
    start: int  # offsets of the URL in the file's text
    end: int
    url: str


def _value_patterns(new: str) -> list[re.Pattern[str]]:
    n = re.escape(new)
    return [
        # LLM_GATEWAY_BASE_URL=url, - NAME=url, NAME: url, export NAME="url", os.environ["NAME"] = "url"
        re.compile(rf"(?<![\w$]){n}[\"']?\]?[ \t]*[=:][ \t]*[\"']?{_URL}"),
        # os.getenv("NAME", "url"), os.environ.get("NAME", default="url")
        re.compile(rf"[\"']{n}[\"'][ \t]*,[ \t]*(?:default[ \t]*=[ \t]*)?[\"']{_URL}"),
        # ${NAME:-url}
        re.compile(rf"\$\{{{n}:?[-=]{_URL}"),
        # process.env.NAME ?? "url", os.getenv("NAME") or "url"
        re.compile(rf"{n}[\"']?\]?\)?[ \t]*(?:\?\?|\|\||or)[ \t]*[\"'`]{_URL}"),
    ]


_K8S_NAME = re.compile(r"^\s*-?\s*(?:name|key):\s*[\"']?(?P<name>[A-Za-z_][A-Za-z0-9_]*)[\"']?\s*$")
_K8S_VALUE = re.compile(r"^\s*value:\s*[\"']?" + _URL)


def unmoved_values(source: str, text: str, url_renames: dict[str, str], gateway: str) -> list[Value]:
    """URL values of the URL variables renamed in this run (old name on the line before, new name after)
    that do not point at the gateway."""
    if not url_renames:
        return []
    before, after = source.split("\n"), text.split("\n")
    if len(before) != len(after):
        return []  # (a handler that adds or drops lines: no way to pair them)
    starts = [0]
    for line in after:
        starts.append(starts[-1] + len(line) + 1)
    news = sorted(set(url_renames.values()), key=len, reverse=True)
    olds = tuple(url_renames)
    patterns = [(new, _value_patterns(new)) for new in news]
    out: list[Value] = []
    for i, line in enumerate(after):
        if line == before[i] or not any(o in before[i] for o in olds):
            continue
        for new, rxs in patterns:
            if new not in line:
                continue
            for rx in rxs:
                for m in rx.finditer(line):
                    url = m.group("url").rstrip(".,;")
                    if not url.startswith(gateway):
                        out.append(
                            Value(
                                i + 1, starts[i] + m.start("url"), starts[i] + m.start("url") + len(url), url
                            )
                        )
            k8s = _K8S_NAME.match(line)
            if k8s and k8s.group("name") == new and i + 1 < len(after):
                v = _K8S_VALUE.match(after[i + 1])
                if v and not v.group("url").startswith(gateway):
                    url = v.group("url").rstrip(".,;")
                    out.append(
                        Value(
                            i + 2,
                            starts[i + 1] + v.start("url"),
                            starts[i + 1] + v.start("url") + len(url),
                            url,
                        )
                    )
    return sorted(set(out), key=lambda v: v.start)


_TEST_PATH = re.compile(
    r"(?:^|/)(?:tests?|__tests__|spec)/|(?:^|/)test_[^/]*$|_test\.py$|\.(?:test|spec)\.[^/]+$"
)


_SCRIPTS = (".sh", ".bash", ".zsh")


def test_file(display: str) -> bool:
    """A test module: the value it gives a variable is test data its assertions may repeat verbatim
    (`assert client.base_url == "http://10.0.0.5:4003/v1"`), so it is neither moved nor counted as left."""
    # (a shell script named test_*.sh is a smoke test against the live server: its URL is real)
    return _TEST_PATH.search(display.replace("\\", "/")) is not None and not display.endswith(_SCRIPTS)


def provider_api(url: str) -> bool:
    """A provider's own API or the gateway (never the proxy, whatever the variable is called)."""
    from urllib.parse import urlsplit

    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return True
    return any(h in host for h in NOT_PROXY_HOSTS)


def move_values(source: str, text: str, url_renames: dict[str, str], ctx: RewriteContext) -> str:
    """`text` with the values `unmoved_values` finds pointed at the gateway (a provider's API stays)."""
    from llmgw_migrate.codemods.file_rules import litellm_only_path
    from llmgw_migrate.proxy_urls import gateway_url

    for v in reversed(unmoved_values(source, text, url_renames, gateway_origin(ctx))):
        if provider_api(v.url) or litellm_only_path(v.url):
            continue  # (left: the connection is held, apply._verify)
        text = text[: v.start] + gateway_url(v.url, ctx.base_url) + text[v.end :]
    return text


def gateway_origin(ctx: RewriteContext) -> str:
    return ctx.base_url.rstrip("/").removesuffix("/v1")


# --- the master key as the gateway key's fallback -----------------------------------------------------

_NAME = r"[\"']?(?P<name>(?:[A-Z][A-Z0-9]*_)*?LITELLM_MASTER_KEY)[\"']?"
_PY_READ = (
    rf"os\.(?:getenv|environ\.get)\(\s*{_NAME}\s*(?:,[^()\n]*)?\)"
    rf"|os\.environ\[\s*{_NAME.replace('name', 'name2')}\s*\]"
)
_JS_READ = (
    r"(?:process\.env|import\.meta\.env)\.(?P<name>(?:[A-Z][A-Z0-9]*_)*?LITELLM_MASTER_KEY)\b"
    r"|process\.env\[\s*[\"'](?P<name2>(?:[A-Z][A-Z0-9]*_)*?LITELLM_MASTER_KEY)[\"']\s*\]"
)
_FALLBACK = {
    "python": (
        re.compile(rf"[ \t]+or[ \t]+(?:{_PY_READ})"),
        re.compile(rf"(?:{_PY_READ})[ \t]+or[ \t]+(?=os\.)"),
    ),
    "javascript": (
        re.compile(rf"[ \t]*(?:\|\||\?\?)[ \t]*(?:{_JS_READ})"),
        re.compile(rf"(?:{_JS_READ})[ \t]*(?:\|\||\?\?)[ \t]*(?=process\.env|import\.meta\.env)"),
    ),
}


def drop_master_fallback(text: str, lang: str, key_names: set[str]) -> tuple[str, list[int]]:
    """`text` without the master key read beside a read of the gateway key (`key_names`) on one line,
    and the lines it was dropped from."""
    rxs = _FALLBACK.get(lang)
    if rxs is None or "LITELLM_MASTER_KEY" not in text:
        return text, []
    lines = text.split("\n")
    dropped: list[int] = []
    for i, line in enumerate(lines):
        if "LITELLM_MASTER_KEY" not in line or not any(k in line for k in key_names):
            continue
        new = line
        for rx in rxs:
            new = rx.sub("", new)
        if new != line and "LITELLM_MASTER_KEY" not in new:
            lines[i] = new
            dropped.append(i + 1)
    return "\n".join(lines), dropped


# --- the master key on a command moved to the gateway -------------------------------------------------

_HTTP = re.compile(r"(?:^|[\s;&|(`\"'\[,])(?:curl|wget|http|https|xh|xhs)(?:[\s\"',]|$)")
_REF = re.compile(r"\$(?:\{|\()?([A-Za-z_][A-Za-z0-9_]*)")
_ASSIGN = re.compile(
    r"^\s*(?:export\s+|local\s+|readonly\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*(?:\?=|:=|::=|=)\s*(.*)$", re.M
)


def _master_holders(text: str) -> set[str]:
    """Names holding the master key in a script: LITELLM_MASTER_KEY-like names, and names set from them."""
    held = {m.group(1) for m in _REF.finditer(text) if "MASTER_KEY" in m.group(1).upper()}
    changed = True
    while changed:
        changed = False
        for m in _ASSIGN.finditer(text):
            name, rhs = m.group(1), m.group(2)
            if name not in held and any(r.group(1) in held for r in _REF.finditer(rhs)):
                held.add(name)
                changed = True
    return held


def keep_master_commands(source: str, text: str, markers: tuple[str, ...]) -> tuple[str, list[range]]:
    """`text` with every HTTP command that now reaches the gateway (a line holding one of `markers` that
    the rewrite changed) while it sends the master key put back as in `source`; the commands' lines
    (1-based) kept."""
    if "MASTER_KEY" not in source.upper():
        return text, []
    before, after = source.split("\n"), text.split("\n")
    if len(before) != len(after):
        return text, []
    held = _master_holders(source)
    kept: list[range] = []
    for cmd in command_ranges(after):
        if not any(before[i] != after[i] and any(m in after[i] for m in markers) for i in cmd):
            continue
        joined = "\n".join(after[i] for i in cmd)
        if not _HTTP.search(joined):
            continue
        # (the shell rules rename `Bearer $LITELLM_MASTER_KEY` to the gateway key: that one is not sent)
        sent = {r.group(1) for i in cmd for r in _REF.finditer(after[i])}
        if sent & held:
            for i in cmd:
                after[i] = before[i]
            kept.append(range(cmd.start + 1, cmd.stop + 1))
    return "\n".join(after), kept
