"""The file handlers the `code` engine runs, found by being there.

Each module listed in codemods/registry.py defines `HANDLER` (a FileHandler). A module that is not built
into this version is skipped, so adding a file type means adding its module and one HandlerSpec there
(its files and prefilter tokens as light data, so the engine prefilters without importing it).
"""

from __future__ import annotations

import functools
import importlib

from llmgw_migrate.codemods.base import FileHandler
from llmgw_migrate.codemods.registry import SPECS

HANDLER_MODULES = tuple(spec.module for spec in SPECS)  # one list: codemods/registry.py


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
