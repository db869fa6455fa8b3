"""Rule LGM203: LLM clients pointed at the proxy are pointed at the gateway.

The URL itself is rule LGM201's; this rule changes the client: `AzureOpenAI(azure_endpoint=<proxy>)`
becomes `OpenAI(base_url=<gateway>)` (the gateway speaks the OpenAI protocol; api_version is reported
as LGM224, Azure deployment and AD-token arguments as LGM225 since OpenAI() does not take them), and a
client of the proxy without an api_key gets `api_key=os.environ["LLM_GATEWAY_API_KEY"]`: left alone it
would read OPENAI_API_KEY, and send that key to the gateway. A client whose key may be None (an
`os.getenv` without default) is reported (LGM223), and so is one whose key is a placeholder literal
(`"sk-1234"`, `"EMPTY"`, `"anything"`: the proxy took it, the gateway answers 401) (LGM260), as is a
placeholder model in a client config dict (LGM261).
"""

from __future__ import annotations

from typing import cast

import libcst as cst

from llmgw_migrate.codemods import model_ids
from llmgw_migrate.codemods.python.facts import dotted, kwarg, string_value
from llmgw_migrate.codemods.python.state import RewriteState, string_node

CODE = "LGM203"
UNKNOWN_URL_CODE = "LGM214"
HARD_CODED_CODE = "LGM226"
_PLACEHOLDER_KEYS = ("test", "dummy", "fake", "placeholder", "empty", "none", "anything", "xxx", "changeme")


def _looks_like_real_key(value: str | None) -> bool:
    """A literal key long enough to be real; test doubles ("sk-test", "dummy") are not worth a warning."""
    if value is None or len(value) < 8:
        return False
    low = value.lower()
    return not any(p in low for p in _PLACEHOLDER_KEYS)


PLACEHOLDER_KEY_CODE = "LGM260"
PLACEHOLDER_MODEL_CODE = "LGM261"


def is_placeholder_key(value: str | None) -> bool:
    """A literal key the gateway will refuse: empty, short or a known stand-in ("sk-1234", "EMPTY")."""
    return value is not None and not _looks_like_real_key(value)


def is_placeholder_model(value: str | None) -> bool:
    return model_ids.is_placeholder_model(value)


def literal_value(state: RewriteState, node: cst.BaseExpression, depth: int = 0) -> str | None:
    """The string a key expression holds: a literal, or a module-level name assigned only that literal."""
    value = string_value(node)
    if value is not None or depth > 2:
        return value
    name = dotted(node)
    if name is None or "." in name:
        return None
    values = {literal_value(state, v, depth + 1) for v in state.facts.assigned.get(name, ())}
    return values.pop() if len(values) == 1 else None


def report_placeholder_key(state: RewriteState, node: cst.BaseExpression) -> None:
    if is_placeholder_key(literal_value(state, node)):
        state.finding(
            PLACEHOLDER_KEY_CODE,
            node,
            "this client now reaches the gateway with a placeholder key (the proxy accepted any key; "
            "the gateway answers 401)",
            fix=f'Read the gateway key from the environment: os.environ["{state.ctx.key_env}"].',
        )


NONE_KEY_CODE = "LGM223"
VERSION_CODE = "LGM224"
DEPLOYMENT_CODE = "LGM225"
KEY_KWARGS = ("api_key", "openai_api_key", "anthropic_api_key")


def key_may_be_none(state: RewriteState, node: cst.BaseExpression) -> bool:
    facts = state.facts
    if isinstance(node, cst.Call):
        q = facts.qualify(node.func)
        if q in ("os.getenv", "os.environ.get"):
            default = [a for a in node.args if a.keyword is None][1:2] or [
                a for a in node.args if a.keyword is not None and a.keyword.value == "default"
            ]
            return not default or (
                isinstance(default[0].value, cst.Name) and default[0].value.value == "None"
            )
        return False
    name = dotted(node)
    if name is not None and "." not in name:
        values = facts.assigned.get(name, ())
        return bool(values) and all(key_may_be_none(state, v) for v in values)
    return False


