"""How well the rate limiter uses a server's budget, per kind of server-side limit.

For each scenario, concurrent requests go through the SDK's pipeline (one credential, the
process-wide limiter) to a local server that enforces a limit (see ``_limited_server.py``):

* ``leaky 5/s``: a strict millisecond leaky bucket, 60 concurrent GETs, limit configured;
* ``window 5/s``: fixed 1-second windows, 60 concurrent GETs, limit configured;
* ``leaky 5/s, 3 clients x 2 loops``: the same budget shared by three client objects on
  one event loop and one more on a second loop (thread);
* ``unknown 100/s``: fixed windows that advertise nothing; 500 concurrent requests through
  a client that knows no limit and must learn it from 429s (``Retry-After: 1``);
* ``convious sandbox 100/s``: the same through ``ConviousClient`` (token, validation,
  decoding) against the Convious sandbox's pricer with ``Sandbox(rate_limit=100)``;
* ``convictional sandbox 5/s, 3 clients``: 50 requests from three ``ConvictionalClient``
  objects sharing one key, against the Convictional sandbox's strict 5/s buckets.

Printed per scenario: wall time against the ideal (requests / rate), the budget used as a
share of the limit, 429s per 1,000 requests, and the p50/p99 wait in the limiter.

    python benchmarks/ratelimit.py            # the full run (about 50 s)
    python benchmarks/ratelimit.py --quick    # a smoke run with few requests
    python benchmarks/ratelimit.py --only unknown
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import statistics
import sys
import threading
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from yarl import URL

from convictional_async import ConvictionalClient
from convictional_async.core import (
    APIKeyAuth,
    Pipeline,
    RateLimit,
    RetryPolicy,
    Transport,
    shared_rate_limiter,
)
from convictional_async.sandbox import Sandbox as ConvictionalSandbox
from convious import ConviousClient
from convious.sandbox import Sandbox

_spec = importlib.util.spec_from_file_location(
    "benchmarks_limited_server", Path(__file__).with_name("_limited_server.py")
)
assert _spec is not None
assert _spec.loader is not None
limited = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = limited
_spec.loader.exec_module(limited)


@dataclass
class Scenario:
    name: str
    kind: str
    rate: float
    requests: int
    configured: bool
    clients: int = 1
    second_loop: bool = False
    sandbox: bool = False
    convictional: bool = False


@dataclass
class Result:
    scenario: Scenario
    wall: float
    ok: int
    throttled: int
    waits: list[float]

    @property
    def ideal(self) -> float:
        return self.scenario.requests / self.scenario.rate

    def row(self) -> str:
        waits = sorted(self.waits) or [0.0]
        p50 = statistics.median(waits)
        p99 = waits[min(len(waits) - 1, round(0.99 * (len(waits) - 1)))]
        budget = (self.scenario.requests / self.wall) / self.scenario.rate if self.wall else 0.0
        per_thousand = 1000 * self.throttled / self.scenario.requests
        return (
            f"{self.scenario.name:<34} {self.ok:>4}/{self.scenario.requests:<4} "
            f"{self.wall:>6.2f} s {self.wall / self.ideal:>5.2f}x  {budget:>6.1%}  "
            f"{per_thousand:>7.1f}  {p50:>7.3f} s {p99:>7.3f} s"
        )


async def _fire(url: str, key: str, count: int, limit: RateLimit | None, waits: list[float]) -> int:
    transport = Transport()
    limiter = limited.TimedLimiter(shared_rate_limiter(key, limit), waits)
    pipeline = Pipeline(transport, retry=RetryPolicy(), auth=APIKeyAuth(key), rate_limiter=limiter)
    try:
        results = await asyncio.gather(
            *(
                pipeline.send("GET", URL(url) / "items", headers={}, idempotent=True)
                for _ in range(count)
            ),
            return_exceptions=True,
        )
    finally:
        await transport.aclose()
    return sum(1 for r in results if not isinstance(r, BaseException))


async def run_sandbox(scenario: Scenario) -> Result:
    """Distinct lookups through ConviousClient against the rate-limited Convious sandbox."""
    waits: list[float] = []
    async with Sandbox(rate_limit=round(scenario.rate)) as sandbox:
        sandbox.add_product("adult", "Adult", max_accepted_price="18.00")
        async with ConviousClient(**sandbox.client_options()) as client:
            client.rate_limiter = limited.TimedLimiter(client.rate_limiter, waits)
            client._pipeline.rate_limiter = client.rate_limiter
            started = time.monotonic()
            results = await asyncio.gather(
                *(
                    client.pricing.get_prices(
                        cookie_id=f"c-{n}",
                        date_from=date(2030, 1, 1),
                        date_to=date(2030, 1, 1),
                        timezone="Europe/Amsterdam",
                        products=[("adult", 1)],
                    )
                    for n in range(scenario.requests)
                ),
                return_exceptions=True,
            )
            wall = time.monotonic() - started
        ok = sum(1 for r in results if not isinstance(r, BaseException))
        return Result(scenario, wall, ok, sandbox.state.stats()["rate_limited"], waits)


async def run_convictional(scenario: Scenario) -> Result:
    """Three ConvictionalClients on one key against the Convictional sandbox's strict limit."""
    waits: list[float] = []
    async with ConvictionalSandbox() as sandbox, contextlib.AsyncExitStack() as stack:
        shared = shared_rate_limiter(
            f"bench-convictional-{time.monotonic_ns()}", RateLimit(max_requests=5)
        )
        clients = [
            await stack.enter_async_context(
                ConvictionalClient(
                    sandbox.buyer_key,
                    base_url=sandbox.url,
                    rate_limit=None,
                    rate_limiter=limited.TimedLimiter(shared, waits),
                )
            )
            for _ in range(scenario.clients)
        ]
        before = len(sandbox.state.records)
        started = time.monotonic()
        results = await asyncio.gather(
            *(clients[n % len(clients)].shared.me() for n in range(scenario.requests)),
            return_exceptions=True,
        )
        wall = time.monotonic() - started
        throttled = sum(1 for r in list(sandbox.state.records)[before:] if r.status == 429)
    ok = sum(1 for r in results if not isinstance(r, BaseException))
    return Result(scenario, wall, ok, throttled, waits)


