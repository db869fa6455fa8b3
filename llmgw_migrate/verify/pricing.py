"""Price replayed requests from the gateway catalog (USD per token, decimal strings), for --max-cost.

A request is priced with the catalog mapping of the model it reaches: the after side's `provider/id` (or
the bare id's first live mapping), the before side through the plan's catalog id and provider for the
client-facing name. Models the catalog does not price (custom providers) cost None: reported, not guessed.
Under --max-cost such a model needs a price from `--price MODEL=IN,OUT` (USD per million input and output
tokens), or counts against --max-requests only (`budget_notice`); a zero budget sends nothing.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

from llmgw_migrate.config.catalog import Catalog, ProviderMapping
from llmgw_migrate.config.plan import Plan
from llmgw_migrate.errors import UserError
from llmgw_migrate.verify.suite import Case

DEFAULT_OUTPUT_TOKENS = 512  # assumed answer length when a request sets no max_tokens
PER_MILLION = Decimal(1_000_000)

Price = tuple[Decimal, Decimal]  # USD per input token, per output token


def parse_prices(values: list[str]) -> dict[str, Price]:
    """`--price MODEL=IN,OUT` values (USD per million tokens) -> model -> per-token prices."""
    out: dict[str, Price] = {}
    for value in values:
        model, sep, rest = value.partition("=")
        parts = rest.split(",")
        try:
            prices = tuple(Decimal(p.strip().lstrip("$")) for p in parts) if sep else ()
        except InvalidOperation:
            prices = ()
        if not model.strip() or len(prices) != 2 or not all(p.is_finite() and p >= 0 for p in prices):
            raise UserError(
                f"--price: {value!r} must be MODEL=IN,OUT (USD per million input and output tokens)"
            )
        out[model.strip()] = (prices[0] / PER_MILLION, prices[1] / PER_MILLION)
    return out


def _dec(value: str | None) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(value)
    except InvalidOperation:
        return None


class CatalogPricer:
    def __init__(self, catalog: Catalog, plan: Plan | None, prices: dict[str, Price] | None = None) -> None:
        self.catalog = catalog
        self.by_name = {m.name: m for m in plan.models} if plan else {}
        self.prices = prices or {}  # --price, by client-facing name or gateway model id
        self._cache: dict[tuple[str, str | None], ProviderMapping | None] = {}

    def _given(self, case: Case) -> Price | None:
        for name in (case.model, case.after_model):
            if name and name in self.prices:
                return self.prices[name]
        return None

    def unpriced(self, case: Case) -> bool:
        """Whether one side of the case has neither a catalog price nor a --price."""
        if self._given(case) is not None:
            return False
        for side in ("before", "after"):
            mapping = self.mapping_for(case, side)
            if mapping is None or (mapping.input_price is None and mapping.output_price is None):
                return True
        return False

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
        given = self._given(case)
        mapping = None if given is not None else self.mapping_for(case, side)
        if mapping is None and given is None:
            return None
        if not isinstance(usage, dict):
            # No usage block (a LiteLLM stream without include_usage): price the request's estimate.
            usage = self._estimated_usage(case)
        inp: Decimal | None
        out: Decimal | None
        if given is not None:
            inp, out = given
        else:
            assert mapping is not None
            inp, out = _dec(mapping.input_price), _dec(mapping.output_price)
        if inp is None and out is None:
            return None
        prompt = usage.get("prompt_tokens") or 0
        completion = usage.get("completion_tokens") or 0
        if not isinstance(prompt, int) or not isinstance(completion, int):
            return None
        total = (inp or Decimal(0)) * prompt + (out or Decimal(0)) * completion
        return total + ((_dec(mapping.request_price) if mapping else None) or Decimal(0))

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


def budget_notice(
    pricer: CatalogPricer, cases: list[Case], max_cost: Decimal | None, max_requests: int | None
) -> str | None:
    """Before anything is sent: the warning about unpriced models under --max-cost (they count against
    --max-requests only), or a UserError when nothing else bounds them. None when all is priced."""
    if max_cost is None or max_cost == 0:  # no cost budget, or one that sends nothing at all
        return None
    models = sorted({c.model or c.after_model or "?" for c in cases if pricer.unpriced(c)})
    if not models:
        return None
    shown = ", ".join(models[:8]) + (f" and {len(models) - 8} more" if len(models) > 8 else "")
    if max_requests is None:
        raise UserError(
            f"--max-cost: no price for {shown}: give --price MODEL=IN,OUT (USD per million tokens) "
            "or --max-requests to bound them by count"
        )
    return f"warning: no price for {shown}: under --max-cost they count against --max-requests only"
