"""JavaScript and TypeScript (.js .mjs .cjs .jsx .ts .mts .cts .tsx) through tree-sitter syntax trees.

Never a regex over source: the tree says what each string is (a client option, a variable's value, a
fetch URL, a request's `model`), and each change is a byte-range splice of one string's contents or
one identifier, so formatting, quotes and comments stay. What changes:
- clients pointed at the proxy: `new OpenAI({ baseURL })`, `AzureOpenAI`, `Anthropic` (origin, no /v1),
  LangChain `ChatOpenAI({ configuration: { baseURL } })` / `OpenAIEmbeddings`, Vercel AI SDK
  `createOpenAI({ baseURL })` / `createOpenAICompatible` / `createAnthropic`: the base URL, whether a
  literal, a constant defined in the file (`const LITELLM_URL = "..."`) or an env default
  (`process.env.X ?? "http://localhost:4000"`);
- `fetch()`/axios/ky calls to the proxy (a LiteLLM URL, an LLM API path, or a base constant used as
  `${BASE}/v1/chat/completions`, which then stays an origin);
- env reads `process.env.LITELLM_*`, `process.env["..."]`, `import.meta.env.VITE_LITELLM_*`,
  `Deno.env.get("...")`, destructuring `const { LITELLM_API_KEY } = process.env`, and a helper's
  `getEnv("LITELLM_*")` once the file reads a LITELLM_* name through it with a proxy-URL fallback
  or argument (`getEnv("LITELLM_API_BASE") || "http://0.0.0.0:4000"`); LITELLM_MASTER_KEY
  only where it is sent as a client key (apiKey, Authorization/Bearer);
- model names from the plan in calls that go through such a client: `client.chat.completions.create(
  { model })`, `embeddings.create`, `responses.create`, `messages.create`, LangChain `model`/`modelName`,
  Vercel `provider("name")` / `provider.chat("name")`, and `JSON.stringify({ model })` bodies of fetch calls
  to the proxy; `"x-litellm-api-key"` headers -> `"x-api-key"`.
Findings: dropped request fields (LGM330), legacy completions (LGM331), names the plan does not know
(LGM332), `x-litellm-*` header reads (LGM333), AzureOpenAI at the proxy (LGM334), plan names sent through
a client built elsewhere (LGM335), a proxy client without apiKey (LGM336), LiteLLM-only routes (LGM304).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import TYPE_CHECKING

from llmgw_migrate.codemods import file_rules, registry, secret_mask
from llmgw_migrate.codemods.base import RewriteContext, RewriteError, RewriteResult
from llmgw_migrate.codemods.findings_util import at_line
from llmgw_migrate.codemods.text_edits import Edit, Suppressions, apply_edits
from llmgw_migrate.findings import Finding
from llmgw_migrate.proxy_urls import URL_RE
from llmgw_migrate.rules_data import dropped_params

if TYPE_CHECKING:
    from tree_sitter import Node, Parser

_SUFFIX_LANG = registry.JS_SUFFIX_LANG
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
MODEL_KEYS = {"model", "modelName"}
REQUEST_METHODS = {"create", "parse", "stream", "generate", "createAndPoll"}
REQUEST_RESOURCES = {"chat", "completions", "embeddings", "responses", "messages", "images", "moderations"}
FETCHERS = {"fetch", "$fetch", "ofetch", "ky", "got", "axios"}
PROVIDER_METHODS = {"chat", "languageModel", "textEmbeddingModel", "embedding", "responses", "completion"}


@functools.cache
def _parser(lang: str) -> Parser:
    from tree_sitter import Language, Parser  # imported on first use: most repositories need no JS grammar

    if lang == "javascript":
        import tree_sitter_javascript as tsj

        return Parser(Language(tsj.language()))
    import tree_sitter_typescript as tst

    return Parser(Language(tst.language_tsx() if lang == "tsx" else tst.language_typescript()))


def _key(node: Node) -> tuple[int, int]:
    return node.start_byte, node.end_byte


@dataclass
class _Client:
    name: str  # the binding: `client`, `this.client`, `openai`
    kind: str
    with_v1: bool
    options: Node | None
    proxy: bool = False
    node: Node | None = None


@dataclass
class _Analysis:
    src: bytes
    path: str
    ctx: RewriteContext
    edits: list[Edit] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    llm_strings: dict[tuple[int, int], bool] = field(default_factory=dict)  # string span -> with_v1
    llm_idents: dict[str, bool] = field(default_factory=dict)  # identifier -> with_v1
    client_key_exprs: set[tuple[int, int]] = field(default_factory=set)  # env reads sent as a client key
    clients: list[_Client] = field(default_factory=list)
    providers: dict[str, bool] = field(default_factory=dict)  # Vercel provider binding -> proxy
    proxy_strings: set[tuple[int, int]] = field(default_factory=set)  # URL strings found to be the proxy
    values: dict[str, Node] = field(default_factory=dict)  # const/let/field name -> its initializer
    edited: set[tuple[int, int]] = field(default_factory=set)
    env_readers: set[str] = field(default_factory=set)  # helpers shown to read env vars: `getEnvString`

    def text(self, node: Node | None) -> str:
        if node is None:
            return ""
        return self.src[node.start_byte : node.end_byte].decode("utf-8", "replace")

    def note(self, code: str, msg: str, node: Node) -> None:
        row, col = node.start_point
        line_start = self.src.rfind(b"\n", 0, node.start_byte) + 1
        column = len(self.src[line_start : node.start_byte].decode("utf-8", "replace")) + 1
        del col
        self.findings.append(at_line(code, msg, self.path, row + 1, column))

    def edit(self, start: int, end: int, new: str) -> None:
        if (start, end) in self.edited:
            return
        self.edited.add((start, end))
        self.edits.append(Edit(start, end, new))


def _walk(node: Node) -> list[Node]:
    out = []
    stack = [node]
    while stack:
        n = stack.pop()
        out.append(n)
        stack.extend(reversed(n.children))
    return out


def _string_content(a: _Analysis, node: Node) -> tuple[str, int, int] | None:
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


def _unwrap(node: Node | None) -> Node | None:
    while node is not None and node.type in (
        "parenthesized_expression",
        "as_expression",
        "non_null_expression",
        "satisfies_expression",
        "type_assertion",
    ):
        node = node.named_children[0] if node.named_children else None
    return node


def _pairs(obj: Node | None) -> list[tuple[str, Node, Node]]:
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


def _first_arg(call: Node) -> Node | None:
    args = call.child_by_field_name("arguments")
    if args is None or not args.named_children:
        return None
    return args.named_children[0]


def _callee_name(a: _Analysis, node: Node) -> str:
    """`OpenAI` for `new OpenAI(...)`, `new openai.OpenAI(...)`, `createOpenAI(...)`."""
    fn = node.child_by_field_name("constructor") or node.child_by_field_name("function")
    if fn is None:
        return ""
    if fn.type == "member_expression":
        prop = fn.child_by_field_name("property")
        return a.text(prop)
    return a.text(fn)


def _binding(a: _Analysis, node: Node) -> str:
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


def _env_name(a: _Analysis, node: Node) -> tuple[str, int, int] | None:
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
            sc = _string_content(a, idx)
            if sc:
                return sc
    if node.type == "call_expression":
        fn = _call_name(a, node)
        if fn == "Deno.env.get":
            arg = _first_arg(node)
            if arg is not None:
                return _string_content(a, arg)
        elif fn in a.env_readers:
            arg = _unwrap(_first_arg(node))
            sc = _string_content(a, arg) if arg is not None else None
            if sc is not None and _ENV_NAME_RE.fullmatch(sc[0]):
                return sc
    return None


_ENV_NAME_RE = re.compile(r"[A-Z][A-Z0-9_]*")


def _call_name(a: _Analysis, call: Node) -> str:
    return "".join(a.text(call.child_by_field_name("function")).split()).replace("?.", ".")


def _second_arg(call: Node) -> Node | None:
    args = call.child_by_field_name("arguments")
    if args is None or len(args.named_children) < 2:
        return None
    return args.named_children[1]


def _find_env_readers(a: _Analysis, nodes: list[Node]) -> None:
    """Helpers that read env vars, shown by a read of a LITELLM_* name with a proxy-URL fallback:
    `getEnvString("LITELLM_API_BASE") || "http://0.0.0.0:4000"`, `env("LITELLM_API_BASE", "http://...")`.
    Their reads are then env reads (renamed, their fallbacks rewritten) like `process.env.X`; a helper
    never used so is left alone."""
    for n in nodes:
        left: Node | None
        right: Node | None
        if n.type == "call_expression":
            left, right = n, _unwrap(_second_arg(n))  # getEnv("LITELLM_API_BASE", "http://...")
        elif n.type == "binary_expression" and a.text(n.child_by_field_name("operator")) in ("??", "||"):
            left, right = _unwrap(n.child_by_field_name("left")), _unwrap(n.child_by_field_name("right"))
        else:
            continue
        if left is None or right is None or left.type != "call_expression":
            continue
        arg = _unwrap(_first_arg(left))
        name = _string_content(a, arg) if arg is not None else None
        fallback = _string_content(a, right)
        if (
            name is None
            or fallback is None
            or not _ENV_NAME_RE.fullmatch(name[0])
            or not file_rules.split_prefix(name[0])[1].startswith("LITELLM_")
        ):
            continue
        url = fallback[0].strip()
        if URL_RE.fullmatch(url) and file_rules.rewrite_url(url, a.ctx, llm_context=True).new is not None:
            a.env_readers.add(_call_name(a, left))


class JavaScriptHandler:
    name = "javascript"

    def accepts(self, path: PurePath) -> bool:
        return registry.accepts_javascript(registry.parts(path))

    def mask_secrets(self, text: str) -> str:
        """The text as it may be shown (diffs): secret-named settings' values masked."""
        return secret_mask.mask_secrets(text)

    def prefilter_tokens(self, ctx: RewriteContext) -> tuple[str, ...]:
        return registry.javascript_tokens(ctx)

    def rewrite(self, path: str, text: str, ctx: RewriteContext) -> RewriteResult:
        lang = _SUFFIX_LANG.get(PurePath(path).suffix.lower(), "javascript")
        src = text.encode("utf-8")
        tree = _parser(lang).parse(src)
        if tree.root_node.has_error:
            bad = _first_error(tree.root_node)
            row, col = bad.start_point if bad is not None else (0, 0)
            if _minified_line(text, row):
                # The grammar rejects valid syntax bundlers emit (`import{in as l}`, String.raw`\uc1`):
                # build output is left alone with a note, not reported as broken.
                msg = f"minified {lang} the parser cannot read; left unchanged"
                note = at_line("LGM341", msg, path, row + 1)
                return RewriteResult(text=text, findings=[note])
            raise RewriteError(f"does not parse as {lang}", row + 1, col + 1)
        a = _Analysis(src=src, path=path, ctx=ctx)
        nodes = _walk(tree.root_node)
        _collect_values(a, nodes)
        _find_env_readers(a, nodes)
        _find_clients(a, nodes)
        _find_fetches(a, nodes)
        _propagate(a, nodes)
        _rewrite_urls(a, nodes)
        _resolve_proxy_clients(a)
        _strip_doubled_v1(a, nodes)
        _rewrite_env(a, nodes)
        _rewrite_requests(a, nodes)
        sup = Suppressions(text)
        edits = a.edits
        if sup:
            edits = [e for e in edits if sup.edits_allowed(src.count(b"\n", 0, e.start) + 1)]
        findings = sorted((f for f in a.findings if sup.finding_allowed(f)), key=Finding.sort_key)
        new_src = apply_edits(src, edits) if edits else src
        return RewriteResult(text=new_src.decode("utf-8"), findings=findings)


