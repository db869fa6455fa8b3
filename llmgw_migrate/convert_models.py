"""One LiteLLM deployment -> one gateway target: provider, model id, provider key and findings.

Data comes from rules/providers.yaml (LiteLLM prefix -> gateway provider, custom or unsupported) and the
gateway catalog (upstream name -> catalog id through externalId).
"""

# ruff: noqa: E501  (user-facing messages stay on one line so they can be grepped)

from __future__ import annotations

import datetime as dt
import difflib
import fnmatch
import functools
import ipaddress
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from llmgw_migrate.catalog import Catalog, CatalogModel, ProviderMapping
from llmgw_migrate.findings import Finding, Status, load_rules_yaml, make
from llmgw_migrate.litellm_config import Deployment, Loc, env_ref, is_placeholder
from llmgw_migrate.resources import rules_path

CUSTOM_NAME_RE = re.compile(r"^[a-z]+(-[a-z]+)*$")
RESERVED_NAMES = {"auto", "custom", "dynamic", "llmgateway"}

# Labels that say nothing about which server a host is.
_GENERIC_LABELS = {
    "www", "api", "apis", "app", "apps", "com", "net", "org", "io", "ai", "dev", "co", "cloud", "xyz", "sh",
    "run", "local", "localdomain", "internal", "svc", "cluster", "inference", "endpoint", "endpoints",
    "models", "model", "prod", "production", "staging", "v", "gateway", "proxy", "llm", "services", "up",
    "us", "eu", "east", "west", "default", "example", "host", "server", "openai", "azure", "windows",
}  # fmt: skip


@dataclass(frozen=True)
class ProviderRule:
    prefix: str
    kind: str  # mapped | custom | unsupported
    gateway: tuple[str, ...] = ()
    env: str | None = None
    api_hosts: tuple[str, ...] = ()
    base_url: str | None = None
    name: str | None = None
    reason: str | None = None
    local: bool = False


@dataclass(frozen=True)
class ProviderRules:
    providers: dict[str, ProviderRule]
    sub_routes: dict[str, tuple[str, ...]]
    unsupported_sub_routes: dict[str, dict[str, str]]
    bare_models: tuple[tuple[re.Pattern[str], str], ...]
    # prefix -> (pattern on the rest, provider): `openai/gpt-3.5-turbo-instruct` is text completion
    prefixed_models: dict[str, tuple[tuple[re.Pattern[str], str], ...]] = field(default_factory=dict)


@functools.cache
def provider_rules() -> ProviderRules:
    data = load_rules_yaml(rules_path("providers.yaml").read_text(encoding="utf-8"))
    providers = {}
    for prefix, spec in data["providers"].items():
        providers[prefix] = ProviderRule(
            prefix=prefix,
            kind=spec["kind"],
            gateway=tuple(spec.get("gateway") or ()),
            env=spec.get("env"),
            api_hosts=tuple(spec.get("api_hosts") or ()),
            base_url=spec.get("base_url"),
            name=spec.get("name"),
            reason=spec.get("reason"),
            local=bool(spec.get("local")),
        )
    return ProviderRules(
        providers=providers,
        sub_routes={k: tuple(v or ()) for k, v in (data.get("sub_routes") or {}).items()},
        unsupported_sub_routes={
            k: dict(v or {}) for k, v in (data.get("unsupported_sub_routes") or {}).items()
        },
        bare_models=tuple((re.compile(b["pattern"]), b["provider"]) for b in data.get("bare_models") or ()),
        prefixed_models={
            prefix: tuple((re.compile(b["pattern"]), b["provider"]) for b in items or ())
            for prefix, items in (data.get("prefixed_models") or {}).items()
        },
    )


@functools.cache
def settings_rules() -> dict[str, Any]:
    data = load_rules_yaml(rules_path("config_settings.yaml").read_text(encoding="utf-8"))
    return dict(data)


@functools.cache
def param_categories() -> dict[str, str]:
    out: dict[str, str] = {}
    for category, keys in settings_rules()["params"].items():
        for key in keys:
            out[key] = category
    return out


# --------------------------------------------------------------------------------------------------


@dataclass
class KeySpec:
    """Identity and content of one gateway provider key."""

    provider: str  # gateway provider id, or "custom"
    name: str | None = None  # custom provider name
    env_var: str | None = None
    inline_secret: bool = False
    base_url: str | None = None
    options: dict[str, str] = field(default_factory=dict)

    def identity(self) -> tuple[Any, ...]:
        return (
            self.provider,
            self.name,
            self.env_var,
            self.inline_secret,
            self.base_url,
            tuple(sorted(self.options.items())),
        )


