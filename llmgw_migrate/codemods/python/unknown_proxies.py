"""Findings for proxy connections no rule can prove whole (issue 11, classes 5 and 6): never a rewrite.

- LGM274: an LLM client's base URL is on port 4000 (LiteLLM's default) at a host the tool does not know
  as the proxy (`API_BASE_URL = "http://eldo:4000"` passed to `openai.OpenAI(base_url=...)`). By
  DEVELOPERS.md such a URL is the proxy; the host is the team's own, so it is reported with its key
  rather than moved. Local :4000 addresses are the URL rules' (an LLM client makes them the proxy), and
  a repository that runs another server on :4000 (port_evidence.py) gets nothing.
- LGM275: a module constant named after LiteLLM (`DEFAULT_LITELLM_URL = "http://localhost:4100"`) holds
  an address no rule moved, while its value reaches requests through state the file cannot follow
  (Streamlit session_state, function parameters): the constant, the LiteLLM key constants beside it and
  the LLM routes appended to LiteLLM-named values are listed, so the user migrates them together.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import libcst as cst

from llmgw_migrate.codemods.connections.collect import NOT_PROXY_HOSTS
from llmgw_migrate.codemods.engine import is_suppressed
from llmgw_migrate.codemods.python.facts import dotted, kwarg, string_value
from llmgw_migrate.codemods.python.state import RewriteState
from llmgw_migrate.findings import make

LAN_CLIENT_CODE = "LGM274"
LITELLM_CONSTANT_CODE = "LGM275"
_LITELLM_PORT = 4000
_LOCAL_HOSTS = ("localhost", "127.0.0.1", "0.0.0.0", "::1", "host.docker.internal")
# Public sites and providers' APIs: never the team's proxy, whatever a variable is called (the
# connection model's own list, plus sites that only name LiteLLM).
_PUBLIC_HOSTS = (
    *NOT_PROXY_HOSTS,
    "litellm.ai",
    "litellm.vercel.app",
    "github.com",
    "githubusercontent.com",
    "example.com",
)
_URL_NAME_RE = re.compile(r"(?:^|_)(?:URL|BASE|HOST|ENDPOINT|SERVER|ADDR|ADDRESS|API_BASE|PROXY)(?:_|$)")
_KEY_NAME_RE = re.compile(r"(?:^|_)(?:KEY|TOKEN)(?:_|$)")
_LITELLM_NAME_RE = re.compile(r"(?:^|_)LITELLM(?:_|$)")
# f"{litellm_url}/v1/chat/completions", f"{self.litellm_base}/chat/completions"
_ROUTE_RE = re.compile(
    r"\{([^{}]*litellm[^{}]*)\}(/(?:v1/)?(?:chat/completions|completions|embeddings|models|messages|responses))",
    re.IGNORECASE,
)


def _host_port(url: str) -> tuple[str, int | None] | None:
    try:
        s = urlsplit(url)
        if s.scheme not in ("http", "https") or not s.hostname:
            return None
        return s.hostname.lower(), s.port
    except ValueError:
        return None


def _base_path(url: str) -> bool:
    """A base URL (no path, or /v1, or an LLM API path): not a page or an asset named like LiteLLM."""
    path = urlsplit(url).path.rstrip("/")
    return path in ("", "/v1") or path.endswith(("/chat/completions", "/completions", "/embeddings"))


def _public(host: str) -> bool:
    return any(host == h or host.endswith("." + h) or h in host for h in _PUBLIC_HOSTS)


def lan_proxy_host(url: str, not_proxy_ports: tuple[int, ...]) -> str | None:
    """The host of a :4000 URL on the team's own network (not local, not a public site or provider), when
    the repository runs no other server on :4000; else None. Shared by LGM274 and JS's LGM361."""
    hp = _host_port(url)
    if hp is None or hp[1] != _LITELLM_PORT or hp[0] in _LOCAL_HOSTS or _public(hp[0]):
        return None
    if _LITELLM_PORT in not_proxy_ports:
        return None  # the repository runs another server on :4000
    return hp[0]


def _line(state: RewriteState, node: cst.CSTNode) -> int:
    return state.pos(node)[0]


