"""Regressions found by running `config` over LiteLLM's own example configs (several LiteLLM versions)
and over configs shipped by other PyPI packages. Each config here is a minimal one written for the test.
"""

# ruff: noqa: E501  (inline YAML configs read better on one line)

from __future__ import annotations

from pathlib import Path

from llmgw_migrate.findings import Status
from tests.config.helpers import cause_messages, model, plan_of


def _by_code(plan, code: str) -> list[str]:  # type: ignore[no-untyped-def]
    return cause_messages(plan, code)  # a finding of its own, or its part of the LGM156 roll-up


def test_real_settings_keys_are_known(tmp_path: Path) -> None:
    plan = plan_of(
        tmp_path,
        """\
        model_list: []
        litellm_settings:
          custom_provider_map: [{provider: my-llm, custom_handler: custom_handler.my_custom_llm}]
          mcp_semantic_tool_filter: {enabled: true}
          disable_end_user_cost_tracking_prometheus_only: true
          require_auth_for_metrics_endpoint: false
        general_settings:
          coordination_redis: {host: os.environ/REDIS_HOST}
          custom_team_metadata_validate: my_module.validate
          team_metadata_validation_timeout: 5
          team_metadata_validation_error_message: try later
        sandbox_tools:
          - {sandbox_tool_name: py, sandbox_provider: e2b}
        """,
    )
    assert _by_code(plan, "LGM125") == []
    assert any("custom_provider_map" in m for m in _by_code(plan, "LGM127"))
    assert any("sandbox_tools" in m for m in _by_code(plan, "LGM127"))
    assert any("coordination_redis" in m for m in _by_code(plan, "LGM117"))
    assert any("require_auth_for_metrics_endpoint" in m for m in _by_code(plan, "LGM117"))


def test_real_litellm_params_are_classified(tmp_path: Path) -> None:
    plan = plan_of(
        tmp_path,
        """\
        guardrails:
          - {guardrail_name: mod, litellm_params: {guardrail: azure/text_moderations, mode: post_call}}
        model_list:
          - model_name: m
            litellm_params:
              model: openai/gpt-4o
              guardrails: [mod]
              itpm: 1000
              tag_regex: ["^team-a"]
              input_cost_per_token_above_200k_tokens: 0.000001
              tiered_pricing: []
              max_new_tokens: 10
              keepalive_seconds: 30
          - model_name: p
            litellm_params: {model: openai/gpt-4o, prompt_id: greet, prompt_label: prod, prompt_variables: {a: 1}}
        """,
    )
    assert _by_code(plan, "LGM126") == []
    assert any("model-level guardrails" in m and "`m`" in m for m in _by_code(plan, "LGM116"))
    assert any("itpm" in m for m in _by_code(plan, "LGM111"))
    assert any("tag_regex" in m for m in _by_code(plan, "LGM142"))
    [pricing] = _by_code(plan, "LGM134")
    assert "input_cost_per_token_above_200k_tokens" in pricing and "tiered_pricing" in pricing
    assert any("max_new_tokens" in m for m in _by_code(plan, "LGM118"))
    assert any("keepalive_seconds" in m for m in _by_code(plan, "LGM117"))
    assert any("prompt_id, prompt_label, prompt_variables" in m for m in _by_code(plan, "LGM127"))


def test_name_of_another_provider_maps_through_this_provider(tmp_path: Path) -> None:
    # `claude-opus-4-5` is vertex-anthropic's name for catalog model claude-opus-4-5-20251101, which the
    # gateway also serves through anthropic: it used to say "not served through anthropic (served by: anthropic, ...)"
    plan = plan_of(
        tmp_path,
        "model_list:\n  - {model_name: o, litellm_params: {model: anthropic/claude-opus-4-5, api_key: os.environ/K}}\n",
    )
    m = model(plan, "o")
    # it is also anthropic's undated alias of that snapshot: the same model, so no respelling finding
    assert (m.gateway_model, m.status) == ("anthropic/claude-opus-4-5-20251101", Status.exact)
    assert _by_code(plan, "LGM104") == [] and _by_code(plan, "LGM152") == []


