"""Regressions from a sweep over real configs: prefixed legacy completion models, and custom api_base
URLs with a query string."""

# ruff: noqa: E501  (inline YAML configs read better on one line)

from __future__ import annotations

from pathlib import Path

import pytest

from llmgw_migrate.findings import Status
from llmgw_migrate.plan_render import render
from tests.config.helpers import codes, model, plan_of

# --------------------------------------------------------------------------------------------------
# 2. openai/<legacy completion model> is text completion, like the bare name


@pytest.mark.parametrize(
    "litellm_model",
    [
        "openai/gpt-3.5-turbo-instruct",
        "openai/davinci-002",
        "openai/babbage-002",
        "openai/text-davinci-003",
        "openai/ft:davinci-002:acme::abc123",
        "gpt-3.5-turbo-instruct",  # the bare name, for comparison
    ],
)
def test_prefixed_legacy_completion_model_is_text_completion(tmp_path: Path, litellm_model: str) -> None:
    plan = plan_of(
        tmp_path, f"model_list:\n  - model_name: m\n    litellm_params: {{model: '{litellm_model}'}}\n"
    )
    m = model(plan, "m")
    assert (m.status, m.gateway_model) == (Status.unsupported, None)
    [f] = [f for f in plan.findings if f.code == "LGM103"]
    assert "text-completion-openai" in f.message
    assert "LGM104" not in codes(plan)
    assert plan.provider_keys == []


def test_openai_chat_models_are_not_taken_for_completion_models(tmp_path: Path) -> None:
    plan = plan_of(
        tmp_path, "model_list:\n  - model_name: m\n    litellm_params: {model: openai/gpt-3.5-turbo}\n"
    )
    assert model(plan, "m").gateway_model == "openai/gpt-3.5-turbo"
    assert "LGM103" not in codes(plan)


# --------------------------------------------------------------------------------------------------
# 3. a custom provider's api_base with a query string


def _query_findings(plan: object) -> list[str]:
    return [f.message for f in plan.findings if f.code == "LGM129" and "query string" in f.message]  # type: ignore[attr-defined]


def test_query_string_in_custom_api_base_is_reported_and_left_out_of_the_base_url(tmp_path: Path) -> None:
    plan = plan_of(
        tmp_path,
        """\
        model_list:
          - model_name: q
            litellm_params: {model: openai/qwen, api_base: "http://host:8000/v1?api-version=1"}
        """,
    )
    [key] = plan.provider_keys
    assert key.base_url == "http://host:8000"
    [msg] = _query_findings(plan)
    assert "http://host:8000/v1 carries a query string (api-version)" in msg
    assert "/v1/chat/completions" in msg
    m = model(plan, "q")
    assert (m.gateway_model, m.status) == (f"{key.name}/qwen", Status.approximate)
    assert "?" not in plan.to_json().split('"provider_keys"', 1)[1].split('"findings"', 1)[0]


def test_query_string_secrets_stay_masked(tmp_path: Path) -> None:
    plan = plan_of(
        tmp_path,
        """\
        model_list:
          - model_name: q
            litellm_params: {model: hosted_vllm/llama, api_base: "https://u:PW-SECRET-1@vllm.acme.dev/v1?api-version=2&api_key=QSECRET-22&BARE-TOKEN-333"}
        """,
    )
    outputs = [render(plan, fmt) for fmt in ("json", "yaml", "markdown", "text")]
    for secret in ("PW-SECRET-1", "QSECRET-22", "BARE-TOKEN-333"):
        assert not any(secret in out for out in outputs), secret
    [msg] = _query_findings(plan)
    assert "(api-version, api_key)" in msg  # names of name=value pairs only
    assert plan.provider_keys[0].base_url == "https://vllm.acme.dev"
    assert "LGM101" in codes(plan)


@pytest.mark.parametrize(
    "api_base",
    ["http://host:8000/v1", "http://host:8000/v1/", "os.environ/MY_BASE"],
)
def test_api_base_without_query_string_gets_no_query_finding(tmp_path: Path, api_base: str) -> None:
    plan = plan_of(
        tmp_path,
        f"model_list:\n  - model_name: q\n    litellm_params: {{model: openai/qwen, api_base: '{api_base}'}}\n",
    )
    assert model(plan, "q").custom
    assert _query_findings(plan) == []
