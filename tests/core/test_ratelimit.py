"""Rate limiting: header parsing (pure), pacing, the shared back-off gate, sharing."""

from __future__ import annotations

import asyncio
import gc

import pytest

from convictional_async.core import (
    LocalRateLimiter,
    RateLimit,
    RateLimitHeaders,
    shared_rate_limiter,
)


def test_parse_convictional_headers():
    info = RateLimitHeaders.parse({"X-Rate-Limit-Limit": "5", "X-Rate-Limit-Duration": "1"}, now=0)
    assert info.advertised() == RateLimit(max_requests=5, period=1)
    assert info.pause(200, default=1.0) is None


def test_parse_generic_headers_and_duration_suffix():
    headers = {"X-RateLimit-Limit": "100", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "7"}
    info = RateLimitHeaders.parse(headers, now=0)
    assert (info.limit, info.remaining, info.reset_after) == (100, 0, 7)
    assert info.advertised() is None  # a count without a window says nothing about the rate
    assert info.pause(200, default=1.0) == 7
    assert RateLimitHeaders.parse({"X-Rate-Limit-Duration": "1s"}, now=0).period == 1.0


def test_reset_as_a_unix_timestamp_becomes_seconds_from_now():
    info = RateLimitHeaders.parse({"X-RateLimit-Reset": "1700000010"}, now=1_700_000_000.0)
    assert info.reset_after == 10.0


def test_429_pause_prefers_retry_after_then_reset_then_default():
    assert (
        RateLimitHeaders.parse({"Retry-After": "3", "X-RateLimit-Reset": "9"}, now=0).pause(
            429, default=1.0
        )
        == 3.0
    )
    assert RateLimitHeaders.parse({"X-RateLimit-Reset": "9"}, now=0).pause(429, default=1.0) == 9.0
    assert RateLimitHeaders.parse({}, now=0).pause(429, default=1.5) == 1.5


@pytest.mark.parametrize("value", ["soon", "-1", "inf", ""])
def test_garbage_headers_are_ignored(value):
    info = RateLimitHeaders.parse(
        {"X-Rate-Limit-Limit": value, "X-RateLimit-Remaining": value}, now=0
    )
    assert info.limit is None
    assert info.remaining is None


@pytest.mark.parametrize(
    "kwargs", [{"max_requests": 0}, {"max_requests": -1}, {"max_requests": 5, "period": 0}]
)
def test_invalid_limit_is_a_value_error(kwargs):
    with pytest.raises(ValueError, match=r"max_requests|period"):
        RateLimit(**kwargs)


async def test_pacing_never_bursts_past_the_limit():
    limiter = LocalRateLimiter(RateLimit(max_requests=10, period=0.5))  # one per 50 ms
    admitted = 0

    async def worker():
        nonlocal admitted
        while True:
            await limiter.acquire()
            admitted += 1

    tasks = [asyncio.create_task(worker()) for _ in range(20)]
    await asyncio.sleep(0.26)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    # A burst-allowing bucket would admit 10 at once; no-burst admits at most one per
    # 50 ms slot. Slowness can only lower the count, so the upper bound is the claim.
    assert 1 <= admitted <= 7


async def test_a_429_holds_every_caller_for_retry_after():
    limiter = LocalRateLimiter()
    limiter.observe(429, {"Retry-After": "0.2"})
    loop = asyncio.get_running_loop()
    started = loop.time()
    await asyncio.gather(*(limiter.acquire() for _ in range(5)))
    assert loop.time() - started >= 0.19
    assert limiter.pauses == 1


async def test_exhausted_window_pauses_until_reset():
    limiter = LocalRateLimiter()
    limiter.observe(200, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "0.1"})
    loop = asyncio.get_running_loop()
    started = loop.time()
    await limiter.acquire()
    assert loop.time() - started >= 0.09


async def test_reserve_needs_no_coroutine_unless_something_limits():
    unlimited = LocalRateLimiter()
    assert unlimited.reserve() is None
    unlimited.observe(429, {"Retry-After": "0.01"})
    wait = unlimited.reserve()
    assert wait is not None
    await wait
    assert unlimited.reserve() is None  # the pause is over: the fast path is back
    paced = LocalRateLimiter(RateLimit(max_requests=1000))
    wait = paced.reserve()
    assert wait is not None
    await wait


async def test_plain_responses_do_not_pause():
    limiter = LocalRateLimiter()
    limiter.observe(200, {"Content-Type": "application/json"})
    limiter.observe(503, {})
    assert limiter.pauses == 0


def test_server_advertised_limit_is_adopted_when_stricter():
    limiter = LocalRateLimiter(RateLimit(max_requests=10, period=1))
    limiter.observe(200, {"X-Rate-Limit-Limit": "5", "X-Rate-Limit-Duration": "1"})
    assert limiter.limit == RateLimit(max_requests=5, period=1)
    limiter.observe(200, {"X-Rate-Limit-Limit": "50", "X-Rate-Limit-Duration": "1"})
    assert limiter.limit == RateLimit(max_requests=5, period=1)


def test_unlimited_limiter_adopts_server_limit():
    limiter = LocalRateLimiter()
    limiter.observe(200, {"X-Rate-Limit-Limit": "5", "X-Rate-Limit-Duration": "1"})
    assert limiter.limit is not None
    assert limiter.limit.per_second == 5


def test_same_credential_shares_one_limiter_and_tightens_it():
    first = shared_rate_limiter("test-key-a", RateLimit(max_requests=10))
    second = shared_rate_limiter("test-key-a", RateLimit(max_requests=4))
    other = shared_rate_limiter("test-key-b", None)
    assert first is second
    assert first.limit == RateLimit(max_requests=4)
    assert other is not first
    del first, second, other
    gc.collect()
    assert shared_rate_limiter("test-key-a", None).limit is None  # released when unused
