"""Soak: the embedded gateway (and LiteLLM, in the same run) under mixed traffic, upstream faults and
slowloris clients. Run through `benchmarks/bench_gateway.py --soak`.

Both servers front the same fake upstream through the same model names (`soak/<model>`, a custom
provider for the gateway, `openai/<model>` with an api_base for LiteLLM), so they see the same traffic:
- `--requests` (20,000) requests at `--soak-concurrency` (64): plain chat, streaming chat, tool calls and
  embeddings; `--fault-rate` of them (12%) name a faulty upstream model: 500, 429, timeout (the upstream
  hangs; both servers give up after 5 s), reset, malformed body, `{}` success, slow SSE, mid-stream reset,
  stream without terminator;
- `--slowloris` (500) connections beside them that send one header line every 5 s and reconnect when
  closed.

Printed per server: malformed answers (a success that is not a whole answer, an error outside the error
envelope, a cut stream without an error event, a reset: goal 0), hung requests (no answer in 60 s: goal
0), p99 of the requests that did not fail, and RSS of the server's process tree at the start and the end
(goal: end under 1.5x start).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
CLIENT_TIMEOUT = 60.0  # a request without an answer after this is "hung"
UPSTREAM_TIMEOUT = 5  # seconds both servers wait for the upstream

PLAIN = "model-ok"
EMBED = "text-embedding-3-small"
# upstream model -> what it does (fake_faults.py); streaming faults only make sense on streams.
FAULTS = ["fail-500", "fail-429", "fail-disconnect", "fail-malformed", "fail-empty-object", "fail-timeout"]
STREAM_FAULTS = ["fail-slow-sse", "fail-midstream", "fail-no-terminator"]
MODELS = [PLAIN, EMBED, *FAULTS, *STREAM_FAULTS]
TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}


# --------------------------------------------------------------------------------------------------
# Traffic (runs in the load generator's own process)
# --------------------------------------------------------------------------------------------------
def plan_requests(n: int, fault_rate: float, seed: int) -> list[tuple[str, dict[str, Any]]]:
    """(kind, body) for every request: the same list for every server."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        kind = rng.choices(["plain", "stream", "tools", "embeddings"], weights=[40, 30, 15, 15])[0]
        model = EMBED if kind == "embeddings" else PLAIN
        if rng.random() < fault_rate:
            pool = FAULTS if kind != "stream" else FAULTS + STREAM_FAULTS * 2
            # Timeouts hold a worker for 5 s: keep them a small share of the faults.
            model = rng.choice([m for m in pool if m != "fail-timeout"] * 10 + ["fail-timeout"])
        messages = [{"role": "user", "content": f"soak request {i}: say something"}]
        body: dict[str, Any] = {"model": "soak/" + model}
        if kind == "embeddings":
            body["input"] = [f"text {i}", "another"]
        else:
            body.update(messages=messages, max_tokens=32, temperature=0)
        if kind == "stream":
            body["stream"] = True
        if kind == "tools":
            body.update(tools=[TOOL], tool_choice="required")
        out.append((kind, body))
    return out


def _well_formed_error(data: Any) -> bool:
    err = data.get("error") if isinstance(data, dict) else None
    return isinstance(err, dict) and isinstance(err.get("message"), str)


def classify(kind: str, status: int, raw: bytes) -> str:
    """ "ok", "failed" (a proper error) or "malformed"."""
    if kind == "stream" and status == 200:
        events = []
        for block in raw.decode("utf-8", "replace").split("\n\n"):
            data = [line[5:].strip() for line in block.splitlines() if line.startswith("data:")]
            if data:
                events.append("\n".join(data))
        if not events:
            return "malformed"
        decoded = []
        for e in events:
            if e == "[DONE]":
                decoded.append("[DONE]")
                continue
            try:
                decoded.append(json.loads(e))
            except ValueError:
                return "malformed"
        if any(_well_formed_error(d) for d in decoded):
            return "failed"
        if decoded[-1] != "[DONE]":
            return "malformed"  # cut short, and nothing said so
        chunks = [d for d in decoded if isinstance(d, dict)]
        ok = bool(chunks) and all(isinstance(c.get("choices"), list) for c in chunks)
        return "ok" if ok else "malformed"
    try:
        data = json.loads(raw)
    except ValueError:
        return "malformed"
    if status >= 400:
        return "failed" if _well_formed_error(data) else "malformed"
    if status != 200 or not isinstance(data, dict):
        return "malformed"
    if kind == "embeddings":
        items = data.get("data")
        good = isinstance(items, list) and bool(items) and all("embedding" in x for x in items)
    else:
        choices = data.get("choices")
        good = (
            isinstance(data.get("id"), str)
            and isinstance(choices, list)
            and bool(choices)
            and all(isinstance(c, dict) and isinstance(c.get("message"), dict) for c in choices)
        )
    return "ok" if good else "malformed"


