"""Units of the keys plan: durations, model scopes and their IAM rules, budget windows."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from llmgw_migrate.keys import durations, models
from llmgw_migrate.keys.planner import _tightest, map_provider


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1h", (1, "hour")), ("hourly", (1, "hour")), ("24h", (1, "day")), ("daily", (1, "day")),
        ("1d", (1, "day")), ("7d", (1, "week")), ("weekly", (1, "week")), ("30d", (1, "month")),
        ("monthly", (1, "month")), ("10d", (10, "day")), ("2w", (2, "week")), ("3mo", (3, "month")),
        ("8760h", (365, "day")), ("36h", (36, "hour")),
    ],
)  # fmt: skip
def test_durations(text: str, expected: tuple[int, str]) -> None:
    period = durations.parse(text)
    assert isinstance(period, durations.Period) and (period.value, period.unit) == expected


@pytest.mark.parametrize("text", ["30s", "15m", "400d", "53w", "13mo", "soon", "0d"])
def test_durations_without_a_gateway_period(text: str) -> None:
    assert isinstance(durations.parse(text), str)


@given(st.floats(min_value=-1e6, max_value=1e9, allow_nan=False))
def test_money_is_a_decimal_string(value: float) -> None:
    import re

    text = durations.money(value)
    assert re.fullmatch(r"\d+(\.\d+)?", text)
    assert abs(float(text) - max(value, 0)) <= 1e-6 * max(1.0, abs(value))


def _rules(key: list[str], team: list[str] | None, known: list[str], mapping: dict[str, str]):
    team_scope = models.scope_of(team, {}, set(known)) if team is not None else models.EVERYTHING
    scope = models.intersect(
        models.scope_of(key, {"grp": ["a", "b"]}, set(known), team=team_scope if team is not None else None),
        team_scope,
    )
    return models.rules_for(scope, known, mapping.get, map_provider)


def test_sentinels_mean_no_rule() -> None:
    for key in ([], ["*"], ["all-proxy-models"]):
        rules = _rules(key, None, ["a"], {"a": "a-id"})
        assert rules.allow_models is None and rules.allow_providers is None


def test_intersection_groups_and_team_inheritance() -> None:
    m = {"a": "a-id", "b": "b-id", "c": "c-id"}
    assert _rules(["a", "c"], ["a", "b"], ["a", "b", "c"], m).allow_models == ["a-id"]
    assert _rules(["grp"], ["b", "c"], ["a", "b", "c"], m).allow_models == ["b-id"]  # access group expanded
    assert _rules(["all-team-models"], ["b", "c"], ["a", "b", "c"], m).allow_models == ["b-id", "c-id"]
    assert _rules(["all-team-models"], None, ["a"], m).allow_models is None  # no team: unrestricted
    empty = _rules(["a"], ["b"], ["a", "b"], m)
    assert empty.allow_models == []  # nothing in common: deny rather than widen


def test_wildcards() -> None:
    m = {"claude-3": "c3", "claude-4": "c4", "gpt-4o": "g", "openai/gpt-4o": "g"}
    assert _rules(["claude-*"], None, ["claude-3", "claude-4", "gpt-4o"], m).allow_models == ["c3", "c4"]
    alone = _rules(["openai/*"], None, ["openai/gpt-4o"], m)
    assert alone.allow_providers == ["openai"] and alone.allow_models is None
    mixed = _rules(["openai/*", "claude-3"], None, ["openai/gpt-4o", "claude-3"], m)
    assert mixed.allow_models == ["c3", "g"] and mixed.allow_providers is None  # rule types would AND
    unmapped = _rules(["mystery"], None, [], m)
    assert unmapped.allow_models == [] and unmapped.unmapped == ["mystery"]


def test_tightest_window() -> None:
    period, notes = _tightest([(50.0, "30d"), (5.0, "1d"), (1.0, "30s")])
    assert period == ("50", 1, "month")  # 50 a month is less per hour than 5 a day
    assert {c for c, _ in notes} == {"LGM704", "LGM714", "LGM715"}
    assert _tightest([(1.0, "15m")])[0] is None


def test_key_json_lines_cover_every_field() -> None:
    import dataclasses
    import json

    from pydantic_core import to_json

    from llmgw_migrate.keys.plan_model import IamRule, KeyPlan, _key_dict, _key_json

    rules = [IamRule("allow_models", {"models": ["gpt-4o"]})]
    full = KeyPlan(
        ref="ak-1", key_id="1", description="d", project="p", status="inactive", usage_limit="5",
        period_usage_limit="1", period_usage_duration_value=1, period_usage_duration_unit="day",
        expires_at="2030-01-01T00:00:00Z", iam_rules=rules, alias="a", old_key_name="sk-...x", user_id="u",
        user_email="u@x", team_id="t", last_active="2026-01-01T00:00:00Z", requests_30d=3,
        top_models=["gpt-4o"], findings=["LGM701"],
    )  # fmt: skip
    bare = KeyPlan(ref="ak-2", key_id="2", description="d", project="p")
    assert list(_key_dict(full)) == [f.name for f in dataclasses.fields(KeyPlan) if f.name != "iam_rules"] + [
        "iam_rules"
    ]
    assert _key_dict(bare) == {
        "ref": "ak-2", "key_id": "2", "description": "d", "project": "p", "status": "active",
        "requests_30d": 0,
    }  # fmt: skip
    cache: dict[int, bytes] = {}
    for key in (full, bare, full):  # the second `full` takes its rules from the cache
        line = _key_json(key, to_json, cache)
        assert json.loads(line) == _key_dict(key) and line == to_json(_key_dict(key))


def test_a_driver_error_masks_the_password_not_the_words_around_it() -> None:
    from llmgw_migrate.keys.db_reader import _first_line

    err = RuntimeError('connection to server at "127.0.0.1", port 1 failed: password p for u rejected')
    shown = _first_line(err, "postgresql://u:p@127.0.0.1:1/x")
    assert shown == 'connection to server at "127.0.0.1", port 1 failed: password *** for u rejected'
    long = "s3cr3t-Pa55word"
    assert long not in _first_line(RuntimeError(f"bad auth {long}x"), f"postgresql://u:{long}@h/x")
