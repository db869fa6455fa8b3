"""One LiteLLM deployment -> one gateway target (see resolver.Resolver)."""

from llmgw_migrate.config.resolve.catalog_lookup import closest_ids
from llmgw_migrate.config.resolve.custom_providers import CUSTOM_NAME_RE, derive_custom_name
from llmgw_migrate.config.resolve.resolver import Resolver
from llmgw_migrate.config.resolve.rules import ProviderRule, param_categories, provider_rules, settings_rules
from llmgw_migrate.config.resolve.target import KeySpec, Target
from llmgw_migrate.config.resolve.urls import normalize_base_url

__all__ = [
    "CUSTOM_NAME_RE",
    "KeySpec",
    "ProviderRule",
    "Resolver",
    "Target",
    "closest_ids",
    "derive_custom_name",
    "normalize_base_url",
    "param_categories",
    "provider_rules",
    "settings_rules",
]
