"""Property test: any generated LiteLLM config converts without crashing, accounts for every entry, leaks no secret."""

# ruff: noqa: E501

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from llmgw_migrate.convert import convert_file
from llmgw_migrate.plan_render import render

PREFIXES = [
    "openai",
    "anthropic",
    "azure",
    "bedrock",
    "gemini",
    "vertex_ai",
    "groq",
    "ollama",
    "hosted_vllm",
    "sagemaker",
    "together_ai",
    "openrouter",
    "text-completion-openai",
    "mistralai",
    "",
    "xai",
    "deepseek",
    "cohere",
]
UPSTREAMS = [
    "gpt-4o",
    "gpt-4o-mini-2024-07-18",
    "claude-sonnet-4-5",
    "us.anthropic.claude-haiku-4-5-20251001-v1:0",
    "gemini-2.5-flash",
    "my-deployment",
    "*",
    "llama3",
    "qwen/qwen3-32b",
    "x",
]
names = st.text(alphabet="abcdefghijklmnop-_./*0123", min_size=1, max_size=12).filter(
    lambda s: s.strip() != ""
)
secrets = st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ", min_size=12, max_size=16).map(lambda s: f"sk-{s}")


@st.composite
def entries(draw: st.DrawFn) -> dict:
    prefix = draw(st.sampled_from(PREFIXES))
    upstream = draw(st.sampled_from(UPSTREAMS))
    params: dict = {"model": f"{prefix}/{upstream}" if prefix else upstream}
    key = draw(st.sampled_from(["env", "inline", "none"]))
    if key == "env":
        params["api_key"] = "os.environ/SOME_KEY"
    elif key == "inline":
        params["api_key"] = draw(secrets)
    if draw(st.booleans()):
        params["api_base"] = draw(
            st.sampled_from(
                [
                    "http://localhost:8000/v1",
                    "https://acme.openai.azure.com/",
                    "https://llm.corp.example/",
                    "os.environ/BASE",
                ]
            )
        )
    for extra in draw(
        st.lists(
            st.sampled_from(
                ["rpm", "temperature", "seed", "timeout", "tags", "zzz_unknown", "aws_region_name"]
            ),
            max_size=3,
            unique=True,
        )
    ):
        params[extra] = 1
    entry: dict = {"model_name": draw(names), "litellm_params": params}
    if draw(st.booleans()):
        entry["model_info"] = draw(
            st.fixed_dictionaries(
                {},
                optional={
                    "mode": st.sampled_from(["chat", "embedding", "image_generation"]),
                    "base_model": st.sampled_from(["azure/gpt-4o", "gpt-4.1", "nothing"]),
                },
            )
        )
    if draw(st.booleans()):
        entry["tpm"] = 100
    return entry


@st.composite
def configs(draw: st.DrawFn) -> dict:
    model_list = draw(st.lists(entries(), min_size=0, max_size=8))
    cfg: dict = {"model_list": model_list}
    model_names = [e["model_name"] for e in model_list] or ["none"]
    if draw(st.booleans()):
        cfg["router_settings"] = {
            "model_group_alias": {draw(names): draw(st.sampled_from(model_names))},
            "fallbacks": [{draw(st.sampled_from(model_names)): [draw(st.sampled_from(model_names))]}],
        }
    if draw(st.booleans()):
        cfg["litellm_settings"] = {
            "cache": draw(st.booleans()),
            "callbacks": ["langfuse"],
            "model_alias_map": {"al": draw(st.sampled_from(model_names))},
        }
    if draw(st.booleans()):
        cfg["general_settings"] = {"master_key": draw(secrets)}
    return cfg


def _secrets(cfg: dict) -> list[str]:
    out = [e["litellm_params"].get("api_key") for e in cfg["model_list"]]
    out.append(cfg.get("general_settings", {}).get("master_key"))
    return [s for s in out if isinstance(s, str) and s.startswith("sk-")]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(configs(), st.sampled_from(["pinned", "smart"]))
def test_generated_configs(cfg: dict, routing: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "config.yaml"
        path.write_text(yaml.safe_dump(cfg, sort_keys=False), encoding="utf-8")
        plan = convert_file(path, routing=routing, as_of=dt.date(2026, 11, 25))
    # every model_list entry is in `models` (grouped by name) ...
    entry_names = {e["model_name"] for e in cfg["model_list"]}
    real = [m for m in plan.models if m.alias_of is None]
    assert {m.name for m in real} == entry_names
    assert sum(m.deployments for m in real) == len(cfg["model_list"])
    # ... and one without a gateway model has a finding explaining why
    for m in plan.models:
        if m.gateway_model is None and m.alias_of is None:
            assert any(
                f.file == m.file and f.line is not None and f.line >= (m.line or 0) for f in plan.findings
            ), m
    out = render(plan, "json") + render(plan, "markdown")
    for secret in _secrets(cfg):
        assert secret not in out
    # re-rendered plans are valid
    assert plan.model_validate_json(plan.to_json()) == plan
