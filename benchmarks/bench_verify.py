"""Benchmark `llmgw-migrate verify` against a bare httpx client doing the same traffic, same run.

Two fake upstreams (each in its own process, so they do not share this process's GIL) stand for the
before and after sides. A corpus of N requests (default 2,000: plain chats, streams, tool calls,
embeddings) is replayed at concurrency 16:
- baseline: a bare `httpx.AsyncClient`, 16 workers, each request POSTed to both sides and read fully;
- verify: `llmgw_migrate.verify.run.execute` (replay with retries/budget bookkeeping, the comparison
  ladder on every pair, the report model), also 16 cases in flight.
Both are repeated (alternating, after a warm-up) and the medians compared as a ratio (target <= 1.25x).
The client's CPU time (this process only; the upstreams run elsewhere) is compared too: on a shared,
busy machine wall time is noisy, while CPU time shows verify's own overhead steadily. The CLI's wall
time (process start included) is printed for reference.

    .venv/bin/python benchmarks/bench_verify.py [--requests 2000] [--concurrency 16] [--repeat 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from llmgw_migrate.testing.fake_upstream import FakeUpstream  # noqa: E402
from llmgw_migrate.verify.run import VerifyConfig, execute  # noqa: E402

TOOL = {
    "type": "function",
    "function": {
        "name": "lookup",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "unit": {"type": "string", "enum": ["c", "f"]}},
            "required": ["city", "unit"],
        },
    },
}


def make_corpus(n: int) -> list[dict[str, Any]]:
    """A realistic mix: 70% chat, 15% stream, 10% tool call, 5% embeddings; every prompt distinct."""
    out: list[dict[str, Any]] = []
    for i in range(n):
        msg = [{"role": "user", "content": f"Question {i}: why is the sky blue on day {i % 97}?"}]
        slot = i % 20
        if slot < 14:
            body: dict[str, Any] = {
                "model": "gpt-4o-mini",
                "messages": msg,
                "temperature": 0,
                "max_tokens": 64,
            }
            out.append({"endpoint": "/v1/chat/completions", "body": body})
        elif slot < 17:
            body = {"model": "gpt-4o", "messages": msg, "temperature": 0, "stream": True}
            out.append({"endpoint": "/v1/chat/completions", "body": body})
        elif slot < 19:
            body = {
                "model": "gpt-4o",
                "messages": msg,
                "temperature": 0,
                "tools": [TOOL],
                "tool_choice": "required",
            }
            out.append({"endpoint": "/v1/chat/completions", "body": body})
        else:
            out.append(
                {
                    "endpoint": "/v1/embeddings",
                    "body": {"model": "text-embedding-3-small", "input": [f"t{i}"]},
                }
            )
    return out


async def bare_httpx(corpus: list[dict[str, Any]], before: str, after: str, concurrency: int) -> float:
    """The floor: the same requests to both sides, bodies read fully, nothing compared."""
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    for entry in corpus:
        queue.put_nowait(entry)
    limits = httpx.Limits(max_connections=concurrency + 4, max_keepalive_connections=concurrency)
    started = time.perf_counter()
    async with (
        httpx.AsyncClient(limits=limits, timeout=60, trust_env=False) as cb,
        httpx.AsyncClient(limits=limits, timeout=60, trust_env=False) as ca,
    ):

        async def send(client: httpx.AsyncClient, base: str, entry: dict[str, Any]) -> None:
            payload = json.dumps(entry["body"]).encode()
            headers = {"Authorization": "Bearer k", "Content-Type": "application/json"}
            async with client.stream(
                "POST", base + entry["endpoint"], content=payload, headers=headers
            ) as resp:
                await resp.aread()

        async def worker() -> None:
            while True:
                try:
                    entry = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                await asyncio.gather(send(cb, before, entry), send(ca, after, entry))

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started


def run_verify(corpus_path: Path, before: str, after: str, concurrency: int) -> tuple[float, dict[str, Any]]:
    config = VerifyConfig(
        before=before,
        after=after,
        corpora=[corpus_path],
        before_key="k",
        after_key="k",
        concurrency=concurrency,
        progress=False,
    )
    started = time.perf_counter()
    report = execute(config)
    seconds = time.perf_counter() - started
    return seconds, report.summary.model_dump(by_alias=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args()

    corpus = make_corpus(args.requests)
    with tempfile.TemporaryDirectory() as tmp:
        corpus_path = Path(tmp) / "corpus.jsonl"
        corpus_path.write_text("".join(json.dumps(e) + "\n" for e in corpus), encoding="utf-8")
        with FakeUpstream(subprocess=True) as a, FakeUpstream(subprocess=True) as b:
            # Warm-up: connections, imports, the catalog.
            asyncio.run(bare_httpx(corpus[:200], a.url, b.url, args.concurrency))
            run_verify(_head(corpus_path, tmp, 200), a.url, b.url, args.concurrency)
            base_times: list[float] = []
            verify_times: list[float] = []
            base_cpu: list[float] = []
            verify_cpu: list[float] = []
            summary: dict[str, Any] = {}
            for _ in range(args.repeat):
                cpu = time.process_time()
                base_times.append(asyncio.run(bare_httpx(corpus, a.url, b.url, args.concurrency)))
                base_cpu.append(time.process_time() - cpu)
                cpu = time.process_time()
                seconds, summary = run_verify(corpus_path, a.url, b.url, args.concurrency)
                verify_cpu.append(time.process_time() - cpu)
                verify_times.append(seconds)
            cli_started = time.perf_counter()
            cli = subprocess.run(
                [sys.executable, "-m", "llmgw_migrate", "verify", "--before", a.url, "--after", b.url,
                 "--requests", str(corpus_path), "--concurrency", str(args.concurrency), "-f", "json"],
                capture_output=True, text=True, cwd=ROOT, env=dict(os.environ, NO_COLOR="1"),
            )  # fmt: skip
            cli_seconds = time.perf_counter() - cli_started

    base, ver = statistics.median(base_times), statistics.median(verify_times)
    ratio = ver / base
    bcpu, vcpu = statistics.median(base_cpu), statistics.median(verify_cpu)
    figures = {
        "requests": args.requests,
        "http_requests_per_run": 2 * args.requests,
        "concurrency": args.concurrency,
        "bare_httpx_s": round(base, 3),
        "verify_s": round(ver, 3),
        "ratio": round(ratio, 3),
        "target_ratio": 1.25,
        "bare_httpx_runs_s": [round(x, 3) for x in base_times],
        "verify_runs_s": [round(x, 3) for x in verify_times],
        "bare_httpx_cpu_s": round(bcpu, 3),
        "verify_cpu_s": round(vcpu, 3),
        "cpu_ratio": round(vcpu / bcpu, 3),
        "verify_cli_s": round(cli_seconds, 3),
        "verify_cli_exit": cli.returncode,
        "summary": {k: summary.get(k) for k in ("total", "pass", "differ", "error", "requests")},
    }
    calls = 2 * args.requests
    print(f"verify benchmark: {args.requests} requests (x2 sides = {calls} HTTP calls), c={args.concurrency}")
    print(f"  bare httpx, same traffic : {base:7.3f} s  (runs: {', '.join(f'{x:.3f}' for x in base_times)})")
    print(f"  verify (replay+compare)  : {ver:7.3f} s  (runs: {', '.join(f'{x:.3f}' for x in verify_times)})")
    print(
        f"  ratio verify / bare      : {ratio:7.3f}x  (target <= 1.25x) {'OK' if ratio <= 1.25 else 'OVER'}"
    )
    print(f"  client CPU, bare / verify: {bcpu:7.3f} s / {vcpu:.3f} s = {vcpu / bcpu:.3f}x")
    print(f"  CLI end to end           : {cli_seconds:7.3f} s  (process start and report included)")
    print(f"  verify summary           : {figures['summary']}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


def _head(path: Path, tmp: str, n: int) -> Path:
    out = Path(tmp) / "head.jsonl"
    out.write_text("".join(path.read_text(encoding="utf-8").splitlines(keepends=True)[:n]), encoding="utf-8")
    return out


if __name__ == "__main__":
    main()
