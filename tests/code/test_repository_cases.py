"""Repository-level before/after cases (rules/rewrites/repository/*.cases.yaml): each case is a small
repository; `code` runs over the whole folder (repository-wide evidence applies), the files under
`after` change to exactly that text, every other file stays byte-identical, and a second run changes
nothing. `findings` (optional) lists every finding code the run must emit, as a sorted set: `[]`
means a silent run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from llmgw_migrate.codemods import engine
from llmgw_migrate.codemods.base import RewriteContext
from llmgw_migrate.resources import rules_path

CASE_DIR = rules_path("rewrites", "repository")


def _cases() -> list[Any]:
    out = []
    for path in sorted(CASE_DIR.glob("*.cases.yaml")):
        data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
        for i, case in enumerate(data["cases"]):
            out.append(pytest.param(case, id=f"{data['rule']}:{i}:{case['name']}"))
    return out


def _apply(root: Path, codes: set[str] | None = None) -> dict[str, str]:
    run = engine.run_code([root], RewriteContext(), jobs=1)
    if codes is not None:
        codes.update(f.code for f in run.findings)
        codes.update(f.code for o in run.files for f in o.findings)
    changed = {}
    for outcome in run.files:
        assert outcome.error is None, outcome.error
        if outcome.changed:
            assert outcome.result is not None
            rel = outcome.path.relative_to(root).as_posix()
            changed[rel] = outcome.result
            outcome.path.write_text(outcome.result, encoding="utf-8")
    return changed


def test_there_are_cases() -> None:
    assert len(_cases()) >= 5


@pytest.mark.parametrize("case", _cases())
def test_repository_case(case: dict[str, Any], tmp_path: Path) -> None:
    root = tmp_path / "repo"
    for rel, text in case["files"].items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    codes: set[str] = set()
    changed = _apply(root, codes)
    assert changed == dict(case.get("after") or {})
    if "findings" in case:
        assert sorted(codes) == sorted(case["findings"])
    assert _apply(root) == {}, "a second run changed files again"
