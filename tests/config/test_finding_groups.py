"""One finding per cause: a big load-balanced config gets a readable number of findings."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from llmgw_migrate.config.plan import Plan
from tests.config.helpers import codes, plan_of, run_cli, write

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


def _first_key_lines(text: str, keys: tuple[str, ...]) -> dict[int, str]:
    """Line (1-based) of the first of `keys` in each model_list entry -> that entry's model_name."""
    out: dict[int, str] = {}
    name, found = "", False
    for n, line in enumerate(text.splitlines(), 1):
        if line.startswith("  - model_name: "):
            name, found = line.split(": ", 1)[1], False
        elif not found and line.strip().split(":", 1)[0] in keys:
            out[n] = name
            found = True
    return out


def test_at_most_three_findings_per_client_facing_model(tmp_path: Path) -> None:
    text = big_config()
    plan = plan_of(tmp_path, text)
    assert len(plan.models) == 46 and sum(m.deployments for m in plan.models) == 306
    assert len(plan.findings) <= 3 * 46, Counter(f.code for f in plan.findings)
    # every deployment-level cause lists each deployment it touches: nothing is lost by rolling up
    [rollup] = [f for f in plan.findings if f.code == "LGM156"]
    touched = {(loc.model, loc.line) for loc in rollup.locations}
    rpm_lines = _first_key_lines(text, ("rpm", "tpm"))
    assert len(rpm_lines) == sum(m.deployments for m in plan.models if not m.name.startswith("team-"))
    assert {(name, n) for n, name in rpm_lines.items()} <= touched
    assert "[LGM111]" in rollup.message and "[LGM118]" in rollup.message and "[LGM109]" in rollup.message


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
    for name, found in per_model.items():
        assert len(found) == len(set(found)), (name, found)


def test_at_most_three_findings_touch_each_client_facing_model(tmp_path: Path) -> None:
    plan = plan_of(tmp_path, big_config())
    worst = max(codes_per_model(plan).items(), key=lambda kv: len(kv[1]))
    assert len(worst[1]) <= 3, worst


def test_json_keeps_every_location_in_a_list(tmp_path: Path) -> None:
    path = write(tmp_path, big_config(models=4, deployments=20))
    iam_lines = set(_first_key_lines(path.read_text(), ("aws_access_key_id",)))
    proc = run_cli("config", str(path), "--format", "json", "--as-of", "2026-11-25")
    data = json.loads(proc.stdout)
    [rollup] = [f for f in data["findings"] if f["code"] == "LGM156"]
    iam = [loc for loc in rollup["locations"] if loc["line"] in iam_lines]
    assert len(iam) == 5
    for loc in iam:
        assert loc["model"] == "claude-2" and loc["litellm_model"].startswith("bedrock/")
        assert loc["file"] == str(path) and isinstance(loc["line"], int)
    assert "[LGM109] `claude-2` reaches Bedrock with IAM" in rollup["message"]
    assert "5 deployments" in rollup["message"]
    # --check's JSON (the findings format) keeps them too
    proc = run_cli("config", str(path), "--check", "--format", "json", "--as-of", "2026-11-25")
    checked = json.loads(proc.stdout)
    [rollup2] = [f for f in checked["findings"] if f["code"] == "LGM156"]
    assert rollup2["locations"] == rollup["locations"]


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
    [iam] = [f for f in one.findings if "Bedrock with IAM" in f.message]
    assert "`solo` reaches Bedrock" in iam.message
    many = plan_of(tmp_path, "model_list:\n" + "".join(entry.format(name=f"m{i}") for i in range(5)))
    [iam] = [f for f in many.findings if "Bedrock with IAM" in f.message]
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


ROLLED = """\
model_list:
  - model_name: chat
    litellm_params:
      model: openai/gpt-4o
      api_key: os.environ/OPENAI_API_KEY
      rpm: 60
      temperature: 0.1
      timeout: 20
      input_cost_per_token: 0.000001
      weird_key: 1
    model_info:
      team: search
  - model_name: local
    litellm_params:
      model: openai/llama-3-8b
      api_base: https://llm.example.com/v1
      api_key: os.environ/LOCAL_KEY
      max_retries: 3
"""


