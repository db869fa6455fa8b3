"""Model id -> ordered provider attempts, the way the hosted gateway reads ids.

- bare catalog id (`gpt-4o`): every live mapping whose provider has a key, in the configured provider
  order (then catalog order); up to `max_retries` other providers after 5xx/timeouts/connection errors,
  unless `X-No-Fallback: true`;
- `provider/<catalog-id>` pinned (no cross-provider retry); if that mapping is deactivated but others
  remain, or the provider's uptime is under 90% (gateway/uptime.py) and the request does not send
  `X-No-Fallback: true`, the pin is dropped; providers under 90% come last in smart routing;
- `<custom>/<model>` a custom provider from the plan; any other prefix: "Provider '<p>' not found.";
- plan aliases are NOT resolved: the gateway does not resolve them either.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from llmgw_migrate.config.catalog import Catalog, CatalogModel, ProviderMapping
from llmgw_migrate.gateway.errors import GatewayError, bad_request
from llmgw_migrate.gateway.keys import KeyRing, ProviderAccess, base_url_vars
from llmgw_migrate.gateway.providers import adapter_for, supported_providers


@dataclass(frozen=True)
class Attempt:
    provider: str
    model_id: str
    upstream_model: str
    access: ProviderAccess
    mapping: ProviderMapping | None = None
    custom: bool = False

    @property
    def response_model(self) -> str:
        return f"{self.provider}/{self.model_id}"


@dataclass
class Route:
    requested_model: str
    requested_provider: str | None
    model_id: str
    pinned: bool
    attempts: list[Attempt] = field(default_factory=list)
    model: CatalogModel | None = None


_CACHE_SIZE = 4096


@dataclass
class Router:
    catalog: Catalog
    keys: KeyRing
    provider_order: tuple[str, ...] = ()
    max_retries: int = 2
    # custom provider name -> the modes (chat, embedding, ...) the plan's models of it have; a provider
    # the plan gives only chat models does not serve embeddings. Absent: unknown, everything is tried.
    custom_modes: dict[str, frozenset[str]] = field(default_factory=dict)
    # (model, kind, date, no_fallback, providers down) -> Route or the GatewayError it raised. Routing
    # depends on nothing else (keys and catalog are fixed for the server's life), and this is on every
    # request's path.
    _memo: dict[tuple[str, str, dt.date, bool, frozenset[str]], Route | GatewayError] = field(
        default_factory=dict, repr=False
    )

    def resolve(
        self,
        requested: object,
        *,
        kind: str,
        today: dt.date,
        no_fallback: bool = False,
        down: frozenset[str] = frozenset(),
    ) -> Route:
        """`down`: providers whose uptime is under the threshold now."""
        if not isinstance(requested, str):
            return self._resolve(requested, kind=kind, today=today, no_fallback=no_fallback, down=down)
        key = (requested, kind, today, no_fallback, down)
        hit = self._memo.get(key)
        if hit is None:
            try:
                hit = self._resolve(requested, kind=kind, today=today, no_fallback=no_fallback, down=down)
            except GatewayError as exc:
                hit = exc
            if len(self._memo) >= _CACHE_SIZE:
                self._memo.clear()
            self._memo[key] = hit
        if isinstance(hit, GatewayError):
            raise GatewayError(
                hit.status,
                hit.message,
                type=hit.type,
                code=hit.code,
                param=hit.param,
                headers=dict(hit.headers),
            )
        # A copy: the forwarder trims `attempts` as they fail.
        return Route(
            hit.requested_model,
            hit.requested_provider,
            hit.model_id,
            hit.pinned,
            list(hit.attempts),
            hit.model,
        )

    def _order(self, mappings: list[ProviderMapping], down: frozenset[str]) -> list[ProviderMapping]:
        rank = {p: i for i, p in enumerate(self.provider_order)}
        indexed = list(enumerate(mappings))
        indexed.sort(key=lambda im: (im[1].provider in down, rank.get(im[1].provider, len(rank)), im[0]))
        return [m for _, m in indexed]

    def _find_model(self, name: str) -> CatalogModel | None:
        model = self.catalog.get(name)
        if model is None and ":" in name:
            # Region suffix (`claude-3-7-sonnet:eu`): the embedded gateway ignores the region.
            model = self.catalog.get(name.rsplit(":", 1)[0])
        return model

    def _resolve(
        self,
        requested: object,
        *,
        kind: str,
        today: dt.date,
        no_fallback: bool = False,
        down: frozenset[str] = frozenset(),
    ) -> Route:
        if not isinstance(requested, str) or not requested.strip():
            raise bad_request("model is required", param="model")
        model_name = requested.strip()
        if model_name == "auto":
            raise bad_request(
                "Model 'auto' (automatic model selection) is not supported by the embedded gateway: "
                "name a model",
                code="unsupported_model",
                param="model",
            )
        pinned_provider: str | None = None
        name = model_name
        if model_name == "custom" or model_name.startswith("custom/"):
            first = "Provider 'custom' not found." if "/" in model_name else "Model 'custom' names no model."
            known = f" (this server has: {', '.join(sorted(self.keys.custom))})" if self.keys.custom else ""
            raise bad_request(
                f"{first} Custom providers are called by their own name, as '<provider-name>/<model>' "
                f"with the name given in the plan{known}",
                code="model_not_supported",
                param="model",
            )
        if "/" in model_name:
            prefix, rest = model_name.split("/", 1)
            if prefix in self.keys.custom:
                return self._custom_route(model_name, prefix, rest, kind)
            if prefix not in self.catalog.providers:
                raise bad_request(f"Provider '{prefix}' not found.", param="model")
            pinned_provider, name = prefix, rest
        model = self._find_model(name)
        if model is None:
            raise bad_request(
                f"Requested model {model_name} not supported", code="model_not_supported", param="model"
            )
        if kind == "embeddings" and not model.is_embedding:
            raise bad_request(
                f"Model {model_name} is not an embedding model: use /v1/chat/completions",
                code="model_not_supported",
                param="model",
            )
        live = model.live_mappings(today)
        if model.providers and not live:
            raise GatewayError(
                410,
                f"Model {model_name} has been deactivated and is no longer available",
                code="model_deactivated",
            )
        route = Route(model_name, pinned_provider, model.id, pinned=pinned_provider is not None, model=model)
        if pinned_provider is not None:
            mapping = model.mapping(pinned_provider)
            if mapping is None:
                raise bad_request(
                    f"Provider {pinned_provider} does not support model {model.id}",
                    code="model_not_supported",
                    param="model",
                )
            if mapping.deactivated(today):
                route.pinned = False  # the pin is dropped; the remaining providers serve it
            elif pinned_provider in down and not no_fallback:
                route.pinned = False  # rerouted for its uptime: the others first, the pin last
            else:
                live = [mapping]
        candidates = self._order(live, down)
        usable: list[Attempt] = []
        unsupported: list[str] = []
        keyless: list[str] = []
        no_url: list[str] = []
        for mapping in candidates:
            access = self.keys.get(mapping.provider)
            if access is None:
                continue
            if adapter_for(mapping.provider, kind) is None:
                unsupported.append(mapping.provider)
                continue
            if not access.has_key:
                keyless.append(mapping.provider)
                continue
            if not access.base_url and mapping.provider != "azure":  # azure builds it from the resource
                no_url.append(mapping.provider)
                continue
            usable.append(
                Attempt(
                    provider=mapping.provider,
                    model_id=model.id,
                    upstream_model=mapping.external_id,
                    access=access,
                    mapping=mapping,
                )
            )
        if not usable:
            if no_url and not keyless:
                info = self.catalog.provider(no_url[0])
                names = base_url_vars(info) if info is not None else []
                raise bad_request(
                    f"Provider {no_url[0]} has no base URL: set {names[0] if names else 'its base URL'}",
                    code="provider_not_configured",
                )
            raise self._no_provider(model_name, kind, unsupported, keyless)
        limit = 1 if (route.pinned or no_fallback) else 1 + self.max_retries
        route.attempts = usable[:limit]
        return route

    def _custom_route(self, requested: str, name: str, model: str, kind: str) -> Route:
        access = self.keys.custom[name]
        if not model:
            raise bad_request(
                f"Requested model {requested} not supported", code="model_not_supported", param="model"
            )
        modes = self.custom_modes.get(name)
        if kind == "embeddings" and modes and "embedding" not in modes:
            raise bad_request(
                f"Custom provider '{name}' serves only {', '.join(sorted(modes))} models in the plan, "
                "not embeddings",
                code="model_not_supported",
                param="model",
            )
        if not access.base_url:
            raise bad_request(
                f"Custom provider '{name}' has no base URL: set it in the plan or in {_custom_env(name)}",
                code="provider_not_configured",
            )
        attempt = Attempt(provider=name, model_id=model, upstream_model=model, access=access, custom=True)
        return Route(requested, name, model, pinned=True, attempts=[attempt])

    def _no_provider(self, model: str, kind: str, unsupported: list[str], keyless: list[str]) -> GatewayError:
        if keyless:
            names = []
            for p in keyless:
                info = self.catalog.provider(p)
                if info is not None and info.env_var:
                    names.append(info.env_var)
            return bad_request(
                f"No provider key is configured for model {model}: set "
                + (" or ".join(dict.fromkeys(names)) or "a provider key"),
                code="provider_key_missing",
            )
        if unsupported:
            what = "embeddings" if kind == "embeddings" else "chat completions"
            return bad_request(
                f"Provider {', '.join(dict.fromkeys(unsupported))} is not supported by the embedded "
                f"gateway for {what} (supported: {', '.join(supported_providers(kind))}); check this model "
                "on the hosted gateway",
                code="unsupported_provider",
            )
        return bad_request(
            f"Requested model {model} not supported", code="model_not_supported", param="model"
        )


def _custom_env(name: str) -> str:
    return "LLM_" + name.upper().replace("-", "_") + "_BASE_URL"
