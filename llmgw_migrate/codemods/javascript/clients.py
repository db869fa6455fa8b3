"""LLM clients in JavaScript/TypeScript: SDK constructors and provider factories with their base URL and
key options, fetch calls to LLM paths, what feeds them (pass 1), and which talk to the proxy (pass 3).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from llmgw_migrate.codemods import file_rules
from llmgw_migrate.codemods.javascript.env_vars import env_name
from llmgw_migrate.codemods.javascript.request_calls import FETCHERS, MODEL_KEYS, rewrite_model
from llmgw_migrate.codemods.javascript.state import Analysis, Client
from llmgw_migrate.codemods.javascript.syntax import (
    binding,
    call_name,
    callee_name,
    first_arg,
    node_span,
    pairs,
    second_arg,
    string_content,
    unwrap,
)
from llmgw_migrate.codemods.javascript.urls import is_proxy_expr

if TYPE_CHECKING:
    from tree_sitter import Node


# constructor/factory name -> (kind, needs /v1): the Anthropic SDK appends /v1/messages itself
CLIENT_CTORS = {
    "OpenAI": ("openai", True),
    "AzureOpenAI": ("azure", True),
    "Anthropic": ("anthropic", False),
    "ChatOpenAI": ("langchain", True),
    "OpenAIEmbeddings": ("langchain", True),
    "AzureChatOpenAI": ("azure", True),
    "ChatAnthropic": ("anthropic", False),
}


PROVIDER_FACTORIES = {
    "createOpenAI": True,
    "createOpenAICompatible": True,
    "createAnthropic": False,
    "createAzure": True,
}


BASE_URL_KEYS = {
    "baseURL",
    "baseUrl",
    "basePath",
    "apiBase",
    "base_url",
    "api_base",
    "openAIApiBase",
    "endpoint",
}


API_KEY_KEYS = {"apiKey", "api_key", "openAIApiKey", "authToken"}


def collect_values(a: Analysis, nodes: list[Node]) -> None:
    """Initializers of the file's constants (`const x = ...`) and class fields, by name."""
    for n in nodes:
        if n.type in ("variable_declarator", "public_field_definition", "field_definition"):
            name = a.text(n.child_by_field_name("name") or n.child_by_field_name("property"))
            value = n.child_by_field_name("value")
            if name and value is not None:
                a.values.setdefault(name, value)


def find_clients(a: Analysis, nodes: list[Node]) -> None:
    for node in nodes:
        if node.type not in ("new_expression", "call_expression"):
            continue
        name = callee_name(a, node)
        if node.type == "new_expression" and name in CLIENT_CTORS:
            kind, v1 = CLIENT_CTORS[name]
        elif node.type == "call_expression" and name in PROVIDER_FACTORIES:
            kind, v1 = "vercel", PROVIDER_FACTORIES[name]
        elif node.type == "new_expression" and "litellm" in name.lower():
            # the project's own wrapper of the proxy (`new LiteLLMClient({ baseURL })`): its base URL is
            # the proxy's, by its name; it builds its own SDK client, so no key or model findings here
            kind, v1 = "wrapper", True
        else:
            continue
        options = unwrap(first_arg(node))
        if options is not None and options.type == "identifier":
            # `const opts = { baseURL: ... }; new OpenAI(opts)`
            options = unwrap(a.values.get(a.text(options)))
        client = Client(
            binding(a, node),
            kind,
            v1,
            options if options is not None and options.type == "object" else None,
            node=node,
        )
        a.clients.append(client)
        for key, _k, value in client_option_values(client.options, BASE_URL_KEYS):
            if key == "endpoint" and kind != "azure":
                continue
            mark_llm(a, value, v1)
        for _key_name, _k, value in client_option_values(client.options, API_KEY_KEYS):
            a.client_key_exprs.add(node_span(value))


def client_option_values(options: Node | None, keys: set[str]) -> list[tuple[str, Node, Node]]:
    """Options with these keys, also inside LangChain's `configuration: {...}` / `clientOptions`."""
    out = []
    for key, k, v in pairs(options):
        if key in keys:
            out.append((key, k, v))
        elif key in ("configuration", "clientOptions", "clientConfig") and v.type == "object":
            out += [(kk, k2, v2) for kk, k2, v2 in pairs(v) if kk in keys]
    return out


