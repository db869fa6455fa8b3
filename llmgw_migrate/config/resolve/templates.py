"""Shell templates (`${VAR}`, `${VAR:-default}`) left in a config that a shell or chart was meant to fill."""

from __future__ import annotations

import re
from typing import Any

_TEMPLATE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}")


def shell_templates(value: Any) -> list[tuple[str, str | None]]:
    """(variable, default or None) of each `${...}` template in a string value."""
    if not isinstance(value, str) or "${" not in value:
        return []
    return [(m.group(1), m.group(2)) for m in _TEMPLATE.finditer(value)]


def describe(found: list[tuple[str, str | None]]) -> str:
    return "; ".join(
        f"${{{var}}} defaults to `{default}`" if default is not None else f"${{{var}}} has no default"
        for var, default in found
    )


_WHOLE = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$")


def template_var(value: Any) -> str | None:
    """VAR when the whole value is `${VAR}` (a variable the deploy step fills in, no default), else None."""
    if not isinstance(value, str):
        return None
    m = _WHOLE.match(value.strip())
    return m.group(1) if m else None
