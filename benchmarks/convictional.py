"""Listing a big Buyer catalogue through ConvictionalClient at the sandbox's strict 5 requests/s.

The Convictional sandbox runs in this process with its fixed-window limit (``rate_limit``
requests per key per 1-second bucket, 5 by default, as the real API documents) and the
client lists every product with ``client.buyer.products.list()`` (250 a page), paced by its
own limiter at the same rate. Printed: products listed (each exactly once?), requests made,
wall time against the ideal (requests / rate), 429s seen by the server and by the client,
and the peak memory allocated while listing (tracemalloc; the in-process sandbox's page
building included) and the process's peak RSS.

    python benchmarks/convictional.py                 # 5,000 products at 5/s (about 4 s)
    python benchmarks/convictional.py --products 1234 --rate 5
    python benchmarks/convictional.py --quick         # a smoke run: 600 products at 50/s
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import time
import tracemalloc
from dataclasses import dataclass

from convictional_async import ConvictionalClient, RateLimit
from convictional_async.sandbox import Sandbox, SandboxConfig


@dataclass(frozen=True)
class Result:
    """What one listing run measured."""

    products: int
    unique: int
    requests: int
    wall: float
    ideal: float
    server_429s: int
    client_429s: int
    peak_bytes: int


async def run(products: int, rate: int, page_size: int) -> Result:
    """List every product of a fresh sandbox and measure it."""
    config = SandboxConfig(products=products, rate_limit=rate)
    async with Sandbox(config) as sandbox:
        limit = RateLimit(max_requests=rate, period=1)
        async with ConvictionalClient(
            sandbox.buyer_key, base_url=sandbox.url, rate_limit=limit
        ) as client:
            before = len(sandbox.state.records)
            tracemalloc.start()
            started = time.perf_counter()
            ids = [product.id async for product in client.buyer.products.list(limit=page_size)]
            wall = time.perf_counter() - started
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            records = list(sandbox.state.records)[before:]
            client_429s = client.metrics.rate_limited
    requests = len(records)
    return Result(
        products=len(ids),
        unique=len(set(ids)),
        requests=requests,
        wall=wall,
        ideal=requests / rate,
        server_429s=sum(1 for record in records if record.status == 429),
        client_429s=client_429s,
        peak_bytes=peak,
    )


def report(result: Result, *, rate: int) -> str:
    """The printed summary of one run."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rss_mib = rss / 1024 if sys.platform != "darwin" else rss / 1024 / 1024
    return "\n".join(
        [
            f"Buyer products through ConvictionalClient against the sandbox at {rate}/s",
            f"  products listed  {result.products:,} ({result.unique:,} distinct)",
            f"  requests         {result.requests:,}",
            f"  wall time        {result.wall:.2f} s (ideal {result.ideal:.2f} s = "
            f"requests / {rate} per s; {result.wall / result.ideal:.2f}x)",
            f"  429s             {result.server_429s} sent by the sandbox, "
            f"{result.client_429s} seen by the client",
            f"  peak memory      {result.peak_bytes / 2**20:.1f} MiB allocated while listing "
            f"(tracemalloc), {rss_mib:.0f} MiB peak RSS",
        ]
    )


def main(argv: list[str] | None = None) -> Result:
    """Parse the options, run once and print the summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=5000)
    parser.add_argument("--rate", type=int, default=5, help="requests per second per key")
    parser.add_argument("--page-size", type=int, default=250)
    parser.add_argument("--quick", action="store_true", help="600 products at 50/s")
    options = parser.parse_args(argv)
    products, rate = (600, 50) if options.quick else (options.products, options.rate)
    result = asyncio.run(run(products, rate, options.page_size))
    print(report(result, rate=rate))
    return result


if __name__ == "__main__":
    main()
