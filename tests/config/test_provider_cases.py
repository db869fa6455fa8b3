"""Runs the cases kept beside the mapping rules (rules/providers.cases.yaml): one harness for all of them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from llmgw_migrate.resources import rules_path
from tests.config.helpers import all_codes, plan_of

CASES: list[dict[str, Any]] = yaml.safe_load(rules_path("providers.cases.yaml").read_text(encoding="utf-8"))[
    "cases"
]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case(tmp_path: Path, case: dict[str, Any]) -> None:
    entry: dict[str, Any] = {"model_name": "m", "litellm_params": case["params"]}
    if "info" in case:
        entry["model_info"] = case["info"]
    plan = plan_of(tmp_path, yaml.safe_dump({"model_list": [entry]}), routing=case.get("routing", "pinned"))
    [m] = plan.models
    got = m.model_dump(mode="json")
    for field, want in (case.get("expect") or {}).items():
        assert got[field] == want, f"{field}: {got[field]!r} != {want!r}"
    codes = all_codes(plan)  # a cause rolled up into LGM156 is still reported, as `[code]`
    for code in case.get("findings") or []:
        assert code in codes, f"{code} not in {sorted(codes)}"
    if "key" in case:
        [key] = plan.provider_keys
        got_key = key.model_dump(mode="json")
        for field, want in case["key"].items():
            if field == "options":
                assert {k: got_key["options"].get(k) for k in want} == want
            else:
                assert got_key[field] == want, f"key {field}: {got_key[field]!r} != {want!r}"


def test_cases_cover_every_kind() -> None:
    from llmgw_migrate.config.resolve import provider_rules

    rules = provider_rules().providers
    prefixes = {c["params"]["model"].split("/", 1)[0] for c in CASES}
    kinds = {rules[p].kind for p in prefixes if p in rules}
    assert kinds == {"mapped", "custom", "unsupported"}
    assert len(CASES) >= 30
