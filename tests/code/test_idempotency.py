"""Issue 11, class 7: `code --write` is idempotent through the whole engine (connection model included).

Every rule case (Python and other file types, each in its own tree) and the example app are migrated
three times: the second and third runs change nothing.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from llmgw_migrate.codemods import engine
from tests.code import test_rule_cases as python_cases
from tests.files import test_file_cases as file_cases

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "fixtures" / "example_app"


def _three_runs(root: Path, ctx: Any) -> None:
    first = engine.run_code([root], ctx, jobs=1)
    engine.apply(first)
    for n in (2, 3):
        again = engine.run_code([root], ctx, jobs=1)
        assert not again.changed_files, f"run {n} changed {[o.display for o in again.changed_files]}"


def _cases() -> list[Any]:
    out = []
    for p in python_cases.CASES:
        _, case = p.values
        out.append(pytest.param("case.py", case, python_cases.case_context, id="py:" + p.id))
    for p in file_cases.CASES:
        _, case = p.values
        out.append(pytest.param(case["path"], case, file_cases.case_context, id="files:" + p.id))
    return out


@pytest.mark.parametrize(("path", "case", "make_ctx"), _cases())
def test_rule_case_three_runs(path: str, case: dict[str, Any], make_ctx: Any, tmp_path: Path) -> None:
    target = tmp_path / "tree" / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(case["before"], encoding="utf-8")
    _three_runs(tmp_path / "tree", make_ctx(case.get("ctx")))


def test_example_app_three_runs(tmp_path: Path) -> None:
    work = tmp_path / "example_app"
    shutil.copytree(APP, work, ignore=shutil.ignore_patterns("node_modules", "__pycache__", ".venv"))
    _three_runs(work, python_cases.case_context(None))
