"""Shared helpers for the config tests: write a config, convert it, run the real CLI."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from llmgw_migrate.config.plan import ModelMapping, Plan
from llmgw_migrate.config.plan_build import convert_file

AS_OF = dt.date(2026, 11, 25)
ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str, name: str = "config.yaml") -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def plan_of(tmp_path: Path, text: str, **kw: object) -> Plan:
    kw.setdefault("as_of", AS_OF)
    return convert_file(write(tmp_path, text), **kw)  # type: ignore[arg-type]


def model(plan: Plan, name: str) -> ModelMapping:
    for m in plan.models:
        if m.name == name:
            return m
    raise AssertionError(f"no model {name!r} in {[m.name for m in plan.models]}")


def codes(plan: Plan) -> list[str]:
    return [f.code for f in plan.findings]


def run_cli(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = dict(os.environ)
    full_env["NO_COLOR"] = "1"
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "llmgw_migrate", *args],
        cwd=cwd or ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
