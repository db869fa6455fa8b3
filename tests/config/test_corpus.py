"""`config` over every real config in shared/corpus/litellm-configs (read in place, never copied).

No crash; the invalid one exits 2 with a location; every model_list entry is accounted for (a model or
a finding at its location); no secret value from the files appears anywhere in the output.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from llmgw_migrate.config.plan_build import convert_file
from llmgw_migrate.config.render import render
from llmgw_migrate.errors import UserError
from tests.config.helpers import run_cli
from tests.conftest import CORPUS, corpus_files

pytestmark = pytest.mark.needs_shared
FILES = corpus_files()
INVALID = {"example_config_yaml__simple_config.yaml"}
SECRET_KEY = re.compile(
    r"(api_?key|master_key|password|secret|token|credential|authorization|database_url|access_key)", re.I
)


def test_corpus_is_there() -> None:
    assert len(FILES) >= 30


def secret_values(node: Any, key: str = "") -> list[str]:
    """Every non-reference string under a secret-ish key (and URL passwords), from the raw YAML."""
    out: list[str] = []
    if isinstance(node, dict):
        for k, v in node.items():
            out.extend(secret_values(v, str(k)))
    elif isinstance(node, list):
        for v in node:
            out.extend(secret_values(v, key))
    elif isinstance(node, str) and not node.startswith("os.environ/") and node.strip():
        if SECRET_KEY.search(key) and not key.endswith(("_name", "_type")):
            out.append(node)
        m = re.search(r"://[^/\s:@]+:([^/\s@]+)@", node)
        if m:
            out.append(m.group(1))
    return out


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_corpus_file(path: Path) -> None:
    if path.name in INVALID:
        with pytest.raises(UserError) as info:
            convert_file(path)
        assert info.value.line and info.value.line > 1 and info.value.column
        return
    plan = convert_file(path, as_of=dt.date(2026, 11, 25))
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    entries = raw.get("model_list") or []
    # every entry accounted for: its model_name is a plan model, and it is either mapped or has a finding
    names = {m.name for m in plan.models}
    finding_lines = {(f.file, f.line) for f in plan.findings}
    for entry in entries:
        assert str(entry["model_name"]) in names
    for m in plan.models:
        if m.alias_of is None and m.gateway_model is None:
            assert any(
                fl for fl in finding_lines if fl[0] == m.file and fl[1] is not None and fl[1] >= (m.line or 0)
            ), m.name
    assert sum(m.deployments for m in plan.models if m.alias_of is None) == len(entries)
    # no secret value in any output
    outputs = [render(plan, fmt) for fmt in ("json", "yaml", "markdown", "text")]
    for secret in secret_values(raw):
        for out in outputs:
            assert secret not in out, f"secret from {path.name} leaked"
    json.loads(outputs[0])


def test_corpus_through_cli_secrets_never_printed() -> None:
    # the whole CLI path, including stderr, for the files that carry inline placeholders
    for name in (
        "example_config_yaml__load_balancer.yaml",
        "proxy_server_config.yaml",
        "example_config_yaml__azure_config.yaml",
    ):
        path = CORPUS / name
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        proc = run_cli("config", str(path), "-f", "markdown")
        assert proc.returncode == 1
        for secret in secret_values(raw):
            assert secret not in proc.stdout + proc.stderr


def test_secret_detector_finds_the_corpus_placeholders() -> None:
    found = []
    for path in FILES:
        if path.name not in INVALID:
            found.extend(secret_values(yaml.safe_load(path.read_text(encoding="utf-8"))))
    assert {"sk-1234", "fake-key", "sk-uj6F", "eYVX71"} <= set(found)