@dataclass
class Target:
    """What one deployment becomes on the gateway."""

    deployment: Deployment
    status: Status
    provider: str | None = None  # gateway provider id or custom provider name
    gateway_model: str | None = None
    catalog: CatalogModel | None = None
    mapping: ProviderMapping | None = None
    upstream: str | None = None
    custom: bool = False
    wildcard: bool = False
    key: KeySpec | None = None
    mode: str = "chat"
    # a gateway id exists but this provider cannot answer it (deactivated, mode not served)
    unservable: bool = False
    findings: list[Finding] = field(default_factory=list)

    @property
    def served(self) -> bool:
        """Whether the gateway can serve this deployment through its provider key (so the key is needed)."""
        if self.key is None or self.unservable:
            return False
        return self.wildcard or self.gateway_model is not None

    @property
    def expands_to(self) -> int:
        """How many LiteLLM deployments this entry is: `organization: [a, b]` makes one per organization."""
        org = self.deployment.params.get("organization")
        return len(org) if isinstance(org, list) and org else 1

    def finding(self, code: str, message: str, loc: Loc, **kw: Any) -> Finding:
        f = make(code, message, file=loc.file, line=loc.line, column=loc.column, **kw)
        self.findings.append(f)
        return f

    def approximate(self) -> None:
        """An exact mapping becomes approximate; a worse status stays."""
        if self.status == Status.exact:
            self.status = Status.approximate


