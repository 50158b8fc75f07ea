"""RedisRateLimiter on a real Redis: inputs, keys, pacing, the shared pause, advertised limits."""

from __future__ import annotations

import asyncio
import time

import pytest
from redis.asyncio import Redis
from redis_support import load_limited_server
from yarl import URL

from convictional_async.core import APIKeyAuth, Pipeline, RateLimit, RetryPolicy, Transport
from convictional_async.redis import RedisRateLimiter

limited = load_limited_server()
FIVE = RateLimit(max_requests=5, period=1.0)


class RecordingSleep:
    """``asyncio.sleep`` that remembers every delay it was asked for."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)
        await asyncio.sleep(delay)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"prefix": "a{b}"}, "prefix must be"),
        ({"prefix": ""}, "prefix must be"),
        ({"key": "k with space"}, "key must be"),
        ({"limit": 5}, "limit must be a RateLimit"),
        ({"on_redis_error": "ignore"}, "on_redis_error must be"),
        ({"limit": FIVE, "on_redis_error": "local"}, "needs fallback_limit"),
        ({"fallback_limit": FIVE}, "applies only with on_redis_error='local'"),
        (
            {
                "limit": FIVE,
                "on_redis_error": "local",
                "fallback_limit": RateLimit(max_requests=6, period=1.0),
            },
            "must not be looser",
        ),
        ({"timeout": 0}, "timeout must be"),
        ({"max_pause": float("nan")}, "max_pause must be"),
    ],
)
def test_invalid_options_raise_value_error(options, message):
    with pytest.raises(ValueError, match=message):
        RedisRateLimiter(Redis(port=1), **options)


def test_a_client_that_is_not_redis_is_refused():
    with pytest.raises(ValueError, match="redis must be"):
        RedisRateLimiter("redis://localhost")  # type: ignore[arg-type]


def test_an_unbound_limiter_refuses_to_reserve_before_any_traffic():
    limiter = RedisRateLimiter(Redis(port=1), limit=FIVE)
    with pytest.raises(ValueError, match="not bound to a credential"):
        limiter.reserve()
    with pytest.raises(ValueError, match="key must be"):
        limiter.for_credential("{tag}")


def test_binding_is_per_credential_and_an_explicit_key_stays():
    limiter = RedisRateLimiter(Redis(port=1), limit=FIVE)
    one = limiter.for_credential("convious:abc")
    assert limiter.for_credential("convious:abc") is one
    assert limiter.for_credential("convious:def") is not one
    assert one.for_credential("convious:def") is one
    assert one.limit == FIVE
    assert "abc" not in repr(one)


async def test_keys_are_namespaced_hash_tagged_and_expire(redis_client, prefix):
    limiter = RedisRateLimiter(redis_client, limit=FIVE, prefix=prefix).for_credential("c:1")
    await limiter.reserve()
    keys = sorted(k.decode() for k in await redis_client.keys(f"{prefix}:*"))
    assert keys == [f"{prefix}:{{c:1}}:rate"]
    ttl = await redis_client.pttl(keys[0])
    assert 0 < ttl <= 300_000 + 1_000


async def test_a_free_slot_costs_one_round_trip(redis_client, prefix):
    limiter = RedisRateLimiter(redis_client, limit=FIVE, prefix=prefix).for_credential("c:1")
    await limiter.reserve()
    assert limiter.round_trips == 1


async def test_no_limit_and_no_pause_lets_requests_leave_after_one_round_trip_each(
    redis_client, prefix
):
    sleep = RecordingSleep()
    limiter = RedisRateLimiter(redis_client, prefix=prefix, sleep=sleep).for_credential("c:1")
    await asyncio.gather(*(limiter.reserve() for _ in range(20)))
    assert limiter.round_trips == 20
    assert sleep.delays == []


async def test_two_limiters_share_one_budget_and_book_successive_slots(redis_client, prefix):
    sleep = RecordingSleep()
    options = {"limit": RateLimit(max_requests=20, period=1.0), "prefix": prefix, "sleep": sleep}
    one = RedisRateLimiter(redis_client, **options).for_credential("c:1")
    two = RedisRateLimiter(redis_client, **options).for_credential("c:1")
    await asyncio.gather(one.reserve(), two.reserve(), one.reserve())
    interval = RateLimit(max_requests=20, period=1.0).interval
    # The first leaves at once, the others sleep until their slots (a request that wakes
    # up to find the one before it left late may wait a few more microseconds).
    booked = sorted(d for d in sleep.delays if d > interval / 2)
    assert booked == [pytest.approx(interval, abs=0.02), pytest.approx(2 * interval, abs=0.02)]


async def test_a_skewed_local_clock_changes_nothing(redis_client, prefix):
    """Only Redis TIME decides; a process's own clock is used for relative sleeps alone."""
    async with limited.limited_server("leaky", 5) as server:
        statuses = await asyncio.gather(
            fire(redis_client, prefix, server.url, 3, clock=lambda: time.monotonic() + 86400.0),
            fire(redis_client, prefix, server.url, 3, clock=lambda: time.monotonic() - 3600.0),
        )
    assert [s for group in statuses for s in group] == [200] * 6
    assert server.throttled == 0


