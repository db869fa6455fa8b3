"""`execute`, the programmatic entry point (what `check --verify` calls), in-process."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from llmgw_migrate.config.plan import ModelMapping, Plan
from llmgw_migrate.findings import Status
from llmgw_migrate.testing.fake_upstream import FakeUpstream
from llmgw_migrate.verify import compare
from llmgw_migrate.verify.run import VerifyConfig, execute, findings_from_report, served_models


@pytest.fixture(scope="module")
def ups() -> Iterator[tuple[FakeUpstream, FakeUpstream]]:
    with FakeUpstream() as a, FakeUpstream(tool_args_variant=2) as b:
        yield a, b


def corpus(tmp_path: Path) -> Path:
    path = tmp_path / "c.jsonl"
    lines = [
        {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}], "temperature": 0},
        {
            "model": "gpt-4o",
            "messages": [{"role": "user", "content": "w"}],
            "temperature": 0,
            "tools": [
                {
                    "type": "function",
                    "function": {
                        "name": "f",
                        "parameters": {
                            "type": "object",
                            "properties": {"q": {"type": "string"}},
                            "required": ["q"],
                        },
                    },
                }
            ],
            "tool_choice": "required",
        },
    ]
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    return path


def test_execute_and_findings(ups: tuple[FakeUpstream, FakeUpstream], tmp_path: Path) -> None:
    a, b = ups
    report = execute(VerifyConfig(before=a.url, after=b.url, corpora=[corpus(tmp_path)]))
    assert (report.summary.pass_, report.summary.differ) == (1, 1)
    findings = findings_from_report(report)
    assert [f.code for f in findings] == ["LGM501"]
    assert "c.jsonl:2: choices[0].message.tool_calls[0].function.arguments" in findings[0].message


def test_a_compare_bug_becomes_an_error_result(
    ups: tuple[FakeUpstream, FakeUpstream], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, _ = ups

    def broken(self: object, *args: object) -> object:
        raise KeyError("surprise")

    monkeypatch.setattr(compare.Comparer, "compare", broken)
    report = execute(VerifyConfig(before=a.url, after=a.url, corpora=[corpus(tmp_path)]))
    assert report.summary.error == 2
    assert report.results[0].error == "could not compare the answers: KeyError: 'surprise'"
    assert [f.code for f in findings_from_report(report)] == ["LGM502", "LGM502"]


def test_budget_leaves_a_finding(ups: tuple[FakeUpstream, FakeUpstream], tmp_path: Path) -> None:
    a, _ = ups
    report = execute(
        VerifyConfig(before=a.url, after=a.url, corpora=[corpus(tmp_path)], max_requests=2, concurrency=1)
    )
    assert report.summary.not_run == 1
    assert [f.code for f in findings_from_report(report)] == ["LGM503"]
    assert any("max-requests budget" in n for n in report.notes)


def test_served_models_from_the_plan() -> None:
    plan = Plan(
        source="x",
        models=[
            ModelMapping(
                name="fast",
                gateway_model="openai/gpt-4o-mini",
                provider="openai",
                litellm_model="openai/gpt-4o-mini",
                status=Status.exact,
            ),
            ModelMapping(
                name="az",
                gateway_model="azure/gpt-4o",
                provider="azure",
                litellm_model="azure/my-deploy",
                upstream_model="gpt-4o",
                status=Status.exact,
            ),
            ModelMapping(
                name="any", gateway_model=None, provider=None, litellm_model="openai/*", status=Status.manual
            ),
        ],
    )
    assert served_models(plan) == {"fast": "gpt-4o-mini", "az": "gpt-4o"}
    assert served_models(None) == {}