class Resolver:
    """Resolves deployments; keeps the custom-provider names consistent across one config."""

    def __init__(
        self,
        catalog: Catalog,
        today: dt.date,
        routing: str,
        credentials: dict[str, Any] | None = None,
        custom_handlers: dict[str, str] | None = None,
    ) -> None:
        self.catalog = catalog
        # litellm_settings.custom_provider_map: prefix -> Python handler LiteLLM runs for `<prefix>/<model>`
        self.custom_handlers = custom_handlers or {}
        self.today = today
        self.routing = routing
        self.rules = provider_rules()
        self.credentials = credentials or {}
        self.custom_names: dict[str, str] = {}  # normalized base URL -> name
        self._closest: dict[str, list[str]] = {}
        self._successors: dict[tuple[str, str | None], str | None] = {}
        self._lookups: dict[tuple[str, str], tuple[str, CatalogModel] | None] = {}

    # ---------------------------------------------------------------------------------------------
    def resolve(self, dep: Deployment) -> Target:
        t = Target(deployment=dep, status=Status.exact)
        params = self._effective_params(dep, t)
        t.mode = _mode(dep)
        model = dep.model
        loc = dep.model_loc
        ref = env_ref(model)
        if ref:
            t.finding(
                "LGM102",
                f"litellm_params.model of `{dep.model_name}` is read from env var {ref} at run time: put the model name in the config and rerun",
                loc,
            )
            t.status = Status.manual
            return t
        if model == "*":
            t.wildcard = True
            t.status = Status.approximate
            t.finding(
                "LGM120",
                f"wildcard route `{dep.model_name}` -> `*` (any model, any provider): clients must send gateway ids (`<provider>/<catalog-id>` or bare catalog ids), and each provider needs its key",
                dep.name_loc,
            )
            return t
        prefix, rest = self._split(model)
        if prefix is None:
            head = model.split("/", 1)[0] if "/" in model else None
            if head is not None and head in self.custom_handlers:
                # LiteLLM checks registered custom providers before any api_base: the handler serves it
                t.finding(
                    "LGM103",
                    f"`{head}` is a LiteLLM custom provider (litellm_settings.custom_provider_map: {self.custom_handlers[head]}): "
                    "a Python handler inside the proxy, which the gateway cannot run",
                    loc,
                )
                t.status = Status.unsupported
                return t
            api_base = params.get("api_base") or params.get("base_url")
            if head is not None and isinstance(api_base, str) and api_base.strip():
                t.finding(
                    "LGM102",
                    f"`{head}` in `{model}` is not a LiteLLM provider prefix; treated as an OpenAI-compatible server at api_base",
                    loc,
                    status=Status.approximate,
                )
                rule = ProviderRule(prefix=head, kind="custom", env=None)
                return self._custom(t, rule, model.split("/", 1)[1], params)
            what = (
                f"`{head}` is not a LiteLLM provider prefix"
                if head
                else "LiteLLM resolves this bare model name through its own model map"
            )
            t.finding("LGM102", f"cannot tell the provider of `{model}`: {what}", loc)
            t.status = Status.manual
            return t
        rule = self.rules.providers[prefix]
        # sub-routes (bedrock/converse/..., azure/o_series/...) select an API surface, not a model
        first, _, after = rest.partition("/")
        if after and first in self.rules.unsupported_sub_routes.get(prefix, {}):
            reason = self.rules.unsupported_sub_routes[prefix][first]
            t.finding("LGM103", f"`{prefix}/{first}/` is not supported by the gateway: {reason}", loc)
            t.status = Status.unsupported
            return t
        if after and first in self.rules.sub_routes.get(prefix, ()):
            rest = after
        t.upstream = rest
        if rule.kind == "unsupported":
            written = model.partition("/")[0]
            routed = (
                f"LiteLLM routes `{model}` to `{prefix}`, which has no gateway equivalent"
                if "/" in model and written != prefix
                else f"LiteLLM provider `{prefix}` has no gateway equivalent"
            )
            t.finding("LGM103", f"{routed}: {rule.reason}", loc)
            t.status = Status.unsupported
            return t
        if "*" in rest or "*" in dep.model_name:
            return self._wildcard(t, rule, rest, params)
        if rule.kind == "custom":
            return self._custom(t, rule, rest, params)
        api_base = params.get("api_base") or params.get("base_url")
        if prefix in ("openai", "aiohttp_openai") and isinstance(api_base, str) and api_base.strip():
            if not _host_matches(api_base, rule.api_hosts):
                ref = env_ref(api_base)
                if ref is None or self._lookup(rule, rest, dep) is None:
                    return self._custom(t, rule, rest, params)
        return self._mapped(t, rule, rest, params)

    # ---------------------------------------------------------------------------------------------
    def _split(self, model: str) -> tuple[str | None, str]:
        head, sep, rest = model.partition("/")
        if sep and head in self.rules.providers and rest:
            for pattern, provider in self.rules.prefixed_models.get(head, ()):
                if pattern.search(rest):
                    return provider, rest
            return head, rest
        if not sep:
            for pattern, provider in self.rules.bare_models:
                if pattern.search(model):
                    return provider, model
        return None, model

    def _effective_params(self, dep: Deployment, t: Target) -> dict[str, Any]:
        """litellm_params with a litellm_credential_name's values filled in (entry values win)."""
        params: dict[str, Any] = dict(dep.params)
        cred_name = params.get("litellm_credential_name")
        if isinstance(cred_name, str) and cred_name in self.credentials:
            values = self.credentials[cred_name]
            for k, v in values.items():
                params.setdefault(k, v)
            t.finding(
                "LGM139",
                f"credentials of `{dep.model_name}` come from credential_list entry `{cred_name}`",
                dep.params.value_loc("litellm_credential_name"),
            )
        return params

    def _lookup(self, rule: ProviderRule, upstream: str, dep: Deployment) -> tuple[str, CatalogModel] | None:
        key = (rule.prefix, upstream)
        if key not in self._lookups:  # big configs repeat the same few models many times
            self._lookups[key] = None
            for gp in rule.gateway:
                found = self.catalog.resolve(gp, upstream)
                if found:
                    self._lookups[key] = (gp, found)
                    break
        return self._lookups[key]

    def successor(self, model: CatalogModel, provider: str | None) -> str | None:
        key = (model.id, provider)
        if key not in self._successors:
            self._successors[key] = self.catalog.successor(model, self.today, provider)
        return self._successors[key]

    def closest(self, name: str) -> list[str]:
        if name not in self._closest:
            self._closest[name] = closest_ids(self.catalog, name)
        return self._closest[name]

    # ---------------------------------------------------------------------------------------------
    def _key(
        self,
        t: Target,
        rule: ProviderRule,
        provider: str,
        params: dict[str, Any],
        name: str | None = None,
        base_url: str | None = None,
    ) -> KeySpec:
        api_key = params.get("api_key")
        key = KeySpec(provider=provider, name=name, base_url=base_url)
        ref = env_ref(api_key)
        if ref:
            key.env_var = ref
        elif is_placeholder(api_key):
            pass  # a server that needs no key (api_key: dummy): nothing to carry over
        elif isinstance(api_key, str) and api_key.strip():
            key.inline_secret = True
        elif api_key is None:
            key.env_var = rule.env
        t.key = key
        return key

    def _custom(self, t: Target, rule: ProviderRule, model: str, params: dict[str, Any]) -> Target:
        dep = t.deployment
        api_base = params.get("api_base") or params.get("base_url")
        raw = api_base.strip() if isinstance(api_base, str) and api_base.strip() else rule.base_url
        if not raw:
            t.finding(
                "LGM140",
                f"`{dep.model}` needs the OpenAI-compatible server's base URL (api_base) to become a custom provider",
                dep.model_loc,
            )
            t.status = Status.manual
            t.custom = True
            return t
        literal = env_ref(raw) is None
        query = urlsplit(raw.strip()).query if literal else ""
        if query:
            # the gateway appends /v1/chat/completions to the base URL: a query string cannot stay in it
            raw = urlsplit(raw.strip())._replace(query="", fragment="").geturl()
        base = normalize_base_url(raw)
        name = self._custom_name(base, rule)
        t.custom = True
        t.provider = name
        t.upstream = model
        t.gateway_model = f"{name}/{model}"
        self._key(t, rule, "custom", params, name=name, base_url=base)
        t.finding(
            "LGM136",
            f"`{dep.model_name}` is served by an OpenAI-compatible server: custom provider `{name}` "
            f"(base URL {_display_url(base)}), model `{t.gateway_model}`",
            dep.model_loc,
        )
        base_loc = dep.params.value_loc("api_base" if "api_base" in dep.params else "base_url")
        if query:
            # parameter names only (of name=value pairs): values, or a bare item, may be tokens
            names = ", ".join(dict.fromkeys(k for k, _v in parse_qsl(query) if k))
            t.finding(
                "LGM129",
                f"api_base {_display_url(raw)} carries a query string{f' ({names})' if names else ''}: the gateway appends /v1/chat/completions to a custom provider's base URL "
                f"and sends no query string, so the base URL is {_display_url(base)}: check that the server answers without it",
                base_loc,
            )
            t.approximate()
        if literal and isinstance(api_base, str) and rule.prefix not in ("ollama", "ollama_chat"):
            path = urlsplit(raw.strip()).path.rstrip("/")
            if not path.endswith("/v1"):
                t.finding(
                    "LGM129",
                    f"api_base {_display_url(raw.strip())} does not end in /v1: LiteLLM called {path or ''}/chat/completions, "
                    f"the gateway will call {path or ''}/v1/chat/completions",
                    base_loc,
                )
                t.approximate()
        if t.mode not in ("chat", "completion", "responses"):
            t.finding(
                "LGM148",
                f"`{dep.model_name}` has mode `{t.mode}`, but a custom provider serves chat completions only",
                dep.model_loc,
            )
            t.status = Status.manual
            t.unservable = True
        return t

    def _custom_name(self, base: str, rule: ProviderRule) -> str:
        if base in self.custom_names:
            return self.custom_names[base]
        if rule.name and rule.base_url and normalize_base_url(rule.base_url) == base:
            candidate = rule.name
        else:
            candidate = derive_custom_name(base, rule.prefix, rule.name)
        taken = set(self.custom_names.values()) | set(self.catalog.providers) | RESERVED_NAMES
        if candidate in self.catalog.providers or candidate in RESERVED_NAMES:
            candidate = f"{candidate}-custom"
        name = candidate
        n = 1
        while name in taken:
            name = f"{candidate}-{_letters(n)}"
            n += 1
        self.custom_names[base] = name
        return name

    def _wildcard(self, t: Target, rule: ProviderRule, rest: str, params: dict[str, Any]) -> Target:
        dep = t.deployment
        t.wildcard = True
        t.status = Status.approximate
        if rule.kind == "custom":
            self._custom(t, rule, rest, params)
            t.gateway_model = None
            hint = f"`{t.provider}/<model>`" if t.provider else "`<custom-name>/<model>`"
        else:
            gp = rule.gateway[0]
            t.provider = gp
            self._key(t, rule, gp, params)
            self._provider_options(t, rule, gp, params)
            hint = f"`{gp}/<catalog-id>` (or a bare catalog id)"
        t.finding(
            "LGM120",
            f"wildcard route `{dep.model_name}` -> `{dep.model}`: clients must send {hint} for each model",
            dep.name_loc,
        )
        return t

    def _mapped(self, t: Target, rule: ProviderRule, rest: str, params: dict[str, Any]) -> Target:
        dep = t.deployment
        info: dict[str, Any] = dep.model_info or {}
        base_model = info.get("base_model") if isinstance(info.get("base_model"), str) else None
        if base_model:
            b_prefix, b_rest = self._split(base_model)
            base_model = b_rest if b_prefix else base_model.rsplit("/", 1)[-1]
        found: tuple[str, CatalogModel] | None = None
        if rule.prefix == "azure":
            lookup = base_model or rest
            found = self._lookup(rule, lookup, dep)
            if found is None and base_model is None:
                near = self.closest(rest)
                t.finding(
                    "LGM108",
                    f"azure deployment `{rest}` of `{dep.model_name}` is not a catalog model name and model_info.base_model is not set"
                    + (f"; closest catalog ids: {', '.join(near)}" if near else ""),
                    dep.model_loc,
                )
                t.status = Status.manual
                t.provider = "azure"
                self._key(t, rule, "azure", params)
                self._provider_options(t, rule, "azure", params)
                return t
        else:
            found = self._lookup(rule, rest, dep)
            if found is None and base_model:
                found = self._lookup(rule, base_model, dep)
        respelled: str | None = None
        if found is None:
            hit = self._respelled(rule, base_model or rest)
            if hit is not None:
                found, respelled = (hit[0], hit[1]), hit[2]
        gp = found[0] if found else rule.gateway[0]
        t.provider = gp
        self._key(t, rule, gp, params)
        if found is None:
            wanted = base_model or rest
            elsewhere = self.catalog.resolve(None, wanted)
            if elsewhere is not None and not elsewhere.live_mappings(self.today):
                succ = self.successor(elsewhere, None)
                when = elsewhere.deactivated_at or max(
                    (p.deactivated_at or "" for p in elsewhere.providers), default=""
                )
                msg = (
                    f"`{wanted}` is catalog model `{elsewhere.id}`, which no gateway provider serves any more"
                    + (f" (deactivated on {when[:10]})" if when else "")
                    + (f"; suggested successor: `{succ}`" if succ else "; no successor in its family")
                )
                t.finding("LGM106", msg, dep.model_loc)
                t.status = Status.manual
                self._provider_options(t, rule, gp, params)
                return t
            if elsewhere is not None:
                served = (
                    ", ".join(p.provider for p in elsewhere.live_mappings(self.today)) or "no live provider"
                )
                msg = f"`{wanted}` is catalog model `{elsewhere.id}`, but the gateway does not serve it through {'/'.join(rule.gateway)} (served by: {served})"
            else:
                near = self.closest(wanted)
                msg = f"`{wanted}` ({rule.prefix}) is not in the gateway catalog" + (
                    f"; closest catalog ids: {', '.join(near)}" if near else ""
                )
            t.finding("LGM104", msg, dep.model_loc)
            t.status = Status.manual
            self._provider_options(t, rule, gp, params)
            return t
        model = found[1]
        mapping = model.mapping(gp)
        t.catalog = model
        t.mapping = mapping
        t.gateway_model = self.model_id(model, gp)
        if respelled:
            t.finding("LGM152", respelled, dep.model_loc)
            t.status = Status.approximate
        if rule.prefix == "azure" and mapping and rest != mapping.external_id:
            t.key.options["azure_deployment_name"] = rest  # type: ignore[union-attr]
            t.finding(
                "LGM107",
                f"azure deployment `{rest}` serves `{model.id}` (catalog deployment name `{mapping.external_id}`): "
                f"the azure key needs azure_deployment_name={rest}",
                dep.model_loc,
            )
            t.status = Status.approximate
        self._provider_options(t, rule, gp, params)
        self._dates(t, model, gp)
        self._check_mode(t, model, gp)
        return t

    def _respelled(self, rule: ProviderRule, wanted: str) -> tuple[str, CatalogModel, str | None] | None:
        """A catalog model this provider serves that `wanted` names another way, and what to tell the user.

        A Vertex `name@version` pin is the same model as `name-version` (no finding) or, with the pin
        dropped, `name`; a name that is another provider's upstream name for a catalog model is that
        model when this provider serves it too (under its own upstream name).
        """
        if "@" in wanted:
            base, _, version = wanted.partition("@")
            for cand, note in (
                (f"{base}-{version}", None),
                (
                    base,
                    f"`{wanted}` is served as catalog model `{{id}}`: the version pin @{version} is not kept, the gateway picks the snapshot",
                ),
            ):
                if not base or not version:
                    break
                for gp in rule.gateway:
                    found = self.catalog.resolve(gp, cand)
                    if found is not None:
                        return gp, found, note.format(id=found.id) if note else None
        elsewhere = self.catalog.resolve(None, wanted)
        if elsewhere is None or elsewhere.deactivated(self.today):
            return None
        for gp in rule.gateway:
            mapping = elsewhere.mapping(gp)
            if mapping is not None and not mapping.deactivated(self.today):
                return (
                    gp,
                    elsewhere,
                    f"`{wanted}` is not the {gp} name of any catalog model but another provider's name for catalog model `{elsewhere.id}`, "
                    f"which the gateway serves through {gp} as `{mapping.external_id}`: check it is the model meant",
                )
        return None

    def model_id(self, model: CatalogModel, provider: str) -> str:
        if self.routing == "smart" and len(model.live_mappings(self.today)) > 1:
            return model.id
        return f"{provider}/{model.id}"

    def _check_mode(self, t: Target, model: CatalogModel, gp: str) -> None:
        dep = t.deployment
        if model.is_embedding and t.mode == "chat":
            t.mode = "embedding"
        wanted = {
            "embedding": "embeddings",
            "image_generation": "imageGenerations",
            "audio_transcription": "transcriptions",
            "audio_speech": "speechGenerations",
            "rerank": "rerank",
            "realtime": "realtime",
            "video_generation": "videoGenerations",
            "ocr": "ocr",
            # no gateway provider serves these: LiteLLM's Batches API (files + batches) and moderations
            "batch": "batches",
            "moderation": "moderations",
            "moderations": "moderations",
        }.get(t.mode)
        info = self.catalog.provider(gp)
        if wanted and info is not None and info.serves and wanted not in info.serves:
            t.finding(
                "LGM135",
                f"`{dep.model_name}` has mode `{t.mode}`, which the gateway's {gp} provider does not serve",
                dep.model_loc,
            )
            t.status = Status.manual
            t.unservable = True

    def _dates(self, t: Target, model: CatalogModel, gp: str) -> None:
        dep = t.deployment
        mapping = model.mapping(gp)
        loc = dep.model_loc
        today = self.today
        if model.deactivated(today) or (model.deactivated_at and _on_or_before(model.deactivated_at, today)):
            succ = self.successor(model, gp) or self.successor(model, None)
            when = model.deactivated_at or (mapping.deactivated_at if mapping else None) or "?"
            t.finding(
                "LGM106",
                f"`{model.id}` was deactivated on the gateway on {when[:10]} (as of {today.isoformat()})"
                + (f"; suggested successor: `{succ}`" if succ else "; no successor in its family"),
                loc,
            )
            t.status = Status.manual  # its key stays: the successor is usually on the same provider
            return
        if mapping and mapping.deactivated(today):
            t.finding(
                "LGM144",
                f"the {gp} mapping of `{model.id}` was deactivated on {mapping.deactivated_at and mapping.deactivated_at[:10]}; "
                f"the gateway drops the pin and serves it from: {', '.join(p.provider for p in model.live_mappings(today))}",
                loc,
            )
            t.gateway_model = model.id
            t.status = Status.manual
            t.unservable = True  # served by other providers, not through this one's key
            return
        dep_at = (mapping.deprecated_at if mapping else None) or model.deprecated_at
        deact_at = (mapping.deactivated_at if mapping else None) or model.deactivated_at
        if dep_at and _on_or_before(dep_at, today):
            succ = self.successor(model, gp) or self.successor(model, None)
            t.finding(
                "LGM105",
                f"`{model.id}` on {gp} is deprecated since {dep_at[:10]}"
                + (f" and deactivates on {deact_at[:10]}" if deact_at else "")
                + (f"; suggested successor: `{succ}`" if succ else ""),
                loc,
            )
            t.approximate()
        elif dep_at or deact_at:
            succ = self.successor(model, gp)
            parts = []
            if dep_at:
                parts.append(f"deprecation on {dep_at[:10]}")
            if deact_at:
                parts.append(f"deactivation on {deact_at[:10]}")
            t.finding(
                "LGM145",
                f"`{model.id}` on {gp} has a scheduled {' and '.join(parts)}"
                + (f"; successor: `{succ}`" if succ else ""),
                loc,
            )

    def _provider_options(self, t: Target, rule: ProviderRule, gp: str, params: dict[str, Any]) -> None:
        dep = t.deployment
        key = t.key
        if key is None:
            return
        p = dep.params
        if gp == "azure":
            _azure_options(key, params)
            ad = [
                k
                for k in p
                if k
                in (
                    "azure_ad_token",
                    "azure_ad_token_provider",
                    "tenant_id",
                    "client_id",
                    "client_secret",
                    "azure_username",
                    "azure_password",
                )
            ]
            if ad:
                t.finding(
                    "LGM137",
                    f"`{dep.model_name}` authenticates with Azure AD ({', '.join(ad)}); the gateway needs an API key",
                    p.key_loc(ad[0]),
                )
        elif gp == "aws-bedrock" or gp == "aws-mantle":
            region = params.get("aws_region_name")
            if isinstance(region, str) and region.strip():
                key.options["aws_bedrock_region"] = region.strip()
            elif t.upstream:
                m = re.match(r"^(us|eu|apac|au|jp|global)\.", t.upstream)
                if m:
                    key.options["aws_bedrock_region"] = m.group(1)
            if params.get("api_key") is None:
                iam = [k for k in p if k.startswith("aws_") and k not in ("aws_region_name",)]
                how = f"IAM ({', '.join(iam)})" if iam else "the default AWS credential chain"
                t.finding(
                    "LGM109",
                    f"`{dep.model_name}` reaches Bedrock with {how}; the gateway needs a Bedrock API key",
                    p.key_loc(iam[0]) if iam else dep.model_loc,
                )
                key.env_var = None
        elif gp in ("google-vertex", "vertex-anthropic", "vertex-openai"):
            project = params.get("vertex_project") or params.get("vertex_ai_project")
            location = params.get("vertex_location") or params.get("vertex_ai_location")
            if isinstance(project, str) and project.strip():
                key.options["google_vertex_project_id"] = project.strip()
            if isinstance(location, str) and location.strip():
                key.options["google_vertex_region"] = location.strip()
            creds = [k for k in p if k in ("vertex_credentials", "vertex_ai_credentials")]
            how = (
                "a service-account credential (vertex_credentials)"
                if creds
                else "application default credentials"
            )
            t.finding(
                "LGM110",
                f"`{dep.model_name}` reaches Vertex AI with {how}; add a {gp} key with its project id",
                p.key_loc(creds[0]) if creds else dep.model_loc,
            )
            key.env_var = None
        elif gp == "azure-ai-foundry":
            _azure_options(key, params)
        else:
            api_base = params.get("api_base") or params.get("base_url")
            if isinstance(api_base, str) and api_base.strip() and not _host_matches(api_base, rule.api_hosts):
                key.base_url = normalize_base_url(api_base.strip())
        org = params.get("organization")
        if isinstance(org, list) and len(org) > 1:
            t.finding(
                "LGM130",
                f"`{dep.model_name}` lists {len(org)} OpenAI organizations (LiteLLM makes one deployment per organization); gateway keys carry none: add one project key per organization",
                p.key_loc("organization"),
            )
        elif org is not None:
            t.finding(
                "LGM130",
                f"`{dep.model_name}` sets an OpenAI organization; gateway keys do not carry one",
                p.key_loc("organization"),
            )


