"""The pre-commit hooks, run the way users run them.

`pre-commit try-repo` installs this repository (a clean clone of HEAD, so the hooks under test are the
committed ones) into a fresh virtualenv with pip, dependencies from the package index; try-repo builds
that environment on every call, so it runs once, with every hook. The finer behaviour (fix then pass,
file filtering, a broken config) runs the same hook definitions from .pre-commit-hooks.yaml as local
hooks on this test environment's `llmgw-migrate`, which needs no install.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from tests.conftest import FIXTURES, ROOT

BIN_DIR = Path(sys.executable).parent
PRE_COMMIT = BIN_DIR / "pre-commit"


def _git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True)


def _hooks() -> dict[str, dict[str, Any]]:
    return {h["id"]: h for h in YAML(typ="safe").load((ROOT / ".pre-commit-hooks.yaml").read_text())}


@pytest.fixture()
def app(tmp_path: Path) -> Path:
    app = tmp_path / "example_app"
    shutil.copytree(FIXTURES / "example_app", app)
    shutil.copy(FIXTURES / "example_app_config" / "litellm_config.yaml", app / "litellm_config.yaml")
    _git("init", "--quiet", cwd=app)
    _git("add", "-A", cwd=app)
    return app


def _pre_commit(app: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    env.update({"PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never", "NO_COLOR": "1"})
    # The hook's virtualenv is thrown away after the test: skip byte-compiling ~40 packages into it.
    env.update({"PIP_NO_COMPILE": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"})
    env["PATH"] = f"{BIN_DIR}{os.pathsep}{env.get('PATH', '')}"
    return subprocess.run(
        [str(PRE_COMMIT), *args], cwd=app, env=env, capture_output=True, text=True, timeout=900, check=False
    )


def test_hooks_file_declares_the_hooks() -> None:
    hooks = _hooks()
    assert set(hooks) == {"llmgw-migrate-code", "llmgw-migrate-code-fix", "llmgw-migrate-config"}
    assert hooks["llmgw-migrate-code"]["entry"] == "llmgw-migrate code --check"
    assert hooks["llmgw-migrate-code-fix"]["entry"] == "llmgw-migrate code --write"
    assert hooks["llmgw-migrate-config"]["entry"] == "llmgw-migrate config --check"
    for hook in hooks.values():
        assert hook["language"] == "python"


def test_try_repo_runs_every_hook_on_the_example_app(app: Path, tmp_path: Path) -> None:
    clone = tmp_path / "hook-repo"
    _git("clone", "--quiet", "--no-hardlinks", str(ROOT), str(clone), cwd=ROOT)
    files = ["app/settings.py", "scripts/smoke.sh", "Dockerfile", "litellm_config.yaml"]
    ran = _pre_commit(app, tmp_path / "home", "try-repo", str(clone), "--verbose", "--files", *files)
    out = ran.stdout
    assert ran.returncode == 1, out + ran.stderr
    lines = {line.split(".", 1)[0]: line for line in out.splitlines() if "....." in line}
    # Hooks run in id order: check (fails on the proxy references), fix (rewrites them), config.
    assert lines["llmgw-migrate code --check"].endswith("Failed")
    assert lines["llmgw-migrate code --write"].endswith("Failed")
    assert "llmgw-migrate config (LiteLLM proxy config)" in lines
    assert "app/settings.py:" in out and "LGM200" in out
    assert "files were modified by this hook" in out
    assert "litellm_config.yaml: " in out and "models mapped" in out
    assert "https://api.llmgateway.io/v1" in (app / "app" / "settings.py").read_text(encoding="utf-8")
    assert "Traceback" not in out + ran.stderr


def _local_config(app: Path) -> Path:
    """The hooks of .pre-commit-hooks.yaml as local hooks on this environment's llmgw-migrate."""
    hooks = []
    for hook in _hooks().values():
        local = dict(hook)
        local["language"] = "system"
        local["entry"] = str(BIN_DIR / hook["entry"])
        local.pop("minimum_pre_commit_version", None)
        hooks.append(local)
    cfg = app.parent / "local-hooks.yaml"
    with cfg.open("w", encoding="utf-8") as fh:
        YAML().dump({"repos": [{"repo": "local", "hooks": hooks}]}, fh)
    return cfg


def test_hook_definitions_fix_then_pass(app: Path, tmp_path: Path) -> None:
    cfg = str(_local_config(app))
    home = tmp_path / "home"
    checked = _pre_commit(app, home, "run", "-c", cfg, "llmgw-migrate-code", "--all-files")
    assert checked.returncode == 1 and "LGM200" in checked.stdout
    fixed = _pre_commit(app, home, "run", "-c", cfg, "llmgw-migrate-code-fix", "--all-files")
    assert fixed.returncode == 1 and "files were modified by this hook" in fixed.stdout
    _git("add", "-A", cwd=app)
    clean = _pre_commit(app, home, "run", "-c", cfg, "llmgw-migrate-code", "--all-files")
    assert clean.returncode == 0, clean.stdout


def test_hook_definitions_pass_only_the_named_files(app: Path, tmp_path: Path) -> None:
    cfg = str(_local_config(app))
    home = tmp_path / "home"
    (app / "notes.txt").write_text("nothing about proxies\n", encoding="utf-8")
    _git("add", "notes.txt", cwd=app)
    ok = _pre_commit(app, home, "run", "-c", cfg, "llmgw-migrate-code", "--files", "notes.txt")
    assert ok.returncode == 0, ok.stdout
    bad = _pre_commit(app, home, "run", "-c", cfg, "llmgw-migrate-code", "--files", "scripts/smoke.sh")
    assert bad.returncode == 1
    assert "scripts/smoke.sh" in bad.stdout and "app/settings.py" not in bad.stdout
    # The config hook only picks LiteLLM config names, not every YAML file.
    cfg_run = _pre_commit(
        app, home, "run", "-c", cfg, "llmgw-migrate-config", "--files", "docker-compose.yml"
    )
    assert cfg_run.returncode == 0 and "no files to check" in cfg_run.stdout.lower()


def test_config_hook_reports_a_broken_config_in_one_line(app: Path, tmp_path: Path) -> None:
    cfg = str(_local_config(app))
    (app / "litellm_config.yaml").write_text("model_list:\n  - model_name: [unclosed\n", encoding="utf-8")
    broken = _pre_commit(app, tmp_path / "home", "run", "-c", cfg, "llmgw-migrate-config", "--all-files")
    assert broken.returncode == 1
    assert "exit code: 2" in broken.stdout
    assert "error: litellm_config.yaml:" in broken.stdout
    assert "Traceback" not in broken.stdout
