"""Pricing benchmark: client CPU per price lookup, the SDK against plain aiohttp and httpx.

Run it with ``python benchmarks/pricing.py`` (``--help`` for the options).

What is measured: N ``POST /api/price/rtp`` lookups, at most C in flight (an
``asyncio.Semaphore(C)`` around each lookup, all N started at once and awaited with
``asyncio.gather``),
made by three clients against the same local responder:

* ``aiohttp``: one default ``aiohttp.ClientSession``, ``session.post(url, json=...)``,
  ``raise_for_status()``, ``await resp.json()``, written the way a user would;
* ``httpx``: one default ``httpx.AsyncClient``, ``client.post(url, json=...)``,
  ``raise_for_status()``, ``resp.json()``;
* ``sdk``: ``ConviousClient.pricing.get_prices(...)`` as configured by default, returning
  typed models, with auth, validation, retries and the rate limiter in the path
  (Convious documents no rate limit, so by default the limiter paces nothing: it counts
  successes for its rate learning and reads every response's rate-limit headers);
* ``sdk-paced``: the same with client-side pacing on (``RateLimit(max_requests=10**6)``:
  the pacing slot is booked on every request but never throttles), to show what pacing
  costs.

The plain clients build their JSON payload per lookup from the same ``date``/``time``
objects the SDK receives, and every client reads one price from every result. They
get their token once, before the clock starts; the SDK gets its own through its normal
path on its first lookup, which is one request in N. Sessions, connection pools (at most
100 connections for all three, their default; httpx keeps only 20 of them idle) and
clients are created outside the timed part; connecting is inside it, for all three.

Why the CPU time of the client process: the question is what a lookup costs the
application that makes it. ``time.process_time()`` counts only this process (every
thread, user and system time), and the responder runs in another process pinned to
another CPU, so neither its work nor time spent waiting for it is counted.
Requests per second (wall clock) are shown too, but on a 2-CPU machine they also depend
on the responder and the scheduler.

Why distinct cookie ids: the SDK coalesces identical lookups in flight at the same
moment into one request. Identical lookups would let it skip most of the work that the
plain clients do, so each lookup asks for a different visitor and all clients do N
real requests.

Why interleaved rounds and paired ratios: CPU frequency, caches and other processes
drift over a run (on this project's VM the CPU time of the same run has doubled from one
minute to the next). After one warm-up run per client (not counted), the clients take
turns (aiohttp, httpx, sdk, aiohttp, ...) for R rounds. Each client's run is compared
with plain aiohttp's run of the same round, made seconds before it, so slow drift
cancels out of that round's ratio; the ratio reported is the median of the R round
ratios, which also ignores the odd disturbed round. (CPU microseconds per request are
medians of the runs.) The closing verdict also gives the range of the round ratios: one
round can be off by 10 % or more, and a verdict inside that range is not a firm one. Nothing
global is turned off (the garbage collector runs as usual; a collection before each run
only gives every run the same starting heap): this compares normal use.

Instruction counts (``--measure instructions``): CPU time on a shared VM is noisy, so
the same comparison can be made with valgrind's callgrind, which counts the instructions
the client process executes and simulates its caches. Each client runs in a child
process under callgrind twice, with N/2 and with N lookups (each after the same warm-up
run); the difference between the two counts, divided by N/2, is the cost of one lookup,
with start-up, imports, the warm-up, the token request and shutdown cancelled out. Two
figures per lookup: instructions, and estimated cycles (instructions plus weighted cache
misses, see ``_callgrind.py``), since code that chases pointers costs more than its
instruction count says. Counts are deterministic enough that one run per client is
enough (repeat runs agreed within 1 %); the verdict needs both figures within the
target. httpx is left out by default in this mode because it takes minutes under
callgrind (``--clients`` adds it).

Every client keeps its default timeouts. A client that times out under load (httpx's
5 s pool timeout can expire while requests queue behind C=1000) is reported as failed
at that concurrency and skipped there; any other error aborts the benchmark.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import gc
import importlib.util
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import aiohttp
import aiohttp.http_parser
import httpx
import msgspec
from _callgrind import CallgrindError, Counts, count_instructions, valgrind_path
from _responder import Responder, benchmark_cpus, raise_open_file_limit

from convious import ConviousClient, RateLimit, RequestTimeout

TIMEZONE = "Europe/Amsterdam"
API_VERSION = "1.0.0"
TOKEN_FORM = {
    "grant_type": "client_credentials",
    "client_id": "bench",
    "client_secret": "bench-secret",
}
TARGETS = {"aiohttp": 0.95, "aiohttp-lean": 0.90}
"""The goals: SDK CPU per request at most this times each plain aiohttp client's."""
THROUGHPUT_TARGET = 0.95
"""With ``--latency``: SDK requests per second at least this times the lean client's."""
TIMEOUTS = (TimeoutError, httpx.TimeoutException, RequestTimeout)
"""Errors meaning a client could not keep up: a result to report, not a bug."""
TIMED_OUT_EXIT = 3
"""Exit status of a counted child whose client timed out (it prints the error's name)."""
DEFAULT_REQUESTS = {"cpu": 5000, "instructions": 2000, "memory": 100_000}
MEMORY_TARGET = 1.1
"""``--measure memory``: SDK peak RSS at most this times the lean client's."""
SLOW_UNDER_CALLGRIND = ("httpx",)
"""Clients left out of ``--measure instructions`` unless asked for: they take minutes."""

