"""Benchmark `llmgw-migrate keys`: 100,000 virtual keys over 1,000 teams in a real PostgreSQL.

The database is LiteLLM 1.108.7's own schema (its migrations, see llmgw_migrate/testing/postgres.py),
filled with COPY. Two figures over --repeat runs (interleaved, so load bursts on a shared machine hit
both alike), each a fresh process:
  baseline  a bare psycopg read of the same key and team rows: the very SQL `keys` runs (db_reader's
            KEYS_SQL and TEAMS_SQL), server-side cursors, rows fetched and dropped
  keys      `llmgw-migrate keys --database-url ... -o keys.json` (the keys plan, what issue 14 times)
  +handover the same with `--handover sheet.csv` (the optional hand-over sheet too; shown, not gated)
The ratio is the median of each run's keys / baseline (medians and bests shown too).
Targets: keys < 10 s, peak RSS < 300 MB, and keys / baseline <= 2.
Both commands run with their modules byte-compiled, as an install leaves them (a warm-up run writes the
bytecode into a temporary PYTHONPYCACHEPREFIX): under PYTHONDONTWRITEBYTECODE=1 a source checkout would
otherwise recompile the tool on every run while psycopg comes compiled.

    .venv/bin/python benchmarks/bench_keys.py [--keys 100000] [--teams 1000] [--repeat 3]
"""

# ruff: noqa: E501  (report lines read better unsplit)

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from llmgw_migrate.keys.db_reader import KEYS_SQL, TEAMS_SQL  # noqa: E402
from llmgw_migrate.testing import litellm_db as ldb  # noqa: E402
from llmgw_migrate.testing.postgres import EmbeddedPostgres  # noqa: E402

_MODELS = ["gpt-4o", "gpt-4o-mini", "claude-3-7-sonnet", "o3-mini", "gemini-2.5-flash", "team-private-model"]
_DURATIONS = [None, None, "1d", "7d", "30d", "monthly", "1h", "30m"]


def seed(dsn: str, n_keys: int, n_teams: int) -> None:
    import psycopg

    rng = random.Random(7)
    now = dt.datetime(2026, 12, 1)
    with psycopg.connect(dsn, autocommit=True) as conn:
        with conn.cursor().copy(
            'COPY "LiteLLM_TeamTable" (team_id, team_alias, models, max_budget, budget_duration, tpm_limit, '
            "admins, members, members_with_roles, metadata) FROM STDIN"
        ) as copy:
            for t in range(n_teams):
                models = rng.sample(_MODELS, rng.randint(0, 4))
                copy.write_row(
                    [
                        f"team-{t}",
                        f"team {t}",
                        models,
                        1000.0 if t % 3 == 0 else None,
                        "30d" if t % 3 == 0 else None,
                        100000 if t % 5 == 0 else None,
                        [],
                        [],
                        "[]",
                        json.dumps({"tags": ["bench"]} if t % 4 == 0 else {}),
                    ]
                )
        columns = [
            "key_alias",
            "team_id",
            "user_id",
            "models",
            "max_budget",
            "budget_duration",
            "spend",
            "rpm_limit",
            "expires",
            "blocked",
            "metadata",
            "aliases",
            "config",
            "permissions",
            "last_active",
            "created_at",
        ]

        def rows():  # type: ignore[no-untyped-def]
            for i in range(n_keys):
                duration = _DURATIONS[i % len(_DURATIONS)]
                yield {
                    "raw_key": f"sk-bench-{i:08d}-{rng.getrandbits(64):016x}",
                    "key_alias": f"svc-{i}" if i % 10 else None,
                    "team_id": f"team-{i % n_teams}" if i % 20 else None,
                    "user_id": f"user-{i % 5000}" if i % 3 == 0 else None,
                    "models": rng.sample(_MODELS, rng.randint(0, 3)),
                    "max_budget": float(10 + i % 90) if i % 2 else None,
                    "budget_duration": duration if i % 2 else None,
                    "spend": float(i % 7),
                    "rpm_limit": 600 if i % 9 == 0 else None,
                    "expires": now - dt.timedelta(days=1)
                    if i % 50 == 0
                    else (now + dt.timedelta(days=90) if i % 11 == 0 else None),
                    "blocked": i % 97 == 0,
                    "metadata": {"tags": ["a", "b"]} if i % 13 == 0 else {},
                    "aliases": {},
                    "config": {},
                    "permissions": {},
                    "last_active": now - dt.timedelta(minutes=i),
                    "created_at": now - dt.timedelta(days=i % 365),
                }

        ldb.copy_keys(conn, rows(), columns)
        conn.execute('ANALYZE "LiteLLM_VerificationToken"')


