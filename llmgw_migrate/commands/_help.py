"""One look for every command's help: the same placeholder style (UPPERCASE words: PATH, URL, N) and a
closing block of real examples."""

from __future__ import annotations

import inspect
from typing import Any

# Placeholders by parameter name, then by annotation; flags (bool) have none.
_BY_NAME = {
    "before": "URL",
    "after": "URL",
    "base_url": "URL",
    "from_url": "URL",
    "url": "URL",
    "fmt": "FORMAT",
    "as_of": "DATE",
    "fail_on": "SEVERITY",
    "key_env": "NAME",
    "include": "GLOB",
    "exclude": "GLOB",
    "model": "MODEL",
    "max_cost": "USD",
    "verify_max_cost": "USD",
    "before_key": "KEY",
    "after_key": "KEY",
    "target": "TARGET",
    "routing": "ROUTING",
    "provider": "PROVIDER",
}


def _placeholder(name: str, annotation: str) -> str | None:
    if annotation.replace(" ", "") in ("bool", "bool|None"):
        return None
    if name in _BY_NAME:
        return _BY_NAME[name]
    if "Path" in annotation:
        return "PATH"
    if "float" in annotation:
        return "NUMBER"
    if "int" in annotation:
        return "N"
    return "TEXT"


# Real examples closing each command's --help (they run as written on the README's example files).
EXAMPLES: dict[str, tuple[str, ...]] = {
    "config": (
        "llmgw-migrate config litellm_config.yaml",
        "llmgw-migrate config litellm_config.yaml -o plan.json",
        "llmgw-migrate config --check litellm_config.yaml --format sarif > config.sarif",
    ),
    "code": (
        "llmgw-migrate code . --plan plan.json",
        "llmgw-migrate code . --plan plan.json --write",
        "llmgw-migrate code . --plan plan.json --check --fail-on error",
    ),
    "verify": (
        "llmgw-migrate verify --before http://localhost:4000 --after embedded --plan plan.json",
        "llmgw-migrate verify --before http://localhost:4000 --after https://api.llmgateway.io/v1 "
        "--plan plan.json --requests requests.jsonl --max-cost 0.50",
    ),
    "check": (
        "llmgw-migrate check . --config litellm_config.yaml",
        "llmgw-migrate check . --plan plan.json --format sarif --output check.sarif",
        "llmgw-migrate check . -c litellm_config.yaml --verify --before http://localhost:4000 -m smart",
    ),
    "gateway": (
        "llmgw-migrate gateway --plan plan.json",
        "llmgw-migrate gateway --config litellm_config.yaml --port 4001",
        "llmgw-migrate gateway --plan plan.json --check",
    ),
    "refresh": ("llmgw-migrate catalog refresh", "llmgw-migrate catalog refresh --timeout 60"),
    "show": (
        "llmgw-migrate catalog show gpt-4o",
        "llmgw-migrate catalog show anthropic/claude-sonnet-4-5 -f json",
    ),
    "list": ("llmgw-migrate catalog list", "llmgw-migrate catalog list --provider anthropic --format json"),
}


def polish_help(app: Any) -> None:
    """Uniform placeholders, and each command's --help closing with its examples."""
    uniform_metavars(app)
    _add_examples(app)


def _add_examples(app: Any) -> None:
    for info in app.registered_commands:
        name = info.name or (info.callback.__name__ if info.callback else "")
        examples = EXAMPLES.get(name)
        if not examples or info.callback is None:
            continue
        info.epilog = examples_block(*examples)  # after the option tables: the end of --help
    for group in app.registered_groups:
        if group.typer_instance is not None:
            _add_examples(group.typer_instance)


def uniform_metavars(app: Any) -> None:
    """Give every option and argument of `app` (and its sub-apps) without an explicit metavar the
    house placeholder, so `--help` reads the same in every command."""
    from typer.models import ArgumentInfo, OptionInfo

    for info in app.registered_commands:
        callback = info.callback
        if callback is None:
            continue
        for name, param in inspect.signature(callback).parameters.items():
            default = param.default
            if not isinstance(default, (OptionInfo, ArgumentInfo)) or default.metavar is not None:
                continue
            annotation = str(param.annotation)
            placeholder = _placeholder(name, annotation)
            if placeholder is None:
                continue
            if isinstance(default, ArgumentInfo) and "list" in annotation:
                placeholder += "..."
            default.metavar = placeholder
    for group in app.registered_groups:
        if group.typer_instance is not None:
            uniform_metavars(group.typer_instance)


def examples_block(*examples: str) -> str:
    """An "Examples" block, one command a line."""
    return "Examples:\n\n" + "\n\n".join(f"  {e}" for e in examples)
