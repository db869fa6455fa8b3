"""The README's command sections stay true: every flag it shows exists, every Action input is listed."""

from __future__ import annotations

import re
import shlex

import pytest
from ruamel.yaml import YAML

from tests.check.helpers import run_inproc
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
COMMANDS = ("config", "catalog", "code", "gateway", "verify", "check")


def _shell_commands() -> list[list[str]]:
    out = []
    for block in re.findall(r"```sh\n(.*?)```", README, re.S):
        text = block.replace("\\\n", " ")
        for line in text.splitlines():
            line = line.split("#", 1)[0].strip()
            if "llmgw-migrate " not in line:
                continue
            words = shlex.split(line[line.index("llmgw-migrate ") :])
            out.append(words[1:])
    return out


def test_readme_has_a_section_per_command() -> None:
    for cmd in COMMANDS:
        assert f"### `llmgw-migrate {cmd}`" in README, cmd


@pytest.mark.parametrize("cmd", [c for c in COMMANDS if c != "catalog"])
def test_every_flag_in_the_readme_exists(cmd: str, tmp_path) -> None:
    help_text = run_inproc(cmd, "--help", cwd=tmp_path, env={"COLUMNS": "200"}).stdout
    used = [
        w for words in _shell_commands() if words and words[0] == cmd for w in words if w.startswith("--")
    ]
    assert used, f"the README shows no `{cmd}` example with flags"
    for flag in used:
        assert re.search(rf"{re.escape(flag)}\b", help_text), (
            f"README uses `{cmd} {flag}`, which does not exist"
        )


def test_action_inputs_and_hooks_are_documented() -> None:
    action = YAML(typ="safe").load((ROOT / "action.yml").read_text(encoding="utf-8"))
    for name in action["inputs"]:
        assert f"`{name}`" in README, f"action input {name} is not in the README"
    for name in action["outputs"]:
        assert f"`{name}`" in README, f"action output {name} is not in the README"
    hooks = YAML(typ="safe").load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    for hook in hooks:
        assert hook["id"] in README, f"hook {hook['id']} is not in the README"
    workflow = re.search(r"```yaml\n(# \.github/workflows/.*?)```", README, re.S)
    assert workflow, "no example workflow"
    steps = YAML(typ="safe").load(workflow.group(1))["jobs"]["check"]["steps"]
    used = next(s for s in steps if s.get("id") == "llmgw")
    assert set(used["with"]) <= set(action["inputs"])