_MINIFIED_LINE = 500  # characters; hand-written code is formatted far below this


def _minified_line(text: str, row: int) -> bool:
    """Whether line `row` (0-based) is minified build output."""
    start = 0
    for _ in range(row):
        start = text.find("\n", start) + 1
        if start == 0:
            return False
    end = text.find("\n", start)
    return (len(text) if end == -1 else end) - start >= _MINIFIED_LINE


def _first_error(node: Node) -> Node | None:
    for n in _walk(node):
        if n.type == "ERROR" or n.is_missing:
            return n
    return None


# --- pass 1: clients and their options ------------------------------------------------------------


def _collect_values(a: _Analysis, nodes: list[Node]) -> None:
    """Initializers of the file's constants (`const x = ...`) and class fields, by name."""
    for n in nodes:
        if n.type in ("variable_declarator", "public_field_definition", "field_definition"):
            name = a.text(n.child_by_field_name("name") or n.child_by_field_name("property"))
            value = n.child_by_field_name("value")
            if name and value is not None:
                a.values.setdefault(name, value)


def _find_clients(a: _Analysis, nodes: list[Node]) -> None:
    for node in nodes:
        if node.type not in ("new_expression", "call_expression"):
            continue
        name = _callee_name(a, node)
        if node.type == "new_expression" and name in CLIENT_CTORS:
            kind, v1 = CLIENT_CTORS[name]
        elif node.type == "call_expression" and name in PROVIDER_FACTORIES:
            kind, v1 = "vercel", PROVIDER_FACTORIES[name]
        else:
            continue
        options = _unwrap(_first_arg(node))
        if options is not None and options.type == "identifier":
            # `const opts = { baseURL: ... }; new OpenAI(opts)`
            options = _unwrap(a.values.get(a.text(options)))
        client = _Client(
            _binding(a, node),
            kind,
            v1,
            options if options is not None and options.type == "object" else None,
            node=node,
        )
        a.clients.append(client)
        for key, _k, value in _client_option_values(client.options, BASE_URL_KEYS):
            if key == "endpoint" and kind != "azure":
                continue
            _mark_llm(a, value, v1)
        for _key_name, _k, value in _client_option_values(client.options, API_KEY_KEYS):
            a.client_key_exprs.add(_key(value))


