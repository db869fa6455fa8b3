"""`llmgw-migrate code` through the real CLI, as a subprocess: modes, exit codes, formats, bad input, and
the example app end to end (fixtures/example_app -> fixtures/example_app_migrated, whole tree)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"
APP = FIXTURES / "example_app"
MIGRATED = FIXTURES / "example_app_migrated"
PLAN = FIXTURES / "example_app_config" / "plan.json"
CONFIG = FIXTURES / "example_app_config" / "litellm_config.yaml"
PROXY_SRC = 'from openai import OpenAI\nclient = OpenAI(base_url="http://localhost:4000", api_key=KEY)\n'
SKIP_PARTS = {"__pycache__", ".pytest_cache", ".ruff_cache", ".mypy_cache"}


def cli(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "llmgw_migrate", "code", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


class Ran:
    def __init__(self, returncode: int, stdout: str, stderr: str) -> None:
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


_APP = None


def run(*args: str | Path, cwd: Path) -> Ran:
    """The same CLI in this process (no interpreter start-up), for the cases that need only its behaviour;
    the end-to-end test and the bad-input test use the real subprocess."""
    global _APP
    from typer.testing import CliRunner

    from llmgw_migrate.cli import build_app

    if _APP is None:
        _APP = build_app()
    old = Path.cwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(_APP, ["code", *map(str, args)], catch_exceptions=False)
    finally:
        os.chdir(old)
    return Ran(result.exit_code, result.stdout, result.stderr)


def tree(root: Path) -> dict[str, bytes]:
    out = {}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root)
        if p.is_file() and not SKIP_PARTS & set(rel.parts):
            out[rel.as_posix()] = p.read_bytes()
    return out


def test_example_app_end_to_end(tmp_path: Path) -> None:
    work = tmp_path / "example_app"
    shutil.copytree(APP, work, ignore=shutil.ignore_patterns(*SKIP_PARTS))
    before = tree(work)
    preview = cli(work.name, "--plan", PLAN, cwd=tmp_path)
    assert preview.returncode == 1, preview.stderr
    assert tree(work) == before, "--diff must write nothing"
    assert "+++ b/example_app/app/llm.py" in preview.stdout

    written = cli(work.name, "--write", "--plan", PLAN, "-j", "2", cwd=tmp_path)
    assert written.returncode in (0, 1), written.stderr
    assert "Traceback" not in written.stderr
    got, expected = tree(work), tree(MIGRATED)
    assert sorted(got) == sorted(expected)
    for rel in expected:
        assert got[rel] == expected[rel], f"{rel} differs from fixtures/example_app_migrated"

    check = cli(work.name, "--check", "--plan", PLAN, cwd=tmp_path)
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout == ""


def test_example_app_the_flask_app_is_untouched() -> None:
    assert (APP / "app" / "web.py").read_bytes() == (MIGRATED / "app" / "web.py").read_bytes()


def test_config_is_converted_in_process(tmp_path: Path) -> None:
    work = tmp_path / "example_app"
    shutil.copytree(APP / "app", work / "app")
    r = run(work.name, "--config", CONFIG, cwd=tmp_path)
    assert r.returncode == 1, r.stderr
    assert '+CHAT_MODEL = "' in r.stdout and '-CHAT_MODEL = "smart"' in r.stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "client.py").write_text(PROXY_SRC)
    (tmp_path / "svc" / "web.py").write_text('URL = "http://localhost:4000"\n')
    return tmp_path


def test_exit_codes_and_summary(repo: Path) -> None:
    r = run("svc", cwd=repo)
    assert r.returncode == 1
    assert r.stdout.startswith("--- a/svc/client.py\n+++ b/svc/client.py\n")
    # web.py's localhost:4000 sits beside no LLM word: not even parsed
    assert "2 files scanned, 1 candidate, 1 would change, 0 findings" in r.stderr
    c = run("svc", "--check", cwd=repo)
    assert c.returncode == 1 and c.stdout == ""
    assert "svc/client.py:2:1: LGM200 [warning]" in c.stderr
    w = run("svc", "--write", cwd=repo)
    assert w.returncode == 0, w.stderr
    assert "1 rewritten" in w.stderr
    assert run("svc", "--check", cwd=repo).returncode == 0
    assert (repo / "svc" / "web.py").read_text() == 'URL = "http://localhost:4000"\n'


def test_formats(repo: Path) -> None:
    j = run("svc", "--format", "json", cwd=repo)
    doc = json.loads(j.stdout)
    assert doc["schema_version"] == 1 and doc["summary"]["changed"] == 1
    assert doc["findings"][0]["code"] == "LGM200" and doc["diff"].startswith("--- a/svc/client.py")
    assert doc["files"] == [{"path": "svc/client.py", "changed": True, "written": False, "error": None}]
    s = json.loads(run("svc", "--check", "--format", "sarif", cwd=repo).stdout)
    result = s["runs"][0]["results"][0]
    assert s["version"] == "2.1.0" and result["ruleId"] == "LGM200"
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "svc/client.py"
    g = run("svc", "--check", "--format", "github", cwd=repo)
    assert g.stdout.startswith("::warning file=svc/client.py,line=2,col=1,title=LGM200::")


def test_from_url_base_url_and_key_env(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(
        "import os\nfrom openai import OpenAI\n"
        'c = OpenAI(base_url="https://llm.acme.dev/v1", api_key=os.environ["LITELLM_API_KEY"])\n'
    )
    plain = run("a.py", cwd=tmp_path)
    # Without --from-url the hosted URL is not known as the proxy: renaming the key alone would send the
    # gateway key there (a half-migration), so nothing changes and one finding names both parts.
    assert "+c = " not in plain.stdout
    assert "LGM253" in plain.stderr and "https://llm.acme.dev/v1" in plain.stderr
    r = run(
        "a.py",
        "--from-url",
        "https://llm.acme.dev",
        "--base-url",
        "https://gw.acme.dev/v1",
        "--key-env",
        "ACME_KEY",
        cwd=tmp_path,
    )
    assert '+c = OpenAI(base_url="https://gw.acme.dev/v1", api_key=os.environ["ACME_KEY"])' in r.stdout


def test_parse_error_is_reported_and_run_goes_on(repo: Path) -> None:
    (repo / "svc" / "broken.py").write_text("LITELLM = (\n")
    r = run("svc", "--write", cwd=repo)
    assert r.returncode == 1
    assert "svc/broken.py:" in r.stderr and "LGM290 [error]" in r.stderr
    assert (repo / "svc" / "broken.py").read_text() == "LITELLM = (\n"
    assert "api.llmgateway.io" in (repo / "svc" / "client.py").read_text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("nope",), "nope: no such file or directory"),
        (("svc", "--write", "--check"), "--write and --check cannot be combined"),
        (("svc", "--format", "xml"), "--format must be one of"),
        (("svc", "--base-url", "ftp://x"), "--base-url must be an http(s) URL"),
        (("svc", "--key-env", "1BAD"), "--key-env must be an environment variable name"),
        (("svc", "--plan", "missing.json"), "missing.json: plan file not found"),
        (("svc", "-j", "0"), "--jobs must be at least 1"),
    ],
)
def test_bad_input_is_one_line_exit_2(repo: Path, args: tuple[str, ...], message: str) -> None:
    r = run(*args, cwd=repo)
    assert r.returncode == 2
    assert message in r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_bad_input_in_a_real_process_has_no_traceback(repo: Path) -> None:
    r = cli("svc", "--plan", "plan.json", "--format", "sarif", cwd=repo)
    assert r.returncode == 2
    assert r.stderr == "error: plan.json: plan file not found\n"
    assert r.stdout == ""


def test_invalid_plan_json_names_line_and_column(repo: Path) -> None:
    (repo / "plan.json").write_text('{\n  "source": "x",\n  oops\n}\n')
    r = run("svc", "--plan", "plan.json", cwd=repo)
    assert r.returncode == 2 and r.stderr.startswith("error: plan.json:3:3: invalid JSON")


def test_plan_model_names_and_secret_values_stay_out_of_output(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(
        'import os\nfrom openai import OpenAI\nc = OpenAI(base_url="http://litellm:4000", api_key=KEY)\n'
        'c.chat.completions.create(model="smart", messages=[])\n'
        'c.chat.completions.create(model="nobody-knows", messages=[])\n'
    )
    r = run("a.py", "--plan", PLAN, cwd=tmp_path)
    assert '+c.chat.completions.create(model="openai/gpt-4o", messages=[])' in r.stdout
    assert "a.py:5:" in r.stderr and "LGM210 [info]" in r.stderr
    assert r.returncode == 1
    q = run("a.py", "--plan", PLAN, "--quiet", cwd=tmp_path)
    assert q.stderr == ""


def test_plan_names_through_an_imported_client_are_reported(tmp_path: Path) -> None:
    # No proxy address or LiteLLM name in the file: the plan's quoted names make it a candidate.
    (tmp_path / "svc.py").write_text(
        'from app.llm import client\nr = client.chat.completions.create(model="smart", messages=[])\n'
    )
    r = run("svc.py", "--plan", PLAN, cwd=tmp_path)
    assert r.returncode == 0 and r.stdout == ""
    assert "svc.py:2:42: LGM212 [info] model 'smart' is a LiteLLM name" in r.stderr


def test_check_gates_at_fail_on_like_check(tmp_path: Path) -> None:
    # issue 15: after --write only a manual reminder (a warning) remains; --check fails on it by default
    # (it needs a person), --fail-on error lets it pass, and a pending rewrite fails at warning and below.
    (tmp_path / ".env").write_text("LITELLM_API_KEY=sk-litellm-abcdef0123456789\n")
    w = run(".", "--write", cwd=tmp_path)
    assert w.returncode == 1, w.stderr  # the reminder is still there after the rename
    assert "LGM302" in w.stderr
    c = run(".", "--check", cwd=tmp_path)
    assert c.returncode == 1 and "LGM200" not in c.stderr
    assert run(".", "--check", "--fail-on", "error", cwd=tmp_path).returncode == 0
    assert run(".", "--check", "--fail-on", "ERROR", cwd=tmp_path).returncode == 0
    (tmp_path / "client.py").write_text(PROXY_SRC)
    assert run(".", "--check", "--fail-on", "error", cwd=tmp_path).returncode == 0
    assert run(".", "--check", "--fail-on", "warning", cwd=tmp_path).returncode == 1
    assert run(".", "--check", "--fail-on", "never", cwd=tmp_path).returncode == 0
    bad = run(".", "--check", "--fail-on", "loud", cwd=tmp_path)
    assert bad.returncode == 2 and "--fail-on must be one of error, warning, info, never" in bad.stderr
