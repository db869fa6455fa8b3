"""Locate the bundled `rules/` folder, both in a wheel and in a source checkout."""

from __future__ import annotations

import functools
from pathlib import Path


@functools.cache
def rules_dir() -> Path:
    here = Path(__file__).resolve().parent
    # A wheel holds rules/ as llmgw_migrate/rules (hatch force-include); a checkout has it beside the package.
    for candidate in (here / "rules", here.parent / "rules"):
        if (candidate / "findings").is_dir():
            return candidate
    raise FileNotFoundError("llmgw-migrate's rules/ folder is missing from this installation")


def rules_path(*parts: str) -> Path:
    return rules_dir().joinpath(*parts)
