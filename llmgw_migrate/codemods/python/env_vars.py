"""Rule LGM202: LiteLLM environment variable names become the gateway's.

LITELLM_API_KEY, LITELLM_PROXY_API_KEY (and friends) -> LLM_GATEWAY_API_KEY (or --key-env);
LITELLM_BASE_URL, LITELLM_API_BASE, LITELLM_PROXY_API_BASE, LITELLM_PROXY_URL -> LLM_GATEWAY_BASE_URL
(rules/rewrites/env_vars.yaml documents the choice). Renamed where the code reads the environment:
`os.environ[...]`, `.get`, `os.getenv`, `setdefault`, `"X" in os.environ`, pydantic-settings aliases
(`Field(alias=/validation_alias=/env=)`, `AliasChoices`) and module constants that hold the name.
LITELLM_MASTER_KEY is renamed only where it is used as a client key (it is also the proxy's own admin key,
which the gateway does not have). OPENAI_BASE_URL keeps its name (the OpenAI SDK reads it by itself);
only its proxy default changes (rule LGM201).
A pydantic-settings (v2) field that reads a LiteLLM variable by its own name (`litellm_api_key: str`)
gets `validation_alias=AliasChoices("LLM_GATEWAY_API_KEY", "litellm_api_key")`: the new variable first,
the old one and keyword construction still working. pydantic 1 fields and env_prefix classes get
findings instead (LGM240, LGM241).
"""

from __future__ import annotations

import libcst as cst

from llmgw_migrate.codemods.python.clients import PLACEHOLDER_KEY_CODE, add_kwarg, is_placeholder_key
from llmgw_migrate.codemods.python.facts import dotted, kwarg, positional, string_value
from llmgw_migrate.codemods.python.state import RewriteState, string_node
from llmgw_migrate.rules_data import env_renames

CODE = "LGM202"
FIELD_CODE = "LGM240"
PREFIX_CODE = "LGM241"
ALIAS_KWARGS = ("alias", "validation_alias", "env", "serialization_alias")


def _renames(state: RewriteState) -> dict[str, str]:
    return env_renames(state.ctx.key_env)


def rename_literal(state: RewriteState, node: cst.BaseExpression, master_ok: bool = False) -> None:
    if not isinstance(node, cst.SimpleString) or id(node) in state.handled:
        return
    name = string_value(node)
    if name is None:
        return
    renames = _renames(state)
    new = renames.get(name)
    if new is None and master_ok and name in state.facts.master_vars:
        new = state.ctx.key_env
    if new is None:
        return
    state.handled.add(id(node))
    state.replace_string(node, new, CODE)


def _env_name_node(state: RewriteState, node: cst.BaseExpression) -> cst.BaseExpression | None:
    facts = state.facts
    if isinstance(node, cst.Call):
        from llmgw_migrate.codemods.python.facts import ENV_GET_FUNCS

        if facts.qualify(node.func) in ENV_GET_FUNCS:
            first = positional(node, 0) or kwarg(node, "key")
            return first.value if first is not None else None
    if isinstance(node, cst.Subscript) and facts.qualify(node.value) == "os.environ":
        if len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
            return node.slice[0].slice.value
    return None


def rename_env_read(state: RewriteState, node: cst.BaseExpression, master_ok: bool = False) -> None:
    """Rename the variable an env read names (used directly, and by rules that know it is a key)."""
    target = _env_name_node(state, node)
    if target is not None:
        rename_literal(state, target, master_ok=master_ok)


