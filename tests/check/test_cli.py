"""`llmgw-migrate check` driven as a subprocess: exit codes, reports, baselines, bad input, secrets."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.check.helpers import SECRET, make_app, run_cli, run_inproc


def test_clean_tree_passes(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("print('hello')\n", encoding="utf-8")
    proc = run_cli("check", ".", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1] == "check passed (fail-on warning)"
    assert "config: not run" in proc.stdout


def test_proxy_references_fail_with_every_report(tmp_path: Path) -> None:
    app = make_app(tmp_path / "app")
    summary = tmp_path / "summary.md"
    summary.write_text("# earlier step\n", encoding="utf-8")
    proc = run_cli(
        "check",
        "app",
        "--sarif",
        "out/report.sarif",
        "--junit",
        "out/junit.xml",
        "--json",
        "out/report.json",
        "--markdown",
        "out/summary.md",
        cwd=tmp_path,
        env={"GITHUB_STEP_SUMMARY": str(summary)},
    )
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr == ""
    assert "app/call.sh:2:1: LGM200 [warning]" in proc.stdout
    assert proc.stdout.splitlines()[-1].startswith("check failed:")

    report = json.loads((tmp_path / "out/report.json").read_text(encoding="utf-8"))
    assert report["exit_code"] == 1
    files = {f["file"] for f in report["findings"]}
    assert files == {"app/.env", "app/call.sh"}
    assert all(len(f["fingerprint"]) == 32 for f in report["findings"])

    sarif = json.loads((tmp_path / "out/report.sarif").read_text(encoding="utf-8"))
    results = sarif["runs"][0]["results"]
    assert len(results) == len(report["findings"])
    assert all("partialFingerprints" in r for r in results)

    junit = ET.parse(tmp_path / "out/junit.xml").getroot()
    assert junit.get("failures") == "2"

    md = (tmp_path / "out/summary.md").read_text(encoding="utf-8")
    step = summary.read_text(encoding="utf-8")
    assert step.startswith("# earlier step\n")  # appended, never replaced
    assert step.endswith(md + "\n")
    assert "## ❌ llmgw-migrate check" in md

    # The hard-coded key in .env appears in no output and no report.
    everything = proc.stdout + proc.stderr + step
    everything += "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "out").iterdir())
    assert SECRET not in everything
    assert SECRET[:10] not in everything
    # check never writes to the checked files.
    assert (app / ".env").read_text(encoding="utf-8").startswith(f"LITELLM_API_KEY={SECRET}")


@pytest.mark.parametrize("fmt", ["json", "sarif", "github", "junit", "markdown"])
def test_format_goes_to_stdout(tmp_path: Path, fmt: str) -> None:
    make_app(tmp_path)
    proc = run_inproc("check", "--format", fmt, cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    if fmt in ("json", "sarif"):
        json.loads(proc.stdout)
    elif fmt == "junit":
        ET.fromstring(proc.stdout)
    elif fmt == "github":
        assert all(line.startswith("::") for line in proc.stdout.splitlines())
    else:
        assert proc.stdout.startswith("## ❌ llmgw-migrate check")
    assert SECRET not in proc.stdout


def test_output_file_keeps_a_text_log(tmp_path: Path) -> None:
    make_app(tmp_path)
    proc = run_inproc("check", "--format", "sarif", "--output", "r.sarif", cwd=tmp_path)
    assert proc.returncode == 1
    json.loads((tmp_path / "r.sarif").read_text(encoding="utf-8"))
    assert proc.stdout.splitlines()[-1].startswith("check failed:")


def test_fail_on_thresholds(tmp_path: Path) -> None:
    make_app(tmp_path)
    assert run_inproc("check", "--fail-on", "never", cwd=tmp_path).returncode == 0
    # Pending rewrites are warnings (LGM200, as `code --check` reports them): below an error threshold.
    assert run_inproc("check", "--fail-on", "error", cwd=tmp_path).returncode == 0
    assert run_inproc("check", "--fail-on", "info", cwd=tmp_path).returncode == 1
    # A file that cannot be parsed is an error and fails every threshold but never.
    (tmp_path / "broken.py").write_text(
        "client = OpenAI(base_url='http://localhost:4000'\n", encoding="utf-8"
    )
    proc = run_inproc("check", "--fail-on", "error", "--format", "json", cwd=tmp_path)
    assert proc.returncode == 1
    errors = [f for f in json.loads(proc.stdout)["findings"] if f["severity"] == "error"]
    assert [f["file"] for f in errors] == ["broken.py"]


def test_baseline_accepts_survives_shifts_and_catches_new(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    proc = run_inproc("check", "--baseline", "llmgw-baseline.json", "--update-baseline", cwd=app)
    assert proc.returncode == 0, proc.stderr
    assert "baseline written to llmgw-baseline.json" in proc.stdout
    base = json.loads((app / "llmgw-baseline.json").read_text(encoding="utf-8"))
    assert base["tool"] == "llmgw-migrate" and base["findings"]
    assert SECRET not in (app / "llmgw-baseline.json").read_text(encoding="utf-8")

    proc = run_inproc("check", "--baseline", "llmgw-baseline.json", cwd=app)
    assert proc.returncode == 0, proc.stdout
    assert "accepted by baseline" in proc.stdout

    # Lines move: still accepted.
    script = app / "call.sh"
    lines = script.read_text(encoding="utf-8").splitlines(keepends=True)
    script.write_text(lines[0] + "\n# comment\n\n" + "".join(lines[1:]), encoding="utf-8")
    env = app / ".env"
    env.write_text("# settings\n\n" + env.read_text(encoding="utf-8"), encoding="utf-8")
    proc = run_inproc("check", "--baseline", "llmgw-baseline.json", cwd=app)
    assert proc.returncode == 0, proc.stdout

    # A new proxy reference comes back: only it fails.
    (app / "again.sh").write_text("curl http://litellm:4000/v1/models\n", encoding="utf-8")
    proc = run_inproc("check", "--baseline", "llmgw-baseline.json", "--format", "json", cwd=app)
    assert proc.returncode == 1
    data = json.loads(proc.stdout)
    failing = [f for f in data["findings"] if f["fails"]]
    assert {f["file"] for f in failing} == {"again.sh"}

    # The accepted references are fixed: their entries go stale (info, does not fail at warning).
    script.write_text("#!/bin/sh\necho done\n", encoding="utf-8")
    (app / "again.sh").unlink()
    proc = run_inproc("check", "--baseline", "llmgw-baseline.json", "--format", "json", cwd=app)
    assert proc.returncode == 0, proc.stdout
    data = json.loads(proc.stdout)
    stale = [f for f in data["findings"] if f["code"] == "LGM601"]
    assert stale and all(f["file"] == "llmgw-baseline.json" for f in stale)
    assert data["stale_baseline_entries"]
    assert (
        run_inproc("check", "--baseline", "llmgw-baseline.json", "--fail-on", "info", cwd=app).returncode == 1
    )


def test_baseline_is_portable_between_checkouts(tmp_path: Path) -> None:
    one = make_app(tmp_path / "one")
    assert run_inproc("check", "--baseline", "b.json", "--update-baseline", cwd=one).returncode == 0
    two = make_app(tmp_path / "elsewhere" / "two")
    (two / "b.json").write_bytes((one / "b.json").read_bytes())
    # Run from the parent folder: paths are relative to the baseline, not to the working directory.
    proc = run_inproc("check", "two", "--baseline", "two/b.json", cwd=tmp_path / "elsewhere")
    assert proc.returncode == 0, proc.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["check", "missing-dir"], "error: missing-dir: path not found"),
        (["check", "--fail-on", "sometimes"], "error: --fail-on must be one of error, warning, info, never"),
        (["check", "--format", "yaml"], "error: --format must be one of"),
        (["check", "--as-of", "yesterday"], "error: --as-of must be a date like"),
        (["check", "--update-baseline"], "error: --update-baseline needs --baseline FILE"),
        (["check", "--baseline", "nope.json"], "error: nope.json: baseline file not found"),
        (
            ["check", "--before", "http://127.0.0.1:1"],
            "error: --before, --after, --requests, --model and the other verify options need --verify",
        ),
        (["check", "--jobs", "0"], "error: --jobs must be 1 or more"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    proc = run_cli(*args, cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stderr.startswith(message), proc.stderr
    assert proc.stderr.count("\n") == 1
    assert "Traceback" not in proc.stderr


def test_broken_baseline_names_line_and_column(tmp_path: Path) -> None:
    (tmp_path / "b.json").write_text(
        '{"tool": "llmgw-migrate",\n "version": 1\n "findings": []}', encoding="utf-8"
    )
    proc = run_cli("check", "--baseline", "b.json", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: b.json:3:2: invalid JSON")


def test_help_lists_the_options() -> None:
    proc = run_inproc("check", "--help", cwd=Path.cwd())
    assert proc.returncode == 0
    for opt in ("--config", "--baseline", "--update-baseline", "--fail-on", "--sarif", "--junit", "--verify"):
        assert opt in proc.stdout


CONFIG = """\
model_list:
  - model_name: fast
    litellm_params:
      model: openai/gpt-4o-mini
      api_key: os.environ/OPENAI_API_KEY
  - model_name: smart
    litellm_params:
      model: anthropic/claude-sonnet-4-5
      api_key: os.environ/ANTHROPIC_API_KEY
