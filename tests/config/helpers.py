"""Shared helpers for the config tests: write a config, convert it, run the real CLI."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

from llmgw_migrate.config.plan import ModelMapping, Plan
from llmgw_migrate.config.plan_build import convert_file
from llmgw_migrate.findings import Finding

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


def reported(plan: Plan, code: str) -> list[Finding]:
    """The findings that report `code`: with that code, or a roll-up or fold naming it as `[code]`."""
    return [f for f in plan.findings if f.code == code or f"[{code}]" in f.message]


def all_codes(plan: Plan) -> set[str]:
    """Every code the plan reports, the causes inside roll-ups and folds included."""
    return {c for f in plan.findings for c in [f.code, *re.findall(r"\[(LGM\d{3})\]", f.message)]}


def cause_messages(plan: Plan, code: str) -> list[str]:
    """The message of each cause with `code`: a finding of its own, or one `[code] ...` part of a
    roll-up or fold (up to the next `[LGMnnn]` part)."""
    out = []
    for f in plan.findings:
        if f.code == code:
            out.append(f.message)
            continue
        parts = re.split(r"\[(LGM\d{3})\] ", f.message)
        out.extend(text.rstrip("; ") for c, text in zip(parts[1::2], parts[2::2], strict=True) if c == code)
    return out
