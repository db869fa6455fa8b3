"""Baseline fingerprints survive line shifts and moves of the checkout; counts stop a third copy."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmgw_migrate.check import baseline as bl
from llmgw_migrate.errors import UserError
from llmgw_migrate.findings import make


def _finding(file: str, line: int, message: str = "still points at the proxy", code: str = "LGM200"):
    return make(code, message, file=file, line=line, column=5)


def test_fingerprint_survives_a_line_shift(tmp_path: Path) -> None:
    src = tmp_path / "app.py"
    src.write_text("import os\nURL = 'http://localhost:4000'\n", encoding="utf-8")
    before = bl.fingerprint(_finding(str(src), 2), tmp_path)
    src.write_text("import os\n\n\n# moved down\nURL   =   'http://localhost:4000'\n", encoding="utf-8")
    after = bl.fingerprint(_finding(str(src), 5), tmp_path)
    assert before == after


def test_fingerprint_changes_with_content_code_and_file(tmp_path: Path) -> None:
    a = tmp_path / "a.py"
    b = tmp_path / "b.py"
    a.write_text("URL = 'http://localhost:4000'\n", encoding="utf-8")
    b.write_text("URL = 'http://localhost:4000'\n", encoding="utf-8")
    base = bl.fingerprint(_finding(str(a), 1), tmp_path)
    assert base != bl.fingerprint(_finding(str(b), 1), tmp_path)
    assert base != bl.fingerprint(_finding(str(a), 1, code="LGM601"), tmp_path)
    a.write_text("URL = 'http://litellm:4000'\n", encoding="utf-8")
    assert base != bl.fingerprint(_finding(str(a), 1), tmp_path)


def test_fingerprint_ignores_locations_in_messages(tmp_path: Path) -> None:
    f1 = _finding("x.py", 3, "model gpt-4 on line 3 (see x.py:3:7)")
    f2 = _finding("x.py", 9, "model gpt-4 on line 9 (see x.py:9:1)")
    assert bl.fingerprint(f1, tmp_path, context="") == bl.fingerprint(f2, tmp_path, context="")
    # A port is not a location: localhost:4000 and localhost:8000 stay apart.
    f3 = _finding("x.py", 3, "http://localhost:4000")
    f4 = _finding("x.py", 3, "http://localhost:8000")
    assert bl.fingerprint(f3, tmp_path, context="") != bl.fingerprint(f4, tmp_path, context="")


def test_fingerprint_is_independent_of_checkout_location(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fps = []
    for name in ("one", "two"):
        root = tmp_path / name
        (root / "src").mkdir(parents=True)
        (root / "src" / "app.py").write_text("x = 'http://localhost:4000/v1'\n", encoding="utf-8")
        monkeypatch.chdir(root)
        fps.append(bl.fingerprint(_finding("src/app.py", 1), root))
    assert fps[0] == fps[1]


def test_match_counts_duplicates_and_reports_stale(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    f = [_finding("a.py", 1), _finding("a.py", 7), _finding("b.py", 1, code="LGM601")]
    fps = ["same", "same", "other"]
    base = bl.build_baseline(path, f, fps)
    assert [(e.fingerprint, e.count) for e in base.entries] == [("same", 2), ("other", 1)]
    bl.write_baseline(base)
    loaded = bl.load_baseline(path)
    # Three copies now: two accepted, the third is new; "other" is gone: stale.
    now = [_finding("a.py", 1), _finding("a.py", 2), _finding("a.py", 3)]
    m = bl.match(loaded, now, ["same", "same", "same"])
    assert m.accepted == now[:2]
    assert m.new == now[2:]
    assert [(s.fingerprint, s.count) for s in m.stale] == [("other", 1)]


def test_baseline_file_is_stable_and_holds_no_source(tmp_path: Path) -> None:
    path = tmp_path / "b.json"
    findings = [_finding("z.py", 1), _finding("a.py", 4)]
    bl.write_baseline(bl.build_baseline(path, findings, ["f2", "f1"]))
    first = path.read_text(encoding="utf-8")
    bl.write_baseline(bl.build_baseline(path, list(reversed(findings)), ["f1", "f2"]))
    assert path.read_text(encoding="utf-8") == first
    data = json.loads(first)
    assert data["tool"] == "llmgw-migrate" and data["version"] == 1
    assert [e["file"] for e in data["findings"]] == ["a.py", "z.py"]
    assert set(data["findings"][0]) == {"fingerprint", "code", "file", "message", "count"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{not json", "invalid JSON"),
        ('{"tool": "other", "version": 1, "findings": []}', "not an llmgw-migrate baseline"),
        ('{"tool": "llmgw-migrate", "version": 9, "findings": []}', "unsupported baseline version 9"),
        ('{"tool": "llmgw-migrate", "version": 1}', 'no "findings" list'),
        (
            '{"tool": "llmgw-migrate", "version": 1, "findings": [{"count": 0, "fingerprint": "x"}]}',
            "findings[0]",
        ),
        ('{"tool": "llmgw-migrate", "version": 1, "findings": [3]}', "findings[0]"),
    ],
)
def test_bad_baselines_are_one_line_user_errors(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "baseline.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UserError) as err:
        bl.load_baseline(path)
    message = str(err.value)
    assert expected in message
    assert message.startswith(f"{path}:")
    assert "\n" not in message


def test_missing_baseline_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="baseline file not found"):
        bl.load_baseline(tmp_path / "nope.json")


def test_invalid_json_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "b.json"
    path.write_text('{\n  "tool": "llmgw-migrate",\n  "version": 1,,\n}', encoding="utf-8")
    with pytest.raises(UserError) as err:
        bl.load_baseline(path)
    assert str(err.value).startswith(f"{path}:3:16: invalid JSON")


# --- properties ---------------------------------------------------------------------------------------

LINE = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), max_size=30)


@settings(max_examples=60, deadline=None)
@given(
    before=st.lists(LINE, max_size=8),
    flagged=LINE.filter(lambda s: s.strip() != ""),
    after=st.lists(LINE, max_size=8),
    inserted=st.lists(LINE, max_size=8),
)
def test_property_fingerprint_ignores_lines_above(
    tmp_path_factory: pytest.TempPathFactory,
    before: list[str],
    flagged: str,
    after: list[str],
    inserted: list[str],
) -> None:
    root = tmp_path_factory.mktemp("fp")
    src = root / "f.py"
    src.write_text("\n".join([*before, flagged, *after]) + "\n", encoding="utf-8")
    fp1 = bl.fingerprint(_finding(str(src), len(before) + 1), root)
    src.write_text("\n".join([*inserted, *before, flagged, *after]) + "\n", encoding="utf-8")
    fp2 = bl.fingerprint(_finding(str(src), len(inserted) + len(before) + 1), root)
    assert fp1 == fp2


@settings(max_examples=100, deadline=None)
@given(
    accepted=st.lists(st.sampled_from("abcde"), max_size=12),
    now=st.lists(st.sampled_from("abcdef"), max_size=12),
)
def test_property_match_accepts_at_most_what_the_baseline_holds(accepted: list[str], now: list[str]) -> None:
    path = Path("b.json")
    base = bl.build_baseline(path, [_finding("a.py", 1) for _ in accepted], accepted)
    findings = [_finding("a.py", i + 1) for i in range(len(now))]
    m = bl.match(base, findings, now)
    have, want = Counter(accepted), Counter(now)
    assert len(m.accepted) == sum(min(have[k], want[k]) for k in want)
    assert len(m.accepted) + len(m.new) == len(now)
    assert sum(s.count for s in m.stale) == sum(max(0, have[k] - want[k]) for k in have)
