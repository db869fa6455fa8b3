"""One LiteLLM deployment -> one gateway target: provider, model id, provider key and findings.

Data comes from rules/providers.yaml (LiteLLM prefix -> gateway provider, custom or unsupported) and the
gateway catalog (upstream name -> catalog id through externalId). Each responsibility has its module:
prefixes, catalog_lookup, custom_providers, retirements, provider_keys; Resolver puts them in order.
"""

# ruff: noqa: E501  (user-facing messages stay on one line so they can be grepped)

from __future__ import annotations

import datetime as dt
from typing import Any

from llmgw_migrate.config.catalog import Catalog, CatalogModel
from llmgw_migrate.config.read import Deployment, env_ref
from llmgw_migrate.config.resolve.catalog_lookup import CatalogLookup
from llmgw_migrate.config.resolve.custom_providers import CustomProviders
from llmgw_migrate.config.resolve.prefixes import Prefixes, deployment_mode
from llmgw_migrate.config.resolve.retirements import Retirements
from llmgw_migrate.config.resolve.rules import ProviderRule, provider_rules
from llmgw_migrate.config.resolve.target import Target
from llmgw_migrate.config.resolve.templates import describe, shell_templates
from llmgw_migrate.config.resolve.urls import (
    display_url,
    host_matches,
    host_of,
    is_vertex_host,
    vertex_openai_endpoint,
)
from llmgw_migrate.findings import Status

_DEPLOYMENT_HOSTS = ("openai", "aiohttp_openai", "azure", "azure_ai")


_BASE_FIELDS = ("api_base", "base_url")
_OPENAI_PREFIXES = ("openai", "aiohttp_openai")


