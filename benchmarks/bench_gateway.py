"""Benchmark the embedded gateway against a real LiteLLM proxy, both in front of the same fake upstream.

One run, same load for every target: 1 and 16 concurrent clients sending the same chat completion.
Targets, measured in the same run:
- direct: the fake upstream itself (the baseline that "added latency" is measured against);
- gateway: `llmgw-migrate gateway` (aiohttp upstream client, the default);
- gateway-httpx: the same server with httpx as its upstream client (why aiohttp was kept);
- litellm: `litellm[proxy]==1.108.7` in its own virtualenv (llmgw_migrate.testing.litellm_proxy).

Each server runs in its own process; the load generator runs in another process (this script with
--loadgen) so it does not steal the server's core. Reported: added latency p50/p99 over direct (1 client),
requests/s (16 clients), peak resident memory of the server's process tree. Ratios against LiteLLM are
the figures that matter (targets: added p50 <= 1/10, throughput >= 10x, memory <= 1/4).

    .venv/bin/python benchmarks/bench_gateway.py [--duration 6] [--skip-litellm] [--json out.json]
    .venv/bin/python benchmarks/bench_gateway.py --soak [--requests 20000] [--litellm-requests N]

`--soak` runs the soak instead: mixed traffic with upstream faults and slowloris clients, for the
gateway and LiteLLM in the same run (benchmarks/soak_gateway.py says what is counted).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BODY = {
    "model": "gpt-4o",
    "messages": [
        {"role": "system", "content": "You are a helpful assistant."},
        {"role": "user", "content": "Summarise the plot of Hamlet in two sentences."},
    ],
    "max_tokens": 64,
}


# --------------------------------------------------------------------------------------------------
# Load generator (runs in its own process)
# --------------------------------------------------------------------------------------------------
async def _load(
    url: str, key: str | None, concurrency: int, duration: float, warmup: float
) -> dict[str, Any]:
    import aiohttp

    payload = json.dumps(BODY).encode()
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    latencies: list[float] = []
    errors = 0
    statuses: dict[int, int] = {}
    connector = aiohttp.TCPConnector(limit=concurrency, limit_per_host=concurrency)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def one(record: bool) -> None:
            nonlocal errors
            t0 = time.perf_counter()
            try:
                async with session.post(url, data=payload, headers=headers) as resp:
                    await resp.read()
                    status = resp.status
            except Exception:
                status = 0
            elapsed = time.perf_counter() - t0
            if record:
                statuses[status] = statuses.get(status, 0) + 1
                if status == 200:
                    latencies.append(elapsed)
                else:
                    errors += 1

        async def worker(until: float, record: bool) -> None:
            while time.perf_counter() < until:
                await one(record)

        warm_end = time.perf_counter() + warmup
        await asyncio.gather(*(worker(warm_end, False) for _ in range(concurrency)))
        start = time.perf_counter()
        end = start + duration
        await asyncio.gather(*(worker(end, True) for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
    latencies.sort()

    def pct(p: float) -> float:
        if not latencies:
            return float("nan")
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    return {
        "concurrency": concurrency,
        "requests": len(latencies),
        "errors": errors,
        "statuses": statuses,
        "rps": len(latencies) / elapsed if elapsed else 0.0,
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
        "mean_ms": statistics.fmean(latencies) * 1000 if latencies else float("nan"),
        "latencies_ms": [round(x * 1000, 4) for x in latencies],
    }


def loadgen_main(args: argparse.Namespace) -> None:
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    result = asyncio.run(_load(args.url, args.key, args.concurrency, args.duration, args.warmup))
    sys.stdout.write(json.dumps(result) + "\n")


def run_load(url: str, key: str | None, concurrency: int, duration: float, warmup: float) -> dict[str, Any]:
    cmd = [
        sys.executable, __file__, "--loadgen", "--url", url, "--concurrency", str(concurrency),
        "--duration", str(duration), "--warmup", str(warmup),
    ]  # fmt: skip
    env = dict(os.environ)
    if key:
        env["BENCH_KEY"] = key  # not on the command line, where `ps` would show it
    out = subprocess.run(
        cmd, capture_output=True, text=True, env=env, check=True, timeout=duration + warmup + 120
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------------------------------
# Memory sampling
# --------------------------------------------------------------------------------------------------
def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as fh:
                out.extend(int(c) for c in fh.read().split())
    except OSError:
        pass
    return out


def tree_rss_mb(pid: int) -> float:
    total = 0
    todo = [pid]
    seen: set[int] = set()
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            with open(f"/proc/{p}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            continue
        todo.extend(_children(p))
    return total / 1024


@dataclass
class RssSampler:
    pid: int
    peak_mb: float = 0.0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> RssSampler:
        def loop() -> None:
            while not self._stop.is_set():
                self.peak_mb = max(self.peak_mb, tree_rss_mb(self.pid))
                self._stop.wait(0.05)

        self._thread = threading.Thread(target=loop, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join()
        self.peak_mb = max(self.peak_mb, tree_rss_mb(self.pid))


# --------------------------------------------------------------------------------------------------
# Servers
# --------------------------------------------------------------------------------------------------
@contextmanager
def embedded_gateway(
    upstream_url: str, client: str, extra: list[str] | None = None
) -> Iterator[tuple[str, str, int]]:
    key = "llmgtwy_" + secrets.token_urlsafe(24)
    env = dict(os.environ)
    env.update(
        LLM_OPENAI_API_KEY="sk-bench-upstream",
        LLM_OPENAI_BASE_URL=upstream_url,
        LLM_GATEWAY_API_KEY=key,
    )
    exe = Path(sys.executable).parent / "llmgw-migrate"
    cmd = [str(exe), "gateway", "--port", "0", "--upstream-client", client, *(extra or [])]
    proc = subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE, text=True, start_new_session=True)
    assert proc.stderr is not None
    url = None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        match = re.search(r"listening on (http://\S+)", line)
        if match:
            url = match.group(1)
            break
    if url is None:
        proc.kill()
        raise RuntimeError("the embedded gateway did not start")
    threading.Thread(target=proc.stderr.read, daemon=True).start()  # keep the pipe drained
    try:
        yield url, key, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextmanager
def litellm_proxy(upstream_url: str) -> Iterator[tuple[str, str, int]]:
    from llmgw_migrate.testing.litellm_proxy import LiteLLMProxy, ensure_litellm_venv

    python = ensure_litellm_venv()
    with tempfile.TemporaryDirectory() as tmp:
        cfg = Path(tmp) / "litellm_config.yaml"
        cfg.write_text(
            "model_list:\n"
            "  - model_name: gpt-4o\n"
            "    litellm_params:\n"
            "      model: openai/gpt-4o\n"
            f"      api_base: {upstream_url}/v1\n"
            "      api_key: os.environ/BENCH_UPSTREAM_KEY\n"
            "litellm_settings:\n"
            "  drop_params: true\n"
            "  set_verbose: false\n"
            "general_settings:\n"
            "  disable_spend_logs: true\n",
            encoding="utf-8",
        )
        env = {"BENCH_UPSTREAM_KEY": "sk-bench-upstream", "LITELLM_LOG": "ERROR"}
        with LiteLLMProxy(cfg, python=python, env=env) as proxy:
            assert proxy._proc is not None
            yield proxy.url, proxy.master_key, proxy._proc.pid


# --------------------------------------------------------------------------------------------------
def _percentiles(latencies: list[float]) -> tuple[float, float]:
    ordered = sorted(latencies)
    if not ordered:
        return float("nan"), float("nan")
    return ordered[len(ordered) // 2], ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]


def measure_all(targets: dict[str, tuple[str, str | None, int]], args: argparse.Namespace) -> dict[str, Any]:
    """1-client latency in interleaved rounds (every target sees the same background load), then each
    target's throughput with `concurrency` clients; peak RSS sampled throughout."""
    samplers = {name: RssSampler(pid).__enter__() for name, (_, _, pid) in targets.items()}
    singles: dict[str, list[float]] = {name: [] for name in targets}
    errors: dict[str, int] = {name: 0 for name in targets}
    names = list(targets)
    try:
        for rnd in range(args.rounds):
            for name in names[rnd % len(names) :] + names[: rnd % len(names)]:
                url, key, _ = targets[name]
                out = run_load(url + "/v1/chat/completions", key, 1, args.duration / args.rounds, args.warmup)
                singles[name].extend(out.pop("latencies_ms"))
                errors[name] += out["errors"]
        results: dict[str, Any] = {}
        for name in names:
            url, key, _ = targets[name]
            multi = run_load(url + "/v1/chat/completions", key, args.concurrency, args.duration, args.warmup)
            multi.pop("latencies_ms")
            p50, p99 = _percentiles(singles[name])
            single = {"requests": len(singles[name]), "errors": errors[name], "p50_ms": p50, "p99_ms": p99}
            results[name] = {"name": name, "single": single, "multi": multi}
    finally:
        for sampler in samplers.values():
            sampler.__exit__(None, None, None)
    for name, r in results.items():
        r["peak_rss_mb"] = round(samplers[name].peak_mb, 1)
        single, multi = r["single"], r["multi"]
        sys.stderr.write(
            f"  {name:14s} 1 client p50 {single['p50_ms']:.2f} ms p99 {single['p99_ms']:.2f} ms | "
            f"{args.concurrency} clients {multi['rps']:.0f} req/s p50 {multi['p50_ms']:.2f} ms | "
            f"peak RSS {r['peak_rss_mb']:.0f} MB | errors {single['errors'] + multi['errors']}\n"
        )
    return results


