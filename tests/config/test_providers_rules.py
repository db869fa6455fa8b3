"""rules/providers.yaml against shared/reference/litellm-providers.json and the catalog."""

from __future__ import annotations

import json

import pytest

from llmgw_migrate.config.catalog import load_catalog
from llmgw_migrate.config.resolve import CUSTOM_NAME_RE, provider_rules, settings_rules
from llmgw_migrate.findings import registry
from tests.conftest import SHARED


@pytest.mark.needs_shared
def test_every_litellm_prefix_is_classified() -> None:
    prefixes = json.loads((SHARED / "reference" / "litellm-providers.json").read_text())["providers"]
    rules = provider_rules().providers
    assert sorted(set(prefixes) - set(rules)) == []
    assert sorted(set(rules) - set(prefixes)) == []


def test_each_rule_is_complete() -> None:
    catalog = load_catalog()
    for prefix, rule in provider_rules().providers.items():
        assert rule.kind in ("mapped", "custom", "unsupported"), prefix
        if rule.kind == "mapped":
            assert rule.gateway, prefix
            for gp in rule.gateway:
                assert catalog.provider(gp) is not None, (prefix, gp)
        elif rule.kind == "unsupported":
            assert rule.reason, prefix
        else:
            assert rule.base_url or rule.reason, prefix
            if rule.name:
                assert CUSTOM_NAME_RE.match(rule.name), (prefix, rule.name)
                assert rule.name not in catalog.providers, (prefix, rule.name)
            if rule.base_url:
                assert not rule.base_url.rstrip("/").endswith("/v1"), prefix


def test_settings_table_codes_are_registered() -> None:
    codes = registry()
    rules = settings_rules()
    for section in ("top_level", "litellm_settings", "router_settings", "general_settings"):
        for key, spec in rules[section].items():
            assert spec.get("handled") or spec.get("code") in codes, (section, key)


def test_config_codes_are_in_range_and_documented() -> None:
    config_codes = [info for info in registry().values() if info.family == "config"]
    assert len(config_codes) >= 40
    for info in config_codes:
        assert 100 <= int(info.code[3:]) <= 199
        assert info.title and info.why and info.fix


def test_rules_files_read_the_same_with_libyaml_and_ruamel() -> None:
    # load_rules_yaml uses PyYAML's C loader (YAML 1.1) for speed; the rules must mean the same in 1.2.
    from ruamel.yaml import YAML

    from llmgw_migrate.findings import load_rules_yaml
    from llmgw_migrate.resources import rules_dir

    for path in sorted(rules_dir().rglob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        assert load_rules_yaml(text) == YAML(typ="safe").load(text), path.name
