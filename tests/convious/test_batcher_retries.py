"""One owner for a batch's retries: the batcher decides every one, the pipeline none.

The batcher posts through a copy of the client's pipeline that never retries (429s
included) and waits as the client's ``RetryPolicy`` decides, with a fake clock here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

import pytest

from convious import (
    APIStatusError,
    ConnectionLost,
    ConviousClient,
    EventBatcher,
    ProductRemoved,
    RateLimitError,
    RetryPolicy,
    ServerError,
    TLSError,
)
from convious._delivery import retry_delay
from convious.sandbox import Sandbox

NO_BACKOFF = RetryPolicy(max_retries=3, backoff_initial=0.0, backoff_max=0.0)
STEADY = RetryPolicy(max_retries=2, backoff_initial=0.5, backoff_max=4.0, jitter=0.0)


def removed(n: int) -> ProductRemoved:
    return ProductRemoved(product_reference=f"p{n}")


class FakeClock:
    """Records what the batcher waits instead of waiting."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def sleep(self, delay: float) -> None:
        self.waits.append(delay)
        await asyncio.sleep(0)


class NoLimiter:
    """A rate limiter that never paces (so a 429 costs no real waiting here)."""

    limit = None

    def reserve(self) -> None:
        return None

    def observe(self, status: int, headers: Mapping[str, str]) -> None:
        return None

    async def aclose(self) -> None:
        return None


class ScriptedPost:
    """A ``post`` that raises the scripted errors in turn, then accepts."""

    def __init__(self, *failures: BaseException) -> None:
        self.failures = list(failures)
        self.calls = 0

    async def __call__(self, body: bytes) -> None:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)


@pytest.fixture
async def sandbox():
    async with Sandbox() as sandbox:
        yield sandbox


@pytest.mark.parametrize("injected", [1, 6])
async def test_n_503s_on_events_are_n_plus_1_posts_each_decided_by_the_batcher(sandbox, injected):
    sandbox.faults.inject("error", count=injected, target="events")
    async with (
        ConviousClient(**sandbox.client_options(), retry=NO_BACKOFF) as client,
        client.inventory.batcher(linger=0.0, retry=NO_BACKOFF) as batcher,
    ):
        delivery = await batcher.send(removed(0))
        async with asyncio.timeout(5):
            await delivery
    assert sandbox.state.requests_by_endpoint["events"] == injected + 1
    assert batcher.failed_attempts == injected  # every failed POST came back to the batcher
    assert client.metrics.retries == 0  # and the pipeline retried none of them


async def test_the_batcher_waits_the_policys_backoff_past_max_retries():
    clock = FakeClock()
    post = ScriptedPost(*[ServerError("HTTP 503", status=503, request_id=None)] * 5)
    batcher = EventBatcher(post, linger=0.0, retry=STEADY, sleep=clock.sleep)
    async with batcher:
        await (await batcher.send(removed(0)))
    # capped exponential backoff; max_retries (2) ends a call, never a batch
    assert clock.waits == [0.5, 1.0, 2.0, 4.0, 4.0]
    assert post.calls == 6


async def test_a_connection_error_is_retried_with_the_policys_backoff():
    clock = FakeClock()
    post = ScriptedPost(ConnectionLost("reset"), ConnectionLost("reset"))
    async with EventBatcher(post, linger=0.0, retry=STEADY, sleep=clock.sleep) as batcher:
        await (await batcher.send(removed(0)))
    assert clock.waits == [0.5, 1.0]


@pytest.mark.parametrize("asked", [3.0, 90.0])
async def test_a_429s_retry_after_is_honoured_and_capped(asked):
    clock = FakeClock()
    throttled = RateLimitError("HTTP 429", status=429, request_id=None, retry_after=asked)
    post = ScriptedPost(throttled, throttled)
    async with EventBatcher(post, linger=0.0, retry=STEADY, sleep=clock.sleep) as batcher:
        await (await batcher.send(removed(0)))
    # jitter 0: exactly what the server asked, never more than max_retry_after (60 s)
    assert clock.waits == [min(asked, STEADY.max_retry_after)] * 2


async def test_a_429_from_the_sandbox_is_retried_once_by_the_batcher_after_retry_after(sandbox):
    sandbox.faults.retry_after = 7
    sandbox.faults.inject("throttle", count=2, target="events")
    clock = FakeClock()
    async with ConviousClient(
        **sandbox.client_options(), retry=STEADY, rate_limiter=NoLimiter()
    ) as client:
        batcher = client.inventory.batcher(linger=0.0, retry=STEADY)
        batcher._sender.sleep = clock.sleep  # the fake clock
        async with batcher:
            await (await batcher.send(removed(0)))
    assert sandbox.state.requests_by_endpoint["events"] == 3
    assert client.metrics.retries == 0  # the pipeline did not wait out the 429s itself
    assert clock.waits == [7.0, 7.0]


async def test_publish_keeps_the_pipelines_retries(sandbox):
    sandbox.faults.inject("error", count=2, target="events")
    async with ConviousClient(**sandbox.client_options(), retry=NO_BACKOFF) as client:
        assert await client.inventory.publish([removed(0)]) == 1
    assert sandbox.state.requests_by_endpoint["events"] == 3
    assert client.metrics.retries == 2


def test_retry_delay_follows_the_policy_and_never_gives_up():
    policy = RetryPolicy(max_retries=1, backoff_initial=1.0, backoff_max=8.0, jitter=0.0)
    server_error = ServerError("HTTP 503", status=503, request_id=None)
    not_found = APIStatusError("HTTP 404", status=404, request_id=None)  # the policy gives up
    tls = TLSError("bad certificate")  # never retried by the policy, still by the batcher
    assert [retry_delay(policy, server_error, attempt=n, rand=0.0) for n in range(5)] == [
        1.0,
        2.0,
        4.0,
        8.0,
        8.0,
    ]
    assert retry_delay(policy, not_found, attempt=0, rand=0.0) == 1.0
    assert retry_delay(policy, tls, attempt=2, rand=0.0) == 4.0


def test_retry_delay_takes_a_429s_retry_after_with_the_policys_jitter_and_cap():
    policy = RetryPolicy(jitter=0.5, max_retry_after=30.0)

    def throttled(seconds: float | None) -> RateLimitError:
        return RateLimitError("HTTP 429", status=429, request_id=None, retry_after=seconds)

    assert retry_delay(policy, throttled(2.0), attempt=50, rand=0.0) == 2.0
    assert 2.0 < retry_delay(policy, throttled(2.0), attempt=0, rand=0.99) <= 2.0 + 0.25
    assert retry_delay(policy, throttled(600.0), attempt=0, rand=0.5) == 30.0
    assert retry_delay(policy, throttled(None), attempt=0, rand=0.0) == policy.backoff(0, 0.0)
