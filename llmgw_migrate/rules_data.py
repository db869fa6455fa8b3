"""Typed access to the declarative rewrite data in rules/rewrites/ (read once, cached)."""

from __future__ import annotations

import functools
from typing import Any

from llmgw_migrate.resources import rules_path


@functools.cache
def load_rule_data(name: str) -> dict[str, Any]:
    """rules/rewrites/<name>.yaml as plain data."""
    from llmgw_migrate.findings import load_rules_yaml  # libyaml when available: fast start-up

    data = load_rules_yaml(rules_path("rewrites", f"{name}.yaml").read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"rules/rewrites/{name}.yaml is not a mapping")
    return data


def dropped_params() -> dict[str, str]:
    return dict(load_rule_data("dropped_params")["params"])


def env_renames(key_env: str = "LLM_GATEWAY_API_KEY") -> dict[str, str]:
    """Old env var name -> new name, for the unconditional renames (master key excluded)."""
    data = load_rule_data("env_vars")
    out = {name: key_env for name in data["key_vars"]}
    out.update({name: data["url_target"] for name in data["url_vars"]})
    return out


def master_key_vars() -> list[str]:
    return list(load_rule_data("env_vars")["master_key_vars"])
