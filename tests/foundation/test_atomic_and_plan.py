from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from llmgw_migrate.atomic import write_text_atomic
from llmgw_migrate.config.plan import Plan, load_plan, plan_json_schema
from llmgw_migrate.errors import UserError


def test_atomic_write_keeps_mode_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "run.sh"
    target.write_text("old")
    target.chmod(0o755)
    write_text_atomic(target, "new")
    assert target.read_text() == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o755
    assert os.listdir(tmp_path) == ["run.sh"]


def test_atomic_write_secret_mode(tmp_path: Path) -> None:
    target = tmp_path / "gateway.env"
    write_text_atomic(target, "LLM_OPENAI_API_KEY=${OPENAI_API_KEY}\n", mode=0o600)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_atomic_write_failure_keeps_original(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "a.txt"
    target.write_text("original")

    def boom(*_a: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        write_text_atomic(target, "half")
    assert target.read_text() == "original"
    assert os.listdir(tmp_path) == ["a.txt"]


def test_plan_schema_is_versioned() -> None:
    schema = plan_json_schema()
    assert schema["properties"]["schema_version"]["const"] == 1
    assert {"models", "provider_keys", "findings", "source", "target"} <= set(schema["properties"])


def test_plan_round_trip(tmp_path: Path) -> None:
    plan = Plan(source="cfg.yaml")
    path = tmp_path / "plan.json"
    path.write_text(plan.to_json())
    assert load_plan(path) == plan


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("{not json", "invalid JSON"),
        ('{"schema_version": 7, "source": "x"}', "schema_version"),
        ('{"schema_version": 1}', "source"),
    ],
)
def test_load_plan_errors_are_one_line(tmp_path: Path, content: str, fragment: str) -> None:
    path = tmp_path / "plan.json"
    path.write_text(content)
    with pytest.raises(UserError) as info:
        load_plan(path)
    text = str(info.value)
    assert fragment in text and "\n" not in text and text.startswith(str(path) + ":")


def test_version_fast_path_and_module_entry() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "llmgw_migrate", "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.startswith("llmgw-migrate ")
    # The fast path must not import typer, pydantic or rich.
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, json; sys.argv = ['x', '--version']; from llmgw_migrate.cli import main; main();"
            "print(json.dumps(sorted(m for m in ('typer', 'pydantic', 'rich') if m in sys.modules)))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(probe.stdout.splitlines()[-1]) == []
