"""rules/providers.yaml and rules/config_settings.yaml, loaded once: LiteLLM prefix -> gateway provider."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any

from llmgw_migrate.findings import load_rules_yaml
from llmgw_migrate.resources import rules_path


@dataclass(frozen=True)
class ProviderRule:
    prefix: str
    kind: str  # mapped | custom | unsupported
    gateway: tuple[str, ...] = ()
    env: str | None = None
    api_hosts: tuple[str, ...] = ()
    base_url: str | None = None
    name: str | None = None
    reason: str | None = None
    local: bool = False


@dataclass(frozen=True)
class ProviderRules:
    providers: dict[str, ProviderRule]
    sub_routes: dict[str, tuple[str, ...]]
    unsupported_sub_routes: dict[str, dict[str, str]]
    bare_models: tuple[tuple[re.Pattern[str], str], ...]
    # prefix -> (pattern on the rest, provider): `openai/gpt-3.5-turbo-instruct` is text completion
    prefixed_models: dict[str, tuple[tuple[re.Pattern[str], str], ...]] = field(default_factory=dict)


@functools.cache
def provider_rules() -> ProviderRules:
    data = load_rules_yaml(rules_path("providers.yaml").read_text(encoding="utf-8"))
    providers = {}
    for prefix, spec in data["providers"].items():
        providers[prefix] = ProviderRule(
            prefix=prefix,
            kind=spec["kind"],
            gateway=tuple(spec.get("gateway") or ()),
            env=spec.get("env"),
            api_hosts=tuple(spec.get("api_hosts") or ()),
            base_url=spec.get("base_url"),
            name=spec.get("name"),
            reason=spec.get("reason"),
            local=bool(spec.get("local")),
        )
    return ProviderRules(
        providers=providers,
        sub_routes={k: tuple(v or ()) for k, v in (data.get("sub_routes") or {}).items()},
        unsupported_sub_routes={
            k: dict(v or {}) for k, v in (data.get("unsupported_sub_routes") or {}).items()
        },
        bare_models=tuple((re.compile(b["pattern"]), b["provider"]) for b in data.get("bare_models") or ()),
        prefixed_models={
            prefix: tuple((re.compile(b["pattern"]), b["provider"]) for b in items or ())
            for prefix, items in (data.get("prefixed_models") or {}).items()
        },
    )


@functools.cache
def settings_rules() -> dict[str, Any]:
    data = load_rules_yaml(rules_path("config_settings.yaml").read_text(encoding="utf-8"))
    return dict(data)


@functools.cache
def param_categories() -> dict[str, str]:
    out: dict[str, str] = {}
    for category, keys in settings_rules()["params"].items():
        for key in keys:
            out[key] = category
    return out
