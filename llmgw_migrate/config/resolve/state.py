"""What every part of the resolver shares: the catalog, the date, the rules and per-config caches."""

from __future__ import annotations

import datetime as dt
from typing import Any

from llmgw_migrate.config.catalog import Catalog, CatalogModel
from llmgw_migrate.config.resolve.rules import ProviderRules


class ResolverState:
    """Attributes set by Resolver.__init__; the mixins (prefixes, catalog lookup, custom providers,
    retirements, provider keys) read them."""

    catalog: Catalog
    custom_handlers: dict[str, str]
    today: dt.date
    routing: str
    target: str  # managed | self-hosted
    rules: ProviderRules
    credentials: dict[str, Any]
    custom_names: dict[str, str]  # normalized base URL -> name
    _closest: dict[str, list[str]]
    _successors: dict[tuple[str, str | None], str | None]
    _lookups: dict[tuple[str, str], tuple[str, CatalogModel] | None]
