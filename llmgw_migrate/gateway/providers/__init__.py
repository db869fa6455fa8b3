"""Provider adapters: which providers the embedded gateway can call, and how.

OpenAI-compatible providers come from the catalog (`openai_compatible` with a chat completions path);
Anthropic, Google AI Studio and Azure have their own adapters. Everything else (Bedrock, Vertex, ...) is
answered with a clear 400: check those models against the hosted gateway.
"""

from __future__ import annotations

import functools

from llmgw_migrate.config.catalog import load_catalog
from llmgw_migrate.gateway.providers.anthropic import AnthropicAdapter
from llmgw_migrate.gateway.providers.azure import AzureAdapter
from llmgw_migrate.gateway.providers.base import ChatAdapter
from llmgw_migrate.gateway.providers.google import GoogleAdapter
from llmgw_migrate.gateway.providers.openai_compatible import OpenAICompatibleAdapter

# OpenAI-compatible in the catalog, but they need credentials or URLs this server cannot build.
_NOT_EMBEDDABLE = frozenset({"azure-ai-foundry", "vertex-openai", "aws-mantle", "llmgateway", "custom"})

# Providers known to accept `stream_options: {include_usage: true}` (vLLM and other custom servers too).
_STREAM_USAGE = frozenset(
    {"openai", "groq", "deepseek", "xai", "together-ai", "fireworks", "deepinfra", "cerebras", "nebius",
     "novita", "moonshot", "zai", "alibaba", "nanogpt", "inference.net"}
)  # fmt: skip

CUSTOM = OpenAICompatibleAdapter("custom", "/v1/chat/completions")


@functools.cache
def _adapters() -> dict[str, ChatAdapter]:
    out: dict[str, ChatAdapter] = {
        "anthropic": AnthropicAdapter(),
        "google-ai-studio": GoogleAdapter(),
        "azure": AzureAdapter(),
    }
    for info in load_catalog().providers.values():
        if info.id in out or info.id in _NOT_EMBEDDABLE or not info.openai_compatible:
            continue
        paths = [p for p in _upstream_paths(info.id) if p.endswith("/chat/completions")]
        if paths and "chat" in info.serves:
            out[info.id] = OpenAICompatibleAdapter(info.id, paths[-1], stream_usage=info.id in _STREAM_USAGE)
    return out


def _upstream_paths(provider: str) -> list[str]:
    return _raw_providers().get(provider, [])


@functools.cache
def _raw_providers() -> dict[str, list[str]]:
    """provider id -> upstream_paths (kept out of ProviderInfo, which the catalog module owns)."""
    import json

    from llmgw_migrate.resources import rules_path

    data = json.loads(rules_path("catalog.json").read_text(encoding="utf-8"))
    return {p["id"]: list(p.get("upstream_paths") or []) for p in data.get("providers", [])}


def adapter_for(provider: str, kind: str = "chat") -> ChatAdapter | None:
    adapter = _adapters().get(provider)
    if adapter is None:
        return None
    if kind == "embeddings" and not adapter.supports_embeddings:
        return None
    return adapter


def supported_providers(kind: str = "chat") -> list[str]:
    return sorted(p for p, a in _adapters().items() if kind != "embeddings" or a.supports_embeddings)
