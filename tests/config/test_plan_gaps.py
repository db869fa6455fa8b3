"""Regressions from a sweep over real configs: provider keys of unservable models, prefixed legacy
completion models, and custom api_base URLs with a query string."""

# ruff: noqa: E501  (inline YAML configs read better on one line)

from __future__ import annotations

from pathlib import Path

import pytest

from llmgw_migrate.config.render import render
from llmgw_migrate.findings import Status
from tests.config.helpers import all_codes, codes, model, plan_of, reported

# --------------------------------------------------------------------------------------------------
# 1. a provider key lists only the models the gateway can serve through it


def test_unresolved_vertex_model_adds_no_provider_key(tmp_path: Path) -> None:
    plan = plan_of(
        tmp_path,
        """\
        model_list:
          - model_name: old-vertex
            litellm_params: {model: vertex_ai/gemini-0.9-nonexistent, vertex_project: p, vertex_location: us-central1}
        """,
    )
    assert model(plan, "old-vertex").gateway_model is None
    assert "LGM104" in codes(plan)  # the model keeps its own finding
    assert plan.provider_keys == []
    assert "old-vertex" not in render(plan, "markdown").split("### Provider keys", 1)[1].split("###", 1)[0]


def test_key_shared_with_a_servable_model_lists_only_that_model(tmp_path: Path) -> None:
    plan = plan_of(
        tmp_path,
        """\
        model_list:
          - model_name: good
            litellm_params: {model: vertex_ai/gemini-3.7-flash, vertex_project: p, vertex_location: us-central1}
          - model_name: bad
            litellm_params: {model: vertex_ai/gemini-0.9-nonexistent, vertex_project: p, vertex_location: us-central1}
        """,
    )
    [key] = plan.provider_keys
    assert (key.provider, key.models) == ("google-vertex", ["good"])
    assert key.options["google_vertex_project_id"] == "p"
    assert model(plan, "bad").status == Status.manual


@pytest.mark.parametrize(
    ("params", "info", "code"),
    [
        ("{model: groq/llama-3.3-70b-versatile}", "", "LGM104"),  # not in the catalog
        (
            "{model: azure/my-deploy, api_base: 'https://contoso.openai.azure.com/'}",
            "",
            "LGM108",
        ),  # unknown deployment
        ("{model: mistral/mistral-large-latest}", "{mode: embedding}", "LGM135"),  # mode not served
        (
            "{model: openai/bge, api_base: 'http://emb.acme.dev/v1'}",
            "{mode: embedding}",
            "LGM148",
        ),  # custom: chat only
    ],
)
def test_unservable_model_adds_no_provider_key(tmp_path: Path, params: str, info: str, code: str) -> None:
    text = f"model_list:\n  - model_name: m\n    litellm_params: {params}\n"
    if info:
        text += f"    model_info: {info}\n"
    plan = plan_of(tmp_path, text)
    assert code in codes(plan)
    assert plan.provider_keys == []


def test_a_deactivated_mapping_shows_the_provider_that_will_serve_and_its_key(tmp_path: Path) -> None:
    # issue 15: anthropic/claude-opus-4-1-20250805 became a bare id whose only live provider is
    # aws-bedrock; the table said anthropic and no aws-bedrock key was listed.
    text = (
        "model_list:\n  - model_name: opus\n"
        "    litellm_params: {model: anthropic/claude-opus-4-1-20250805, api_key: os.environ/ANTHROPIC_API_KEY}\n"
    )
    plan = plan_of(tmp_path, text)
    (m,) = plan.models
    assert (m.gateway_model, m.provider) == ("claude-opus-4-1-20250805", "aws-bedrock")
    assert [(k.provider, k.models, k.env_var) for k in plan.provider_keys] == [
        ("aws-bedrock", ["opus"], None)
    ]
    by_code = {f.code: f.message for f in plan.findings}
    assert "add the aws-bedrock provider key" in by_code["LGM144"]
    assert "scheduled deactivation on 2027-01-08 (every provider)" in by_code["LGM145"]
    assert "cannot serve provider `aws-bedrock` (`opus`)" in by_code["LGM160"]
    from llmgw_migrate.config.env_file import render_env

    assert "LLM_AWS_BEDROCK_API_KEY" in render_env(plan)


def test_a_retired_model_keeps_its_provider_key(tmp_path: Path) -> None:
    # The successor LGM106 proposes is in the same family, usually on the same provider: the key stays.
    plan = plan_of(
        tmp_path, "model_list:\n  - model_name: m\n    litellm_params: {model: gemini/gemini-2.5-pro}\n"
    )
    assert "LGM106" in codes(plan)
    assert [k.provider for k in plan.provider_keys] == ["google-ai-studio"]


def test_several_keys_finding_counts_only_keys_in_the_plan(tmp_path: Path) -> None:
    plan = plan_of(
        tmp_path,
        """\
        model_list:
          - model_name: a
            litellm_params: {model: openai/gpt-4o, api_key: os.environ/KEY_A}
          - model_name: b
            litellm_params: {model: openai/gpt-9-imaginary, api_key: os.environ/KEY_B}
        """,
    )
    assert [(k.env_var, k.models) for k in plan.provider_keys] == [("KEY_A", ["a"])]
    assert "LGM147" not in codes(plan)


def test_wildcard_route_still_needs_its_key(tmp_path: Path) -> None:
    plan = plan_of(tmp_path, 'model_list:\n  - {model_name: "*", litellm_params: {model: "anthropic/*"}}\n')
    [key] = plan.provider_keys
    assert (key.provider, key.models) == ("anthropic", ["*"])


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
    return [f.message for f in reported(plan, "LGM129") if "query string" in f.message]  # type: ignore[attr-defined]


def test_query_string_in_custom_api_base_is_reported_and_left_out_of_the_base_url(tmp_path: Path) -> None:
    plan = plan_of(
        tmp_path,
        """\
        model_list:
          - model_name: q
            litellm_params: {model: openai/qwen, api_base: "http://host:8000/v1?api-version=1"}
        """,
        target="self-hosted",
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
    assert "LGM101" in all_codes(plan)


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
