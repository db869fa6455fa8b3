"""Proxy URLs in JavaScript/TypeScript: rewriting URL strings and template prefixes (pass 2), whether an
expression's value is the proxy, and dropping a template's doubled /v1.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from llmgw_migrate.codemods import file_rules
from llmgw_migrate.codemods.javascript.env_vars import env_name
from llmgw_migrate.codemods.javascript.state import Analysis
from llmgw_migrate.codemods.javascript.syntax import (
    callee_name,
    first_arg,
    node_span,
    string_content,
    unwrap,
    walk,
)
from llmgw_migrate.proxy_urls import URL_RE

if TYPE_CHECKING:
    from tree_sitter import Node


def rewrite_urls(a: Analysis, nodes: list[Node]) -> None:
    for node in nodes:
        if node.type == "template_string":
            rewrite_template_prefix(a, node)
            continue
        sc = string_content(a, node) if node.type == "string" else None
        if sc is None:
            continue
        value, start, _end = sc
        stripped = value.strip()
        if not stripped.startswith("http") or not URL_RE.fullmatch(stripped):
            continue
        span = node_span(node)
        llm = span in a.llm_strings
        with_v1 = a.llm_strings.get(span, True)
        res = file_rules.rewrite_url(stripped, a.ctx, llm_context=llm, with_v1=with_v1)
        for code, msg in res.notes:
            a.note(code, msg, node)
        if res.new is not None:
            a.proxy_strings.add(span)
            if res.new != stripped:
                off = value.index(stripped)
                s = start + len(value[:off].encode())
                a.edit(s, s + len(stripped.encode()), res.new)
        elif stripped.startswith(a.ctx.base_url.rstrip("/")) or "api.llmgateway.io" in stripped:
            a.proxy_strings.add(span)  # already migrated: still the gateway for model rewrites


def rewrite_template_prefix(a: Analysis, node: Node) -> None:
    """`http://litellm:4000/v1/${path}`: the URL at the start of a template literal."""
    parts = node.named_children
    if not parts or parts[0].type != "string_fragment":
        if not any(p.type == "template_substitution" for p in parts):
            sc = string_content(a, node)
            if sc is None:
                return
        return
    frag = a.text(parts[0])
    m = URL_RE.match(frag)
    if not m:
        return
    url = m.group(0)
    if len(parts) == 1 and m.end() == len(frag):
        llm = node_span(node) in a.llm_strings
        with_v1 = a.llm_strings.get(node_span(node), True)
    else:
        llm, with_v1 = node_span(node) in a.llm_strings, False
        rest = frag[m.end() :]
        if not rest and len(parts) > 1:
            with_v1 = True  # `${BASE}` follows directly: keep the client's /v1 convention
    res = file_rules.rewrite_url(url, a.ctx, llm_context=llm, with_v1=with_v1)
    for code, msg in res.notes:
        a.note(code, msg, node)
    if res.new is not None:
        a.proxy_strings.add(node_span(node))
        if res.new != url:
            a.edit(parts[0].start_byte, parts[0].start_byte + len(url.encode()), res.new)


def is_proxy_expr(a: Analysis, node: Node | None, depth: int = 0) -> bool:
    """The expression's value is the proxy (or, once migrated, the gateway) URL."""
    node = unwrap(node)
    if node is None or depth > 5:
        return False
    if node_span(node) in a.proxy_strings:
        return True
    env = env_name(a, node)
    if env is not None:
        base = file_rules.split_prefix(env[0])[1]
        return "LITELLM" in base or base == a.ctx.url_env or base in file_rules.conditional_url_vars()
    if node.type in ("identifier", "shorthand_property_identifier", "member_expression"):
        name = a.text(node)
        if name.startswith("this."):
            name = name[5:]
        value = a.values.get(name)
        return value is not None and is_proxy_expr(a, value, depth + 1)
    if node.type == "binary_expression":
        return is_proxy_expr(a, node.child_by_field_name("left"), depth + 1) or is_proxy_expr(
            a, node.child_by_field_name("right"), depth + 1
        )
    if node.type == "ternary_expression":
        return is_proxy_expr(a, node.child_by_field_name("consequence"), depth + 1) or is_proxy_expr(
            a, node.child_by_field_name("alternative"), depth + 1
        )
    if node.type == "template_string":
        return any(
            is_proxy_expr(a, s.named_children[0], depth + 1)
            for s in node.named_children
            if s.type == "template_substitution" and s.named_children
        )
    if node.type == "new_expression" and callee_name(a, node) == "URL":
        return is_proxy_expr(a, first_arg(node), depth + 1)
    return False


def strip_doubled_v1(a: Analysis, nodes: list[Node]) -> None:
    """`${BASE}/v1/...` where BASE now ends in /v1 (a renamed LLM_GATEWAY_BASE_URL, or a base constant a
    client also uses, rewritten with /v1): drop the template's own "/v1" so the URL is not doubled."""
    url_target = file_rules.rename_env("LITELLM_BASE_URL", a.ctx) or ""
    for node in nodes:
        if node.type != "template_string":
            continue
        parts = node.named_children
        for i, part in enumerate(parts[:-1]):
            nxt = parts[i + 1]
            if (
                part.type != "template_substitution"
                or nxt.type != "string_fragment"
                or not part.named_children
            ):
                continue
            frag = a.text(nxt)
            if not (frag == "/v1" or frag.startswith("/v1/")):
                continue
            expr = unwrap(part.named_children[0])
            strip = False
            renamed = [
                env for n in (walk(expr) if expr is not None else []) if (env := env_name(a, n)) is not None
            ]
            if renamed:
                # `${process.env.LITELLM_BASE_URL ?? "http://..."}/v1`: the renamed variable carries /v1
                strip = any(
                    file_rules.split_prefix(new)[1] == url_target
                    for env in renamed
                    if (new := file_rules.rename_env(env[0], a.ctx)) is not None
                )
            elif expr is not None and expr.type in ("identifier", "member_expression"):
                name = a.text(expr)
                strip = a.llm_idents.get(name) is True and is_proxy_expr(a, expr) and changes(a, name)
            if strip:
                a.edit(nxt.start_byte, nxt.start_byte + 3, "")


def changes(a: Analysis, name: str) -> bool:
    """The constant's value is rewritten by this run (so its /v1 convention is ours to fix)."""
    value = a.values.get(name)
    if value is None:
        return False
    for n in walk(value):
        if any(e.start >= n.start_byte and e.end <= n.end_byte for e in a.edits):
            return True
        env = env_name(a, n)
        if env is not None and file_rules.rename_env(env[0], a.ctx) is not None:
            return True
    return False