# --------------------------------------------------------------------------------------------------
# helpers

_TOKENS = re.compile(r"[a-z]{2,}|[0-9]+")


@functools.cache
def _closest_index(catalog: Catalog) -> tuple[list[str], dict[str, list[str]], dict[str, set[int]]]:
    """Lowercased candidate names (catalog ids and upstream names), their catalog ids, and a token index."""
    owners: dict[str, list[str]] = {}
    for model in catalog.models.values():
        for cand in (model.id, *(p.external_id for p in model.providers)):
            ids = owners.setdefault(cand.lower(), [])
            if model.id not in ids:
                ids.append(model.id)
    names = sorted(owners)
    index: dict[str, set[int]] = {}
    for i, cand in enumerate(names):
        for tok in _TOKENS.findall(cand):
            index.setdefault(tok, set()).add(i)
    return names, owners, index


def closest_ids(catalog: Catalog, name: str, n: int = 3) -> list[str]:
    """Catalog ids closest to an upstream name, for "did you mean" hints.

    Like Catalog.closest, but difflib only runs over candidates sharing a word or number with the name
    (dozens instead of ~1,000), which keeps configs with hundreds of unknown models fast.
    """
    names, owners, index = _closest_index(catalog)
    query = name.rsplit("/", 1)[-1].lower()
    # `-latest` names no snapshot; matching on it would favour other `-latest` ids over the model's own snapshots
    query = query.removesuffix("-latest") or query
    subset: set[int] = set()
    for tok in _TOKENS.findall(query):
        subset |= index.get(tok, set())
    pool = [names[i] for i in sorted(subset)]  # sharing no token at all: not a useful suggestion
    out: list[str] = []
    for hit in difflib.get_close_matches(query, pool, n=n * 3, cutoff=0.5):
        for model_id in owners[hit]:
            if model_id not in out:
                out.append(model_id)
    return out[:n]