def _client_option_values(options: Node | None, keys: set[str]) -> list[tuple[str, Node, Node]]:
    """Options with these keys, also inside LangChain's `configuration: {...}` / `clientOptions`."""
    out = []
    for key, k, v in _pairs(options):
        if key in keys:
            out.append((key, k, v))
        elif key in ("configuration", "clientOptions", "clientConfig") and v.type == "object":
            out += [(kk, k2, v2) for kk, k2, v2 in _pairs(v) if kk in keys]
    return out


def _mark_llm(a: _Analysis, node: Node | None, with_v1: bool) -> None:
    """An expression that reaches an LLM client as its base URL."""
    node = _unwrap(node)
    if node is None:
        return
    if node.type in ("string", "template_string"):
        a.llm_strings[_key(node)] = with_v1
        if node.type == "template_string":
            subs = [c for c in node.named_children if c.type == "template_substitution"]
            if subs and node.named_children and node.named_children[0].type == "template_substitution":
                _mark_llm(a, subs[0].named_children[0] if subs[0].named_children else None, with_v1)
    elif node.type in ("identifier", "shorthand_property_identifier"):
        a.llm_idents.setdefault(a.text(node), with_v1)
    elif node.type == "binary_expression":
        for side in ("left", "right"):
            _mark_llm(a, node.child_by_field_name(side), with_v1)
    elif node.type == "ternary_expression":
        for side in ("consequence", "alternative"):
            _mark_llm(a, node.child_by_field_name(side), with_v1)
    elif node.type == "member_expression" and a.text(node.child_by_field_name("object")) in (
        "this",
        "config",
        "settings",
        "env",
    ):
        a.llm_idents.setdefault(a.text(node), with_v1)
    elif node.type == "new_expression" and _callee_name(a, node) == "URL":
        _mark_llm(a, _first_arg(node), with_v1)


