"""docs/findings.md is generated from rules/findings/*.yaml; these tests fail when the two drift apart."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from types import ModuleType

from llmgw_migrate.findings import registry
from tests.conftest import ROOT

CODE_RE = re.compile(r"^LGM[1-7]\d\d$")
NAME_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def _gen_docs() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_docs", ROOT / "scripts" / "gen_docs.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_docs_match_rules() -> None:
    gen = _gen_docs()
    expected = gen.current_doc()
    actual = (ROOT / "docs" / "findings.md").read_text(encoding="utf-8")
    assert actual == expected, "docs/findings.md is out of date: run python scripts/gen_docs.py"


def test_every_code_is_documented_with_what_why_fix() -> None:
    doc = (ROOT / "docs" / "findings.md").read_text(encoding="utf-8")
    reg = registry()
    assert reg, "no finding codes registered"
    for code, info in reg.items():
        assert CODE_RE.match(code), f"{code}: codes look like LGM1xx..LGM7xx"
        assert NAME_RE.match(info.name), f"{code}: name {info.name!r} should be kebab-case"
        for field in ("title", "why", "fix"):
            assert getattr(info, field).strip(), f"{code}: empty {field}"
        section = doc.split(f"### {code} {info.name}\n", 1)
        assert len(section) == 2, f"{code} has no section in docs/findings.md"
        body = section[1].split("\n### ", 1)[0]
        assert "**What:**" in body and "**Why:**" in body and "**How to fix:**" in body
        assert " ".join(info.why.split()) in body


def test_each_rules_file_holds_one_family() -> None:
    families: dict[str, set[str]] = {}
    for code, info in registry().items():
        families.setdefault(info.family, set()).add(code[3])
    for family, digits in families.items():
        assert len(digits) == 1, f"rules/findings/{family}.yaml mixes families {sorted(digits)}"
    owners: dict[str, str] = {}
    for family, digits in families.items():
        digit = next(iter(digits))
        assert digit not in owners, f"LGM{digit}xx split across {owners.get(digit)}.yaml and {family}.yaml"
        owners[digit] = family


def test_check_mode_detects_drift(tmp_path, monkeypatch) -> None:
    gen = _gen_docs()
    stale = tmp_path / "findings.md"
    stale.write_text("# Finding codes\n\nold\n", encoding="utf-8")
    monkeypatch.setattr(gen, "DOC", stale)
    monkeypatch.setattr(gen, "ROOT", tmp_path)
    assert gen.main(["--check"]) == 1
    assert gen.main([]) == 0
    assert gen.main(["--check"]) == 0
    assert stale.read_text(encoding="utf-8") == gen.current_doc()


def test_script_check_runs_as_a_program() -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_docs.py"), "--check"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
