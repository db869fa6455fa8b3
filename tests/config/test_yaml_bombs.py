"""Nested YAML aliases ("billion laughs"), merge-key bombs, deep nesting and oversized files.

Every walk over a YAML tree visits each node once, a document whose aliases expand past the bound is a
located exit-2 error at the anchor, and JSON nested past the parser's depth is a one-line error too.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from llmgw_migrate.check.baseline import load_baseline
from llmgw_migrate.config.plan import load_plan
from llmgw_migrate.config.read import MIN_EXPANSION_LIMIT, YMap, parse_yaml
from llmgw_migrate.config.settings import iter_secrets
from llmgw_migrate.errors import UserError
from llmgw_migrate.verify.suite import _entries
from tests.config.helpers import codes, plan_of, run_cli, write

_ENTRY = """\
model_list:
  - model_name: gpt
    litellm_params:
      model: openai/gpt-4o
      api_key: os.environ/OPENAI_API_KEY
"""


def billion_laughs(levels: int = 9, width: int = 9) -> str:
    """`a: &a [lol x9]`, `b: &b [*a x9]`, ...: about 1 KB that expands to width**levels strings."""
    lines = ["lol_0: &l0 [" + ", ".join(['"lol"'] * width) + "]"]
    for i in range(1, levels):
        lines.append(f"lol_{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


def test_billion_laughs_is_a_located_exit_2_at_the_anchor(tmp_path: Path) -> None:
    text = billion_laughs()
    assert len(text) < 1100
    path = write(tmp_path, _ENTRY + text)
    proc = run_cli("config", str(path))  # the subprocess timeout (120 s) guards against the old hang
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    # 9**6 > 100,000 values: the first list that crosses the bound repeats *l4, anchored on lol_4's line
    anchor_line = _ENTRY.count("\n") + 5
    assert f"{path}:{anchor_line}:" in lines[0], lines[0]
    assert "billion laughs" in lines[0] and "anchor" in lines[0]


def test_billion_laughs_under_the_secret_key_stops_too(tmp_path: Path) -> None:
    """The hang was iter_secrets walking aliased nodes again and again: put the bomb where it looks."""
    text = billion_laughs().replace("lol_0: &l0 [", "lol_0: &l0 [sk-live-1234567890, ")
    path = write(tmp_path, _ENTRY + text.replace("lol_8:", "general_settings:\n  master_key:"))
    proc = run_cli("config", str(path), "--format", "json")
    assert proc.returncode == 2 and "billion laughs" in proc.stderr, proc.stderr
    assert "sk-live" not in proc.stderr + proc.stdout


def test_merge_key_bomb_is_an_exit_2(tmp_path: Path) -> None:
    lines = ["m0: &m0 {a: 1, b: 2}"]
    for i in range(1, 40):  # each level merges the previous one twice: 2**40 pairs when flattened
        lines.append(f"m{i}: &m{i}\n  <<: [*m{i - 1}, *m{i - 1}]")
    path = write(tmp_path, _ENTRY + "\n".join(lines) + "\n")
    proc = run_cli("config", str(path))
    assert proc.returncode == 2 and "billion laughs" in proc.stderr, proc.stderr


def test_aliases_below_the_bound_still_work_and_are_walked_once(tmp_path: Path) -> None:
    # 9**5 = 59,049 expanded values: under the bound, so this is an ordinary (if odd) document
    text = billion_laughs(levels=5)
    value = parse_yaml(text, "x.yaml")
    assert isinstance(value, YMap) and len(value["lol_4"]) == 9
    assert 9**5 < MIN_EXPANSION_LIMIT
    # a secret inside an anchor used 500 times is one secret, found once
    entries = "".join(f"  - model_name: m{i}\n    litellm_params: *params\n" if i else "" for i in range(501))
    config = (
        "model_list:\n"
        "  - model_name: m0\n"
        "    litellm_params: &params\n"
        "      model: openai/gpt-4o\n"
        "      api_key: sk-inline-secret-value\n" + entries
    )
    plan = plan_of(tmp_path, config)
    assert len(plan.models) == 501
    assert codes(plan).count("LGM101") == 1
    assert "sk-inline-secret-value" not in plan.model_dump_json()


def test_iter_secrets_visits_each_shared_node_once() -> None:
    shared = parse_yaml("k: &k {api_key: sk-abcdef123456}\nl: [*k, *k, *k]\n", "x.yaml")
    found = list(iter_secrets(shared))
    assert [(p, v) for p, _loc, v in found] == [("k.api_key", "sk-abcdef123456")]


def test_size_limit_is_a_clear_exit_2(tmp_path: Path) -> None:
    path = write(tmp_path, _ENTRY + "# padding\n" * 500)
    proc = run_cli("config", str(path), env={"LLMGW_MIGRATE_MAX_CONFIG_MB": "0.001"})
    assert proc.returncode == 2, proc.stdout + proc.stderr
    line = proc.stderr.strip()
    assert line.startswith("error: ") and str(path) in line and "\n" not in line
    assert "MB limit" in line and "LLMGW_MIGRATE_MAX_CONFIG_MB" in line
    # and under the default limit the same file converts
    assert run_cli("config", str(path)).returncode in (0, 1)


def test_code_walks_aliased_yaml_once_and_refuses_deep_brackets(tmp_path: Path) -> None:
    app = tmp_path / "app"
    app.mkdir()
    (app / "docker-compose.yml").write_text(
        billion_laughs()
        + "services:\n  web:\n    image: node\n    environment:\n      OPENAI_BASE_URL: http://litellm:4000\n",
        encoding="utf-8",
    )
    # A file code cannot read holds every connection it is part of (issue 11), so the unreadable file
    # gets a tree of its own here.
    deep = tmp_path / "deep"
    deep.mkdir()
    (deep / "deep.yaml").write_text(
        "base_url: http://litellm:4000\nx: " + "[" * 20_000 + "]" * 20_000 + "\n", encoding="utf-8"
    )
    proc = run_cli("code", str(app), "--format", "json")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "https://api.llmgateway.io" in json.dumps(json.loads(proc.stdout))  # rewritten despite its bomb
    proc = run_cli("code", str(deep), "--format", "json")
    assert "brackets nested deeper than 1000 levels" in json.dumps(json.loads(proc.stdout))


def test_check_stops_on_a_bomb_config(tmp_path: Path) -> None:
    path = write(tmp_path, _ENTRY + billion_laughs())
    proc = run_cli("check", str(tmp_path), "--config", str(path))
    assert proc.returncode == 2 and "billion laughs" in proc.stderr, proc.stdout + proc.stderr


@pytest.mark.parametrize("reader", ["plan", "baseline", "corpus"])
def test_deep_json_is_a_located_error(tmp_path: Path, reader: str) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    read = {
        "plan": lambda: load_plan(path),
        "baseline": lambda: load_baseline(path),
        "corpus": lambda: list(_entries(path)),
    }[reader]
    with pytest.raises(UserError, match="nested too deeply"):
        read()
