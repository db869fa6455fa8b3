"""Where a plan's file paths point from.

A printed plan names files as given on the command line (relative to the working folder). A written plan
(`config -o plan.json`) names them relative to the plan file's folder, so the plan can be read from any
folder; reports built from a plan name them relative to their own root (the working folder).
"""

from __future__ import annotations

import dataclasses
import functools
import os
from collections.abc import Callable
from pathlib import Path

from llmgw_migrate.config.plan import Plan
from llmgw_migrate.findings import Finding


def _rel(path: Path, base: Path) -> str:
    try:
        return Path(os.path.relpath(path, base)).as_posix()
    except ValueError:  # another drive (Windows): no relative path exists
        return path.as_posix()


def _rebase_finding(f: Finding, fix: Callable[[str | None], str | None]) -> Finding:
    if not f.file and not f.locations:
        return f
    locations = [dataclasses.replace(loc, file=fix(loc.file)) if loc.file else loc for loc in f.locations]
    return f.replace(file=fix(f.file) if f.file else f.file, locations=locations)


def _rebase(plan: Plan, fix: object) -> Plan:
    assert callable(fix)
    findings = [_rebase_finding(f, fix) for f in plan.findings]
    models = [m.model_copy(update={"file": fix(m.file)}) if m.file else m for m in plan.models]
    return plan.model_copy(update={"findings": findings, "models": models, "source": fix(plan.source)})


def relative_to_plan_file(plan: Plan, plan_path: Path) -> Plan:
    """The plan as written to `plan_path`: paths (given relative to the working folder) relative to the
    plan file's folder."""
    base = plan_path.resolve().parent

    @functools.cache  # a plan names a handful of files, each thousands of times
    def fix(p: str | None) -> str | None:
        if not p or "://" in p:
            return p
        return _rel(Path(p).resolve(), base)

    return _rebase(plan, fix)


def relative_to_root(plan: Plan, plan_path: Path, root: Path | None = None) -> Plan:
    """A plan read from `plan_path`, its paths relative to `root` (default: the working folder). A path
    that does not exist beside the plan but does from the root (a plan written before paths were kept
    relative to it) is left as it is."""
    base = plan_path.resolve().parent
    root = (root or Path.cwd()).resolve()

    @functools.cache  # a plan names a handful of files, each thousands of times
    def fix(p: str | None) -> str | None:
        if not p or "://" in p:
            return p
        given = Path(p)
        if given.is_absolute():
            return _rel(given, root)
        beside = base / given
        if not beside.exists() and (root / given).exists():
            return p
        return _rel(beside.resolve(), root)

    return _rebase(plan, fix)
