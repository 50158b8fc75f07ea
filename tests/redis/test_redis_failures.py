"""When Redis stops or freezes mid-run: each ``on_redis_error`` policy does what it says."""

from __future__ import annotations

import asyncio
import logging

import pytest
from redis.asyncio import Redis
from redis_support import RedisServer, load_limited_server
from yarl import URL

from convictional_async.core import (
    APIKeyAuth,
    Pipeline,
    RateLimit,
    RetryPolicy,
    SDKError,
    Transport,
)
from convictional_async.redis import (
    CachedToken,
    RedisRateLimiter,
    RedisTokenCache,
    RedisUnavailableError,
)

limited = load_limited_server()
TEN = RateLimit(max_requests=10, period=1.0)
FIVE = RateLimit(max_requests=5, period=1.0)


async def send_all(limiter, url: str, count: int) -> list[object]:
    """``count`` concurrent GETs; each ends in a status or the exception it raised."""
    transport = Transport()
    pipeline = Pipeline(transport, retry=RetryPolicy(), auth=APIKeyAuth("k"), rate_limiter=limiter)
    try:
        async with asyncio.timeout(20):  # nothing may hang
            results = await asyncio.gather(
                *(
                    pipeline.send("GET", URL(url) / "x", headers={}, idempotent=True)
                    for _ in range(count)
                ),
                return_exceptions=True,
            )
    finally:
        await transport.aclose()
    return [getattr(r, "status", r) for r in results]


async def stop_soon(server: RedisServer, after: float) -> None:
    await asyncio.sleep(after)
    await asyncio.to_thread(server.stop)


async def test_fail_policy_raises_a_typed_error_for_every_request_redis_cannot_pace(
    own_redis_server, prefix
):
    redis = Redis.from_url(own_redis_server.url)
    limiter = RedisRateLimiter(redis, limit=TEN, prefix=prefix, timeout=0.3)
    async with limited.limited_server("leaky", 10) as server:
        stopper = asyncio.ensure_future(stop_soon(own_redis_server, 0.25))
        results = await send_all(limiter.for_credential("c:1"), server.url, 8)
        await stopper
        after = await send_all(limiter.for_credential("c:1"), server.url, 2)
    await limiter.aclose()
    await redis.aclose()
    assert len(results) == 8
    sent = [r for r in results if r == 200]
    failed = [r for r in results if isinstance(r, RedisUnavailableError)]
    assert len(sent) + len(failed) == 8  # every request either went out or failed, typed
    assert sent
    assert failed
    assert all(isinstance(r, RedisUnavailableError) for r in after)
    assert isinstance(failed[0], SDKError)
    assert server.admitted == len(sent)  # a failed request was never sent
    assert server.throttled == 0


async def test_local_policy_carries_on_alone_at_the_fallback_rate_with_a_warning(
    own_redis_server, prefix, caplog
):
    caplog.set_level(logging.WARNING, "convictional_async.redis")
    redis = Redis.from_url(own_redis_server.url)
    limiter = RedisRateLimiter(
        redis,
        limit=TEN,
        prefix=prefix,
        timeout=0.3,
        on_redis_error="local",
        fallback_limit=FIVE,
    )
    bound = limiter.for_credential("c:1")
    async with limited.limited_server("leaky", 10) as server:
        stopper = asyncio.ensure_future(stop_soon(own_redis_server, 0.25))
        results = await send_all(bound, server.url, 8)
        await stopper
    await limiter.aclose()
    await redis.aclose()
    assert results == [200] * 8
    assert server.throttled == 0
    assert bound.fallbacks >= 1
    assert bound.limit == FIVE  # falling back: the local limiter's pace
    warnings = [r.getMessage() for r in caplog.records]
    assert any("pacing this process alone" in m for m in warnings)
    assert all("127.0.0.1" not in m for m in warnings)


async def test_local_policy_returns_to_redis_once_it_answers_again(own_redis_server, prefix):
    redis = Redis.from_url(own_redis_server.url)
    limiter = RedisRateLimiter(
        redis,
        prefix=prefix,
        timeout=0.3,
        on_redis_error="local",
        retry_redis_after=0.2,
    )
    bound = limiter.for_credential("c:1")
    await asyncio.to_thread(own_redis_server.stop)
    await bound.reserve()
    assert bound.fallbacks == 1
    await asyncio.to_thread(own_redis_server.start)
    await asyncio.sleep(0.25)
    trips = bound.round_trips
    await bound.reserve()
    assert bound.round_trips == trips + 1
    assert bound.fallbacks == 1
    await limiter.aclose()
    await redis.aclose()


@pytest.mark.parametrize("policy", ["fail", "local"])
async def test_a_frozen_redis_costs_one_timeout_never_a_hang(own_redis_server, prefix, policy):
    redis = Redis.from_url(own_redis_server.url)
    await redis.ping()  # a pooled connection that will get no answer
    own_redis_server.freeze()
    options = {"fallback_limit": FIVE} if policy == "local" else {}
    limiter = RedisRateLimiter(
        redis, limit=TEN, prefix=prefix, timeout=0.2, on_redis_error=policy, **options
    )
    bound = limiter.for_credential("c:1")
    async with asyncio.timeout(5):
        if policy == "fail":
            with pytest.raises(RedisUnavailableError, match="did not answer within"):
                await bound.reserve()
        else:
            await bound.reserve()
            assert bound.fallbacks == 1
        bound.observe(429, {"Retry-After": "1"})
        await limiter.aclose()
    await asyncio.to_thread(own_redis_server.stop)
    await redis.aclose()


async def test_a_lost_background_write_is_logged_not_raised(own_redis_server, prefix, caplog):
    caplog.set_level(logging.WARNING, "convictional_async.redis")
    redis = Redis.from_url(own_redis_server.url)
    await asyncio.to_thread(own_redis_server.stop)
    limiter = RedisRateLimiter(redis, prefix=prefix, timeout=0.3).for_credential("c:1")
    limiter.observe(429, {"Retry-After": "1"})
    await limiter.aclose()
    await redis.aclose()
    assert any("background Redis update was lost" in r.getMessage() for r in caplog.records)


async def counting_login(counter: list[int]) -> CachedToken:
    counter.append(1)
    return CachedToken(f"token-{len(counter)}")


async def test_token_cache_fail_policy_raises_and_local_policy_logs_in_alone(
    own_redis_server, prefix
):
    redis = Redis.from_url(own_redis_server.url)
    await asyncio.to_thread(own_redis_server.stop)
    logins: list[int] = []
    failing = RedisTokenCache(redis, prefix=prefix, timeout=0.3)
    with pytest.raises(RedisUnavailableError):
        await failing.fetch("c:1", lambda: counting_login(logins))
    assert logins == []
    local = RedisTokenCache(redis, prefix=prefix, timeout=0.3, on_redis_error="local")
    token = await local.fetch("c:1", lambda: counting_login(logins))
    assert token.access_token == "token-1"
    await redis.aclose()
