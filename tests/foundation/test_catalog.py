from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from llmgw_migrate.config import catalog as catalog_mod
from llmgw_migrate.config.catalog import load_catalog, name_variants


@pytest.fixture(autouse=True)
def _fresh_catalog() -> None:
    load_catalog.cache_clear()


@pytest.mark.parametrize(
    ("provider", "upstream", "expected"),
    [
        # The examples llm-gateway.md gives of catalog ids differing from upstream names.
        ("deepseek", "deepseek-chat", "deepseek-v3.2"),
        ("anthropic", "claude-3-7-sonnet-latest", "claude-3-7-sonnet"),
        ("aws-bedrock", "anthropic.claude-3-7-sonnet-20250219-v1:0", "claude-3-7-sonnet"),
        ("aws-bedrock", "us.anthropic.claude-3-7-sonnet-20250219-v1:0", "claude-3-7-sonnet"),
        ("azure", "gpt-35-turbo", "gpt-3.5-turbo"),
        ("xai", "grok-4.3", "grok-4-3"),
        ("openai", "gpt-4o", "gpt-4o"),
        ("openai", "text-embedding-3-small", "text-embedding-3-small"),
    ],
)
def test_resolve_through_external_id(provider: str, upstream: str, expected: str) -> None:
    model = load_catalog().resolve(provider, upstream)
    assert model is not None and model.id == expected


def test_resolve_unknown_model_is_none_and_closest_suggests() -> None:
    cat = load_catalog()
    assert cat.resolve("openai", "gpt-4o-turbo-ultra-9000") is None
    assert "gpt-4-turbo" in cat.closest("gpt-4o-turbo")
    assert "claude-3-7-sonnet" in cat.closest("claude-3-7-sonet")


def test_resolve_refuses_a_provider_that_does_not_serve_the_model() -> None:
    # groq does not serve gpt-4o: the mapping must not pretend it does.
    assert load_catalog().resolve("groq", "gpt-4o") is None


def test_name_variants_strip_dates_regions_and_versions() -> None:
    v = name_variants("eu.anthropic.claude-3-7-sonnet-20250219-v1:0")
    assert v[0] == "eu.anthropic.claude-3-7-sonnet-20250219-v1:0"
    assert "anthropic.claude-3-7-sonnet-20250219-v1:0" in v
    assert "claude-3-7-sonnet" in v
    assert "gpt-4o" in name_variants("gpt-4o-2024-08-06")


def test_deactivation_dates_against_today() -> None:
    model = load_catalog().get("gemini-2.5-pro")
    assert model is not None
    assert not model.deactivated(dt.date(2026, 10, 15))
    assert model.deactivated(dt.date(2026, 10, 16))
    successor = load_catalog().successor(model, dt.date(2026, 11, 25))
    assert successor is not None and successor != "gemini-2.5-pro"
    assert load_catalog().get(successor).family == model.family  # type: ignore[union-attr]


def test_live_catalog_cache_wins_over_snapshot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    live = {
        "data": [
            {
                "id": "brand-new-model",
                "name": "Brand New",
                "family": "openai",
                "providers": [{"providerId": "openai", "externalId": "brand-new-2027", "pricing": {}}],
            }
        ]
    }
    monkeypatch.setenv("LLMGW_MIGRATE_CACHE_DIR", str(tmp_path))
    (tmp_path / "catalog.json").write_text(json.dumps(live))
    cat = load_catalog()
    assert cat.resolve("openai", "brand-new-2027").id == "brand-new-model"  # type: ignore[union-attr]
    assert cat.origin == str(catalog_mod.cached_catalog_path())
    assert "openai" in cat.providers  # providers borrowed from the snapshot


def test_every_provider_has_an_env_var_name() -> None:
    cat = load_catalog()
    assert len(cat.providers) == 51
    assert cat.providers["openai"].env_var == "LLM_OPENAI_API_KEY"
    assert cat.providers["google-ai-studio"].env_var == "LLM_GOOGLE_AI_STUDIO_API_KEY"
