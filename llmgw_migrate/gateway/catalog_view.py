"""`GET /v1/models`: the catalog models this server can serve (a key is set), in the gateway's shape."""

from __future__ import annotations

import datetime as dt
from typing import Any

from llmgw_migrate.config.catalog import Catalog, CatalogModel, ProviderMapping
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


def list_models(
    catalog: Catalog,
    keys: KeyRing,
    today: dt.date,
    *,
    include_deactivated: bool = False,
    exclude_deprecated: bool = False,
    mapped: bool = False,
) -> dict[str, Any]:
    data: list[dict[str, Any]] = []
    for model in catalog.models.values():
        usable = []
        for m in model.providers:
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
    return {"object": "list", "data": data}