async def _slowloris(host: str, port: int, stop: asyncio.Event, counts: dict[str, int]) -> None:
    """One connection that never finishes its headers; reconnects whenever the server closes it."""
    while not stop.is_set():
        try:
            reader, writer = await asyncio.open_connection(host, port)
        except OSError:
            counts["refused"] += 1
            await asyncio.sleep(1)
            continue
        counts["opened"] += 1
        try:
            writer.write(b"POST /v1/chat/completions HTTP/1.1\r\nHost: soak\r\n")
            n = 0
            while not stop.is_set():
                await writer.drain()
                try:
                    # Wait 5 s for the server to close it (or answer); else one more header line.
                    await asyncio.wait_for(reader.read(4096), 5)
                    counts["closed_by_server"] += 1
                    break
                except asyncio.TimeoutError:
                    n += 1
                    writer.write(b"X-Slow-%d: 1\r\n" % n)
        except OSError:
            counts["closed_by_server"] += 1
        finally:
            writer.close()


async def _drive(args: argparse.Namespace) -> dict[str, Any]:
    import aiohttp

    requests = plan_requests(args.requests, args.fault_rate, args.seed)
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {args.key}"}
    parts = urlsplit(args.url)
    assert parts.hostname and parts.port
    stop = asyncio.Event()
    loris_counts = {"opened": 0, "closed_by_server": 0, "refused": 0}
    loris = [
        asyncio.ensure_future(_slowloris(parts.hostname, parts.port, stop, loris_counts))
        for _ in range(args.slowloris)
    ]
    await asyncio.sleep(2 if args.slowloris else 0)  # let them settle in before the traffic
    outcome: dict[str, int] = {"ok": 0, "failed": 0, "malformed": 0, "hung": 0}
    by_kind: dict[str, dict[str, int]] = {}
    statuses: dict[str, int] = {}
    latencies: list[float] = []
    clean: list[float] = []  # the ok requests that named no faulty model (slow SSE is "ok" but slow)
    samples: list[str] = []
    queue = iter(requests)
    connector = aiohttp.TCPConnector(limit=args.concurrency, force_close=False)
    timeout = aiohttp.ClientTimeout(total=CLIENT_TIMEOUT)
    started = time.perf_counter()
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def worker() -> None:
            for kind, body in queue:
                t0 = time.perf_counter()
                status = 0
                try:
                    async with session.post(
                        args.url + "/v1/" + ("embeddings" if kind == "embeddings" else "chat/completions"),
                        data=json.dumps(body),
                        headers=headers,
                    ) as resp:
                        status = resp.status
                        raw = await resp.read()
                    result = classify(kind, status, raw)
                except asyncio.TimeoutError:
                    result, raw = "hung", b""
                except aiohttp.ClientError as exc:
                    result, raw = "malformed", repr(exc).encode()
                elapsed = time.perf_counter() - t0
                outcome[result] += 1
                key = f"{kind}:{body['model']}"
                by_kind.setdefault(key, {}).setdefault(result, 0)
                by_kind[key][result] += 1
                statuses[str(status)] = statuses.get(str(status), 0) + 1
                if result == "ok":
                    latencies.append(elapsed)
                    if "fail-" not in body["model"]:
                        clean.append(elapsed)
                elif result in ("malformed", "hung") and len(samples) < 10:
                    samples.append(f"{key} -> {status} {raw[:200]!r}")

        await asyncio.gather(*(worker() for _ in range(args.concurrency)))
    seconds = time.perf_counter() - started
    stop.set()
    for task in loris:
        task.cancel()
    await asyncio.gather(*loris, return_exceptions=True)

    def pct(values: list[float], p: float) -> float | None:
        values = sorted(values)
        return values[min(len(values) - 1, int(p * len(values)))] * 1000 if values else None

    return {
        "requests": len(requests),
        "seconds": round(seconds, 1),
        "outcome": outcome,
        "statuses": statuses,
        "p50_ms": pct(latencies, 0.5),
        "p99_ms": pct(latencies, 0.99),
        "p99_no_fault_ms": pct(clean, 0.99),
        "slowloris": loris_counts,
        "samples": samples,
        "by_kind": by_kind,
    }


