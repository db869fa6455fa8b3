"""`GET /v1/models`: the catalog's models in the hosted gateway's shape (`{"data": [...]}`).

Like the hosted gateway, the whole catalog is listed. `available=true` lists only what this instance can
serve: catalog mappings whose provider has a key and an adapter here, and the plan's custom-provider
models (`<name>/<model>`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from llmgw_migrate.config.catalog import Catalog, CatalogModel, ProviderMapping
from llmgw_migrate.config.plan import Plan
from llmgw_migrate.gateway.keys import KeyRing
from llmgw_migrate.gateway.providers import adapter_for


def _epoch(date: str | None) -> int:
    if not date:
        return 0
    try:
        return int(dt.datetime.fromisoformat(date[:10]).replace(tzinfo=dt.timezone.utc).timestamp())
    except ValueError:
        return 0


def _pricing(m: ProviderMapping) -> dict[str, str]:
    out = {"prompt": m.input_price or "0", "completion": m.output_price or "0"}
    if m.cached_input_price:
        out["input_cache_read"] = m.cached_input_price
    if m.request_price:
        out["request"] = m.request_price
    return out


def _provider_entry(m: ProviderMapping) -> dict[str, Any]:
    return {
        "providerId": m.provider,
        "externalId": m.external_id,
        "pricing": _pricing(m),
        "streaming": bool(m.streaming),
        "vision": bool(m.vision),
        "tools": bool(m.tools),
        "parallelToolCalls": bool(m.parallel_tool_calls),
        "reasoning": bool(m.reasoning),
        "context_length": m.context_size,
        "max_output": m.max_output,
        "deprecated_at": m.deprecated_at,
        "deactivated_at": m.deactivated_at,
    }


def _entry(model: CatalogModel, mappings: list[ProviderMapping], model_id: str) -> dict[str, Any]:
    cheapest = min(mappings, key=lambda m: float(m.input_price or 0))
    inputs = ["text", "image"] if any(m.vision for m in mappings) else ["text"]
    supported = [
        "temperature",
        "top_p",
        "max_tokens",
        "frequency_penalty",
        "presence_penalty",
        "response_format",
    ]
    if any(m.tools for m in mappings):
        supported += ["tools", "tool_choice"]
    return {
        "id": model_id,
        "name": model.name,
        "family": model.family,
        "aliases": list(model.aliases),
        "created": _epoch(model.released_at),
        "architecture": {"input_modalities": inputs, "output_modalities": list(model.output or ("text",))},
        "providers": [_provider_entry(m) for m in mappings],
        "pricing": _pricing(cheapest),
        "context_length": max((m.context_size or 0) for m in mappings) or None,
        "supported_parameters": supported,
        "json_output": any(m.json_output for m in mappings),
        "structured_outputs": any(m.json_output for m in mappings),
        "free": all(float(m.input_price or 0) == 0 and float(m.output_price or 0) == 0 for m in mappings),
        "deprecated_at": model.deprecated_at,
        "deactivated_at": model.deactivated_at,
    }


def _custom_entry(name: str, provider: str, upstream: str, mode: str) -> dict[str, Any]:
    embedding = mode == "embedding"
    return {
        "id": name,
        "name": name,
        "family": "custom",
        "aliases": [],
        "created": 0,
        "architecture": {
            "input_modalities": ["text"],
            "output_modalities": ["embedding" if embedding else "text"],
        },
        "providers": [
            {
                "providerId": provider,
                "externalId": upstream,
                "pricing": {"prompt": "0", "completion": "0"},
                "streaming": not embedding,
                "vision": False,
                "tools": False,
                "parallelToolCalls": False,
                "reasoning": False,
                "context_length": None,
                "max_output": None,
                "deprecated_at": None,
                "deactivated_at": None,
            }
        ],
        "pricing": {"prompt": "0", "completion": "0"},
        "context_length": None,
        "supported_parameters": [],
        "json_output": False,
        "structured_outputs": False,
        "free": False,
        "deprecated_at": None,
        "deactivated_at": None,
    }


def _custom_models(plan: Plan | None, keys: KeyRing) -> list[dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for m in plan.models if plan is not None else []:
        if not (m.custom and m.provider and m.gateway_model) or m.provider not in keys.custom:
            continue
        if not keys.custom[m.provider].base_url:
            continue
        upstream = m.upstream_model or m.gateway_model.split("/", 1)[-1]
        out.setdefault(m.gateway_model, _custom_entry(m.gateway_model, m.provider, upstream, m.mode))
    return list(out.values())


def list_models(
    catalog: Catalog,
    keys: KeyRing,
    today: dt.date,
    *,
    include_deactivated: bool = False,
    exclude_deprecated: bool = False,
    mapped: bool = False,
    available: bool = False,
    plan: Plan | None = None,
) -> dict[str, Any]:
    """The model list; `available` keeps only what this instance can serve (see the module doc)."""
    data: list[dict[str, Any]] = []
    for model in catalog.models.values():
        usable = []
        for m in model.providers:
            if m.provider == "custom":
                continue
            if available:
                access = keys.get(m.provider)
                if access is None or not access.has_key or adapter_for(m.provider) is None:
                    continue
            if not include_deactivated and m.deactivated(today):
                continue
            if exclude_deprecated and m.deprecated(today):
                continue
            usable.append(m)
        if not usable:
            continue
        if mapped:
            data.extend(_entry(model, [m], f"{m.provider}/{model.id}") for m in usable)
        else:
            data.append(_entry(model, usable, model.id))
    if available:
        data.extend(_custom_models(plan, keys))
    return {"data": data}
