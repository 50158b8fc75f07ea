"""Several real processes share one credential's budget through Redis (counts, not timings)."""

from __future__ import annotations

import asyncio
import json
import sys

import pytest
from redis_support import WORKER, RedisServer, load_limited_server, run_workers

from convious.sandbox import Sandbox

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


async def test_processes_starting_cold_log_in_once_and_once_more_after_a_revocation(
    redis_server: RedisServer, prefix
):
    async with Sandbox() as sandbox:
        task = token_task(sandbox, prefix)
        cold = await run_workers(redis_server.url, [task] * 3, barrier=f"{prefix}:cold")
        assert sandbox.state.token_requests == 1
        assert len({r["token"] for r in cold}) == 1
        assert sum(r["logins"] for r in cold) == 1
        sandbox.revoke_tokens()
        stale = {**task, "stale": cold[0]["token"]}
        after = await run_workers(redis_server.url, [stale] * 3, barrier=f"{prefix}:revoked")
        assert sandbox.state.token_requests == 2
        assert len({r["token"] for r in after}) == 1
        assert after[0]["token"] != cold[0]["token"]


async def test_a_process_killed_holding_the_lock_holds_the_others_up_until_it_expires(
    redis_server: RedisServer, prefix
):
    async with Sandbox() as sandbox:
        task = {**token_task(sandbox, prefix), "lock_ttl": 1.0}
        holder = await asyncio.create_subprocess_exec(
            sys.executable,
            str(WORKER),
            json.dumps({**task, "hang": True, "redis": redis_server.url, "barrier": prefix}),
            stdout=asyncio.subprocess.PIPE,
        )
        try:
            assert holder.stdout is not None
            async with asyncio.timeout(20):
                assert await holder.stdout.readline() == b"locked\n"
        finally:
            holder.kill()
            await holder.wait()
        waiters = await run_workers(redis_server.url, [task] * 3, barrier=prefix)
        assert sandbox.state.token_requests == 1  # the killed process never got that far
    assert len({r["token"] for r in waiters}) == 1
    assert all(r["waited"] < 1.0 + 1.0 for r in waiters)


def token_task(sandbox: Sandbox, prefix: str) -> dict[str, object]:
    options = sandbox.client_options()
    return {
        "kind": "token",
        "key": f"{prefix}:convious",
        "token_url": f"{sandbox.url}/oauth/token/",
        "client_id": options["client_id"],
        "client_secret": options["client_secret"],
    }