def _name_line(state: RewriteState, node: cst.BaseExpression) -> int | None:
    """The line a module-level name used as an argument is assigned on (its only assignment)."""
    name = dotted(node)
    values = state.facts.assigned.get(name or "", [])
    return _line(state, values[0]) if name and "." not in name and len(values) == 1 else None


def lan_client_finding(state: RewriteState, call: cst.Call, target: str | None) -> None:
    """LGM274 for a client, neither proxy nor gateway by the URL rules, whose base URL is a :4000 host."""
    from llmgw_migrate.codemods.python.clients import KEY_KWARGS, literal_value

    if target not in ("direct", "unknown"):
        return
    spec = state.facts.client_spec(call)
    url = kwarg(call, *spec.url_kwargs) if spec is not None else None
    if url is None:
        return
    value = literal_value(state, url.value)
    host = lan_proxy_host(value, state.ctx.not_proxy_ports) if value else None
    if host is None:
        return
    hp = (host, _LITELLM_PORT)
    parts = [f"{state.path}:{_line(state, call)} the client"]
    where = _name_line(state, url.value)
    if where is not None:
        parts.append(f"{state.path}:{where} its base URL")
    key = kwarg(call, *KEY_KWARGS)
    if key is not None:
        key_line = _name_line(state, key.value)
        parts.append(f"{state.path}:{key_line if key_line is not None else _line(state, key)} its key")
    state.finding(
        LAN_CLIENT_CODE,
        url,
        f"this LLM client's base URL is on port 4000, LiteLLM's default, at a host `code` does not know as "
        f"the proxy; if it is the proxy, migrate its URL and key together (rerun with --from-url "
        f"{urlsplit(value or '').scheme}://{hp[0]}:{_LITELLM_PORT}). Its parts: {'; '.join(parts)}",
        fix=f"Point the client at the gateway and read its key from {state.ctx.key_env}, or rerun with "
        "--from-url.",
    )


def constant_findings(state: RewriteState, module: cst.Module) -> None:
    """LGM275 for LiteLLM-named URL constants whose value no rule moved."""
    consts: list[tuple[str, cst.BaseExpression, str]] = []
    for stmt in module.body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if isinstance(small, cst.Assign) and len(small.targets) == 1:
                target, value = small.targets[0].target, small.value
            elif isinstance(small, cst.AnnAssign) and small.value is not None:
                target, value = small.target, small.value
            else:
                continue
            name = target.value if isinstance(target, cst.Name) else None
            if name is None or not _LITELLM_NAME_RE.search(name.upper()):
                continue
            literal = string_value(value)
            if literal is not None:
                consts.append((name.upper(), value, literal))
    urls = [
        (n, v)
        for n, v, lit in consts
        if _URL_NAME_RE.search(n)
        and id(v) not in state.edits
        and (hp := _host_port(lit)) is not None
        and not _public(hp[0])
        and _base_path(lit)
        and not state.facts.is_proxy_url_expr(v)  # the URL rules move (or report) those
    ]
    if not urls:
        return
    parts = [f"{state.path}:{_line(state, v)} {n}" for n, v in urls]
    parts += [f"{state.path}:{_line(state, v)} {n}" for n, v, _lit in consts if _KEY_NAME_RE.search(n)]
    text = state.text
    routes = [text.count("\n", 0, m.start()) + 1 for m in _ROUTE_RE.finditer(text)]
    parts += [f"{state.path}:{line} route" for line in routes]
    # One finding, where the request is made (else at the constant): the parts are in its message.
    line, column = (routes[0], 1) if routes else state.pos(urls[0][1])
    if state.suppress and is_suppressed(LITELLM_CONSTANT_CODE, line, state.suppress):
        return
    state.findings.append(
        make(
            LITELLM_CONSTANT_CODE,
            "a LiteLLM-named constant holds an address `code` does not know as the proxy, and its value "
            "reaches requests through state `code` cannot follow; nothing of it was changed, migrate these "
            f"parts together. Its parts: {'; '.join(parts)}",
            file=state.path,
            line=line,
            column=column,
            fix="Point the constant at the gateway (its URL holds /v1: drop /v1 from the appended routes) "
            f"and read the key from {state.ctx.key_env}.",
        )
    )
