"""Findings without a rewrite, for calls that reach the gateway (through the proxy today or after
migration): parameters the gateway silently drops (LGM220), legacy text completions (LGM221) and reads
of LiteLLM's x-litellm-* response headers (LGM222); and `litellm_proxy/<model>` strings (LGM262), which
make the LiteLLM SDK send <model> to LITELLM_PROXY_API_BASE, the proxy.
"""

from __future__ import annotations

import libcst as cst

from llmgw_migrate.codemods.python.data import legacy_methods
from llmgw_migrate.codemods.python.facts import string_value
from llmgw_migrate.codemods.python.state import RewriteState
from llmgw_migrate.rules_data import dropped_params

DROPPED_CODE = "LGM220"
LEGACY_CODE = "LGM221"
HEADER_CODE = "LGM222"
LITELLM_PROXY_MODEL_CODE = "LGM262"
_LITELLM_PROXY_PREFIX = "litellm_proxy/"


def _litellm_call_model(state: RewriteState, node: cst.SimpleString) -> bool:
    """The model= of a litellm SDK call: rule litellm_sdk moves that call to the gateway (or reports it)."""
    facts = state.facts
    arg = facts.parents.get(id(node))
    if not isinstance(arg, cst.Arg) or (arg.keyword is not None and arg.keyword.value != "model"):
        return False
    call = facts.parents.get(id(arg))
    return isinstance(call, cst.Call) and facts.litellm_function(facts.qualify(call.func)) is not None


def on_string(state: RewriteState, node: cst.SimpleString) -> None:
    value = string_value(node)
    if value is None or not value.startswith(_LITELLM_PROXY_PREFIX):
        return
    model = value[len(_LITELLM_PROXY_PREFIX) :]
    if not model or _litellm_call_model(state, node):
        return
    target = state.ctx.model_map.get(model)
    mapped = f"; the plan maps {model} to {target}" if target else ""
    state.finding(
        LITELLM_PROXY_MODEL_CODE,
        node,
        f"{value} is LiteLLM's proxy provider (the SDK sends {model} to api_base, else to "
        f"LITELLM_PROXY_API_BASE){mapped}",
        fix=(
            f"Call the gateway instead: an OpenAI client (or litellm with model openai/{target or model} and "
            f"api_base from {state.ctx.url_env}, key from {state.ctx.key_env})."
        ),
    )


def _dropped(state: RewriteState, call: cst.Call) -> None:
    params = dropped_params()
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value in params:
            name = arg.keyword.value
            state.finding(DROPPED_CODE, arg, f"the gateway drops `{name}`: {params[name]}")


def on_call(state: RewriteState, call: cst.Call) -> None:
    facts = state.facts
    request = facts.request_call(call)
    if request is not None:
        obj, chain = request
        if facts.object_target(obj) in ("proxy", "gateway"):
            _dropped(state, call)
            if chain in legacy_methods():
                state.finding(LEGACY_CODE, call, "legacy completions: the gateway has no /v1/completions")
        _header_get(state, call)
        return
    fn = facts.litellm_function(facts.qualify(call.func))
    if fn is not None:
        if facts.litellm_call_target(call, state.module_proxy) in ("proxy", "gateway"):
            _dropped(state, call)
            if fn in ("text_completion", "atext_completion"):
                state.finding(
                    LEGACY_CODE, call, f"litellm.{fn} calls /v1/completions, which the gateway lacks"
                )
        return
    spec = facts.client_spec(call)
    if spec is not None:
        if facts.client_call_target(call) in ("proxy", "gateway"):
            if spec.kind.startswith("langchain"):
                _dropped(state, call)
            if facts.qualify(call.func).rsplit(".", 1)[-1] in spec.legacy_names:
                state.finding(LEGACY_CODE, call, "this LangChain class calls /v1/completions; use ChatOpenAI")
        return
    _header_get(state, call)


def _is_litellm_header(node: cst.BaseExpression) -> bool:
    value = string_value(node)
    return value is not None and value.lower().startswith("x-litellm-")


def _header_get(state: RewriteState, call: cst.Call) -> None:
    # response.headers.get("x-litellm-response-cost")
    if isinstance(call.func, cst.Attribute) and call.func.attr.value == "get" and call.args:
        first = call.args[0]
        if first.keyword is None and _is_litellm_header(first.value):
            _header_finding(state, first.value)


def on_subscript(state: RewriteState, node: cst.Subscript) -> None:
    if len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
        value = node.slice[0].slice.value
        if _is_litellm_header(value):
            _header_finding(state, value)


def _header_finding(state: RewriteState, node: cst.BaseExpression) -> None:
    name = (string_value(node) or "").lower()
    hint = "usage.cost" if "cost" in name or "spend" in name else "the response's metadata"
    state.finding(HEADER_CODE, node, f"the gateway does not send {name}; read {hint} instead")