def mark_llm(a: Analysis, node: Node | None, with_v1: bool) -> None:
    """An expression that reaches an LLM client as its base URL."""
    node = unwrap(node)
    if node is None:
        return
    if node.type in ("string", "template_string"):
        a.llm_strings[node_span(node)] = with_v1
        if node.type == "template_string":
            subs = [c for c in node.named_children if c.type == "template_substitution"]
            if subs and node.named_children and node.named_children[0].type == "template_substitution":
                mark_llm(a, subs[0].named_children[0] if subs[0].named_children else None, with_v1)
    elif node.type in ("identifier", "shorthand_property_identifier"):
        a.llm_idents.setdefault(a.text(node), with_v1)
    elif node.type == "binary_expression":
        for side in ("left", "right"):
            mark_llm(a, node.child_by_field_name(side), with_v1)
    elif node.type == "ternary_expression":
        for side in ("consequence", "alternative"):
            mark_llm(a, node.child_by_field_name(side), with_v1)
    elif node.type == "member_expression" and a.text(node.child_by_field_name("object")) in (
        "this",
        "config",
        "settings",
        "env",
    ):
        a.llm_idents.setdefault(a.text(node), with_v1)
    elif node.type == "new_expression" and callee_name(a, node) == "URL":
        mark_llm(a, first_arg(node), with_v1)


def find_fetches(a: Analysis, nodes: list[Node]) -> None:
    """fetch/axios/ky: a base used as `${BASE}/v1/...` is an origin, as `${BASE}/chat/...` a /v1 base."""
    for node in nodes:
        if node.type != "call_expression":
            continue
        fn = node.child_by_field_name("function")
        fn_text = a.text(fn)
        root = fn_text.split(".")[0]
        if root not in FETCHERS:
            continue
        arg = unwrap(first_arg(node))
        if arg is None:
            continue
        if arg.type == "template_string":
            parts = arg.named_children
            for i, part in enumerate(parts):
                if part.type != "template_substitution" or i + 1 >= len(parts):
                    continue
                after = a.text(parts[i + 1]) if parts[i + 1].type == "string_fragment" else ""
                path = after.split("?")[0]
                if not path.startswith("/"):
                    continue
                llm_path = any(
                    path.startswith(p) or path.rstrip("/").endswith(p)
                    for p in file_rules.urls(a.ctx).llm_paths
                )
                if llm_path and part.named_children:
                    mark_llm(a, part.named_children[0], with_v1=not path.startswith("/v1"))
        elif arg.type == "binary_expression":
            right = string_content(a, arg.child_by_field_name("right") or arg)
            if (
                right
                and right[0].startswith("/")
                and any(right[0].startswith(p) for p in file_rules.urls(a.ctx).llm_paths)
            ):
                mark_llm(a, arg.child_by_field_name("left"), with_v1=not right[0].startswith("/v1"))


def propagate(a: Analysis, nodes: list[Node]) -> None:
    """Variables and env defaults that feed clients (or are LLM-named) hold proxy URLs."""
    declarators = [n for n in nodes if n.type in ("variable_declarator", "public_field_definition", "pair")]
    for _round in range(3):  # const A = "..."; const B = A; new OpenAI({ baseURL: B })
        before = (len(a.llm_strings), len(a.llm_idents))
        for d in declarators:
            if d.type == "pair":
                key = a.text(d.child_by_field_name("key")).strip("'\"")
                value = d.child_by_field_name("value")
            else:
                key = a.text(d.child_by_field_name("name") or d.child_by_field_name("property"))
                value = d.child_by_field_name("value")
            if value is None:
                continue
            if d.type != "pair":
                a.values.setdefault(key, value)
            if key in a.llm_idents:
                mark_llm(a, value, a.llm_idents[key])
            elif (file_rules.is_llm_key(key) and d.type != "pair") or (
                d.type == "pair" and llm_setting_pair(a, d, key)
            ):
                mark_llm(a, value, not file_rules.origin_only_key(key))
        # env defaults: process.env.LITELLM_BASE_URL ?? "http://localhost:4000"
        for n in nodes:
            if n.type == "binary_expression" and a.text(n.child_by_field_name("operator")) in ("??", "||"):
                env = env_name(a, unwrap(n.child_by_field_name("left")) or n)
                if env and file_rules.is_llm_key(env[0]):
                    mark_llm(a, n.child_by_field_name("right"), not file_rules.origin_only_key(env[0]))
            elif n.type == "call_expression" and call_name(a, n) in a.env_readers:
                # a helper's own default: getEnv("LITELLM_API_BASE", "http://localhost:4000")
                env = env_name(a, n)
                if env and file_rules.is_llm_key(env[0]):
                    mark_llm(a, second_arg(n), not file_rules.origin_only_key(env[0]))
        if (len(a.llm_strings), len(a.llm_idents)) == before:
            break