def _on_or_before(date: str, today: dt.date) -> bool:
    try:
        return dt.date.fromisoformat(date[:10]) <= today
    except ValueError:
        return False


_MODE_HINTS = (
    (re.compile(r"rerank", re.I), "rerank"),
    (re.compile(r"embed", re.I), "embedding"),
    (re.compile(r"whisper|transcri", re.I), "audio_transcription"),
    (re.compile(r"(^|[/-])tts(-|$)|speech", re.I), "audio_speech"),
    (re.compile(r"dall-e|(^|[/-])image(-|$)|imagen", re.I), "image_generation"),
)


def _mode(dep: Deployment) -> str:
    """model_info.mode, else what LiteLLM's health checks would infer from the model name, else chat."""
    info = dep.model_info
    mode = info.get("mode") if info else None
    if isinstance(mode, str) and mode.strip():
        return mode.strip()
    for pattern, hinted in _MODE_HINTS:
        if pattern.search(dep.model):
            return hinted
    return "chat"


def normalize_base_url(url: str) -> str:
    """Base URL as the gateway wants it: no trailing slash, no trailing /v1. References stay references."""
    if env_ref(url):
        return url.strip()
    u = _display_url(url.strip()).rstrip("/")  # user:password@ never goes into the plan
    if u.endswith("/v1"):
        u = u[: -len("/v1")]
    return u.rstrip("/")


