"""A busy client whose Redis connection pool is exhausted waits for a connection, not fails."""

from __future__ import annotations

import asyncio

from redis.asyncio import Redis
from redis_support import RedisServer

from convictional_async.core import RateLimit
from convictional_async.redis import RedisRateLimiter


async def test_more_concurrent_requests_than_redis_connections_all_get_a_slot(
    redis_server: RedisServer, prefix
):
    client = Redis.from_url(redis_server.url, max_connections=10)
    limiter = RedisRateLimiter(client, limit=RateLimit(max_requests=10_000)).for_credential(
        f"{prefix}:pool"
    )

    async def one() -> None:
        wait = limiter.reserve()
        if wait is not None:
            await wait

    try:
        await asyncio.gather(*(one() for _ in range(50)))  # 50 at once over 10 connections
    finally:
        await limiter.aclose()
        await client.aclose()