def env_key_expr(key_env: str) -> cst.BaseExpression:
    return cst.Subscript(
        value=cst.Attribute(value=cst.Name("os"), attr=cst.Name("environ")),
        slice=[cst.SubscriptElement(slice=cst.Index(value=string_node(key_env)))],
    )


def add_kwarg(call: cst.Call, name: str, value: cst.BaseExpression) -> cst.Call:
    """Append `name=value` keeping the call's layout (one argument per line stays one per line)."""
    args = list(call.args)
    new_arg = cst.Arg(
        keyword=cst.Name(name),
        value=value,
        equal=cst.AssignEqual(
            whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
        ),
    )
    if not args:
        return call.with_changes(args=[new_arg])
    last = args[-1]
    comma = last.comma
    if isinstance(comma, cst.Comma):
        # Trailing comma (one argument per line): the new argument takes over the trailing comma, and the
        # old last one gets the separator the others use (or the whitespace after the open paren).
        new_arg = new_arg.with_changes(comma=comma)
        if len(args) >= 2 and isinstance(args[-2].comma, cst.Comma):
            sep = args[-2].comma
        else:
            sep = cst.Comma(whitespace_after=call.whitespace_before_args)
        args[-1] = last.with_changes(comma=sep)
        return call.with_changes(args=[*args, new_arg])
    args[-1] = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
    return call.with_changes(args=[*args, new_arg])


def remove_kwargs(call: cst.Call, names: set[str]) -> cst.Call:
    args = [a for a in call.args if not (a.keyword is not None and a.keyword.value in names)]
    if args and len(args) < len(call.args):
        last_orig = call.args[-1]
        if args[-1] is not last_orig:
            # Keep the original trailing-comma layout of the last argument.
            args[-1] = args[-1].with_changes(comma=last_orig.comma)
    return call.with_changes(args=args)


def rename_kwarg(call: cst.Call, old: str, new: str) -> cst.Call:
    return call.with_changes(
        args=[
            a.with_changes(keyword=cst.Name(new)) if a.keyword is not None and a.keyword.value == old else a
            for a in call.args
        ]
    )


LITELLM_KEY_HEADER = "x-litellm-api-key"


_DICT_URL_KEYS = ("base_url", "api_base", "openai_api_base", "base_path")
_DICT_KEY_KEYS = ("api_key", "openai_api_key")


def _placeholder_config(state: RewriteState, node: cst.Dict) -> None:
    """{"base_url": <proxy>, "api_key": "NULL", "model": "NULL"} (an AutoGen config_list entry and the
    like): the URL moves to the gateway, so stand-in keys and models must be reported."""
    entries: dict[str, cst.BaseExpression] = {}
    for el in node.elements:
        if isinstance(el, cst.DictElement) and isinstance(el.key, cst.SimpleString):
            name = string_value(el.key)
            if name is not None:
                entries[name.lower()] = el.value
    urls = [entries[k] for k in _DICT_URL_KEYS if k in entries]
    if not urls or not any(state.facts.is_proxy_url_expr(u) for u in urls):
        return
    for k in _DICT_KEY_KEYS:
        if k in entries:
            report_placeholder_key(state, entries[k])
    model = entries.get("model")
    if model is not None and is_placeholder_model(string_value(model)):
        state.finding(
            PLACEHOLDER_MODEL_CODE,
            model,
            "this config now reaches the gateway with a placeholder model name (the proxy served its one "
            "model whatever the name; the gateway needs a model id)",
            fix="Name the gateway model id (see `llmgw-migrate catalog` or your plan's model map).",
        )


def on_dict(state: RewriteState, node: cst.Dict) -> None:
    """{"x-litellm-api-key": key}: LiteLLM's own key header; the gateway reads x-api-key."""
    _placeholder_config(state, node)
    for el in node.elements:
        if isinstance(el, cst.DictElement) and isinstance(el.key, cst.SimpleString):
            name = string_value(el.key)
            if name is not None and name.lower() == LITELLM_KEY_HEADER:
                new = "x-api-key" if name == name.lower() else "X-Api-Key"
                state.replace_string(el.key, new, CODE)


