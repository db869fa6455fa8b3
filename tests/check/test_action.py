"""The GitHub Action: action.yml declares what the README promises, and its run script works."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from tests.check.helpers import SECRET, make_app
from tests.conftest import ROOT

SCRIPT = ROOT / "scripts" / "action_run.sh"
BIN = Path(sys.executable).parent / "llmgw-migrate"


def _action() -> dict:
    return YAML(typ="safe").load((ROOT / "action.yml").read_text(encoding="utf-8"))


def test_action_declares_inputs_and_passes_each_to_the_script() -> None:
    action = _action()
    inputs = action["inputs"]
    for name in ("path", "config", "fail-on", "format"):
        assert name in inputs, name
    assert inputs["fail-on"]["default"] == "warning"
    assert action["runs"]["using"] == "composite"
    step = next(s for s in action["runs"]["steps"] if s.get("id") == "check")
    assert "scripts/action_run.sh" in step["run"]
    assert step["shell"] == "bash"
    env = step["env"]
    for name in inputs:
        if name == "python-version":
            continue  # used by the setup-python step
        var = "INPUT_" + name.upper().replace("-", "_")
        assert env.get(var) == "${{ inputs." + name + " }}", var
    script = SCRIPT.read_text(encoding="utf-8")
    for var in env:
        assert var in script, f"{var} is passed but the script never reads it"
    for out in action["outputs"].values():
        assert re.fullmatch(r"\$\{\{ steps\.check\.outputs\.[a-z-]+ \}\}", out["value"])


def _run(
    workdir: Path, tmp_path: Path, **inputs: str
) -> tuple[subprocess.CompletedProcess[str], dict[str, str]]:
    out = tmp_path / "github_output"
    out.write_text("", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("INPUT_")}
    env.update(
        {
            "LLMGW_MIGRATE_BIN": str(BIN),
            "GITHUB_OUTPUT": str(out),
            "GITHUB_STEP_SUMMARY": str(tmp_path / "step_summary.md"),
            "RUNNER_TEMP": str(tmp_path / "runner"),
            "PYTHON": sys.executable,
        }
    )
    env.update({"INPUT_" + k.upper(): v for k, v in inputs.items()})
    proc = subprocess.run(
        ["bash", str(SCRIPT)], cwd=workdir, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    outputs = dict(line.split("=", 1) for line in out.read_text(encoding="utf-8").splitlines() if "=" in line)
    return proc, outputs


def test_action_script_fails_with_annotations_sarif_and_summary(tmp_path: Path) -> None:
    repo = make_app(tmp_path / "repo")
    proc, outputs = _run(repo, tmp_path, path=".", fail_on="warning", format="github", sarif="llmgw.sarif")
    assert proc.returncode == 1, proc.stderr
    lines = proc.stdout.splitlines()
    assert any(line.startswith("::warning file=call.sh,line=2") for line in lines)
    assert lines[-1].startswith("::error title=llmgw-migrate check::check failed")
    assert outputs == {"exit-code": "1", "sarif": "llmgw.sarif"}
    sarif = json.loads((repo / "llmgw.sarif").read_text(encoding="utf-8"))
    assert sarif["runs"][0]["results"]
    summary = (tmp_path / "step_summary.md").read_text(encoding="utf-8")
    assert "## ❌ llmgw-migrate check" in summary
    assert SECRET not in proc.stdout + summary + (repo / "llmgw.sarif").read_text(encoding="utf-8")


def test_action_script_passes_with_baseline_and_extra_args(tmp_path: Path) -> None:
    repo = make_app(tmp_path / "repo")
    (repo / "src").mkdir()
    (repo / "src" / "ok.py").write_text("print(1)\n", encoding="utf-8")
    proc, outputs = _run(
        repo,
        tmp_path,
        path="src\ncall.sh",
        args="--exclude 'call.sh' --include '*.py'",
        format="text",
        junit="reports/junit.xml",
        json="reports/check.json",
        sarif="",
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert outputs == {"exit-code": "0", "junit": "reports/junit.xml", "json": "reports/check.json"}
    assert json.loads((repo / "reports/check.json").read_text(encoding="utf-8"))["passed"] is True


def test_action_script_baseline_input(tmp_path: Path) -> None:
    repo = make_app(tmp_path / "repo")
    made = subprocess.run(
        [str(BIN), "check", "--baseline", ".llmgw-baseline.json", "--update-baseline"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    proc, outputs = _run(repo, tmp_path, baseline=".llmgw-baseline.json", format="text")
    assert proc.returncode == 0, proc.stdout
    assert outputs["exit-code"] == "0"


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        ({"fail_on": "sometimes"}, "fail-on must be error, warning, info or never"),
        ({"format": "xml"}, "format must be text, json, sarif, github, junit or markdown"),
        ({"config": "a.yaml", "plan": "p.json"}, "give config or plan, not both"),
        ({"args": "--exclude 'unbalanced"}, "args: cannot split"),
    ],
)
def test_action_script_rejects_bad_inputs(tmp_path: Path, inputs: dict[str, str], message: str) -> None:
    proc, _ = _run(tmp_path, tmp_path, **inputs)
    assert proc.returncode == 2
    assert proc.stdout.startswith("::error title=llmgw-migrate action::")
    assert message in proc.stdout


def test_action_script_reports_cli_errors_as_exit_2(tmp_path: Path) -> None:
    proc, outputs = _run(tmp_path, tmp_path, path="does-not-exist")
    assert proc.returncode == 2
    assert outputs["exit-code"] == "2"
    assert "does-not-exist: path not found" in proc.stderr


def test_action_script_working_directory(tmp_path: Path) -> None:
    make_app(tmp_path / "services" / "api")
    proc, outputs = _run(
        tmp_path, tmp_path, working_directory="services/api", format="text", sarif="out/api.sarif"
    )
    assert proc.returncode == 1, proc.stderr
    assert "call.sh:2:1: LGM200" in proc.stdout  # paths relative to the working directory
    assert outputs == {"exit-code": "1", "sarif": "services/api/out/api.sarif"}
    assert (tmp_path / "services/api/out/api.sarif").is_file()
    bad, _ = _run(tmp_path, tmp_path, working_directory="nope")
    assert bad.returncode == 2 and "working-directory 'nope' does not exist" in bad.stdout
