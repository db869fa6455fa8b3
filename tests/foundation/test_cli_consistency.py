"""One CLI: -c is --config wherever it exists, one placeholder style, --format in any case, plurals,
and every command's --help ending with real examples (issue 15, item 10)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from llmgw_migrate.cli import build_app
from llmgw_migrate.commands._help import EXAMPLES
from llmgw_migrate.text import plural

COMMANDS = [["config"], ["code"], ["verify"], ["check"], ["gateway"]]
COMMANDS += [["catalog", "show"], ["catalog", "list"], ["catalog", "refresh"]]


def _click_command(path: list[str]) -> Any:
    # typer may carry its own copy of click: commands are found by shape, not by class
    cmd: Any = typer.main.get_command(build_app())
    for name in path:
        cmd = cmd.commands[name]
    return cmd


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_help_ends_with_real_examples(path: list[str]) -> None:
    out = CliRunner().invoke(build_app(), [*path, "--help"], env={"COLUMNS": "200"}).stdout
    tail = out[out.rindex("Examples:") :]
    examples = [line.strip() for line in tail.splitlines()[1:] if line.strip()]
    assert 2 <= len(examples) <= 3, out
    assert out.rstrip().endswith(examples[-1])
    cmd = _click_command(path)
    known = {opt for p in cmd.params for opt in (*p.opts, *p.secondary_opts)}
    for example in EXAMPLES[path[-1]]:
        words = shlex.split(example.split(" > ")[0])
        assert words[: len(path) + 1] == ["llmgw-migrate", *path], example
        for word in words:
            if word.startswith("-"):
                assert word in known, f"{example}: {word} is not an option of {' '.join(path)}"


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_one_placeholder_style(path: list[str]) -> None:
    cmd = _click_command(path)
    for param in cmd.params:
        if getattr(param, "is_flag", False) or getattr(param, "count", False):
            continue
        shown = param.metavar or ""
        assert re.fullmatch(r"[A-Z][A-Z0-9=,_-]*(\.\.\.)?", shown), (param.name, shown)


def test_short_c_means_config_everywhere() -> None:
    for path in COMMANDS:
        for param in _click_command(path).params:
            if "-c" in param.opts:
                assert "--config" in param.opts, (path, param.opts)
    assert "-c" in next(p for p in _click_command(["code"]).params if p.name == "config").opts


def test_requests_is_the_name_in_verify_and_check_and_check_has_model() -> None:
    for path in (["verify"], ["check"]):
        opts = {o for p in _click_command(path).params for o in p.opts}
        assert "--requests" in opts and "-m" in opts and "--model" in opts


def test_format_in_any_case(tmp_path: Path) -> None:
    app = build_app()
    out = CliRunner().invoke(app, ["catalog", "show", "gpt-4o", "--format", "JSON"])
    assert out.exit_code == 0 and out.stdout.lstrip().startswith("{")
    out = CliRunner().invoke(app, ["code", str(tmp_path), "--format", "Json"])
    assert out.exit_code == 0, out.stderr


def test_plurals() -> None:
    assert [plural(1, "file"), plural(2, "file"), plural(0, "finding"), plural(9, "info")] == [
        "1 file",
        "2 files",
        "0 findings",
        "9 info",
    ]


def test_catalog_show_suggests_only_close_names() -> None:
    app = build_app()
    near = CliRunner().invoke(app, ["catalog", "show", "gpt-4o-mnii"])
    assert near.exit_code == 2 and "closest: gpt-4o-mini\n" in near.stderr
    far = CliRunner().invoke(app, ["catalog", "show", "claude"])
    assert far.exit_code == 2 and "closest" not in far.stderr and "catalog list" in far.stderr


def test_a_litellm_config_given_as_plan_suggests_config(tmp_path: Path) -> None:
    cfg = tmp_path / "litellm_config.yaml"
    cfg.write_text("model_list:\n  - model_name: a\n    litellm_params: {model: openai/gpt-4o}\n")
    out = CliRunner().invoke(build_app(), ["code", str(tmp_path), "--plan", str(cfg)])
    assert out.exit_code == 2
    assert out.stderr == (
        f"error: {cfg}: this is a LiteLLM config, not a plan: pass it as --config, or make a plan with "
        f"`llmgw-migrate config {cfg} -o plan.json`\n"
    )


def test_a_missing_file_has_no_position(tmp_path: Path) -> None:
    out = CliRunner().invoke(build_app(), ["code", str(tmp_path), "--plan", "nope.json"])
    assert out.stderr == "error: nope.json: plan file not found\n"
