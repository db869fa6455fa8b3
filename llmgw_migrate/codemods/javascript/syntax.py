"""Tree-sitter access for JavaScript/TypeScript: the parser per dialect and small readers of nodes
(string contents, object pairs, call arguments, the name an expression is stored under).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from llmgw_migrate.codemods import registry

if TYPE_CHECKING:
    from tree_sitter import Node, Parser

    from llmgw_migrate.codemods.javascript.state import Analysis


SUFFIX_LANG = registry.JS_SUFFIX_LANG


@functools.cache
def parser(lang: str) -> Parser:
    from tree_sitter import Language, Parser  # imported on first use: most repositories need no JS grammar

    if lang == "javascript":
        import tree_sitter_javascript as tsj

        return Parser(Language(tsj.language()))
    import tree_sitter_typescript as tst

    return Parser(Language(tst.language_tsx() if lang == "tsx" else tst.language_typescript()))


def node_span(node: Node) -> tuple[int, int]:
    return node.start_byte, node.end_byte


def walk(node: Node) -> list[Node]:
    out = []
    stack = [node]
    while stack:
        n = stack.pop()
        out.append(n)
        stack.extend(reversed(n.children))
    return out


def string_content(a: Analysis, node: Node) -> tuple[str, int, int] | None:
    """(value, start, end) of a plain string or substitution-free template literal's contents."""
    if node.type == "string":
        if any(c.type == "escape_sequence" for c in node.children):
            return None
        return a.text(node)[1:-1], node.start_byte + 1, node.end_byte - 1
    if node.type == "template_string":
        if any(c.type in ("template_substitution", "escape_sequence") for c in node.children):
            return None
        return a.text(node)[1:-1], node.start_byte + 1, node.end_byte - 1
    return None


def unwrap(node: Node | None) -> Node | None:
    while node is not None and node.type in (
        "parenthesized_expression",
        "as_expression",
        "non_null_expression",
        "satisfies_expression",
        "type_assertion",
    ):
        node = node.named_children[0] if node.named_children else None
    return node


def pairs(obj: Node | None) -> list[tuple[str, Node, Node]]:
    """(key, key node, value node) of an object literal; shorthand `{ baseURL }` gives the identifier."""
    out: list[tuple[str, Node, Node]] = []
    if obj is None or obj.type != "object":
        return out
    for child in obj.named_children:
        if child.type == "pair":
            k = child.child_by_field_name("key")
            v = child.child_by_field_name("value")
            if k is None or v is None:
                continue
            name = k.text.decode() if k.text else ""
            if k.type == "string":
                name = name[1:-1]
            out.append((name, k, v))
        elif child.type == "shorthand_property_identifier":
            name = child.text.decode() if child.text else ""
            out.append((name, child, child))
    return out


def first_arg(call: Node) -> Node | None:
    args = call.child_by_field_name("arguments")
    if args is None or not args.named_children:
        return None
    return args.named_children[0]


def second_arg(call: Node) -> Node | None:
    args = call.child_by_field_name("arguments")
    if args is None or len(args.named_children) < 2:
        return None
    return args.named_children[1]


def callee_name(a: Analysis, node: Node) -> str:
    """`OpenAI` for `new OpenAI(...)`, `new openai.OpenAI(...)`, `createOpenAI(...)`."""
    fn = node.child_by_field_name("constructor") or node.child_by_field_name("function")
    if fn is None:
        return ""
    if fn.type == "member_expression":
        prop = fn.child_by_field_name("property")
        return a.text(prop)
    return a.text(fn)


def call_name(a: Analysis, call: Node) -> str:
    return "".join(a.text(call.child_by_field_name("function")).split()).replace("?.", ".")


def binding(a: Analysis, node: Node) -> str:
    """The name an expression is stored under: `const x = ...`, `this.x = ...`, `x = ...`."""
    parent = node.parent
    while parent is not None and parent.type in (
        "parenthesized_expression",
        "await_expression",
        "as_expression",
    ):
        parent = parent.parent
    if parent is None:
        return ""
    if parent.type == "variable_declarator":
        return a.text(parent.child_by_field_name("name"))
    if parent.type == "assignment_expression":
        return a.text(parent.child_by_field_name("left"))
    if parent.type in ("public_field_definition", "field_definition"):
        prop = parent.child_by_field_name("name") or parent.child_by_field_name("property")
        return "this." + a.text(prop)
    return ""
