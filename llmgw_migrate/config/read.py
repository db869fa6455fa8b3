"""Read a LiteLLM proxy config: YAML -> typed config where every node knows its file:line:col.

Parsing composes YAML nodes with PyYAML's libyaml loader (LiteLLM reads its config with PyYAML, so the
YAML dialect matches the proxy's exactly: `yes`/`on` are booleans, `80_000` is an int) and turns them
into `YMap`/`YList` (dict/list subclasses that carry the position of every key and value). Composing
with the C loader is about 15x faster than a pure-Python round-trip load, which keeps a 2,000-entry
config well under a second while findings still point at file:line:col.

`include:` is followed (paths relative to the including file; lists appended, other keys overwritten,
nested includes allowed, cycles rejected); nodes from an included file keep that file's positions.
"""

# ruff: noqa: E501  (user-facing messages stay on one line so they can be grepped)

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from llmgw_migrate.errors import UserError

ENV_PREFIX = "os.environ/"

# The largest config read (README "Limits"): conversion is linear, about 0.4 s per MB, so past this a run
# would take minutes; LLMGW_MIGRATE_MAX_CONFIG_MB raises it.
MAX_CONFIG_MB = 20
# Aliases may not make a document hold more values than its size in bytes (a plain document never does):
# a "billion laughs" file of nested aliases stops at its anchor's line instead of expanding without end.
MIN_EXPANSION_LIMIT = 100_000

# Top-level keys the proxy reads (shared/reference/litellm.md); anything else gets a finding.
KNOWN_TOP_LEVEL = (
    "model_list",
    "litellm_settings",
    "router_settings",
    "general_settings",
    "environment_variables",
    "include",
    "credential_list",
    "guardrails",
    "policies",
    "policy_attachments",
    "prompts",
    "callback_settings",
    "assistant_settings",
    "search_tools",
    "finetune_settings",
    "files_settings",
    "default_vertex_config",
    "mcp_servers",
    "mcp_tools",
    "agent_list",
    "vector_store_registry",
)


class Loc(NamedTuple):
    """A position in a config file, 1-based. (A NamedTuple: one is made per YAML node, cheaply.)"""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


class YMap(dict):  # type: ignore[type-arg]
    """A YAML mapping: a dict (str keys) that remembers where it, each key and each value sit."""

    loc: Loc
    key_locs: dict[str, Loc]
    value_locs: dict[str, Loc]

    def __init__(self, loc: Loc) -> None:
        super().__init__()
        self.loc = loc
        self.key_locs = {}
        self.value_locs = {}

    def key_loc(self, key: str) -> Loc:
        return self.key_locs.get(key, self.loc)

    def value_loc(self, key: str) -> Loc:
        return self.value_locs.get(key, self.key_loc(key))


class YList(list):  # type: ignore[type-arg]
    """A YAML sequence: a list that remembers where it and each item sit."""

    loc: Loc
    item_locs: list[Loc]

    def __init__(self, loc: Loc) -> None:
        super().__init__()
        self.loc = loc
        self.item_locs = []

    def item_loc(self, index: int) -> Loc:
        if 0 <= index < len(self.item_locs):
            return self.item_locs[index]
        return self.loc


def env_ref(value: Any) -> str | None:
    """The variable name of an `os.environ/VAR` reference, else None."""
    if isinstance(value, str) and value.startswith(ENV_PREFIX):
        name = value[len(ENV_PREFIX) :].strip()
        return name or None
    return None


# Values people put in api_key for servers that need no key: not secrets, so no inline-secret finding.
_PLACEHOLDERS = frozenset(
    {"dummy", "none", "null", "not-needed", "not_needed", "notneeded", "no-key", "nokey", "no_key", "sk-no-key-required",
     "empty", "placeholder", "unused", "anything", "x", "-", "ollama", "lm-studio", "lmstudio", "vllm", "na", "n/a"}
)  # fmt: skip


def is_placeholder(value: Any) -> bool:
    return isinstance(value, str) and value.strip().lower() in _PLACEHOLDERS


def label(value: Any) -> str:
    """A value as it may appear in a message: scalars as text, containers only by their kind (they may hold secrets)."""
    if isinstance(value, (dict, list)):
        return f"<{type_name(value)}>"
    return _key_str(value)


