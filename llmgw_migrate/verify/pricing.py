"""Price replayed requests from the gateway catalog (USD per token, decimal strings), for --max-cost.

A request is priced with the catalog mapping of the model it reaches: the after side's `provider/id` (or
the bare id's first live mapping), the before side through the plan's catalog id and provider for the
client-facing name. Models the catalog does not price (custom providers) cost None: reported, not guessed.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

from llmgw_migrate.config.catalog import Catalog, ProviderMapping
from llmgw_migrate.config.plan import Plan
from llmgw_migrate.verify.suite import Case

DEFAULT_OUTPUT_TOKENS = 512  # assumed answer length when a request sets no max_tokens


def _dec(value: str | None) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(value)
    except InvalidOperation:
        return None


class CatalogPricer:
    def __init__(self, catalog: Catalog, plan: Plan | None) -> None:
        self.catalog = catalog
        self.by_name = {m.name: m for m in plan.models} if plan else {}
        self._cache: dict[tuple[str, str | None], ProviderMapping | None] = {}

    def _mapping(self, model: str | None, provider: str | None = None) -> ProviderMapping | None:
        if not model:
            return None
        key = (model, provider)
        if key in self._cache:
            return self._cache[key]
        found: ProviderMapping | None = None
        prov, sep, rest = model.partition("/")
        cat = self.catalog.get(rest) if sep else None
        if cat is not None:
            found = cat.mapping(provider or prov)
        else:
            cat = self.catalog.get(model)
            if cat is not None:
                found = cat.mapping(provider) if provider else None
                found = found or next((p for p in cat.providers if p.input_price is not None), None)
        self._cache[key] = found
        return found

    def mapping_for(self, case: Case, side: str) -> ProviderMapping | None:
        if side == "before":
            m = self.by_name.get(case.model or "")
            if m is not None and m.catalog_id:
                return self._mapping(m.catalog_id, m.provider)
            return self._mapping(case.after_model)
        return self._mapping(case.after_model)

    def price(self, case: Case, side: str, usage: Any) -> Decimal | None:
        """Cost of one answer from its usage block; None when unpriced or without usage."""
        mapping = self.mapping_for(case, side)
        if mapping is None:
            return None
        if not isinstance(usage, dict):
            # No usage block (a LiteLLM stream without include_usage): price the request's estimate.
            usage = self._estimated_usage(case)
        inp, out = _dec(mapping.input_price), _dec(mapping.output_price)
        if inp is None and out is None:
            return None
        prompt = usage.get("prompt_tokens") or 0
        completion = usage.get("completion_tokens") or 0
        if not isinstance(prompt, int) or not isinstance(completion, int):
            return None
        total = (inp or Decimal(0)) * prompt + (out or Decimal(0)) * completion
        return total + (_dec(mapping.request_price) or Decimal(0))

    @staticmethod
    def _estimated_usage(case: Case) -> dict[str, int]:
        prompt = len(json.dumps(case.body.get("messages") or case.body.get("input") or "")) // 3 + 8
        out_tokens = case.body.get("max_tokens") or case.body.get("max_completion_tokens")
        completion = 0 if case.endpoint.endswith("embeddings") else int(out_tokens or DEFAULT_OUTPUT_TOKENS)
        return {"prompt_tokens": prompt, "completion_tokens": completion}

    def estimate(self, case: Case, noise_samples: int = 0) -> Decimal:
        """Upper-end cost of one case on both sides (and its noise samples), before it is sent."""
        usage = self._estimated_usage(case)
        before = self.price(case, "before", usage) or Decimal(0)
        after = self.price(case, "after", usage) or Decimal(0)
        return before * (1 + noise_samples) + after