def on_call(state: RewriteState, call: cst.Call) -> None:
    facts = state.facts
    spec = facts.client_spec(call)
    if spec is None:
        return
    target = facts.client_call_target(call)
    if target not in ("proxy", "gateway"):
        return
    key = kwarg(call, *KEY_KWARGS)
    has_star = any(a.star == "**" for a in call.args)
    if key is not None and key_may_be_none(state, key.value):
        state.finding(
            NONE_KEY_CODE,
            key,
            "the api_key may be None (unset variable); the client would then send OPENAI_API_KEY "
            "to the gateway",
            fix=f'Read the key with os.environ["{state.ctx.key_env}"] so a missing key fails loudly.',
        )
    url = kwarg(call, *spec.url_kwargs)
    url_value = string_value(url.value) if url is not None else None
    if (
        url is not None
        and url_value is not None
        and not facts.is_proxy_url_expr(url.value)
        and not facts.is_gateway_url(url_value)
    ):
        # The key says LiteLLM (or, after a run, the gateway), the URL is neither: the proxy under a
        # hostname only the team knows.
        state.finding(
            UNKNOWN_URL_CODE,
            url.value,
            f"this client sends a LiteLLM/gateway key to {url_value}; if that is the proxy, rerun with "
            f"--from-url",
        )
    if key is not None and _looks_like_real_key(string_value(key.value)):
        state.finding(
            HARD_CODED_CODE,
            key,
            "the client's key is written in the code (not shown); read the gateway key from the environment",
            fix=f'Use os.environ["{state.ctx.key_env}"] and revoke the old key.',
        )
    if target != "proxy":
        return
    if key is not None:
        report_placeholder_key(state, key.value)
    if key is None and not has_star:
        key_name = "api_key"
        key_expr = env_key_expr(state.ctx.key_env)
        if state.edit(call, CODE, lambda n: add_kwarg(cast(cst.Call, n), key_name, key_expr)):
            state.need_import("os")
    if spec.kind == "azure":
        _azure_to_openai(state, call, spec.becomes)


def _azure_to_openai(state: RewriteState, call: cst.Call, becomes: tuple[tuple[str, str], ...]) -> None:
    facts = state.facts
    q = facts.qualify(call.func)
    old_name = q.rsplit(".", 1)[-1]
    new_name = dict(becomes).get(old_name)
    if new_name is None:
        return
    dropped: set[str] = set()
    for arg in call.args:
        if arg.keyword is None:
            continue
        kw = arg.keyword.value
        if kw == "api_version":
            dropped.add(kw)
            state.finding(
                VERSION_CODE, arg, "api_version is an Azure setting; the gateway client does not send it"
            )
        elif kw in ("azure_deployment", "azure_ad_token", "azure_ad_token_provider"):
            dropped.add(kw)
            state.finding(
                DEPLOYMENT_CODE,
                arg,
                f"{kw} has no meaning on the gateway; removed (OpenAI() does not take it)",
            )
    func = call.func
    local_import = isinstance(func, cst.Name)

    def fn(n: cst.CSTNode) -> cst.CSTNode:
        assert isinstance(n, cst.Call)
        out = rename_kwarg(n, "azure_endpoint", "base_url")
        if dropped:
            out = remove_kwargs(out, dropped)
        if isinstance(out.func, cst.Name):
            return out.with_changes(func=cst.Name(new_name))
        if isinstance(out.func, cst.Attribute):
            return out.with_changes(func=out.func.with_changes(attr=cst.Name(new_name)))
        return out

    if state.edit(call, CODE, fn) and local_import:
        module = q.rsplit(".", 1)[0]
        state.need_import("openai" if module.startswith("openai") else module, new_name)
        local = func.value if isinstance(func, cst.Name) else old_name
        state.maybe_unused.append((module, old_name, local if local != old_name else None))
