"""Retirements: deprecation and deactivation dates of a catalog model or mapping, and successors."""

# ruff: noqa: E501  (user-facing messages stay on one line so they can be grepped)

from __future__ import annotations

import datetime as dt

from llmgw_migrate.config.catalog import CatalogModel
from llmgw_migrate.config.resolve.state import ResolverState
from llmgw_migrate.config.resolve.target import KeySpec, Target
from llmgw_migrate.findings import Status


class Retirements(ResolverState):
    def successor(self, model: CatalogModel, provider: str | None) -> str | None:
        key = (model.id, provider)
        if key not in self._successors:
            self._successors[key] = self.catalog.successor(model, self.today, provider)
        return self._successors[key]

    def _dates(self, t: Target, model: CatalogModel, gp: str) -> None:
        dep = t.deployment
        mapping = model.mapping(gp)
        loc = dep.model_loc
        today = self.today
        if model.deactivated(today) or (model.deactivated_at and on_or_before(model.deactivated_at, today)):
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
            live = model.live_mappings(today)
            serving = live[0] if live else None  # the gateway's first choice (catalog order), as it routes
            t.finding(
                "LGM144",
                f"the {gp} mapping of `{model.id}` was deactivated on {mapping.deactivated_at and mapping.deactivated_at[:10]}; "
                f"the gateway drops the pin and serves it from: {', '.join(p.provider for p in live)}"
                + (f"; add the {serving.provider} provider key (the plan lists it)" if serving else ""),
                loc,
            )
            t.gateway_model = model.id
            t.status = Status.manual
            if serving is None:
                t.unservable = True
            else:
                # The provider shown is the one that will serve, and the key it needs is listed; the
                # config held none for it (LiteLLM reached the model through the deactivated mapping).
                t.provider = serving.provider
                t.mapping = serving
                t.key = KeySpec(provider=serving.provider)
            if model.deactivated_at:
                succ = self.successor(model, serving.provider if serving else None) or self.successor(
                    model, None
                )
                t.finding(
                    "LGM145",
                    f"`{model.id}` has a scheduled deactivation on {model.deactivated_at[:10]} (every provider)"
                    + (f"; successor: `{succ}`" if succ else ""),
                    loc,
                )
            return
        dep_at = (mapping.deprecated_at if mapping else None) or model.deprecated_at
        deact_at = (mapping.deactivated_at if mapping else None) or model.deactivated_at
        if dep_at and on_or_before(dep_at, today):
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


def on_or_before(date: str, today: dt.date) -> bool:
    try:
        return dt.date.fromisoformat(date[:10]) <= today
    except ValueError:
        return False
