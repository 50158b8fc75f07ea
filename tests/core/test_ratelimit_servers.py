"""The limiter against real rate-limited servers on 127.0.0.1 (counts, never timings)."""

from __future__ import annotations

import asyncio
import importlib.util
import sys
import threading
from pathlib import Path

from yarl import URL

from convictional_async.core import (
    APIKeyAuth,
    Pipeline,
    RateLimit,
    RetryPolicy,
    Transport,
    shared_rate_limiter,
)

_path = Path(__file__).resolve().parents[2] / "benchmarks" / "_limited_server.py"
_spec = importlib.util.spec_from_file_location("benchmarks_limited_server", _path)
assert _spec is not None
assert _spec.loader is not None
limited = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = limited
_spec.loader.exec_module(limited)

FIVE_PER_SECOND = RateLimit(max_requests=5, period=1)


async def fire(
    key: str,
    url: str,
    count: int,
    limit: RateLimit | None = FIVE_PER_SECOND,
    max_connections: int = 100,
):
    """``count`` concurrent GETs through one client object using credential ``key``."""
    transport = Transport(max_connections=max_connections)
    pipeline = Pipeline(
        transport,
        retry=RetryPolicy(),
        auth=APIKeyAuth(key),
        rate_limiter=shared_rate_limiter(f"test:{key}", limit),
    )
    try:
        responses = await asyncio.gather(
            *(
                pipeline.send("GET", URL(url) / "products", headers={}, idempotent=True)
                for _ in range(count)
            )
        )
    finally:
        await transport.aclose()
    return [r.status for r in responses], pipeline.metrics


async def one_client(kind: str) -> None:
    async with limited.limited_server(kind, 5) as server:
        statuses, metrics = await fire(f"key-{kind}", server.url, 9)
    assert statuses == [200] * 9, kind
    assert server.throttled == 0, kind
    assert metrics.limiter_waits >= 8
    assert metrics.rate_limited == 0


async def test_concurrent_requests_at_5_per_second_see_zero_429s():
    """A strict millisecond leaky bucket and fixed 1-second windows (run side by side)."""
    await asyncio.gather(one_client("leaky"), one_client("window"))


async def three_clients_two_loops(kind: str) -> None:
    async with limited.limited_server(kind, 5) as server:
        key = f"shared-{kind}"
        other_loop: list[list[int]] = []

        def in_another_loop() -> None:
            statuses, _ = asyncio.run(fire(key, server.url, 3))
            other_loop.append(statuses)

        thread = threading.Thread(target=in_another_loop)
        thread.start()
        results = await asyncio.gather(*(fire(key, server.url, 2) for _ in range(3)))
        await asyncio.to_thread(thread.join, 20)
    statuses = [s for r, _ in results for s in r] + other_loop[0]
    assert statuses == [200] * 9, kind
    assert server.throttled == 0, kind


async def test_three_clients_and_two_event_loops_share_one_budget():
    await asyncio.gather(three_clients_two_loops("leaky"), three_clients_two_loops("window"))


async def test_an_unknown_limit_is_learned_and_every_request_succeeds():
    async with limited.limited_server("unknown", 40) as server:
        statuses, metrics = await fire(
            "key-unknown", server.url, 120, limit=None, max_connections=20
        )
    assert statuses == [200] * 120
    assert metrics.rate_limited == server.throttled
    assert server.throttled < 60  # fewer 429s than half the requests
    assert metrics.retries == server.throttled  # every 429 was retried, none used max_retries
