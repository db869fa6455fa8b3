"""One test (or a few cases) per mapping rule of convert: provider, model id, key, findings."""

# ruff: noqa: E501  (inline YAML configs read better on one line)

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from llmgw_migrate.config.resolve import CUSTOM_NAME_RE, derive_custom_name, normalize_base_url
from llmgw_migrate.findings import Status
from tests.config.helpers import all_codes, codes, model, plan_of, reported


def one(tmp_path: Path, params: str, info: str = "", **kw: object):  # type: ignore[no-untyped-def]
    text = f"model_list:\n  - model_name: m\n    litellm_params: {params}\n"
    if info:
        text += f"    model_info: {info}\n"
    return plan_of(tmp_path, text, **kw)


@pytest.mark.parametrize(
    ("litellm_model", "gateway_model"),
    [
        ("openai/gpt-4o", "openai/gpt-4o"),
        ("openai/gpt-4o-2024-08-06", "openai/gpt-4o"),  # dated name
        ("gpt-4o", "openai/gpt-4o"),  # bare name, LiteLLM's model map
        ("openai/responses/gpt-4o", "openai/gpt-4o"),  # sub-route stripped
        ("anthropic/claude-sonnet-4-6", "anthropic/claude-sonnet-4-6"),
        ("claude-sonnet-4-6", "anthropic/claude-sonnet-4-6"),
        ("gemini/gemini-3.7-flash", "google-ai-studio/gemini-3.7-flash"),
        ("xai/grok-4.3", "xai/grok-4-3"),  # catalog id differs from upstream name
        ("cerebras/llama-3.3-70b", "cerebras/llama-3.3-70b-instruct"),
        ("bedrock/us.anthropic.claude-sonnet-4-5-20250929-v1:0", "aws-bedrock/claude-sonnet-4-5"),
        ("bedrock/converse/anthropic.claude-haiku-4-5-20251001-v1:0", "aws-bedrock/claude-haiku-4-5"),
        ("vertex_ai/gemini-3.7-flash", "google-vertex/gemini-3.7-flash"),
        ("vertex_ai/claude-sonnet-4-5", "vertex-anthropic/claude-sonnet-4-5"),
    ],
)
def test_catalog_mapping(tmp_path: Path, litellm_model: str, gateway_model: str) -> None:
    plan = one(tmp_path, f"{{model: {litellm_model}, api_key: os.environ/K}}")
    assert model(plan, "m").gateway_model == gateway_model
    assert model(plan, "m").litellm_model == litellm_model


def test_provider_key_records_env_reference_and_gateway_variable(tmp_path: Path) -> None:
    plan = one(tmp_path, "{model: openai/gpt-4o, api_key: os.environ/TEAM_OPENAI_KEY}")
    [key] = plan.provider_keys
    assert (key.provider, key.env_var, key.gateway_env_var, key.models) == (
        "openai",
        "TEAM_OPENAI_KEY",
        "LLM_OPENAI_API_KEY",
        ["m"],
    )


def test_missing_api_key_uses_litellms_default_variable(tmp_path: Path) -> None:
    plan = one(tmp_path, "{model: anthropic/claude-haiku-4-5}")
    assert plan.provider_keys[0].env_var == "ANTHROPIC_API_KEY"


def test_groq_model_missing_from_catalog_suggests_closest(tmp_path: Path) -> None:
    plan = one(tmp_path, "{model: groq/qwen/qwen3-32b, api_key: os.environ/GROQ_API_KEY}")
    m = model(plan, "m")
    assert (m.gateway_model, m.status, m.provider) == (None, Status.manual, "groq")
    [f] = [f for f in plan.findings if f.code == "LGM104"]
    assert "qwen3-32b" in f.message and f.line == 3


def test_smart_routing_gives_bare_ids_for_multi_provider_models(tmp_path: Path) -> None:
    text = "{model: anthropic/claude-sonnet-4-5, api_key: os.environ/K}"
    assert model(one(tmp_path, text, routing="smart"), "m").gateway_model == "claude-sonnet-4-5"
    single = one(tmp_path, "{model: openai/text-embedding-3-small}", routing="smart")
    assert model(single, "m").gateway_model == "openai/text-embedding-3-small"  # one provider: stays pinned


