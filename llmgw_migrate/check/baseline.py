"""Baselines: accepted findings that `check` does not fail on.

A finding is identified by a fingerprint that survives line shifts: it hashes the code, the file path
(relative to the baseline's folder, so a checkout anywhere matches), the message with numbers that look
like locations removed, and the text of the flagged line with its whitespace collapsed, never the line
number. Equal fingerprints are counted, so a baseline that accepts two identical findings in a file does
not accept a third. The file stores hashes and messages only, never source text.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from llmgw_migrate.atomic import write_text_atomic
from llmgw_migrate.errors import UserError, read_input_text
from llmgw_migrate.findings import Finding

BASELINE_VERSION = 1
TOOL = "llmgw-migrate"

# Location-like fragments a message may carry ("line 12", "foo.py:12:5"): dropped so a shift keeps the id.
_LOCATION_RE = re.compile(r"\blines?\s+\d+(?:\s*[-,]\s*\d+)*")
_FILE_POS_RE = re.compile(r"(\.[A-Za-z0-9]{1,10}):\d+(?::\d+)?\b")
_SPACE_RE = re.compile(r"\s+")


def normalize_path(file: str | None, root: Path) -> str:
    """`file` relative to `root` in POSIX form when it lies inside it, else as given (POSIX)."""
    if not file:
        return ""
    p = Path(file)
    absolute = p if p.is_absolute() else Path.cwd() / p
    try:
        rel = os.path.relpath(os.path.abspath(absolute), os.path.abspath(root))
    except ValueError:  # other drive on Windows
        return p.as_posix()
    if rel.startswith(".."):
        return p.as_posix()
    return Path(rel).as_posix()


def normalize_message(message: str) -> str:
    text = _FILE_POS_RE.sub(r"\1", _LOCATION_RE.sub("", message))
    return _SPACE_RE.sub(" ", text).strip()


class LineCache:
    """Reads each flagged file once; a file that cannot be read yields empty lines."""

    def __init__(self) -> None:
        self._files: dict[str, list[str]] = {}

    def line(self, file: str | None, line: int | None) -> str:
        if not file or not line:
            return ""
        lines = self._files.get(file)
        if lines is None:
            try:
                lines = Path(file).read_text(encoding="utf-8", errors="replace").splitlines()
            except OSError:
                lines = []
            self._files[file] = lines
        if 1 <= line <= len(lines):
            return _SPACE_RE.sub(" ", lines[line - 1]).strip()
        return ""


def fingerprint(
    finding: Finding, root: Path, lines: LineCache | None = None, context: str | None = None
) -> str:
    """A stable id for `finding`; `context` overrides the flagged line's text (e.g. a whole hunk)."""
    if context is None:
        context = (lines or LineCache()).line(finding.file, finding.line)
    parts = (
        finding.code,
        normalize_path(finding.file, root),
        normalize_message(finding.message),
        _SPACE_RE.sub(" ", context).strip(),
    )
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return digest[:32]


@dataclass
class BaselineEntry:
    fingerprint: str
    code: str
    file: str
    message: str
    count: int = 1


@dataclass
class Baseline:
    path: Path
    entries: list[BaselineEntry] = field(default_factory=list)

    @property
    def root(self) -> Path:
        return self.path.resolve().parent

    def counts(self) -> Counter[str]:
        out: Counter[str] = Counter()
        for e in self.entries:
            out[e.fingerprint] += e.count
        return out


@dataclass
class BaselineMatch:
    new: list[Finding]  # findings the baseline does not accept
    accepted: list[Finding]  # findings it accepts
    stale: list[BaselineEntry]  # entries (with the unused count) that matched nothing


def load_baseline(path: Path) -> Baseline:
    """Read a baseline file; every problem is a one-line UserError."""
    text = read_input_text(
        path, "baseline", not_found="baseline file not found (create it with --update-baseline)"
    )
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UserError(f"invalid JSON: {exc.msg}", path, exc.lineno, exc.colno) from None
    except RecursionError:
        raise UserError("invalid JSON: nested too deeply", path, 1, 1) from None
    if not isinstance(data, dict) or data.get("tool") != TOOL:
        raise UserError(f'not an {TOOL} baseline (expected "tool": "{TOOL}")', path, 1, 1)
    if data.get("version") != BASELINE_VERSION:
        raise UserError(f"unsupported baseline version {data.get('version')!r}", path, 1, 1)
    raw = data.get("findings")
    if not isinstance(raw, list):
        raise UserError('baseline has no "findings" list', path, 1, 1)
    entries: list[BaselineEntry] = []
    for i, item in enumerate(raw):
        try:
            fp = item["fingerprint"]
            count = int(item.get("count", 1))
            if not isinstance(fp, str) or count < 1:
                raise ValueError
            entries.append(
                BaselineEntry(
                    fingerprint=fp,
                    code=str(item.get("code", "")),
                    file=str(item.get("file", "")),
                    message=str(item.get("message", "")),
                    count=count,
                )
            )
        except (TypeError, KeyError, ValueError):
            raise UserError(
                f"findings[{i}]: expected an object with a fingerprint and a positive count", path, 1, 1
            ) from None
    return Baseline(path=path, entries=entries)


def match(baseline: Baseline, findings: list[Finding], fingerprints: list[str]) -> BaselineMatch:
    """Split `findings` (with their precomputed `fingerprints`) into new and accepted ones."""
    remaining = baseline.counts()
    new: list[Finding] = []
    accepted: list[Finding] = []
    for finding, fp in zip(findings, fingerprints, strict=True):
        if remaining.get(fp, 0) > 0:
            remaining[fp] -= 1
            accepted.append(finding)
        else:
            new.append(finding)
    stale: list[BaselineEntry] = []
    seen: set[str] = set()
    for e in baseline.entries:
        left = remaining.get(e.fingerprint, 0)
        if left > 0 and e.fingerprint not in seen:
            seen.add(e.fingerprint)
            stale.append(BaselineEntry(e.fingerprint, e.code, e.file, e.message, left))
    return BaselineMatch(new=new, accepted=accepted, stale=stale)


def build_baseline(path: Path, findings: list[Finding], fingerprints: list[str]) -> Baseline:
    """A baseline accepting exactly `findings`, entries sorted so the file diffs well."""
    root = path.resolve().parent
    grouped: dict[str, BaselineEntry] = {}
    for finding, fp in zip(findings, fingerprints, strict=True):
        entry = grouped.get(fp)
        if entry is None:
            grouped[fp] = BaselineEntry(
                fingerprint=fp,
                code=finding.code,
                file=normalize_path(finding.file, root),
                message=finding.message,
            )
        else:
            entry.count += 1
    entries = sorted(grouped.values(), key=lambda e: (e.file, e.code, e.message, e.fingerprint))
    return Baseline(path=path, entries=entries)


def render_baseline(baseline: Baseline) -> str:
    data = {
        "tool": TOOL,
        "version": BASELINE_VERSION,
        "findings": [
            {
                "fingerprint": e.fingerprint,
                "code": e.code,
                "file": e.file,
                "message": e.message,
                "count": e.count,
            }
            for e in baseline.entries
        ],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def write_baseline(baseline: Baseline) -> None:
    try:
        write_text_atomic(baseline.path, render_baseline(baseline))
    except OSError as exc:
        raise UserError(f"cannot write baseline: {exc.strerror or exc}", baseline.path) from None
