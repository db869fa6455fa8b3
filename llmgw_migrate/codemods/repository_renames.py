"""What the whole run moved, read from the outcomes after phase 2: the variables some file renamed and
the proxy addresses some file replaced (so a report or a follow-up rewrite matches what really changed,
never what a held connection left as it was)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from llmgw_migrate.codemods.base import RewriteContext
    from llmgw_migrate.codemods.engine import FileOutcome


def count(text: str, name: str) -> int:
    """Occurrences of `name` as a whole word (LITELLM_API_KEY, not LITELLM_API_KEY_2)."""
    return len(re.findall(r"(?<![A-Za-z0-9_])" + re.escape(name) + r"(?![A-Za-z0-9_])", text))


def _fewer(outcomes: Sequence[FileOutcome], name: str, whole_word: bool) -> bool:
    for o in outcomes:
        if (
            o.result is None
            or o.error is not None
            or name not in (o.source if whole_word else o.source.lower())
        ):
            continue
        if whole_word:
            before, after = count(o.source, name), count(o.result, name)
        else:
            before, after = o.source.lower().count(name), o.result.lower().count(name)
        if after < before:
            return True
    return False


def renamed(outcomes: Sequence[FileOutcome], names: Iterable[str], ctx: RewriteContext) -> dict[str, str]:
    """Each of `names` that some changed file now holds fewer times -> its new name."""
    from llmgw_migrate.codemods.file_rules import rename_env

    out: dict[str, str] = {}
    for name in names:
        new = rename_env(name, ctx)
        if new is not None and _fewer(outcomes, name, True):
            out[name] = new
    return out


def moved_origins(outcomes: Sequence[FileOutcome], origins: Iterable[str]) -> set[str]:
    """The (lower-case) URL origins some changed file now holds fewer times."""
    return {o for o in origins if _fewer(outcomes, o, False)}
