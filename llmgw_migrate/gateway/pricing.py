"""usage.cost from the catalog's per-token prices (decimal strings), computed in Decimal."""

from __future__ import annotations

import functools
from decimal import Decimal, InvalidOperation
from typing import Any

from llmgw_migrate.config.catalog import ProviderMapping

_ZERO = Decimal(0)


@functools.lru_cache(maxsize=4096)
def _price(value: str | None) -> Decimal:
    if not value:
        return _ZERO
    try:
        return Decimal(value)
    except InvalidOperation:
        return _ZERO


def _int(value: Any) -> int:
    return value if isinstance(value, int) and value > 0 else 0


def costs(usage: dict[str, Any], mapping: ProviderMapping | None) -> dict[str, float]:
    """cost_details for an OpenAI-shaped usage object (cached prompt tokens at the cached price)."""
    if mapping is None:
        return {
            "input_cost": 0.0,
            "output_cost": 0.0,
            "cached_input_cost": 0.0,
            "request_cost": 0.0,
            "total_cost": 0.0,
        }
    prompt = _int(usage.get("prompt_tokens"))
    completion = _int(usage.get("completion_tokens"))
    details = usage.get("prompt_tokens_details") or {}
    cached = min(_int(details.get("cached_tokens")) if isinstance(details, dict) else 0, prompt)
    input_price = _price(mapping.input_price)
    cached_price = _price(mapping.cached_input_price) if mapping.cached_input_price else input_price
    input_cost = input_price * (prompt - cached)
    cached_cost = cached_price * cached
    output_cost = _price(mapping.output_price) * completion
    request_cost = _price(mapping.request_price)
    total = input_cost + cached_cost + output_cost + request_cost
    return {
        "input_cost": float(input_cost),
        "output_cost": float(output_cost),
        "cached_input_cost": float(cached_cost),
        "request_cost": float(request_cost),
        "total_cost": float(total),
    }


def add_cost(
    usage: dict[str, Any], mapping: ProviderMapping | None, *, cached: bool = False
) -> dict[str, Any]:
    """Set usage.cost and usage.cost_details in place (zero for cache replays) and return usage."""
    details = costs(usage, None if cached else mapping)
    usage["cost"] = details["total_cost"]
    usage["cost_details"] = details
    return usage
