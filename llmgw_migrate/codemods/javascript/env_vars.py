"""Env var reads in JavaScript/TypeScript: `process.env.X`, `import.meta.env.X`, `Deno.env.get("X")`,
destructuring, and helpers shown to read env vars; renaming LITELLM_* reads (pass 4).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from llmgw_migrate.codemods import file_rules
from llmgw_migrate.codemods.javascript.state import Analysis
from llmgw_migrate.codemods.javascript.syntax import (
    call_name,
    first_arg,
    node_span,
    second_arg,
    string_content,
    unwrap,
)
from llmgw_migrate.proxy_urls import URL_RE

if TYPE_CHECKING:
    from tree_sitter import Node


def env_name(a: Analysis, node: Node) -> tuple[str, int, int] | None:
    """(name, start, end of the name's text) for process.env.X / import.meta.env.X / Bun.env.X /
    process.env["X"] / Deno.env.get("X")."""
    if node.type == "member_expression":
        obj = a.text(node.child_by_field_name("object")).replace(" ", "")
        prop = node.child_by_field_name("property")
        if (
            obj in ("process.env", "import.meta.env", "Bun.env", "globalThis.process.env")
            and prop is not None
        ):
            return a.text(prop), prop.start_byte, prop.end_byte
    if node.type == "subscript_expression":
        obj = a.text(node.child_by_field_name("object")).replace(" ", "")
        idx = node.child_by_field_name("index")
        if obj in ("process.env", "import.meta.env", "Bun.env") and idx is not None:
            sc = string_content(a, idx)
            if sc:
                return sc
    if node.type == "call_expression":
        fn = call_name(a, node)
        if fn == "Deno.env.get":
            arg = first_arg(node)
            if arg is not None:
                return string_content(a, arg)
        elif fn in a.env_readers:
            arg = unwrap(first_arg(node))
            sc = string_content(a, arg) if arg is not None else None
            if sc is not None and ENV_NAME_RE.fullmatch(sc[0]):
                return sc
    return None


ENV_NAME_RE = re.compile(r"[A-Z][A-Z0-9_]*")


def find_env_readers(a: Analysis, nodes: list[Node]) -> None:
    """Helpers that read env vars, shown by a read of a LITELLM_* name with a proxy-URL fallback:
    `getEnvString("LITELLM_API_BASE") || "http://0.0.0.0:4000"`, `env("LITELLM_API_BASE", "http://...")`.
    Their reads are then env reads (renamed, their fallbacks rewritten) like `process.env.X`; a helper
    never used so is left alone."""
    for n in nodes:
        left: Node | None
        right: Node | None
        if n.type == "call_expression":
            left, right = n, unwrap(second_arg(n))  # getEnv("LITELLM_API_BASE", "http://...")
        elif n.type == "binary_expression" and a.text(n.child_by_field_name("operator")) in ("??", "||"):
            left, right = unwrap(n.child_by_field_name("left")), unwrap(n.child_by_field_name("right"))
        else:
            continue
        if left is None or right is None or left.type != "call_expression":
            continue
        arg = unwrap(first_arg(left))
        name = string_content(a, arg) if arg is not None else None
        fallback = string_content(a, right)
        if (
            name is None
            or fallback is None
            or not ENV_NAME_RE.fullmatch(name[0])
            or not file_rules.split_prefix(name[0])[1].startswith("LITELLM_")
        ):
            continue
        url = fallback[0].strip()
        if URL_RE.fullmatch(url) and file_rules.rewrite_url(url, a.ctx, llm_context=True).new is not None:
            a.env_readers.add(call_name(a, left))


def rewrite_env(a: Analysis, nodes: list[Node]) -> None:
    for node in nodes:
        if node.type == "object_pattern":
            rewrite_env_destructuring(a, node)
            continue
        env = env_name(a, node)
        if env is None:
            continue
        name, start, end = env
        if "LITELLM" not in name.upper():
            continue
        new = file_rules.rename_env(name, a.ctx, client_key=sent_as_key(a, node))
        if new is None:
            continue
        # `process.env.X` keeps dot access; a subscript or call keeps its quotes (start/end are inside)
        a.edit(start, end, new)


def sent_as_key(a: Analysis, node: Node) -> bool:
    """LITELLM_MASTER_KEY is renamed only where it is a client's key or a bearer token."""
    cur: Node | None = node
    for _ in range(6):
        if cur is None:
            return False
        if node_span(cur) in a.client_key_exprs:
            return True
        if cur.type == "template_string" and "bearer" in a.text(cur).lower():
            return True
        if cur.type == "pair":
            key = a.text(cur.child_by_field_name("key")).strip("'\"").lower()
            return key in ("authorization", "x-api-key", "apikey", "api_key", "openaiapikey")
        cur = cur.parent
    return False


def rewrite_env_destructuring(a: Analysis, pattern: Node) -> None:
    """`const { LITELLM_API_KEY } = process.env` -> `const { LLM_GATEWAY_API_KEY: LITELLM_API_KEY } = ...`."""
    parent = pattern.parent
    if parent is None or parent.type != "variable_declarator":
        return
    source = a.text(parent.child_by_field_name("value")).replace(" ", "")
    if source not in ("process.env", "import.meta.env", "Bun.env"):
        return
    for child in pattern.named_children:
        if child.type == "shorthand_property_identifier_pattern":
            name = a.text(child)
            new = file_rules.rename_env(name, a.ctx)
            if new:
                a.edit(child.start_byte, child.end_byte, f"{new}: {name}")
        elif child.type in ("pair_pattern", "object_assignment_pattern"):
            key = child.child_by_field_name("key") or child.child_by_field_name("left")
            if key is None:
                continue
            if key.type == "shorthand_property_identifier_pattern":
                name = a.text(key)
                new = file_rules.rename_env(name, a.ctx)
                if new:
                    a.edit(key.start_byte, key.end_byte, f"{new}: {name}")
            elif key.type == "property_identifier":
                new = file_rules.rename_env(a.text(key), a.ctx)
                if new:
                    a.edit(key.start_byte, key.end_byte, new)
