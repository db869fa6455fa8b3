"""Base URLs: their host, the form the gateway wants, and a form safe to print."""

from __future__ import annotations

import fnmatch
import ipaddress
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