_BASELINE = """
import sys, psycopg
keys_sql, teams_sql = sys.argv[2], sys.argv[3]
with psycopg.connect(sys.argv[1]) as conn:
    conn.read_only = True
    n = 0
    for sql, name in ((keys_sql, "k"), (teams_sql, "t")):
        with conn.cursor(name=name) as cur:
            cur.execute(sql)
            while True:
                rows = cur.fetchmany(20000)
                if not rows:
                    break
                n += len(rows)
print(n)
"""


_ENV: dict[str, str] | None = None  # the children's environment: a bytecode cache


def _run(cmd: list[str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (MB) of one fresh process."""
    import resource

    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=_ENV)
    _, _, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = 0  # reaped by wait4
    _ = resource
    return elapsed, usage.ru_maxrss // 1024


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--keys", type=int, default=100_000)
    ap.add_argument("--teams", type=int, default=1_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()

    with EmbeddedPostgres() as pg, tempfile.TemporaryDirectory() as tmp:
        dsn = pg.create_litellm_database()
        t0 = time.perf_counter()
        seed(dsn, args.keys, args.teams)
        print(f"seeded {args.keys:,} keys over {args.teams:,} teams in {time.perf_counter() - t0:.1f} s")
        baseline_cmd = [sys.executable, "-c", _BASELINE, dsn, KEYS_SQL, TEAMS_SQL]
        out = Path(tmp) / "keys.json"
        keys_cmd = [sys.executable, "-m", "llmgw_migrate", "keys", "--database-url", dsn, "-o", str(out)]
        sheet_cmd = [*keys_cmd, "--handover", str(Path(tmp) / "sheet.csv")]
        global _ENV
        _ENV = {**os.environ, "PYTHONPYCACHEPREFIX": str(Path(tmp) / "pycache")}
        writing = {k: v for k, v in _ENV.items() if k != "PYTHONDONTWRITEBYTECODE"}
        for cmd in (baseline_cmd, sheet_cmd):
            subprocess.run(cmd, capture_output=True, env=writing)
        # Interleaved, so a burst of load on the shared machine hits every figure alike.
        runs, sheets = [], []
        for _ in range(args.repeat):
            runs.append((_run(baseline_cmd), _run(keys_cmd)))
            sheets.append(_run(sheet_cmd))
        plan = json.loads(out.read_text())
        print(
            f"plan: {len(plan['projects']):,} projects, {len(plan['keys']):,} keys, {len(plan['skipped']):,} skipped, {len(plan['findings'])} findings, {out.stat().st_size / 1e6:.1f} MB"
        )
        base = [b for b, _ in runs]
        tool = [t for _, t in runs]
        ratios = [t[0] / b[0] for b, t in runs]
        for name, figures in (
            ("baseline (bare psycopg read of the same rows)", base),
            ("llmgw-migrate keys", tool),
            ("llmgw-migrate keys --handover sheet.csv", sheets),
        ):
            times = [s for s, _ in figures]
            print(
                f"{name + ':':47s} median {statistics.median(times):.2f} s, best {min(times):.2f} s, peak {max(m for _, m in figures)} MB"
            )
        ratio = statistics.median(ratios)
        print(f"keys / baseline per run: {' '.join(f'{r:.2f}' for r in ratios)}")
        sheet_ratio = statistics.median(t[0] / b[0] for (b, _), t in zip(runs, sheets, strict=True))
        print(f"with the hand-over sheet too: {sheet_ratio:.2f}x median (not gated)")
        print(f"ratio keys / baseline: {ratio:.2f}x median (goal <= 2x); targets: < 10 s, < 300 MB")
        median_time = statistics.median(s for s, _ in tool)
        peak = max(m for _, m in [*tool, *sheets])
        ok = median_time < 10 and peak < 300 and ratio <= 2
        print("PASS" if ok else "FAIL")
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