Lookup = Callable[[int], Awaitable[object]]
"""One price lookup for visitor number ``i``; returns the price it read."""
ClientFactory = Callable[[str, "Scenario", int], AbstractAsyncContextManager[Lookup]]
"""A client for (base URL, scenario, concurrency C)."""


@dataclass(frozen=True, slots=True)
class Scenario:
    """One shape of lookup: a date range, start times and products."""

    name: str
    description: str
    date_from: dt.date
    date_to: dt.date
    times: tuple[dt.time, ...]
    products: tuple[tuple[str, int], ...]

    def days(self) -> list[dt.date]:
        """Every day in ``date_from..date_to``."""
        count = (self.date_to - self.date_from).days + 1
        return [self.date_from + dt.timedelta(days=n) for n in range(count)]

    def response_body(self) -> bytes:
        """The canned pricer answer: one entry per day and time, a per-item price each."""
        rng = random.Random(self.name)
        prices = [
            {
                "priceDate": day.isoformat(),
                "priceTime": start.isoformat(),
                "products": [
                    {
                        "productReference": reference,
                        "numberOfItems": count,
                        "price": f"{rng.uniform(9.0, 24.0):.2f}",
                    }
                    for reference, count in self.products
                ],
            }
            for day in self.days()
            for start in self.times
        ]
        return json.dumps({"prices": prices}, separators=(",", ":")).encode()

    def first_price(self) -> str:
        """The price every client should read from every result."""
        document = json.loads(self.response_body())
        return str(document["prices"][0]["products"][0]["price"])


SCENARIOS = {
    "calendar": Scenario(
        name="calendar",
        description="30 days x 2 times x 2 products (60 TimedPrice, 120 prices)",
        date_from=dt.date(2018, 4, 1),
        date_to=dt.date(2018, 4, 30),
        times=(dt.time(10, 0), dt.time(10, 30)),
        products=(("adult", 2), ("child", 1)),
    ),
    "day": Scenario(
        name="day",
        description="1 day x 3 times x 2 products (3 TimedPrice, 6 prices)",
        date_from=dt.date(2018, 4, 1),
        date_to=dt.date(2018, 4, 1),
        times=(dt.time(10, 0), dt.time(10, 30), dt.time(12, 30)),
        products=(("adult", 2), ("child", 1)),
    ),
}


def plain_payload(scenario: Scenario, i: int) -> dict[str, Any]:
    """The request body as a user of a plain HTTP client would build it."""
    return {
        "cookieId": f"visitor-{i}",
        "ip": None,
        "dateFrom": scenario.date_from.isoformat(),
        "dateTo": scenario.date_to.isoformat(),
        "timezone": TIMEZONE,
        "products": [
            {"productReference": reference, "numberOfItems": count}
            for reference, count in scenario.products
        ],
        "times": [start.isoformat() for start in scenario.times],
    }


async def aiohttp_token(session: aiohttp.ClientSession, base_url: str) -> str:
    """A token from the responder, fetched before the clock starts."""
    async with session.post(f"{base_url}/oauth/token/", data=TOKEN_FORM) as response:
        response.raise_for_status()
        return str((await response.json())["access_token"])


@contextlib.asynccontextmanager
async def aiohttp_client(base_url: str, scenario: Scenario, _: int) -> AsyncIterator[Lookup]:
    """Plain aiohttp with a default session."""
    async with aiohttp.ClientSession() as session:
        url = f"{base_url}/api/price/rtp"
        headers = {
            "Authorization": f"Bearer {await aiohttp_token(session, base_url)}",
            "Accept-Version": API_VERSION,
        }

        async def lookup(i: int) -> object:
            payload = plain_payload(scenario, i)
            async with session.post(url, json=payload, headers=headers) as response:
                response.raise_for_status()
                data = await response.json()
            return data["prices"][0]["products"][0]["price"]

        yield lookup