async def fire(redis_client, prefix, url, count, **options):
    limiter = RedisRateLimiter(redis_client, limit=FIVE, prefix=prefix, **options)
    transport = Transport()
    pipeline = Pipeline(
        transport,
        retry=RetryPolicy(),
        auth=APIKeyAuth("k"),
        rate_limiter=limiter.for_credential("c:1"),
    )
    try:
        responses = await asyncio.gather(
            *(
                pipeline.send("GET", URL(url) / "x", headers={}, idempotent=True)
                for _ in range(count)
            )
        )
    finally:
        await transport.aclose()
        await limiter.aclose()
    return [r.status for r in responses]


async def test_a_429_pauses_every_process_until_retry_after(redis_client, prefix):
    sleep = RecordingSleep()
    seen = RedisRateLimiter(redis_client, prefix=prefix).for_credential("c:1")
    other = RedisRateLimiter(redis_client, prefix=prefix, sleep=sleep).for_credential("c:1")
    seen.observe(429, {"retry-after-ms": "300"})
    await seen.aclose()  # the pause is written in the background
    assert seen.throttled == 1
    ttl = await redis_client.pttl(f"{prefix}:{{c:1}}:pause")
    assert 0 < ttl <= 301
    await other.reserve()
    assert len(sleep.delays) == 1
    assert 0.0 < sleep.delays[0] <= 0.3 + 0.2 * 0.3 * 0.5  # the pause left, plus jitter


async def test_a_pause_is_capped_by_max_pause(redis_client, prefix):
    limiter = RedisRateLimiter(redis_client, prefix=prefix, max_pause=0.5).for_credential("c:1")
    limiter.observe(429, {"Retry-After": "3600"})
    await limiter.aclose()
    assert 0 < await redis_client.pttl(f"{prefix}:{{c:1}}:pause") <= 501


async def test_a_request_waiting_for_its_slot_waits_out_a_pause_that_began_meanwhile(
    redis_client, prefix
):
    sleep = RecordingSleep()
    limit = RateLimit(max_requests=10, period=1.0)
    limiter = RedisRateLimiter(redis_client, limit=limit, prefix=prefix, sleep=sleep)
    bound = limiter.for_credential("c:1")
    await bound.reserve()
    waiting = asyncio.ensure_future(bound.reserve())  # booked ~0.104 s from now
    await asyncio.sleep(0.02)
    bound.observe(429, {"retry-after-ms": "400"})
    await waiting
    await limiter.aclose()
    assert len(sleep.delays) == 2
    assert sleep.delays[1] > 0.2  # at its slot it found the pause and waited it out


async def test_plain_responses_write_nothing_to_redis(redis_client, prefix):
    limiter = RedisRateLimiter(redis_client, limit=FIVE, prefix=prefix).for_credential("c:1")
    for status in (200, 404, 500):
        limiter.observe(status, {"Content-Type": "application/json"})
    await limiter.aclose()
    assert limiter.round_trips == 0
    assert await redis_client.keys(f"{prefix}:*") == []


async def test_an_advertised_limit_is_shared_and_written_once_a_minute(redis_client, prefix):
    sleep = RecordingSleep()
    seen = RedisRateLimiter(redis_client, prefix=prefix).for_credential("c:1")
    headers = {"X-Rate-Limit-Limit": "10", "X-Rate-Limit-Duration": "1"}
    for _ in range(5):
        seen.observe(200, headers)
    await seen.aclose()
    assert seen.round_trips == 1
    assert seen.limit == RateLimit(max_requests=10, period=1.0)
    other = RedisRateLimiter(redis_client, prefix=prefix, sleep=sleep).for_credential("c:1")
    assert other.limit is None  # it has not seen the header itself...
    await asyncio.gather(other.reserve(), other.reserve())
    assert sleep.delays == [pytest.approx(0.104, abs=0.02)]  # ...but paces at it


async def test_a_cancelled_wait_gives_its_slot_back(redis_client, prefix):
    limit = RateLimit(max_requests=1, period=1.0)
    limiter = RedisRateLimiter(redis_client, limit=limit, prefix=prefix)
    bound = limiter.for_credential("c:1")
    await bound.reserve()
    key = f"{prefix}:{{c:1}}:rate"
    first = int(await redis_client.hget(key, "tat"))
    waiting = asyncio.ensure_future(bound.reserve())
    await asyncio.sleep(0.05)
    assert int(await redis_client.hget(key, "tat")) == first + 1_040_000
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    await limiter.aclose()
    assert int(await redis_client.hget(key, "tat")) == first