async def run(scenario: Scenario, run_id: int) -> Result:
    if scenario.sandbox:
        return await run_sandbox(scenario)
    if scenario.convictional:
        return await run_convictional(scenario)
    key = f"bench-{run_id}-{scenario.kind}-{time.monotonic_ns()}"
    limit = RateLimit(max_requests=scenario.rate) if scenario.configured else None
    waits: list[float] = []
    shares = [scenario.requests // (scenario.clients + scenario.second_loop)] * (
        scenario.clients + scenario.second_loop
    )
    shares[0] += scenario.requests - sum(shares)
    async with limited.limited_server(scenario.kind, scenario.rate) as server:
        started = time.monotonic()
        other: list[int] = []
        thread = None
        if scenario.second_loop:
            count = shares.pop()
            thread = threading.Thread(
                target=lambda: other.append(
                    asyncio.run(_fire(server.url, key, count, limit, waits))
                )
            )
            thread.start()
        ok = sum(await asyncio.gather(*(_fire(server.url, key, n, limit, waits) for n in shares)))
        if thread is not None:
            await asyncio.to_thread(thread.join)
            ok += other[0]
        wall = time.monotonic() - started
    return Result(scenario, wall, ok, server.throttled, waits)


def scenarios(quick: bool) -> list[Scenario]:
    scale = 0.2 if quick else 1.0
    small, large = max(6, round(60 * scale)), max(40, round(500 * scale))
    return [
        Scenario("leaky 5/s, 60 GETs", "leaky", 5, small, configured=True),
        Scenario("window 5/s, 60 GETs", "window", 5, small, configured=True),
        Scenario(
            "leaky 5/s, 3 clients x 2 loops", "leaky", 5, small, True, clients=3, second_loop=True
        ),
        Scenario("window 5/s, 3 clients x 2 loops", "window", 5, small, True, 3, True),
        Scenario("unknown 100/s, 500 requests", "unknown", 100, large, configured=False),
        Scenario("convious sandbox 100/s, 500 lookups", "unknown", 100, large, False, sandbox=True),
        Scenario(
            "convictional sandbox 5/s, 3 clients",
            "window",
            5,
            max(6, round(50 * scale)),
            True,
            clients=3,
            convictional=True,
        ),
    ]


async def main(argv: list[str] | None = None) -> list[Result]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run with few requests")
    parser.add_argument(
        "--only", metavar="TEXT", default="", help="run only scenarios whose name contains TEXT"
    )
    args = parser.parse_args(argv)
    print(
        f"{'scenario':<34} {'ok':>9} {'wall':>8} {'/ideal':>6}  {'budget':>6}  "
        f"{'429/1000':>7}  {'p50 wait':>9} {'p99 wait':>9}"
    )
    results = []
    chosen = [s for s in scenarios(args.quick) if args.only in s.name]
    if not chosen:
        parser.error(f"no scenario name contains {args.only!r}")
    for number, scenario in enumerate(chosen):
        result = await run(scenario, number)
        results.append(result)
        print(result.row(), flush=True)
    return results


if __name__ == "__main__":
    asyncio.run(main())
