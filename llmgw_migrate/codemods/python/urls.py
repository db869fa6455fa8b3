"""Rule LGM201: proxy URL literals that reach an LLM client become the gateway URL.

Precision first: a literal naming LiteLLM (`http://litellm:4000`) or given with --from-url is the proxy
wherever it is a whole URL; a local :4000/:8000 address only where it reaches an LLM client (a client's
base URL keyword, an `api_base=`), carries an LLM API path, sits in a LiteLLM- or LLM-URL-named variable
or settings field, or is the default of a LiteLLM/OpenAI base-URL environment variable. A Flask app on
localhost:4000 is never touched. OpenAI-style clients get the URL with /v1; the Anthropic SDK (which
appends /v1/messages itself) and code that appends /v1 itself get the origin.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import libcst as cst

from llmgw_migrate.codemods.file_rules import litellm_only_path
from llmgw_migrate.codemods.python.data import url_globals
from llmgw_migrate.codemods.python.facts import (
    _LLM_HINT,
    _URL_HINT,
    ENV_GET_FUNCS,
    dotted,
    fstring_static,
    kwarg,
    llm_path,
    positional,
    string_value,
)
from llmgw_migrate.codemods.python.state import RewriteState
from llmgw_migrate.proxy_urls import URL_RE, UrlKind, gateway_url

CODE = "LGM201"
ADMIN_CODE = "LGM213"


def _rewritable_path(state: RewriteState, url: str) -> bool:
    path = urlsplit(url).path.rstrip("/")
    return path in ("", "/v1") or llm_path(state.facts.urls, url)


def rewrite_literal(
    state: RewriteState, node: cst.BaseExpression, llm_context: bool, with_v1: bool = True
) -> None:
    """Point a URL literal (plain or f-string head) at the gateway when it is the proxy here."""
    if isinstance(node, cst.FormattedString):
        _rewrite_fstring(state, node, llm_context)
        return
    if not isinstance(node, cst.SimpleString) or id(node) in state.handled:
        return
    value = string_value(node)
    if value is None:
        return
    stripped = value.strip()
    if not URL_RE.fullmatch(stripped):
        return
    kind = state.facts.urls.classify(stripped)
    if kind is None or (kind is UrlKind.CANDIDATE and not llm_context):
        return
    if (
        kind is UrlKind.CANDIDATE
        and not _rewritable_path(state, stripped)
        and not litellm_only_path(stripped)
    ):
        # a local address with a path LiteLLM does not serve (/api/v1): another server, not the proxy
        return
    state.handled.add(id(node))
    if not _rewritable_path(state, stripped):
        state.finding(
            ADMIN_CODE,
            node,
            f"{stripped} is a LiteLLM proxy route the gateway does not serve; left unchanged",
        )
        return
    new = gateway_url(stripped, state.ctx.base_url, with_v1=with_v1)
    state.replace_string(node, value.replace(stripped, new), CODE)


def _rewrite_fstring(state: RewriteState, node: cst.FormattedString, llm_context: bool) -> None:
    if id(node) in state.handled or not node.parts or not isinstance(node.parts[0], cst.FormattedStringText):
        return
    head = node.parts[0]
    m = URL_RE.match(head.value)
    if m is None:
        return
    url = m.group(0)
    static = fstring_static(node)
    kind = state.facts.urls.classify(url)
    has_path = state.facts.urls.path_proves_proxy(url) and (
        llm_path(state.facts.urls, "http://x" + static[len(url) :].split("?")[0])
        or llm_path(state.facts.urls, url)
    )
    if kind is None or (kind is UrlKind.CANDIDATE and not (llm_context or has_path)):
        return
    rest_is_placeholder = len(url) == len(head.value) and len(node.parts) > 1
    if kind is UrlKind.CANDIDATE and not rest_is_placeholder:
        if not _rewritable_path(state, url) and not litellm_only_path(url):
            return  # another local server's route, as in rewrite_literal
    state.handled.add(id(node))
    if not rest_is_placeholder and not _rewritable_path(state, url):
        state.finding(
            ADMIN_CODE, node, f"{url} is a LiteLLM proxy route the gateway does not serve; left unchanged"
        )
        return
    # f"{base}{path}": the code adds the path (maybe /v1/...) itself, so give it the origin.
    tail = static[len(url) :]
    with_v1 = not (rest_is_placeholder or tail.startswith("/v1"))
    new_url = gateway_url(url, state.ctx.base_url, with_v1=with_v1)
    if new_url == url:
        return
    new_text = new_url + head.value[len(url) :]

    def fn(n: cst.CSTNode) -> cst.CSTNode:
        assert isinstance(n, cst.FormattedString)
        first = n.parts[0]
        assert isinstance(first, cst.FormattedStringText)
        return n.with_changes(parts=[first.with_changes(value=new_text), *n.parts[1:]])

    state.edit(node, CODE, fn)


def env_default_context(state: RewriteState, var: str) -> bool:
    facts = state.facts
    up = var.upper()
    return (
        var in facts.env_url_vars
        or var in facts.conditional_url_vars
        or ("LITELLM" in up)
        or bool(_LLM_HINT.search(var) and _URL_HINT.search(var))
    )


def on_call(state: RewriteState, call: cst.Call) -> None:
    facts = state.facts
    spec = facts.client_spec(call)
    if spec is not None:
        for arg in call.args:
            if arg.keyword is not None and arg.keyword.value in spec.url_kwargs:
                rewrite_literal(state, arg.value, llm_context=True, with_v1=spec.with_v1)
        return
    q = facts.qualify(call.func)
    if facts.litellm_function(q) is not None:
        for arg in call.args:
            if arg.keyword is not None and arg.keyword.value in ("api_base", "base_url"):
                rewrite_literal(state, arg.value, llm_context=True)
        return
    if q in ENV_GET_FUNCS:
        first = positional(call, 0) or kwarg(call, "key")
        second = positional(call, 1) or kwarg(call, "default")
        name = string_value(first.value) if first is not None else None
        if name is not None and second is not None:
            rewrite_literal(state, second.value, llm_context=env_default_context(state, name))
        return
    if isinstance(call.func, cst.Attribute) and call.func.attr.value in ("setenv", "putenv"):
        # monkeypatch.setenv("LITELLM_BASE_URL", "http://localhost:4000"), os.putenv(...)
        first, second = positional(call, 0), positional(call, 1)
        var = string_value(first.value) if first is not None else None
        if var is not None and second is not None:
            rewrite_literal(state, second.value, llm_context=env_default_context(state, var))
        return
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value in _llm_kwargs():
            rewrite_literal(state, arg.value, llm_context=True)


def _llm_kwargs() -> frozenset[str]:
    from llmgw_migrate.codemods.python.data import llm_url_kwargs

    return llm_url_kwargs()


def on_assign(
    state: RewriteState, target: cst.BaseExpression, value: cst.BaseExpression, field: bool
) -> None:
    env = state.facts.env_read(target)
    if env is not None:
        # os.environ["OPENAI_BASE_URL"] = "http://localhost:4000": what the SDK will read.
        rewrite_literal(state, value, llm_context=env_default_context(state, env[0]))
        return
    name = dotted(target)
    if name is None:
        return
    facts = state.facts
    qualified = facts.qualify(target)
    context = qualified in url_globals() or facts.name_in_llm_context(name)
    with_v1 = not facts.expects_origin(name)
    if isinstance(value, cst.Call) and facts.qualify(value.func) in ENV_GET_FUNCS:
        # BASE = os.getenv("LITELLM_URL", "http://localhost:4000"): the default, with this name's needs.
        first = positional(value, 0) or kwarg(value, "key")
        second = positional(value, 1) or kwarg(value, "default")
        var = string_value(first.value) if first is not None else None
        if var is not None and second is not None:
            rewrite_literal(state, second.value, context or env_default_context(state, var), with_v1)
        return
    if field and isinstance(value, cst.Call) and facts.qualify(value.func).endswith("Field"):
        arg = kwarg(value, "default") or positional(value, 0)
        if arg is not None:
            rewrite_literal(state, arg.value, llm_context=context, with_v1=with_v1)
        return
    if isinstance(value, cst.BooleanOperation):
        for side in (value.left, value.right):
            rewrite_literal(state, side, llm_context=context, with_v1=with_v1)
        return
    rewrite_literal(state, value, llm_context=context, with_v1=with_v1)


def on_string(state: RewriteState, node: cst.SimpleString) -> None:
    """Anywhere else, only an unambiguous proxy address (LiteLLM host, --from-url, LLM API path)."""
    rewrite_literal(state, node, llm_context=False)


def on_fstring(state: RewriteState, node: cst.FormattedString) -> None:
    rewrite_literal(state, node, llm_context=False)
    # f"{BASE}/v1/chat/completions" where BASE is the proxy: BASE becomes the gateway URL with /v1, so
    # the /v1 written here goes.
    parts = list(node.parts)
    for i in range(len(parts) - 1):
        part, nxt = parts[i], parts[i + 1]
        if (
            isinstance(part, cst.FormattedStringExpression)
            and isinstance(nxt, cst.FormattedStringText)
            and _starts_with_v1(nxt.value)
            and llm_path(state.facts.urls, "http://x" + nxt.value)
            and state.facts.is_proxy_url_expr(part.expression)
        ):
            index = i + 1

            def fn(n: cst.CSTNode, index: int = index) -> cst.CSTNode:
                assert isinstance(n, cst.FormattedString)
                text = n.parts[index]
                assert isinstance(text, cst.FormattedStringText)
                new_parts = list(n.parts)
                new_parts[index] = text.with_changes(value=text.value[3:])
                return n.with_changes(parts=new_parts)

            state.edit(node, CODE, fn)


def _starts_with_v1(text: str) -> bool:
    return text == "/v1" or text.startswith(("/v1/", "/v1?"))


def on_binary(state: RewriteState, node: cst.BinaryOperation) -> None:
    """BASE + "/v1/chat/completions" where BASE is the proxy: the same as the f-string case."""
    if not isinstance(node.operator, cst.Add) or not isinstance(node.right, cst.SimpleString):
        return
    right = string_value(node.right)
    if right is None or not _starts_with_v1(right) or not llm_path(state.facts.urls, "http://x" + right):
        return
    if string_value(node.left) is None and state.facts.is_proxy_url_expr(node.left):
        state.replace_string(node.right, right[3:], CODE)


def on_dict(state: RewriteState, node: cst.Dict) -> None:
    """{"api_base": "http://localhost:4000", "model": ...}: client settings kept in a dict.

    `base_url` is a common key for any HTTP service, so it counts only beside an LLM client's keys.
    """
    keys: dict[str, cst.BaseExpression] = {}
    for el in node.elements:
        if isinstance(el, cst.DictElement):
            k = string_value(el.key)
            if k is not None:
                keys[k] = el.value
    llm_dict = bool({"model", "api_key", "openai_api_key", "messages"} & keys.keys())
    for key, value in keys.items():
        if key in ("api_base", "openai_api_base", "azure_endpoint") or (
            "litellm" in key.lower() and _URL_HINT.search(key)
        ):
            rewrite_literal(state, value, llm_context=True)
        elif key == "base_url" and llm_dict:
            rewrite_literal(state, value, llm_context=True)