class TestAzure:
    def test_deployment_named_like_model(self, tmp_path: Path) -> None:
        plan = one(
            tmp_path,
            "{model: azure/gpt-4o, api_base: 'https://contoso.openai.azure.com/', api_version: '2024-10-21', api_key: os.environ/AZ}",
        )
        assert model(plan, "m").gateway_model == "azure/gpt-4o"
        assert plan.provider_keys[0].options == {
            "azure_resource": "contoso",
            "azure_api_version": "2024-10-21",
        }
        assert "LGM107" not in codes(plan)

    def test_base_model_resolves_deployment_and_needs_deployment_name_option(self, tmp_path: Path) -> None:
        plan = one(
            tmp_path,
            "{model: azure/prod-chat, api_base: os.environ/AZURE_API_BASE, api_key: os.environ/AZ}",
            "{base_model: azure/gpt-4.1}",
        )
        m = model(plan, "m")
        assert (m.gateway_model, m.status) == ("azure/gpt-4.1", Status.approximate)
        key = plan.provider_keys[0]
        assert key.options["azure_deployment_name"] == "prod-chat"
        assert key.base_url == "os.environ/AZURE_API_BASE"
        assert "LGM107" in codes(plan)

    def test_unknown_deployment_without_base_model_is_manual(self, tmp_path: Path) -> None:
        plan = one(tmp_path, "{model: azure/team-deployment, api_key: os.environ/AZ}")
        assert model(plan, "m").status == Status.manual
        assert "LGM108" in codes(plan)

    def test_azure_ad_token_is_manual(self, tmp_path: Path) -> None:
        plan = one(tmp_path, "{model: azure/gpt-4o, azure_ad_token: os.environ/T}")
        assert "LGM137" in codes(plan)


def test_bedrock_iam_is_manual_and_region_becomes_option(tmp_path: Path) -> None:
    plan = one(
        tmp_path,
        "{model: bedrock/anthropic.claude-haiku-4-5-20251001-v1:0, aws_access_key_id: os.environ/A, aws_secret_access_key: os.environ/S, aws_region_name: eu-west-1}",
    )
    [f] = [f for f in plan.findings if f.code == "LGM109"]
    assert f.status == Status.manual and "aws_access_key_id" in f.message
    assert plan.provider_keys[0].options == {"aws_bedrock_region": "eu-west-1"}
    assert plan.provider_keys[0].env_var is None


def test_bedrock_cross_region_prefix_sets_region(tmp_path: Path) -> None:
    plan = one(
        tmp_path,
        "{model: bedrock/eu.anthropic.claude-haiku-4-5-20251001-v1:0, api_key: os.environ/BEDROCK_KEY}",
    )
    assert plan.provider_keys[0].options == {"aws_bedrock_region": "eu"}
    assert "LGM109" not in codes(plan)


def test_vertex_credentials_are_manual_with_project_option(tmp_path: Path) -> None:
    plan = one(
        tmp_path,
        "{model: vertex_ai/gemini-3.7-flash, vertex_project: p1, vertex_location: us-central1, vertex_credentials: /secrets/sa.json}",
    )
    assert plan.provider_keys[0].options == {
        "google_vertex_project_id": "p1",
        "google_vertex_region": "us-central1",
    }
    assert "LGM110" in all_codes(plan)
    assert "LGM101" in all_codes(plan)  # a credential path inline counts as an inline credential


