"""Issue 12 items 3-4: mappings that were wrong and the decisions on what was debatable."""

# ruff: noqa: E501

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from llmgw_migrate.config.catalog import load_catalog
from llmgw_migrate.findings import Status
from tests.config.helpers import codes, model, plan_of, reported

AS_OF = dt.date(2026, 12, 4)


def _one(tmp_path: Path, entry: str, **kw: object):  # type: ignore[no-untyped-def]
    plan = plan_of(tmp_path, "model_list:\n  - " + entry + "\n", as_of=AS_OF, **kw)
    return plan, plan.models[0]


def test_custom_llm_provider_keeps_the_organization(tmp_path: Path) -> None:
    plan, m = _one(
        tmp_path,
        "{model_name: llama, litellm_params: {model: meta-llama/Meta-Llama-3-8B-Instruct, custom_llm_provider: openai, api_base: 'https://vllm.example.com/v1'}}",
    )
    assert m.gateway_model.endswith("/meta-llama/Meta-Llama-3-8B-Instruct"), m.gateway_model  # type: ignore[union-attr]
    assert m.upstream_model == "meta-llama/Meta-Llama-3-8B-Instruct"
    assert "LGM102" not in codes(plan)  # no "not a LiteLLM provider prefix" guess any more


@pytest.mark.parametrize(
    ("written", "catalog_id"),
    [
        ("vertex_ai/claude-3-5-sonnet-v2@20241022", "claude-3-5-sonnet-20241022"),
        ("vertex_ai/claude-3-7-sonnet@20250219", "claude-3-7-sonnet-20250219"),
    ],
)
def test_vertex_pins_of_retired_claude_models_are_retirements(
    tmp_path: Path, written: str, catalog_id: str
) -> None:
    plan, m = _one(tmp_path, f"{{model_name: c, litellm_params: {{model: {written}, vertex_project: p}}}}")
    assert m.status == Status.manual
    [retired] = [f for f in plan.findings if f.code == "LGM106"]
    assert (
        f"catalog model `{catalog_id}`" in retired.message
        and "suggested successor: `claude-" in retired.message
    )
    assert "LGM104" not in codes(plan)


def test_undated_name_resolves_to_its_dated_snapshot_and_retirement(tmp_path: Path) -> None:
    plan, m = _one(
        tmp_path,
        "{model_name: opus, litellm_params: {model: anthropic/claude-opus-4-1, api_key: os.environ/A}}",
    )
    assert m.catalog_id == "claude-opus-4-1-20250805"
    assert "LGM104" not in codes(plan)
    assert {"LGM144", "LGM106", "LGM105", "LGM145"} & set(codes(plan))  # its retirement is reported


def test_shell_templates_are_manual_with_their_default(tmp_path: Path) -> None:
    plan, m = _one(
        tmp_path,
        "{model_name: s, litellm_params: {model: 'openai/${SELF_HOSTED_LLM_MODEL_NAME:-custom-model}', api_base: '${SELF_HOSTED_LLM_BASE_URL}'}}",
    )
    assert m.status == Status.manual and m.gateway_model is None and not plan.provider_keys
    [f] = [f for f in plan.findings if f.code == "LGM153"]
    assert (
        "defaults to `custom-model`" in f.message
        and "${SELF_HOSTED_LLM_BASE_URL} has no default" in f.message
    )
    assert "LGM136" not in codes(plan)  # no custom provider named after the placeholder


@pytest.mark.parametrize(
    ("base", "why"),
    [
        ("http://localhost:8000/v1", "localhost"),
        ("http://vllm:8000/v1", "docker/compose service"),
        ("http://10.1.2.3:8000/v1", "RFC 1918"),
        ("http://llm.ml.svc.cluster.local/v1", "Kubernetes service"),
        ("http://llm.corp.internal/v1", "`.internal`"),
        ("http://gpu-box.local/v1", "`.local`"),
    ],
)
def test_managed_target_cannot_reach_private_base_urls(tmp_path: Path, base: str, why: str) -> None:
    entry = f"{{model_name: m, litellm_params: {{model: openai/qwen, api_base: '{base}'}}}}"
    plan, m = _one(tmp_path, entry)
    assert m.status == Status.manual
    [f] = [f for f in plan.findings if f.code == "LGM154"]
    assert why in f.message
    plan, m = _one(tmp_path, entry, target="self-hosted")
    assert m.status == Status.exact and "LGM154" not in codes(plan)


@pytest.mark.parametrize(
    "model", ["openai/glm-4.7", "nvidia_nim/deepseek-ai/deepseek-v4-pro", "hosted_vllm/qwen"]
)
def test_managed_target_base_url_from_the_environment_is_manual(tmp_path: Path, model: str) -> None:
    # held-out configs Tomatio13/deepbot and LingloVea/docker-compose (issue 12): api_base os.environ/VAR
    entry = f"{{model_name: m, litellm_params: {{model: {model}, api_base: os.environ/LLM_BASE}}}}"
    plan, m = _one(tmp_path, entry)
    assert m.status == Status.manual
    [f] = [f for f in plan.findings if f.code == "LGM190"]
    assert "os.environ/LLM_BASE" in f.message and "`m`" in f.message and model in f.message
    plan, m = _one(tmp_path, entry, target="self-hosted")
    assert m.status == Status.exact and "LGM190" not in codes(plan)


