"""YAML: docker-compose, Kubernetes manifests, Helm values, GitHub Actions and GitLab CI.

ruamel.yaml's round-trip composer parses the file and gives every scalar its exact source span; a change
is spliced into the original text at that span, so comments, quoting, anchors, indentation and key order
survive byte for byte (a dump would re-flow them). What changes:
- environment entries (`environment:`/`env:`/`variables:` mappings, compose `- KEY=value` lists,
  Kubernetes `- name: KEY` / `value:` items, ConfigMap `data:`): the shared setting rules (key renamed,
  proxy URL replaced, model-name settings mapped, $LITELLM_* and ${{ secrets.LITELLM_* }} renamed);
- commands (`run:`, `script:`, compose `command:`/`entrypoint:`, Kubernetes `command`/`args`): shell rules;
- URL values under LLM-named keys (Helm `litellm.baseUrl`, `openai_api_base`...) and LiteLLM-host URLs
  anywhere;
- a LiteLLM proxy service (image ghcr.io/berriai/litellm...): LGM310 listing the decommission steps and
  every reference to it in the file (depends_on, links, URLs to its host, env files).
A LiteLLM proxy config (top-level `model_list`) is the `config` command's input and is left alone.
Helm templates (`{{ ... }}` that do not parse as YAML) get line-based rules for env entries only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from llmgw_migrate.codemods import dependencies, file_rules, placeholder_keys, registry, secret_mask, shell
from llmgw_migrate.codemods.base import RewriteContext, RewriteError, RewriteResult
from llmgw_migrate.codemods.docker import decommission_message, is_litellm_image, repository_references
from llmgw_migrate.codemods.findings_util import at
from llmgw_migrate.codemods.text_edits import Edit, LineIndex, finish
from llmgw_migrate.findings import Finding
from llmgw_migrate.proxy_urls import URL_RE

if TYPE_CHECKING:
    from llmgw_migrate.codemods.engine import CodeRun

ENV_MAPPING_KEYS = {
    "environment",
    "env",
    "variables",
    "containerenv",
    "remoteenv",
    "build-args",
    "build_args",
    "env_variables",  # Google App Engine app.yaml
    "environment_variables",
}
COMMAND_KEYS = {
    "run",
    "script",
    "before_script",
    "after_script",
    "command",
    "entrypoint",
    "args",
    "cmd",
    "cmds",  # Taskfile
    "test",
}
_ENV_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_MODEL_KEYS = {"model", "model_name", "modelName", "default_model", "defaultModel"}


@dataclass
class _State:
    text: str
    path: str
    ctx: RewriteContext
    index: LineIndex
    llm_file: bool
    prefix_vars: frozenset[str]
    edits: list[Edit] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    seen: set[int] = field(default_factory=set)  # node ids (anchors/aliases share nodes)
    env_nodes: set[int] = field(default_factory=set)  # mappings used as an environment somewhere
    proxy_urls: int = 0  # proxy URLs seen so far (to spot a mapping's model setting beside one)
    kind: str = ""  # the current document's Kubernetes kind, if any
    llm_object: bool = False  # the scalar being walked is the base URL of an LLM settings object

    def note(self, code: str, msg: str, offset: int) -> None:
        self.findings.append(at(code, msg, self.path, self.index, offset))


def _span(node: Node) -> tuple[int, int]:
    return node.start_mark.index, node.end_mark.index


def _replace_in(state: _State, node: ScalarNode, old: str, new: str) -> None:
    """Replace the first `old` inside the node's source text (quoted scalars keep their quotes)."""
    start, end = _span(node)
    i = state.text.find(old, start, end)
    if i != -1:
        state.edits.append(Edit(i, i + len(old), new))


def _key(node: Node) -> str:
    return str(node.value) if isinstance(node, ScalarNode) else ""