class TestCustomProviders:
    def test_openai_with_foreign_api_base_is_custom(self, tmp_path: Path) -> None:
        plan = one(
            tmp_path,
            "{model: openai/my-model, api_base: 'https://llm.example-corp.com/v1/', api_key: os.environ/CORP}",
        )
        m = model(plan, "m")
        assert (m.gateway_model, m.provider, m.custom) == ("example-corp/my-model", "example-corp", True)
        key = plan.provider_keys[0]
        assert (key.provider, key.name, key.base_url, key.env_var) == (
            "custom",
            "example-corp",
            "https://llm.example-corp.com",
            "CORP",
        )
        assert "LGM129" not in codes(plan)

    def test_openai_with_openai_api_base_stays_openai(self, tmp_path: Path) -> None:
        plan = one(tmp_path, "{model: openai/gpt-4o, api_base: 'https://api.openai.com/v1'}")
        assert model(plan, "m").gateway_model == "openai/gpt-4o"

    def test_base_url_without_v1_is_flagged(self, tmp_path: Path) -> None:
        plan = one(tmp_path, "{model: openai/x, api_base: 'https://open.bigmodel.cn/api/paas/v4'}")
        [f] = reported(plan, "LGM129")
        assert "/api/paas/v4/v1/chat/completions" in f.message

    def test_ollama_default_and_docker_host(self, tmp_path: Path) -> None:
        plan = one(tmp_path, "{model: ollama/llama3.1:8b}")
        assert model(plan, "m").gateway_model == "ollama/llama3.1:8b"
        assert plan.provider_keys[0].base_url == "http://localhost:11434"
        plan = one(tmp_path, "{model: ollama_chat/llama3, api_base: 'http://gpu-box:11434'}")
        assert model(plan, "m").gateway_model == "gpu-box/llama3"

    def test_hosted_vllm_needs_api_base(self, tmp_path: Path) -> None:
        plan = one(tmp_path, "{model: hosted_vllm/my-model}")
        assert model(plan, "m").status == Status.manual
        assert "LGM140" in codes(plan)

    def test_openrouter_has_known_base_url(self, tmp_path: Path) -> None:
        plan = one(tmp_path, "{model: openrouter/meta-llama/llama-4-maverick, api_key: os.environ/OR}")
        assert model(plan, "m").gateway_model == "openrouter/meta-llama/llama-4-maverick"
        assert plan.provider_keys[0].base_url == "https://openrouter.ai/api"

    def test_custom_provider_embeddings_are_manual(self, tmp_path: Path) -> None:
        plan = one(tmp_path, "{model: openai/bge, api_base: 'http://emb:8080/v1'}", "{mode: embedding}")
        assert "LGM148" in codes(plan)

    def test_distinct_servers_get_distinct_names(self, tmp_path: Path) -> None:
        plan = plan_of(
            tmp_path,
            """\
            model_list:
              - {model_name: a, litellm_params: {model: openai/x, api_base: 'http://10.0.0.1:8000/v1'}}
              - {model_name: b, litellm_params: {model: openai/y, api_base: 'http://10.0.0.2:8000/v1'}}
              - {model_name: c, litellm_params: {model: openai/z, api_base: 'http://10.0.0.1:8000/v1'}}
            """,
        )
        names = [model(plan, n).provider for n in "abc"]
        assert names[0] == names[2] != names[1]
        assert all(CUSTOM_NAME_RE.match(n or "") for n in names)

    def test_unknown_prefix_with_api_base_becomes_custom(self, tmp_path: Path) -> None:
        plan = one(
            tmp_path,
            "{model: siliconflow/Qwen/Qwen2.5-72B-Instruct, api_base: 'https://api.siliconflow.cn/v1'}",
        )
        assert model(plan, "m").gateway_model == "siliconflow/Qwen/Qwen2.5-72B-Instruct"
        assert "LGM102" in codes(plan)


@pytest.mark.parametrize(
    ("url", "prefix", "name"),
    [
        (
            "https://exampleopenaiendpoint-production.up.railway.app",
            "openai",
            "exampleopenaiendpoint-production",
        ),
        ("http://ollama:11434", "ollama", "ollama"),
        ("http://localhost:8000", "hosted_vllm", "local-hosted-vllm"),
        ("http://127.0.0.1:1234", "lm_studio", "local-lm-studio"),
        ("https://api.together.xyz", "openai", "together"),
        ("os.environ/MY_BASE", "openai_like", "openai-like"),
        ("http://qwen-small:8080", "openai", "qwen-small"),
    ],
)
def test_derive_custom_name(url: str, prefix: str, name: str) -> None:
    assert derive_custom_name(url, prefix) == name
    assert CUSTOM_NAME_RE.match(name)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://x.dev/v1/", "https://x.dev"),
        ("https://x.dev/api/v1", "https://x.dev/api"),
        ("http://h:1/", "http://h:1"),
        ("os.environ/B", "os.environ/B"),
    ],
)
def test_normalize_base_url(url: str, expected: str) -> None:
    assert normalize_base_url(url) == expected


def test_unsupported_provider(tmp_path: Path) -> None:
    plan = one(tmp_path, "{model: sagemaker/my-endpoint}")
    m = model(plan, "m")
    assert (m.status, m.gateway_model) == (Status.unsupported, None)
    assert "LGM103" in codes(plan)


