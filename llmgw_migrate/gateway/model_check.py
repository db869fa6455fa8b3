"""`gateway --check`: every plan model, the provider that would serve it, or why it cannot be served.

The router the server uses answers the question, so the check and the server never disagree: a
deactivated model (410), a provider without a key, a provider the embedded gateway has no adapter for.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from llmgw_migrate.config.catalog import Catalog
from llmgw_migrate.config.plan import Plan
from llmgw_migrate.findings import Finding, make
from llmgw_migrate.gateway.keys import KeyRing


@dataclass
class ModelLine:
    name: str  # client-facing name
    gateway_model: str
    provider: str | None  # who would serve it; None when nobody can
    problem: str | None = None  # why it cannot be served (status and the gateway's message)


def check_models(
    catalog: Catalog, keys: KeyRing, plan: Plan, today: dt.date | None = None
) -> list[ModelLine]:
    from llmgw_migrate.gateway.app import _custom_modes
    from llmgw_migrate.gateway.errors import GatewayError
    from llmgw_migrate.gateway.routing import Router

    router = Router(catalog, keys, custom_modes=_custom_modes(plan))
    day = today or dt.date.today()
    out: list[ModelLine] = []
    for m in plan.models:
        if not m.gateway_model or "*" in m.name:
            continue  # no mapping (the plan's own finding says why), or a wildcard route
        kind = "embeddings" if m.mode == "embedding" else "chat"
        try:
            route = router.resolve(m.gateway_model, kind=kind, today=day)
        except GatewayError as exc:
            why = exc.message.split(" (supported:")[0]  # the list of adapters is for the server's log
            out.append(ModelLine(m.name, m.gateway_model, None, f"{exc.status} {why}"))
            continue
        provider = route.attempts[0].provider if route.attempts else None
        out.append(ModelLine(m.name, m.gateway_model, provider, None if provider else "no provider"))
    return out


def lines(models: list[ModelLine]) -> list[str]:
    out = []
    for m in models:
        served = f"served by {m.provider}" if m.provider else f"CANNOT BE SERVED: {m.problem}"
        out.append(f"  model {m.name} -> {m.gateway_model}: {served}")
    return out


def findings(models: list[ModelLine], source: str | None) -> list[Finding]:
    return [
        make("LGM420", f"model '{m.name}' ({m.gateway_model}) cannot be served: {m.problem}", file=source)
        for m in models
        if m.provider is None
    ]
