"""ConvictionalClient paced through Redis: the limiter is bound to the client's key."""

from __future__ import annotations

from redis.asyncio import Redis
from redis_support import RedisServer

from convictional_async import ConvictionalClient
from convictional_async.redis import RedisRateLimiter
from convictional_async.sandbox import Sandbox


async def test_a_convictional_client_accepts_a_redis_limiter(redis_server: RedisServer, prefix):
    redis = Redis.from_url(redis_server.url)
    limiter = RedisRateLimiter(redis, prefix=prefix.replace("-", "_"))
    try:
        async with (
            Sandbox() as sandbox,
            ConvictionalClient(
                sandbox.buyer_key, base_url=sandbox.url, rate_limit=None, rate_limiter=limiter
            ) as client,
        ):
            me = [await client.shared.me() for _ in range(3)]
            bound = client.rate_limiter
        assert len(me) == 3
        assert isinstance(bound, RedisRateLimiter)
        assert bound is not limiter  # bound to this client's key
        assert bound.round_trips >= 3  # every request was paced through Redis
    finally:
        await limiter.aclose()
        await redis.aclose()
