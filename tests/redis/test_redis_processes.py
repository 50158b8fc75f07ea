"""Several real processes share one credential's budget through Redis (counts, not timings)."""

from __future__ import annotations

import pytest
from redis_support import RedisServer, load_limited_server, run_workers

limited = load_limited_server()


@pytest.mark.parametrize("kind", ["leaky", "window"])
async def test_three_processes_on_one_key_at_5_per_second_see_zero_429s(
    kind, redis_server: RedisServer, prefix
):
    async with limited.limited_server(kind, 5) as server:
        task = {"kind": "rate", "key": f"{prefix}:k", "url": server.url, "count": 3, "rate": 5}
        results = await run_workers(redis_server.url, [task] * 3, barrier=prefix)
    assert [s for r in results for s in r["statuses"]] == [200] * 9
    assert server.throttled == 0
    assert server.admitted == 9
    # One round trip to book a slot, one more for each request that waited for it.
    assert 9 <= sum(r["round_trips"] for r in results) <= 9 * 2 + 3