def _find_fetches(a: _Analysis, nodes: list[Node]) -> None:
    """fetch/axios/ky: a base used as `${BASE}/v1/...` is an origin, as `${BASE}/chat/...` a /v1 base."""
    for node in nodes:
        if node.type != "call_expression":
            continue
        fn = node.child_by_field_name("function")
        fn_text = a.text(fn)
        root = fn_text.split(".")[0]
        if root not in FETCHERS:
            continue
        arg = _unwrap(_first_arg(node))
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
                    _mark_llm(a, part.named_children[0], with_v1=not path.startswith("/v1"))
        elif arg.type == "binary_expression":
            right = _string_content(a, arg.child_by_field_name("right") or arg)
            if (
                right
                and right[0].startswith("/")
                and any(right[0].startswith(p) for p in file_rules.urls(a.ctx).llm_paths)
            ):
                _mark_llm(a, arg.child_by_field_name("left"), with_v1=not right[0].startswith("/v1"))


def _propagate(a: _Analysis, nodes: list[Node]) -> None:
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
                _mark_llm(a, value, a.llm_idents[key])
            elif (file_rules.is_llm_key(key) and d.type != "pair") or (
                d.type == "pair" and _llm_setting_pair(a, d, key)
            ):
                _mark_llm(a, value, not file_rules.origin_only_key(key))
        # env defaults: process.env.LITELLM_BASE_URL ?? "http://localhost:4000"
        for n in nodes:
            if n.type == "binary_expression" and a.text(n.child_by_field_name("operator")) in ("??", "||"):
                env = _env_name(a, _unwrap(n.child_by_field_name("left")) or n)
                if env and file_rules.is_llm_key(env[0]):
                    _mark_llm(a, n.child_by_field_name("right"), not file_rules.origin_only_key(env[0]))
            elif n.type == "call_expression" and _call_name(a, n) in a.env_readers:
                # a helper's own default: getEnv("LITELLM_API_BASE", "http://localhost:4000")
                env = _env_name(a, n)
                if env and file_rules.is_llm_key(env[0]):
                    _mark_llm(a, _second_arg(n), not file_rules.origin_only_key(env[0]))
        if (len(a.llm_strings), len(a.llm_idents)) == before:
            break