class YamlHandler:
    name = "yaml"

    def accepts(self, path: PurePath) -> bool:
        return registry.accepts_yaml(registry.parts(path))

    def mask_secrets(self, text: str) -> str:
        """The text as it may be shown (diffs): secret-named settings' values masked."""
        return secret_mask.mask_secrets(text)

    def prefilter_tokens(self, ctx: RewriteContext) -> tuple[str, ...]:
        return file_rules.prefilter_tokens(ctx, "berriai", ctx.key_env)

    def finish(self, run: CodeRun) -> list[Finding]:
        """A LiteLLM service's LGM310 also lists the references to it in the repository's other files."""
        return repository_references(run, self.name)

    def rewrite(self, path: str, text: str, ctx: RewriteContext) -> RewriteResult:
        state = _State(
            text=text,
            path=path,
            ctx=ctx,
            index=LineIndex(text),
            llm_file=file_rules.llm_signals(text),
            prefix_vars=file_rules.origin_prefix_vars(text),
        )
        too_deep = _flow_too_deep(text)
        if too_deep is not None:
            raise RewriteError(
                f"invalid YAML: brackets nested deeper than {_MAX_FLOW_DEPTH} levels",
                *state.index.position(too_deep),
            )
        try:
            docs = list(YAML(typ="rt").compose_all(text))
        except MarkedYAMLError as exc:
            if "{{" in text:  # a Helm/Jinja template: not YAML until rendered
                return _template_rewrite(state)
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark is not None else None
            column = mark.column + 1 if mark is not None else None
            raise RewriteError(f"invalid YAML: {exc.problem or exc.context}", line, column) from None
        except Exception as exc:  # ruamel raises a few unmarked errors (e.g. duplicate anchors)
            raise RewriteError(f"invalid YAML: {exc}") from None
        for doc in docs:
            if doc is None or _is_litellm_config(doc):
                continue
            kind = _mapping_get(doc, "kind")
            # ConfigMap keys become env names (envFrom) and are renamed with their configMapKeyRefs;
            # Secret keys are not: the secret is re-created with a gateway key anyway (LGM306).
            state.kind = str(kind.value) if isinstance(kind, ScalarNode) else ""
            _services(state, doc)
            _collect_env_nodes(state, doc, "", set())
            _walk(state, doc, [])
        result = finish(text, state.edits, state.findings, index=state.index)
        return placeholder_keys.add_findings(result, path, ctx)


# libyaml's own limit. ruamel's scanner slows down with the square of the flow depth (a 100 KB file of
# nested brackets took 15 s), so deeper files are refused before it runs.
_MAX_FLOW_DEPTH = 1000


def _flow_too_deep(text: str) -> int | None:
    """Offset of a `[`/`{` nested past _MAX_FLOW_DEPTH levels, else None (quotes and comments not parsed:
    only files with that many brackets are scanned, and nesting that deep is never ordinary YAML)."""
    if text.count("[") + text.count("{") <= _MAX_FLOW_DEPTH:
        return None
    depth = 0
    for i, ch in enumerate(text):
        if ch in "[{":
            depth += 1
            if depth > _MAX_FLOW_DEPTH:
                return i
        elif ch in "]}":
            depth = max(0, depth - 1)
    return None


def _collect_env_nodes(state: _State, node: Node, key: str, seen: set[int]) -> None:
    """Mappings reached as an environment (also through an alias or a `<<` merge), wherever defined."""
    if id(node) in seen:
        if key in ENV_MAPPING_KEYS and isinstance(node, MappingNode):
            state.env_nodes.add(id(node))
        return
    seen.add(id(node))
    if isinstance(node, MappingNode):
        if key in ENV_MAPPING_KEYS:
            state.env_nodes.add(id(node))
        for k, v in node.value:
            child_key = _key(k).lower()
            if child_key == "<<" and id(node) in state.env_nodes:
                child_key = "environment"
            _collect_env_nodes(state, v, child_key, seen)
    elif isinstance(node, SequenceNode):
        for item in node.value:
            _collect_env_nodes(state, item, "<<" if key == "<<" else "", seen)


def _is_litellm_config(doc: Node) -> bool:
    return isinstance(doc, MappingNode) and any(_key(k) == "model_list" for k, _ in doc.value)


