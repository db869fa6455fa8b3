"""Score `llmgw-migrate code` on real public repositories (issue 11's real-world figure).

The corpus is a manifest (benchmarks/realworld/code_manifest.yaml): per repository `owner/name@commit`,
whether it talks to a LiteLLM proxy or only uses ports 4000/8000 for another server, and per file and
per reference what a demanding user expects `code --write` to do:

  rewrite     the line changes (and the new text holds `to`, when given)
  finding     the line stays as it is and a finding (of `code`, when given) names file:line
  either      a rewrite or a finding is right (an aside in docs, a commented-out line)
  unchanged   the line must not change (a finding there is fine)
  silent      the line must not change and no finding names it (another server's URL)

Expectations sharing a `connection` migrate whole or not at all: if some of them are rewritten and
others are left as they were, the rewritten ones count as partial (a half-migrated connection).
Every changed line no expectation claims is a false rewrite (one per hunk).

The trees are never part of the project: they are checked out from the bare mirrors that the search
tool's `fetch` brings onto the machine (see --fetch-help) into CACHE/trees/<owner>+<name>/, and every
run works on a fresh copy under CACHE/work/.

    .venv/bin/python benchmarks/realworld_code.py [CACHE] [--repo NAME] [--runs 3] [--tests] [--details]

Prints right/false/partial/missed per repository and in total, precision = right / (right + false +
partial), recall = right / (right + missed + partial), idempotence (runs 2..N of --write change
nothing: the corpus property test) and, with --tests, each repository's own offline tests before and
after --write.
"""

from __future__ import annotations

import argparse
import dataclasses
import difflib
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
MANIFEST = HERE / "realworld" / "code_manifest.yaml"
DEFAULT_CACHE = Path("/work/cache/realworld")
DEFAULT_MIRRORS = Path("/work/.mirror")
# The repositories' own tests run with CACHE/testvenv's interpreter (see --fetch-help); --test-python
# overrides it.
TEST_DEPS = (
    "pytest pytest-asyncio fastapi httpx pydantic pydantic-settings python-dotenv sqlalchemy aiosqlite "
    "greenlet 'psycopg[binary]' requests openai python-multipart alembic redis PyPDF2 python-docx pandas "
    "openpyxl boto3"
)
OUTCOMES = ("rewrite", "finding", "either", "unchanged", "silent")

FETCH_HELP = """\
The corpus trees are not in the repository. To get them:
  1. bring each manifest repository onto the machine as a bare git mirror at
     MIRRORS/<owner>+<name>/repo (in a developer session: the search tool's `fetch github:<owner>/<name>`;
     elsewhere: `git clone --mirror https://github.com/<owner>/<name> MIRRORS/<owner>+<name>/repo`);
  2. run this script: it checks each tree out at the manifest commit into CACHE/trees/<owner>+<name>/
     (files a snapshot lacks, such as large binaries, are skipped).
MIRRORS defaults to /work/.mirror (--mirrors), CACHE to /work/cache/realworld.
The repositories' own tests (--tests; the manifest's `tests` commands) run offline in a virtualenv:
  python3 -m venv CACHE/testvenv && CACHE/testvenv/bin/pip install {deps}"""


# ---------------------------------------------------------------------------------------------- manifest


@dataclasses.dataclass
class Expect:
    file: str
    match: str
    outcome: str
    to: str | None = None
    code: str | None = None
    nth: int | None = None
    connection: str | None = None
    also_finding: bool = False
    why: str = ""


@dataclasses.dataclass
class Repo:
    repo: str
    commit: str
    category: str
    expects: list[Expect]
    tests: str | None = None
    notes: str = ""

    @property
    def slug(self) -> str:
        return self.repo.replace("/", "+")