def on_call(state: RewriteState, call: cst.Call) -> None:
    facts = state.facts
    q = facts.qualify(call.func)
    spec = facts.client_spec(call)
    if spec is not None or facts.litellm_function(q) is not None:
        key = kwarg(call, "api_key", "openai_api_key", "anthropic_api_key")
        if key is not None:
            rename_env_read(state, key.value, master_ok=True)
    if q.endswith("Field") or q.endswith("AliasChoices") or q.endswith("AliasPath"):
        if q.endswith("AliasChoices") and _lists_new_name(state, call):
            return  # AliasChoices("LLM_GATEWAY_API_KEY", "LITELLM_API_KEY"): the old name is the fallback
        for arg in call.args:
            if arg.keyword is None or arg.keyword.value in ALIAS_KWARGS:
                if isinstance(arg.value, cst.Call):
                    continue  # AliasChoices(...) is visited on its own
                rename_literal(state, arg.value)
        return
    rename_env_read(state, call)
    if isinstance(call.func, cst.Attribute) and call.func.attr.value in (
        "setenv",
        "delenv",
        "putenv",
        "unsetenv",
    ):
        # monkeypatch.setenv("LITELLM_API_KEY", ...) in tests, os.putenv(...): the same variable.
        first = positional(call, 0) or kwarg(call, "name", "key")
        if first is not None:
            rename_literal(state, first.value)
    if q.endswith("patch.dict") and call.args and facts.qualify(call.args[0].value) == "os.environ":
        # mock.patch.dict(os.environ, {"LITELLM_API_KEY": "test"})
        for arg in call.args[1:]:
            if isinstance(arg.value, cst.Dict):
                for el in arg.value.elements:
                    if isinstance(el, cst.DictElement):
                        rename_literal(state, el.key)
    # headers={"Authorization": f"Bearer {os.environ['LITELLM_MASTER_KEY']}"} is handled with the f-string.


def _lists_new_name(state: RewriteState, call: cst.Call) -> bool:
    """Whether the choices already hold a gateway name, so the LiteLLM names beside it are fallbacks
    (a rewrite's own output: renaming them again would list the new name twice)."""
    targets = set(_renames(state).values()) | {state.ctx.key_env, state.ctx.url_env}
    return any(string_value(a.value) in targets for a in call.args if isinstance(a.value, cst.SimpleString))


def on_subscript(state: RewriteState, node: cst.Subscript) -> None:
    rename_env_read(state, node)


def on_comparison(state: RewriteState, node: cst.Comparison) -> None:
    # "LITELLM_API_KEY" in os.environ
    for target in node.comparisons:
        if (
            isinstance(target.operator, (cst.In, cst.NotIn))
            and state.facts.qualify(target.comparator) == "os.environ"
        ):
            rename_literal(state, node.left)


def on_assign(
    state: RewriteState, target: cst.BaseExpression, value: cst.BaseExpression, field: bool
) -> None:
    name = dotted(target)
    if name is None:
        return
    if name in state.facts.key_sinks:
        rename_env_read(state, value, master_ok=True)
    # API_KEY_ENV = "LITELLM_API_KEY": a constant that names the variable.
    if isinstance(value, cst.SimpleString) and not field:
        rename_literal(state, value)


def on_fstring_expr(state: RewriteState, node: cst.FormattedString) -> None:
    # f"Bearer {os.environ['LITELLM_MASTER_KEY']}": a bearer token is a client key.
    static = "".join(p.value for p in node.parts if isinstance(p, cst.FormattedStringText))
    if "Bearer" in static or "bearer" in static:
        for p in node.parts:
            if isinstance(p, cst.FormattedStringExpression):
                rename_env_read(state, p.expression, master_ok=True)