def type_name(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return "a string"


# --------------------------------------------------------------------------------------------------
# typed view


@dataclass
class Deployment:
    """One model_list entry."""

    index: int  # position in the merged model_list
    model_name: str
    model: str  # litellm_params.model
    params: YMap  # litellm_params
    model_info: YMap | None
    entry: YMap  # the whole entry (legacy rpm/tpm sit here)
    loc: Loc  # the entry itself

    @property
    def file(self) -> str:
        return self.loc.file

    @property
    def name_loc(self) -> Loc:
        return self.entry.value_loc("model_name")

    @property
    def model_loc(self) -> Loc:
        return self.params.value_loc("model")


@dataclass
class LiteLLMConfig:
    path: str  # the config the user named
    root: YMap  # merged top level (after includes)
    deployments: list[Deployment] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # the config and every included file
    duplicate_keys: list[tuple[Loc, str, Loc]] = field(default_factory=list)  # (where, key, first)
    include_overrides: list[tuple[Loc, str, Loc]] = field(default_factory=list)  # (new, key, replaced)

    def section(self, name: str) -> YMap | None:
        value = self.root.get(name)
        return value if isinstance(value, YMap) else None

    @property
    def litellm_settings(self) -> YMap | None:
        return self.section("litellm_settings")

    @property
    def router_settings(self) -> YMap | None:
        return self.section("router_settings")

    @property
    def general_settings(self) -> YMap | None:
        return self.section("general_settings")


# --------------------------------------------------------------------------------------------------
# YAML -> YMap/YList


def _yaml_module() -> Any:
    import yaml

    return yaml


def _loader_class(yaml: Any) -> Any:
    return getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader


def read_text(path: Path) -> str:
    """Read a config file as text, turning every OS/encoding problem into a located UserError."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise UserError("config file not found", path) from None
    except IsADirectoryError:
        raise UserError("is a directory, not a config file", path) from None
    except PermissionError:
        raise UserError("permission denied: cannot read the config file", path) from None
    except OSError as exc:
        raise UserError(f"cannot read the config file: {exc.strerror or exc}", path) from None
    limit_mb = max_config_mb()
    if len(data) > limit_mb * 1_000_000:
        raise UserError(
            f"config is {len(data) / 1_000_000:.1f} MB, over the {limit_mb:g} MB limit for one file "
            "(set LLMGW_MIGRATE_MAX_CONFIG_MB to raise it)",
            path,
            1,
            1,
        )
    if b"\x00" in data:
        line, col = _pos_of(data, data.index(b"\x00"))
        raise UserError("binary file (NUL byte), not a YAML config", path, line, col)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, col = _pos_of(data, exc.start)
        raise UserError("not UTF-8 text: cannot read it as YAML", path, line, col) from None
    return text


def max_config_mb() -> float:
    """The size limit for one config file, in MB (LLMGW_MIGRATE_MAX_CONFIG_MB overrides MAX_CONFIG_MB)."""
    raw = os.environ.get("LLMGW_MIGRATE_MAX_CONFIG_MB", "").strip()
    try:
        value = float(raw) if raw else MAX_CONFIG_MB
    except ValueError:
        raise UserError(f"LLMGW_MIGRATE_MAX_CONFIG_MB must be a number of megabytes, not {raw!r}") from None
    return value if value > 0 else MAX_CONFIG_MB


def _pos_of(data: bytes, offset: int) -> tuple[int, int]:
    line = data.count(b"\n", 0, offset) + 1
    start = data.rfind(b"\n", 0, offset) + 1
    return line, offset - start + 1


def parse_yaml(text: str, file: str, duplicates: list[tuple[Loc, str, Loc]] | None = None) -> Any:
    """Compose YAML text into YMap/YList/scalars. Raises UserError with the error's position."""
    yaml = _yaml_module()
    loader = _loader_class(yaml)(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        if exc.context and exc.problem:
            problem = f"{exc.context}, {exc.problem}"
        line = mark.line + 1 if mark else 1
        col = mark.column + 1 if mark else 1
        raise UserError(f"invalid YAML: {problem}", file, line, col) from None
    except yaml.YAMLError as exc:
        raise UserError(f"invalid YAML: {exc}", file, 1, 1) from None
    finally:
        loader.dispose()
    if node is None:
        return None
    builder = _Builder(file, yaml, max(MIN_EXPANSION_LIMIT, len(text)))
    value = builder.build(node)
    if duplicates is not None:
        duplicates.extend(builder.duplicates)
    return value


_STR = "tag:yaml.org,2002:str"
_RECURSIVE = "recursive YAML alias: an anchor is used inside itself"
_MERGE = "tag:yaml.org,2002:merge"
_EXPANDS = (
    'YAML aliases expand this document past {limit:,} values (a "billion laughs" document): '
    "the anchor here is repeated too often"
)


class _Builder:
    def __init__(self, file: str, yaml: Any, limit: int = MIN_EXPANSION_LIMIT) -> None:
        self.file = file
        self.yaml = yaml
        self.constructor = yaml.SafeLoader("")  # only its scalar constructors are used
        self.memo: dict[int, Any] = {}
        # values each container holds once aliases are expanded (memoised: every node is built once)
        self.sizes: dict[int, int] = {}
        self.limit = limit
        self.building: set[int] = set()
        # (where, key, first occurrence): PyYAML keeps the last value silently; we report it
        self.duplicates: list[tuple[Loc, str, Loc]] = []

    def loc(self, node: Any) -> Loc:
        mark = node.start_mark
        return Loc(self.file, mark.line + 1, mark.column + 1)

    def build(self, node: Any) -> Any:
        # Hot path (a 2,000-entry config has ~25,000 nodes): plain strings first, locations inlined.
        yaml = self.yaml
        if node.__class__ is yaml.ScalarNode:
            return node.value if node.tag == _STR else self.scalar(node)
        key = id(node)
        if key in self.building:  # an alias inside its own anchor: a structure that contains itself
            raise UserError(_RECURSIVE, self.file, *self._lc(node))
        if key in self.memo:  # anchors/aliases share one value, like PyYAML
            return self.memo[key]
        self.building.add(key)
        file = self.file
        try:
            mark = node.start_mark
            if isinstance(node, yaml.SequenceNode):
                out_list = YList(Loc(file, mark.line + 1, mark.column + 1))
                self.memo[key] = out_list
                append, append_loc = out_list.append, out_list.item_locs.append
                size = 1
                scalar_cls, sizes = yaml.ScalarNode, self.sizes
                for item in node.value:
                    if id(item) in self.building:
                        raise UserError(_RECURSIVE, file, mark.line + 1, mark.column + 1)
                    append(self.build(item))
                    m = item.start_mark
                    append_loc(Loc(file, m.line + 1, m.column + 1))
                    if item.__class__ is scalar_cls:
                        size += 1
                    else:
                        size += sizes[id(item)]
                        if size > self.limit:
                            raise self._too_big(item)
                sizes[key] = size
                return out_list
            out = YMap(Loc(file, mark.line + 1, mark.column + 1))
            self.memo[key] = out
            key_locs, value_locs = out.key_locs, out.value_locs
            pairs = node.value
            own_keys: set[str] = (
                set()
            )  # keys written in this mapping (merged `<<: *anchor` keys may be overridden)
            n_merged = 0
            size = 1
            if any(k_node.tag == _MERGE for k_node, _ in pairs):
                merged, own = self._flatten(node)
                pairs, n_merged = merged + own, len(merged)
            for i, (k_node, v_node) in enumerate(pairs):
                if k_node.__class__ is yaml.ScalarNode and k_node.tag == _STR:
                    k_str = k_node.value
                else:
                    k = self.build(k_node)
                    if isinstance(k, (dict, list)):
                        raise UserError("a mapping key must be a scalar", file, *self._lc(k_node))
                    k_str = _key_str(k)
                km = k_node.start_mark
                k_loc = Loc(file, km.line + 1, km.column + 1)
                if i >= n_merged:
                    if k_str in own_keys:
                        self.duplicates.append((k_loc, k_str, key_locs[k_str]))
                    own_keys.add(k_str)
                if id(v_node) in self.building:  # the alias's own position is lost: name the key
                    raise UserError(_RECURSIVE, *k_loc)
                out[k_str] = self.build(v_node)
                key_locs[k_str] = k_loc
                vm = v_node.start_mark
                value_locs[k_str] = Loc(file, vm.line + 1, vm.column + 1)
                if v_node.__class__ is yaml.ScalarNode:
                    size += 2
                else:
                    size += 1 + self.sizes[id(v_node)]
                    if size > self.limit:
                        raise self._too_big(v_node)
            self.sizes[key] = size
            return out
        finally:
            self.building.discard(key)

    def _lc(self, node: Any) -> tuple[int, int]:
        return node.start_mark.line + 1, node.start_mark.column + 1

    def _too_big(self, node: Any) -> UserError:
        """The error for a document whose aliases expand past the limit, at the (aliased) node's anchor."""
        return UserError(_EXPANDS.format(limit=self.limit), self.file, *self._lc(node))

    def _flatten(
        self, node: Any, inside: frozenset[int] = frozenset()
    ) -> tuple[list[tuple[Any, Any]], list[tuple[Any, Any]]]:
        """(merged pairs, own pairs) of a mapping with merge keys (`<<: *anchor`); own pairs come last and win."""
        yaml = self.yaml
        inside = inside | {id(node)}
        merged: list[tuple[Any, Any]] = []
        own: list[tuple[Any, Any]] = []
        for k_node, v_node in node.value:
            if k_node.tag == _MERGE:
                sources = v_node.value if isinstance(v_node, yaml.SequenceNode) else [v_node]
                for src in sources:
                    if not isinstance(src, yaml.MappingNode):
                        raise UserError("a merge key (<<) needs a mapping", self.file, *self._lc(src))
                    if id(src) in inside or id(src) in self.building:
                        raise UserError(_RECURSIVE, self.file, *self._lc(k_node))
                    sub_merged, sub_own = self._flatten(src, inside)
                    merged.extend(sub_merged + sub_own)
                    if len(merged) > self.limit:  # `<<: [*a, *a]` nested doubles at every level
                        raise self._too_big(src)
            else:
                own.append((k_node, v_node))
        return merged, own

    def scalar(self, node: Any) -> Any:
        try:
            value = self.constructor.construct_object(node, deep=True)
        except self.yaml.YAMLError as exc:
            raise UserError(
                f"invalid YAML value: {getattr(exc, 'problem', exc)}", self.file, *self._lc(node)
            ) from None
        except (ValueError, OverflowError):
            value = node.value  # e.g. an impossible date: keep the text, as a string
        if isinstance(value, (dt.date, dt.datetime)):
            value = node.value  # dates stay text (api_version: 2024-02-01 is a version string)
        return value


def _key_str(key: Any) -> str:
    if isinstance(key, bool):
        return "true" if key else "false"
    if key is None:
        return "null"
    return str(key)


# --------------------------------------------------------------------------------------------------
# files and includes


def load_file(
    path: Path, display: str | None = None, duplicates: list[tuple[Loc, str, Loc]] | None = None
) -> YMap:
    """Load one YAML file whose top level must be a mapping."""
    name = display or str(path)
    text = read_text(path)
    if not text.strip():
        raise UserError("empty file: no YAML document", name, 1, 1)
    data = parse_yaml(text, name, duplicates)
    if data is None:
        raise UserError("empty config: the YAML document has no content", name, 1, 1)
    if not isinstance(data, YMap):
        line, col = _first_content_pos(text)
        raise UserError(f"the config must be a mapping of sections, not {type_name(data)}", name, line, col)
    return data


def _first_content_pos(text: str) -> tuple[int, int]:
    for i, line in enumerate(text.splitlines(), 1):
        stripped = line.lstrip()
        if stripped and not stripped.startswith("#") and stripped != "---":
            return i, len(line) - len(stripped) + 1
    return 1, 1


def _display(path: Path, base: Path, base_display: str) -> str:
    """How an included file is named in messages: relative to the main config's folder, like the user wrote it."""
    try:
        rel = os.path.relpath(path, base.parent)
    except ValueError:
        return str(path)
    parent = os.path.dirname(base_display)
    return os.path.join(parent, rel) if parent else rel


def _resolve_includes(
    root: YMap,
    path: Path,
    display: str,
    stack: list[Path],
    files: list[str],
    main: tuple[Path, str],
    dups: list[tuple[Loc, str, Loc]],
    overrides: list[tuple[Loc, str, Loc]],
) -> YMap:
    include = root.get("include")
    if include is None:
        return root
    include_loc = root.value_loc("include")
    if isinstance(include, str):
        items: list[Any] = [include]
        locs = [include_loc]
    elif isinstance(include, YList):
        items = list(include)
        locs = [include.item_loc(i) for i in range(len(include))]
    else:
        raise UserError(
            f"`include` must be a list of file paths, not {type_name(include)}",
            include_loc.file,
            include_loc.line,
            include_loc.column,
        )
    merged = root
    for item, loc in zip(items, locs, strict=True):
        if not isinstance(item, str) or not item.strip():
            raise UserError(
                f"`include` items must be file paths, not {type_name(item)}", loc.file, loc.line, loc.column
            )
        target = (path.parent / item).resolve()
        if target in stack:
            chain = " -> ".join(os.path.basename(str(p)) for p in [*stack, target])
            raise UserError(f"cyclic include: {chain}", loc.file, loc.line, loc.column)
        if not target.exists():
            raise UserError(f"included file not found: {item}", loc.file, loc.line, loc.column)
        if target.is_dir():
            raise UserError(f"included path is a directory: {item}", loc.file, loc.line, loc.column)
        sub_display = _display(target, main[0], main[1])
        sub = load_file(target, sub_display, dups)
        files.append(sub_display)
        sub = _resolve_includes(sub, target, sub_display, [*stack, target], files, main, dups, overrides)
        _merge_into(merged, sub, overrides)
    return merged


def _merge_into(dst: YMap, src: YMap, overrides: list[tuple[Loc, str, Loc]]) -> None:
    """LiteLLM's include rule: lists are appended, every other key is overwritten."""
    for key, value in src.items():
        if key == "include":
            continue
        existing = dst.get(key)
        if isinstance(existing, YList) and isinstance(value, YList):
            existing.extend(value)
            existing.item_locs.extend(value.item_locs)
        else:
            if key in dst:
                overrides.append((src.key_loc(key), key, dst.key_loc(key)))
            dst[key] = value
            dst.key_locs[key] = src.key_loc(key)
            dst.value_locs[key] = src.value_loc(key)


def load_config(path: str | Path) -> LiteLLMConfig:
    """Read a LiteLLM proxy config (with includes) into a typed, located LiteLLMConfig."""
    p = Path(path)
    display = str(path)
    if p.is_dir():
        raise UserError("is a directory, not a config file", display)
    dups: list[tuple[Loc, str, Loc]] = []
    root = load_file(p, display, dups)
    files = [display]
    overrides: list[tuple[Loc, str, Loc]] = []
    root = _resolve_includes(root, p, display, [p.resolve()], files, (p.resolve(), display), dups, overrides)
    config = LiteLLMConfig(
        path=display, root=root, files=files, duplicate_keys=dups, include_overrides=overrides
    )
    _check_sections(root)
    config.deployments = _deployments(root)
    return config


_SECTION_TYPES: dict[str, type] = {
    "litellm_settings": YMap,
    "router_settings": YMap,
    "general_settings": YMap,
    "environment_variables": YMap,
    "credential_list": YList,
    "guardrails": YList,
}


def _check_sections(root: YMap) -> None:
    for key, kind in _SECTION_TYPES.items():
        value = root.get(key)
        if value is None:
            continue  # `general_settings:` with nothing under it is legal
        if not isinstance(value, kind):
            loc = root.value_loc(key)
            want = "a mapping" if kind is YMap else "a list"
            raise UserError(f"`{key}` must be {want}, not {type_name(value)}", loc.file, loc.line, loc.column)


def _deployments(root: YMap) -> list[Deployment]:
    model_list = root.get("model_list")
    if model_list is None:
        return []
    if not isinstance(model_list, YList):
        loc = root.value_loc("model_list")
        raise UserError(
            f"`model_list` must be a list, not {type_name(model_list)}", loc.file, loc.line, loc.column
        )
    out: list[Deployment] = []
    for i, entry in enumerate(model_list):
        loc = model_list.item_loc(i)
        where = f"model_list[{i}]"
        if not isinstance(entry, YMap):
            raise UserError(
                f"{where} must be a mapping with model_name and litellm_params, not {type_name(entry)}",
                loc.file,
                loc.line,
                loc.column,
            )
        name = entry.get("model_name")
        if name is None or isinstance(name, (dict, list)) or (isinstance(name, str) and not name.strip()):
            nloc = entry.value_loc("model_name") if "model_name" in entry else loc
            what = (
                "has no model_name"
                if name is None or isinstance(name, str)
                else f"model_name must be a string, not {type_name(name)}"
            )
            raise UserError(f"{where} {what}", nloc.file, nloc.line, nloc.column)
        params = entry.get("litellm_params")
        if not isinstance(params, YMap):
            ploc = entry.value_loc("litellm_params") if "litellm_params" in entry else loc
            what = (
                "has no litellm_params"
                if params is None
                else f"litellm_params must be a mapping, not {type_name(params)}"
            )
            raise UserError(f"{where} ({_key_str(name)}) {what}", ploc.file, ploc.line, ploc.column)
        model = params.get("model")
        if not isinstance(model, str) or not model.strip():
            mloc = params.value_loc("model") if "model" in params else params.loc
            what = (
                "has no litellm_params.model"
                if model is None
                else f"litellm_params.model must be a string, not {type_name(model)}"
            )
            if isinstance(model, str):
                what = "has an empty litellm_params.model"
            raise UserError(f"{where} ({_key_str(name)}) {what}", mloc.file, mloc.line, mloc.column)
        info = entry.get("model_info")
        if info is not None and not isinstance(info, YMap):
            iloc = entry.value_loc("model_info")
            raise UserError(
                f"{where} ({_key_str(name)}) model_info must be a mapping, not {type_name(info)}",
                iloc.file,
                iloc.line,
                iloc.column,
            )
        out.append(
            Deployment(
                index=i,
                model_name=_key_str(name),
                model=model.strip(),
                params=params,
                model_info=info,
                entry=entry,
                loc=loc,
            )
        )
    return out