def load_manifest(path: Path) -> list[Repo]:
    data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    repos = []
    for entry in data["repos"]:
        name, _, commit = str(entry["repo"]).partition("@")
        expects = []
        for e in entry.get("expect") or []:
            if e["outcome"] not in OUTCOMES:
                raise SystemExit(f"{path}: {name}: unknown outcome {e['outcome']!r}")
            expects.append(
                Expect(
                    file=e["file"],
                    match=e["match"],
                    outcome=e["outcome"],
                    to=e.get("to"),
                    code=e.get("code"),
                    nth=e.get("nth"),
                    connection=e.get("connection"),
                    also_finding=bool(e.get("also_finding")),
                    why=e.get("why", ""),
                )
            )
        repos.append(
            Repo(
                name,
                commit,
                entry["category"],
                expects,
                tests=entry.get("tests"),
                notes=entry.get("notes", ""),
            )
        )
    return repos


# ---------------------------------------------------------------------------------------------- checkout


def checkout(repo: Repo, trees: Path, mirrors: Path) -> Path:
    """CACHE/trees/<slug>, checked out from the bare mirror at the manifest commit when missing."""
    dest = trees / repo.slug
    stamp = trees / f".{repo.slug}.commit"
    if dest.is_dir() and stamp.is_file() and stamp.read_text().strip() == repo.commit:
        return dest
    git_dir = mirrors / repo.slug / "repo"
    if not git_dir.is_dir():
        raise FileNotFoundError(f"no mirror of {repo.repo} at {git_dir} (see --fetch-help)")
    if dest.exists():
        shutil.rmtree(dest)
    listing = subprocess.run(
        ["git", "--git-dir", str(git_dir), "ls-tree", "-r", "-z", repo.commit],
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    blobs: list[tuple[str, str, str]] = []
    for row in listing:
        if not row:
            continue
        meta, _, name = row.partition(b"\t")
        mode, kind, sha = meta.decode().split()
        if kind == "blob" and mode != "120000":  # symlinks and submodules stay out
            blobs.append((name.decode("utf-8", "surrogateescape"), sha, mode))
    with subprocess.Popen(
        ["git", "--git-dir", str(git_dir), "cat-file", "--batch"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    ) as proc:
        assert proc.stdin and proc.stdout
        for name, sha, mode in blobs:
            proc.stdin.write(sha.encode() + b"\n")
            proc.stdin.flush()
            header = proc.stdout.readline().split()
            if header[-1] == b"missing":  # a snapshot lacks files of 4 MiB and more
                continue
            body = proc.stdout.read(int(header[2]))
            proc.stdout.read(1)
            target = dest / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(body)
            if mode == "100755":
                target.chmod(0o755)
        proc.stdin.close()
    stamp.write_text(repo.commit + "\n")
    return dest


# ---------------------------------------------------------------------------------------------- running


def run_code(tree: Path, mode: str, python: str) -> dict[str, Any]:
    proc = subprocess.run(
        [python, "-m", "llmgw_migrate", "code", f"--{mode}", "-f", "json", "--no-progress", "-j", "1", "."],
        cwd=tree,
        capture_output=True,
        text=True,
    )
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"code --{mode} exited {proc.returncode} on {tree}: {proc.stderr.strip()[-800:]}")
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


def snapshot(tree: Path) -> dict[str, bytes]:
    files = {}
    for path in sorted(tree.rglob("*")):
        if path.is_file() and not path.is_symlink():
            files[path.relative_to(tree).as_posix()] = path.read_bytes()
    return files


def digest(files: dict[str, bytes]) -> str:
    h = hashlib.sha256()
    for name, body in files.items():
        h.update(name.encode() + b"\0" + hashlib.sha256(body).digest())
    return h.hexdigest()


def run_tests(tree: Path, command: str, python: str) -> tuple[int, int, str]:
    """(passed, failed) of the repository's own test command; `{python}` in it is the test interpreter."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LITELLM", "OPENAI", "LLM_GATEWAY"))}
    proc = subprocess.run(
        command.format(python=python),
        shell=True,
        cwd=tree,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    out = proc.stdout + proc.stderr
    passed = failed = 0
    for line in reversed(out.splitlines()):
        words = line.replace(",", " ").split()
        if "passed" in words or "failed" in words:
            for i, w in enumerate(words[1:], 1):
                if w == "passed" and words[i - 1].isdigit():
                    passed = int(words[i - 1])
                if w in ("failed", "errors", "error") and words[i - 1].isdigit():
                    failed += int(words[i - 1])
            break
    return passed, failed, out[-600:]


# ---------------------------------------------------------------------------------------------- scoring


@dataclasses.dataclass
class Score:
    right: int = 0
    false: int = 0
    partial: int = 0
    missed: int = 0
    notes: list[str] = dataclasses.field(default_factory=list)

    def add(self, other: Score) -> None:
        self.right += other.right
        self.false += other.false
        self.partial += other.partial
        self.missed += other.missed

    @property
    def precision(self) -> float:
        den = self.right + self.false + self.partial
        return self.right / den if den else 1.0

    @property
    def recall(self) -> float:
        den = self.right + self.missed + self.partial
        return self.right / den if den else 1.0


def _lines(body: bytes) -> list[str]:
    return body.decode("utf-8", "replace").splitlines()


_IMPORT_RE = re.compile(r"\s*(from\s+[\w.]+\s+import\s|import\s)")


def changed_lines(before: list[str], after: list[str]) -> tuple[dict[int, str], list[list[int]]]:
    """Old line number (1-based) -> the new text of its hunk, and the hunks as lists of old line numbers."""
    out: dict[int, str] = {}
    hunks: list[list[int]] = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        new = "\n".join(after[j1:j2])
        # An insertion is charged to the line it follows (or the first line).
        olds = list(range(i1 + 1, i2 + 1)) or [max(i1, 1)]
        if tag == "insert" and all(_IMPORT_RE.match(line) for line in after[j1:j2]):
            # An added import (`from pydantic import AliasChoices, Field`) is part of the rewrite that
            # uses it, not a change of its own: it is never charged as a false rewrite.
            continue
        hunks.append(olds)
        for n in olds:
            out[n] = out.get(n, "") + "\n" + new if n in out else new
    return out, hunks


_MENTION_RE = re.compile(r"([\w.@+-][\w./@+-]*):(\d+)\b")


def locate(lines: list[str], exp: Expect) -> list[int]:
    hits = [i + 1 for i, line in enumerate(lines) if exp.match in line]
    if exp.nth is not None:
        return hits[exp.nth - 1 : exp.nth] if len(hits) >= exp.nth else []
    return hits


def score_repo(
    repo: Repo, before: dict[str, bytes], after: dict[str, bytes], findings: list[dict[str, Any]], root: Path
) -> Score:
    score = Score()
    # A finding names a line where it points, or in its message (a held connection lists every part as
    # file:line in one finding, issue 11).
    mentioned: dict[str, set[int]] = {}
    for f in findings:
        if f["code"] != "LGM200":
            for m in _MENTION_RE.finditer(f.get("message") or ""):
                mentioned.setdefault(m.group(1).removeprefix("./"), set()).add(int(m.group(2)))
    by_file: dict[str, list[dict[str, Any]]] = {}
    for f in findings:
        if f.get("file") and f["code"] != "LGM200":
            rel = Path(f["file"])
            rel_s = (rel.relative_to(root) if rel.is_absolute() else rel).as_posix()
            by_file.setdefault(rel_s.removeprefix("./"), []).append(f)
    diffs: dict[str, tuple[dict[int, str], list[list[int]]]] = {}
    for name in sorted(set(before) | set(after)):
        if before.get(name) != after.get(name):
            diffs[name] = changed_lines(_lines(before.get(name, b"")), _lines(after.get(name, b"")))
    claimed: dict[str, set[int]] = {}
    status: list[tuple[Expect, str, list[int]]] = []
    for exp in repo.expects:
        if exp.file not in before:
            score.notes.append(f"  ? {exp.file}: not in the tree")
            continue
        lines = _lines(before[exp.file])
        where = locate(lines, exp)
        if not where:
            score.notes.append(f"  ? {exp.file}: no line holds {exp.match!r}")
            continue
        changed, _ = diffs.get(exp.file, ({}, []))
        claimed.setdefault(exp.file, set()).update(where)
        file_findings = by_file.get(exp.file, [])
        for line in where:
            new = changed.get(line)
            near = [f for f in file_findings if f.get("line") in (None, line) or abs(f["line"] - line) <= 1]
            if exp.code:
                near = [f for f in near if f["code"] == exp.code]
            elif line in mentioned.get(exp.file, ()):
                near = near or [{"code": "listed"}]
            if exp.outcome == "rewrite":
                if new is None:
                    verdict = "missed"
                elif (exp.to and exp.to not in new) or (exp.also_finding and not near):
                    verdict = "partial"
                else:
                    verdict = "right"
            elif exp.outcome == "finding":
                verdict = "false" if new is not None else ("right" if near else "missed")
            elif exp.outcome == "either":
                if new is not None:
                    verdict = "partial" if exp.to and exp.to not in new else "right"
                else:
                    verdict = "right" if near else "missed"
            elif exp.outcome == "unchanged":
                verdict = "false" if new is not None else "kept"
            else:  # silent
                verdict = "false" if new is not None or near else "kept"
            status.append((exp, verdict, [line]))
    # A connection migrates whole or not at all: rewritten parts of a half-migrated one are partial.
    groups: dict[str, list[int]] = {}
    for i, (exp, _verdict, _where) in enumerate(status):
        if exp.connection and exp.outcome in ("rewrite", "either"):
            groups.setdefault(exp.connection, []).append(i)
    for members in groups.values():
        verdicts = {status[i][1] for i in members}
        if "right" in verdicts and "missed" in verdicts:
            for i in members:
                exp, verdict, where = status[i]
                if verdict == "right" and diffs.get(exp.file, ({}, []))[0].get(where[0]) is not None:
                    status[i] = (exp, "partial", where)
    for exp, verdict, where in status:
        if verdict == "kept":
            continue
        setattr(score, verdict, getattr(score, verdict) + 1)
        if verdict != "right":
            new = diffs.get(exp.file, ({}, []))[0].get(where[0])
            got = f" -> {new.strip()[:100]!r}" if new is not None else ""
            score.notes.append(f"  {verdict:7} {exp.file}:{where[0]} [{exp.outcome}] {exp.match!r}{got}")
    for name, (_changed, hunks) in diffs.items():
        mine = claimed.get(name, set())
        for hunk in hunks:
            if not mine.intersection(hunk):
                score.false += 1
                score.notes.append(f"  false   {name}:{hunk[0]} unexpected change")
    return score


# ---------------------------------------------------------------------------------------------- main


def evaluate(repo: Repo, tree: Path, work: Path, args: argparse.Namespace) -> tuple[Score, bool, str]:
    copy = work / repo.slug
    if copy.exists():
        shutil.rmtree(copy)
    shutil.copytree(tree, copy, symlinks=True)
    before = snapshot(copy)
    test_note = ""
    if args.tests and repo.tests:
        p0, f0, _ = run_tests(copy, repo.tests, args.test_python)
        shutil.rmtree(copy)
        shutil.copytree(tree, copy, symlinks=True)
    run_code(copy, "diff", args.python)
    if snapshot(copy) != before:
        raise RuntimeError(f"code --diff wrote files in {repo.repo}")
    result = run_code(copy, "write", args.python)
    after = snapshot(copy)
    score = score_repo(repo, before, after, result["findings"], copy)
    idempotent = True
    for n in range(2, args.runs + 1):
        again = run_code(copy, "write", args.python)
        now = snapshot(copy)
        if digest(now) != digest(after):
            idempotent = False
            changed = sorted(k for k in now if now.get(k) != after.get(k))
            score.notes.append(f"  not idempotent: --write #{n} changed {', '.join(changed[:5])}")
            after = now
        del again
    if args.tests and repo.tests:
        p1, f1, tail = run_tests(copy, repo.tests, args.test_python)
        test_note = f"tests {p0}/{p0 + f0} -> {p1}/{p1 + f1}"
        if p1 < p0:
            score.notes.append(f"  tests regressed: {tail.strip()[-300:]}")
    return score, idempotent, test_note


def main(argv: Iterable[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("cache", nargs="?", type=Path, default=DEFAULT_CACHE)
    ap.add_argument("--manifest", type=Path, default=MANIFEST)
    ap.add_argument("--mirrors", type=Path, default=DEFAULT_MIRRORS)
    ap.add_argument("--repo", action="append", default=[], help="only repositories whose name holds this")
    ap.add_argument("--runs", type=int, default=3, help="--write runs per tree (2..N must change nothing)")
    ap.add_argument("--tests", action="store_true", help="run each repository's own offline tests")
    ap.add_argument("--test-python", default=None, help="interpreter for the repos' tests (CACHE/testvenv)")
    ap.add_argument("--python", default=sys.executable, help="interpreter with llmgw_migrate installed")
    ap.add_argument("--details", action="store_true", help="list every wrong case")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    ap.add_argument("--fetch-help", action="store_true", help="how to get the corpus snapshots")
    args = ap.parse_args(list(argv) if argv is not None else None)
    if args.fetch_help:
        print(FETCH_HELP.format(deps=TEST_DEPS))
        return 0
    if args.test_python is None:
        args.test_python = str(args.cache / "testvenv" / "bin" / "python")
    if args.tests and not Path(args.test_python).exists():
        print(f"no test interpreter at {args.test_python} (see --fetch-help)", file=sys.stderr)
        return 2
    repos = [r for r in load_manifest(args.manifest) if not args.repo or any(s in r.repo for s in args.repo)]
    trees, work = args.cache / "trees", args.cache / "work"
    trees.mkdir(parents=True, exist_ok=True)
    work.mkdir(parents=True, exist_ok=True)
    total = Score()
    rows: list[dict[str, Any]] = []
    not_idempotent = 0
    tested = regressed = 0
    missing = []
    started = time.perf_counter()
    print(f"{'repository':52} {'cat':5} {'right':>5} {'false':>5} {'part':>5} {'miss':>5}  idem  tests")
    for repo in repos:
        try:
            tree = checkout(repo, trees, args.mirrors)
        except (FileNotFoundError, subprocess.CalledProcessError) as exc:
            missing.append(f"{repo.repo}: {exc}")
            continue
        score, idempotent, test_note = evaluate(repo, tree, work, args)
        shutil.rmtree(work / repo.slug, ignore_errors=True)
        total.add(score)
        not_idempotent += not idempotent
        if test_note:
            tested += 1
            regressed += any("tests regressed" in n for n in score.notes)
        cat = "proxy" if repo.category == "proxy" else "other"
        print(
            f"{repo.repo[:52]:52} {cat:5} {score.right:5} {score.false:5} {score.partial:5} {score.missed:5}"
            f"  {'yes' if idempotent else 'NO ':4}  {test_note}"
        )
        if args.details:
            for note in score.notes:
                print(note)
        rows.append(
            {
                "repo": repo.repo,
                "right": score.right,
                "false": score.false,
                "partial": score.partial,
                "missed": score.missed,
                "idempotent": idempotent,
                "tests": test_note,
                "notes": score.notes,
            }
        )
    done = len(rows)
    print(
        f"\n{done} repositories ({sum(r.category == 'proxy' for r in repos)} proxy, "
        f"{sum(r.category != 'proxy' for r in repos)} other-server in the manifest), "
        f"{time.perf_counter() - started:.0f}s"
    )
    print(f"right {total.right}  false {total.false}  partial {total.partial}  missed {total.missed}")
    print(
        f"precision {total.precision:.1%}  recall {total.recall:.1%}  "
        f"idempotent {done - not_idempotent}/{done}"
    )
    if tested:
        print(f"own tests: {tested} repositories run, {regressed} with fewer passing tests after --write")
    for m in missing:
        print(f"skipped (no snapshot): {m}", file=sys.stderr)
    if missing:
        print("run with --fetch-help to see how to get the snapshots", file=sys.stderr)
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "precision": total.precision,
                    "recall": total.recall,
                    "right": total.right,
                    "false": total.false,
                    "partial": total.partial,
                    "missed": total.missed,
                    "idempotent": done - not_idempotent,
                    "repos": rows,
                },
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
