"""The one harness for the before/after cases of every non-Python file handler
(rules/rewrites/files/*.cases.yaml).

Each case runs through every registered handler that accepts its path, in registry order, as the engine
does: `before` becomes `after` (or stays byte-identical without `after`), exactly `findings` (CODE:line)
are reported, the output still parses for types with a parser, and a second pass changes nothing.
"""

from __future__ import annotations

import json
from pathlib import PurePath
from typing import Any

import pytest
import tomlkit
from ruamel.yaml import YAML

from llmgw_migrate.codemods.base import RewriteContext, RewriteResult
from llmgw_migrate.codemods.handlers import all_handlers
from llmgw_migrate.findings import registry
from llmgw_migrate.resources import rules_path

CASE_DIR = rules_path("rewrites", "files")
MODEL_MAP = {
    "smart": "openai/gpt-4o",
    "fast": "groq/llama-3.1-8b-instant",
    "embed": "openai/text-embedding-3-small",
}
KNOWN = frozenset([*MODEL_MAP, "legacy-unmapped"])
FILE_HANDLERS = {
    "other_languages",
    "notebook",
    "javascript",
    "dotenv",
    "yaml",
    "json",
    "toml",
    "docker",
    "shell",
    "dependencies",
}


def case_context(spec: dict[str, Any] | None) -> RewriteContext:
    spec = dict(spec or {})
    plan = spec.pop("plan", True)
    return RewriteContext(
        model_map=MODEL_MAP if plan else {},
        known_models=KNOWN if plan else frozenset(),
        has_plan=plan,
        from_urls=tuple(spec.pop("from_urls", ())),
        key_env=spec.pop("key_env", "LLM_GATEWAY_API_KEY"),
    )


def run_handlers(path: str, text: str, ctx: RewriteContext) -> RewriteResult:
    """What the engine does with one file: every accepting handler, in order, on the previous output."""
    handlers = [h for h in all_handlers() if h.accepts(PurePath(path))]
    assert handlers, f"no handler accepts {path}"
    assert all(h.name in FILE_HANDLERS for h in handlers), [h.name for h in handlers]
    findings = []
    for h in handlers:
        tokens = h.prefilter_tokens(ctx)
        if tokens and not any(t in text for t in tokens):
            continue
        res = h.rewrite(path, text, ctx)
        text = res.text
        findings += res.findings
    return RewriteResult(text=text, findings=findings)


def assert_parses(path: str, text: str) -> None:
    p = PurePath(path)
    suffix = p.suffix.lower()
    if suffix in (".yml", ".yaml"):
        list(YAML(typ="rt").load_all(text))
    elif suffix == ".json" and "//" not in text and ",\n}" not in text:
        json.loads(text)
    elif suffix == ".ipynb":
        json.loads(text)
    elif suffix == ".toml" or p.name == "Pipfile":
        tomlkit.parse(text)
    elif suffix in (".js", ".jsx", ".ts", ".tsx", ".mjs", ".cjs"):
        from llmgw_migrate.codemods.javascript.syntax import SUFFIX_LANG, parser

        assert not parser(SUFFIX_LANG[suffix]).parse(text.encode()).root_node.has_error


def _load_cases() -> list[Any]:
    params = []
    yaml = YAML(typ="safe")
    for path in sorted(CASE_DIR.glob("*.cases.yaml")):
        data = yaml.load(path.read_text(encoding="utf-8"))
        for i, case in enumerate(data["cases"]):
            case = dict(case)
            case.setdefault("path", data["path"])
            params.append(pytest.param(data["rule"], case, id=f"{data['rule']}:{i}:{case['name']}"))
    return params


CASES = _load_cases()


def test_every_rule_file_starts_with_a_noop_case() -> None:
    by_rule: dict[str, list[dict[str, Any]]] = {}
    for p in CASES:
        rule, case = p.values
        by_rule.setdefault(rule, []).append(case)
    assert {"dotenv", "shell", "docker", "yaml", "json", "toml", "javascript", "dependencies"} <= set(by_rule)
    for rule, cases in by_rule.items():
        assert "after" not in cases[0] and not cases[0].get("findings"), f"{rule}: precision first"
        if rule not in ("dependencies", "other_languages"):  # these only report
            assert any("after" in c for c in cases), f"{rule}: no rewrite case"


@pytest.mark.parametrize(("rule", "case"), CASES)
def test_case(rule: str, case: dict[str, Any]) -> None:
    ctx = case_context(case.get("ctx"))
    before = case["before"]
    expected = case.get("after", before)
    result = run_handlers(case["path"], before, ctx)
    assert result.text == expected
    if result.text != before:  # an untouched file is its own input (a bundle the grammar rejects stays so)
        assert_parses(case["path"], result.text)
    got = sorted(f"{f.code}:{f.line}" for f in result.findings)
    assert got == sorted(case.get("findings", []))
    for f in result.findings:
        assert f.code in registry(), f"{f.code} is not registered"
        assert f.code.startswith("LGM3"), f.code
    again = run_handlers(case["path"], result.text, ctx)
    assert again.text == result.text, "a second run changed the file"
