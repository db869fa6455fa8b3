"""Documentation pages (README.md, docs/*.md, .mdx, .rst) that still name what `code` moved: LGM358.

A rename covers the whole repository, but prose is not rewritten: a README that says
`export LITELLM_API_KEY=...` or "the proxy listens on http://localhost:4000" would send the next user
back to the old setup. After phase 2 (so only what really changed counts), one finding lists each
page line that names a variable some file no longer uses under that name, or a proxy address some file
no longer holds. The pages' facts come from the scan phase 1 already ran on them (no extra read).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from llmgw_migrate.codemods.connections.model import Part, origin
from llmgw_migrate.codemods.repository_renames import count, moved_origins, renamed
from llmgw_migrate.findings import Finding, make

if TYPE_CHECKING:
    from llmgw_migrate.codemods.base import RewriteContext
    from llmgw_migrate.codemods.engine import FileOutcome

CODE = "LGM358"
MAX_LISTED = 30


def _shown(url: str) -> str:
    """The URL without its user:password (a page may carry one; findings never show secrets)."""
    from urllib.parse import urlsplit

    try:
        s = urlsplit(url)
    except ValueError:
        return "a proxy URL"
    if "@" not in s.netloc:
        return url
    return s._replace(netloc=s.netloc.rsplit("@", 1)[1]).geturl()


def _done(outcomes: Sequence[FileOutcome], renames: dict[str, str]) -> set[str]:
    """Variables whose rename an earlier run finished: no file uses the old name any more, and one uses
    the new (so a second run reports the pages the first one did)."""
    texts = [o.result if o.result is not None else o.source for o in outcomes]
    return {
        old
        for old, new in renames.items()
        if any(new in t for t in texts) and not any(count(t, old) for t in texts if old in t)
    }


def findings(
    outcomes: Sequence[FileOutcome], doc_parts: Sequence[Part], ctx: RewriteContext
) -> list[Finding]:
    """One LGM358 listing each documentation line that names a renamed variable or a moved proxy URL."""
    from llmgw_migrate.codemods.file_rules import rename_env

    if not doc_parts:
        return []
    envs = {p.name for p in doc_parts if p.kind == "env"}
    renames = {n: new for n in envs if (new := rename_env(n, ctx)) is not None}
    now = {n: renames[n] for n in {*renamed(outcomes, renames, ctx), *_done(outcomes, renames)}}
    moved = moved_origins(outcomes, {origin(p.name) for p in doc_parts if p.kind == "url"})
    listed: dict[tuple[str, int], list[str]] = {}
    for p in doc_parts:
        if p.kind == "env" and p.name in now:
            what = f"{p.name} (renamed {now[p.name]})"
        elif p.kind == "url" and origin(p.name) in moved:
            what = f"{_shown(p.name)} (the proxy's address)"
        else:
            continue
        names = listed.setdefault((p.file, p.line), [])
        if what not in names:
            names.append(what)
    if not listed:
        return []
    places = sorted(listed)
    shown = [f"{f}:{line} {', '.join(listed[(f, line)])}" for f, line in places[:MAX_LISTED]]
    more = f"; and {len(places) - MAX_LISTED} more" if len(places) > MAX_LISTED else ""
    first_file, first_line = places[0]
    return [
        make(
            CODE,
            "documentation still names what `code` moved to the gateway (prose is not rewritten): "
            + "; ".join(shown)
            + more,
            file=first_file,
            line=first_line,
            column=1,
        )
    ]
