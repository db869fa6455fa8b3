"""config.render: text tables, markdown for pull requests, yaml; the summary line and exit decision."""

# ruff: noqa: E501

from __future__ import annotations

from pathlib import Path

from ruamel.yaml import YAML

from llmgw_migrate.config.render import blocking, render, summary
from llmgw_migrate.findings import Severity, Status
from tests.config.helpers import plan_of

CONFIG = """\
model_list:
  - {model_name: "a|b", litellm_params: {model: openai/gpt-4o, api_key: os.environ/K}}
  - {model_name: local, litellm_params: {model: ollama/llama3}}
  - {model_name: sm, litellm_params: {model: sagemaker/x}}
router_settings:
  fallbacks: [{"a|b": [local]}]
"""


def test_summary_counts_and_verdict(tmp_path: Path) -> None:
    plan = plan_of(tmp_path, CONFIG)
    line = summary(plan)
    assert (
        line
        == "3 models (1 exact, 1 manual, 1 unsupported); 2 provider keys; 4 findings (2 errors, 1 warning, 1 info): 2 need manual work or are unsupported"
    )
    assert blocking(plan.findings)


def test_text_has_every_table(tmp_path: Path) -> None:
    text = render(plan_of(tmp_path, CONFIG), "text", width=200)
    for title in ("Models", "Provider keys (add in the dashboard", "Findings: error", "Findings: info"):
        assert title in text
    assert "\x1b[" not in text  # no colour codes unless asked
    assert "custom: ollama" in text


def test_markdown_escapes_pipes_and_lists_fallbacks(tmp_path: Path) -> None:
    md = render(plan_of(tmp_path, CONFIG), "markdown")
    assert "`a\\|b`" in md
    assert "### Fallbacks" in md and "- [ ] **openai**: secret from `K`" in md
    for line in md.splitlines():
        if line.startswith("| `a"):
            assert line.count(" | ") == 4  # five columns, none broken by the name's pipe


def test_yaml_round_trips_to_the_json_plan(tmp_path: Path) -> None:
    import json

    plan = plan_of(tmp_path, CONFIG)
    assert YAML(typ="safe").load(render(plan, "yaml")) == json.loads(render(plan, "json"))


def test_strict_blocks_on_warnings_only(tmp_path: Path) -> None:
    plan = plan_of(
        tmp_path,
        "model_list:\n  - {model_name: a, litellm_params: {model: openai/gpt-4o}}\nrouter_settings: {fallbacks: [{a: [a]}]}\n",
    )
    assert all(f.status in (Status.exact, Status.approximate) for f in plan.findings)
    assert any(f.severity == Severity.warning for f in plan.findings)
    assert not blocking(plan.findings)
    assert blocking(plan.findings, strict=True)


def test_long_paths_stay_whole_on_one_line(tmp_path: Path) -> None:
    deep = tmp_path / "a-rather-long-folder-name" / "another-long-folder-name" / "and-one-more-level"
    deep.mkdir(parents=True)
    text = render(plan_of(deep, CONFIG), "text", width=100)
    plan = plan_of(deep, CONFIG)
    locations = [f.location() for f in plan.findings]
    assert locations and all(len(loc) > 50 for loc in locations)
    lines = text.splitlines()
    for f in plan.findings:
        assert any(f"{f.location()}: {f.code} [{f.status.value}]" in line for line in lines), f.location()
