"""Custom providers: an OpenAI-compatible server at a base URL -> a named gateway custom provider."""

# ruff: noqa: E501  (user-facing messages stay on one line so they can be grepped)

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from llmgw_migrate.config.read import env_ref
from llmgw_migrate.config.resolve.provider_keys import ProviderKeys
from llmgw_migrate.config.resolve.rules import ProviderRule
from llmgw_migrate.config.resolve.target import Target
from llmgw_migrate.config.resolve.urls import (
    display_url,
    host_of,
    is_ip,
    normalize_base_url,
    unreachable_reason,
)
from llmgw_migrate.findings import Status

CUSTOM_NAME_RE = re.compile(r"^[a-z]+(-[a-z]+)*$")
RESERVED_NAMES = {"auto", "custom", "dynamic", "llmgateway"}
# paths that are already a provider's API root (GitHub Models' /inference): the gateway still appends /v1
_API_ROOTS = ("/inference", "/openai")

# Labels that say nothing about which server a host is.
_GENERIC_LABELS = {
    "www", "api", "apis", "app", "apps", "com", "net", "org", "io", "ai", "dev", "co", "cloud", "xyz", "sh",
    "run", "local", "localdomain", "internal", "svc", "cluster", "inference", "endpoint", "endpoints",
    "models", "model", "prod", "production", "staging", "v", "gateway", "proxy", "llm", "services", "up",
    "us", "eu", "east", "west", "default", "example", "host", "server", "openai", "azure", "windows",
}  # fmt: skip


class CustomProviders(ProviderKeys):
    def _custom(self, t: Target, rule: ProviderRule, model: str, params: dict[str, Any]) -> Target:
        dep = t.deployment
        api_base = params.get("api_base") or params.get("base_url")
        raw = api_base.strip() if isinstance(api_base, str) and api_base.strip() else rule.base_url
        if not raw:
            t.finding(
                "LGM140",
                f"`{dep.model}` needs the OpenAI-compatible server's base URL (api_base) to become a custom provider",
                dep.model_loc,
            )
            t.status = Status.manual
            t.custom = True
            return t
        literal = env_ref(raw) is None
        query = urlsplit(raw.strip()).query if literal else ""
        if query:
            # the gateway appends /v1/chat/completions to the base URL: a query string cannot stay in it
            raw = urlsplit(raw.strip())._replace(query="", fragment="").geturl()
        base = normalize_base_url(raw)
        name = self._custom_name(base, rule)
        t.custom = True
        t.provider = name
        t.upstream = model
        t.gateway_model = f"{name}/{model}"
        self._key(t, rule, "custom", params, name=name, base_url=base)
        t.finding(
            "LGM136",
            f"`{dep.model_name}` is served by an OpenAI-compatible server: custom provider `{name}` "
            f"(base URL {display_url(base)}), model `{t.gateway_model}`",
            dep.model_loc,
        )
        base_loc = dep.params.value_loc("api_base" if "api_base" in dep.params else "base_url")
        if query:
            # parameter names only (of name=value pairs): values, or a bare item, may be tokens
            names = ", ".join(dict.fromkeys(k for k, _v in parse_qsl(query) if k))
            t.finding(
                "LGM129",
                f"api_base {display_url(raw)} carries a query string{f' ({names})' if names else ''}: the gateway appends /v1/chat/completions to a custom provider's base URL "
                f"and sends no query string, so the base URL is {display_url(base)}: check that the server answers without it",
                base_loc,
            )
            t.approximate()
        reason = unreachable_reason(host_of(base)) if literal and self.target == "managed" else None
        if reason:
            t.finding(
                "LGM154",
                f"custom provider `{name}` of `{dep.model_name}` has base URL {display_url(base)}, {reason}: api.llmgateway.io cannot reach it "
                "(with --target self-hosted in the same network it works as is)",
                base_loc if isinstance(api_base, str) else dep.model_loc,
            )
            t.status = Status.manual
        default_root = not isinstance(api_base, str) and urlsplit(raw.strip()).path.rstrip("/").endswith(
            _API_ROOTS
        )
        if (
            literal
            and (isinstance(api_base, str) or default_root)
            and rule.prefix not in ("ollama", "ollama_chat")
        ):
            path = urlsplit(raw.strip()).path.rstrip("/")
            if not path.endswith("/v1"):
                t.finding(
                    "LGM129",
                    f"{'api_base' if isinstance(api_base, str) else f'the {rule.prefix}/ base URL'} {display_url(raw.strip())} does not end in /v1: LiteLLM called {path or ''}/chat/completions, "
                    f"the gateway will call {path or ''}/v1/chat/completions",
                    base_loc if isinstance(api_base, str) else dep.model_loc,
                )
                t.approximate()
        if t.mode not in ("chat", "completion", "responses"):
            t.finding(
                "LGM148",
                f"`{dep.model_name}` has mode `{t.mode}`, but a custom provider serves chat completions only",
                dep.model_loc,
            )
            t.status = Status.manual
            t.unservable = True
        return t

    def _custom_name(self, base: str, rule: ProviderRule) -> str:
        if base in self.custom_names:
            return self.custom_names[base]
        if rule.name and rule.base_url and normalize_base_url(rule.base_url) == base:
            candidate = rule.name
        else:
            candidate = derive_custom_name(base, rule.prefix, rule.name)
        taken = set(self.custom_names.values()) | set(self.catalog.providers) | RESERVED_NAMES
        if candidate in self.catalog.providers or candidate in RESERVED_NAMES:
            candidate = f"{candidate}-custom"
        name = candidate
        n = 1
        while name in taken:
            name = f"{candidate}-{_letters(n)}"
            n += 1
        self.custom_names[base] = name
        return name


def _sanitize(label: str) -> str:
    s = re.sub(r"[^a-z]+", "-", label.lower()).strip("-")
    return re.sub(r"-+", "-", s)


def derive_custom_name(base: str, prefix: str, default: str | None = None) -> str:
    """A custom provider name (^[a-z]+(-[a-z]+)*$) for a base URL, from its host when that says something."""
    ref = env_ref(base)
    host = None if ref else host_of(base)
    local = host is None or host in ("localhost", "0.0.0.0") or is_ip(host)
    if not local and host:
        for label in host.split("."):
            name = _sanitize(label)
            if name and label not in _GENERIC_LABELS and name not in _GENERIC_LABELS and len(name) > 1:
                return name
    fallback = default or _sanitize(prefix) or "server"
    if local and host is not None and not default:
        fallback = f"local-{fallback}"
    return fallback if CUSTOM_NAME_RE.match(fallback) else "server"


def _letters(n: int) -> str:
    """1 -> b, 2 -> c, ... 25 -> z, 26 -> ba: suffixes that keep names within ^[a-z]+(-[a-z]+)*$."""
    out = ""
    n += 1
    while n:
        n, r = divmod(n, 26)
        out = "abcdefghijklmnopqrstuvwxyz"[r] + out
    return out
