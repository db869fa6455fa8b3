"""Rule LGM205: client-facing LiteLLM model names become the plan's gateway model ids.

Only string literals given as the model of a call that reaches the proxy change: `model=` of a request
method on a client of the proxy (`client.chat.completions.create`), of a LangChain/LlamaIndex client
constructor pointed at it, the name given to a pydantic-ai model class whose `provider=` is such a client
(`OpenAIChatModel("smart", provider=...)`), of a litellm call through it, or the "model" of a request
dict passed to one (`**payload`, `json=` of a POST to the proxy). Never other strings. A name the plan
does not know is left as it is with an info finding (LGM210); one the plan knows without a gateway model
is a warning (LGM211). A plan name sent through a client this file cannot place is reported, not
rewritten (LGM212). A rewrite to an id the gateway has deactivated (it answers 410) is made, as the plan
says, and reported at that line with the successor the plan proposes (LGM270). A placeholder name
(`model="anything"`: the proxy served its one model whatever the name) is reported (LGM261), and so,
without a plan, is every name that is no gateway model id (LGM271): the gateway refuses both.

The literal may sit where the name is bound: a module constant bound once, the default of the enclosing
function's parameter (`def ask(q, model="smart")` ... `model=model`), or a value of a dict bound once
(`MODELS["chat"]`, `MODELS.get(kind)`: the named value, or with a computed key every value).
"""

from __future__ import annotations

import functools
from typing import Literal

import libcst as cst

from llmgw_migrate.codemods import model_ids
from llmgw_migrate.codemods.python.data import provider_model_spec_for
from llmgw_migrate.codemods.python.facts import dotted, kwarg, llm_path, positional, string_value
from llmgw_migrate.codemods.python.state import RewriteState

CODE = "LGM205"
UNKNOWN_CODE = "LGM210"
UNMAPPED_CODE = "LGM211"
UNPLACED_CODE = "LGM212"
RETIRED_CODE = "LGM270"
PLACEHOLDER_CODE = "LGM261"
NO_PLAN_CODE = "LGM271"


@functools.cache
def retired(gateway_id: str, today: str) -> tuple[str, str | None] | None:
    """(deactivation date, successor) when the gateway no longer serves `gateway_id` (it answers 410);
    the successor is the one `config` proposes for it (same provider first, then any)."""
    import datetime as dt

    from llmgw_migrate.config.catalog import load_catalog

    catalog = load_catalog()
    head, _, rest = gateway_id.partition("/")
    provider = head if rest and catalog.provider(head) is not None else None
    model = catalog.get((rest if provider else gateway_id).split(":")[0])
    day = dt.date.fromisoformat(today)
    if model is None or not model.deactivated(day):
        return None
    when = (model.deactivated_at or "")[:10]
    if not when and provider and (mapping := model.mapping(provider)) is not None:
        when = (mapping.deactivated_at or "")[:10]
    succ = catalog.successor(model, day, provider) or catalog.successor(model, day, None)
    return when or "?", succ


def _retired_finding(state: RewriteState, node: cst.CSTNode, name: str, gateway_id: str) -> None:
    import datetime as dt

    found = retired(gateway_id, dt.date.today().isoformat())
    if found is None:
        return
    when, succ = found
    state.finding(
        RETIRED_CODE,
        node,
        f"model {name!r} became {gateway_id!r}, which the gateway deactivated on {when} (it answers 410)"
        + (f"; the plan proposes `{succ}`" if succ else "; no successor in its family"),
    )


def is_gateway_id(state: RewriteState, name: str) -> bool:
    return model_ids.is_gateway_id(name, state.ctx)


