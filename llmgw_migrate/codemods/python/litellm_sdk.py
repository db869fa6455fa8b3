"""Rule LGM204: litellm SDK calls that go through the proxy go to the gateway instead.

`litellm.completion(model="litellm_proxy/smart")` (which reads LITELLM_PROXY_API_BASE/_API_KEY) and
calls with `api_base=<proxy>` become LiteLLM's OpenAI-compatible route to the gateway:
`model="openai/<gateway id>"` with `api_base=<gateway>` and the gateway key. `litellm.api_base = <proxy>`
is rule LGM201's. `litellm.use_litellm_proxy = True` (LGM231) and `Router(model_list=...)` (LGM230) are
reported for a person to decide.

With --replace-litellm, completion/acompletion/embedding/aembedding become OpenAI SDK calls on a
module-level client (`llm_gateway = OpenAI(base_url=..., api_key=os.environ[...])`); litellm-only keyword
arguments are dropped; dict-style reads of the response are reported (LGM232); other litellm calls stay
on the gateway route (LGM233).
"""

from __future__ import annotations

import libcst as cst

from llmgw_migrate.codemods.python.clients import add_kwarg, env_key_expr
from llmgw_migrate.codemods.python.data import litellm_functions, litellm_only_kwargs
from llmgw_migrate.codemods.python.facts import dotted, kwarg, string_value
from llmgw_migrate.codemods.python.model_names import map_literal, map_request_args
from llmgw_migrate.codemods.python.state import RewriteState, string_node

CODE = "LGM204"
ROUTER_CODE = "LGM230"
FLAG_CODE = "LGM231"
SHAPE_CODE = "LGM232"
NOT_REPLACED_CODE = "LGM233"
ROUTE = "openai/"
SYNC_CLIENT = "llm_gateway"
ASYNC_CLIENT = "llm_gateway_async"


def prepare(state: RewriteState) -> None:
    """Module-wide switches: `litellm.api_base = <proxy>` or `litellm.use_litellm_proxy = True`."""
    facts = state.facts
    for name, values in facts.assigned.items():
        q = facts.qualify_name(name)
        if q in ("litellm.api_base", "litellm.base_url") and any(facts.is_proxy_url_expr(v) for v in values):
            state.module_proxy = True
        if q == "litellm.use_litellm_proxy" and any(
            isinstance(v, cst.Name) and v.value == "True" for v in values
        ):
            state.module_proxy = True
            state.module_proxy_flag = True


def _module_sets_key(state: RewriteState) -> bool:
    facts = state.facts
    return any(facts.qualify_name(n) == "litellm.api_key" for n in facts.assigned)


def on_assign(
    state: RewriteState, target: cst.BaseExpression, value: cst.BaseExpression, field: bool
) -> None:
    if state.facts.qualify(target) == "litellm.use_litellm_proxy" and isinstance(value, cst.Name):
        if value.value == "True":
            state.finding(
                FLAG_CODE,
                target,
                "litellm.use_litellm_proxy sends every litellm call to LITELLM_PROXY_API_BASE",
            )


def on_call(state: RewriteState, call: cst.Call) -> None:
    facts = state.facts
    q = facts.qualify(call.func)
    if q in ("litellm.Router", "litellm.router.Router"):
        state.finding(
            ROUTER_CODE, call, "litellm.Router balances deployments in process; move them to the gateway"
        )
        return
    fn = facts.litellm_function(q)
    if fn is None:
        return
    target = facts.litellm_call_target(call, state.module_proxy)
    if target != "proxy":
        return
    group = litellm_functions()[fn]
    if state.ctx.replace_litellm and group in ("chat", "embedding") and not state.suppressed(CODE, call):
        if _replace_with_openai(state, call, fn, group):
            return
    model = kwarg(call, "model")
    if model is None:
        positional = [a for a in call.args if a.keyword is None and not a.star]
        model = positional[0] if positional else None
    model_value = string_value(model.value) if model is not None else None
    via_env = (model_value or "").startswith("litellm_proxy/") or state.module_proxy_flag
    if model is not None:
        map_literal(state, model.value, ROUTE, litellm_call=True)
    for arg in call.args:
        if arg.star == "**":
            map_request_args(state, call.with_changes(args=[arg]), ROUTE, litellm_call=True)
    if state.ctx.replace_litellm and group not in ("chat", "embedding"):
        state.finding(
            NOT_REPLACED_CODE, call, f"litellm.{fn} has no OpenAI SDK equivalent here; kept on litellm"
        )
    has_url = kwarg(call, "api_base", "base_url") is not None
    has_key = kwarg(call, "api_key") is not None or _module_sets_key(state)
    has_star = any(a.star == "**" for a in call.args)
    if via_env and not has_star and (not has_url or not has_key):
        base = state.ctx.base_url
        key_env = state.ctx.key_env

        def fn_add(n: cst.CSTNode) -> cst.CSTNode:
            assert isinstance(n, cst.Call)
            out = n
            if not has_url:
                out = add_kwarg(out, "api_base", string_node(base))
            if not has_key:
                out = add_kwarg(out, "api_key", env_key_expr(key_env))
            return out

        if state.edit(call, CODE, fn_add) and not has_key:
            state.need_import("os")


