"""One finding per cause: a big load-balanced config gets a readable number of findings."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from llmgw_migrate.config.plan import Plan
from tests.config.helpers import plan_of, run_cli, write

_REGIONS = ("eastus", "westus", "westeurope", "swedencentral", "japaneast", "uksouth", "francecentral")


def big_config(models: int = 46, deployments: int = 306) -> str:
    """`models` client-facing names over `deployments` entries: azure regions, openai keys with rpm/tpm,
    bedrock regions with IAM, and a few unknown deployment names, like a large team's proxy."""
    lines = ["model_list:"]
    n = 0
    per = deployments // models
    extra = deployments - per * models
    for m in range(models):
        count = per + (1 if m < extra else 0)
        kind = m % 4
        for d in range(count):
            region = _REGIONS[d % len(_REGIONS)]
            if kind == 0:
                lines += [
                    f"  - model_name: chat-{m}",
                    "    litellm_params:",
                    "      model: azure/gpt-4o",
                    f"      api_base: https://acme-{region}.openai.azure.com/",
                    "      api_key: os.environ/AZURE_API_KEY",
                    '      api_version: "2024-10-21"',
                    "      rpm: 600",
                    "      tpm: 100000",
                    "      timeout: 30",
                ]
            elif kind == 1:
                lines += [
                    f"  - model_name: fast-{m}",
                    "    litellm_params:",
                    "      model: openai/gpt-4o-mini",
                    f"      api_key: os.environ/OPENAI_KEY_{d}",
                    "      rpm: 1000",
                    "      max_retries: 2",
                ]
            elif kind == 2:
                lines += [
                    f"  - model_name: claude-{m}",
                    "    litellm_params:",
                    "      model: bedrock/us.anthropic.claude-haiku-4-5-20251001-v1:0",
                    "      aws_region_name: us-east-1",
                    "      aws_access_key_id: os.environ/AWS_ACCESS_KEY_ID",
                    "      aws_secret_access_key: os.environ/AWS_SECRET_ACCESS_KEY",
                    "      tpm: 50000",
                ]
            else:
                lines += [
                    f"  - model_name: team-{m}",
                    "    litellm_params:",
                    f"      model: azure/team-deployment-{m}",
                    f"      api_base: https://acme-{region}.openai.azure.com/",
                    "      api_key: os.environ/AZURE_API_KEY",
                    "      temperature: 0.2",
                    "    model_info:",
                    "      description: team model",
                ]
            n += 1
    assert n == deployments
    return "\n".join(lines) + "\n"


def test_at_most_three_findings_per_client_facing_model(tmp_path: Path) -> None:
    plan = plan_of(tmp_path, big_config())
    assert len(plan.models) == 46 and sum(m.deployments for m in plan.models) == 306
    assert len(plan.findings) <= 3 * 46, Counter(f.code for f in plan.findings)
    # every deployment-level cause lists each deployment it touches: nothing is lost by merging
    rpm = [f for f in plan.findings if f.code == "LGM111"]
    touched = {(loc.model, loc.line) for f in rpm for loc in f.locations}
    assert len(touched) == sum(m.deployments for m in plan.models if not m.name.startswith("team-"))


def codes_per_model(plan: Plan) -> dict[str, list[str]]:
    """The codes of the findings that touch each client-facing model: through a location, or (for a
    finding about a model or provider, without locations) by naming the model in its message."""
    out: dict[str, list[str]] = {m.name: [] for m in plan.models}
    for f in plan.findings:
        touched = {loc.model for loc in f.locations}
        for name in out:
            if name in touched or f"`{name}`" in f.message:
                out[name].append(f.code)
    return out


def test_one_finding_per_code_for_each_client_facing_model(tmp_path: Path) -> None:
    plan = plan_of(tmp_path, big_config())
    per_model = codes_per_model(plan)
    for name, codes in per_model.items():
        assert len(codes) == len(set(codes)), (name, codes)


@pytest.mark.xfail(
    strict=True,
    reason="issue 12 bound not met: with LGM147/LGM128 folded into a load-balanced group's LGM121, chat-* "
    "and fast-* have 3 (LGM111, LGM121, LGM145) but team-* still have 4 (LGM108 azure name, LGM118 "
    "temperature, LGM121, LGM143 model_info) and claude-* 4 (LGM109, LGM111, LGM121, LGM160 embedded "
    "gateway): the causes left are distinct, merging them is a product decision left to the lead",
)
def test_at_most_three_findings_touch_each_client_facing_model(tmp_path: Path) -> None:
    plan = plan_of(tmp_path, big_config())
    worst = max(codes_per_model(plan).items(), key=lambda kv: len(kv[1]))
    assert len(worst[1]) <= 3, worst