def on_class(state: RewriteState, node: cst.ClassDef) -> None:
    """pydantic-settings classes: fields read LITELLM_* by their name, or a LITELLM_ prefix."""
    facts = state.facts
    bases = [facts.qualify(b.value) for b in node.bases]
    if not any(b.endswith("BaseSettings") for b in bases):
        return
    # AliasChoices exists in pydantic 2 (pydantic_settings); pydantic 1's BaseSettings gets a finding.
    v2_settings = any(b.startswith("pydantic_settings") for b in bases)
    prefix = ""
    body = node.body.body if isinstance(node.body, cst.IndentedBlock) else ()
    for stmt in body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.Assign) and isinstance(small.value, cst.Call):
                    if any(dotted(t.target) == "model_config" for t in small.targets):
                        arg = kwarg(small.value, "env_prefix")
                        if arg is not None:
                            prefix = string_value(arg.value) or ""
                            if prefix.upper().startswith("LITELLM"):
                                state.finding(
                                    PREFIX_CODE,
                                    arg,
                                    f"settings {node.name.value} read their fields from {prefix}*",
                                )
        elif isinstance(stmt, cst.ClassDef) and stmt.name.value == "Config":
            for inner in stmt.body.body if isinstance(stmt.body, cst.IndentedBlock) else ():
                if isinstance(inner, cst.SimpleStatementLine):
                    for small in inner.body:
                        if isinstance(small, cst.Assign) and any(
                            dotted(t.target) == "env_prefix" for t in small.targets
                        ):
                            prefix = string_value(small.value) or ""
                            if prefix.upper().startswith("LITELLM"):
                                state.finding(
                                    PREFIX_CODE,
                                    small,
                                    f"settings {node.name.value} read their fields from {prefix}*",
                                )
    renames = _renames(state)
    for stmt in body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if not isinstance(small, cst.AnnAssign) or not isinstance(small.target, cst.Name):
                continue
            env_name = (prefix + small.target.value).upper()
            if env_name not in renames:
                continue
            value = small.value
            if renames[env_name] == state.ctx.key_env:
                _placeholder_default(state, small)
            if isinstance(value, cst.Call) and any(
                a.keyword is not None and a.keyword.value in ("alias", "validation_alias", "env")
                for a in value.args
            ):
                continue  # the alias names the variable; renamed above
            if not prefix and v2_settings and _alias_field(state, small, renames[env_name]):
                continue
            state.finding(
                FIELD_CODE,
                small.target,
                f"settings field {small.target.value} reads {env_name}; the gateway's variable is "
                f"{renames[env_name]}",
                fix=f'Add validation_alias=AliasChoices("{renames[env_name]}", "{small.target.value}")'
                " to the field.",
            )


def _placeholder_default(state: RewriteState, field: cst.AnnAssign) -> None:
    """`LITELLM_API_KEY: str = "litellm"`: unset, the gateway key variable leaves a stand-in the gateway
    refuses (issue 11, class 4)."""
    value = field.value
    if isinstance(value, cst.Call) and state.facts.qualify(value.func).endswith("Field"):
        arg = kwarg(value, "default") or positional(value, 0)
        value = arg.value if arg is not None else None
    literal = string_value(value) if value is not None else None
    if value is not None and literal and is_placeholder_key(literal):  # "" is "required", not a stand-in
        state.finding(
            PLACEHOLDER_KEY_CODE,
            value,
            "this settings key defaults to a placeholder: with the gateway key variable unset, the gateway "
            "gets it and answers 401",
            fix=f"Drop the default so a missing {state.ctx.key_env} fails at start-up.",
        )


def _alias_field(state: RewriteState, field: cst.AnnAssign, new_env: str) -> bool:
    """`litellm_api_key: str` -> `... = Field(validation_alias=AliasChoices("LLM_GATEWAY_API_KEY",
    "litellm_api_key"))`: the new variable first, the field's own name (so the old variable, and
    keyword construction) still working. False when the field's shape is not one this can extend."""
    assert isinstance(field.target, cst.Name)
    name = field.target.value
    value = field.value
    if (
        value is not None
        and isinstance(value, cst.Call)
        and not state.facts.qualify(value.func).endswith("Field")
    ):
        return False
    if value is not None and isinstance(value, cst.Call) and any(a.star for a in value.args):
        return False
    alias = cst.Call(
        func=cst.Name("AliasChoices"),
        args=[
            cst.Arg(string_node(new_env), comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))),
            cst.Arg(string_node(name)),
        ],
    )
    field_local = _local_name(state, "pydantic.Field") or "Field"

    def fn(n: cst.CSTNode) -> cst.CSTNode:
        assert isinstance(n, cst.AnnAssign)
        current = n.value
        if isinstance(current, cst.Call):
            new_value: cst.BaseExpression = add_kwarg(current, "validation_alias", alias)
        else:
            args = [cst.Arg(current)] if current is not None else []
            new_value = add_kwarg(cst.Call(func=cst.Name(field_local), args=args), "validation_alias", alias)
        equal = n.equal if n.value is not None else cst.AssignEqual()
        return n.with_changes(value=new_value, equal=equal)

    if not state.edit(field, CODE, fn):
        return False
    state.need_import("pydantic", "AliasChoices")
    if not (isinstance(value, cst.Call)):
        if _local_name(state, "pydantic.Field") is None:
            state.need_import("pydantic", "Field")
    return True


def _local_name(state: RewriteState, qualified: str) -> str | None:
    for local, q in state.facts.imports.items():
        if q == qualified:
            return local
    return None
