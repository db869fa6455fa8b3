"""env_file: the self-hosted LLM_* file holds references, never values; several keys become a list."""

# ruff: noqa: E501

from __future__ import annotations

import stat
from pathlib import Path

from llmgw_migrate.config.env_file import render_env, write_env
from tests.config.helpers import plan_of


def test_references_lists_options_and_manual_items(tmp_path: Path) -> None:
    plan = plan_of(
        tmp_path,
        """\
        model_list:
          - {model_name: a, litellm_params: {model: openai/gpt-4o, api_key: os.environ/OPENAI_KEY_1}}
          - {model_name: a, litellm_params: {model: openai/gpt-4o, api_key: os.environ/OPENAI_KEY_2}}
          - {model_name: b, litellm_params: {model: bedrock/anthropic.claude-haiku-4-5-20251001-v1:0, aws_region_name: eu-west-1}}
          - {model_name: c, litellm_params: {model: azure/gpt-4o, api_base: os.environ/AZURE_BASE, api_version: os.environ/AZURE_VERSION, api_key: os.environ/AZ}}
          - {model_name: d, litellm_params: {model: anthropic/claude-haiku-4-5, api_key: sk-ant-inline-999}}
          - {model_name: e, litellm_params: {model: openai/m, api_base: 'http://srv:9000/v1', api_key: os.environ/SRV_TOKEN}}
        """,
        target="self-hosted",
    )
    text = render_env(plan)
    lines = text.splitlines()
    assert "LLM_OPENAI_API_KEY=${OPENAI_KEY_1},${OPENAI_KEY_2}" in lines
    assert "LLM_AWS_BEDROCK_REGION=eu-west-1" in lines
    assert "LLM_AZURE_API_KEY=${AZ}" in lines
    assert "LLM_AZURE_BASE_URL=${AZURE_BASE}" in lines
    assert "LLM_AZURE_API_VERSION=${AZURE_VERSION}" in lines
    assert not any(line.startswith("LLM_AWS_BEDROCK_API_KEY=") for line in lines)  # IAM: nothing to reference
    assert any(line.startswith("# LLM_AWS_BEDROCK_API_KEY:") for line in lines)
    assert any(line.startswith("# LLM_ANTHROPIC_API_KEY:") for line in lines)
    assert "sk-ant-inline-999" not in text
    assert "#   srv: base URL http://srv:9000, token ${SRV_TOKEN} (used by e)" in lines


def test_written_0600_atomically(tmp_path: Path) -> None:
    plan = plan_of(tmp_path, "model_list:\n  - {model_name: a, litellm_params: {model: openai/gpt-4o}}\n")
    out = tmp_path / "gw.env"
    out.write_text("old")
    out.chmod(0o644)
    write_env(plan, out)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert "LLM_OPENAI_API_KEY=${OPENAI_API_KEY}" in out.read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.yaml", "gw.env"]
