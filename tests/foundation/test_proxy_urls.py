from __future__ import annotations

import pytest

from llmgw_migrate.proxy_urls import UrlKind, UrlMatcher, gateway_url
from llmgw_migrate.rules_data import load_rule_data

CASES = load_rule_data("proxy_urls")["cases"]


@pytest.mark.parametrize("url", CASES["not_proxy"])
def test_not_proxy_cases_from_rule_file(url: str) -> None:
    assert UrlMatcher().classify(url) is None


@pytest.mark.parametrize("url", CASES["candidate"])
def test_candidate_cases_from_rule_file(url: str) -> None:
    m = UrlMatcher()
    assert m.classify(url) is UrlKind.CANDIDATE
    assert not m.is_proxy(url, llm_context=False)
    assert m.is_proxy(url, llm_context=True)


@pytest.mark.parametrize("url", CASES["strong"])
def test_strong_cases_from_rule_file(url: str) -> None:
    assert UrlMatcher().classify(url) is UrlKind.STRONG


def test_llm_path_makes_a_local_address_strong() -> None:
    assert UrlMatcher().classify("http://localhost:4000/v1/chat/completions") is UrlKind.STRONG
    assert UrlMatcher().classify("http://localhost:4000/api/users") is UrlKind.CANDIDATE


def test_from_url_is_strong_and_prefix_bounded() -> None:
    m = UrlMatcher(("https://llm.corp.example.com",))
    assert m.classify("https://llm.corp.example.com/v1") is UrlKind.STRONG
    assert m.classify("https://llm.corp.example.com.evil.io/v1") is None


@pytest.mark.parametrize(
    ("old", "with_v1", "new"),
    [
        ("http://0.0.0.0:4000", True, "https://api.llmgateway.io/v1"),
        ("http://localhost:4000/v1", True, "https://api.llmgateway.io/v1"),
        ("http://litellm:4000/v1/chat/completions", True, "https://api.llmgateway.io/v1/chat/completions"),
        ("http://litellm:4000/chat/completions", True, "https://api.llmgateway.io/v1/chat/completions"),
        ("http://localhost:4000", False, "https://api.llmgateway.io"),
    ],
)
def test_gateway_url(old: str, with_v1: bool, new: str) -> None:
    assert gateway_url(old, with_v1=with_v1) == new


def test_gateway_url_self_hosted_base() -> None:
    assert gateway_url("http://litellm:4000", "http://gateway:4001/v1") == "http://gateway:4001/v1"
