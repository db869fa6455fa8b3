"""The LiteLLM proxy runner's own behaviour (the real start-up is exercised by test_litellm_parity.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from llmgw_migrate.testing import litellm_proxy as lp


def test_offline_env_turns_off_start_up_network_calls() -> None:
    env = lp.offline_env({"DATABASE_URL": "postgres://x", "PATH": "/bin"})
    assert env["LITELLM_LOCAL_MODEL_COST_MAP"] == "True"
    for name in (
        "LITELLM_LOCAL_ANTHROPIC_BETA_HEADERS",
        "LITELLM_LOCAL_POLICY_TEMPLATES",
        "LITELLM_LOCAL_BLOG_POSTS",
    ):
        assert env[name] == "True"
    assert env["LITELLM_TELEMETRY"] == "False"
    assert "DATABASE_URL" not in env and env["PATH"] == "/bin"


def test_master_key_is_strong_and_never_shown(tmp_path: Path) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text("model_list: []\n", encoding="utf-8")
    a, b = lp.LiteLLMProxy(cfg), lp.LiteLLMProxy(cfg)
    assert a.master_key.startswith("sk-") and len(a.master_key) >= 48 and a.master_key != b.master_key
    assert a.master_key not in repr(a)
    assert a.url.startswith("http://127.0.0.1:") and a.port > 0
    log = tmp_path / "log.txt"
    log.write_text(f"line one\nkey is {a.master_key}\n", encoding="utf-8")
    a._log_path = log
    assert a.master_key not in a.log_tail() and "sk-***" in a.log_tail()


def test_missing_config_fails_fast(tmp_path: Path) -> None:
    with pytest.raises(lp.LiteLLMError, match="LiteLLM config not found"):
        lp.LiteLLMProxy(tmp_path / "nope.yaml").start()


def test_venv_dir_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("LLMGW_LITELLM_VENV", str(tmp_path / "v"))
    assert lp.default_venv_dir() == tmp_path / "v"
    monkeypatch.delenv("LLMGW_LITELLM_VENV")
    assert lp.default_venv_dir().parts[-2:] == (".venvs", "litellm-1.108.7")


def test_ready_venv_is_reused_without_pip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").write_text("", encoding="utf-8")
    (venv / ".llmgw-ready").write_text("litellm[proxy]==1.108.7\n", encoding="utf-8")

    def no_subprocess(*a: object, **k: object) -> None:
        raise AssertionError("a ready venv must not be rebuilt")

    monkeypatch.setattr(lp.subprocess, "run", no_subprocess)
    assert lp.ensure_litellm_venv(venv) == venv / "bin" / "python"


def test_the_real_venv_holds_the_pinned_version() -> None:
    python = lp.ensure_litellm_venv()
    assert lp._installed_version(python) == lp.LITELLM_VERSION