def test_text_completion_is_unsupported(tmp_path: Path) -> None:
    assert (
        model(one(tmp_path, "{model: text-completion-openai/gpt-3.5-turbo-instruct}"), "m").status
        == Status.unsupported
    )


def test_unknown_bare_model_is_manual(tmp_path: Path) -> None:
    plan = one(tmp_path, "{model: mystery-model-9000}")
    assert model(plan, "m").status == Status.manual
    assert "LGM102" in codes(plan)


class TestDates:
    def test_deactivated_model_is_manual_with_successor(self, tmp_path: Path) -> None:
        plan = one(tmp_path, "{model: gemini/gemini-2.5-flash}", as_of=dt.date(2026, 11, 1))
        [f] = [f for f in plan.findings if f.code == "LGM106"]
        assert "2026-10-16" in f.message and "gemini-3.7-flash" in f.message
        assert model(plan, "m").status == Status.manual

    def test_as_of_before_deactivation_is_only_scheduled(self, tmp_path: Path) -> None:
        plan = one(tmp_path, "{model: gemini/gemini-2.5-flash}", as_of=dt.date(2026, 1, 1))
        assert "LGM106" not in codes(plan)
        assert "LGM145" in codes(plan)
        assert model(plan, "m").status == Status.exact

    def test_deprecated_mapping_with_dates(self, tmp_path: Path) -> None:
        # azure's gpt-4o-mini: deprecated 2026-01-09, deactivated 2026-03-31
        plan = one(tmp_path, "{model: azure/gpt-4o-mini, api_key: os.environ/K}", as_of=dt.date(2026, 2, 1))
        [f] = [f for f in plan.findings if f.code == "LGM105"]
        assert "2026-01-09" in f.message and "2026-03-31" in f.message

    def test_provider_mapping_gone_but_model_lives(self, tmp_path: Path) -> None:
        plan = one(tmp_path, "{model: azure/gpt-4o-mini, api_key: os.environ/K}", as_of=dt.date(2026, 6, 1))
        assert "LGM144" in codes(plan)
        assert model(plan, "m").gateway_model == "gpt-4o-mini"


class TestGroups:
    def test_same_model_several_keys(self, tmp_path: Path) -> None:
        plan = plan_of(
            tmp_path,
            """\
            model_list:
              - {model_name: g, litellm_params: {model: openai/gpt-4o, api_key: os.environ/K1}}
              - {model_name: g, litellm_params: {model: openai/gpt-4o, api_key: os.environ/K2}}
            """,
        )
        m = model(plan, "g")
        assert (m.deployments, m.gateway_model, m.status) == (2, "openai/gpt-4o", Status.approximate)
        # the group's two keys are a fact of its LGM121, not a finding of their own
        assert "LGM121" in codes(plan) and "LGM147" not in codes(plan)
        [lb] = [f for f in plan.findings if f.code == "LGM121"]
        assert "2 different keys or settings for provider `openai`" in lb.message
        assert len(plan.provider_keys) == 2

    def test_mixed_providers_same_catalog_model_gives_bare_id(self, tmp_path: Path) -> None:
        plan = plan_of(
            tmp_path,
            """\
            model_list:
              - {model_name: g, litellm_params: {model: anthropic/claude-sonnet-4-5}}
              - {model_name: g, litellm_params: {model: bedrock/anthropic.claude-sonnet-4-5-20250929-v1:0, api_key: os.environ/B}}
            """,
        )
        assert model(plan, "g").gateway_model == "claude-sonnet-4-5"

    def test_different_models_are_manual(self, tmp_path: Path) -> None:
        plan = plan_of(
            tmp_path,
            """\
            model_list:
              - {model_name: g, litellm_params: {model: openai/gpt-4o}}
              - {model_name: g, litellm_params: {model: anthropic/claude-haiku-4-5}}
            """,
        )
        assert model(plan, "g").status == Status.manual
        assert "LGM122" in codes(plan)