def _display_url(url: str) -> str:
    """A URL safe to print: user:password@ removed."""
    if env_ref(url):
        return url
    parts = urlsplit(url)
    if parts.username or parts.password:
        netloc = parts.hostname or ""
        if parts.port:
            netloc += f":{parts.port}"
        return parts._replace(netloc=netloc).geturl()
    return url


def _host_of(url: str) -> str | None:
    if env_ref(url):
        return None
    try:
        return (urlsplit(url.strip() if "://" in url else f"//{url.strip()}").hostname or "").lower() or None
    except ValueError:
        return None


def _host_matches(url: str, patterns: tuple[str, ...]) -> bool:
    host = _host_of(url)
    if host is None:
        return False
    return any(fnmatch.fnmatch(host, p) for p in patterns)


def _azure_options(key: KeySpec, params: dict[str, Any]) -> None:
    """An Azure (or Azure AI Foundry) key's resource, or its base URL when the host is not a resource's,
    and its API version."""
    api_base = params.get("api_base")
    if isinstance(api_base, str) and api_base.strip():
        resource = _azure_resource(api_base)
        if resource:
            key.options["azure_resource"] = resource
        else:
            key.base_url = normalize_base_url(api_base.strip())
    version = params.get("api_version")
    if version is not None and not isinstance(version, (dict, list)):
        key.options["azure_api_version"] = str(version)


