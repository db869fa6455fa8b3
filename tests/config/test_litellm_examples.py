"""`config` over the example configs LiteLLM itself ships (litellm/proxy/**.yaml of the pinned version).

They are read in place from the LiteLLM virtualenv that the verify tests use (`ensure_litellm_venv()`
makes it on first use, so it is there in CI), never copied. Same checks as the corpus: no crash (bad
input is a located UserError), every model_list entry accounted for, no secret value in any output.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from llmgw_migrate.config.plan_build import convert_file
from llmgw_migrate.config.render import render
from llmgw_migrate.errors import UserError
from llmgw_migrate.testing.litellm_proxy import ensure_litellm_venv, offline_env
from tests.config.helpers import AS_OF
from tests.config.test_corpus import secret_values

PROXY_KEYS = {"model_list", "litellm_settings", "general_settings", "router_settings"}


@pytest.fixture(scope="module")
def example_configs() -> list[tuple[Path, dict[str, Any]]]:
    python = ensure_litellm_venv()
    # find_spec locates the package without importing it (an import of litellm takes seconds)
    proc = subprocess.run(
        [
            str(python),
            "-c",
            "import importlib.util as u; print(u.find_spec('litellm').submodule_search_locations[0])",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=offline_env(),
        check=True,
    )
    proxy_dir = Path(proc.stdout.strip()) / "proxy"
    out = []
    for path in sorted(proxy_dir.rglob("*.y*ml")):
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError:
            continue  # not ours to judge: only files LiteLLM could load as a config count
        if isinstance(raw, dict) and PROXY_KEYS & {str(k) for k in raw}:
            out.append((path, raw))
    return out


def _problems(path: Path, raw: dict[str, Any]) -> list[str]:
    try:
        plan = convert_file(path, as_of=AS_OF)
    except UserError as exc:
        return [] if exc.line and exc.column else [f"{path.name}: error without a location: {exc}"]
    problems = []
    entries = raw.get("model_list") or []
    names = {m.name for m in plan.models}
    problems += [
        f"{path.name}: {e.get('model_name')} missing"
        for e in entries
        if str(e.get("model_name")) not in names
    ]
    deployments = sum(m.deployments for m in plan.models if m.alias_of is None)
    if deployments != len(entries):
        problems.append(f"{path.name}: {deployments} deployments in the plan, {len(entries)} entries")
    lines = {(f.file, f.line) for f in plan.findings}
    for m in plan.models:
        if m.alias_of is None and m.gateway_model is None:
            if not any(f == m.file and line is not None and line >= (m.line or 0) for f, line in lines):
                problems.append(f"{path.name}: {m.name} has no gateway model and no finding")
    outputs = [render(plan, fmt) for fmt in ("json", "yaml", "markdown", "text")]
    json.loads(outputs[0])
    for secret in secret_values(raw):
        if any(secret in out for out in outputs):
            problems.append(f"{path.name}: a secret value leaked")
    return problems


def test_litellm_example_configs(example_configs: list[tuple[Path, dict[str, Any]]]) -> None:
    assert len(example_configs) >= 20, [p.name for p, _ in example_configs]
    problems = [p for path, raw in example_configs for p in _problems(path, raw)]
    assert problems == []


_SETTINGS_PROBE = """
import inspect, json
from litellm import Router
from litellm.proxy._types import ConfigGeneralSettings
router = set(inspect.signature(Router.__init__).parameters) - {"self", "model_list"}
general = sorted(ConfigGeneralSettings.model_fields)
print(json.dumps({"general_settings": general, "router_settings": sorted(router)}))
"""


def test_every_general_and_router_setting_of_the_pinned_litellm_is_classified() -> None:
    from llmgw_migrate.config.resolve import settings_rules

    python = ensure_litellm_venv()
    proc = subprocess.run(
        [str(python), "-c", _SETTINGS_PROBE],
        capture_output=True,
        text=True,
        timeout=300,
        env=offline_env(),
        check=True,
    )
    real = json.loads(proc.stdout.strip().splitlines()[-1])
    rules = settings_rules()
    assert len(real["general_settings"]) > 100 and len(real["router_settings"]) > 30
    for section, keys in real.items():
        missing = sorted(set(keys) - set(rules[section]))
        assert missing == [], f"{section}: {missing}"
