"""Shared helpers for the check tests: a small app that still reaches the proxy, and a CLI runner."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import ROOT

SECRET = "sk-live-Zq8XwY3vUt6sRp9oNm2LkJ4h"


def make_app(root: Path) -> Path:
    """A tiny project with proxy references in files the `code` rules rewrite, plus a clean file."""
    root.mkdir(parents=True, exist_ok=True)
    (root / ".env").write_text(
        f"LITELLM_API_KEY={SECRET}\nLITELLM_BASE_URL=http://localhost:4000\nDEBUG=1\n", encoding="utf-8"
    )
    (root / "call.sh").write_text(
        "#!/bin/sh\n"
        'curl -s http://localhost:4000/v1/chat/completions -H "Authorization: Bearer $LITELLM_API_KEY"\n',
        encoding="utf-8",
    )
    (root / "README.txt").write_text("nothing to see\n", encoding="utf-8")
    return root


def run_cli(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_STEP_SUMMARY", "GITHUB_OUTPUT")}
    full_env["PYTHONPATH"] = str(ROOT)
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "llmgw_migrate", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


_APP = None


def run_inproc(*args: str, cwd: Path, env: dict[str, str] | None = None) -> Ran:
    """The same CLI in this process (no interpreter start-up): for the many cases that only need its
    behaviour. The subprocess runner stays for the end-to-end cases."""
    global _APP
    from typer.testing import CliRunner

    from llmgw_migrate.cli import build_app

    if _APP is None:
        _APP = build_app()
    full_env: dict[str, str | None] = {"GITHUB_STEP_SUMMARY": None, "GITHUB_OUTPUT": None}
    full_env.update(env or {})
    old = Path.cwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(_APP, list(args), env=full_env, catch_exceptions=False)
    finally:
        os.chdir(old)
    return Ran(result.exit_code, result.stdout, result.stderr)
