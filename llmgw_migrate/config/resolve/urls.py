"""Base URLs: their host, the form the gateway wants, and a form safe to print."""

from __future__ import annotations

import fnmatch
import ipaddress
import re
from urllib.parse import urlsplit

from llmgw_migrate.config.read import env_ref


def normalize_base_url(url: str) -> str:
    """Base URL as the gateway wants it: no trailing slash, no trailing /v1. References stay references."""
    if env_ref(url):
        return url.strip()
    u = display_url(url.strip()).rstrip("/")  # user:password@ never goes into the plan
    if u.endswith("/v1"):
        u = u[: -len("/v1")]
    return u.rstrip("/")


def display_url(url: str) -> str:
    """A URL safe to print: user:password@ removed."""
    if env_ref(url):
        return url
    parts = urlsplit(url)
    if parts.username or parts.password:
        netloc = parts.hostname or ""
        if parts.port:
            netloc += f":{parts.port}"
        return parts._replace(netloc=netloc).geturl()
    return url


def host_of(url: str) -> str | None:
    if env_ref(url):
        return None
    try:
        return (urlsplit(url.strip() if "://" in url else f"//{url.strip()}").hostname or "").lower() or None
    except ValueError:
        return None


def host_matches(url: str, patterns: tuple[str, ...]) -> bool:
    host = host_of(url)
    if host is None:
        return False
    return any(fnmatch.fnmatch(host, p) for p in patterns)


def is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def unreachable_reason(host: str | None) -> str | None:
    """Why a host only resolves inside the user's network (so api.llmgateway.io cannot call it), else None."""
    if not host:
        return None
    host = host.lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return "localhost"
    if is_ip(host):
        ip = ipaddress.ip_address(host)
        if ip.is_loopback or ip.is_unspecified:
            return "a loopback address"
        if ip.is_private or ip.is_link_local:
            return "a private (RFC 1918) address"
        return None
    if host.endswith(".svc.cluster.local") or host.endswith(".cluster.local"):
        return "a Kubernetes service name"
    if host.endswith(".internal"):
        return "an `.internal` host"
    if host.endswith(".local"):
        return "a `.local` host"
    if "." not in host:
        return "a docker/compose service or local host name"
    return None


def vertex_openai_endpoint(url: str) -> tuple[str | None, str | None] | None:
    """(project, region) of Vertex AI's OpenAI-compatible endpoint, else None.

    The endpoint is `https://REGION-aiplatform.googleapis.com/v1/projects/P/locations/L/endpoints/openapi`.
    """
    host = host_of(url)
    if not host or not host.endswith("aiplatform.googleapis.com"):
        return None
    path = urlsplit(url.strip()).path
    if "/endpoints/openapi" not in path:
        return None
    m = re.search(r"/projects/([^/]+)/locations/([^/]+)/", path)
    return (m.group(1), m.group(2)) if m else (None, None)


def is_vertex_host(url: str) -> bool:
    host = host_of(url)
    return bool(host) and host.endswith("aiplatform.googleapis.com")  # type: ignore[union-attr]
