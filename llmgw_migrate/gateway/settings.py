"""Settings of the embedded gateway (built by the CLI from flags and environment, or directly in code)."""

from __future__ import annotations

import datetime as dt
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

GATEWAY_KEY_ENV = "LLM_GATEWAY_API_KEY"


def generate_api_key() -> str:
    """A random key in the hosted gateway's style (`llmgtwy_` prefix)."""
    return "llmgtwy_" + secrets.token_urlsafe(32)


@dataclass
class GatewaySettings:
    """How the embedded gateway behaves.

    `api_keys` are the keys clients must send (Bearer or x-api-key); when empty, one random key is
    generated (`generated_key` is then true, so the CLI can print it once). `env` is where provider keys
    (`LLM_<PROVIDER>_API_KEY`, the plan's env references) and base URL overrides are read; None means the
    process environment at app creation. `today` overrides the date compared with `deactivated_at`.
    """

    api_keys: tuple[str, ...] = ()
    provider_order: tuple[str, ...] = ()
    forward_all: bool = False
    cache_ttl: float = 0.0
    cache_max_entries: int = 10_000
    connect_timeout: float = 10.0
    request_timeout: float = 600.0
    stream_idle_timeout: float = 300.0
    max_body_bytes: int = 16 * 1024 * 1024
    # Decompressed size cap of one upstream answer (a whole body, or a whole stream): 502 above it.
    max_upstream_body_bytes: int = 64 * 1024 * 1024
    # Slow or hostile clients: time to send the request headers, then the body (seconds), and the most
    # connections held at once (the oldest connection without a request in progress makes room).
    header_timeout: float = 10.0
    body_timeout: float = 60.0
    max_connections: int = 4096
    max_retries: int = 2
    ping_interval: float = 15.0
    pool_size: int = 512
    env: Mapping[str, str] | None = None
    today: dt.date | None = None
    upstream_client: Literal["aiohttp", "httpx"] = "aiohttp"
    generated_key: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        self.api_keys = tuple(k for k in self.api_keys if k)
        self.provider_order = tuple(p.strip() for p in self.provider_order if p.strip())
        if not self.api_keys:
            self.api_keys = (generate_api_key(),)
            self.generated_key = True
        if self.max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        if self.max_body_bytes <= 0:
            raise ValueError("max_body_bytes must be > 0")
        if self.cache_ttl < 0:
            raise ValueError("cache_ttl must be >= 0")
        if self.max_upstream_body_bytes <= 0:
            raise ValueError("max_upstream_body_bytes must be > 0")
        if self.header_timeout <= 0 or self.body_timeout <= 0:
            raise ValueError("header_timeout and body_timeout must be > 0")
        if self.max_connections < 1:
            raise ValueError("max_connections must be >= 1")

    def environ(self) -> Mapping[str, str]:
        return self.env if self.env is not None else os.environ

    def current_date(self) -> dt.date:
        return self.today or dt.datetime.now(dt.timezone.utc).date()