general_settings:
  master_key: sk-never-print-this-9f8e7d6c5b4a
"""


def test_config_findings_join_the_report(tmp_path: Path) -> None:
    (tmp_path / "litellm_config.yaml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "app.py").write_text("print('hi')\n", encoding="utf-8")
    proc = run_inproc("check", ".", "--config", "litellm_config.yaml", "--format", "json", cwd=tmp_path)
    assert proc.returncode in (0, 1), proc.stderr
    data = json.loads(proc.stdout)
    config = next(s for s in data["sections"] if s["name"] == "config")
    assert config["ran"] is True
    assert config["stats"]["models"] == 2
    assert "litellm_config.yaml: " in config["detail"]
    config_findings = [f for f in data["findings"] if f["section"] == "config"]
    assert config_findings, "an inline master key must be reported"
    assert all(f["code"].startswith("LGM1") for f in config_findings)
    assert "sk-never-print-this" not in proc.stdout
    # The exit code follows the findings that fail at --fail-on.
    assert proc.returncode == (1 if any(f["fails"] for f in data["findings"]) else 0)


def test_plan_instead_of_config(tmp_path: Path) -> None:
    (tmp_path / "litellm_config.yaml").write_text(CONFIG, encoding="utf-8")
    made = run_inproc("config", "litellm_config.yaml", "--output", "plan.json", cwd=tmp_path)
    assert made.returncode in (0, 1), made.stderr
    proc = run_inproc("check", "--plan", "plan.json", "--format", "json", "--fail-on", "never", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    config = next(s for s in data["sections"] if s["name"] == "config")
    assert config["detail"].startswith("plan plan.json: ")


@pytest.mark.parametrize(
    ("files", "args", "message"),
    [
        (
            {"bad.yaml": "model_list:\n  - model_name: [unclosed\n"},
            ["--config", "bad.yaml"],
            "error: bad.yaml:",
        ),
        ({}, ["--config", "absent.yaml"], "error: absent.yaml"),
        (
            {"c.yaml": CONFIG, "p.json": "{}"},
            ["--config", "c.yaml", "--plan", "p.json"],
            "error: give --config or",
        ),
        ({"p.json": "{broken"}, ["--plan", "p.json"], "error: p.json:1:2: invalid JSON"),
    ],
)
def test_bad_config_or_plan_is_exit_2(
    tmp_path: Path, files: dict[str, str], args: list[str], message: str
) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    proc = run_inproc("check", *args, cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stderr.startswith(message), proc.stderr
    assert proc.stderr.count("\n") == 1


def test_guard_mode_on_the_example_app(tmp_path: Path) -> None:
    """Before the migration the gate fails on every block `code` would change; after `code --write` it
    passes; a proxy reference that comes back fails it again."""
    import shutil

    from tests.conftest import FIXTURES

    app = tmp_path / "example_app"
    shutil.copytree(FIXTURES / "example_app", app)
    plan = FIXTURES / "example_app_config" / "plan.json"

    before = run_inproc(
        "check", "example_app", "--plan", str(plan), "--jobs", "1", "--format", "json", cwd=tmp_path
    )
    assert before.returncode == 1, before.stderr
    data = json.loads(before.stdout)
    pending = [f for f in data["findings"] if f["code"] == "LGM200"]
    code_check = run_inproc(
        "code", "example_app", "--plan", str(plan), "--jobs", "1", "--check", "--format", "json", cwd=tmp_path
    )
    changed = {f["path"] for f in json.loads(code_check.stdout)["files"] if f["changed"]}
    # The same rules as `code`: exactly the files it would change, one finding per changed block.
    assert {f["file"] for f in pending} == changed
    assert len(pending) >= len(changed)

    wrote = run_inproc("code", "example_app", "--plan", str(plan), "--jobs", "1", "--write", cwd=tmp_path)
    assert wrote.returncode in (0, 1), wrote.stderr
    after = run_inproc("check", "example_app", "--plan", str(plan), "--jobs", "1", cwd=tmp_path)
    assert after.returncode == 0, after.stdout
    assert after.stdout.splitlines()[-1] == "check passed (fail-on warning)"

    (app / "app" / "late.py").write_text(
        "from openai import OpenAI\nclient = OpenAI(base_url='http://localhost:4000/v1')\n", encoding="utf-8"
    )
    again = run_inproc(
        "check", "example_app", "--plan", str(plan), "--jobs", "1", "--format", "json", cwd=tmp_path
    )
    assert again.returncode == 1
    failing = {f["file"] for f in json.loads(again.stdout)["findings"] if f["fails"]}
    assert failing == {"example_app/app/late.py"}


def test_schema_flag_prints_the_report_schema(tmp_path: Path) -> None:
    proc = run_inproc("check", "--schema", cwd=tmp_path)
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["title"] == "CheckReportOut"


def test_reports_and_baseline_in_the_tree_are_not_scanned(tmp_path: Path) -> None:
    app = make_app(tmp_path / "app")
    args = ["check", ".", "--sarif", "r.sarif", "--junit", "r.xml", "--json", "r.json", "--markdown", "r.md"]
    args += ["--output", "out.txt", "--baseline", "base.json"]
    assert run_inproc(*args, "--update-baseline", cwd=app).returncode == 0
    first = json.loads((app / "r.json").read_text(encoding="utf-8"))
    again = run_inproc(*args, cwd=app)
    assert again.returncode == 0, again.stdout
    second = json.loads((app / "r.json").read_text(encoding="utf-8"))
    assert (
        {f["file"] for f in second["findings"]}
        == {f["file"] for f in first["findings"]}
        == {".env", "call.sh"}
    )


def test_step_summary_only_when_asked_for(tmp_path: Path) -> None:
    make_app(tmp_path)
    summary = tmp_path / "summary.md"
    run_inproc("check", "--no-step-summary", cwd=tmp_path, env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert not summary.exists()
    run_inproc("check", cwd=tmp_path, env={"GITHUB_STEP_SUMMARY": str(summary)})
    run_inproc("check", cwd=tmp_path, env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert summary.read_text(encoding="utf-8").count("## ❌ llmgw-migrate check") == 2


def test_absolute_config_paths_are_shown_relative(tmp_path: Path) -> None:
    (tmp_path / "litellm_config.yaml").write_text(CONFIG, encoding="utf-8")
    proc = run_inproc(
        "check",
        "--no-code",
        "--config",
        str(tmp_path / "litellm_config.yaml"),
        "--format",
        "json",
        cwd=tmp_path,
    )
    files = {f["file"] for f in json.loads(proc.stdout)["findings"]}
    assert files == {"litellm_config.yaml"}


def test_progress_bar_goes_to_stderr_only(tmp_path: Path) -> None:
    for i in range(40):  # the bar shows from 40 candidate files
        (tmp_path / f"s{i}.sh").write_text(f"curl http://localhost:4000/v1/models # {i}\n", encoding="utf-8")
    quiet = run_inproc("check", "--no-progress", "--jobs", "1", "--format", "json", cwd=tmp_path)
    shown = run_inproc("check", "--progress", "--jobs", "1", "--format", "json", cwd=tmp_path)
    assert quiet.returncode == shown.returncode == 1
    a, b = json.loads(quiet.stdout), json.loads(shown.stdout)
    for data in (a, b):
        for section in data["sections"]:
            section.pop("seconds")
    assert a == b
    assert quiet.stderr == ""


def test_plan_paths_are_right_from_any_folder(tmp_path: Path) -> None:
    # issue 15: a plan made in one folder and checked from another named `scenario/litellm_config.yaml`
    # in SARIF, a path that does not exist from the check's root.
    scenario = tmp_path / "scenario"
    scenario.mkdir()
    (scenario / "litellm_config.yaml").write_text(CONFIG, encoding="utf-8")
    made = run_inproc("config", "scenario/litellm_config.yaml", "-o", "scenario/plan.json", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    plan = json.loads((scenario / "plan.json").read_text(encoding="utf-8"))
    assert plan["source"] == "litellm_config.yaml"  # relative to the plan file's folder
    assert {f["file"] for f in plan["findings"]} == {"litellm_config.yaml"}
    located = [loc["file"] for f in plan["findings"] for loc in f.get("locations") or ()]
    assert set(located) <= {"litellm_config.yaml"}

    def sarif_uris(cwd: Path, plan_arg: str) -> set[str]:
        proc = run_inproc(
            "check", "--no-code", "--plan", plan_arg, "-f", "sarif", "--fail-on", "never", cwd=cwd
        )
        assert proc.returncode == 0, proc.stderr
        results = json.loads(proc.stdout)["runs"][0]["results"]
        assert results
        return {
            loc["physicalLocation"]["artifactLocation"]["uri"]
            for r in results
            for loc in r.get("locations", [])
        }

    assert sarif_uris(scenario, "plan.json") == {"litellm_config.yaml"}
    assert sarif_uris(tmp_path, "scenario/plan.json") == {"scenario/litellm_config.yaml"}
    other = tmp_path / "elsewhere"
    other.mkdir()
    assert sarif_uris(other, "../scenario/plan.json") == {"../scenario/litellm_config.yaml"}
