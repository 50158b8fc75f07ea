"""Scale-out: 1, 2, 4 and 8 processes on one credential sharing a 5/s budget through Redis.

Each scenario starts N worker processes (this file, ``--worker``) that send their share of
the requests at once through the SDK's pipeline, all with one API key, to a local server
enforcing 5 requests/s (``_limited_server.py``: a strict millisecond leaky bucket, or fixed
1-second windows). With ``redis`` every process paces through one ``RedisRateLimiter``
budget; the ``local`` row shows the same load with each process's own in-process limiter.

Printed per scenario: requests served, the budget used (the rate the server admitted,
first to last arrival, as a share of 5/s), 429s, the p50/p99 wait in the limiter, and
Redis round trips per request.

    python benchmarks/scaleout.py              # the full run (about 2 minutes)
    python benchmarks/scaleout.py --quick      # a smoke run with few requests
    python benchmarks/scaleout.py --requests 200 --processes 4   # issue 10's full size
    python benchmarks/scaleout.py --redis redis://127.0.0.1:6379/0   # a server of yours

Without ``--redis`` it starts a throwaway ``redis-server`` on a free loopback port.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import json
import shutil
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from redis.asyncio import Redis
from yarl import URL

from convictional_async.core import (
    APIKeyAuth,
    Pipeline,
    RateLimit,
    RateLimiter,
    RetryPolicy,
    Transport,
    shared_rate_limiter,
)
from convictional_async.redis import RedisRateLimiter

_spec = importlib.util.spec_from_file_location(
    "benchmarks_limited_server", Path(__file__).with_name("_limited_server.py")
)
assert _spec is not None
assert _spec.loader is not None
limited = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = limited
_spec.loader.exec_module(limited)

RATE = 5


async def worker(task: dict[str, Any]) -> dict[str, Any]:
    """One process: wait at the barrier, send ``count`` GETs, report waits and round trips."""
    redis = Redis.from_url(task["redis"])
    limit = RateLimit(max_requests=RATE, period=1.0)
    inner: RateLimiter
    if task["backend"] == "redis":
        inner = RedisRateLimiter(redis, limit=limit).for_credential(task["key"])
    else:
        inner = shared_rate_limiter(task["key"], limit)
    waits: list[float] = []
    transport = Transport()
    pipeline = Pipeline(
        transport,
        retry=RetryPolicy(),
        auth=APIKeyAuth("k"),
        rate_limiter=limited.TimedLimiter(inner, waits),
    )
    try:
        await redis.incr(f"{task['barrier']}:ready")
        await redis.blpop([f"{task['barrier']}:go"], timeout=60)
        results = await asyncio.gather(
            *(
                pipeline.send("GET", URL(task["url"]) / "items", headers={}, idempotent=True)
                for _ in range(task["count"])
            ),
            return_exceptions=True,
        )
    finally:
        await transport.aclose()
        await inner.aclose()
        await redis.aclose()
    return {
        "ok": sum(1 for r in results if not isinstance(r, BaseException)),
        "waits": waits,
        "round_trips": getattr(inner, "round_trips", 0),
    }


@dataclass
class Scenario:
    backend: str
    kind: str
    processes: int
    requests: int

    @property
    def name(self) -> str:
        return f"{self.backend} {self.kind} {RATE}/s, {self.processes} proc"


@dataclass
class Result:
    scenario: Scenario
    ok: int
    throttled: int
    budget: float
    waits: list[float]
    round_trips: int

    def row(self) -> str:
        waits = sorted(self.waits) or [0.0]
        p50 = statistics.median(waits)
        p99 = waits[min(len(waits) - 1, round(0.99 * (len(waits) - 1)))]
        trips = self.round_trips / self.scenario.requests
        return (
            f"{self.scenario.name:<28} {self.ok:>4}/{self.scenario.requests:<4} "
            f"{self.budget:>6.1%}  {self.throttled:>5}  {p50:>7.3f} s {p99:>7.3f} s  {trips:>6.2f}"
        )


def budget_used(arrivals: list[tuple[float, int]]) -> float:
    """The rate the server admitted, first to last admitted arrival, as a share of RATE."""
    admitted = [at for at, status in arrivals if status == 200]
    if len(admitted) < 2 or admitted[-1] == admitted[0]:
        return 0.0
    return (len(admitted) - 1) / (admitted[-1] - admitted[0]) / RATE


async def run(scenario: Scenario, redis_url: str) -> Result:
    barrier = f"scaleout-{uuid.uuid4().hex[:12]}"
    shares = [scenario.requests // scenario.processes] * scenario.processes
    shares[0] += scenario.requests - sum(shares)
    async with limited.limited_server(scenario.kind, RATE) as server:
        tasks = [
            {
                "backend": scenario.backend,
                "redis": redis_url,
                "key": barrier,
                "barrier": barrier,
                "url": server.url,
                "count": count,
            }
            for count in shares
        ]
        reports = await run_workers(redis_url, barrier, tasks)
        throttled = server.throttled
        budget = budget_used(server.arrivals)
    return Result(
        scenario,
        ok=sum(r["ok"] for r in reports),
        throttled=throttled,
        budget=budget,
        waits=[w for r in reports for w in r["waits"]],
        round_trips=sum(r["round_trips"] for r in reports),
    )


async def run_workers(redis_url: str, barrier: str, tasks: list[dict[str, Any]]) -> list[Any]:
    """Start one process per task, release them together, and collect their reports."""
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable, __file__, "--worker", json.dumps(task), stdout=subprocess.PIPE
        )
        for task in tasks
    ]
    redis = Redis.from_url(redis_url)
    try:
        async with asyncio.timeout(600):
            while int(await redis.get(f"{barrier}:ready") or 0) < len(tasks):
                if any(p.returncode is not None for p in processes):
                    raise RuntimeError("a worker process exited before the start")
                await asyncio.sleep(0.02)
            await redis.rpush(f"{barrier}:go", *range(len(tasks)))
            outputs = await asyncio.gather(*(p.communicate() for p in processes))
    finally:
        for process in processes:
            if process.returncode is None:
                process.kill()
                await process.wait()
        await redis.aclose()
    return [json.loads(stdout) for stdout, _ in outputs]


@contextlib.contextmanager
def redis_server() -> Iterator[str]:
    """A throwaway redis-server on a free loopback port (no persistence)."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server is not installed: apt-get install redis-server, or --redis")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    process = subprocess.Popen([*command, "--appendonly", "no"], stdout=subprocess.DEVNULL)
    try:
        for _ in range(500):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.1):
                break
            time.sleep(0.02)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(10)