def _llm_setting_pair(a: _Analysis, pair: Node, key: str) -> bool:
    """A config object entry such as `litellmUrl: "..."` or `llm: { baseURL: "..." }`."""
    if file_rules.is_llm_key(key) and key not in BASE_URL_KEYS:
        return True
    obj = pair.parent
    holder = obj.parent if obj is not None else None
    if key in BASE_URL_KEYS and holder is not None and holder.type == "pair":
        return file_rules.is_llm_key(a.text(holder.child_by_field_name("key")).strip("'\""))
    return False


# --- pass 2: URL strings ------------------------------------------------------------------------------


def _rewrite_urls(a: _Analysis, nodes: list[Node]) -> None:
    for node in nodes:
        if node.type == "template_string":
            _rewrite_template_prefix(a, node)
            continue
        sc = _string_content(a, node) if node.type == "string" else None
        if sc is None:
            continue
        value, start, _end = sc
        stripped = value.strip()
        if not stripped.startswith("http") or not URL_RE.fullmatch(stripped):
            continue
        span = _key(node)
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


def _rewrite_template_prefix(a: _Analysis, node: Node) -> None:
    """`http://litellm:4000/v1/${path}`: the URL at the start of a template literal."""
    parts = node.named_children
    if not parts or parts[0].type != "string_fragment":
        if not any(p.type == "template_substitution" for p in parts):
            sc = _string_content(a, node)
            if sc is None:
                return
        return
    frag = a.text(parts[0])
    m = URL_RE.match(frag)
    if not m:
        return
    url = m.group(0)
    if len(parts) == 1 and m.end() == len(frag):
        llm = _key(node) in a.llm_strings
        with_v1 = a.llm_strings.get(_key(node), True)
    else:
        llm, with_v1 = _key(node) in a.llm_strings, False
        rest = frag[m.end() :]
        if not rest and len(parts) > 1:
            with_v1 = True  # `${BASE}` follows directly: keep the client's /v1 convention
    res = file_rules.rewrite_url(url, a.ctx, llm_context=llm, with_v1=with_v1)
    for code, msg in res.notes:
        a.note(code, msg, node)
    if res.new is not None:
        a.proxy_strings.add(_key(node))
        if res.new != url:
            a.edit(parts[0].start_byte, parts[0].start_byte + len(url.encode()), res.new)


# --- pass 3: which clients talk to the proxy ------------------------------------------------------


