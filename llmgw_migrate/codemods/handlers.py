"""The file handlers the `code` engine runs, found by being there.

Each module listed here defines `HANDLER` (a FileHandler). A module that is not built into this version is
skipped, so adding a file type means adding its module and one name below.
"""

from __future__ import annotations

import functools
import importlib

from llmgw_migrate.codemods.base import FileHandler

HANDLER_MODULES = (
    "llmgw_migrate.codemods.python.handler",
    "llmgw_migrate.codemods.notebooks",
    "llmgw_migrate.codemods.javascript",
    "llmgw_migrate.codemods.dotenv",
    "llmgw_migrate.codemods.yaml_files",
    "llmgw_migrate.codemods.json_files",
    "llmgw_migrate.codemods.toml_files",
    "llmgw_migrate.codemods.docker",
    "llmgw_migrate.codemods.shell",
    "llmgw_migrate.codemods.dependencies",
)


@functools.cache
def all_handlers() -> tuple[FileHandler, ...]:
    out: list[FileHandler] = []
    for name in HANDLER_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and name.startswith(exc.name):
                continue
            raise
        out.append(module.HANDLER)
    return tuple(out)
