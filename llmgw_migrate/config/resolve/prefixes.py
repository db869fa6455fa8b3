"""LiteLLM prefixes: `<prefix>/<model>` (and bare names) -> provider rule, and the deployment's mode."""

from __future__ import annotations

import re
from typing import Any

from llmgw_migrate.config.read import Deployment
from llmgw_migrate.config.resolve.state import ResolverState
from llmgw_migrate.config.resolve.target import Target


class Prefixes(ResolverState):
    def _split(self, model: str) -> tuple[str | None, str]:
        head, sep, rest = model.partition("/")
        if sep and head in self.rules.providers and rest:
            for pattern, provider in self.rules.prefixed_models.get(head, ()):
                if pattern.search(rest):
                    return provider, rest
            return head, rest
        if not sep:
            for pattern, provider in self.rules.bare_models:
                if pattern.search(model):
                    return provider, model
        return None, model

    def _effective_params(self, dep: Deployment, t: Target) -> dict[str, Any]:
        """litellm_params with a litellm_credential_name's values filled in (entry values win)."""
        params: dict[str, Any] = dict(dep.params)
        cred_name = params.get("litellm_credential_name")
        if isinstance(cred_name, str) and cred_name in self.credentials:
            values = self.credentials[cred_name]
            for k, v in values.items():
                params.setdefault(k, v)
            t.finding(
                "LGM139",
                f"credentials of `{dep.model_name}` come from credential_list entry `{cred_name}`",
                dep.params.value_loc("litellm_credential_name"),
            )
        return params


_MODE_HINTS = (
    (re.compile(r"rerank", re.I), "rerank"),
    (re.compile(r"embed", re.I), "embedding"),
    # embedding families whose names do not say so (bge-m3, e5-large-v2, gte-base); rerankers matched above
    (re.compile(r"(^|[/:_-])(bge|gte|(multilingual-)?e5)-", re.I), "embedding"),
    (re.compile(r"whisper|transcri", re.I), "audio_transcription"),
    (re.compile(r"(^|[/-])tts(-|$)|speech", re.I), "audio_speech"),
    (re.compile(r"dall-e|(^|[/-])image(-|$)|imagen", re.I), "image_generation"),
)


def deployment_mode(dep: Deployment) -> str:
    """model_info.mode, else what the model name says (LiteLLM's health-check hints and known embedding
    families), else chat."""
    info = dep.model_info
    mode = info.get("mode") if info else None
    if isinstance(mode, str) and mode.strip():
        return mode.strip()
    for pattern, hinted in _MODE_HINTS:
        if pattern.search(dep.model):
            return hinted
    return "chat"
