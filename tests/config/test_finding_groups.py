"""One finding per cause: a big load-balanced config gets a readable number of findings."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

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
