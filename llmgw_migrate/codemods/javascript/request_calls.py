"""Requests through proxy clients (pass 5): model names in SDK calls, Vercel providers and fetch bodies,
`x-litellm-*` headers, dropped fields and legacy completions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from llmgw_migrate.codemods import file_rules, model_ids
from llmgw_migrate.codemods.javascript.state import Analysis, Client
from llmgw_migrate.codemods.javascript.syntax import first_arg, pairs, string_content, unwrap
from llmgw_migrate.codemods.javascript.urls import is_proxy_expr
from llmgw_migrate.rules_data import dropped_params

if TYPE_CHECKING:
    from tree_sitter import Node


MODEL_KEYS = {"model", "modelName"}


REQUEST_METHODS = {"create", "parse", "stream", "generate", "createAndPoll"}


REQUEST_RESOURCES = {"chat", "completions", "embeddings", "responses", "messages", "images", "moderations"}


FETCHERS = {"fetch", "$fetch", "ofetch", "ky", "got", "axios"}


PROVIDER_METHODS = {"chat", "languageModel", "textEmbeddingModel", "embedding", "responses", "completion"}


def rewrite_model(a: Analysis, value: Node) -> None:
    sc = string_content(a, unwrap(value) or value)
    if sc is None:
        return
    name, start, end = sc
    new = file_rules.model_for(name, a.ctx)
    if new is not None:
        a.edit(start, end, new)
    elif model_ids.is_placeholder_model(name):
        a.note(
            "LGM359",
            f"model '{name}' is a placeholder the proxy ignored; this request now reaches the gateway, which "
            "needs a model id",
            value,
        )
    elif not a.ctx.has_plan:
        if not model_ids.is_gateway_id(name, a.ctx):
            a.note(
                "LGM332",
                f"model '{name}' is no gateway model id, and without a plan `code` cannot map it (rerun with "
                "--plan or --config); this request now reaches the gateway",
                value,
            )
    elif name not in a.ctx.known_models and name not in a.ctx.model_map.values():
        a.note("LGM332", f"model '{name}' is not in the plan", value)


def client_for(a: Analysis, chain: str) -> Client | None:
    for client in a.clients:
        if client.name and (chain == client.name or chain.startswith(client.name + ".")):
            return client
    return None


def rewrite_requests(a: Analysis, nodes: list[Node]) -> None:
    dropped = dropped_params()
    for node in nodes:
        if node.type == "string":
            sc = string_content(a, node)
            if sc and sc[0].lower().startswith("x-litellm-"):
                litellm_header(a, node, sc)
            continue
        if node.type != "call_expression":
            continue
        fn = node.child_by_field_name("function")
        if fn is None:
            continue
        chain = a.text(fn).replace("\n", "").replace(" ", "").replace("?.", ".")
        parts = chain.split(".")
        if fn.type == "identifier" and chain in a.providers:
            rewrite_model(a, first_arg(node) or fn)  # Vercel: litellm("gpt-4")
            continue
        if len(parts) == 2 and parts[0] in a.providers and parts[1] in PROVIDER_METHODS:
            arg = first_arg(node)
            if arg is not None:
                rewrite_model(a, arg)
            continue
        if parts[0] in FETCHERS:
            rewrite_fetch(a, node)
            continue
        if len(parts) < 3 or parts[-1] not in REQUEST_METHODS or not (set(parts[1:-1]) & REQUEST_RESOURCES):
            continue
        options = unwrap(first_arg(node))
        client = client_for(a, chain)
        legacy = parts[-2] == "completions" and "chat" not in parts
        if client is None:
            if options is not None:
                for key, _k, value in pairs(options):
                    sc = string_content(a, value) if key in MODEL_KEYS else None
                    if sc and file_rules.model_for(sc[0], a.ctx):
                        new = file_rules.model_for(sc[0], a.ctx)
                        a.note(
                            "LGM335",
                            f"'{sc[0]}' is a plan name (gateway id {new}); client defined elsewhere",
                            value,
                        )
            continue
        if not client.proxy:
            continue
        if legacy:
            a.note("LGM331", "legacy completions call: the gateway has no /v1/completions", node)
        for key, k, value in pairs(options):
            if key in MODEL_KEYS:
                rewrite_model(a, value)
            elif key in dropped:
                a.note("LGM330", f"'{key}' is dropped by the gateway: {dropped[key]}", k)


def rewrite_fetch(a: Analysis, call: Node) -> None:
    url = unwrap(first_arg(call))
    if url is None or not is_proxy_expr(a, url):
        return
    args = call.child_by_field_name("arguments")
    if args is None:
        return
    for arg in args.named_children[1:]:
        for key, _k, value in pairs(unwrap(arg)):
            if (
                key == "body"
                and value.type == "call_expression"
                and a.text(value.child_by_field_name("function")) == "JSON.stringify"
            ):
                body = unwrap(first_arg(value))
                for bkey, bk, bvalue in pairs(body):
                    if bkey == "model":
                        rewrite_model(a, bvalue)
                    elif bkey in dropped_params():
                        a.note("LGM330", f"'{bkey}' is dropped by the gateway: {dropped_params()[bkey]}", bk)
            elif key == "headers":
                for hkey, hk, _hv in pairs(unwrap(value)):
                    if hkey.lower() == "x-litellm-api-key" and hk.type == "string":
                        a.edit(hk.start_byte + 1, hk.end_byte - 1, "x-api-key")


def litellm_header(a: Analysis, node: Node, sc: tuple[str, int, int]) -> None:
    name = sc[0].lower()
    parent = node.parent
    if name == "x-litellm-api-key":
        if parent is not None and parent.type == "pair":
            a.edit(sc[1], sc[2], "x-api-key")
        return
    if parent is not None and parent.type == "arguments":
        call = parent.parent
        fn = a.text(call.child_by_field_name("function")) if call is not None else ""
        if fn.endswith((".get", ".has")) and "header" in fn.lower():
            a.note("LGM333", f"reads the {sc[0]} response header, which the gateway does not send", node)
            return
    if parent is not None and parent.type == "subscript_expression":
        a.note("LGM333", f"reads the {sc[0]} response header, which the gateway does not send", node)