def _walk(state: _State, node: Node, path: list[str]) -> None:
    if id(node) in state.seen:
        return
    state.seen.add(id(node))
    parent = path[-1].lower() if path else ""
    if isinstance(node, MappingNode):
        if _is_litellm_config(node):
            return  # a proxy config embedded in Helm values or a ConfigMap: `config`'s input, not ours
        if _is_k8s_env_item(node, path):
            _k8s_env_item(state, node)
        env_map = (
            parent in ENV_MAPPING_KEYS
            or id(node) in state.env_nodes
            or (parent == "data" and len(path) == 1 and state.kind == "ConfigMap")
        )
        proxy_child = False
        taken = {_key(k) for k, _ in node.value}
        llm_obj = file_rules.llm_settings_object(
            {_key(k): v.value for k, v in node.value if isinstance(v, ScalarNode)}
        )
        for k, v in node.value:
            key = _key(k)
            if env_map and isinstance(v, ScalarNode) and _ENV_NAME_RE.match(key):
                _env_entry(state, key, k, v, taken)
                continue
            before = state.proxy_urls
            state.llm_object = llm_obj and key in file_rules.BASE_URL_KEYS
            _walk(state, v, [*path, key])
            state.llm_object = False
            proxy_child = proxy_child or (isinstance(v, ScalarNode) and state.proxy_urls > before)
        if proxy_child and not env_map:
            # `llm: {baseUrl: <proxy>, model: smart}`: the model beside a proxy URL is sent to it
            for k, v in node.value:
                if _key(k) in _MODEL_KEYS and isinstance(v, ScalarNode) and isinstance(v.value, str):
                    new = file_rules.model_for(v.value, state.ctx)
                    if new is not None:
                        _replace_value(state, v, v.value, new)
    elif isinstance(node, SequenceNode):
        for item in node.value:
            if parent in ENV_MAPPING_KEYS and isinstance(item, ScalarNode) and "=" in str(item.value):
                name, _, value = str(item.value).partition("=")
                if _ENV_NAME_RE.match(name):
                    _env_list_item(state, item, name, value)
                    continue
            if parent in COMMAND_KEYS and isinstance(item, ScalarNode):
                _command(state, item)
                continue
            _walk(state, item, [*path, "[]"])
    elif isinstance(node, ScalarNode):
        _scalar(state, node, path)


def _env_entry(
    state: _State, key: str, key_node: ScalarNode, value_node: ScalarNode | None, taken: set[str]
) -> None:
    value = str(value_node.value) if value_node is not None and value_node.value is not None else ""
    res = file_rules.rewrite_assignment(
        key,
        value,
        state.ctx,
        llm_file=state.llm_file,
        with_v1=file_rules.v1_for(key, state.prefix_vars, state.ctx),
    )
    if res.new_key and res.new_key in taken:
        state.note(
            "LGM308", f"{key} -> {res.new_key} would duplicate a key; left as is", key_node.start_mark.index
        )
    elif res.new_key:
        taken.add(res.new_key)
        start, end = _span(key_node)
        state.edits.append(Edit(start, end, res.new_key))
    if res.new_value is not None and value_node is not None:
        _replace_value(state, value_node, value, res.new_value)
    for code, msg in res.notes:
        state.note(code, msg, key_node.start_mark.index)


def _replace_value(state: _State, node: ScalarNode, old: str, new: str) -> None:
    start, end = _span(node)
    src = state.text[start:end]
    if src == old or (src[1:-1] == old and src[:1] in "'\""):
        off = 0 if src == old else 1
        state.edits.append(Edit(start + off, start + off + len(old), new))
        return
    # the value is written with escapes or folding: replace the parts that differ, piece by piece
    for piece_old, piece_new in _diff_pieces(old, new):
        _replace_in(state, node, piece_old, piece_new)


def _diff_pieces(old: str, new: str) -> list[tuple[str, str]]:
    import difflib

    out = []
    sm = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag != "equal":
            # widen to whole words so the piece is unique enough to find in the source
            a = i1
            while a > 0 and not old[a - 1].isspace() and old[a - 1] not in "\"'=":
                a -= 1
            b = i2
            while b < len(old) and not old[b].isspace() and old[b] not in "\"'":
                b += 1
            out.append((old[a:b], old[a:i1] + new[j1:j2] + old[i2:b]))
    return out