def _replace_with_openai(state: RewriteState, call: cst.Call, fn: str, group: str) -> bool:
    is_async = fn.startswith("a")
    client = ASYNC_CLIENT if is_async else SYNC_CLIENT
    chain = ("chat", "completions", "create") if group == "chat" else ("embeddings", "create")
    second = "messages" if group == "chat" else "input"
    # Positional (model, messages|input) become keywords; anything else positional is not portable.
    positional = [a for a in call.args if a.keyword is None and not a.star]
    if len(positional) > 2:
        state.finding(NOT_REPLACED_CODE, call, f"litellm.{fn} with more than two positional arguments; kept")
        return False
    model_arg = kwarg(call, "model") or (positional[0] if positional else None)
    if model_arg is not None:
        map_literal(state, model_arg.value, "", litellm_call=True)  # the OpenAI SDK takes the bare id
        value = string_value(model_arg.value)
        if value is not None and value.startswith(ROUTE) and isinstance(model_arg.value, cst.SimpleString):
            # openai/<name> was litellm's route, not part of the name.
            bare = value[len(ROUTE) :]
            if bare not in state.ctx.model_map:
                state.replace_string(model_arg.value, bare, "LGM205")
    for arg in call.args:
        if arg.star == "**":
            map_request_args(state, call.with_changes(args=[arg]), "", litellm_call=True)
    drop = set(litellm_only_kwargs())
    names = [second]

    def fn_replace(n: cst.CSTNode) -> cst.CSTNode:
        assert isinstance(n, cst.Call)
        args = []
        pos_i = 0
        for a in n.args:
            if a.keyword is None and not a.star:
                kw = "model" if pos_i == 0 else names[0]
                pos_i += 1
                args.append(
                    a.with_changes(
                        keyword=cst.Name(kw),
                        equal=cst.AssignEqual(
                            whitespace_before=cst.SimpleWhitespace(""),
                            whitespace_after=cst.SimpleWhitespace(""),
                        ),
                    )
                )
            elif a.keyword is not None and a.keyword.value in drop:
                continue
            else:
                args.append(a)
        if args and n.args and args[-1] is not n.args[-1]:
            args[-1] = args[-1].with_changes(comma=n.args[-1].comma)
        func: cst.BaseExpression = cst.Name(client)
        for part in chain:
            func = cst.Attribute(value=func, attr=cst.Name(part))
        return n.with_changes(func=func, args=args)

    if not state.edit(call, CODE, fn_replace):
        return False
    state.needs_client.add(client)
    state.need_import("os")
    state.need_import("openai", "AsyncOpenAI" if is_async else "OpenAI")
    func = call.func
    if isinstance(func, cst.Name):
        state.maybe_unused.append(("litellm", func.value, None))
    else:
        base = dotted(func)
        if base:
            state.maybe_unused.append((base.rsplit(".", 1)[0], None, None))
    state.replaced_calls.add(id(call))
    return True


def client_statements(state: RewriteState) -> list[cst.SimpleStatementLine]:
    """`llm_gateway = OpenAI(base_url=..., api_key=os.environ[...])` for the replaced calls."""
    needed = sorted(state.needs_client)
    out = []
    for name in needed:
        if name in state.facts.assigned:
            continue
        cls = "AsyncOpenAI" if name == ASYNC_CLIENT else "OpenAI"
        call = cst.Call(
            func=cst.Name(cls),
            args=[
                cst.Arg(
                    keyword=cst.Name("base_url"),
                    value=string_node(state.ctx.base_url),
                    equal=cst.AssignEqual(
                        whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
                    ),
                    comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")),
                ),
                cst.Arg(
                    keyword=cst.Name("api_key"),
                    value=env_key_expr(state.ctx.key_env),
                    equal=cst.AssignEqual(
                        whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
                    ),
                ),
            ],
        )
        out.append(
            cst.SimpleStatementLine(body=[cst.Assign(targets=[cst.AssignTarget(cst.Name(name))], value=call)])
        )
    return out


def response_shape_findings(state: RewriteState, module: cst.Module) -> None:
    """`response["choices"]` on the result of a replaced call (assigned to a plain name)."""
    if not state.replaced_calls:
        return
    names: set[str] = set()
    for name, values in state.facts.assigned.items():
        for v in values:
            inner = v.expression if isinstance(v, cst.Await) else v
            if id(inner) in state.replaced_calls:
                names.add(name)
    if not names:
        return

    class _Finder(cst.CSTVisitor):
        def visit_Subscript(self, node: cst.Subscript) -> None:
            if dotted(node.value) in names and len(node.slice) == 1:
                sl = node.slice[0].slice
                if isinstance(sl, cst.Index) and string_value(sl.value) is not None:
                    state.finding(SHAPE_CODE, node, "the OpenAI SDK's response is not a dict; use attributes")

    module.visit(_Finder())
