"""Benchmark `llmgw-migrate keys`: 100,000 virtual keys over 1,000 teams in a real PostgreSQL.

The database is LiteLLM 1.108.7's own schema (its migrations, see llmgw_migrate/testing/postgres.py),
filled with COPY. Two figures, each the best of --repeat runs, both as a fresh process:
  baseline  a bare psycopg read of the same key and team rows (same columns, server-side cursor)
  keys      `llmgw-migrate keys --database-url ... -o keys.json --handover sheet.csv`
Targets: keys < 10 s, peak RSS < 300 MB, and keys / baseline <= 2.

    .venv/bin/python benchmarks/bench_keys.py [--keys 100000] [--teams 1000] [--repeat 3]
"""

# ruff: noqa: E501  (report lines read better unsplit)

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from llmgw_migrate.keys.db_reader import _KEY_COLUMNS, _TEAM_COLUMNS  # noqa: E402
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


def _run(cmd: list[str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (MB) of one fresh process."""
    import resource

    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    _, _, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = 0  # reaped by wait4
    _ = resource
    return elapsed, usage.ru_maxrss // 1024


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--keys", type=int, default=100_000)
    ap.add_argument("--teams", type=int, default=1_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    with EmbeddedPostgres() as pg, tempfile.TemporaryDirectory() as tmp:
        dsn = pg.create_litellm_database()
        t0 = time.perf_counter()
        seed(dsn, args.keys, args.teams)
        print(f"seeded {args.keys:,} keys over {args.teams:,} teams in {time.perf_counter() - t0:.1f} s")
        keys_sql = f'SELECT {", ".join(e for _, e, _ in _KEY_COLUMNS)} FROM "LiteLLM_VerificationToken" ORDER BY token'
        teams_sql = (
            f'SELECT {", ".join(e for _, e in _TEAM_COLUMNS)} FROM "LiteLLM_TeamTable" ORDER BY team_id'
        )
        baseline_cmd = [sys.executable, "-c", _BASELINE, dsn, keys_sql, teams_sql]
        out = Path(tmp) / "keys.json"
        keys_cmd = [sys.executable, "-m", "llmgw_migrate", "keys", "--database-url", dsn, "-o", str(out),
                    "--handover", str(Path(tmp) / "sheet.csv")]  # fmt: skip
        base = min(_run(baseline_cmd) for _ in range(args.repeat))
        tool = min(_run(keys_cmd) for _ in range(args.repeat))
        plan = json.loads(out.read_text())
        print(
            f"plan: {len(plan['projects']):,} projects, {len(plan['keys']):,} keys, {len(plan['skipped']):,} skipped, {len(plan['findings'])} findings, {out.stat().st_size / 1e6:.1f} MB"
        )
        print(f"baseline (bare psycopg read of the same rows): {base[0]:.2f} s, {base[1]} MB peak")
        print(f"llmgw-migrate keys:                            {tool[0]:.2f} s, {tool[1]} MB peak")
        ratio = tool[0] / base[0]
        print(f"ratio keys / baseline: {ratio:.2f}x (goal <= 2x); targets: < 10 s, < 300 MB")
        ok = tool[0] < 10 and tool[1] < 300 and ratio <= 2
        print("PASS" if ok else "FAIL")
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