def _is_proxy_expr(a: _Analysis, node: Node | None, depth: int = 0) -> bool:
    """The expression's value is the proxy (or, once migrated, the gateway) URL."""
    node = _unwrap(node)
    if node is None or depth > 5:
        return False
    if _key(node) in a.proxy_strings:
        return True
    env = _env_name(a, node)
    if env is not None:
        base = file_rules.split_prefix(env[0])[1]
        return "LITELLM" in base or base == a.ctx.url_env or base in file_rules.conditional_url_vars()
    if node.type in ("identifier", "shorthand_property_identifier", "member_expression"):
        name = a.text(node)
        if name.startswith("this."):
            name = name[5:]
        value = a.values.get(name)
        return value is not None and _is_proxy_expr(a, value, depth + 1)
    if node.type == "binary_expression":
        return _is_proxy_expr(a, node.child_by_field_name("left"), depth + 1) or _is_proxy_expr(
            a, node.child_by_field_name("right"), depth + 1
        )
    if node.type == "ternary_expression":
        return _is_proxy_expr(a, node.child_by_field_name("consequence"), depth + 1) or _is_proxy_expr(
            a, node.child_by_field_name("alternative"), depth + 1
        )
    if node.type == "template_string":
        return any(
            _is_proxy_expr(a, s.named_children[0], depth + 1)
            for s in node.named_children
            if s.type == "template_substitution" and s.named_children
        )
    if node.type == "new_expression" and _callee_name(a, node) == "URL":
        return _is_proxy_expr(a, _first_arg(node), depth + 1)
    return False


def _resolve_proxy_clients(a: _Analysis) -> None:
    for client in a.clients:
        bases = _client_option_values(client.options, BASE_URL_KEYS)
        client.proxy = any(_is_proxy_expr(a, v) for _k, _kn, v in bases)
        if not client.proxy or client.node is None:
            continue
        if client.kind == "vercel" and client.name:
            a.providers[client.name] = True
        if client.kind == "azure":
            a.note("LGM334", "AzureOpenAI client pointed at the proxy", client.node)
        if client.kind in ("openai", "vercel") and not _client_option_values(client.options, API_KEY_KEYS):
            a.note(
                "LGM336",
                "this client has no apiKey and would send OPENAI_API_KEY to the gateway",
                client.node,
            )
        if client.kind == "langchain":
            for key, _k, value in _pairs(client.options):
                if key in MODEL_KEYS:
                    _rewrite_model(a, value)