def test_vertex_version_pin_resolves(tmp_path: Path) -> None:
    plan = plan_of(
        tmp_path,
        """\
        model_list:
          - {model_name: h, litellm_params: {model: vertex_ai/claude-haiku-4-5@20251001, vertex_project: p}}
          - {model_name: s, litellm_params: {model: vertex_ai/claude-sonnet-4-5@20250929, vertex_project: p}}
        """,
    )
    assert model(plan, "h").gateway_model == "vertex-anthropic/claude-haiku-4-5"
    assert model(plan, "s").gateway_model == "vertex-anthropic/claude-sonnet-4-5"
    assert _by_code(plan, "LGM104") == []
    assert all("vertex-anthropic key" in m for m in _by_code(plan, "LGM110"))


def test_vertex_version_pin_dropped_is_reported(tmp_path: Path) -> None:
    # a version that is no date (dated spellings resolve like `-YYYYMMDD` names do): the pin is dropped, and the plan says so
    plan = plan_of(
        tmp_path,
        "model_list:\n  - {model_name: h, litellm_params: {model: vertex_ai/claude-haiku-4-5@002}}\n",
    )
    m = model(plan, "h")
    assert (m.gateway_model, m.status) == ("vertex-anthropic/claude-haiku-4-5", Status.approximate)
    [msg] = _by_code(plan, "LGM152")
    assert "@002 is not kept" in msg


def test_model_known_only_as_deactivated_says_so(tmp_path: Path) -> None:
    # claude-3-5-sonnet-20240620 has no live provider: "served by: no live provider" became LGM106
    plan = plan_of(
        tmp_path,
        "model_list:\n  - {model_name: c, litellm_params: {model: bedrock/us.anthropic.claude-3-5-sonnet-20240620-v1:0}}\n",
    )
    assert model(plan, "c").status == Status.manual
    assert _by_code(plan, "LGM104") == []
    [msg] = _by_code(plan, "LGM106")
    assert "`claude-3-5-sonnet-20240620`" in msg and "no gateway provider serves" in msg
    assert "suggested successor" in msg


def test_same_unresolved_deployment_twice_is_not_a_mix(tmp_path: Path) -> None:
    # two entries of one azure deployment that names no model: no "mixes different models ... using `None`"
    plan = plan_of(
        tmp_path,
        """\
        model_list:
          - {model_name: g, litellm_params: {model: azure/chatgpt-v-2, api_base: "https://a.openai.azure.com", api_key: os.environ/K}}
          - {model_name: g, litellm_params: {model: azure/chatgpt-v-2, api_base: "https://a.openai.azure.com/", api_key: os.environ/K}}
          - {model_name: mix, litellm_params: {model: azure/chatgpt-v-2, api_base: "https://a.openai.azure.com", api_key: os.environ/K}}
          - {model_name: mix, litellm_params: {model: azure/other-deployment, api_base: "https://a.openai.azure.com", api_key: os.environ/K}}
        """,
    )
    assert model(plan, "g").status == Status.manual  # each deployment's LGM108 still stands
    # one finding per code for each model: both unknown azure deployment names (`mix` has the two) are
    # one LGM108 that names each and lists each deployment it touches
    # `mix` serves its first deployment: the unknown `other-deployment` is part of its LGM122
    [unknown] = [f for f in plan.findings if f.code == "LGM108"]
    assert [(loc.model, loc.line) for loc in unknown.locations] == [("g", 2), ("g", 3), ("mix", 4)]
    assert "`chatgpt-v-2` of `g` and `mix` is not" in unknown.message
    [mixed] = [f for f in plan.findings if f.code == "LGM122"]
    assert "[LGM108] azure deployment `other-deployment` of `mix` is not" in mixed.message
    assert ("mix", 5) in [(loc.model, loc.line) for loc in mixed.locations]
    assert any(
        "`g` load-balances 2 deployments of `azure/chatgpt-v-2`" in m for m in _by_code(plan, "LGM121")
    )
    [mix] = _by_code(plan, "LGM122")
    assert "`mix`" in mix and "None" not in mix and "using" not in mix


def test_batch_mode_deployment_is_not_a_chat_model(tmp_path: Path) -> None:
    # LiteLLM's Batches API deployments (model_info.mode: batch) have no gateway equivalent
    plan = plan_of(
        tmp_path,
        """\
        model_list:
          - model_name: b
            litellm_params: {model: bedrock/us.anthropic.claude-haiku-4-5-20251001-v1:0, s3_bucket_name: x}
            model_info: {mode: batch}
        """,
    )
    assert model(plan, "b").status == Status.manual
    assert any("mode `batch`" in m for m in _by_code(plan, "LGM135"))


