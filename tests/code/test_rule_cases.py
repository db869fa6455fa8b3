"""The one harness for every Python rule family's before/after cases (rules/rewrites/python/*.cases.yaml).

Each case: the handler turns `before` into `after` (or leaves it byte-identical when there is no `after`),
reports exactly `findings` (CODE:line), the output parses, and a second pass changes nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import libcst as cst
import pytest
from ruamel.yaml import YAML

from llmgw_migrate.codemods.base import RewriteContext
from llmgw_migrate.codemods.python.handler import HANDLER
from llmgw_migrate.findings import registry
from llmgw_migrate.resources import rules_path

CASE_DIR = rules_path("rewrites", "python")
# The plan every case runs against unless it says `ctx: {plan: false}`.
MODEL_MAP = {
    "smart": "openai/gpt-4o",
    "fast": "groq/llama-3.1-8b-instant",
    "embed": "openai/text-embedding-3-small",
    "old": "anthropic/claude-3-5-sonnet-20240620",  # deactivated on the gateway on 2025-10-28 (LGM270)
}
KNOWN = frozenset([*MODEL_MAP, "legacy-unmapped"])


def case_context(spec: dict[str, Any] | None) -> RewriteContext:
    spec = dict(spec or {})
    plan = spec.pop("plan", True)
    return RewriteContext(
        model_map=MODEL_MAP if plan else {},
        known_models=KNOWN if plan else frozenset(),
        has_plan=plan,
        from_urls=tuple(spec.pop("from_urls", ())),
        replace_litellm=spec.pop("replace_litellm", False),
        key_env=spec.pop("key_env", "LLM_GATEWAY_API_KEY"),
    )


def _load_cases() -> list[Any]:
    params = []
    for path in sorted(CASE_DIR.glob("*.cases.yaml")):
        data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
        for i, case in enumerate(data["cases"]):
            params.append(pytest.param(path.name, case, id=f"{data['rule']}:{i}:{case['name']}"))
    return params


CASES = _load_cases()


def test_every_family_has_noop_cases_first() -> None:
    by_file: dict[str, list[dict[str, Any]]] = {}
    for p in CASES:
        name, case = p.values
        by_file.setdefault(name, []).append(case)
    assert len(by_file) >= 7
    for name, cases in by_file.items():
        if name == "suppressions.cases.yaml":
            continue
        assert "after" not in cases[0], f"{name}: precision first, the first case must be a no-op"
        assert any("after" in c for c in cases), f"{name}: no rewrite case"


@pytest.mark.parametrize(("file", "case"), CASES)
def test_case(file: str, case: dict[str, Any]) -> None:
    ctx = case_context(case.get("ctx"))
    before = case["before"]
    expected = case.get("after", before)
    result = HANDLER.rewrite("case.py", before, ctx)
    assert result.text == expected
    cst.parse_module(result.text)  # the output parses
    got = [f"{f.code}:{f.line}" for f in result.findings]
    assert got == case.get("findings", [])
    for f in result.findings:
        assert f.code in registry(), f"{f.code} is not registered in rules/findings/"
        assert f.file == "case.py" and f.column and f.column >= 1
    again = HANDLER.rewrite("case.py", result.text, ctx)
    assert again.text == result.text, "the second pass must change nothing"


def test_case_files_sit_beside_their_rules() -> None:
    names = {p.name for p in Path(CASE_DIR).iterdir()}
    for data_file in ("clients.yaml", "litellm_sdk.yaml"):
        assert data_file in names
        data = YAML(typ="safe").load((CASE_DIR / data_file).read_text(encoding="utf-8"))
        assert data["cases"] in names
