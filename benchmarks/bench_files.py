"""Benchmark `llmgw-migrate code --diff` over a mixed tree of non-Python files, against `grep -rl`.

Generates a tree of 10,000 files by default (`--files N`): TypeScript/JavaScript, .env, docker-compose
and Kubernetes YAML, JSON configs, TOML, Dockerfiles, shell scripts, Makefiles, notebooks and
requirements files in realistic proportions. 1% of them use the LiteLLM proxy (`--ratio`); half as many
again are decoys that mention :4000/:8000 in an unrelated way (an ordinary web backend), so the
prefilter lets them through and the rules must reject them. Then times, in the same run and on the same
(warm) tree:

  grep     grep -rl with the tokens `code` prefilters on (the floor: read + substring search)
  code     llmgw-migrate code --diff TREE (the real CLI, as a subprocess, startup included)
  imports  python -c "import typer, libcst, ruamel.yaml, tomlkit, tree_sitter..." (start-up floor)

and prints the ratio (target: code within 5x of grep). Each timing is the median of `--repeat` runs.
The run fails if `code` does not change exactly the proxy files.

    .venv/bin/python benchmarks/bench_files.py --files 10000
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TOKENS = [":4000", ":8000", "litellm", "LITELLM", "LiteLLM", "Litellm", "berriai", "baseURL", "x-litellm"]

# (file name, plain template, proxy template, decoy template, weight)
TS_PLAIN = """import {{ useEffect, useState }} from "react";

export interface Item{i} {{
  id: string;
  name: string;
  size: number;
}}

export function useItems{i}(url: string) {{
  const [items, setItems] = useState<Item{i}[]>([]);
  useEffect(() => {{
    fetch(url).then((r) => r.json()).then(setItems);
  }}, [url]);
  return items.filter((x) => x.size > {n}).sort((a, b) => a.name.localeCompare(b.name));
}}
"""
TS_PROXY = """import OpenAI from "openai";

const client = new OpenAI({{
  baseURL: process.env.LITELLM_BASE_URL ?? "http://localhost:4000",
  apiKey: process.env.LITELLM_API_KEY,
}});

export async function ask{i}(q: string) {{
  const messages = [{{ role: "user", content: q }}];
  const r = await client.chat.completions.create({{ model: "smart", messages }});
  return r.choices[0].message.content;
}}
"""
TS_DECOY = """import axios from "axios";

export const api{i} = axios.create({{ baseURL: "http://localhost:4000/api" }});
"""
ENV_PLAIN = "# service {i}\nPORT=30{n}\nLOG_LEVEL=info\nDATABASE_URL=postgres://db:5432/app{i}\n"
ENV_PROXY = "# service {i}\nLITELLM_BASE_URL=http://litellm:4000\nLITELLM_API_KEY=\n"
ENV_DECOY = "# service {i}\nAPI_URL=http://localhost:8000\n"
YAML_PLAIN = """services:
  web{i}:
    image: nginx:1.27
    ports: ["80{n}:80"]
    environment:
      LOG_LEVEL: info
      WORKERS: "{n}"
"""
YAML_PROXY = """services:
  api{i}:
    image: acme/api:1.{n}
    environment:
      LITELLM_BASE_URL: http://litellm:4000
      LITELLM_API_KEY: ${{LITELLM_API_KEY}}
"""
YAML_DECOY = """services:
  api{i}:
    image: acme/api:1.{n}
    ports: ["4000:4000"]
    environment:
      BACKEND_URL: http://localhost:8000