def test_custom_provider_map_prefix_is_a_proxy_handler(tmp_path: Path) -> None:
    # `tavily/web-search` is served by a CustomLLM handler registered in custom_provider_map: not an unknown prefix
    plan = plan_of(
        tmp_path,
        """\
        model_list:
          - {model_name: search, litellm_params: {model: tavily/web-search, api_key: os.environ/TAVILY_API_KEY}}
          - {model_name: other, litellm_params: {model: nowhere/x}}
        litellm_settings:
          custom_provider_map: [{provider: tavily, custom_handler: my_pkg.tavily_handler}]
        """,
    )
    assert model(plan, "search").status == Status.unsupported
    [msg] = _by_code(plan, "LGM103")
    assert "`tavily`" in msg and "my_pkg.tavily_handler" in msg
    [unknown] = _by_code(plan, "LGM102")
    assert "`nowhere`" in unknown


def test_bare_legacy_completion_models_are_unsupported(tmp_path: Path) -> None:
    # LiteLLM 1.14's proxy_config.yaml: `model: text-davinci-003` was "cannot tell the provider"
    plan = plan_of(
        tmp_path,
        """\
        model_list:
          - {model_name: d, litellm_params: {model: text-davinci-003}}
          - {model_name: i, litellm_params: {model: gpt-3.5-turbo-instruct}}
          - {model_name: e, litellm_params: {model: text-embedding-ada-002}}
        """,
    )
    assert model(plan, "d").status == model(plan, "i").status == Status.unsupported
    # one cause (no gateway equivalent for text-completion-openai), both models listed
    [legacy] = [f for f in plan.findings if f.code == "LGM103"]
    assert [loc.model for loc in legacy.locations] == ["d", "i"] and _by_code(plan, "LGM102") == []
    assert "`d` = `text-davinci-003`" in legacy.message and "`i` = `gpt-3.5-turbo-instruct`" in legacy.message
    assert model(plan, "e").gateway_model == "openai/text-embedding-ada-002"


def test_prices_in_model_info_are_custom_pricing(tmp_path: Path) -> None:
    plan = plan_of(
        tmp_path,
        """\
        model_list:
          - model_name: q
            litellm_params: {model: ollama/qwen2:0.5b}
            model_info: {input_cost_per_token: 0.75, output_cost_per_token: 3, description: small}
        """,
    )
    [pricing] = _by_code(plan, "LGM134")
    assert "model_info.input_cost_per_token, model_info.output_cost_per_token" in pricing
    [meta] = _by_code(plan, "LGM143")
    assert "description" in meta and "cost" not in meta


def test_key_in_api_base_query_is_a_secret(tmp_path: Path) -> None:
    # `?api-key=...` in a URL went into the plan (custom provider base URL and its LGM136 message)
    from llmgw_migrate.config.render import render

    plan = plan_of(
        tmp_path,
        """\
        model_list:
          - {model_name: x, litellm_params: {model: openai/llama3, api_base: "https://my.server/v1?api-key=QSECRET111&region=eu"}}
          - {model_name: g, litellm_params: {model: openai/g, api_base: "https://u:PSECRET222@g.example.com/v1?key=QSECRET333"}}
        general_settings:
          alerting_webhooks: ["https://hooks.example.com/x?sig=QSECRET444"]
        """,
    )
    outputs = [render(plan, fmt) for fmt in ("json", "yaml", "markdown", "text")]
    for secret in ("QSECRET111", "PSECRET222", "QSECRET333", "QSECRET444"):
        assert not any(secret in out for out in outputs), secret
    # the query string cannot stay in a custom provider's base URL (LGM129); its parameters are named, not valued
    assert plan.provider_keys[0].base_url == "https://my.server"
    [query] = [m for m in _by_code(plan, "LGM129") if "my.server" in m]
    assert "(api-key, region)" in query
    secrets = _by_code(plan, "LGM101")
    assert len(secrets) == 2  # one per secret-carrying key, each place listed
    [api_base] = [m for m in secrets if "api_base" in m]
    assert "`model_list[*].litellm_params.api_base`" in api_base and "(2 places)" in api_base
    # the model_list one is part of the deployments' roll-up, which keeps both lines
    [rollup] = [f for f in plan.findings if f.code == "LGM156"]
    assert "[LGM101] inline secret at `model_list[*].litellm_params.api_base`" in rollup.message
    assert {2, 3} <= {loc.line for loc in rollup.locations}
