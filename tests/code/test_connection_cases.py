"""The multi-file cases of the connection model (rules/rewrites/connections/*.cases.yaml).

Each case is a small tree migrated by the real engine: every file comes out as its `after` (or
byte-identical), the connection findings (LGM25x, LGM263-265, LGM357) are exactly `findings`, and two
more runs change nothing (idempotency, issue 11 class 7).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from llmgw_migrate.codemods import engine
from llmgw_migrate.findings import registry
from llmgw_migrate.resources import rules_path
from tests.code.test_rule_cases import case_context

CASE_DIR = rules_path("rewrites", "connections")


def _load() -> list[Any]:
    out = []
    for path in sorted(CASE_DIR.glob("*.cases.yaml")):
        data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
        for i, case in enumerate(data["cases"]):
            out.append(pytest.param(case, id=f"{data['rule']}:{i}:{case['name']}"))
    return out


CASES = _load()
# The connection model's findings (apply.py, complete.py): the others are the handlers' own.
_CONNECTION_CODES = frozenset(
    {"LGM250", "LGM251", "LGM252", "LGM253", "LGM254", "LGM263", "LGM264", "LGM265", "LGM357"}
)


def test_the_first_case_is_a_noop() -> None:
    first = CASES[0].values[0]
    assert not first.get("findings") and all("after" not in f for f in first["files"].values())


@pytest.mark.parametrize("case", CASES)
def test_case(case: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for rel, spec in case["files"].items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(spec["before"], encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    ctx = case_context(case.get("ctx"))
    run = engine.run_code([Path(".")], ctx, jobs=1)
    engine.apply(run)
    for rel, spec in case["files"].items():
        assert (tmp_path / rel).read_text(encoding="utf-8") == spec.get("after", spec["before"]), rel
    got = sorted(f"{f.code}:{f.file}:{f.line}" for f in run.findings if f.code in _CONNECTION_CODES)
    assert got == sorted(case.get("findings", []))
    # findings that only make sense once the connection moved (a held one must not carry them)
    assert not [f"{f.code}:{f.file}:{f.line}" for f in run.findings if f.code in case.get("absent", [])]
    # `lists`: file:line parts the connection finding must name (`not_lists`: must not)
    listed = " ".join(f.message for f in run.findings if f.code in _CONNECTION_CODES) + ";"
    for at in case.get("lists", []):
        assert f"{at} " in listed or f"{at}," in listed or f"{at})" in listed, at
    for at in case.get("not_lists", []):
        assert f"{at} " not in listed and f"{at}," not in listed and f"{at})" not in listed, at
    assert all(f.code in registry() for f in run.findings)
    for _ in range(2):
        again = engine.run_code([Path(".")], ctx, jobs=1)
        assert not again.changed_files, [o.display for o in again.changed_files]


def test_a_failing_connection_phase_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug in phase 2 is reported (LGM292) and no rewrite is kept: none can be shown to be whole."""
    from llmgw_migrate.codemods.connections import apply as phase2

    (tmp_path / "app.py").write_text(
        'from openai import OpenAI\nclient = OpenAI(base_url="http://litellm:4000")\n', encoding="utf-8"
    )

    def broken(*args: object) -> list[object]:
        raise RuntimeError("boom")

    monkeypatch.setattr(phase2, "apply_decisions", broken)
    monkeypatch.chdir(tmp_path)
    run = engine.run_code([Path(".")], case_context(None), jobs=1)
    assert not run.changed_files
    assert [f.code for f in run.findings if f.code == "LGM292"] == ["LGM292"]