def loadgen_main(args: argparse.Namespace) -> None:
    import resource

    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    sys.stdout.write(json.dumps(asyncio.run(_drive(args))) + "\n")


# --------------------------------------------------------------------------------------------------
# Servers (the driver process)
# --------------------------------------------------------------------------------------------------
@contextmanager
def soak_gateway(upstream: str) -> Iterator[tuple[str, str, int]]:
    from bench_gateway import embedded_gateway

    from llmgw_migrate.config.plan import ModelMapping, Plan, ProviderKey
    from llmgw_migrate.findings import Status

    models = [
        ModelMapping(
            name="soak/" + m,
            gateway_model="soak/" + m,
            provider="soak",
            litellm_model="openai/" + m,
            status=Status.exact,
            custom=True,
            mode="embedding" if m == EMBED else "chat",
        )
        for m in MODELS
    ]
    key = ProviderKey(provider="custom", name="soak", base_url=upstream + "/v1")
    plan = Plan(source="soak", models=models, provider_keys=[key])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "plan.json"
        path.write_text(plan.model_dump_json(), encoding="utf-8")
        extra = ["--plan", str(path), "--timeout", str(UPSTREAM_TIMEOUT), "--max-retries", "0"]
        with embedded_gateway(upstream, "aiohttp", extra) as target:
            yield target


@contextmanager
def soak_litellm(upstream: str) -> Iterator[tuple[str, str, int]]:
    from llmgw_migrate.testing.litellm_proxy import LiteLLMProxy, ensure_litellm_venv

    python = ensure_litellm_venv()
    entries = []
    for m in MODELS:
        entries.append(
            f"  - model_name: soak/{m}\n"
            "    litellm_params:\n"
            f"      model: openai/{m}\n"
            f"      api_base: {upstream}/v1\n"
            "      api_key: os.environ/BENCH_UPSTREAM_KEY\n"
            f"      timeout: {UPSTREAM_TIMEOUT}\n"
            f"      stream_timeout: {UPSTREAM_TIMEOUT}\n"
            "      num_retries: 0\n" + ("    model_info:\n      mode: embedding\n" if m == EMBED else "")
        )
    config = (
        "model_list:\n"
        + "".join(entries)
        + "litellm_settings:\n  drop_params: true\n  num_retries: 0\n  request_timeout: "
        + f"{UPSTREAM_TIMEOUT}\n"
        + "router_settings:\n  num_retries: 0\n"
        + "general_settings:\n  disable_spend_logs: true\n"
    )
    with tempfile.TemporaryDirectory() as tmp:
        cfg = Path(tmp) / "litellm_config.yaml"
        cfg.write_text(config, encoding="utf-8")
        env = {"BENCH_UPSTREAM_KEY": "sk-bench-upstream", "LITELLM_LOG": "ERROR"}
        with LiteLLMProxy(cfg, python=python, env=env) as proxy:
            assert proxy._proc is not None
            yield proxy.url, proxy.master_key, proxy._proc.pid


