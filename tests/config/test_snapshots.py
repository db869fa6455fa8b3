"""Snapshot tests: each fixtures/configs/**/*.yaml config against its expected plan (*.plan.json beside it).

Regenerate after an intended change with `LLMGW_UPDATE_SNAPSHOTS=1 pytest tests/config/test_snapshots.py`
and review the diff like code.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest

from llmgw_migrate.config.plan_build import convert_file
from llmgw_migrate.config.render import render
from tests.conftest import FIXTURES, ROOT

CONFIGS = sorted((FIXTURES / "configs").rglob("*.yaml"))
AS_OF = dt.date(2026, 11, 25)


def _cases() -> list[tuple[Path, str]]:
    out = []
    for path in CONFIGS:
        if "include" in path.relative_to(FIXTURES).parts and path.name != "main.yaml":
            continue  # parts of the include fixture, read through main.yaml
        for routing in ("pinned", "smart"):
            out.append((path, routing))
    return out


@pytest.mark.parametrize(("path", "routing"), _cases(), ids=lambda v: v.name if isinstance(v, Path) else v)
def test_snapshot(path: Path, routing: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    rel = path.relative_to(ROOT)
    plan = convert_file(rel, routing=routing, as_of=AS_OF)
    got = json.loads(render(plan, "json"))
    expected_path = path.with_name(f"{path.stem}.{routing}.plan.json")
    if os.environ.get("LLMGW_UPDATE_SNAPSHOTS") == "1":
        expected_path.write_text(json.dumps(got, indent=2) + "\n", encoding="utf-8")
    assert expected_path.is_file(), (
        f"missing snapshot {expected_path.name}: run with LLMGW_UPDATE_SNAPSHOTS=1"
    )
    assert got == json.loads(expected_path.read_text(encoding="utf-8"))


def test_example_snapshot_has_no_blocking_findings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    plan = convert_file(Path("fixtures/example/litellm_config.yaml"), as_of=AS_OF)
    assert all(f.status.value in ("exact", "approximate") for f in plan.findings)
    assert {m.name for m in plan.models} >= {
        "gpt-4o",
        "gpt-4",
        "claude",
        "text-embedding-3-small",
        "internal-coder",
    }
