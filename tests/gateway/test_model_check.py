"""`gateway --check` lists every plan model with the provider that would serve it, and exits 1 when one
cannot be served (issue 15, item 2)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from llmgw_migrate.config.plan import ModelMapping, Plan

EXE = [sys.executable, "-m", "llmgw_migrate", "gateway"]


def _mapping(name: str, gateway_model: str, provider: str, mode: str = "chat") -> ModelMapping:
    return ModelMapping(
        name=name,
        gateway_model=gateway_model,
        provider=provider,
        litellm_model=f"{provider}/{name}",
        status="exact",  # type: ignore[arg-type]
        mode=mode,
    )


def _check(tmp_path: Path, plan: Plan, **env: str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "plan.json"
    path.write_text(plan.to_json())
    clean_env = {
        k: v for k, v in os.environ.items() if not k.startswith("LLM_") and not k.endswith("_API_KEY")
    }
    return subprocess.run(
        [*EXE, "--plan", str(path), "--check"],
        capture_output=True,
        text=True,
        env={**clean_env, **env},
        timeout=120,
    )


def test_every_model_with_its_serving_provider_and_exit_0(tmp_path: Path) -> None:
    plan = Plan(
        source="litellm_config.yaml",
        models=[
            _mapping("fast", "openai/gpt-4o-mini", "openai"),
            _mapping("embed", "openai/text-embedding-3-small", "openai", "embedding"),
        ],
    )
    r = _check(tmp_path, plan, LLM_OPENAI_API_KEY="o")
    assert r.returncode == 0, r.stderr
    assert "model fast -> openai/gpt-4o-mini: served by openai" in r.stderr
    assert "model embed -> openai/text-embedding-3-small: served by openai" in r.stderr


def test_a_model_that_cannot_be_served_exits_1_saying_why(tmp_path: Path) -> None:
    plan = Plan(
        source="litellm_config.yaml",
        models=[
            _mapping("fast", "openai/gpt-4o-mini", "openai"),
            _mapping("old", "anthropic/claude-3-5-sonnet-20240620", "anthropic"),  # deactivated 2025-10-28
            _mapping("nokey", "anthropic/claude-sonnet-4-5", "anthropic"),
        ],
    )
    r = _check(tmp_path, plan, LLM_OPENAI_API_KEY="o")
    assert r.returncode == 1
    assert "model fast -> openai/gpt-4o-mini: served by openai" in r.stderr
    assert "model old -> anthropic/claude-3-5-sonnet-20240620: CANNOT BE SERVED: 410" in r.stderr
    assert "model nokey -> anthropic/claude-sonnet-4-5: CANNOT BE SERVED:" in r.stderr
    assert "LGM420 model 'old'" in r.stderr and "LGM420 model 'nokey'" in r.stderr
    assert "LGM420 model 'fast'" not in r.stderr