def llm_setting_pair(a: Analysis, pair: Node, key: str) -> bool:
    """A config object entry such as `litellmUrl: "..."` or `llm: { baseURL: "..." }`."""
    if file_rules.is_llm_key(key) and key not in BASE_URL_KEYS:
        return True
    obj = pair.parent
    holder = obj.parent if obj is not None else None
    if key in BASE_URL_KEYS and holder is not None and holder.type == "pair":
        return file_rules.is_llm_key(a.text(holder.child_by_field_name("key")).strip("'\""))
    return False


def resolve_proxy_clients(a: Analysis) -> None:
    for client in a.clients:
        bases = client_option_values(client.options, BASE_URL_KEYS)
        client.proxy = any(is_proxy_expr(a, v) for _k, _kn, v in bases)
        if not client.proxy and client.node is not None and client.kind != "wrapper":
            _lan_client(a, [v for _k, _kn, v in bases])
        if not client.proxy or client.node is None:
            continue
        if client.kind == "vercel" and client.name:
            a.providers[client.name] = True
        if client.kind == "azure":
            a.note("LGM334", "AzureOpenAI client pointed at the proxy", client.node)
        if client.kind in ("openai", "vercel") and not client_option_values(client.options, API_KEY_KEYS):
            a.note(
                "LGM336",
                "this client has no apiKey and would send OPENAI_API_KEY to the gateway",
                client.node,
            )
        for _key, _k, value in client_option_values(client.options, API_KEY_KEYS):
            if _placeholder_key(a, value):
                a.note(
                    "LGM355",
                    "this client now reaches the gateway with a placeholder key (the proxy accepted any "
                    f"key; the gateway answers 401): read {a.ctx.key_env} instead",
                    value,
                )
        if client.kind == "langchain":
            for key, _k, value in pairs(client.options):
                if key in MODEL_KEYS:
                    rewrite_model(a, value)


def _placeholder_key(a: Analysis, node: Node | None, depth: int = 0) -> bool:
    """A key option that is, or falls back to, a stand-in literal (`config.apiKey ?? 'sk-1234'`)."""
    from llmgw_migrate.codemods.placeholder_keys import is_placeholder

    node = unwrap(node)
    if node is None or depth > 2:
        return False
    if node.type in ("string", "template_string"):
        content = string_content(a, node)
        return content is not None and is_placeholder(content[0])
    if node.type == "binary_expression" and a.text(node.child_by_field_name("operator")) in ("??", "||"):
        return _placeholder_key(a, node.child_by_field_name("right"), depth + 1)
    if node.type == "identifier":
        return _placeholder_key(a, a.values.get(a.text(node)), depth + 1)
    return False


def _lan_client(a: Analysis, bases: list[Node]) -> None:
    """LGM361: an LLM client whose base URL is a :4000 address on the team's own host (`http://eldo:4000`):
    LiteLLM's port reaching an LLM client, but at a host no rule knows as the proxy, so it is reported
    with nothing changed (the Python form is LGM274)."""
    from urllib.parse import urlsplit

    from llmgw_migrate.codemods.python.unknown_proxies import lan_proxy_host

    for value in bases:
        node = unwrap(value)
        if node is not None and node.type == "identifier":
            node = unwrap(a.values.get(a.text(node)))
        content = string_content(a, node) if node is not None else None
        host = lan_proxy_host(content[0], a.ctx.not_proxy_ports) if content else None
        if host is None or node is None:
            continue
        scheme = urlsplit(content[0]).scheme if content else "http"
        a.note(
            "LGM361",
            "this LLM client's base URL is on port 4000, LiteLLM's default, at a host `code` does not know "
            f"as the proxy; if it is the proxy, migrate its URL and key together (rerun with --from-url "
            f"{scheme}://{host}:4000)",
            value,
        )
        return
