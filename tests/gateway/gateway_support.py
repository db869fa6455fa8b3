"""Helpers and fixtures for the gateway tests: fake upstreams (healthy, failing), a gateway factory."""

from __future__ import annotations

import contextlib
import datetime as dt
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from llmgw_migrate.config.plan import Plan
from llmgw_migrate.gateway.server import serve_in_thread
from llmgw_migrate.gateway.settings import GatewaySettings
from llmgw_migrate.testing.fake_upstream import FakeUpstream

TODAY = dt.date(2026, 11, 25)
API_KEY = "llmgtwy_test-key-0123456789"
AUTH = {"Authorization": f"Bearer {API_KEY}"}
# Provider keys: recognisable values that must never come back in any answer.
OPENAI_KEYS = "sk-openai-SECRET-a,sk-openai-SECRET-b"
ANTHROPIC_KEY = "sk-ant-SECRET"
GOOGLE_KEY = "AIza-SECRET"
AZURE_KEY = "azure-SECRET"
SECRETS = ("SECRET",)


@pytest.fixture(scope="session")
def up() -> Iterator[FakeUpstream]:
    with FakeUpstream() as server:
        yield server


@pytest.fixture(scope="session")
def down() -> Iterator[FakeUpstream]:
    """Every request answers 500."""
    with FakeUpstream(fail="500") as server:
        yield server


@pytest.fixture(autouse=True)
def _reset(up: FakeUpstream, down: FakeUpstream) -> None:
    up.reset()
    down.reset()


def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def env_for(
    openai: str | None = None,
    azure: str | None = None,
    anthropic: str | None = None,
    google: str | None = None,
    **extra: str,
) -> dict[str, str]:
    env: dict[str, str] = {}
    if openai:
        env.update(LLM_OPENAI_API_KEY=OPENAI_KEYS, LLM_OPENAI_BASE_URL=openai)
    if azure:
        env.update(LLM_AZURE_API_KEY=AZURE_KEY, LLM_AZURE_BASE_URL=azure, LLM_AZURE_API_VERSION="2024-10-21")
    if anthropic:
        env.update(LLM_ANTHROPIC_API_KEY=ANTHROPIC_KEY, LLM_ANTHROPIC_BASE_URL=anthropic)
    if google:
        env.update(LLM_GOOGLE_AI_STUDIO_API_KEY=GOOGLE_KEY, LLM_GOOGLE_AI_STUDIO_BASE_URL=google)
    env.update(extra)
    return env


@contextlib.contextmanager
def gateway(env: dict[str, str], plan: Plan | None = None, **settings: Any) -> Iterator[str]:
    settings.setdefault("today", TODAY)
    settings.setdefault("api_keys", (API_KEY,))
    with serve_in_thread(plan, GatewaySettings(env=env, **settings)) as url:
        yield url


@pytest.fixture()
def gw(up: FakeUpstream) -> Iterator[str]:
    """A gateway with every adapter pointed at the healthy fake upstream."""
    with gateway(env_for(openai=up.url, azure=up.url, anthropic=up.url, google=up.url)) as url:
        yield url
