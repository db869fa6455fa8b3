"""Recognise LiteLLM proxy URLs and compute their gateway replacement.

Data in rules/rewrites/proxy_urls.yaml. `classify` answers STRONG (the proxy wherever it is a URL),
CANDIDATE (a local :4000/:8000 address: the proxy only in an LLM context) or None.
"""

from __future__ import annotations

import enum
import functools
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from llmgw_migrate.rules_data import load_rule_data

DEFAULT_GATEWAY_URL = "https://api.llmgateway.io/v1"


class UrlKind(enum.Enum):
    STRONG = "strong"
    CANDIDATE = "candidate"


URL_RE = re.compile(r"""https?://[^\s'"`<>()\\{}]+""")


@dataclass(frozen=True)
class UrlMatcher:
    """Built once per run from the rules data and the user's --from-url addresses."""

    from_urls: tuple[str, ...] = ()
    # Candidate ports the repository gives to another server (codemods/port_evidence.py).
    not_proxy_ports: tuple[int, ...] = ()

    @functools.cached_property
    def _data(self) -> dict:  # type: ignore[type-arg]
        return load_rule_data("proxy_urls")

    @functools.cached_property
    def _strong_host(self) -> re.Pattern[str]:
        return re.compile(self._data["strong_host_pattern"], re.IGNORECASE)

    @functools.cached_property
    def _not_proxy_host(self) -> re.Pattern[str]:
        return re.compile(self._data["not_proxy_host_pattern"], re.IGNORECASE)

    @functools.cached_property
    def _from(self) -> tuple[str, ...]:
        return tuple(u.rstrip("/").lower() for u in self.from_urls)

    @functools.cached_property
    def llm_paths(self) -> tuple[str, ...]:
        return tuple(self._data["llm_paths"])

    def prefilter_tokens(self) -> tuple[str, ...]:
        """Cheap substrings; a file holding none of them has no proxy URL."""
        hosts = [":4000", ":8000", "litellm", "LITELLM"]
        hosts += [urlsplit(u).netloc for u in self.from_urls if urlsplit(u).netloc]
        return tuple(hosts)

    def classify(self, url: str) -> UrlKind | None:
        try:
            parts = urlsplit(url.strip())
            port = parts.port
        except ValueError:
            return None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return None
        low = url.strip().rstrip("/").lower()
        for prefix in self._from:
            if low == prefix or low.startswith(prefix + "/"):
                return UrlKind.STRONG
        host = parts.hostname.lower()
        public = tuple(self._data["not_proxy_host_suffixes"])
        if (
            host in self._data["not_proxy_hosts"]
            or host.endswith(public)
            or self._not_proxy_host.search(host)
        ):
            return None
        if host in self._data["strong_hosts"] or self._strong_host.match(host):
            return UrlKind.STRONG
        candidates = {h.strip("[]") for h in self._data["candidate_hosts"]}
        if host in candidates and port in self._data["candidate_ports"] and port not in self.not_proxy_ports:
            if self.path_proves_proxy(url) and self.has_llm_path(url):
                return UrlKind.STRONG
            return UrlKind.CANDIDATE
        return None

    def path_proves_proxy(self, url: str) -> bool:
        """Whether an LLM API path after candidate `url` makes it the proxy (LiteLLM's own port only)."""
        try:
            return urlsplit(url.strip()).port in self._data["strong_path_ports"]
        except ValueError:
            return False

    def has_llm_path(self, url: str) -> bool:
        path = urlsplit(url).path.rstrip("/")
        return any(path.endswith(p) or (p + "/") in path for p in self.llm_paths)

    def is_proxy(self, url: str, llm_context: bool) -> bool:
        kind = self.classify(url)
        return kind is UrlKind.STRONG or (kind is UrlKind.CANDIDATE and llm_context)


def gateway_url(old: str, gateway_base: str = DEFAULT_GATEWAY_URL, with_v1: bool = True) -> str:
    """The gateway URL that replaces proxy URL `old`, keeping any API path after the proxy's root.

    `http://0.0.0.0:4000` -> `https://api.llmgateway.io/v1` (OpenAI-style clients need /v1; LiteLLM
    served both); with `with_v1=False` (Anthropic SDK, which appends /v1/messages itself) the origin.
    `http://litellm:4000/v1/chat/completions` -> `https://api.llmgateway.io/v1/chat/completions`.
    """
    base = gateway_base.rstrip("/")
    origin = base[: -len("/v1")] if base.endswith("/v1") else base
    parts = urlsplit(old.strip())
    path = parts.path.rstrip("/")
    trailing = "/" if old.strip().endswith("/") and path else ""
    suffix = f"?{parts.query}" if parts.query else ""
    if not path:
        return (base if with_v1 else origin) + ("/" if old.strip().endswith("/") and with_v1 else "") + suffix
    if path == "/v1" or path.startswith("/v1/"):
        return origin + path + trailing + suffix
    # LiteLLM serves its routes with and without /v1; the gateway only with.
    return base + path + trailing + suffix
