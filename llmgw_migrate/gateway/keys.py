"""Provider keys and upstream base URLs, read once from the environment and the plan.

Sources, in order: the self-hosted gateway's variables (`LLM_<PROVIDER>_API_KEY`, a comma list rotates;
exact names from the catalog's `env_var`), then the plan's env references (`provider_keys[].env_var`).
Base URLs: `LLM_<PROVIDER>_BASE_URL`, then the plan's `base_url`, then the catalog default. Key values
live only here and in upstream request headers: nothing else may read or print them.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from llmgw_migrate.config.catalog import Catalog, ProviderInfo
from llmgw_migrate.config.plan import Plan

ENV_REF = "os.environ/"


def _split_keys(raw: str | None) -> list[str]:
    return [k.strip() for k in (raw or "").split(",") if k.strip()]


def resolve_ref(value: str | None, env: Mapping[str, str]) -> str | None:
    """`os.environ/VAR` -> the variable's value (None when unset); other values unchanged."""
    if value is None:
        return None
    value = value.strip()
    if value.startswith(ENV_REF):
        return env.get(value[len(ENV_REF) :].strip()) or None
    return value or None


def _env_name(provider_id: str, suffix: str) -> str:
    return "LLM_" + re.sub(r"[^A-Za-z0-9]+", "_", provider_id).upper() + "_" + suffix


@dataclass
class ProviderAccess:
    """Everything needed to call one provider: keys (rotated), base URL and options."""

    provider: str
    custom: bool = False
    keys: list[str] = field(default_factory=list, repr=False)
    key_sources: list[str] = field(default_factory=list)
    base_url: str | None = None
    base_url_source: str | None = None
    options: dict[str, str] = field(default_factory=dict, repr=False)
    _turn: itertools.count = field(default_factory=itertools.count, repr=False)

    def __repr__(self) -> str:  # never show key values
        return f"ProviderAccess({self.provider!r}, keys={len(self.keys)}, base_url={self.base_url!r})"

    @property
    def has_key(self) -> bool:
        return bool(self.keys)

    def next_key(self) -> str | None:
        if not self.keys:
            return None
        return self.keys[next(self._turn) % len(self.keys)]

    def add_keys(self, keys: list[str], source: str) -> None:
        added = [k for k in keys if k not in self.keys]
        if added:
            self.keys.extend(added)
            self.key_sources.append(source)


class KeyRing:
    """Provider id (or custom provider name) -> ProviderAccess."""

    def __init__(self) -> None:
        self.providers: dict[str, ProviderAccess] = {}
        self.custom: dict[str, ProviderAccess] = {}

    def get(self, provider: str) -> ProviderAccess | None:
        return self.providers.get(provider)

    def secrets(self) -> list[str]:
        """Every key value, so error messages from upstreams can be scrubbed of them."""
        out = []
        for access in [*self.providers.values(), *self.custom.values()]:
            out.extend(access.keys)
        return out

    @classmethod
    def build(cls, catalog: Catalog, plan: Plan | None, env: Mapping[str, str]) -> KeyRing:
        ring = cls()
        for info in catalog.providers.values():
            if info.id == "custom":
                continue
            access = ProviderAccess(provider=info.id)
            if info.env_var:
                access.add_keys(_split_keys(env.get(info.env_var)), info.env_var)
            for name in base_url_vars(info):
                if env.get(name):
                    access.base_url, access.base_url_source = env[name].strip(), name
                    break
            for opt_name, var in info.env_optional.items():
                if opt_name not in ("baseUrl",) and env.get(var):
                    access.options[_OPTION_NAMES.get(opt_name, opt_name)] = env[var].strip()
            ring.providers[info.id] = access
        if plan is not None:
            ring._add_plan(plan, env)
        for access in ring.providers.values():
            if access.base_url is None:
                known = catalog.providers.get(access.provider)
                if known is not None and known.default_base_url:
                    access.base_url, access.base_url_source = known.default_base_url, "catalog"
        return ring

    def _custom(self, name: str, env: Mapping[str, str]) -> ProviderAccess:
        """The custom provider `name`, with its LLM_<NAME>_API_KEY / LLM_<NAME>_BASE_URL variables."""
        access = self.custom.get(name)
        if access is None:
            access = self.custom[name] = ProviderAccess(provider=name, custom=True)
            env_key = _env_name(name, "API_KEY")
            access.add_keys(_split_keys(env.get(env_key)), env_key)
            override = _env_name(name, "BASE_URL")
            if env.get(override):
                access.base_url, access.base_url_source = env[override].strip(), override
        return access

    def _add_plan(self, plan: Plan, env: Mapping[str, str]) -> None:
        for pk in plan.provider_keys:
            if pk.provider == "custom" or pk.provider not in self.providers:
                access = self._custom(pk.name or pk.provider, env)
            else:
                access = self.providers[pk.provider]
            if access.base_url is None and pk.base_url:
                access.base_url = resolve_ref(pk.base_url, env)
                access.base_url_source = "plan"
            for var in (pk.gateway_env_var, pk.env_var):
                if var:
                    access.add_keys(_split_keys(env.get(var)), var)
            for opt, value in pk.options.items():
                resolved = resolve_ref(value, env)
                if resolved and opt not in access.options:
                    access.options[opt] = resolved
        for m in plan.models:
            if m.custom and m.provider:
                self._custom(m.provider, env)


# catalog env_optional names -> the plan's provider-key option names
_OPTION_NAMES = {
    "resource": "azure_resource",
    "apiVersion": "azure_api_version",
    "deploymentType": "azure_deployment_type",
    "region": "region",
    "project": "project",
}


def base_url_vars(info: ProviderInfo) -> list[str]:
    """Env var names that override a provider's upstream base URL, most specific first."""
    names = []
    if info.env_optional.get("baseUrl"):
        names.append(info.env_optional["baseUrl"])
    if info.env_var and info.env_var.endswith("_API_KEY"):
        names.append(info.env_var[: -len("_API_KEY")] + "_BASE_URL")
    names.append(_env_name(info.id, "BASE_URL"))
    return list(dict.fromkeys(names))