@contextlib.asynccontextmanager
async def aiohttp_lean_client(
    base_url: str, scenario: Scenario, concurrency: int
) -> AsyncIterator[Lookup]:
    """Plain aiohttp as a performance-minded user writes it: a pool of C connections, the
    constant part of the payload built once, the body serialised once with ``json.dumps``
    and sent with ``data=`` and explicit JSON headers."""
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        url = f"{base_url}/api/price/rtp"
        headers = {
            "Authorization": f"Bearer {await aiohttp_token(session, base_url)}",
            "Accept-Version": API_VERSION,
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        template = plain_payload(scenario, 0)
        dumps = json.dumps

        async def lookup(i: int) -> object:
            body = dumps({**template, "cookieId": f"visitor-{i}"}).encode()
            async with session.post(url, data=body, headers=headers) as response:
                response.raise_for_status()
                data = await response.json()
            return data["prices"][0]["products"][0]["price"]

        yield lookup


@contextlib.asynccontextmanager
async def httpx_client(base_url: str, scenario: Scenario, _: int) -> AsyncIterator[Lookup]:
    """Plain httpx with a default async client."""
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{base_url}/oauth/token/", data=TOKEN_FORM)
        response.raise_for_status()
        token = response.json()["access_token"]
        url = f"{base_url}/api/price/rtp"
        headers = {"Authorization": f"Bearer {token}", "Accept-Version": API_VERSION}

        async def lookup(i: int) -> object:
            response = await client.post(url, json=plain_payload(scenario, i), headers=headers)
            response.raise_for_status()
            data = response.json()
            return data["prices"][0]["products"][0]["price"]

        yield lookup


@contextlib.asynccontextmanager
async def sdk_client(
    base_url: str, scenario: Scenario, _: int, rate_limit: RateLimit | None = None
) -> AsyncIterator[Lookup]:
    """The SDK as configured by default, which fetches its token on the first lookup."""
    async with ConviousClient(
        client_id="bench",
        client_secret="bench-secret",
        identity_url=base_url,
        inventory_url=base_url,
        pricer_url=base_url,
        rate_limit=rate_limit,
    ) as client:

        async def lookup(i: int) -> object:
            result = await client.pricing.get_prices(
                cookie_id=f"visitor-{i}",
                date_from=scenario.date_from,
                date_to=scenario.date_to,
                timezone=TIMEZONE,
                products=scenario.products,
                times=scenario.times,
            )
            return result.prices[0].products[0].price

        yield lookup
        metrics = client.metrics
        if metrics.coalesced or metrics.token_requests != 1 or metrics.retries:
            raise RuntimeError(f"the SDK run was not a plain one: {metrics}")


@contextlib.asynccontextmanager
async def sdk_paced_client(base_url: str, scenario: Scenario, c: int) -> AsyncIterator[Lookup]:
    """The SDK with client-side pacing on, at a rate that never throttles."""
    async with sdk_client(base_url, scenario, c, RateLimit(max_requests=1_000_000)) as lookup:
        yield lookup


CLIENTS: dict[str, ClientFactory] = {
    "aiohttp": aiohttp_client,
    "aiohttp-lean": aiohttp_lean_client,
    "httpx": httpx_client,
    "sdk": sdk_client,
    "sdk-paced": sdk_paced_client,
}


@dataclass(frozen=True, slots=True)
class Run:
    """One timed run of N lookups by one client."""

    scenario: str
    concurrency: int
    client: str
    round: int
    requests: int
    wall_seconds: float
    cpu_seconds: float

    @property
    def requests_per_second(self) -> float:
        """Lookups per second of wall-clock time."""
        return self.requests / self.wall_seconds

    @property
    def cpu_us_per_request(self) -> float:
        """Client-process CPU microseconds per lookup."""
        return self.cpu_seconds / self.requests * 1e6


@dataclass(frozen=True, slots=True)
class Failure:
    """A client that timed out at one (scenario, concurrency); it is skipped there."""

    scenario: str
    concurrency: int
    client: str
    error: str


@dataclass(frozen=True, slots=True)
class Summary:
    """The medians over the rounds of one (scenario, concurrency, client)."""

    scenario: str
    concurrency: int
    client: str
    rounds: int
    requests_per_second: float | None
    cpu_us_per_request: float | None
    cpu_us_min: float | None
    cpu_us_max: float | None
    cpu_vs: dict[str, float]
    """Per baseline client: the median of the same-round CPU ratios."""
    round_ratios: dict[str, tuple[float, ...]]
    """Per baseline client: CPU per request over its run in the same round, by round."""
    throughput_vs: dict[str, float]
    """Per baseline client: median requests per second over the baseline's."""
    error: str | None


async def time_run(
    factory: ClientFactory,
    base_url: str,
    scenario: Scenario,
    *,
    requests: int,
    concurrency: int,
    on_start: Callable[[], object] | None = None,
) -> tuple[float, float]:
    """Run N lookups; return (wall seconds, client CPU seconds) of the lookups alone.

    ``on_start`` is called as the clocks start (after the collection that evens the heap).
    """
    expected = scenario.first_price()
    async with factory(base_url, scenario, concurrency) as lookup:
        semaphore = asyncio.Semaphore(concurrency)

        async def limited(i: int) -> object:
            async with semaphore:
                return await lookup(i)

        gc.collect()
        if on_start is not None:
            on_start()
        cpu_started = time.process_time()
        wall_started = time.perf_counter()
        lookups = [asyncio.ensure_future(limited(i)) for i in range(requests)]
        try:
            prices = await asyncio.gather(*lookups)
        except BaseException:
            # Stop the other lookups before the client closes under them.
            for task in lookups:
                task.cancel()
            await asyncio.gather(*lookups, return_exceptions=True)
            raise
        wall = time.perf_counter() - wall_started
        cpu = time.process_time() - cpu_started
    wrong = [price for price in prices if str(price) != expected]
    if len(prices) != requests or wrong:
        raise RuntimeError(f"{len(wrong)} lookups read a wrong price, e.g. {wrong[:1]}")
    return wall, cpu


async def try_run(
    client: str, base_url: str, scenario: Scenario, *, requests: int, concurrency: int
) -> tuple[float, float] | str:
    """:func:`time_run` for ``client``, or the name of the timeout that stopped it."""
    try:
        return await time_run(
            CLIENTS[client], base_url, scenario, requests=requests, concurrency=concurrency
        )
    except TIMEOUTS as exc:
        return type(exc).__name__


async def bench_scenario(
    base_url: str,
    scenario: Scenario,
    *,
    clients: Sequence[str],
    concurrencies: Sequence[int],
    requests: int,
    rounds: int,
) -> tuple[list[Run], list[Failure]]:
    """Warm up each client, then run the interleaved rounds, for every concurrency."""
    runs: list[Run] = []
    failures: list[Failure] = []
    for concurrency in concurrencies:
        where = f"{scenario.name} C={concurrency}"
        failed: dict[str, str] = {}
        for round_number in range(rounds + 1):  # round 0 is the warm-up
            for name in clients:
                if name in failed:
                    continue
                outcome = await try_run(
                    name, base_url, scenario, requests=requests, concurrency=concurrency
                )
                if isinstance(outcome, str):
                    failed[name] = outcome
                    log(f"{where} {name}: timed out ({outcome}); skipped at this concurrency")
                elif round_number == 0:
                    log(f"{where} {name}: warm-up done in {outcome[0]:.1f} s")
                else:
                    run = Run(scenario.name, concurrency, name, round_number, requests, *outcome)
                    runs.append(run)
                    log(
                        f"{where} round {round_number}/{rounds} {name}: "
                        f"{run.requests_per_second:,.0f} req/s, "
                        f"{run.cpu_us_per_request:.1f} CPU us/req"
                    )
        failures += [Failure(scenario.name, concurrency, n, e) for n, e in failed.items()]
    return runs, failures


def summarize(
    runs: Sequence[Run], failures: Sequence[Failure], clients: Sequence[str]
) -> list[Summary]:
    """Medians per (scenario, concurrency, client), with the CPU ratio to each baseline
    client (plain aiohttp, lean aiohttp): the median of the ratios to its run in the same
    round.

    A client that failed at a (scenario, concurrency) gets no numbers there, even if some
    rounds completed before it timed out.
    """
    groups: dict[tuple[str, int, str], list[Run]] = {}
    for run in runs:
        groups.setdefault((run.scenario, run.concurrency, run.client), []).append(run)
    errors = {(f.scenario, f.concurrency, f.client): f.error for f in failures}
    for key in errors:
        groups.setdefault(key, [])
    by_round = {(r.scenario, r.concurrency, r.round, r.client): r for r in runs}
    cells = list(dict.fromkeys((scenario, concurrency) for scenario, concurrency, _ in groups))
    summaries = []
    for key in sorted(groups, key=lambda k: (cells.index(k[:2]), clients.index(k[2]))):
        scenario, concurrency, client = key
        group = [] if key in errors else groups[key]
        round_ratios: dict[str, tuple[float, ...]] = {}
        throughput: dict[str, float] = {}
        for base_name in TARGETS:
            if (scenario, concurrency, base_name) in errors:
                continue
            pairs = [
                (run, by_round.get((scenario, concurrency, run.round, base_name))) for run in group
            ]
            ratios = tuple(run.cpu_seconds / b.cpu_seconds for run, b in pairs if b is not None)
            if ratios:
                round_ratios[base_name] = ratios
                throughput[base_name] = statistics.median(
                    b.wall_seconds / run.wall_seconds for run, b in pairs if b is not None
                )
        summaries.append(
            Summary(
                scenario=scenario,
                concurrency=concurrency,
                client=client,
                rounds=len(group),
                requests_per_second=statistics.median(r.requests_per_second for r in group)
                if group
                else None,
                cpu_us_per_request=statistics.median(r.cpu_us_per_request for r in group)
                if group
                else None,
                cpu_us_min=min(r.cpu_us_per_request for r in group) if group else None,
                cpu_us_max=max(r.cpu_us_per_request for r in group) if group else None,
                cpu_vs={name: statistics.median(r) for name, r in round_ratios.items()},
                round_ratios=round_ratios,
                throughput_vs=throughput,
                error=errors.get(key),
            )
        )
    return summaries


def markdown_table(summaries: Sequence[Summary]) -> str:
    """The README table."""
    lines = [
        "| scenario | C | client | req/s | CPU µs/req | CPU vs aiohttp | CPU vs lean aiohttp |",
        "|---|---:|---|---:|---:|---:|---:|",
    ]
    for s in summaries:
        ratios = " | ".join(
            f"{s.cpu_vs[name]:.2f}" if name in s.cpu_vs else "n/a" for name in TARGETS
        )
        if s.requests_per_second is None or s.cpu_us_per_request is None:
            numbers = f"timed out ({s.error}) | - "
        else:
            numbers = f"{s.requests_per_second:,.0f} | {s.cpu_us_per_request:.1f} "
        lines.append(f"| {s.scenario} | {s.concurrency} | {s.client} | {numbers}| {ratios} |")
    return "\n".join(lines)


def verdicts(summaries: Sequence[Summary], *, latency: float = 0.0) -> list[str]:
    """One line per (scenario, C, baseline): did the SDK meet the CPU target? With a
    slow responder (``latency``), also: did it keep the lean client's throughput?"""
    lines = []
    for s in summaries:
        if s.client != "sdk":
            continue
        where = f"- {s.scenario}, C={s.concurrency}:"
        if s.error is not None:
            lines.append(f"{where} the SDK timed out ({s.error}); no verdict")
            continue
        for name, target in TARGETS.items():
            if name not in s.cpu_vs:
                lines.append(f"{where} no {name} result to compare with; no verdict")
                continue
            ratio = s.cpu_vs[name]
            low, high = min(s.round_ratios[name]), max(s.round_ratios[name])
            lines.append(
                f"{where} SDK CPU/request = {ratio:.2f}x {name} (rounds {low:.2f}-{high:.2f}); "
                f"target <= {target:.2f}x {'met' if ratio <= target else 'MISSED'}"
            )
        if latency and "aiohttp-lean" in s.throughput_vs:
            speed = s.throughput_vs["aiohttp-lean"]
            met = "met" if speed >= THROUGHPUT_TARGET else "MISSED"
            lines.append(
                f"{where} responder latency {latency * 1000:.0f} ms: SDK throughput = "
                f"{speed:.2f}x aiohttp-lean; target >= {THROUGHPUT_TARGET:.2f}x {met}"
            )
    return lines


@dataclass(frozen=True, slots=True)
class Count:
    """What callgrind counted for one client at one (scenario, C): N/2 and N lookups."""

    scenario: str
    concurrency: int
    client: str
    small_requests: int
    small: Counts
    large_requests: int
    large: Counts

    def _per_request(self, small: int, large: int) -> float:
        return (large - small) / (self.large_requests - self.small_requests)

    @property
    def instructions(self) -> float:
        """Instructions per lookup: the extra lookups' count over their number."""
        return self._per_request(self.small.instructions, self.large.instructions)

    @property
    def cycles(self) -> float:
        """Estimated cycles per lookup (instructions plus weighted cache misses), likewise."""
        return self._per_request(self.small.estimated_cycles, self.large.estimated_cycles)


def count_child(
    base_url: str, scenario: str, concurrency: int, client: str, warmup: int, requests: int
) -> int:
    """In the counted child: a warm-up run, then N lookups. Returns the exit status."""

    async def runs() -> str | None:
        for count in (warmup, requests):
            outcome = await try_run(
                client, base_url, SCENARIOS[scenario], requests=count, concurrency=concurrency
            )
            if isinstance(outcome, str):
                return outcome
        return None

    timed_out = asyncio.run(runs())
    if timed_out is not None:
        print(timed_out, flush=True)
        return TIMED_OUT_EXIT
    return 0


def count_client(
    base_url: str, scenario: Scenario, *, client: str, concurrency: int, requests: int
) -> Count | Failure:
    """Count ``client``'s instructions for N/2 and N lookups, each in its own child."""
    small = max(1, requests // 2)
    warmup = min(200, small)
    counts = []
    for count in (small, requests):
        command = [
            sys.executable,
            os.path.abspath(__file__),
            "--count-child",
            base_url,
            scenario.name,
            str(concurrency),
            client,
            str(warmup),
            str(count),
        ]
        try:
            counts.append(count_instructions(command, timeout=3600))
        except CallgrindError as exc:
            if exc.returncode == TIMED_OUT_EXIT:
                return Failure(scenario.name, concurrency, client, exc.output.strip())
            raise
        log(
            f"{scenario.name} C={concurrency} {client}: {count} lookups, "
            f"{counts[-1].instructions:,} instructions, "
            f"{counts[-1].estimated_cycles:,} estimated cycles"
        )
    return Count(scenario.name, concurrency, client, small, counts[0], requests, counts[1])


def count_scenario(
    base_url: str,
    scenario: Scenario,
    *,
    clients: Sequence[str],
    concurrencies: Sequence[int],
    requests: int,
) -> list[Count | Failure]:
    """:func:`count_client` for every client and concurrency."""
    return [
        count_client(base_url, scenario, client=client, concurrency=c, requests=requests)
        for c in concurrencies
        for client in clients
    ]


def baseline(results: Sequence[Count | Failure], count: Count, name: str) -> Count | None:
    """Baseline client ``name``'s count in ``count``'s cell, if there is one."""
    for other in results:
        if (
            isinstance(other, Count)
            and other.client == name
            and (other.scenario, other.concurrency) == (count.scenario, count.concurrency)
        ):
            return other
    return None


def count_ratios(
    results: Sequence[Count | Failure], count: Count
) -> dict[str, tuple[float, float]]:
    """Per baseline client: ``count``'s (instructions, estimated cycles) per lookup over
    the baseline's."""
    ratios = {}
    for name in TARGETS:
        base = baseline(results, count, name)
        if base is not None:
            ratios[name] = (count.instructions / base.instructions, count.cycles / base.cycles)
    return ratios


def instruction_table(results: Sequence[Count | Failure]) -> str:
    """The README table for callgrind counts."""
    lines = [
        "| scenario | C | client | instructions/req | est. cycles/req | "
        "vs aiohttp (instr / cycles) | vs lean aiohttp (instr / cycles) |",
        "|---|---:|---|---:|---:|---:|---:|",
    ]
    for r in results:
        where = f"| {r.scenario} | {r.concurrency} | {r.client} |"
        if isinstance(r, Failure):
            lines.append(f"{where} timed out ({r.error}) | - | n/a | n/a |")
            continue
        ratios = count_ratios(results, r)
        cells = " | ".join(
            f"{ratios[name][0]:.2f} / {ratios[name][1]:.2f}" if name in ratios else "n/a"
            for name in TARGETS
        )
        lines.append(f"{where} {r.instructions:,.0f} | {r.cycles:,.0f} | {cells} |")
    return "\n".join(lines)


def instruction_verdicts(results: Sequence[Count | Failure]) -> list[str]:
    """One line per (scenario, C, baseline): did the SDK meet the target, by both counts?"""
    lines = []
    for r in results:
        if r.client != "sdk":
            continue
        where = f"- {r.scenario}, C={r.concurrency}:"
        ratios = {} if isinstance(r, Failure) else count_ratios(results, r)
        for name, target in TARGETS.items():
            if name not in ratios:
                lines.append(f"{where} no SDK and {name} counts to compare; no verdict")
                continue
            by_ir, by_cycles = ratios[name]
            met = "met" if max(by_ir, by_cycles) <= target else "MISSED"
            lines.append(
                f"{where} SDK instructions/request = {by_ir:.2f}x {name}, estimated "
                f"cycles/request = {by_cycles:.2f}x; target <= {target:.2f}x {met}"
            )
    return lines


def header(args: argparse.Namespace, cpus: tuple[int, int] | None) -> str:
    """Versions, machine and settings, for the top of the output."""
    c_parser = aiohttp.http_parser.HttpResponseParser.__module__ == "aiohttp._http_parser"
    affinity = (
        f"responder pinned to CPU {cpus[0]}, client to CPU {cpus[1]}"
        if cpus
        else "none (fewer than 2 CPUs available)"
    )
    scenarios = "; ".join(f"{name}: {SCENARIOS[name].description}" for name in args.scenario)
    notes = []
    if "httpx" in args.clients and importlib.util.find_spec("sniffio") is None:
        notes.append(
            "Note: sniffio is not installed (anyio >= 4.11 no longer needs it), so httpcore "
            "1.0.x retries a failed `import sniffio` on every lock it sets up "
            "(encode/httpcore#1103); the httpx numbers include that cost."
        )
    return "\n".join(
        [
            "Pricing benchmark: POST /api/price/rtp against a local keep-alive responder",
            f"Python {sys.version.split()[0]}, aiohttp {aiohttp.__version__} "
            f"(C parser: {'yes' if c_parser else 'no'}), httpx {httpx.__version__}, "
            f"msgspec {msgspec.__version__}; asyncio default event loop",
            f"CPUs: {os.cpu_count()}; affinity: {affinity}",
            *(
                [
                    f"N={args.requests} lookups per run, concurrency C via asyncio.Semaphore, "
                    f"{args.rounds} interleaved rounds after 1 warm-up run per client; "
                    "CPU us/req = median of the runs, CPU vs aiohttp = median of the ratios "
                    "to plain aiohttp's run in the same round",
                ]
                if args.measure == "cpu"
                else [
                    f"Each client counted under valgrind's callgrind in two child processes, "
                    f"with {max(1, args.requests // 2)} and {args.requests} lookups "
                    "(concurrency C via asyncio.Semaphore, each after the same warm-up run); "
                    "instructions/req = the difference over the extra lookups",
                ]
            ),
            f"Scenarios: {scenarios}",
            "Every lookup has a distinct cookieId, so the SDK's coalescing of identical "
            "in-flight lookups never applies: all clients send N requests.",
            "CPU = time.process_time() of the client process only (the responder is "
            "another process)."
            if args.measure == "cpu"
            else "Instructions and estimated cycles = callgrind's counts of the client "
            "process only (the responder is another process, not run under valgrind).",
            *notes,
        ]
    )


def log(message: str) -> None:
    """Progress, to stderr."""
    print(message, file=sys.stderr, flush=True)


def positive_int(text: str) -> int:
    """An argparse type: an integer >= 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else "")
    parser.add_argument(
        "--measure",
        choices=list(DEFAULT_REQUESTS),
        default="cpu",
        help="cpu: process CPU time over interleaved rounds (default); instructions: "
        "instruction counts under valgrind's callgrind (deterministic, ~50x slower); "
        "memory: peak RSS of each client in its own process",
    )
    parser.add_argument(
        "--requests",
        type=positive_int,
        default=None,
        metavar="N",
        help="lookups per run (default: 5000; 2000 with --measure instructions; "
        "100000 with --measure memory)",
    )
    parser.add_argument(
        "--rounds",
        type=positive_int,
        default=15,
        metavar="R",
        help="interleaved rounds with --measure cpu (instruction counts need one)",
    )
    parser.add_argument(
        "--concurrency", type=positive_int, nargs="+", default=[100, 1000], metavar="C"
    )
    parser.add_argument("--scenario", nargs="+", choices=list(SCENARIOS), default=list(SCENARIOS))
    parser.add_argument(
        "--clients",
        nargs="+",
        choices=list(CLIENTS),
        default=None,
        help="default: all with --measure cpu; all but httpx with --measure instructions",
    )
    parser.add_argument(
        "--latency",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="the responder waits this long before each answer (a latency-bound run; "
        "its verdict compares throughput with aiohttp-lean); default 0",
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="write every result here")
    parser.add_argument(
        "--memory-child",
        nargs=5,
        metavar=("URL", "SCENARIO", "C", "CLIENT", "N"),
        help=argparse.SUPPRESS,
    )
    parser.add_argument(
        "--count-child",
        nargs=6,
        metavar=("URL", "SCENARIO", "C", "CLIENT", "WARMUP", "N"),
        help=argparse.SUPPRESS,
    )
    args = parser.parse_args(argv)
    if args.requests is None:
        args.requests = DEFAULT_REQUESTS[args.measure]
    if args.measure == "instructions" and args.requests < 2:
        parser.error("--measure instructions compares N/2 with N lookups: N must be >= 2")
    if args.clients is None:
        args.clients = [
            name for name in CLIENTS if args.measure == "cpu" or name not in SLOW_UNDER_CALLGRIND
        ]
    for name in ("concurrency", "scenario", "clients"):
        setattr(args, name, list(dict.fromkeys(getattr(args, name))))  # drop repeats
    return args


def settings(args: argparse.Namespace, cpus: tuple[int, int] | None) -> dict[str, Any]:
    """What a run was made with, for the JSON document."""
    return {
        "measure": args.measure,
        "requests": args.requests,
        "rounds": args.rounds if args.measure == "cpu" else None,
        "concurrency": args.concurrency,
        "scenarios": args.scenario,
        "clients": args.clients,
        "cpus": os.cpu_count(),
        "affinity": list(cpus) if cpus else None,
        "python": sys.version.split()[0],
        "aiohttp": aiohttp.__version__,
        "httpx": httpx.__version__,
        "msgspec": msgspec.__version__,
        "targets": TARGETS,
        "latency": args.latency,
    }


def report(table: str, lines: Sequence[str]) -> None:
    """Print the table, then the verdicts."""
    print(table)
    if lines:
        print()
        print("\n".join(lines))


def write_json(path: Path, document: dict[str, Any]) -> None:
    """Write the JSON document and say where."""
    path.write_text(json.dumps(document, indent=2) + "\n")
    log(f"wrote {path}")


def served_scenarios(
    names: Sequence[str], cpus: tuple[int, int] | None, latency: float = 0.0
) -> Iterator[tuple[Scenario, str]]:
    """Each scenario with the base URL of a responder serving its body, on the
    responder's CPU; the responder stops when the caller moves on."""
    for name in names:
        scenario = SCENARIOS[name]
        with Responder(
            pricing_body=scenario.response_body(), cpu=cpus[0] if cpus else None, latency=latency
        ) as responder:
            yield scenario, responder.base_url


def measure_cpu(args: argparse.Namespace, cpus: tuple[int, int] | None) -> None:
    """``--measure cpu``: interleaved rounds of every client, medians and verdicts."""
    runs: list[Run] = []
    failures: list[Failure] = []
    for scenario, base_url in served_scenarios(args.scenario, cpus, args.latency):
        scenario_runs, scenario_failures = asyncio.run(
            bench_scenario(
                base_url,
                scenario,
                clients=args.clients,
                concurrencies=args.concurrency,
                requests=args.requests,
                rounds=args.rounds,
            )
        )
        runs += scenario_runs
        failures += scenario_failures
    summaries = summarize(runs, failures, args.clients)
    report(markdown_table(summaries), verdicts(summaries, latency=args.latency))
    if args.json is not None:
        runs_out = [
            {
                **asdict(run),
                "requests_per_second": run.requests_per_second,
                "cpu_us_per_request": run.cpu_us_per_request,
            }
            for run in runs
        ]
        write_json(
            args.json,
            {
                "settings": settings(args, cpus),
                "runs": runs_out,
                "failures": [asdict(failure) for failure in failures],
                "medians": [asdict(summary) for summary in summaries],
            },
        )


def measure_instructions(args: argparse.Namespace, cpus: tuple[int, int] | None) -> None:
    """``--measure instructions``: callgrind counts of every client, and verdicts."""
    results: list[Count | Failure] = []
    for scenario, base_url in served_scenarios(args.scenario, cpus):
        results += count_scenario(
            base_url,
            scenario,
            clients=args.clients,
            concurrencies=args.concurrency,
            requests=args.requests,
        )
    report(instruction_table(results), instruction_verdicts(results))
    if args.json is not None:
        counts = [
            {
                **asdict(r),
                "instructions_per_request": r.instructions,
                "estimated_cycles_per_request": r.cycles,
                "vs_aiohttp": count_ratios(results, r),
            }
            for r in results
            if isinstance(r, Count)
        ]
        failures = [asdict(r) for r in results if isinstance(r, Failure)]
        write_json(
            args.json,
            {"settings": settings(args, cpus), "counts": counts, "failures": failures},
        )


def memory_child(base_url: str, scenario: str, concurrency: int, client: str, n: int) -> int:
    """In the measured child: N lookups, then print the peak RSS in KiB."""
    outcome = asyncio.run(
        try_run(client, base_url, SCENARIOS[scenario], requests=n, concurrency=concurrency)
    )
    if isinstance(outcome, str):
        print(outcome, flush=True)
        return TIMED_OUT_EXIT
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, flush=True)
    return 0


@dataclass(frozen=True, slots=True)
class Memory:
    """Peak RSS of one client's process over N lookups at one (scenario, C)."""

    scenario: str
    concurrency: int
    client: str
    requests: int
    peak_kib: int


def measure_memory(args: argparse.Namespace, cpus: tuple[int, int] | None) -> None:
    """``--measure memory``: each client in a fresh child process, its peak RSS."""
    results: list[Memory | Failure] = []
    for scenario, base_url in served_scenarios(args.scenario, cpus, args.latency):
        for concurrency in args.concurrency:
            for client in args.clients:
                command = [
                    sys.executable,
                    os.path.abspath(__file__),
                    "--memory-child",
                    base_url,
                    scenario.name,
                    str(concurrency),
                    client,
                    str(args.requests),
                ]
                done = subprocess.run(command, capture_output=True, text=True, check=False)
                last = done.stdout.strip().splitlines()[-1:] or [""]
                if done.returncode == TIMED_OUT_EXIT:
                    results.append(Failure(scenario.name, concurrency, client, last[0]))
                    continue
                if done.returncode != 0:
                    raise RuntimeError(f"{client} failed: {done.stderr.strip()[-2000:]}")
                memory = Memory(scenario.name, concurrency, client, args.requests, int(last[0]))
                results.append(memory)
                log(f"{scenario.name} C={concurrency} {client}: peak RSS {memory.peak_kib:,} KiB")
    lines = ["| scenario | C | client | lookups | peak RSS MiB | vs lean aiohttp |"]
    lines.append("|---|---:|---|---:|---:|---:|")
    verdict_lines = []
    for r in results:
        if isinstance(r, Failure):
            lines.append(f"| {r.scenario} | {r.concurrency} | {r.client} | timed out | - | - |")
            continue
        lean = next(
            (
                m
                for m in results
                if isinstance(m, Memory)
                and m.client == "aiohttp-lean"
                and (m.scenario, m.concurrency) == (r.scenario, r.concurrency)
            ),
            None,
        )
        ratio = None if lean is None else r.peak_kib / lean.peak_kib
        shown = "n/a" if ratio is None else f"{ratio:.2f}"
        lines.append(
            f"| {r.scenario} | {r.concurrency} | {r.client} | {r.requests:,} | "
            f"{r.peak_kib / 1024:.1f} | {shown} |"
        )
        if r.client == "sdk" and ratio is not None:
            met = "met" if ratio <= MEMORY_TARGET else "MISSED"
            verdict_lines.append(
                f"- {r.scenario}, C={r.concurrency}: SDK peak RSS = {ratio:.2f}x aiohttp-lean; "
                f"target <= {MEMORY_TARGET:.2f}x {met}"
            )
    report("\n".join(lines), verdict_lines)
    if args.json is not None:
        write_json(
            args.json,
            {
                "settings": settings(args, cpus),
                "memory": [asdict(r) for r in results],
            },
        )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the table."""
    args = parse_args(argv)
    if args.memory_child is not None:
        url, scenario, concurrency, client, requests = args.memory_child
        return memory_child(url, scenario, int(concurrency), client, int(requests))
    if args.count_child is not None:
        url, scenario, concurrency, client, warmup, requests = args.count_child
        return count_child(url, scenario, int(concurrency), client, int(warmup), int(requests))
    if args.measure == "instructions" and valgrind_path() is None:
        print(
            "error: --measure instructions needs valgrind (Debian/Ubuntu: apt install valgrind)",
            file=sys.stderr,
        )
        return 2
    cpus = benchmark_cpus()
    if cpus is not None:
        os.sched_setaffinity(0, {cpus[1]})  # counted children inherit this
    raise_open_file_limit()
    print(header(args, cpus), end="\n\n", flush=True)
    if args.measure == "cpu":
        measure_cpu(args, cpus)
    elif args.measure == "memory":
        measure_memory(args, cpus)
    else:
        measure_instructions(args, cpus)
    return 0


if __name__ == "__main__":
    sys.exit(main())
