"""Runs the cases every rule in rules/parity.yaml carries (Fixit-style: a rule brings its own examples)."""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

import pytest
from ruamel.yaml import YAML

from llmgw_migrate.config.catalog import load_catalog
from llmgw_migrate.resources import rules_path
from llmgw_migrate.verify.compare import Comparer
from tests.verify.helpers import chat_body, chat_case, ok

RULES = YAML(typ="safe").load(rules_path("parity.yaml").read_text(encoding="utf-8"))


def merge(base: Any, patch: Any) -> Any:
    if isinstance(base, dict) and isinstance(patch, dict):
        out = dict(base)
        for k, v in patch.items():
            out[k] = merge(base.get(k), v) if k in base else v
        return out
    return copy.deepcopy(patch)


def all_cases() -> list[Any]:
    out = []
    for section in ("known", "status_equivalents"):
        for rule in RULES.get(section) or ():
            for i, case in enumerate(rule.get("cases") or ()):
                out.append(pytest.param(case, id=f"{rule['id']}-{i}"))
    for i, case in enumerate(RULES.get("dropped_params_cases") or ()):
        out.append(pytest.param(case, id=f"dropped-params-{i}"))
    return out


CASES = all_cases()


def side(case: dict[str, Any], name: str) -> Any:
    status = case.get(f"{name}_status", 200)
    patch = case.get(name) or {}
    body = merge(chat_body(), patch) if status == 200 else patch
    return ok(body, status)


@pytest.mark.parametrize("case", CASES)
def test_rule_case(case: dict[str, Any]) -> None:
    comparer = Comparer(load_catalog())
    request = dataclasses.replace(chat_case(**(case.get("request") or {})), kind=case.get("kind", "chat"))
    result = comparer.compare(request, side(case, "before"), side(case, "after"))
    if case["expect"] == "error":
        # An ordinary request refused by both sides: an error naming both reasons, never excused.
        assert result.status == "error", result
        assert not result.known
        for name in ("before", "after"):
            assert str(case[name]["error"]["message"]) in (result.error or "")
    elif case["expect"] == "pass":
        assert result.status == "pass", result.differences
        if case.get("rule"):
            assert case["rule"] in {d.rule for d in result.known}
    else:
        assert result.status == "differ"
        assert case["path"] in [d.path for d in result.differences]


def test_every_rule_has_cases() -> None:
    # final-usage-chunk is a stream rule: its cases are in test_compare.py (streams are not YAML-sized).
    for section in ("known", "status_equivalents"):
        for rule in RULES[section]:
            if rule["id"] != "final-usage-chunk":
                assert rule.get("cases"), f"rules/parity.yaml: {rule['id']} has no cases"
            assert rule.get("why"), f"rules/parity.yaml: {rule['id']} does not say why"
    assert len(CASES) >= 15