def _env_list_item(state: _State, node: ScalarNode, name: str, value: str) -> None:
    res = file_rules.rewrite_assignment(
        name,
        value,
        state.ctx,
        llm_file=state.llm_file,
        with_v1=file_rules.v1_for(name, state.prefix_vars, state.ctx),
    )
    old = f"{name}={value}"
    new = f"{res.new_key or name}={res.new_value if res.new_value is not None else value}"
    if new != old:
        _replace_value(state, node, old, new)
    for code, msg in res.notes:
        state.note(code, msg, node.start_mark.index)


def _is_k8s_env_item(node: MappingNode, path: list[str]) -> bool:
    if len(path) < 2 or path[-1] != "[]" or not path[-2].lower().endswith(("env", "envvars")):
        return False
    keys = {_key(k) for k, _ in node.value}
    # Kubernetes/Helm `- name: X value: Y`; Render and others `- key: X value: Y`
    return bool(keys & {"name", "key"}) and bool(keys & {"value", "valueFrom"})


def _k8s_env_item(state: _State, node: MappingNode) -> None:
    items = {_key(k): (k, v) for k, v in node.value}
    name_node = items["name"][1] if "name" in items else items["key"][1]
    if not isinstance(name_node, ScalarNode):
        return
    name = str(name_node.value)
    value_node = items.get("value", (None, None))[1]
    value = (
        str(value_node.value) if isinstance(value_node, ScalarNode) and value_node.value is not None else ""
    )
    res = file_rules.rewrite_assignment(
        name,
        value,
        state.ctx,
        llm_file=state.llm_file,
        with_v1=file_rules.v1_for(name, state.prefix_vars, state.ctx),
    )
    if res.new_key:
        _replace_value(state, name_node, name, res.new_key)
    if isinstance(value_node, ScalarNode):
        state.seen.add(id(value_node))
    if res.new_value is not None and isinstance(value_node, ScalarNode):
        _replace_value(state, value_node, value, res.new_value)
    state.seen.add(id(name_node))
    for code, msg in res.notes:
        state.note(code, msg, name_node.start_mark.index)
    ref_key = _config_map_ref_key(items.get("valueFrom", (None, None))[1])
    if ref_key is not None and isinstance(ref_key.value, str):
        new_ref = file_rules.rename_env(ref_key.value, state.ctx)
        if new_ref:  # the ConfigMap's own keys are renamed too (see _walk)
            _replace_value(state, ref_key, ref_key.value, new_ref)
        return
    if res.new_key and "valueFrom" in items:
        state.note(
            "LGM306",
            f"{name} -> {res.new_key} reads a Secret/ConfigMap key holding a LiteLLM key: "
            "store a gateway key",
            items["valueFrom"][0].start_mark.index,
        )


def _config_map_ref_key(value_from: Node | None) -> ScalarNode | None:
    ref = _mapping_get(value_from, "configMapKeyRef") if value_from is not None else None
    key = _mapping_get(ref, "key") if ref is not None else None
    return key if isinstance(key, ScalarNode) else None


def _command(state: _State, node: ScalarNode) -> None:
    start, end = _span(node)
    res = shell.rewrite_commands(state.text, state.ctx, state.path, state.index, start=start, end=end)
    state.edits += res.edits
    state.findings += res.findings


def _scalar(state: _State, node: ScalarNode, path: list[str]) -> None:
    value = node.value
    if not isinstance(value, str) or not value:
        return
    key = path[-1] if path else ""
    if key.lower() in COMMAND_KEYS:
        _command(state, node)
        return
    if key.lower() in ("image", "repository") and is_litellm_image(value):
        return  # reported by _services
    stripped = value.strip()
    if URL_RE.fullmatch(stripped):
        parent = path[-2] if len(path) > 1 else ""
        llm = state.llm_object or file_rules.is_llm_key(key) or file_rules.is_llm_key(parent)
        v1 = not (file_rules.origin_only_key(key) or file_rules.origin_only_key(parent))
        res = file_rules.rewrite_url(stripped, state.ctx, llm_context=llm, with_v1=v1)
        for code, msg in res.notes:
            state.note(code, msg, node.start_mark.index)
        if res.new is not None:
            state.proxy_urls += 1
        if res.new is not None and res.new != stripped:
            _replace_in(state, node, stripped, res.new)
        elif res.candidate_left and state.llm_file and key:
            state.note("LGM301", f"local address in {key} left unchanged", node.start_mark.index)
        return
    if "$" in value:
        renames = file_rules.rename_refs(value, state.ctx)
        if renames:
            _replace_value(state, node, value, file_rules.apply_ref_renames(value, renames, state.ctx))
        for r in renames:
            if r.secret:
                state.note(
                    "LGM306",
                    f"secret {r.old} is now read as {r.new}: create it with a gateway key",
                    node.start_mark.index,
                )
    if key == "pip" or (len(path) > 1 and path[-2] == "pip"):
        for code, msg in dependencies.requirement_notes(value, "the environment file"):
            state.note(code, msg, node.start_mark.index)