def map_literal(
    state: RewriteState, node: cst.BaseExpression, route_prefix: str = "", litellm_call: bool = False
) -> None:
    """Replace a model-name literal by its gateway id.

    For litellm calls (`litellm_call`), the name may carry a route (litellm_proxy/, openai/) that is
    stripped first, and `route_prefix` ("openai/" for the gateway route, "" for the OpenAI SDK) is put
    in front of the result.
    """
    if isinstance(node, cst.IfExp):
        map_literal(state, node.body, route_prefix, litellm_call)
        map_literal(state, node.orelse, route_prefix, litellm_call)
        return
    if isinstance(node, (cst.Name, cst.Attribute)):
        # model=CHAT_MODEL: the module constant's literal, when it is bound exactly once.
        param = _param_default(state, node) if isinstance(node, cst.Name) else None
        if param is not None:
            # def ask(q, model="smart"): the parameter shadows any module constant of that name.
            if isinstance(param, cst.BaseExpression):
                map_literal(state, param, route_prefix, litellm_call)
            return
        name_ref = dotted(node)
        values = state.facts.assigned.get(name_ref or "", [])
        if len(values) == 1 and isinstance(values[0], cst.SimpleString):
            map_literal(state, values[0], route_prefix, litellm_call)
        return
    if isinstance(node, (cst.Subscript, cst.Call)):
        for item in _dict_values(state, node):
            map_literal(state, item, route_prefix, litellm_call)
        return
    if not isinstance(node, cst.SimpleString) or id(node) in state.handled:
        return
    value = string_value(node)
    if value is None:
        return
    state.handled.add(id(node))
    name = value
    had_proxy_prefix = False
    if litellm_call:
        for prefix in ("litellm_proxy/", "openai/"):
            if name.startswith(prefix):
                had_proxy_prefix = prefix == "litellm_proxy/"
                name = name[len(prefix) :]
                break
    ctx = state.ctx
    if name in ctx.model_map:
        state.replace_string(node, route_prefix + ctx.model_map[name], CODE)
        _retired_finding(state, node, name, ctx.model_map[name])
        return
    if had_proxy_prefix:
        # litellm_proxy/<name> must leave the proxy route even when the name is not in the plan.
        state.replace_string(node, route_prefix + name, CODE)
    if model_ids.is_placeholder_model(name):
        _placeholder(state, node, name)
    elif not ctx.has_plan:
        # (`litellm_proxy/<model>` outside a litellm call is LGM262's: the route, then the name)
        if not name.startswith("litellm_proxy/") and not is_gateway_id(state, name):
            _no_plan(state, node, name)
    elif name in ctx.known_models:
        state.finding(UNMAPPED_CODE, node, f"model {name!r} has no gateway model in the plan")
    elif not is_gateway_id(state, name):
        state.finding(UNKNOWN_CODE, node, f"model {name!r} is not a model name of the plan; left unchanged")


def _placeholder(state: RewriteState, node: cst.CSTNode, name: str) -> None:
    """`model="anything"` sent through the proxy: `litellm --model X` served its one model whatever the
    name; the gateway routes by model id and refuses the stand-in."""
    state.finding(
        PLACEHOLDER_CODE,
        node,
        f"model {name!r} is a placeholder the proxy ignored; this call now reaches the gateway, which needs "
        "a model id",
        fix="Name the gateway model id of the model the proxy served (your plan's model map, or "
        "`llmgw-migrate catalog`).",
    )


def _no_plan(state: RewriteState, node: cst.CSTNode, name: str) -> None:
    """Without a plan a LiteLLM model name cannot be mapped, and the gateway does not know it."""
    state.finding(
        NO_PLAN_CODE,
        node,
        f"model {name!r} is no gateway model id, and without a plan `code` cannot map it; this call now "
        "reaches the gateway",
        fix="Rerun with --plan (a plan.json from `llmgw-migrate config`) or --config litellm_config.yaml so "
        "the name is mapped, or name a gateway model id (`llmgw-migrate catalog`).",
    )


def _param_default(state: RewriteState, name: cst.Name) -> cst.BaseExpression | Literal[False] | None:
    """For a name that is a parameter of the enclosing function: its string default
    (`def ask(q, model="smart")`), or False when it has none or the function rebinds it. None when the
    name is no parameter of the enclosing function (a module constant, a closure's outer name)."""
    parents = state.facts.parents
    node: cst.CSTNode | None = name
    while node is not None:
        node = parents.get(id(node))
        if isinstance(node, (cst.FunctionDef, cst.Lambda)):
            params = node.params
            for p in (*params.params, *params.kwonly_params):
                if p.name.value == name.value:
                    default = p.default
                    if not isinstance(default, (cst.SimpleString, cst.IfExp)):
                        return False
                    if isinstance(node, cst.FunctionDef) and _rebinds(node.body, name.value):
                        return False
                    return default
            return None
    return None


