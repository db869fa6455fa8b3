"""Benchmark `llmgw-migrate check` against `llmgw-migrate code --check` on the same tree, in the same run.

`check` runs the same rules as `code --check` and adds its own work: one LGM200 per changed block
(a line diff of each changed file), a fingerprint per finding (reading the flagged lines), baseline
matching and the reports. This measures what that costs, as ratios to `code --check` (target: check
within 1.3x of code --check; with a baseline and every report format written, within 1.5x):

  code       llmgw-migrate code --check TREE                       (the baseline of the comparison)
  check      llmgw-migrate check TREE
  baseline   llmgw-migrate check TREE --baseline B (B accepts every finding) --sarif --junit --json --markdown

and, in-process, fingerprinting + baseline matching of `--findings` synthetic findings (per-finding cost).
The tree: `--files` Python files (5,000 by default), `--dirty` percent of them (default 2) reaching the
proxy. Each timing is the best of `--repeat` runs (default 5), the three commands alternating so load
spikes hit them alike; CLI start-up included.

    .venv/bin/python benchmarks/bench_check.py --files 5000
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BIN = Path(sys.executable).parent / "llmgw-migrate"

PLAIN = '''"""Module {i}."""

import logging

log = logging.getLogger(__name__)


def handler_{i}(items: list[int]) -> int:
    total = 0
    for item in items:
        total += item * {i}
    log.debug("handled %d", total)
    return total
'''

DIRTY = '''"""Module {i}: talks to the LLM proxy."""

import os

from openai import OpenAI

client = OpenAI(base_url="http://localhost:4000/v1", api_key=os.environ["LITELLM_API_KEY"])


def ask_{i}(question: str) -> str:
    reply = client.chat.completions.create(model="gpt-4o", messages=[{{"role": "user", "content": question}}])
    return reply.choices[0].message.content or ""
'''


def make_tree(root: Path, files: int, dirty_pct: float, seed: int = 7) -> int:
    rng = random.Random(seed)
    dirty = set(rng.sample(range(files), max(1, int(files * dirty_pct / 100))))
    for i in range(files):
        folder = root / f"pkg{i // 100:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"mod{i:05d}.py").write_text((DIRTY if i in dirty else PLAIN).format(i=i), encoding="utf-8")
    return len(dirty)


def once(args: list[str], cwd: Path, ok: tuple[int, ...]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode not in ok:
        raise SystemExit(f"{' '.join(args)} exited {proc.returncode}: {proc.stderr[-2000:]}")
    return elapsed


def interleaved(
    commands: dict[str, tuple[list[str], tuple[int, ...]]], cwd: Path, repeat: int
) -> dict[str, float]:
    """Best of `repeat` for each command, the commands alternating so a load spike hits them alike."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(repeat):
        for name, (args, ok) in commands.items():
            times[name].append(once(args, cwd, ok))
    return {name: min(values) for name, values in times.items()}


def bench_fingerprints(n: int, workdir: Path) -> dict[str, float]:
    sys.path.insert(0, str(ROOT))
    from llmgw_migrate.check import baseline as bl
    from llmgw_migrate.findings import make

    src = workdir / "fp.py"
    src.write_text("".join(f"x{i} = 'http://localhost:4000/v1'\n" for i in range(1000)), encoding="utf-8")
    findings = [
        make("LGM201", f"proxy URL number {i % 50}", file=str(src), line=i % 1000 + 1) for i in range(n)
    ]
    lines = bl.LineCache()
    start = time.perf_counter()
    fps = [bl.fingerprint(f, workdir, lines) for f in findings]
    t_fp = time.perf_counter() - start
    base = bl.build_baseline(workdir / "b.json", findings, fps)
    start = time.perf_counter()
    matched = bl.match(base, findings, fps)
    t_match = time.perf_counter() - start
    assert len(matched.accepted) == n
    return {"fingerprint_us_per_finding": t_fp / n * 1e6, "match_us_per_finding": t_match / n * 1e6}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--dirty", type=float, default=2.0, help="percent of files that reach the proxy")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--findings", type=int, default=20000)
    parser.add_argument("--keep", action="store_true", help="keep the generated tree")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="llmgw-bench-check-"))
    try:
        tree = work / "tree"
        dirty = make_tree(tree, args.files, args.dirty)
        once([str(BIN), "check", "tree", "--baseline", "b.json", "--update-baseline"], work, (0,))
        full = [str(BIN), "check", "tree", "--baseline", "b.json", "--sarif", "r.sarif", "--junit", "r.xml"]
        full += ["--json", "r.json", "--markdown", "r.md"]
        best = interleaved(
            {
                "code": ([str(BIN), "code", "--check", "--no-progress", "tree"], (0, 1)),
                "check": ([str(BIN), "check", "tree"], (0, 1)),
                "full": (full, (0,)),
            },
            work,
            args.repeat,
        )
        code_s, check_s, baseline_s = best["code"], best["check"], best["full"]
        findings = len(json.loads((work / "r.json").read_text(encoding="utf-8"))["findings"])
        fp = bench_fingerprints(args.findings, work)
        result = {
            "files": args.files,
            "dirty_files": dirty,
            "findings": findings,
            "code_check_s": round(code_s, 3),
            "check_s": round(check_s, 3),
            "check_baseline_reports_s": round(baseline_s, 3),
            "ratio_check_to_code": round(check_s / code_s, 2),
            "ratio_check_baseline_reports_to_code": round(baseline_s / code_s, 2),
            **{k: round(v, 2) for k, v in fp.items()},
        }
        print(json.dumps(result, indent=2))
        ok = result["ratio_check_to_code"] <= 1.3 and result["ratio_check_baseline_reports_to_code"] <= 1.5
        print(
            "targets met"
            if ok
            else "targets MISSED (check <= 1.3x code --check, with baseline+reports <= 1.5x)"
        )
        return 0
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
