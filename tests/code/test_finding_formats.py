"""finding_formats.render: text, json (versioned), SARIF 2.1.0 and GitHub workflow commands."""

from __future__ import annotations

import json

import pytest

from llmgw_migrate.finding_formats import FORMATS, render
from llmgw_migrate.findings import Location, make

FINDINGS = [
    make("LGM220", "the gateway drops `seed`", file="b.py", line=9, column=5),
    make("LGM290", "syntax error: bad, really\nbad", file="a,b:c.py", line=2, column=3),
    make("LGM210", "model 'x' is not in the plan 100%", file="b.py", line=3, column=1),
]


def test_text_is_sorted_one_line_each() -> None:
    out = render(FINDINGS, "text")
    assert out.splitlines() == [
        "a,b:c.py:2:3: LGM290 [error] syntax error: bad, really\nbad".splitlines()[0],
        "bad",
        "b.py:3:1: LGM210 [info] model 'x' is not in the plan 100%",
        "b.py:9:5: LGM220 [warning] the gateway drops `seed`",
    ]
    assert render([], "text") == ""


def test_json_shape_is_versioned() -> None:
    doc = json.loads(render(FINDINGS, "json", summary={"changed": 2}, extra={"files": []}))
    assert doc["schema_version"] == 1 and doc["tool"]["name"] == "llmgw-migrate"
    assert doc["summary"] == {
        "changed": 2,
        "findings": 3,
        "by_severity": {"error": 1, "warning": 1, "info": 1},
    }
    assert doc["files"] == []
    first = doc["findings"][0]
    assert first == {
        "code": "LGM290",
        "severity": "error",
        "status": "manual",
        "message": "syntax error: bad, really\nbad",
        "file": "a,b:c.py",
        "line": 2,
        "column": 3,
        "fix": first["fix"],
    }
    assert first["fix"]


def test_sarif_rules_and_results() -> None:
    doc = json.loads(render(FINDINGS, "sarif"))
    assert doc["version"] == "2.1.0" and doc["$schema"].endswith("sarif-2.1.0.json")
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["LGM210", "LGM220", "LGM290"]
    assert rules[1]["shortDescription"]["text"] and rules[1]["help"]["text"]
    levels = {r["ruleId"]: r["level"] for r in run["results"]}
    assert levels == {"LGM290": "error", "LGM210": "note", "LGM220": "warning"}
    for r in run["results"]:
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
        region = r["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] >= 1 and region["startColumn"] >= 1


def test_github_commands_escape_properties_and_data() -> None:
    lines = render(FINDINGS, "github").splitlines()
    assert lines[0] == "::error file=a%2Cb%3Ac.py,line=2,col=3,title=LGM290::syntax error: bad, really%0Abad"
    assert lines[1] == "::notice file=b.py,line=3,col=1,title=LGM210::model 'x' is not in the plan 100%25"
    assert lines[2].startswith("::warning file=b.py,line=9,col=5,title=LGM220::")


def test_unknown_format() -> None:
    assert FORMATS == ("text", "json", "sarif", "github")
    with pytest.raises(ValueError):
        render(FINDINGS, "xml")


def test_every_code_finding_is_documented() -> None:
    from llmgw_migrate.findings import registry

    codes = {c: i for c, i in registry().items() if c.startswith("LGM2")}
    assert len(codes) >= 20
    for info in codes.values():
        assert info.title and info.why and info.fix and info.family == "code"


def test_sarif_lists_a_merged_findings_other_places_as_related_locations() -> None:
    merged = make("LGM111", "`a` and `b`: rpm set on the deployment", file="c.yaml", line=4, column=7)
    merged.locations = [
        Location("c.yaml", 4, 7, "a", "azure/gpt-4o"),
        Location("c.yaml", 12, 7, "a", "azure/gpt-4o"),
        Location("c.yaml", 20, 7, "b", "openai/gpt-4o"),
    ]
    (res,) = json.loads(render([merged], "sarif"))["runs"][0]["results"]
    assert [loc["physicalLocation"]["region"]["startLine"] for loc in res["locations"]] == [4]
    related = res["relatedLocations"]
    assert [r["physicalLocation"]["region"]["startLine"] for r in related] == [12, 20]
    assert [r["id"] for r in related] == [1, 2]  # unique within the result (SARIF 2.1.0 §3.34.2)
    assert related[1]["message"]["text"] == "model_name `b`, LiteLLM model `openai/gpt-4o`"
    assert related[0]["physicalLocation"]["artifactLocation"]["uri"] == "c.yaml"
    # a finding at one place has none
    (single,) = json.loads(render(FINDINGS[:1], "sarif"))["runs"][0]["results"]
    assert "relatedLocations" not in single