class _Rebinds(cst.CSTVisitor):
    def __init__(self, name: str) -> None:
        self.name = name
        self.found = False

    def _target(self, target: cst.BaseExpression) -> None:
        if isinstance(target, cst.Name) and target.value == self.name:
            self.found = True
        elif isinstance(target, (cst.Tuple, cst.List)):
            for el in target.elements:
                self._target(el.value)

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._target(node.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._target(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._target(node.target)

    def visit_For(self, node: cst.For) -> None:
        self._target(node.target)

    def visit_AsName(self, node: cst.AsName) -> None:
        self._target(node.name)  # type: ignore[arg-type]

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._target(node.target)


def _rebinds(body: cst.CSTNode, name: str) -> bool:
    """Whether a function body assigns `name` again (then its value is not the default's)."""
    visitor = _Rebinds(name)
    body.visit(visitor)
    return visitor.found


def _dict_values(state: RewriteState, node: cst.Subscript | cst.Call) -> list[cst.BaseExpression]:
    """`MODELS["chat"]` / `MODELS.get("chat")`: that value of the dict bound once to MODELS; with a
    computed key (`MODELS[kind]`), every string value (each one can be the model sent)."""
    if isinstance(node, cst.Subscript):
        target = node.value
        if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
            return []
        key_node: cst.BaseExpression | None = node.slice[0].slice.value
    else:
        func = node.func
        if not (isinstance(func, cst.Attribute) and func.attr.value == "get") or not node.args:
            return []
        target = func.value
        key_node = node.args[0].value
    name = dotted(target)
    values = state.facts.assigned.get(name or "", [])
    if len(values) != 1 or not isinstance(values[0], cst.Dict):
        return []
    key = string_value(key_node) if key_node is not None else None
    out: list[cst.BaseExpression] = []
    for el in values[0].elements:
        if not isinstance(el, cst.DictElement) or not isinstance(el.value, cst.SimpleString):
            continue
        if key is None or string_value(el.key) == key:
            out.append(el.value)
    return out


def _dict_model(state: RewriteState, d: cst.Dict, route_prefix: str = "", litellm_call: bool = False) -> None:
    for el in d.elements:
        if isinstance(el, cst.DictElement) and string_value(el.key) == "model":
            map_literal(state, el.value, route_prefix, litellm_call)


def map_request_args(
    state: RewriteState, call: cst.Call, route_prefix: str = "", litellm_call: bool = False
) -> None:
    model = kwarg(call, "model")
    if model is not None:
        map_literal(state, model.value, route_prefix, litellm_call)
    for arg in call.args:
        if arg.star == "**":
            if isinstance(arg.value, cst.Dict):
                _dict_model(state, arg.value, route_prefix, litellm_call)
            else:
                name = dotted(arg.value)
                for d in state.facts.dicts.get(name or "", ()):
                    _dict_model(state, d, route_prefix, litellm_call)


def on_call(state: RewriteState, call: cst.Call) -> None:
    facts = state.facts
    request = facts.request_call(call)
    if request is not None:
        obj, _chain = request
        target = facts.object_target(obj)
        if target == "proxy":
            map_request_args(state, call)
        elif target == "unknown":
            _unplaced(state, kwarg(call, "model"))
        return
    if _provider_model(state, call):
        return
    spec = facts.client_spec(call)
    if spec is not None:
        if spec.model_kwargs and facts.client_call_target(call) == "proxy":
            for kw in spec.model_kwargs:
                arg = kwarg(call, kw)
                if arg is not None:
                    map_literal(state, arg.value)
        return
    # requests.post(f"{LITELLM_URL}/chat/completions", json={"model": ...}) and httpx alike.
    q = facts.qualify(call.func)
    if q.rsplit(".", 1)[-1] in ("post", "stream", "request") and (
        q.startswith(("requests", "httpx", "aiohttp")) or "." in q
    ):
        url = kwarg(call, "url") or positional(call, 1 if q.endswith(".request") else 0)
        body = kwarg(call, "json")
        if url is not None and body is not None and isinstance(body.value, cst.Dict):
            if facts.is_proxy_url_expr(url.value) and _posts_llm_path(state, url.value):
                _dict_model(state, body.value)


def _unplaced(state: RewriteState, model: cst.Arg | None) -> None:
    """A plan name sent through a client this file cannot place: reported (LGM212), not rewritten."""
    value = string_value(model.value) if model is not None else None
    if model is None or value is None or not state.ctx.has_plan or value not in state.ctx.model_map:
        return
    state.handled.add(id(model.value))
    state.finding(
        UNPLACED_CODE,
        model.value,
        f"model {value!r} is a LiteLLM name; if this client reaches the proxy, send "
        f"{state.ctx.model_map[value]!r}",
    )


def _provider_model(state: RewriteState, call: cst.Call) -> bool:
    """pydantic-ai `OpenAIChatModel("smart", provider=provider)`: the model name goes wherever the
    provider object (an `OpenAIProvider` client) sends it. False when the call is not such a model."""
    qualified = state.facts.qualify(call.func)
    if not qualified or (qualified == dotted(call.func) and "." not in qualified):
        return False
    spec = provider_model_spec_for(qualified)
    if spec is None:
        return False
    provider = kwarg(call, spec.provider_kwarg)
    model = kwarg(call, spec.model_kwarg) or positional(call, 0)
    # No provider, or provider="openai" (a name pydantic-ai resolves itself): not a client of this file.
    if provider is None or model is None or string_value(provider.value) is not None:
        return True
    target = state.facts.object_target(provider.value)
    if target == "proxy":
        map_literal(state, model.value)
    elif target == "unknown":
        _unplaced(state, model)
    return True


def _posts_llm_path(state: RewriteState, node: cst.BaseExpression) -> bool:
    from llmgw_migrate.codemods.python.facts import fstring_static

    if isinstance(node, cst.FormattedString):
        return llm_path(state.facts.urls, "http://x" + fstring_static(node).split("}")[-1])
    value = string_value(node)
    if value is not None:
        return llm_path(state.facts.urls, value)
    if isinstance(node, cst.BinaryOperation):
        right = string_value(node.right)
        return right is not None and llm_path(state.facts.urls, "http://x" + right)
    return False