def _azure_resource(url: str) -> str | None:
    host = _host_of(url)
    if not host:
        return None
    m = re.match(
        r"^([a-z0-9-]+)\.(openai\.azure\.com|cognitiveservices\.azure\.com|services\.ai\.azure\.com)$", host
    )
    return m.group(1) if m else None


def _sanitize(label: str) -> str:
    s = re.sub(r"[^a-z]+", "-", label.lower()).strip("-")
    return re.sub(r"-+", "-", s)


def derive_custom_name(base: str, prefix: str, default: str | None = None) -> str:
    """A custom provider name (^[a-z]+(-[a-z]+)*$) for a base URL, from its host when that says something."""
    ref = env_ref(base)
    host = None if ref else _host_of(base)
    local = host is None or host in ("localhost", "0.0.0.0") or _is_ip(host)
    if not local and host:
        for label in host.split("."):
            name = _sanitize(label)
            if name and label not in _GENERIC_LABELS and name not in _GENERIC_LABELS and len(name) > 1:
                return name
    fallback = default or _sanitize(prefix) or "server"
    if local and host is not None and not default:
        fallback = f"local-{fallback}"
    return fallback if CUSTOM_NAME_RE.match(fallback) else "server"


def _letters(n: int) -> str:
    """1 -> b, 2 -> c, ... 25 -> z, 26 -> ba: suffixes that keep names within ^[a-z]+(-[a-z]+)*$."""
    out = ""
    n += 1
    while n:
        n, r = divmod(n, 26)
        out = "abcdefghijklmnopqrstuvwxyz"[r] + out
    return out


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