def _strip_doubled_v1(a: _Analysis, nodes: list[Node]) -> None:
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
            expr = _unwrap(part.named_children[0])
            strip = False
            renamed = [
                env for n in (_walk(expr) if expr is not None else []) if (env := _env_name(a, n)) is not None
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
                strip = a.llm_idents.get(name) is True and _is_proxy_expr(a, expr) and _changes(a, name)
            if strip:
                a.edit(nxt.start_byte, nxt.start_byte + 3, "")


def _changes(a: _Analysis, name: str) -> bool:
    """The constant's value is rewritten by this run (so its /v1 convention is ours to fix)."""
    value = a.values.get(name)
    if value is None:
        return False
    for n in _walk(value):
        if any(e.start >= n.start_byte and e.end <= n.end_byte for e in a.edits):
            return True
        env = _env_name(a, n)
        if env is not None and file_rules.rename_env(env[0], a.ctx) is not None:
            return True
    return False


# --- pass 4: env var reads ------------------------------------------------------------------------


def _rewrite_env(a: _Analysis, nodes: list[Node]) -> None:
    for node in nodes:
        if node.type == "object_pattern":
            _rewrite_env_destructuring(a, node)
            continue
        env = _env_name(a, node)
        if env is None:
            continue
        name, start, end = env
        if "LITELLM" not in name.upper():
            continue
        new = file_rules.rename_env(name, a.ctx, client_key=_sent_as_key(a, node))
        if new is None:
            continue
        # `process.env.X` keeps dot access; a subscript or call keeps its quotes (start/end are inside)
        a.edit(start, end, new)


def _sent_as_key(a: _Analysis, node: Node) -> bool:
    """LITELLM_MASTER_KEY is renamed only where it is a client's key or a bearer token."""
    cur: Node | None = node
    for _ in range(6):
        if cur is None:
            return False
        if _key(cur) in a.client_key_exprs:
            return True
        if cur.type == "template_string" and "bearer" in a.text(cur).lower():
            return True
        if cur.type == "pair":
            key = a.text(cur.child_by_field_name("key")).strip("'\"").lower()
            return key in ("authorization", "x-api-key", "apikey", "api_key", "openaiapikey")
        cur = cur.parent
    return False


def _rewrite_env_destructuring(a: _Analysis, pattern: Node) -> None:
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


# --- pass 5: requests through proxy clients -----------------------------------------------------


def _rewrite_model(a: _Analysis, value: Node) -> None:
    sc = _string_content(a, _unwrap(value) or value)
    if sc is None:
        return
    name, start, end = sc
    new = file_rules.model_for(name, a.ctx)
    if new is not None:
        a.edit(start, end, new)
    elif a.ctx.has_plan and name and name not in a.ctx.known_models and name not in a.ctx.model_map.values():
        a.note("LGM332", f"model '{name}' is not in the plan", value)


def _client_for(a: _Analysis, chain: str) -> _Client | None:
    for client in a.clients:
        if client.name and (chain == client.name or chain.startswith(client.name + ".")):
            return client
    return None


def _rewrite_requests(a: _Analysis, nodes: list[Node]) -> None:
    dropped = dropped_params()
    for node in nodes:
        if node.type == "string":
            sc = _string_content(a, node)
            if sc and sc[0].lower().startswith("x-litellm-"):
                _litellm_header(a, node, sc)
            continue
        if node.type != "call_expression":
            continue
        fn = node.child_by_field_name("function")
        if fn is None:
            continue
        chain = a.text(fn).replace("\n", "").replace(" ", "").replace("?.", ".")
        parts = chain.split(".")
        if fn.type == "identifier" and chain in a.providers:
            _rewrite_model(a, _first_arg(node) or fn)  # Vercel: litellm("gpt-4")
            continue
        if len(parts) == 2 and parts[0] in a.providers and parts[1] in PROVIDER_METHODS:
            arg = _first_arg(node)
            if arg is not None:
                _rewrite_model(a, arg)
            continue
        if parts[0] in FETCHERS:
            _rewrite_fetch(a, node)
            continue
        if len(parts) < 3 or parts[-1] not in REQUEST_METHODS or not (set(parts[1:-1]) & REQUEST_RESOURCES):
            continue
        options = _unwrap(_first_arg(node))
        client = _client_for(a, chain)
        legacy = parts[-2] == "completions" and "chat" not in parts
        if client is None:
            if options is not None:
                for key, _k, value in _pairs(options):
                    sc = _string_content(a, value) if key in MODEL_KEYS else None
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
        for key, k, value in _pairs(options):
            if key in MODEL_KEYS:
                _rewrite_model(a, value)
            elif key in dropped:
                a.note("LGM330", f"'{key}' is dropped by the gateway: {dropped[key]}", k)


def _rewrite_fetch(a: _Analysis, call: Node) -> None:
    url = _unwrap(_first_arg(call))
    if url is None or not _is_proxy_expr(a, url):
        return
    args = call.child_by_field_name("arguments")
    if args is None:
        return
    for arg in args.named_children[1:]:
        for key, _k, value in _pairs(_unwrap(arg)):
            if (
                key == "body"
                and value.type == "call_expression"
                and a.text(value.child_by_field_name("function")) == "JSON.stringify"
            ):
                body = _unwrap(_first_arg(value))
                for bkey, bk, bvalue in _pairs(body):
                    if bkey == "model":
                        _rewrite_model(a, bvalue)
                    elif bkey in dropped_params():
                        a.note("LGM330", f"'{bkey}' is dropped by the gateway: {dropped_params()[bkey]}", bk)
            elif key == "headers":
                for hkey, hk, _hv in _pairs(_unwrap(value)):
                    if hkey.lower() == "x-litellm-api-key" and hk.type == "string":
                        a.edit(hk.start_byte + 1, hk.end_byte - 1, "x-api-key")


def _litellm_header(a: _Analysis, node: Node, sc: tuple[str, int, int]) -> None:
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


HANDLER = JavaScriptHandler()