def test_public_base_url_stays_exact_on_managed(tmp_path: Path) -> None:
    plan, m = _one(
        tmp_path,
        "{model_name: m, litellm_params: {model: openai/qwen, api_base: 'https://llm.example.com/v1'}}",
    )
    assert m.status == Status.exact and "LGM154" not in codes(plan)


def test_vertex_openai_endpoint_is_the_vertex_openai_provider(tmp_path: Path) -> None:
    plan, m = _one(
        tmp_path,
        "{model_name: ds, litellm_params: {model: openai/deepseek-ai/deepseek-v3.2-maas, api_base: 'https://us-central1-aiplatform.googleapis.com/v1/projects/proj-1/locations/us-central1/endpoints/openapi'}}",
    )
    assert m.catalog_id == "deepseek-v3.2" and not m.custom
    if "LGM144" in codes(plan):
        # vertex-openai's mapping is deactivated: the plan shows the provider that will serve (issue 15)
        assert m.provider not in (None, "vertex-openai")
        assert [k.provider for k in plan.provider_keys] == [m.provider]
        return
    assert m.provider == "vertex-openai"
    [key] = plan.provider_keys or [None]
    if key is not None:  # servable: the key carries the endpoint's project and region
        assert key.options["google_vertex_project_id"] == "proj-1"
        assert key.options["google_vertex_region"] == "us-central1"
    assert "LGM136" not in codes(plan)


def test_gemini_with_a_vertex_express_base_url_is_flagged(tmp_path: Path) -> None:
    plan, m = _one(
        tmp_path,
        "{model_name: g, litellm_params: {model: gemini/gemini-3.7-flash, api_key: os.environ/G, api_base: 'https://aiplatform.googleapis.com/v1/publishers/google/models'}}",
    )
    assert m.status == Status.manual
    [f] = [f for f in plan.findings if f.code == "LGM155"]
    assert "aiplatform.googleapis.com" in f.message and "`g`" in f.message


def test_successors_are_never_smaller_or_older() -> None:
    catalog = load_catalog()
    for model_id in ("o3", "gpt-4o", "gemini-2.5-pro", "claude-3-7-sonnet-20250219"):
        retired = catalog.get(model_id)
        assert retired is not None
        succ = catalog.get(catalog.successor(retired, AS_OF) or "")
        assert succ is not None, model_id
        words = set(re.split(r"[-.]", succ.id))
        assert not words & {"mini", "nano", "flash", "lite"}, (model_id, succ.id)
        assert (succ.released_at or "") >= (retired.released_at or ""), (model_id, succ.id)
    mini = catalog.get("gpt-4o-mini")
    assert mini is not None and "mini" in (catalog.successor(mini, AS_OF) or "").split(
        "-"
    )  # a mini may get a mini


def test_catalog_successor_data_wins(tmp_path: Path) -> None:
    catalog = load_catalog()
    o3 = catalog.get("o3")
    assert o3 is not None
    o3.successor = "gpt-5.5"  # as the catalog would state it
    try:
        assert catalog.successor(o3, AS_OF) == "gpt-5.5"
    finally:
        o3.successor = None


def test_bare_codechat_bison_resolves_like_chat_bison(tmp_path: Path) -> None:
    plan = plan_of(
        tmp_path,
        "model_list:\n  - {model_name: a, litellm_params: {model: chat-bison}}\n  - {model_name: b, litellm_params: {model: codechat-bison}}\n",
        as_of=AS_OF,
    )
    a, b = model(plan, "a"), model(plan, "b")
    assert (a.provider, a.status) == (b.provider, b.status)
    assert "LGM102" not in codes(plan)


def test_default_base_url_ending_in_an_api_root_gets_the_path_warning(tmp_path: Path) -> None:
    plan, _m = _one(
        tmp_path, "{model_name: gh, litellm_params: {model: github/gpt-4o, api_key: os.environ/GH}}"
    )
    [f] = reported(plan, "LGM129")
    assert "/inference/v1/chat/completions" in f.message


def test_templated_base_url_keeps_a_known_model_but_names_no_server(tmp_path: Path) -> None:
    plan = plan_of(
        tmp_path,
        """\
        model_list:
          - {model_name: az, litellm_params: {model: azure/gpt-4o, api_base: '${AZURE_API_BASE}', api_key: '${AZURE_API_KEY}'}}
          - {model_name: o, litellm_params: {model: openai/qwen, api_base: '${B:-http://vllm:8000/v1}'}}
        """,
        as_of=AS_OF,
    )
    az, o = model(plan, "az"), model(plan, "o")
    assert (az.gateway_model, az.status) == ("azure/gpt-4o", Status.manual)  # the resource is still unknown
    assert (o.gateway_model, o.status) == (None, Status.manual)  # the server is the template
    assert "defaults to `http://vllm:8000/v1`" in " ".join(
        f.message for f in plan.findings if f.code == "LGM153"
    )
    assert "LGM101" not in codes(plan)  # `${AZURE_API_KEY}` is a variable, not an inline secret
    [key] = plan.provider_keys
    assert key.env_var == "AZURE_API_KEY" and key.base_url is None
