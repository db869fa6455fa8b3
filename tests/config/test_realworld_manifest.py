"""The real-world config manifest (benchmarks/realworld/config_manifest.yaml) and its scorer stay usable.

The configs themselves live outside the repository; these tests check only what is committed: every
entry is well-formed, names a finding code that exists, and the scorer attributes findings to models.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

from llmgw_migrate.resources import rules_path

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = ROOT / "benchmarks" / "realworld" / "config_manifest.yaml"
SOURCE = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+@[0-9a-f]{40}:[^\s:]+$")
STATUSES = {"exact", "approximate", "manual", "unsupported"}


def _scorer() -> ModuleType:
    path = ROOT / "benchmarks" / "realworld_config.py"
    spec = importlib.util.spec_from_file_location("realworld_config", path)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up while the class is built
    spec.loader.exec_module(mod)
    return mod


def _codes() -> set[str]:
    data = yaml.safe_load(rules_path("findings/config.yaml").read_text(encoding="utf-8"))
    return {c["code"] for c in data["codes"]}


def test_manifest_entries_are_well_formed() -> None:
    manifest: dict[str, Any] = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(manifest["as_of"]))
    configs = manifest["configs"]
    sources = [c["source"] for c in configs]
    assert len(sources) == len(set(sources))
    assert len(configs) >= 60
    known = _codes()
    judged = 0
    for cfg in configs:
        assert SOURCE.match(cfg["source"]), cfg["source"]
        names = [e["model_name"] for e in cfg["entries"]]
        assert len(names) == len(set(names)), cfg["source"]
        for e in cfg["entries"]:
            assert ("expect" in e) != ("unjudged" in e), (cfg["source"], e["model_name"])
            if "unjudged" in e:
                assert str(e["unjudged"]).strip(), "say why an entry is not judged"
                continue
            judged += 1
            expect = e["expect"]
            assert set(expect) <= {"gateway_model", "status", "finding"}
            assert expect.get("status", "exact") in STATUSES
            wanted = expect.get("finding")
            for code in [wanted] if isinstance(wanted, str) else wanted or []:
                assert code in known, f"{code} is not in rules/findings/config.yaml"
    assert judged >= 400


def test_scorer_judges_ids_statuses_and_codes() -> None:
    rw = _scorer()
    got = {"gateway_model": "openai/gpt-4o", "status": "exact"}
    assert rw.judge({"gateway_model": "openai/gpt-4o", "status": "exact"}, got, []) is None
    assert "status" in rw.judge({"status": "manual"}, got, [])
    assert "no LGM106" in rw.judge({"status": "exact", "finding": "LGM106"}, got, ["LGM104"])
    assert rw.judge({"status": "manual"}, None, []) == "no such model in the plan"


def test_scorer_attributes_findings_to_the_entry_they_point_into(tmp_path: Path) -> None:
    rw = _scorer()
    cfg = tmp_path / "c.yaml"
    cfg.write_text(
        "model_list:\n"
        "  - model_name: a\n"
        "    litellm_params: {model: openai/gpt-4o}\n"
        "  - model_name: b\n"
        "    litellm_params:\n"
        "      model: groq/x\n"
        "router_settings:\n"
        "  model_group_alias: {c: a}\n",
        encoding="utf-8",
    )
    plan = {
        "models": [{"name": "a"}, {"name": "b"}, {"name": "c", "alias_of": "a"}],
        "findings": [
            {"code": "LGM104", "file": str(cfg), "line": 6, "message": "`x` (groq) is not in the catalog"},
            {"code": "LGM146", "file": str(cfg), "line": 7, "message": "routing settings"},
            {"code": "LGM123", "file": str(cfg), "line": 8, "message": "alias `c` becomes `openai/gpt-4o`"},
        ],
    }
    codes = rw.findings_by_model(plan, [cfg])
    assert codes == {"b": ["LGM104"], "c": ["LGM123"]}