def _load(url: str, key: str | None, args: argparse.Namespace, requests: int) -> dict[str, Any]:
    cmd = [
        sys.executable, __file__, "--soak-loadgen", "--url", url, "--requests", str(requests),
        "--soak-concurrency", str(args.soak_concurrency), "--slowloris", str(args.slowloris),
        "--fault-rate", str(args.fault_rate), "--seed", str(args.seed),
    ]  # fmt: skip
    env = dict(os.environ, BENCH_KEY=key or "")  # not on the command line, where `ps` would show it
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=3600)
    if out.returncode != 0:
        raise RuntimeError(f"soak load generator failed: {out.stderr[-2000:]}")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def run_target(
    name: str, target: tuple[str, str, int], args: argparse.Namespace, requests: int
) -> dict[str, Any]:
    from bench_gateway import tree_rss_mb

    url, key, pid = target
    # Warm-up (not counted): every route and fault once, so start RSS is the steady state's.
    warm = argparse.Namespace(**{**vars(args), "slowloris": 0, "fault_rate": 0.5})
    _load(url, key, warm, 400)
    start = tree_rss_mb(pid)
    result = _load(url, key, args, requests)
    result["rss_start_mb"] = round(start, 1)
    result["rss_end_mb"] = round(tree_rss_mb(pid), 1)
    result["name"] = name
    return result


def print_result(r: dict[str, Any]) -> None:
    o = r["outcome"]
    p99 = "-" if r["p99_ms"] is None else f"{r['p99_ms']:.0f} ms"
    if r.get("p99_no_fault_ms") is not None:
        p99 += f" ({r['p99_no_fault_ms']:.0f} ms without faults)"
    growth = r["rss_end_mb"] / max(r["rss_start_mb"], 1e-9)
    print(
        f"| {r['name']} | {r['requests']} | {r['seconds']} s | {o['ok']} | {o['failed']} | "
        f"{o['malformed']} | {o['hung']} | {p99} | "
        f"{r['rss_start_mb']:.0f} -> {r['rss_end_mb']:.0f} MB ({growth:.2f}x) | "
        f"{r['slowloris']['opened']} / {r['slowloris']['closed_by_server']} |"
    )


def soak_main(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(Path(__file__).parent))
    from llmgw_migrate.testing.fake_upstream import FakeUpstream

    sys.stderr.write(
        f"soak: {args.requests} requests at concurrency {args.soak_concurrency}, {args.slowloris} slowloris "
        f"connections, {args.fault_rate:.0%} upstream faults; {os.cpu_count()} CPUs\n"
    )
    results = []
    with FakeUpstream(subprocess=True, record=False, bomb_bytes=1 << 20) as up:
        with soak_gateway(up.url) as target:
            results.append(run_target("gateway", target, args, args.requests))
        if not args.skip_litellm:
            sys.stderr.write("  starting LiteLLM 1.108.7 (10-30 s)...\n")
            with soak_litellm(up.url) as target:
                results.append(run_target("litellm", target, args, args.litellm_requests or args.requests))
    print(
        "| server | requests | time | ok | failed (proper errors) | malformed | hung | p99 of non-failed "
        "| RSS start -> end | slowloris opened / closed by server |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        print_result(r)
    for r in results:
        if r["samples"]:
            print(f"\n{r['name']}: first malformed or hung answers:")
            for line in r["samples"]:
                print("  " + line)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--requests", type=int, default=20_000, help="Soak: requests per server (20,000).")
    parser.add_argument(
        "--litellm-requests", type=int, help="Soak: requests for LiteLLM, when fewer than --requests."
    )
    parser.add_argument("--soak-concurrency", type=int, default=64, help="Soak: requests in flight (64).")
    parser.add_argument("--slowloris", type=int, default=500, help="Soak: slowloris connections (500).")
    parser.add_argument("--fault-rate", type=float, default=0.12, help="Soak: share of faulty requests.")
    parser.add_argument("--seed", type=int, default=13, help="Soak: traffic seed.")


if __name__ == "__main__":  # the load generator, started by _load
    p = argparse.ArgumentParser()
    p.add_argument("--soak-loadgen", action="store_true")
    p.add_argument("--url", required=True)
    add_arguments(p)
    ns = p.parse_args()
    ns.key = os.environ.get("BENCH_KEY")
    ns.concurrency = ns.soak_concurrency
    loadgen_main(ns)