def report(results: dict[str, dict[str, Any]], concurrency: int) -> dict[str, Any]:
    direct = results["direct"]
    rows = []
    summary: dict[str, Any] = {"targets": {}}
    for name, r in results.items():
        added50 = r["single"]["p50_ms"] - direct["single"]["p50_ms"]
        added99 = r["single"]["p99_ms"] - direct["single"]["p99_ms"]
        r["added_p50_ms"], r["added_p99_ms"] = round(added50, 3), round(added99, 3)
        base = name == "direct"
        rss = "-" if base else r["peak_rss_mb"]
        rows.append(
            f"| {name} | {0 if base else added50:.2f} | {0 if base else added99:.2f} | "
            f"{r['multi']['rps']:.0f} | {r['multi']['p50_ms']:.2f} | {rss} |"
        )
    print(
        f"| target | added p50 ms (1 client) | added p99 ms (1 client) | req/s ({concurrency} clients) "
        f"| p50 ms ({concurrency} clients) | peak RSS MB |"
    )
    print("|---|---|---|---|---|---|")
    print("\n".join(rows))
    gw = results.get("gateway")
    lite = results.get("litellm")
    httpx_gw = results.get("gateway-httpx")
    if gw and httpx_gw:
        ratio = gw["multi"]["rps"] / max(httpx_gw["multi"]["rps"], 1e-9)
        fast, slow = gw["multi"]["rps"], httpx_gw["multi"]["rps"]
        print(f"\nupstream client: aiohttp {fast:.0f} req/s vs httpx {slow:.0f} req/s ({ratio:.1f}x)")
        summary["aiohttp_over_httpx"] = round(ratio, 2)
    if gw and lite:
        lat = gw["added_p50_ms"] / lite["added_p50_ms"] if lite["added_p50_ms"] > 0 else float("inf")
        thr = gw["multi"]["rps"] / max(lite["multi"]["rps"], 1e-9)
        mem = gw["peak_rss_mb"] / max(lite["peak_rss_mb"], 1e-9)
        checks = {
            "added_p50_vs_litellm": (round(lat, 4), lat <= 0.1, "<= 0.10"),
            "throughput_vs_litellm": (round(thr, 2), thr >= 10, ">= 10"),
            "memory_vs_litellm": (round(mem, 3), mem <= 0.25, "<= 0.25"),
        }
        print("\nagainst LiteLLM (same run):")
        for name, (value, ok, target) in checks.items():
            print(f"  {name:24s} {value:>8} (target {target}) {'OK' if ok else 'MISSED'}")
            summary["targets"][name] = {"value": value, "target": target, "met": ok}
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--loadgen", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--duration", type=float, default=6.0, help="Measured seconds per run (default 6).")
    parser.add_argument("--warmup", type=float, default=1.0, help="Unmeasured seconds before each run.")
    parser.add_argument("--concurrency", type=int, default=16, help="Clients in the throughput run (16).")
    parser.add_argument("--rounds", type=int, default=3, help="Interleaved rounds of the 1-client runs (3).")
    parser.add_argument(
        "--skip-litellm", action="store_true", help="Leave LiteLLM out (no virtualenv needed)."
    )
    parser.add_argument("--skip-httpx", action="store_true", help="Leave the httpx variant out.")
    parser.add_argument("--json", type=Path, help="Also write the results here.")
    parser.add_argument(
        "--soak",
        action="store_true",
        help="Run the soak instead (benchmarks/soak_gateway.py; --requests ...).",
    )
    import soak_gateway

    soak_gateway.add_arguments(parser)
    args = parser.parse_args()
    if args.soak:
        soak_gateway.soak_main(args)
        return
    if args.loadgen:
        args.key = os.environ.get("BENCH_KEY")
        loadgen_main(args)
        return
    sys.path.insert(0, str(ROOT))
    from llmgw_migrate.testing.fake_upstream import FakeUpstream

    sys.stderr.write(f"bench_gateway: {os.cpu_count()} CPUs, {args.duration}s per measurement\n")
    with FakeUpstream(subprocess=True, record=False) as up, ExitStack() as stack:
        targets: dict[str, tuple[str, str | None, int]] = {"direct": (up.url, None, up.pid)}
        targets["gateway"] = stack.enter_context(embedded_gateway(up.url, "aiohttp"))
        if not args.skip_httpx:
            targets["gateway-httpx"] = stack.enter_context(embedded_gateway(up.url, "httpx"))
        if not args.skip_litellm:
            sys.stderr.write("  starting LiteLLM 1.108.7 (10-30 s)...\n")
            targets["litellm"] = stack.enter_context(litellm_proxy(up.url))
        results = measure_all(targets, args)
    summary = report(results, args.concurrency)
    if args.json:
        args.json.write_text(json.dumps({"results": results, "summary": summary}, indent=2) + "\n")


if __name__ == "__main__":
    main()
