"""The before/after trees in fixtures/files/<type>/ through the real engine and the real CLI.

Each type's `before/` tree, migrated with the example app's plan, must equal its `after/` tree byte for
byte (untouched files included), report exactly the findings in `findings.txt`, and a second run must
change nothing. The CLI test runs `llmgw-migrate code` as a subprocess over all types at once.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from llmgw_migrate.codemods import engine
from llmgw_migrate.codemods.base import RewriteContext
from llmgw_migrate.config.plan import load_plan
from tests.conftest import FIXTURES, ROOT

FILES = FIXTURES / "files"
PLAN = FIXTURES / "example_app_config" / "plan.json"
TYPES = sorted(p.name for p in FILES.iterdir() if p.is_dir())
# Values that stand for secrets in the fixtures: they must never be printed in findings.
SECRET_VALUES = ("sk-1234", "sk-abc", "sk-master")


def plan_context() -> RewriteContext:
    plan = load_plan(PLAN)
    return RewriteContext(
        model_map=plan.model_map(),
        known_models=frozenset(m.name for m in plan.models),
        has_plan=True,
    )


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def expected_findings(kind: str) -> list[str]:
    return sorted(line for line in (FILES / kind / "findings.txt").read_text().splitlines() if line.strip())


def test_every_type_has_before_after_and_findings() -> None:
    assert {
        "dotenv",
        "shell",
        "docker",
        "compose",
        "kubernetes",
        "actions",
        "helm",
        "json",
        "toml",
        "javascript",
        "notebook",
        "dependencies",
    } <= set(TYPES)
    for kind in TYPES:
        assert (FILES / kind / "before").is_dir() and (FILES / kind / "after").is_dir()
        assert (FILES / kind / "findings.txt").is_file()
        assert tree(FILES / kind / "before") != tree(FILES / kind / "after") or kind == "dependencies"


@pytest.mark.parametrize("kind", TYPES)
def test_engine_migrates_before_into_after(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = tmp_path / kind
    shutil.copytree(FILES / kind / "before", work)
    monkeypatch.chdir(work)
    ctx = plan_context()
    run = engine.run_code([Path(".")], ctx, jobs=1)
    engine.apply(run)
    assert tree(work) == tree(FILES / kind / "after")
    got = sorted(f"{f.file}:{f.line} {f.code}" for f in run.findings)
    assert got == expected_findings(kind)
    for f in run.findings:
        assert not any(s in f.message for s in SECRET_VALUES), f.message
    again = engine.run_code([Path(".")], ctx, jobs=1)
    assert again.changed_files == [], [f.display for f in again.changed_files]


def test_unparsable_file_is_left_byte_identical(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(FILES / "javascript" / "before", tmp_path / "js")
    monkeypatch.chdir(tmp_path / "js")
    before = Path("broken.ts").read_bytes()
    run = engine.run_code([Path(".")], plan_context(), jobs=1)
    engine.apply(run)
    assert Path("broken.ts").read_bytes() == before
    errors = [f for f in run.findings if f.file == "broken.ts"]
    assert [(f.code, f.line) for f in errors] == [("LGM290", 1)]


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, NO_COLOR="1", PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-m", "llmgw_migrate", "code", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


# In one tree, the types' fixtures share their LITELLM_* variables: one proxy connection, which
# javascript/broken.ts would hold on the proxy (a file that does not parse cannot take its part of a
# rename: LGM253); without it they migrate together (the shell fixture's liveness probe of
# $LITELLM_BASE_URL is reported, LGM252, not a reason to stay).
TOGETHER = list(TYPES)


def test_cli_write_then_check_over_every_type(tmp_path: Path) -> None:
    for kind in TOGETHER:
        shutil.copytree(FILES / kind / "before", tmp_path / kind)
    (tmp_path / "javascript" / "broken.ts").unlink()
    mode = (tmp_path / "dotenv" / ".env").stat().st_mode
    diff = _cli(".", "--plan", str(PLAN), cwd=tmp_path)
    assert diff.returncode == 1, diff.stderr
    assert "+++ b/javascript/client.ts" in diff.stdout and "+++ b/notebook/explore.ipynb" in diff.stdout
    assert tree(tmp_path / "dotenv") == tree(FILES / "dotenv" / "before"), "--diff must write nothing"

    res = _cli(".", "--write", "--plan", str(PLAN), "--format", "json", cwd=tmp_path)
    assert res.returncode == 1, res.stderr
    report = json.loads(res.stdout)
    codes = {f["code"] for f in report["findings"]}
    assert {"LGM302", "LGM306", "LGM310", "LGM321", "LGM322", "LGM330"} <= codes
    for kind in TOGETHER:
        after = tree(FILES / kind / "after")
        if kind == "javascript":
            del after["broken.ts"]
        assert tree(tmp_path / kind) == after, kind
    assert (tmp_path / "dotenv" / ".env").stat().st_mode == mode

    check = _cli(".", "--check", "--plan", str(PLAN), cwd=tmp_path)
    # nothing left to rewrite, but the LiteLLM services and compromised pins still need a human
    assert check.returncode == 1
    assert "0 would change" in check.stderr + check.stdout
    assert "LGM310" in check.stdout + check.stderr


def test_cli_example_app_files_reproduce_the_migrated_tree(tmp_path: Path) -> None:
    """The non-Python files this engineer added to the example app migrate into example_app_migrated."""
    app = tmp_path / "app"
    shutil.copytree(FIXTURES / "example_app", app)
    res = _cli(".", "--write", "--plan", str(PLAN), cwd=app)
    assert res.returncode in (0, 1), res.stderr
    migrated = FIXTURES / "example_app_migrated"
    ours = [
        ".env.example",
        "docker-compose.yml",
        "Dockerfile",
        "scripts/smoke.sh",
        ".github/workflows/smoke.yml",
        "deploy/api.yaml",
        "frontend/package.json",
        "frontend/src/client.ts",
        "frontend/src/stream.ts",
        "notebooks/explore.ipynb",
    ]
    for rel in ours:
        assert (app / rel).read_bytes() == (migrated / rel).read_bytes(), rel
    check = _cli(".", "--check", "--plan", str(PLAN), cwd=app)
    assert check.returncode == 0, check.stdout + check.stderr
