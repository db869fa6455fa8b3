"""What one module says about where its LLM traffic goes, collected before any rule decides anything.

A first walk records imports, assignments (by the dotted name they bind: `client`, `self.client`),
function returns, class fields and the "sinks" a name flows into (a client's base URL, an f-string that
appends an LLM path). The questions the rules ask (is this expression the proxy URL? is this object a
client of the proxy?) are answered from those records, always on the original tree: the rules never see
each other's edits, so the order they run in does not matter and a second run finds nothing to do.
Scopes are approximated by names, which is enough for the straight-line code that sets clients up.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import re
from collections.abc import Iterator, Sequence

import libcst as cst

from llmgw_migrate.codemods.base import RewriteContext
from llmgw_migrate.codemods.python.data import ClientSpec, client_spec_for, llm_url_kwargs, url_globals
from llmgw_migrate.proxy_urls import URL_RE, UrlKind
from llmgw_migrate.rules_data import env_renames, load_rule_data, master_key_vars

ENV_GET_FUNCS = frozenset({"os.getenv", "os.environ.get", "os.environ.setdefault", "os.environ.pop"})
ENV_MAPPINGS = frozenset({"os.environ"})
_URL_HINT = re.compile(r"(url|base|endpoint|host|proxy|api_base|server|addr)", re.IGNORECASE)
# "proxy" alone is not a hint: PROXY_URL, DEV_PROXY and HTTPS_PROXY name web and HTTP proxies as often.
_LLM_HINT = re.compile(r"(litellm|llm|openai|anthropic)", re.IGNORECASE)
_KEY_HINT = re.compile(r"(key|token|secret)", re.IGNORECASE)


_SKIP_FIELDS = frozenset(
    {
        "lpar",
        "rpar",
        "comma",
        "dot",
        "semicolon",
        "header",
        "footer",
        "leading_lines",
        "lines_after_decorators",
        "equal",
        "colon",
        "lbracket",
        "rbracket",
        "lbrace",
        "rbrace",
        "empty_lines",
        "newline",
        "operator",
        "asynchronous",
        "whitespace",
    }
)
_FIELDS: dict[type, tuple[str, ...]] = {}
_IS_NODE: dict[type, bool] = {}  # isinstance(x, cst.CSTNode) is an ABC check: slow, and asked per field


def _node_type(t: type) -> bool:
    known = _IS_NODE.get(t)
    if known is None:
        known = _IS_NODE[t] = issubclass(t, cst.CSTNode)
    return known


def _children(node: cst.CSTNode) -> list[cst.CSTNode]:
    """The child nodes that can hold code (whitespace and punctuation fields are skipped)."""
    cls = type(node)
    names = _FIELDS.get(cls)
    if names is None:
        names = tuple(
            f.name
            for f in dataclasses.fields(cls)  # type: ignore[arg-type]
            if f.name not in _SKIP_FIELDS and "whitespace" not in f.name
        )
        _FIELDS[cls] = names
    out: list[cst.CSTNode] = []
    for name in names:
        value = getattr(node, name)
        t = type(value)
        if t is list or t is tuple:
            out.extend(v for v in value if _node_type(type(v)))
        elif _node_type(t):
            out.append(value)
    return out


EVENT_TYPES = (
    cst.ClassDef,
    cst.Assign,
    cst.AnnAssign,
    cst.Call,
    cst.Dict,
    cst.Subscript,
    cst.Comparison,
    cst.FormattedString,
    cst.BinaryOperation,
    cst.SimpleString,
    cst.Param,
)
_EVENT_SET = frozenset(EVENT_TYPES)  # all concrete classes: a set lookup by type() is exact


def llm_path(urls: object, url: str) -> bool:
    """UrlMatcher.has_llm_path that never raises: urlsplit rejects text such as "http://x[a-z]"."""
    try:
        return bool(urls.has_llm_path(url))  # type: ignore[attr-defined]
    except ValueError:
        return False


def dotted(node: cst.BaseExpression) -> str | None:
    """`a.b.c` for Name/Attribute chains; None for anything else."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = dotted(node.value)
        return f"{base}.{node.attr.value}" if base else None
    return None