"""
JSON_PLAIN = (
    '{{\n  "name": "pkg-{i}",\n  "version": "1.{n}.0",\n'
    '  "scripts": {{"build": "tsc", "test": "vitest"}}\n}}\n'
)
JSON_PROXY = (
    '{{\n  "name": "pkg-{i}",\n  "scripts": {{"dev": "LITELLM_BASE_URL=http://localhost:4000 vite"}}\n}}\n'
)
JSON_DECOY = '{{\n  "name": "pkg-{i}",\n  "proxy": "http://localhost:4000"\n}}\n'
TOML_PLAIN = '[project]\nname = "svc-{i}"\nversion = "0.{n}.0"\ndependencies = ["httpx", "pydantic"]\n'
TOML_PROXY = '[env]\nLITELLM_BASE_URL = "http://litellm:4000"\nPORT = "8080"\n'
TOML_DECOY = '[tool.dev]\nserver = "http://localhost:8000"\n'
DOCKER_PLAIN = (
    "FROM python:3.12-slim\nWORKDIR /app{i}\nCOPY . .\nRUN pip install -r requirements.txt\n"
    'CMD ["python", "-m", "app"]\n'
)
DOCKER_PROXY = (
    'FROM python:3.12-slim\nENV LITELLM_BASE_URL=http://litellm:4000\nCMD ["python", "-m", "app"]\n'
)
DOCKER_DECOY = "FROM node:22\nEXPOSE 4000\nENV PORT=4000\n"
SH_PLAIN = '#!/bin/sh\nset -eu\nfor f in data/*.csv; do\n  wc -l "$f"\ndone\necho done {i}\n'
SH_PROXY = (
    "#!/bin/sh\ncurl -s http://localhost:4000/v1/chat/completions "
    '-H "Authorization: Bearer $LITELLM_API_KEY" '
    '-d \'{{"model": "smart", "messages": []}}\'\n'
)
SH_DECOY = "#!/bin/sh\ncurl -s http://localhost:8000/health\n"
NB_PLAIN = (
    json.dumps(
        {
            "cells": [
                {
                    "cell_type": "code",
                    "execution_count": 1,
                    "metadata": {},
                    "outputs": [],
                    "source": ["import pandas as pd\n", "df = pd.read_csv('data{i}.csv')\n", "df.describe()"],
                }
            ],
            "metadata": {},
            "nbformat": 4,
            "nbformat_minor": 5,
        },
        indent=1,
    )
    .replace("{", "{{")
    .replace("}", "}}")
    .replace("{{i}}", "{i}")
)
NB_PROXY = (
    json.dumps(
        {
            "cells": [
                {
                    "cell_type": "code",
                    "execution_count": 1,
                    "metadata": {},
                    "outputs": [],
                    "source": [
                        "from openai import OpenAI\n",
                        "client = OpenAI(base_url='http://localhost:4000', api_key='k')\n",
                    ],
                }
            ],
            "metadata": {},
            "nbformat": 4,
            "nbformat_minor": 5,
        },
        indent=1,
    )
    .replace("{", "{{")
    .replace("}", "}}")
)
NB_DECOY = (
    json.dumps(
        {
            "cells": [
                {
                    "cell_type": "code",
                    "execution_count": 1,
                    "metadata": {},
                    "outputs": [],
                    "source": ["import requests\n", "requests.get('http://localhost:8000/items')\n"],
                }
            ],
            "metadata": {},
            "nbformat": 4,
            "nbformat_minor": 5,
        },
        indent=1,
    )
    .replace("{", "{{")
    .replace("}", "}}")
)

KINDS = [
    ("src/component{i}.tsx", TS_PLAIN, TS_PROXY, TS_DECOY, 30),
    (
        "lib/util{i}.js",
        TS_PLAIN.replace("<Item{i}[]>", "").replace(": string", ""),
        TS_PROXY.replace(": string", ""),
        TS_DECOY,
        15,
    ),
    (".env.{i}", ENV_PLAIN, ENV_PROXY, ENV_DECOY, 8),
    ("deploy/compose{i}.yml", YAML_PLAIN, YAML_PROXY, YAML_DECOY, 12),
    ("pkg/package{i}.json", JSON_PLAIN, JSON_PROXY, JSON_DECOY, 10),
    ("py/pyproject{i}.toml", TOML_PLAIN, TOML_PROXY, TOML_DECOY, 6),
    ("docker/Dockerfile.{i}", DOCKER_PLAIN, DOCKER_PROXY, DOCKER_DECOY, 5),
    ("bin/run{i}.sh", SH_PLAIN, SH_PROXY, SH_DECOY, 8),
    ("nb/explore{i}.ipynb", NB_PLAIN, NB_PROXY, NB_DECOY, 3),
    ("req/requirements-{i}.txt", "httpx==0.27.{n}\npydantic>=2\n", "httpx\n", "fastapi\n", 3),
]


def generate(root: Path, n: int, ratio: float, seed: int = 11) -> tuple[int, int, dict[str, int]]:
    rng = random.Random(seed)
    weights = [k[4] for k in KINDS]
    n_proxy = max(1, round(n * ratio))
    n_decoy = max(1, n_proxy // 2)
    roles = ["proxy"] * n_proxy + ["decoy"] * n_decoy + ["plain"] * (n - n_proxy - n_decoy)
    rng.shuffle(roles)
    proxy_changes = 0
    per_kind: dict[str, int] = {}
    for i, role in enumerate(roles):
        name, plain, proxy, decoy, _w = rng.choices(KINDS, weights=weights)[0]
        if role == "proxy" and name.startswith("req/"):
            name, plain, proxy, decoy, _w = KINDS[0]  # requirements files have nothing to rewrite
        # a monorepo: teams of services, each service folder holding a few dozen files of mixed types
        folder = root / f"team{i // 1000:02d}" / f"service{i // 40:04d}"
        path = folder / name.format(i=i)
        path.parent.mkdir(parents=True, exist_ok=True)
        template = {"proxy": proxy, "decoy": decoy, "plain": plain}[role]
        path.write_text(template.format(i=i, n=rng.randint(10, 99)))
        if role == "proxy":
            proxy_changes += 1
        kind = name.split("/")[-1].replace("{i}", "N")
        per_kind[kind] = per_kind.get(kind, 0) + 1
    return proxy_changes, n_decoy, per_kind


def timed(
    cmd: list[str], cwd: Path, env: dict[str, str] | None = None
) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env)
    return time.perf_counter() - start, proc


# The libraries `code` parses this tree's file types with (libcst for the notebooks).
FLOOR_IMPORTS = (
    "import typer, libcst, ruamel.yaml, tomlkit, tree_sitter, tree_sitter_javascript, tree_sitter_typescript"
)


def median_time(
    cmd: list[str], cwd: Path, repeat: int, env: dict[str, str] | None = None
) -> tuple[float, str]:
    times, out = [], ""
    for _ in range(repeat):
        t, proc = timed(cmd, cwd, env)
        if proc.returncode not in (0, 1):
            raise SystemExit(f"command failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr[-2000:]}")
        times.append(t)
        out = proc.stdout
    return statistics.median(times), out


def breakdown(tree: Path) -> dict[str, object]:
    """In-process, one worker: where `code`'s time goes (walk + read + prefilter vs each handler)."""
    from llmgw_migrate.codemods import engine
    from llmgw_migrate.codemods.base import RewriteContext
    from llmgw_migrate.codemods.handlers import all_handlers

    spent: dict[str, list[float]] = {}

    def timed(name: str, fn):  # type: ignore[no-untyped-def]
        def wrapper(*a, **kw):  # type: ignore[no-untyped-def]
            t0 = time.perf_counter()
            try:
                return fn(*a, **kw)
            finally:
                spent.setdefault(name, []).append(time.perf_counter() - t0)

        return wrapper

    for h in all_handlers():
        h.rewrite = timed(h.name, h.rewrite)  # type: ignore[method-assign]
    t0 = time.perf_counter()
    run = engine.run_code([tree], RewriteContext(), jobs=1)
    total = time.perf_counter() - t0
    handlers = {k: {"files": len(v), "s": round(sum(v), 3)} for k, v in sorted(spent.items())}
    in_handlers = sum(sum(v) for v in spent.values())
    return {
        "engine_s": round(total, 3),
        "walk_read_prefilter_s": round(total - in_handlers, 3),
        "handlers": handlers,
        "candidates": run.stats.candidates,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=10_000, help="files in the generated tree")
    ap.add_argument("--ratio", type=float, default=0.01, help="share of files that use the proxy")
    ap.add_argument("--repeat", type=int, default=3, help="runs per timing (median)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="worker processes for code")
    ap.add_argument("--keep", type=Path, default=None, help="generate the tree here and keep it")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    ap.add_argument("--breakdown", action="store_true", help="also time each handler in-process (one worker)")
    args = ap.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="llmgw-bench-files-")) if args.keep is None else args.keep
    try:
        tree = tmp / "tree"
        if tree.exists():
            shutil.rmtree(tree)
        n_proxy, n_decoy, per_kind = generate(tree, args.files, args.ratio)
        env = {**os.environ, "NO_COLOR": "1", "PYTHONDONTWRITEBYTECODE": "1"}
        grep_cmd = ["grep", "-rl", *[x for t in TOKENS for x in ("-e", t)], "tree"]
        timed(grep_cmd, tmp)  # warm the page cache for everyone
        grep_s, grep_out = median_time(grep_cmd, tmp, args.repeat)
        code_cmd = [sys.executable, "-m", "llmgw_migrate", "code", "tree", "--diff", "-j", str(args.jobs)]
        code_s, code_out = median_time(code_cmd, tmp, args.repeat, env)
        import_s, _ = median_time([sys.executable, "-c", FLOOR_IMPORTS], tmp, args.repeat, env)
        changed = sum(1 for line in code_out.splitlines() if line.startswith("+++ b/"))
        figures: dict[str, object] = {
            "files": args.files,
            "file_types": per_kind,
            "proxy_files": n_proxy,
            "decoy_files": n_decoy,
            "grep_candidates": len(grep_out.splitlines()),
            "code_changed_files": changed,
            "grep_s": round(grep_s, 3),
            "code_s": round(code_s, 3),
            "code_vs_grep": round(code_s / grep_s, 2),
            "target_code_vs_grep": 5.0,
            "import_s": round(import_s, 3),
            "import_vs_grep": round(import_s / grep_s, 2),
        }
        if changed != n_proxy:
            raise SystemExit(f"code changed {changed} files, expected {n_proxy}")
        if args.breakdown:
            figures["breakdown"] = breakdown(tree)
        if args.json:
            print(json.dumps(figures, indent=2))
        else:
            print(f"tree: {args.files} files ({n_proxy} use the proxy, {n_decoy} decoys); types: {per_kind}")
            print(f"grep -rl        {grep_s:8.3f} s  ({figures['grep_candidates']} files match a token)")
            print(f"code --diff     {code_s:8.3f} s  ({changed} files changed)")
            print(f"code / grep     {figures['code_vs_grep']:8.2f} x  (target: within 5x)")
            print(
                f"imports alone   {import_s:8.3f} s  ({figures['import_vs_grep']}x grep: python, typer and "
                "this tree's parsers, the start-up any tool built on them pays)"
            )
            if "breakdown" in figures:
                print(f"in-process breakdown (1 worker): {json.dumps(figures['breakdown'])}")
        return 0
    finally:
        if args.keep is None:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