# --- the LiteLLM service ------------------------------------------------------------------------------


def _mapping_get(node: Node, key: str) -> Node | None:
    if isinstance(node, MappingNode):
        for k, v in node.value:
            if _key(k) == key:
                return v
    return None


def _services(state: _State, doc: Node) -> None:
    """LGM310 for LiteLLM proxy services (compose services, Kubernetes workloads, Helm image values)."""
    services = _mapping_get(doc, "services")
    if isinstance(services, MappingNode):
        for k, svc in services.value:
            image = _mapping_get(svc, "image")
            if isinstance(image, ScalarNode) and is_litellm_image(str(image.value)):
                name = _key(k)
                refs = _compose_references(state, services, name)
                state.note(
                    "LGM310", decommission_message(f"compose service '{name}'", refs), k.start_mark.index
                )
                state.seen.add(id(svc))  # its environment configures the proxy itself: left alone
        return
    kind = _mapping_get(doc, "kind")
    workload_name = _mapping_get(_mapping_get(doc, "metadata") or doc, "name")
    for image_node in _find_images(doc):
        if isinstance(kind, ScalarNode) and isinstance(workload_name, ScalarNode):
            name = str(workload_name.value)
            what = f"{kind.value} '{name}'"
            refs = _text_references(state, name, exclude=_span(doc))
            state.seen.add(id(doc))  # the proxy's own workload: its settings are not client settings
        else:
            what, refs = "this image value", []
        state.note("LGM310", decommission_message(what, refs), image_node.start_mark.index)


def _find_images(node: Node, key: str = "", seen: set[int] | None = None) -> list[ScalarNode]:
    seen = set() if seen is None else seen
    if id(node) in seen:  # an alias: its node was searched where the anchor is (nested aliases stay linear)
        return []
    seen.add(id(node))
    out: list[ScalarNode] = []
    if isinstance(node, MappingNode):
        for k, v in node.value:
            out += _find_images(v, _key(k), seen)
        repo = _mapping_get(node, "repository")
        if isinstance(repo, ScalarNode) and is_litellm_image(str(repo.value)) and key == "image":
            out.append(repo)
    elif isinstance(node, SequenceNode):
        for item in node.value:
            out += _find_images(item, key, seen)
    elif isinstance(node, ScalarNode) and key == "image" and is_litellm_image(str(node.value)):
        out.append(node)
    return out


def _compose_references(state: _State, services: MappingNode, name: str) -> list[str]:
    refs: list[str] = []
    for k, svc in services.value:
        other = _key(k)
        if other == name:
            env_file = _mapping_get(svc, "env_file")
            for f in _scalars(env_file):
                refs.append(f"env_file {f.value} ({_line(state, f)})")
            continue
        for field_name in ("depends_on", "links"):
            node = _mapping_get(svc, field_name)
            targets = (
                [k2 for k2, _ in node.value]
                if isinstance(node, MappingNode)
                else node.value
                if node is not None
                else []
            )
            for t in targets:
                if isinstance(t, ScalarNode) and str(t.value).split(":")[0] == name:
                    refs.append(f"{other}.{field_name} ({_line(state, t)})")
        for s in _scalars(svc):
            if _mentions_host(str(s.value), name):
                refs.append(f"{other}: {_host_ref(str(s.value), name)} ({_line(state, s)})")
    return refs