# One line, no prefix, no escapes, not triple-quoted: the text between the quotes is the value.
_PLAIN_STRING = re.compile(r"""(?:"[^"\\\n]*"|'[^'\\\n]*')""")


@functools.lru_cache(maxsize=4096)
def _evaluated(raw: str) -> str | None:
    try:
        value = ast.literal_eval(raw)
    except Exception:
        return None
    return value if isinstance(value, str) else None


def string_value(node: cst.BaseExpression) -> str | None:
    """The value of a plain (non-bytes) string literal, else None."""
    if isinstance(node, cst.SimpleString):
        raw = node.value
        if _PLAIN_STRING.fullmatch(raw):
            return raw[1:-1]  # the common case, without libcst's literal_eval (a compile per call)
        return _evaluated(raw)
    if isinstance(node, cst.ConcatenatedString):
        left, right = string_value(node.left), string_value(node.right)
        return left + right if left is not None and right is not None else None
    return None


def fstring_head(node: cst.FormattedString) -> str | None:
    """The literal text before the first placeholder of an f-string."""
    if node.parts and isinstance(node.parts[0], cst.FormattedStringText):
        return node.parts[0].value
    return None


def fstring_static(node: cst.FormattedString) -> str:
    return "".join(p.value if isinstance(p, cst.FormattedStringText) else "{}" for p in node.parts)


def kwarg(call: cst.Call, *names: str) -> cst.Arg | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value in names:
            return arg
    return None


def positional(call: cst.Call, index: int) -> cst.Arg | None:
    i = 0
    for arg in call.args:
        if arg.keyword is None and not arg.star:
            if i == index:
                return arg
            i += 1
    return None