def scenarios(
    quick: bool, requests: int = 40, processes: tuple[int, ...] = (1, 2, 4, 8)
) -> list[Scenario]:
    if quick:
        return [Scenario("redis", "leaky", n, 6) for n in (1, 2)]
    return [
        *(Scenario("redis", kind, n, requests) for kind in ("leaky", "window") for n in processes),
        Scenario("local", "leaky", 4, requests),
    ]


async def main(argv: list[str] | None = None) -> list[Result]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run with few requests")
    parser.add_argument("--redis", metavar="URL", help="use this Redis instead of starting one")
    parser.add_argument(
        "--requests", type=int, default=40, metavar="N", help="requests per scenario (default 40)"
    )
    parser.add_argument(
        "--processes",
        type=int,
        nargs="+",
        default=[1, 2, 4, 8],
        metavar="P",
        help="process counts to run (default: 1 2 4 8)",
    )
    args = parser.parse_args(argv)
    if args.requests < 1 or any(p < 1 for p in args.processes):
        parser.error("--requests and --processes must be at least 1")
    print(
        f"{'scenario':<28} {'ok':>9} {'budget':>6}  {'429s':>5}  {'p50 wait':>9} "
        f"{'p99 wait':>9}  {'trips/req':>9}"
    )
    results = []
    with contextlib.ExitStack() as stack:
        url = args.redis or stack.enter_context(redis_server())
        for scenario in scenarios(args.quick, args.requests, tuple(args.processes)):
            result = await run(scenario, url)
            results.append(result)
            print(result.row(), flush=True)
    return results


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--worker":
        print(json.dumps(asyncio.run(worker(json.loads(sys.argv[2])))))
    else:
        asyncio.run(main())