class TestAliases:
    def test_model_group_alias_string_and_hidden(self, tmp_path: Path) -> None:
        plan = plan_of(
            tmp_path,
            """\
            model_list:
              - {model_name: real, litellm_params: {model: openai/gpt-4o}}
            router_settings:
              model_group_alias:
                a1: real
                a2: {model: real, hidden: true}
            litellm_settings:
              model_alias_map: {a3: real, a1: ignored}
            """,
        )
        a1, a2, a3 = model(plan, "a1"), model(plan, "a2"), model(plan, "a3")
        assert (a1.gateway_model, a1.alias_of, a1.hidden) == ("openai/gpt-4o", "real", False)
        assert a2.hidden is True
        assert a3.alias_of == "real"
        assert codes(plan).count("LGM123") == 3

    def test_alias_through_wildcard_and_missing_target(self, tmp_path: Path) -> None:
        plan = plan_of(
            tmp_path,
            """\
            model_list:
              - {model_name: "*", litellm_params: {model: "openai/*", api_key: os.environ/K}}
            router_settings:
              model_group_alias: {latest: gpt-4o}
            litellm_settings:
              model_alias_map: {ghost: "anthropic/nothing"}
            """,
        )
        assert model(plan, "latest").gateway_model == "openai/gpt-4o"
        assert model(plan, "*").gateway_model is None
        assert model(plan, "ghost").status == Status.manual
        assert "LGM124" in codes(plan) and "LGM120" in codes(plan)


def test_fallbacks_router_wins_and_chain_is_listed(tmp_path: Path) -> None:
    plan = plan_of(
        tmp_path,
        """\
        model_list:
          - {model_name: a, litellm_params: {model: openai/gpt-4o}}
          - {model_name: b, litellm_params: {model: anthropic/claude-haiku-4-5}}
        router_settings:
          fallbacks: [{a: [b]}]
        litellm_settings:
          fallbacks: [{b: [a]}]
          context_window_fallbacks: [{a: [b]}]
        """,
    )
    assert [(c.kind, c.model, c.fallbacks) for c in plan.fallbacks] == [
        ("fallbacks", "a", ["b"]),
        ("context_window_fallbacks", "a", ["b"]),
    ]
    msgs = [f.message for f in plan.findings if f.code == "LGM113"]
    assert any("`a` -> `b` (anthropic/claude-haiku-4-5)" in m for m in msgs)
    assert "LGM138" in codes(plan)


def test_fallback_within_one_catalog_model_suggests_bare_id(tmp_path: Path) -> None:
    plan = plan_of(
        tmp_path,
        """\
        model_list:
          - {model_name: a, litellm_params: {model: anthropic/claude-sonnet-4-5}}
          - {model_name: b, litellm_params: {model: bedrock/anthropic.claude-sonnet-4-5-20250929-v1:0, api_key: os.environ/B}}
        router_settings:
          fallbacks: [{a: [b]}]
        """,
    )
    [f] = [f for f in plan.findings if f.code == "LGM113"]
    assert "bare id `claude-sonnet-4-5`" in f.message


def test_completion_kwargs_limits_and_dropped_params(tmp_path: Path) -> None:
    plan = plan_of(
        tmp_path,
        """\
        model_list:
          - model_name: t
            litellm_params: {model: openai/gpt-4o, temperature: 0.1, seed: 3, stop: [x], max_completion_tokens: 9, rpm: 5, frobnicate: 1}
            tpm: 10
        """,
    )
    # four kinds of fields that do not carry over: one roll-up, keeping every param and line
    assert codes(plan) == ["LGM156"]
    assert all_codes(plan) == {"LGM156", "LGM111", "LGM118", "LGM119", "LGM126"}
    [rollup] = plan.findings
    assert all(
        f"litellm_params.{k} is dropped" in rollup.message for k in ("seed", "stop", "max_completion_tokens")
    )
    assert "rpm set on the deployment" in rollup.message and "tpm (legacy form" in rollup.message
    assert {loc.line for loc in rollup.locations} == {3, 4}