class Facts(cst.CSTVisitor):
    """The records of one module. Build with `Facts.collect(module, ctx)`."""

    _HOOKS: dict[type, tuple[str | None, str | None]] = {}

    def __init__(self, ctx: RewriteContext) -> None:
        self.ctx = ctx
        self.urls = ctx.urls
        self.imports: dict[str, str] = {}  # local name -> qualified name
        self.assigned: dict[str, list[cst.BaseExpression]] = {}  # dotted target -> values
        self.returns: dict[str, list[cst.BaseExpression]] = {}  # function name -> returned values
        self.field_defaults: dict[str, list[cst.BaseExpression]] = {}  # class field name -> default
        self.url_sinks: set[str] = set()  # dotted names whose value becomes an LLM base URL
        self.origin_sinks: set[str] = set()  # ... where the origin (no /v1) is expected
        self.key_sinks: set[str] = set()  # dotted names whose value becomes an LLM client's api key
        self.dicts: dict[str, list[cst.Dict]] = {}  # dotted target -> dict literals assigned
        self._func_stack: list[str] = []
        self._class_depth = 0
        renames = env_renames(ctx.key_env)
        self.env_url_vars = frozenset(k for k, v in renames.items() if v != ctx.key_env)
        self.env_key_vars = frozenset(k for k, v in renames.items() if v == ctx.key_env)
        self.master_vars = frozenset(master_key_vars())
        self.conditional_url_vars = frozenset(load_rule_data("env_vars").get("conditional_url_vars", []))
        self._proxy_memo: dict[int, bool] = {}
        self._client_memo: dict[int, str | None] = {}
        # The same walk records, in pre-order, the nodes the rules look at (with whether an assignment
        # is a class-body field), and each node's parent: the rules replay the events instead of walking
        # the tree again, and the edit pass descends only into the ancestors of edited nodes.
        self.events: list[tuple[cst.CSTNode, bool]] = []
        self.parents: dict[int, cst.CSTNode] = {}
        self._stack: list[cst.CSTNode] = []

    @classmethod
    def collect(cls, module: cst.Module, ctx: RewriteContext) -> Facts:
        facts = cls(ctx)
        facts.walk(module)
        return facts

    def walk(self, root: cst.CSTNode) -> None:
        """Pre-order walk calling on_visit/on_leave, without libcst's node-rebuilding visit machinery
        (several times faster: this walk is most of the time `code` spends on a candidate file)."""
        stack: list[tuple[cst.CSTNode, bool]] = [(root, False)]
        while stack:
            node, leaving = stack.pop()
            if leaving:
                self.on_leave(node)
                continue
            descend = self.on_visit(node)
            stack.append((node, True))
            if descend:
                stack.extend((child, False) for child in reversed(_children(node)))

    # --- collection ----------------------------------------------------------------------------------
    def on_visit(self, node: cst.CSTNode) -> bool:
        if self._stack:
            self.parents[id(node)] = self._stack[-1]
        self._stack.append(node)
        cls = type(node)
        if cls in _EVENT_SET:
            self.events.append((node, self._class_depth > 0 and not self._func_stack))
        visit, _ = self._hooks(cls)
        return visit is None or getattr(self, visit)(node) is not False

    def on_leave(self, original_node: cst.CSTNode) -> None:
        _, leave = self._hooks(type(original_node))
        if leave is not None:
            getattr(self, leave)(original_node)
        self._stack.pop()

    @classmethod
    def _hooks(cls, node_type: type) -> tuple[str | None, str | None]:
        """The names of this class's visit_/leave_ methods for a node type (what CSTVisitor looks up by
        formatting a name per node, cached per type)."""
        hooks = cls._HOOKS.get(node_type)
        if hooks is None:
            name = node_type.__name__
            visit, leave = f"visit_{name}", f"leave_{name}"
            hooks = cls._HOOKS[node_type] = (
                visit if hasattr(cls, visit) else None,
                leave if hasattr(cls, leave) else None,
            )
        return hooks

    def ancestors(self, nodes: Iterator[int] | Sequence[int]) -> set[int]:
        """The ids of the given nodes and of all their ancestors."""
        out: set[int] = set()
        for key in nodes:
            while key not in out:
                out.add(key)
                parent = self.parents.get(key)
                if parent is None:
                    break
                key = id(parent)
        return out

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            name = dotted(alias.name)
            if not name:
                continue
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self.imports[alias.asname.name.value] = name
            else:
                top = name.split(".")[0]
                self.imports[top] = top

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if node.relative or node.module is None or isinstance(node.names, cst.ImportStar):
            return
        module = dotted(node.module)
        if not module:
            return
        for alias in node.names:
            if not isinstance(alias.name, cst.Name):
                continue
            local = alias.name.value
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
            self.imports[local] = f"{module}.{alias.name.value}"

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._func_stack.append(node.name.value)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._func_stack.pop()

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._class_depth += 1

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._class_depth -= 1

    def visit_Return(self, node: cst.Return) -> None:
        if self._func_stack and node.value is not None:
            self.returns.setdefault(self._func_stack[-1], []).append(node.value)

    def _bind(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        name = dotted(target)
        if name is None:
            return
        self.assigned.setdefault(name, []).append(value)
        if isinstance(value, cst.Dict):
            self.dicts.setdefault(name, []).append(value)
        q = self.qualify(target)
        if q in url_globals():
            self._sink(value)

    def visit_Assign(self, node: cst.Assign) -> None:
        for t in node.targets:
            self._bind(t.target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is None:
            return
        self._bind(node.target, node.value)
        if self._class_depth and not self._func_stack and isinstance(node.target, cst.Name):
            default = node.value
            if isinstance(default, cst.Call) and self.qualify(default.func).endswith("Field"):
                arg = kwarg(default, "default") or positional(default, 0)
                default = arg.value if arg is not None else default
            self.field_defaults.setdefault(node.target.value, []).append(default)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._bind(node.target, node.value)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None and isinstance(node.asname.name, (cst.Name, cst.Attribute)):
            self._bind(node.asname.name, node.item)

    def visit_Call(self, node: cst.Call) -> None:
        spec = self.client_spec(node)
        q = self.qualify(node.func)
        if spec is not None:
            for arg in node.args:
                if arg.keyword is None:
                    continue
                if arg.keyword.value in spec.url_kwargs:
                    self._sink(arg.value, origin=not spec.with_v1)
                elif arg.keyword.value == "api_key":
                    self._key_sink(arg.value)
        elif self.litellm_function(q) is not None:
            for arg in node.args:
                if arg.keyword is not None and arg.keyword.value in ("api_base", "base_url"):
                    self._sink(arg.value)
                elif arg.keyword is not None and arg.keyword.value == "api_key":
                    self._key_sink(arg.value)
        else:
            for arg in node.args:
                if arg.keyword is not None and arg.keyword.value in llm_url_kwargs():
                    self._sink(arg.value)

    def visit_FormattedString(self, node: cst.FormattedString) -> None:
        # f"{BASE}/v1/chat/completions": BASE is an LLM base URL. When it is the proxy, rule LGM201 gives it
        # the gateway URL with /v1 and strips the /v1 written here (as for LLM_GATEWAY_BASE_URL everywhere).
        parts = list(node.parts)
        for i, part in enumerate(parts):
            if isinstance(part, cst.FormattedStringExpression) and i + 1 < len(parts):
                nxt = parts[i + 1]
                if isinstance(nxt, cst.FormattedStringText) and llm_path(self.urls, "http://x" + nxt.value):
                    self._sink(part.expression)  # its /v1 is stripped there when BASE is the proxy

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        if isinstance(node.operator, cst.Add):
            right = string_value(node.right)
            if right is not None and llm_path(self.urls, "http://x" + right):
                self._sink(node.left)

    def _sink(self, value: cst.BaseExpression, origin: bool = False) -> None:
        name = dotted(value)
        if name is None and isinstance(value, cst.Call):
            # BASE.rstrip("/") and str(BASE) pass the value on.
            if isinstance(value.func, cst.Attribute):
                name = dotted(value.func.value)
            elif value.args:
                name = dotted(value.args[0].value)
        if name is None and isinstance(value, cst.BooleanOperation):
            self._sink(value.left, origin)
            self._sink(value.right, origin)
            return
        if name is not None:
            self.url_sinks.add(name)
            if origin:
                self.origin_sinks.add(name)

    def _key_sink(self, value: cst.BaseExpression) -> None:
        name = dotted(value)
        if name is not None:
            self.key_sinks.add(name)

    # --- questions -----------------------------------------------------------------------------------
    def qualify(self, node: cst.BaseExpression) -> str:
        """The fully qualified name an expression refers to through the imports ('' when unknown)."""
        name = dotted(node)
        return "" if name is None else self.qualify_name(name)

    def qualify_name(self, name: str) -> str:
        head, _, rest = name.partition(".")
        if head in self.imports:
            base = self.imports[head]
            return f"{base}.{rest}" if rest else base
        return name

    def client_spec(self, call: cst.Call) -> ClientSpec | None:
        q = self.qualify(call.func)
        if not q or (q == dotted(call.func) and "." not in q):
            # A bare name that was never imported is not the library's class.
            return None
        return client_spec_for(q)

    def litellm_function(self, qualified: str) -> str | None:
        from llmgw_migrate.codemods.python.data import litellm_functions

        if not qualified.startswith("litellm."):
            return None
        name = qualified[len("litellm.") :]
        return name if name in litellm_functions() else None

    def env_read(self, node: cst.BaseExpression) -> tuple[str, cst.BaseExpression | None] | None:
        """os.getenv("X", d) / os.environ.get("X", d) / os.environ["X"] -> ("X", d or None)."""
        if isinstance(node, cst.Call) and self.qualify(node.func) in ENV_GET_FUNCS:
            first = positional(node, 0) or kwarg(node, "key")
            name = string_value(first.value) if first is not None else None
            if name is None:
                return None
            second = positional(node, 1) or kwarg(node, "default")
            return name, second.value if second is not None else None
        if isinstance(node, cst.Subscript) and self.qualify(node.value) in ENV_MAPPINGS:
            if len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
                name = string_value(node.slice[0].slice.value)
                if name is not None:
                    return name, None
        return None

    def url_kind(self, value: str) -> UrlKind | None:
        m = URL_RE.fullmatch(value.strip())
        if m is None:
            return None
        return self.urls.classify(value.strip())

    def is_gateway_url(self, value: str) -> bool:
        base = self.ctx.base_url.rstrip("/")
        origin = base[: -len("/v1")] if base.endswith("/v1") else base
        v = value.strip().rstrip("/")
        return v == origin or v.startswith(origin + "/")

    def is_proxy_url_expr(self, node: cst.BaseExpression, depth: int = 0) -> bool:
        """Whether the expression evaluates to the proxy's URL (asked where a client takes a URL)."""
        key = id(node)
        if key in self._proxy_memo:
            return self._proxy_memo[key]
        self._proxy_memo[key] = False  # cycle guard
        result = self._is_proxy_url_expr(node, depth)
        self._proxy_memo[key] = result
        return result

    def _is_proxy_url_expr(self, node: cst.BaseExpression, depth: int) -> bool:
        if depth > 12:
            return False
        value = string_value(node)
        if value is not None:
            return self.url_kind(value) is not None
        if isinstance(node, cst.FormattedString):
            head = fstring_head(node) or ""
            m = URL_RE.match(head)
            if m is not None and self.urls.classify(m.group(0)) is not None:
                return True
            return any(
                isinstance(p, cst.FormattedStringExpression)
                and self.is_proxy_url_expr(p.expression, depth + 1)
                for p in node.parts
            )
        env = self.env_read(node)
        if env is not None:
            var, default = env
            if var in self.env_url_vars or ("LITELLM" in var.upper() and _URL_HINT.search(var)):
                return True
            return default is not None and self.is_proxy_url_expr(default, depth + 1)
        if isinstance(node, cst.BooleanOperation):
            return self.is_proxy_url_expr(node.left, depth + 1) or self.is_proxy_url_expr(
                node.right, depth + 1
            )
        if isinstance(node, cst.BinaryOperation):
            return self.is_proxy_url_expr(node.left, depth + 1)
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
            if node.func.attr.value in ("rstrip", "strip", "removesuffix", "format"):
                return self.is_proxy_url_expr(node.func.value, depth + 1)
        if isinstance(node, cst.Call) and dotted(node.func) == "str" and node.args:
            return self.is_proxy_url_expr(node.args[0].value, depth + 1)
        name = dotted(node)
        if name is not None:
            # What this module binds the name to decides; the name itself only when its value comes
            # from elsewhere (settings.litellm_base_url from a settings module).
            values = self.assigned.get(name, ())
            last = name.rsplit(".", 1)[-1]
            if not values and "." in name:
                values = self.field_defaults.get(last, ())
            if values:
                return any(self.is_proxy_url_expr(v, depth + 1) for v in values)
            # (not a bare parameter: its callers may pass an address no rule moves, issue 11 class 3)
            if "litellm" in last.lower() and _URL_HINT.search(last) and ("." in name or name in self.imports):
                return True
        return False

    def is_gateway_url_expr(self, node: cst.BaseExpression, depth: int = 0) -> bool:
        if depth > 12:
            return False
        value = string_value(node)
        if value is not None:
            return self.is_gateway_url(value)
        env = self.env_read(node)
        if env is not None:
            return env[0] == self.ctx.url_env or (
                env[1] is not None and self.is_gateway_url_expr(env[1], depth + 1)
            )
        name = dotted(node)
        if name is not None:
            return any(self.is_gateway_url_expr(v, depth + 1) for v in self.assigned.get(name, ()))
        return False

    def is_proxy_key_expr(self, node: cst.BaseExpression, depth: int = 0) -> bool:
        if depth > 12:
            return False
        env = self.env_read(node)
        if env is not None:
            return env[0] in self.env_key_vars or env[0] in self.master_vars
        name = dotted(node)
        if name is not None:
            if any(self.is_proxy_key_expr(v, depth + 1) for v in self.assigned.get(name, ())):
                return True
            last = name.rsplit(".", 1)[-1]
            return "litellm" in last.lower() and bool(_KEY_HINT.search(last))
        return False

    def is_gateway_key_expr(self, node: cst.BaseExpression) -> bool:
        env = self.env_read(node)
        return env is not None and env[0] == self.ctx.key_env

    # clients ------------------------------------------------------------------------------------------
    def client_call_target(self, call: cst.Call) -> str | None:
        """For a client constructor call: 'proxy', 'gateway' or 'direct'; None when not a client."""
        key = id(call)
        if key in self._client_memo:
            return self._client_memo[key]
        spec = self.client_spec(call)
        result: str | None = None
        if spec is not None:
            url = kwarg(call, *spec.url_kwargs)
            key_arg = kwarg(call, "api_key", "openai_api_key", "anthropic_api_key")
            if url is not None and self.is_proxy_url_expr(url.value):
                result = "proxy"
            elif key_arg is not None and self.is_proxy_key_expr(key_arg.value):
                result = "proxy"
            elif url is not None and self.is_gateway_url_expr(url.value):
                result = "gateway"
            elif key_arg is not None and self.is_gateway_key_expr(key_arg.value):
                result = "gateway"
            elif url is None or string_value(url.value) is not None:
                result = "direct"
            else:
                result = "unknown"
        self._client_memo[key] = result
        return result

    def object_target(self, node: cst.BaseExpression, depth: int = 0) -> str:
        """Where requests made through this object go: proxy, gateway, direct or unknown."""
        if depth > 8:
            return "unknown"
        if isinstance(node, cst.Call):
            target = self.client_call_target(node)
            if target is not None:
                return target
            fname = dotted(node.func)
            if fname is not None and fname in self.returns:
                return self._merge(self.object_target(v, depth + 1) for v in self.returns[fname])
            return "unknown"
        if isinstance(node, cst.Await):
            return self.object_target(node.expression, depth + 1)
        name = dotted(node)
        if name is not None:
            values = self.assigned.get(name, ())
            if not values and name.startswith("self."):
                values = self.assigned.get(name, ())
            if values:
                return self._merge(self.object_target(v, depth + 1) for v in values)
        return "unknown"

    @staticmethod
    def _merge(targets: Iterator[str] | Sequence[str]) -> str:
        seen = set(targets)
        for t in ("proxy", "gateway", "direct"):
            if t in seen:
                return t
        return "unknown"

    def request_call(self, call: cst.Call) -> tuple[cst.BaseExpression, tuple[str, ...]] | None:
        """`client.chat.completions.create(...)` -> (client expression, ('chat','completions','create'))."""
        from llmgw_migrate.codemods.python.data import request_methods

        segments: list[str] = []
        node = call.func
        found: tuple[cst.BaseExpression, tuple[str, ...]] | None = None
        while isinstance(node, cst.Attribute):
            segments.append(node.attr.value)
            node = node.value
            chain = tuple(
                s for s in reversed(segments) if s not in ("with_raw_response", "with_streaming_response")
            )
            if chain in request_methods():
                found = (node, chain)  # keep walking: chat.completions.create beats completions.create
        return found

    def litellm_call_target(self, call: cst.Call, module_proxy: bool) -> str | None:
        """For a litellm SDK call: 'proxy', 'gateway' or 'direct'; None when not a litellm call."""
        fn = self.litellm_function(self.qualify(call.func))
        if fn is None:
            return None
        model = kwarg(call, "model") or positional(call, 0)
        model_value = string_value(model.value) if model is not None else None
        url = kwarg(call, "api_base", "base_url")
        if model_value is not None and model_value.startswith("litellm_proxy/"):
            return "proxy"
        if url is not None:
            if self.is_proxy_url_expr(url.value):
                return "proxy"
            if self.is_gateway_url_expr(url.value):
                return "gateway"
            return "direct"
        key = kwarg(call, "api_key")
        if key is not None and self.is_proxy_key_expr(key.value):
            return "proxy"
        return "proxy" if module_proxy else "direct"

    def name_in_llm_context(self, name: str) -> bool:
        """A variable/attribute/field whose value reaches an LLM client's URL, or named for one."""
        last = name.rsplit(".", 1)[-1]
        if name in self.url_sinks or last in {n.rsplit(".", 1)[-1] for n in self.url_sinks}:
            return True
        if "litellm" in last.lower():
            return True
        return bool(_LLM_HINT.search(last) and _URL_HINT.search(last))

    def expects_origin(self, name: str) -> bool:
        last = name.rsplit(".", 1)[-1]
        return name in self.origin_sinks or last in {n.rsplit(".", 1)[-1] for n in self.origin_sinks}
