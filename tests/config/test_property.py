"""Property test: any generated LiteLLM config converts without crashing, accounts for every entry, leaks no secret."""

# ruff: noqa: E501

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from llmgw_migrate.config.plan_build import convert_file
from llmgw_migrate.config.render import render

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
            # a finding groups one cause over every deployment it touches: any of its places counts
            assert any(
                loc_file == m.file and loc_line is not None and loc_line >= (m.line or 0)
                for f in plan.findings
                for loc_file, loc_line in [(f.file, f.line)] + [(loc.file, loc.line) for loc in f.locations]
            ), m
    out = render(plan, "json") + render(plan, "markdown")
    for secret in _secrets(cfg):
        assert secret not in out
    # re-rendered plans are valid
    assert plan.model_validate_json(plan.to_json()) == plan


JUNK_SECRET = "sk-JUNKSECRET123"
junk = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 5)
    | st.sampled_from(["", "x", "os.environ/V", "*", "openai/gpt-4o"]),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["model", "a", "fallbacks", "hidden", "gpt"]), inner, max_size=3)
        | st.fixed_dictionaries({"api_key": st.just(JUNK_SECRET)}, optional={"model": inner})
    ),
    max_leaves=8,
)
SECTION_KEYS = {
    "litellm_settings": [
        "cache",
        "cache_params",
        "callbacks",
        "fallbacks",
        "model_alias_map",
        "default_fallbacks",
        "success_callback",
    ],
    "router_settings": ["model_group_alias", "fallbacks", "context_window_fallbacks", "routing_strategy"],
    "general_settings": ["master_key", "store_model_in_db", "database_url"],
}


@st.composite
def odd_configs(draw: st.DrawFn) -> dict:
    cfg: dict = {
        "model_list": [
            {
                "model_name": "m",
                "litellm_params": {"model": "openai/gpt-4o", "api_key": draw(junk | st.just(JUNK_SECRET))},
                "model_info": {"mode": draw(junk), "base_model": draw(junk)},
            }
        ]
    }
    for section, keys in SECTION_KEYS.items():
        if draw(st.booleans()):
            cfg[section] = {
                k: draw(junk) for k in draw(st.lists(st.sampled_from(keys), max_size=3, unique=True))
            }
    for top in draw(
        st.lists(
            st.sampled_from(
                ["guardrails", "credential_list", "environment_variables", "mcp_servers", "weird_top"]
            ),
            max_size=2,
            unique=True,
        )
    ):
        cfg[top] = draw(junk)
    return cfg


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(odd_configs())
def test_odd_values_never_crash(cfg: dict) -> None:
    from llmgw_migrate.errors import UserError

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "config.yaml"
        path.write_text(yaml.safe_dump(cfg, sort_keys=False), encoding="utf-8")
        try:
            plan = convert_file(path, as_of=dt.date(2026, 11, 25))
        except UserError as exc:
            assert exc.file == str(path) and exc.line and exc.column  # a located one-line error
            return
    out = render(plan, "json") + render(plan, "text")
    assert JUNK_SECRET not in out  # it only ever sits under api_key keys


def test_secrets_nested_in_odd_places_are_not_printed(tmp_path: Path) -> None:
    cfg = {
        "model_list": [{"model_name": "m", "litellm_params": {"model": "openai/gpt-4o"}}],
        "litellm_settings": {
            "callbacks": [{"api_key": "sk-JUNKSECRET123"}],
            "fallbacks": [{"m": [{"api_key": "sk-JUNKSECRET123"}]}],
        },
    }
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(cfg), encoding="utf-8")
    plan = convert_file(path)
    assert "sk-JUNKSECRET123" not in render(plan, "json") + render(plan, "markdown")
    assert sum(f.code == "LGM101" for f in plan.findings) == 2