def test_settings_sections_and_unknown_keys(tmp_path: Path) -> None:
    plan = plan_of(
        tmp_path,
        """\
        model_list: []
        litellm_settings: {callbacks: [langfuse], cache: true, cache_params: {type: local, ttl: 3}, max_budget: 1, brand_new: 1}
        router_settings: {routing_strategy: latency-based-routing, weird: 2}
        general_settings: {master_key: os.environ/MK, custom_auth: x.y, store_model_in_db: true}
        guardrails: [{guardrail_name: g1, litellm_params: {guardrail: lakera, mode: pre_call}}]
        mcp_servers: {}
        unheard_of: 1
        """,
    )
    c = codes(plan)
    for code in ("LGM115", "LGM114", "LGM112", "LGM146", "LGM132", "LGM127", "LGM131", "LGM116"):
        assert code in c, code
    unknown = [f.message for f in plan.findings if f.code == "LGM125"]
    assert len(unknown) == 3 and any("unheard_of" in m for m in unknown)
    [cache] = [f for f in plan.findings if f.code == "LGM114"]
    assert "use 10s" in cache.message


def test_credential_list_supplies_key(tmp_path: Path) -> None:
    plan = plan_of(
        tmp_path,
        """\
        credential_list:
          - credential_name: shared-azure
            credential_values: {api_key: os.environ/AZ_KEY, api_base: 'https://shared.openai.azure.com', api_version: '2024-10-21'}
        model_list:
          - {model_name: a, litellm_params: {model: azure/gpt-4o, litellm_credential_name: shared-azure}}
        """,
    )
    key = plan.provider_keys[0]
    assert (key.env_var, key.options["azure_resource"]) == ("AZ_KEY", "shared")
    assert "LGM139" in codes(plan)


def test_inline_secrets_are_reported_never_printed(tmp_path: Path) -> None:
    plan = plan_of(
        tmp_path,
        """\
        model_list:
          - {model_name: a, litellm_params: {model: openai/gpt-4o, api_key: sk-verysecret-123}}
        general_settings: {master_key: sk-master-xyz, database_url: 'postgres://u:pw-999@db/x'}
        environment_variables: {SOME_TOKEN: tok-abc-777, HOST: example.org}
        """,
    )
    text = plan.to_json()
    for secret in ("sk-verysecret-123", "sk-master-xyz", "pw-999", "tok-abc-777"):
        assert secret not in text
    assert codes(plan).count("LGM101") == 4
    assert plan.provider_keys[0].env_var is None


def test_a_secret_that_is_a_schema_word_is_masked_without_breaking_the_plan(tmp_path: Path) -> None:
    tmp_path = tmp_path / "litellm"
    # A database password `litellm` (and a key `exact`) once turned the plan's own `litellm_model` field
    # and `exact` status into ***, and the plan no longer validated: exit 2 on a real config.
    plan = plan_of(
        tmp_path,
        """\
        model_list:
          - {model_name: a, litellm_params: {model: openai/gpt-4o, api_key: exact}}
          - {model_name: litellm-chat, litellm_params: {model: openai/gpt-4o-mini}}
        general_settings: {database_url: 'postgresql://litellm:litellm@postgres:5432/litellm'}
        """,
    )
    assert model(plan, "a").status == "exact"
    assert [m.name for m in plan.models] == ["a", "litellm-chat"]
    assert "***" not in (plan.models[0].file or "")
    assert [m.litellm_model for m in plan.models] == ["openai/gpt-4o", "openai/gpt-4o-mini"]
    assert "litellm:litellm@" not in plan.to_json()
    assert codes(plan).count("LGM101") >= 1


def test_placeholder_keys_are_not_secrets(tmp_path: Path) -> None:
    plan = one(tmp_path, "{model: openai/tinyllama, api_base: 'http://tinyllama:8080/v1', api_key: dummy}")
    assert "LGM101" not in codes(plan)
    assert plan.provider_keys[0].env_var is None
    assert "dummy" not in plan.to_json()


@pytest.mark.parametrize(
    ("name", "first"),
    [
        ("qwen/qwen3-32b", "qwen3-32b"),
        ("gpt4o", "gpt-4o"),
        ("llama-3.3-70b-versatile", "llama-3.3-70b-instruct"),
        ("mistral/codestral-latest", "codestral-2508"),  # not mistral-ocr-latest
        ("mistral-small-latest", "mistral-small-2506"),
    ],
)
def test_closest_ids(name: str, first: str) -> None:
    from llmgw_migrate.config.catalog import load_catalog
    from llmgw_migrate.config.resolve import closest_ids

    hits = closest_ids(load_catalog(), name)
    assert hits[0] == first and len(hits) <= 3
    assert closest_ids(load_catalog(), "zzzz-qqqq") == []


