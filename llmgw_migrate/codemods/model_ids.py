"""Whether a model name the code sends can reach a gateway model: a gateway id (the plan's, or the
catalog's, with or without a provider prefix), or a placeholder the proxy ignored (`litellm --model X`
served its one model whatever the name). Shared by the Python and JavaScript rules; no parser needed."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from llmgw_migrate.codemods.base import RewriteContext

PLACEHOLDER_MODELS = ("null", "none", "anything", "dummy", "placeholder", "notrequired", "not-required")


@functools.cache
def _catalog_ids() -> frozenset[str]:
    from llmgw_migrate.config.catalog import load_catalog

    catalog = load_catalog()
    return frozenset(catalog.models) | frozenset(catalog.providers)


def is_gateway_id(name: str, ctx: RewriteContext) -> bool:
    if name in ctx.model_map.values():
        return True
    ids = _catalog_ids()
    if name in ids:
        return True
    head, _, rest = name.partition("/")
    return bool(rest) and head in ids and rest.split(":")[0] in ids


def is_placeholder_model(value: str | None) -> bool:
    return value is not None and (value.strip().lower() in PLACEHOLDER_MODELS or not value.strip())