def test_fields_that_do_not_carry_over_are_one_rollup_listing_each_with_its_line(tmp_path: Path) -> None:
    plan = plan_of(tmp_path, ROLLED)
    [rollup] = [f for f in plan.findings if f.code == "LGM156"]
    # nothing that changes what a model serves is in it, and none of its causes is left outside it
    assert not {"LGM111", "LGM118", "LGM128", "LGM134", "LGM126", "LGM143", "LGM136"} & set(codes(plan))
    for code, field in [
        ("LGM111", "rpm"),
        ("LGM118", "temperature"),
        ("LGM128", "timeout"),
        ("LGM134", "input_cost_per_token"),
        ("LGM126", "weird_key"),
        ("LGM143", "model_info.team"),
        ("LGM128", "max_retries"),
        ("LGM136", "custom provider"),
    ]:
        assert f"[{code}]" in rollup.message and field in rollup.message, (code, field)
    lines = {(loc.model, loc.line) for loc in rollup.locations}
    assert {("chat", n) for n in (6, 7, 8, 9, 10, 12)} | {("local", 18)} <= lines, lines
    assert all(loc.litellm_model in ("openai/gpt-4o", "openai/llama-3-8b") for loc in rollup.locations)
    # the worst cause sets severity and status: rate limits are unsupported
    assert rollup.severity.value == "warning" and rollup.status.value == "unsupported"
    assert "[LGM111]" in (rollup.fix or "") and "[LGM118]" in (rollup.fix or "")


def test_a_single_kind_of_field_keeps_its_own_code(tmp_path: Path) -> None:
    plan = plan_of(
        tmp_path,
        """\
        model_list:
          - model_name: a
            litellm_params: {model: openai/gpt-4o, api_key: os.environ/OPENAI_API_KEY, rpm: 10}
          - model_name: b
            litellm_params: {model: openai/gpt-4o-mini, api_key: os.environ/OPENAI_API_KEY, tpm: 10}
        """,
    )
    assert "LGM156" not in codes(plan)
    limits = [f for f in plan.findings if f.code == "LGM111"]
    what = sorted((loc.model, f.message.split(": ")[1].split(" (")[0]) for f in limits for loc in f.locations)
    assert what == [
        ("a", "rpm set on the deployment"),
        ("b", "tpm set on the deployment"),
    ]


def test_what_a_model_serves_is_never_rolled_up(tmp_path: Path) -> None:
    plan = plan_of(
        tmp_path,
        """\
        model_list:
          - model_name: future
            litellm_params:
              model: openai/gpt-99-turbo
              api_key: os.environ/OPENAI_API_KEY
              rpm: 10
              temperature: 0.3
        """,
    )
    assert {"LGM104", "LGM156"} <= set(codes(plan))
    [rollup] = [f for f in plan.findings if f.code == "LGM156"]
    assert "[LGM104]" not in rollup.message


def test_a_mixed_groups_other_models_are_part_of_its_lgm122(tmp_path: Path) -> None:
    text = """\
        model_list:
          - model_name: smart
            litellm_params: {model: openai/gpt-99-turbo, api_key: os.environ/OPENAI_API_KEY}
          - model_name: smart
            litellm_params: {model: openai/gpt-98-turbo, api_key: os.environ/OPENAI_API_KEY}
        """
    plan = plan_of(tmp_path, text)
    # the first deployment is what `smart` serves: its own finding stays
    [own] = [f for f in plan.findings if f.code == "LGM104"]
    assert "gpt-99-turbo" in own.message and "gpt-98-turbo" not in own.message
    # the other one is what clients must send explicitly: a sentence of the LGM122, with its line
    [mix] = [f for f in plan.findings if f.code == "LGM122"]
    assert "[LGM104] `gpt-98-turbo`" in mix.message and "line 5" in mix.message
    assert ("smart", 5) in {(loc.model, loc.line) for loc in mix.locations}
    per_model = codes_per_model(plan)
    assert sorted(per_model["smart"]) == ["LGM104", "LGM122"]


def test_a_deployment_that_cannot_be_served_says_every_reason_once(tmp_path: Path) -> None:
    plan = plan_of(
        tmp_path,
        """\
        model_list:
          - model_name: embed
            litellm_params:
              model: openai/Qwen/Qwen3-Embedding-4B
              api_base: http://localhost:30000/v1
              api_key: os.environ/LOCAL_KEY
            model_info: {mode: embedding}
        """,
    )
    assert "LGM154" not in codes(plan)
    [f] = [f for f in plan.findings if f.code == "LGM148"]
    assert "[LGM154]" in f.message and "localhost" in f.message
    # error from the unreachable base URL; both lines (model and api_base) are kept
    assert f.severity.value == "error"
    assert {loc.line for loc in f.locations} == {4, 5}


def test_each_field_keeps_its_own_line(tmp_path: Path) -> None:
    plan = plan_of(
        tmp_path,
        """\
        model_list:
          - model_name: a
            litellm_params:
              model: openai/gpt-4o
              api_key: os.environ/OPENAI_API_KEY
              rpm: 10
              tpm: 1000
              max_parallel_requests: 4
        """,
    )
    [limits] = [f for f in plan.findings if f.code == "LGM111"]
    assert "rpm, tpm, max_parallel_requests" in limits.message
    assert [(loc.model, loc.line) for loc in limits.locations] == [("a", 6), ("a", 7), ("a", 8)]