def _text_references(state: _State, name: str, exclude: tuple[int, int]) -> list[str]:
    """Kubernetes: other objects in the file naming the workload (Services, Ingress backends, URLs)."""
    refs: list[str] = []
    pattern = re.compile(rf"(?<![\w-]){re.escape(name)}(?![\w-])")
    for m in pattern.finditer(state.text):
        if exclude[0] <= m.start() < exclude[1]:
            continue
        refs.append(f"'{name}' ({_line(state, m.start())})")
    return refs


def _scalars(node: Node | None, seen: set[int] | None = None) -> list[ScalarNode]:
    seen = set() if seen is None else seen
    if node is None or id(node) in seen:  # each aliased node once
        return []
    seen.add(id(node))
    if isinstance(node, ScalarNode):
        return [node]
    out: list[ScalarNode] = []
    if isinstance(node, MappingNode):
        for k, v in node.value:
            out += _scalars(k, seen) + _scalars(v, seen)
    elif isinstance(node, SequenceNode):
        for item in node.value:
            out += _scalars(item, seen)
    return out


def _mentions_host(value: str, name: str) -> bool:
    for m in URL_RE.finditer(value):
        try:
            host = urlsplit(m.group(0)).hostname
        except ValueError:
            continue
        if host and host.split(".")[0] == name.lower():
            return True
    return False


def _host_ref(value: str, name: str) -> str:
    for m in URL_RE.finditer(value):
        try:
            parts = urlsplit(m.group(0))
        except ValueError:
            continue
        if parts.hostname and parts.hostname.split(".")[0] == name.lower():
            port = f":{parts.port}" if parts.port else ""
            return f"{parts.scheme}://{parts.hostname}{port}"
    return name


def _line(state: _State, where: Any) -> str:
    offset = where if isinstance(where, int) else where.start_mark.index
    return f"line {state.index.line_of(offset)}"


# --- templates ------------------------------------------------------------------------------------

_TEMPLATE_KV_RE = re.compile(
    r"^(?P<indent>[ \t]*)(?:-[ \t]+)?(?P<key>[A-Za-z_][A-Za-z0-9_]*)[ \t]*:[ \t]*(?P<value>.*)$"
)


def _template_rewrite(state: _State) -> RewriteResult:
    """Helm/Jinja templates: `KEY: value` and `- name: KEY` lines, references and LiteLLM-host URLs."""
    text = state.text
    pos = 0
    for line in text.split("\n"):
        m = _TEMPLATE_KV_RE.match(line)
        if m and "{{" not in m.group("key"):
            key = m.group("key")
            value = m.group("value").split(" #", 1)[0].rstrip()
            if key == "name" and _ENV_NAME_RE.match(value.strip("'\"")):
                new = file_rules.rename_env(value.strip("'\""), state.ctx)
                if new:
                    i = pos + m.start("value") + (1 if value[:1] in "'\"" else 0)
                    state.edits.append(Edit(i, i + len(value.strip("'\"")), new))
            elif _ENV_NAME_RE.match(key) and key.isupper():
                inner = value.strip("'\"")
                res = file_rules.rewrite_assignment(key, inner, state.ctx, llm_file=state.llm_file)
                if res.new_key:
                    i = pos + m.start("key")
                    state.edits.append(Edit(i, i + len(key), res.new_key))
                if res.new_value is not None and "{{" not in inner:
                    i = pos + m.start("value") + (1 if value[:1] in "'\"" else 0)
                    state.edits.append(Edit(i, i + len(inner), res.new_value))
                for code, msg in res.notes:
                    state.note(code, msg, pos + m.start("key"))
            else:
                for um in URL_RE.finditer(line):
                    res_url = file_rules.rewrite_url(
                        um.group(0), state.ctx, llm_context=file_rules.is_llm_key(key)
                    )
                    if res_url.new is not None and res_url.new != um.group(0):
                        state.edits.append(Edit(pos + um.start(), pos + um.end(), res_url.new))
        pos += len(line) + 1
    return finish(text, state.edits, state.findings, index=state.index)


HANDLER = YamlHandler()