@pytest.mark.parametrize(
    ("litellm_model", "mode"),
    [
        ("cohere/rerank-english-v3.0", "rerank"),
        ("openai/nomic-embed-text", "embedding"),
        ("openai/whisper-large", "audio_transcription"),
        ("openai/gpt-4o", "chat"),
    ],
)
def test_mode_inferred_from_name_when_model_info_is_silent(
    tmp_path: Path, litellm_model: str, mode: str
) -> None:
    plan = one(tmp_path, f"{{model: {litellm_model}, api_base: 'http://srv:8000/v1'}}")
    assert model(plan, "m").mode == mode
    assert ("LGM148" in codes(plan)) == (mode != "chat")


def test_same_custom_server_twice_is_one_group(tmp_path: Path) -> None:
    plan = plan_of(
        tmp_path,
        """\
        model_list:
          - {model_name: g, litellm_params: {model: openai/m, api_base: 'http://srv:8000/v1', tags: [a]}}
          - {model_name: g, litellm_params: {model: openai/m, api_base: 'http://srv:8000/v1', tags: [b]}}
        """,
        target="self-hosted",  # `srv` is a compose service name: only a self-hosted gateway reaches it
    )
    m = model(plan, "g")
    assert (m.gateway_model, m.deployments, m.status) == ("srv/m", 2, Status.approximate)
    assert "LGM122" not in codes(plan)


def test_credentials_in_api_base_never_reach_the_plan(tmp_path: Path) -> None:
    plan = one(tmp_path, "{model: openai/m, api_base: 'https://bob:hunter2-pw@llm.corp.example/v1'}")
    assert plan.provider_keys[0].base_url == "https://llm.corp.example"
    assert "hunter2-pw" not in plan.to_json()
    assert "LGM101" in all_codes(plan)


def test_bare_star_and_env_model(tmp_path: Path) -> None:
    plan = plan_of(
        tmp_path,
        """\
        model_list:
          - {model_name: "*", litellm_params: {model: "*"}}
          - {model_name: e, litellm_params: {model: os.environ/MODEL}}
        """,
    )
    star, env = model(plan, "*"), model(plan, "e")
    assert (star.status, star.gateway_model, env.status) == (Status.approximate, None, Status.manual)
    assert any(f.code == "LGM102" and "env var MODEL" in f.message for f in plan.findings)
    assert plan.provider_keys == []


def test_alias_through_bare_star_route(tmp_path: Path) -> None:
    plan = plan_of(
        tmp_path,
        """\
        model_list:
          - {model_name: "*", litellm_params: {model: "*"}}
        router_settings:
          model_group_alias: {smart: claude-sonnet-4-5, nothing: zzz-unknown}
        """,
    )
    assert model(plan, "smart").gateway_model == "claude-sonnet-4-5"
    assert model(plan, "nothing").status == Status.manual


def test_azure_ai_foundry_resource_and_version(tmp_path: Path) -> None:
    from llmgw_migrate.config.env_file import render_env

    plan = one(
        tmp_path,
        "{model: azure_ai/grok-4.3, api_base: 'https://acme-foundry.services.ai.azure.com/models', api_version: '2024-05-01-preview', api_key: os.environ/FOUNDRY_KEY}",
    )
    assert model(plan, "m").gateway_model == "azure-ai-foundry/grok-4-3"
    assert plan.provider_keys[0].options == {
        "azure_resource": "acme-foundry",
        "azure_api_version": "2024-05-01-preview",
    }
    env = render_env(plan).splitlines()
    assert "LLM_AZURE_AI_FOUNDRY_RESOURCE=acme-foundry" in env
    assert "LLM_AZURE_AI_FOUNDRY_API_VERSION=2024-05-01-preview" in env
    assert "LLM_AZURE_AI_FOUNDRY_API_KEY=${FOUNDRY_KEY}" in env


def test_organization_list_expands_deployments(tmp_path: Path) -> None:
    plan = one(tmp_path, "{model: openai/gpt-4o, api_key: os.environ/K, organization: [org-a, org-b, org-c]}")
    m = model(plan, "m")
    assert (m.deployments, m.gateway_model) == (3, "openai/gpt-4o")
    assert any(f.code == "LGM130" and "3 OpenAI organizations" in f.message for f in plan.findings)
    assert "LGM121" in codes(plan)
