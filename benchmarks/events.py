"""Events benchmark: inventory events per second through the EventBatcher, and its memory.

Run it with ``python benchmarks/events.py`` (``--help`` for the options).

Modes, each against the same local responder (``_responder.py``: ``POST /events`` answers
200 with an empty body, in its own process pinned to CPU 0), each in a FRESH child
process pinned to CPU 1 so that its peak resident memory is its own:

* ``batcher``: the SDK's ``EventBatcher`` (``max_batch_size=500``, ``linger=5 ms``,
  ``max_buffer=10,000``); events are built one by one and ``await batcher.send(event)``ed,
  then ``close()`` waits until all are delivered;
* ``per-event``: the SDK's ``client.inventory.publish([event])``, one POST per event, in
  order (the naive way to keep per-product order);
* ``aiohttp-batched``: plain aiohttp written the way a user would: build dicts, chunks of
  500, ``session.post(url, json=chunk)`` one after another, ``raise_for_status()``.

Every mode builds its events lazily inside the timed loop, so the input itself takes no
memory. Reported: events per second (wall clock; everything the client does, from
building an event to the API accepting it), client CPU microseconds per event, and the
child's peak RSS. The batcher also runs with three times as many events: if its memory is
bounded by its buffer, its peak RSS does not grow with the stream.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _responder import Responder, benchmark_cpus

PRODUCTS = 50
DAY = dt.date(2026, 12, 1)


async def run_batcher(base: str, count: int) -> dict[str, Any]:
    """Every event through ``EventBatcher``."""
    from convious import ConviousClient, ProductAvailabilityChanged

    async with ConviousClient(
        "bench", "bench-secret", identity_url=base, inventory_url=base, pricer_url=base
    ) as client:
        batcher = client.inventory.batcher(max_batch_size=500, linger=0.005, max_buffer=10_000)
        async with batcher:
            for n in range(count):
                await batcher.send(
                    ProductAvailabilityChanged(
                        product_reference=f"product-{n % PRODUCTS}", event_date=DAY, availability=n
                    )
                )
        return {"delivered": batcher.delivered, "batches": batcher.batches}


async def run_per_event(base: str, count: int) -> dict[str, Any]:
    """One POST per event, in order, through the SDK."""
    from convious import ConviousClient, ProductAvailabilityChanged

    async with ConviousClient(
        "bench", "bench-secret", identity_url=base, inventory_url=base, pricer_url=base
    ) as client:
        for n in range(count):
            await client.inventory.publish(
                [
                    ProductAvailabilityChanged(
                        product_reference=f"product-{n % PRODUCTS}", event_date=DAY, availability=n
                    )
                ]
            )
    return {"delivered": count, "batches": count}


async def run_aiohttp_batched(base: str, count: int) -> dict[str, Any]:
    """Plain aiohttp: chunks of 500 dict events, posted one after another."""
    import aiohttp

    headers = {"Authorization": "Bearer bench-token", "Accept-Version": "1.0.0"}
    batches = 0
    async with aiohttp.ClientSession() as session:
        chunk: list[dict[str, Any]] = []
        for n in range(count + 1):
            if n < count:
                chunk.append(
                    {
                        "type": "ProductAvailabilityChanged",
                        "payload": {
                            "productReference": f"product-{n % PRODUCTS}",
                            "eventDate": DAY.isoformat(),
                            "startTime": None,
                            "availability": n,
                        },
                    }
                )
            if len(chunk) == 500 or (n == count and chunk):
                async with session.post(f"{base}/events", json=chunk, headers=headers) as resp:
                    resp.raise_for_status()
                batches += 1
                chunk = []
    return {"delivered": count, "batches": batches}


MODES = {
    "batcher": run_batcher,
    "per-event": run_per_event,
    "aiohttp-batched": run_aiohttp_batched,
}


def child(mode: str, base: str, count: int, cpu: int | None) -> None:
    """Run one mode in this (fresh) process and print its measurements as JSON."""
    if cpu is not None:
        os.sched_setaffinity(0, {cpu})
    import aiohttp  # noqa: F401  (imports are not part of what is timed)

    import convious  # noqa: F401

    cpu_start, wall_start = time.process_time(), time.perf_counter()
    outcome = asyncio.run(MODES[mode](base, count))
    wall = time.perf_counter() - wall_start
    cpu_used = time.process_time() - cpu_start
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "mode": mode,
                "events": count,
                "events_per_s": count / wall,
                "cpu_us_per_event": cpu_used / count * 1e6,
                "peak_rss_mib": peak_kib / 1024,
                **outcome,
            }
        )
    )


def measure(mode: str, base: str, count: int, cpu: int | None) -> dict[str, Any]:
    """Run one mode in a child process and return what it measured."""
    command = [sys.executable, __file__, "--child", mode, "--base", base, "--events", str(count)]
    if cpu is not None:
        command += ["--cpu", str(cpu)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{mode} failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    """Run every mode and print a markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--per-event-events", type=int, default=10_000)
    parser.add_argument("--child", choices=sorted(MODES), help=argparse.SUPPRESS)
    parser.add_argument("--base", help=argparse.SUPPRESS)
    parser.add_argument("--cpu", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.base, args.events, args.cpu)
        return 0
    cpus = benchmark_cpus()
    responder_cpu, client_cpu = cpus if cpus else (None, None)
    runs = [
        ("batcher", args.events),
        ("batcher", args.events * 3),
        ("aiohttp-batched", args.events),
        ("per-event", args.per_event_events),
    ]
    print("Events benchmark: POST /events against a local keep-alive responder")
    print(
        f"Python {sys.version.split()[0]}; CPUs: {os.cpu_count()}; affinity: "
        + ("responder on CPU 0, client on CPU 1" if cpus else "none")
    )
    print(
        "events/s = events built, sent and accepted per wall-clock second; "
        "each mode runs in a fresh process (peak RSS is its own)"
    )
    results = []
    with Responder(cpu=responder_cpu) as responder:
        for mode, count in runs:
            print(f"running {mode} with {count:,} events...", file=sys.stderr, flush=True)
            results.append(measure(mode, responder.base_url, count, client_cpu))
    print()
    print("| mode | events | batches | events/s | client CPU µs/event | peak RSS MiB |")
    print("|---|---:|---:|---:|---:|---:|")
    for r in results:
        print(
            f"| {r['mode']} | {r['events']:,} | {r['batches']:,} | {r['events_per_s']:,.0f} "
            f"| {r['cpu_us_per_event']:.1f} | {r['peak_rss_mib']:.1f} |"
        )
    batcher = results[0]
    verdict = "met" if batcher["events_per_s"] >= 50_000 else "MISSED"
    print()
    print(
        f"- batcher: {batcher['events_per_s']:,.0f} events/s; target >= 50,000 events/s {verdict}"
    )
    growth = results[1]["peak_rss_mib"] - batcher["peak_rss_mib"]
    print(
        f"- batcher peak RSS with {results[1]['events']:,} events is {growth:+.1f} MiB against "
        f"{batcher['events']:,}: memory is bounded by the buffer, not the stream"
        if growth < 5
        else f"- batcher peak RSS grew by {growth:.1f} MiB with 3x the events: NOT bounded"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