class Resolver(Prefixes, CatalogLookup, CustomProviders, Retirements):
    """Resolves deployments; keeps the custom-provider names consistent across one config."""

    def __init__(
        self,
        catalog: Catalog,
        today: dt.date,
        routing: str,
        credentials: dict[str, Any] | None = None,
        custom_handlers: dict[str, str] | None = None,
        target: str = "managed",
    ) -> None:
        self.target = target
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
        self._host_rules: dict[str, ProviderRule | None] = {}

    # ---------------------------------------------------------------------------------------------
    def resolve(self, dep: Deployment) -> Target:
        t = Target(deployment=dep, status=Status.exact)
        params = self._effective_params(dep, t)
        t.mode = deployment_mode(dep)
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
        templated = self._templated(t, params)
        if templated == "model":
            return t
        clp = params.get("custom_llm_provider")
        if (
            isinstance(clp, str)
            and clp.strip() in self.rules.providers
            and model.partition("/")[0] != clp.strip()
        ):
            # LiteLLM sends the model as written to that provider: `meta-llama/Llama-3` keeps its organization
            model = f"{clp.strip()}/{model}"
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
        if templated == "base":
            for name in _BASE_FIELDS:  # an unknown server: no provider named after `${AZURE_API_BASE}`
                if shell_templates(params.get(name)):
                    params.pop(name)
            if prefix is None or prefix in _OPENAI_PREFIXES or self.rules.providers[prefix].kind == "custom":
                return t  # the template is the server: nothing is known until it is filled in
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
            if isinstance(api_base, str) and api_base.strip():
                # LiteLLM routes a model without a provider prefix by a known api_base, model name as written
                native = self._native_provider(t, model, api_base)
                if native is not None:
                    return self._mapped(t, native, model, params)
                if head is None and self._host_rule(api_base) is not None:
                    # a bare name at a provider's known API: LiteLLM sends it there as written
                    t.finding(
                        "LGM102",
                        f"`{model}` has no provider prefix; LiteLLM sends it as written to the OpenAI-compatible API at api_base, "
                        "where the catalog does not list it: treated as a custom provider",
                        loc,
                        status=Status.approximate,
                    )
                    t.approximate()
                    return self._custom(t, ProviderRule(prefix="openai", kind="custom"), model, params)
            if head is not None and isinstance(api_base, str) and api_base.strip():
                # `siliconflow/<m>` at api.siliconflow.cn names the server; `mistralai/<m>` elsewhere is an
                # organization that is part of the model name
                named = head.lower() in (host_of(api_base) or "")
                t.finding(
                    "LGM102",
                    f"`{head}` in `{model}` is not a LiteLLM provider prefix; treated as an OpenAI-compatible server at api_base"
                    + ("" if named else f", model name `{model}` as written"),
                    loc,
                    status=Status.approximate,
                )
                t.approximate()
                rule = ProviderRule(prefix=head, kind="custom", env=None)
                return self._custom(t, rule, model.split("/", 1)[1] if named else model, params)
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
            endpoint = vertex_openai_endpoint(api_base)
            if endpoint is not None:
                return self._vertex_openai(t, rest, params, endpoint)
            if not host_matches(api_base, rule.api_hosts):
                native = self._native_provider(t, rest, api_base)
                if native is not None:
                    return self._mapped(t, native, rest, params)
                ref = env_ref(api_base)
                if ref is None or self._lookup(rule, rest, dep) is None:
                    return self._custom(t, rule, rest, params)
        self._mapped(t, rule, rest, params)
        if templated == "base" and t.status != Status.unsupported:
            t.status = Status.manual  # the model is known; its resource (base URL) is not yet
        if prefix == "gemini" and isinstance(api_base, str) and is_vertex_host(api_base):
            t.finding(
                "LGM155",
                f"`{dep.model_name}` (`{dep.model}`) sends Google AI Studio requests to the Vertex AI base URL {display_url(api_base.strip())} (express mode): "
                "the gateway's google-ai-studio key calls generativelanguage.googleapis.com",
                dep.params.value_loc("api_base" if "api_base" in dep.params else "base_url"),
            )
            t.status = Status.manual
        return t

    def _templated(self, t: Target, params: dict[str, Any]) -> str | None:
        """LGM153 when the model or base URL is a `${VAR:-default}` shell template (LiteLLM reads it
        literally): "model" when the model is one (nothing more can be resolved), "base" for the base URL."""
        dep = t.deployment
        parts = []
        loc = dep.model_loc
        for field in ("model", "api_base", "base_url"):
            value = dep.model if field == "model" else params.get(field)
            found = shell_templates(value)
            if found:
                parts.append(f"litellm_params.{field} `{value}` ({describe(found)})")
                if field == "model" or len(parts) == 1:
                    loc = dep.model_loc if field == "model" else dep.params.value_loc(field)
        if not parts:
            return None
        t.finding(
            "LGM153",
            f"`{dep.model_name}` has unexpanded shell templates that LiteLLM reads literally: {'; '.join(parts)}: fill them in and rerun",
            loc,
        )
        t.status = Status.manual
        return "model" if shell_templates(dep.model) else "base"

    def _vertex_openai(
        self, t: Target, rest: str, params: dict[str, Any], endpoint: tuple[str | None, str | None]
    ) -> Target:
        """Vertex AI's OpenAI-compatible endpoint is the catalog's vertex-openai provider (Gemini: google-vertex)."""
        rule = ProviderRule(prefix="vertex_ai", kind="mapped", gateway=("vertex-openai", "google-vertex"))
        upstream = rest.removeprefix("google/")  # Gemini through the endpoint is google/<model>
        t.upstream = upstream
        self._mapped(t, rule, upstream, params)
        project, region = endpoint
        if t.key is not None:
            if project and "google_vertex_project_id" not in t.key.options:
                t.key.options["google_vertex_project_id"] = project
            if region and "google_vertex_region" not in t.key.options:
                t.key.options["google_vertex_region"] = region
        return t

    def _native_provider(self, t: Target, rest: str, api_base: str) -> ProviderRule | None:
        """`openai/<m>` pointed at a catalog provider's own OpenAI-compatible API (api.z.ai, dashscope,
        api.groq.com, ...) is that provider when the catalog has `<m>` there: same upstream, same key."""
        rule = self._host_rule(api_base)
        if rule is None or self._lookup(rule, rest, t.deployment) is None:
            return None
        t.finding(
            "LGM181",
            f"`{t.deployment.model_name}`: api_base {display_url(api_base.strip())} is {rule.gateway[0]}'s own API, "
            f"so `{t.deployment.model}` is served by the gateway's {rule.gateway[0]} provider, not a custom provider",
            t.deployment.params.value_loc("api_base" if "api_base" in t.deployment.params else "base_url"),
        )
        return rule

    def _host_rule(self, api_base: str) -> ProviderRule | None:
        host = host_of(api_base)
        if host is None:
            return None
        if host not in self._host_rules:
            self._host_rules[host] = next(
                (
                    r
                    for r in self.rules.providers.values()
                    # Azure hosts name deployments, not models: they keep their own handling
                    if r.kind == "mapped"
                    and r.api_hosts
                    and r.prefix not in _DEPLOYMENT_HOSTS
                    and host_matches(api_base, r.api_hosts)
                ),
                None,
            )
        return self._host_rules[host]

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
        base_ignored = False
        if rule.prefix == "azure":
            lookup = base_model or rest
            found = self._lookup(rule, lookup, dep)
            if found is None and base_model and self.catalog.resolve(None, base_model) is None:
                # base_model is LiteLLM's cost hint, here no catalog model at all: a deployment named
                # exactly like a catalog model azure serves is that model
                found = self._lookup(rule, rest, dep)
                base_ignored = found is not None
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
            elsewhere = self.any_spelling(wanted)
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
        if base_ignored:
            t.finding(
                "LGM180",
                f"model_info.base_model `{base_model}` of `{dep.model_name}` is no catalog model; "
                f"azure deployment `{rest}` is catalog model `{model.id}`, which the plan uses",
                dep.entry.value_loc("model_info") if "model_info" in dep.entry else dep.model_loc,
            )
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