def test_json_keeps_every_location_in_a_list(tmp_path: Path) -> None:
    path = write(tmp_path, big_config(models=4, deployments=20))
    proc = run_cli("config", str(path), "--format", "json", "--as-of", "2026-11-25")
    data = json.loads(proc.stdout)
    [iam] = [f for f in data["findings"] if f["code"] == "LGM109"]
    assert len(iam["locations"]) == 5
    for loc in iam["locations"]:
        assert loc["model"] == "claude-2" and loc["litellm_model"].startswith("bedrock/")
        assert loc["file"] == str(path) and isinstance(loc["line"], int)
    assert "5 deployments" in iam["message"]
    # --check's JSON (the findings format) keeps them too
    proc = run_cli("config", str(path), "--check", "--format", "json", "--as-of", "2026-11-25")
    checked = json.loads(proc.stdout)
    [iam2] = [f for f in checked["findings"] if f["code"] == "LGM109"]
    assert len(iam2["locations"]) == 5


def test_one_deployment_finding_names_model_name_and_litellm_model(tmp_path: Path) -> None:
    plan = plan_of(
        tmp_path,
        """\
        model_list:
          - model_name: deepseek-chat
            litellm_params: {model: deepseek/deepseek-chat, api_key: os.environ/DEEPSEEK_API_KEY}
          - model_name: old-deepseek
            litellm_params: {model: deepseek/deepseek-v3.2, api_key: os.environ/DEEPSEEK_API_KEY}
        """,
    )
    for f in plan.findings:
        if f.code in ("LGM144", "LGM106", "LGM105"):
            assert f.locations and all(loc.model and loc.litellm_model for loc in f.locations)
            for loc in f.locations:
                assert f"`{loc.model}`" in f.message and f"`{loc.litellm_model}`" in f.message, f.message


def test_merged_message_agrees_with_how_many_models_it_names(tmp_path: Path) -> None:
    entry = """\
          - model_name: {name}
            litellm_params:
              model: bedrock/us.anthropic.claude-haiku-4-5-20251001-v1:0
              aws_region_name: us-east-1
              aws_access_key_id: os.environ/AWS_ACCESS_KEY_ID
              aws_secret_access_key: os.environ/AWS_SECRET_ACCESS_KEY
"""
    one = plan_of(tmp_path, "model_list:\n" + entry.format(name="solo"))
    [iam] = [f for f in one.findings if f.code == "LGM109"]
    assert "`solo` reaches Bedrock" in iam.message
    many = plan_of(tmp_path, "model_list:\n" + "".join(entry.format(name=f"m{i}") for i in range(5)))
    [iam] = [f for f in many.findings if f.code == "LGM109"]
    assert "`m0`, `m1`, `m2` and 2 more reach Bedrock" in iam.message, iam.message
    assert " reaches " not in iam.message


def test_several_keys_of_a_group_are_said_once_in_its_lgm121(tmp_path: Path) -> None:
    plan = plan_of(tmp_path, big_config(models=4, deployments=20))
    assert not [f for f in plan.findings if f.code == "LGM147"]
    [chat] = [f for f in plan.findings if f.code == "LGM121" and f.message.startswith("`chat-0`")]
    assert "different keys or settings for provider `azure`" in chat.message
    assert chat.message.count("`chat-0`") == 1


def test_load_balanced_group_says_its_keys_and_timeouts_in_its_lgm121(tmp_path: Path) -> None:
    plan = plan_of(
        tmp_path,
        """\
        model_list:
          - model_name: chat
            litellm_params:
              model: azure/gpt-4o
              api_base: https://a-eu.openai.azure.com/
              api_key: os.environ/AZ_EU
              timeout: 30
          - model_name: chat
            litellm_params:
              model: azure/gpt-4o
              api_base: https://a-us.openai.azure.com/
              api_key: os.environ/AZ_US
              timeout: 30
          - model_name: solo
            litellm_params: {model: openai/gpt-4o-mini, api_key: os.environ/OPENAI_API_KEY, timeout: 10}
        """,
    )
    codes = [f.code for f in plan.findings]
    assert "LGM147" not in codes, plan.findings
    [lb] = [f for f in plan.findings if f.code == "LGM121"]
    assert (
        "Several keys serve it: 2 different keys" in lb.message
        and "(timeout) do not carry over" in lb.message
    )
    # the group's own line, then each deployment's timeout line
    assert [(loc.model, loc.line) for loc in lb.locations] == [("chat", 2), ("chat", 7), ("chat", 13)]
    # a model that is not a load-balanced group keeps its own LGM128
    [solo] = [f for f in plan.findings if f.code == "LGM128"]
    assert [loc.model for loc in solo.locations] in ([], ["solo"]) and "`solo`" in solo.message
    assert "`chat`" not in solo.message
