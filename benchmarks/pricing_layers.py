"""Where a price lookup's CPU goes: the SDK peeled layer by layer, against lean aiohttp.

Run it with ``python benchmarks/pricing_layers.py`` (``--help`` for the options). A
diagnostic for hot-path work, not a verdict: ``pricing.py`` gives the verdicts.

Each variant does N ``day`` (or ``calendar``) lookups, at most C in flight, against the
same responder as ``pricing.py``, in interleaved rounds; CPU per lookup is compared with
``aiohttp-lean``'s run in the same round (median of the round ratios). The variants:

* ``aiohttp-lean``: the lean plain-aiohttp client of ``pricing.py``;
* ``raw``: the SDK's validation, encoding and decoding around a bare
  ``await session.request(...)`` on the SDK's own session (no transport, no pipeline);
* ``transport``: the same through ``Transport.send`` (pool queue, time limits, body cap),
  which on its own session sends below ``session.request`` (its direct path);
* ``pipeline``: the same through ``Pipeline.send`` (auth, limiter, metrics, close guard);
* ``sdk``: ``client.pricing.get_prices()`` as users call it (coalescing included).

The garbage collector's share of each variant's CPU is measured too (``gc.callbacks``),
since its passes over the benchmark's pending tasks cost every client about the same.
With ``--no-gc`` the collector is off during the timed part. The variants reach into the
SDK's private attributes: they measure its layers, they are not an example of use.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import os
import statistics
import sys
import time
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

from _responder import Responder, benchmark_cpus
from pricing import CLIENTS, SCENARIOS, TIMEZONE, Lookup, Scenario, positive_int, time_run

from convictional_async.core import Response
from convious import ConviousClient
from convious._pricing import _decode_price_result, price_request
from convious._serialization import encode

LAYERS = ("raw", "transport", "pipeline", "sdk")


def _layer(
    name: str,
) -> Callable[[str, Scenario, int], contextlib.AbstractAsyncContextManager[Lookup]]:
    """A client factory for one layer of the SDK."""

    @contextlib.asynccontextmanager
    async def factory(base_url: str, scenario: Scenario, _: int) -> AsyncIterator[Lookup]:
        async with ConviousClient(
            "bench",
            "bench-secret",
            identity_url=base_url,
            inventory_url=base_url,
            pricer_url=base_url,
        ) as client:
            fields: dict[str, Any] = {
                "date_from": scenario.date_from,
                "date_to": scenario.date_to,
                "timezone": TIMEZONE,
                "products": scenario.products,
                "times": scenario.times,
            }
            await client.login()  # the token, before the clock starts
            api, pipeline, transport = client.pricing, client._pipeline, client._transport
            token = client._auth.current() or {}
            headers = {**api._headers, **token}
            prepared = transport._prepared(headers)
            session = transport._session
            assert session is not None

            def body(i: int) -> bytes:
                return encode(price_request(cookie_id=f"visitor-{i}", **fields))

            async def raw(i: int) -> object:
                response = await session.request(
                    "POST", api._url, data=body(i), headers=prepared, allow_redirects=False
                )
                try:
                    payload = await response.read()
                finally:
                    response.release()
                read = Response(response.status, response.headers, payload, "POST", api._url)
                return _decode_price_result(read).prices[0].products[0].price

            async def through_transport(i: int) -> object:
                read = await transport.send("POST", api._url, headers, body(i))
                return _decode_price_result(read).prices[0].products[0].price

            async def through_pipeline(i: int) -> object:
                result = await pipeline.send(
                    "POST",
                    api._url,
                    headers=api._headers,
                    body=body(i),
                    idempotent=True,
                    parse=_decode_price_result,
                )
                return result.prices[0].products[0].price

            async def sdk(i: int) -> object:
                result = await api.get_prices(cookie_id=f"visitor-{i}", **fields)
                return result.prices[0].products[0].price

            yield {
                "raw": raw,
                "transport": through_transport,
                "pipeline": through_pipeline,
                "sdk": sdk,
            }[name]

    return factory


async def measure(
    base_url: str,
    scenario: Scenario,
    *,
    names: Sequence[str],
    requests: int,
    concurrency: int,
    rounds: int,
    collect: bool,
) -> dict[str, list[tuple[float, float]]]:
    """(CPU seconds, GC seconds) per run, per variant; the first round is a warm-up."""
    factories = {"aiohttp-lean": CLIENTS["aiohttp-lean"], **{n: _layer(n) for n in LAYERS}}
    spent = [0.0]
    started = [0.0]

    def on_gc(phase: str, _: dict[str, int]) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            spent[0] += time.perf_counter() - started[0]

    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in names}
    gc.callbacks.append(on_gc)
    try:
        for round_number in range(rounds + 1):
            for name in names:
                if not collect:
                    gc.disable()
                try:
                    _, cpu = await time_run(
                        factories[name],
                        base_url,
                        scenario,
                        requests=requests,
                        concurrency=concurrency,
                        on_start=lambda: spent.__setitem__(0, 0.0),  # count the timed part only
                    )
                finally:
                    gc.enable()
                if round_number:
                    runs[name].append((cpu, spent[0]))
    finally:
        gc.callbacks.remove(on_gc)
    return runs


def report(runs: dict[str, list[tuple[float, float]]], requests: int) -> None:
    """A table: CPU µs per lookup, its GC part, and the ratio to aiohttp-lean."""
    base = runs["aiohttp-lean"]
    print("| variant | CPU µs/lookup | of which GC | CPU vs aiohttp-lean (rounds) |")
    print("|---|---:|---:|---:|")
    for name, series in runs.items():
        ratios = [cpu / b[0] for (cpu, _), b in zip(series, base, strict=True)]
        cpu = statistics.median(c for c, _ in series) / requests * 1e6
        collected = statistics.median(g for _, g in series) / requests * 1e6
        print(
            f"| {name} | {cpu:.1f} | {collected:.1f} | {statistics.median(ratios):.2f} "
            f"({min(ratios):.2f}-{max(ratios):.2f}) |"
        )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the variants and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else "")
    parser.add_argument("--scenario", choices=list(SCENARIOS), default="day")
    parser.add_argument("--concurrency", type=positive_int, default=100, metavar="C")
    parser.add_argument("--requests", type=positive_int, default=5000, metavar="N")
    parser.add_argument("--rounds", type=positive_int, default=8, metavar="R")
    parser.add_argument("--no-gc", action="store_true", help="collector off while timed")
    args = parser.parse_args(argv)
    cpus = benchmark_cpus()
    if cpus is not None:
        os.sched_setaffinity(0, {cpus[1]})
    scenario = SCENARIOS[args.scenario]
    with Responder(pricing_body=scenario.response_body(), cpu=cpus[0] if cpus else None) as r:
        runs = asyncio.run(
            measure(
                r.base_url,
                scenario,
                names=["aiohttp-lean", *LAYERS],
                requests=args.requests,
                concurrency=args.concurrency,
                rounds=args.rounds,
                collect=not args.no_gc,
            )
        )
    print(
        f"{scenario.name} C={args.concurrency}, N={args.requests}, {args.rounds} rounds, "
        f"garbage collector {'off' if args.no_gc else 'on'}\n"
    )
    report(runs, args.requests)
    return 0


if __name__ == "__main__":
    sys.exit(main())
