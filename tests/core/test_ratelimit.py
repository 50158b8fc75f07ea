"""Rate limiting: pure parts (headers, GCRA, AIMD), then the limiter on a virtual clock."""

from __future__ import annotations

import asyncio
import gc
import heapq
import itertools
import threading
import time

import pytest

from convictional_async.core import (
    LocalRateLimiter,
    RateLearner,
    RateLimit,
    RateLimitHeaders,
    next_slot,
    shared_rate_limiter,
)
from convictional_async.core._ratelimit import MIN_RATE, RECOVERY


class VirtualTime:
    """A clock and a sleep for the limiter: time moves only when every task is waiting."""

    def __init__(self) -> None:
        self.now = 1_000.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def clock(self) -> float:
        return self.now

    async def sleep(self, delay: float) -> None:
        future = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + max(delay, 0.0), next(self._order), future))
        await future

    async def run(self, *coroutines, until: float | None = None):
        """Run ``coroutines`` to completion, moving time from one wake-up to the next."""
        tasks = [asyncio.ensure_future(c) for c in coroutines]
        for _ in range(100_000):
            for _ in range(5):
                await asyncio.sleep(0)
            if all(t.done() for t in tasks) or not self._sleepers:
                break
            when, _, future = heapq.heappop(self._sleepers)
            if until is not None and when > until:
                heapq.heappush(self._sleepers, (when, 0, future))
                break
            self.now = max(self.now, when)
            if not future.done():
                future.set_result(None)
        return tasks


def limiter_on(vt: VirtualTime, limit=None, **kwargs) -> LocalRateLimiter:
    return LocalRateLimiter(limit, clock=vt.clock, sleep=vt.sleep, rand=lambda: 0.5, **kwargs)


async def leave(limiter: LocalRateLimiter, vt: VirtualTime, log: list[float]) -> None:
    wait = limiter.reserve()
    if wait is not None:
        await wait
    log.append(vt.now)


# --- pure parts -------------------------------------------------------------------------


def test_margin_widens_the_spacing_and_keeps_96_percent_of_the_budget():
    limit = RateLimit(max_requests=5, period=1)
    assert limit.interval == pytest.approx(0.208)
    assert 1 / limit.interval / limit.per_second >= 0.95
    assert RateLimit(max_requests=5, margin=0).interval == 0.2
    with pytest.raises(ValueError, match="margin"):
        RateLimit(max_requests=5, margin=2)


def test_gcra_books_consecutive_slots():
    assert next_slot(0.0, 10.0, 0.2) == (10.0, 10.2)
    assert next_slot(10.2, 10.0, 0.2) == (10.2, pytest.approx(10.4))


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


def test_429_pause_prefers_retry_after_ms_then_retry_after_then_reset_then_default():
    def pause(headers):
        return RateLimitHeaders.parse(headers, now=0).pause(429, default=1.5)

    assert pause({"retry-after-ms": "300", "Retry-After": "3"}) == 0.3
    assert pause({"Retry-After": "3", "X-RateLimit-Reset": "9"}) == 3.0
    assert pause({"X-RateLimit-Reset": "9"}) == 9.0
    assert pause({}) == 1.5


@pytest.mark.parametrize("value", ["soon", "-1", "inf", "", "9" * 400])
def test_garbage_headers_are_ignored(value):
    info = RateLimitHeaders.parse(
        {"X-Rate-Limit-Limit": value, "X-RateLimit-Remaining": value}, now=0
    )
    assert info.limit is None
    assert info.remaining is None


def test_an_absurdly_low_advertised_limit_is_floored():
    info = RateLimitHeaders.parse(
        {"X-Rate-Limit-Limit": "0.000001", "X-Rate-Limit-Duration": "1"}, now=0
    )
    assert info.advertised().per_second == pytest.approx(MIN_RATE)
    slow_window = {"X-Rate-Limit-Limit": "1", "X-Rate-Limit-Duration": "1e9"}
    assert RateLimitHeaders.parse(slow_window, now=0).advertised().per_second == MIN_RATE


@pytest.mark.parametrize(
    "kwargs", [{"max_requests": 0}, {"max_requests": -1}, {"max_requests": 5, "period": 0}]
)
def test_invalid_limit_is_a_value_error(kwargs):
    with pytest.raises(ValueError, match=r"max_requests|period"):
        RateLimit(**kwargs)


def test_learner_cuts_to_what_was_accepted_in_the_last_second():
    learner = RateLearner()
    for i in range(100):
        learner.on_success(10.0 + i / 100)
    assert learner.on_throttle(11.0, pause=1.0) == pytest.approx(100, rel=0.02)
    # 429s for requests already in flight do not cut again
    assert learner.on_throttle(11.01, pause=1.0) is None


def test_learner_probes_upward_one_percent_per_second_of_successes():
    learner = RateLearner()
    for i in range(100):
        learner.on_success(10.0 + i / 100)
    rate = learner.on_throttle(11.0, pause=1.0)
    t = 11.0
    while t < 13.0:  # the pause plus a window: no increase yet
        learner.on_success(t)
        t += 0.01
    assert learner.rate == rate
    for _ in range(300):
        learner.on_success(t)
        t += 0.01
    assert learner.rate == pytest.approx(rate * 1.01**3, rel=0.02)


def test_learner_a_later_cut_goes_below_the_learned_rate():
    learner = RateLearner()
    for i in range(50):
        learner.on_success(10.0 + i / 50)
    learner.on_throttle(11.0)
    for i in range(200):
        learner.on_success(12.5 + i / 200)
    before = learner.rate
    assert learner.on_throttle(13.5) == pytest.approx(before * 0.9)


def test_learner_needs_successes_to_learn_and_has_a_floor():
    learner = RateLearner()
    assert learner.on_throttle(5.0) is None  # nothing accepted: no rate to learn
    learner.on_success(5.5)
    assert learner.on_throttle(6.0) >= MIN_RATE


def test_learner_recovers_past_the_ceiling_or_after_quiet_time():
    learner = RateLearner()
    for i in range(10):
        learner.on_success(10 + i / 10)
    learner.on_throttle(11.0)
    learner.recover(12.0, ceiling=100.0)
    assert learner.rate is not None
    learner.recover(12.0, ceiling=5.0)
    assert learner.rate is None
    learner.on_success(20.0)
    learner.on_throttle(20.5)
    learner.recover(20.5 + RECOVERY + 1, ceiling=None)
    assert learner.rate is None


# --- the limiter, on a virtual clock --------------------------------------------------------


async def test_pacing_spaces_requests_by_the_interval_without_a_burst():
    vt = VirtualTime()
    limiter = limiter_on(vt, RateLimit(max_requests=5, period=1))
    log: list[float] = []
    await vt.run(*(leave(limiter, vt, log) for _ in range(12)))
    gaps = [b - a for a, b in itertools.pairwise(log)]
    assert len(log) == 12
    assert min(gaps) >= 0.208 - 1e-9
    assert log[-1] - log[0] == pytest.approx(11 * 0.208)


async def test_a_due_request_needs_no_coroutine_even_when_paced():
    vt = VirtualTime()
    limiter = limiter_on(vt, RateLimit(max_requests=5))
    assert limiter.reserve() is None
    wait = limiter.reserve()
    assert wait is not None  # the second one must wait for its slot
    await vt.run(wait)
    vt.now += 10
    assert limiter.reserve() is None
    assert LocalRateLimiter().reserve() is None  # nothing limits at all


async def test_a_late_wake_up_never_lets_two_requests_out_closer_than_the_interval():
    vt = VirtualTime()
    limiter = limiter_on(vt, RateLimit(max_requests=10, margin=0))
    assert limiter.reserve() is None  # leaves at t0
    second, third = limiter.reserve(), limiter.reserve()
    log: list[float] = []

    async def late(wait):
        await wait
        log.append(vt.now)

    # the second one's wake-up comes 50 ms late: the third must still keep its distance
    vt_sleep = vt.sleep

    async def lagging_sleep(delay):
        await vt_sleep(delay + (0.05 if not log else 0.0))

    limiter._sleep = lagging_sleep
    await vt.run(late(second), late(third))
    assert log[1] - log[0] >= 0.1 - 1e-9


async def test_a_429_pauses_everyone_including_requests_already_booked():
    vt = VirtualTime()
    limiter = limiter_on(vt, RateLimit(max_requests=10))
    log: list[float] = []
    start = vt.now
    tasks = await vt.run(*(leave(limiter, vt, log) for _ in range(6)), until=start + 0.2)
    assert len(log) == 2  # t0 and t0 + 0.104
    paused_at = vt.now
    limiter.observe(429, {"Retry-After": "2"})
    await vt.run(*tasks)
    after = log[2:]
    assert len(after) == 4
    assert min(after) >= paused_at + 2.0  # nobody left during the pause
    assert min(b - a for a, b in itertools.pairwise(after)) >= 0.104 - 1e-9
    assert limiter.pauses == 1


async def test_resume_is_jittered_so_waiters_do_not_return_in_one_instant():
    vt = VirtualTime()
    rand = iter(i / 200 for i in range(10_000))
    limiter = LocalRateLimiter(clock=vt.clock, sleep=vt.sleep, rand=lambda: next(rand))
    limiter.observe(429, {"Retry-After": "1"})
    log: list[float] = []
    await vt.run(*(leave(limiter, vt, log) for _ in range(100)))
    assert len(set(log)) > 50
    assert min(log) >= vt.now - 0.1 - 1.0


@pytest.mark.parametrize(
    ("status", "headers"),
    [
        (429, {"Retry-After": "999999"}),
        (429, {"Retry-After": "Fri, 01 Jan 2099 00:00:00 GMT"}),
        (200, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "4102444800"}),
        (200, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "999999999"}),
    ],
)
async def test_no_response_can_pause_a_credential_longer_than_max_pause(status, headers):
    vt = VirtualTime()
    limiter = limiter_on(vt, max_pause=60.0)
    start = vt.now
    limiter.observe(status, headers)
    log: list[float] = []
    await vt.run(leave(limiter, vt, log))
    assert start + 59 <= log[0] <= start + 61


async def test_an_absurd_advertised_limit_is_floored_and_lapses():
    vt = VirtualTime()
    limiter = limiter_on(vt)
    limiter.observe(200, {"X-Rate-Limit-Limit": "0.000001", "X-Rate-Limit-Duration": "1"})
    assert limiter.limit.per_second == pytest.approx(MIN_RATE)
    for _ in range(8):  # plain replies: the clock is read every 8th
        vt.now += 40
        limiter.observe(200, {})
    assert limiter.limit is None


def test_the_latest_advertised_limit_wins_below_the_configured_ceiling():
    limiter = LocalRateLimiter(RateLimit(max_requests=10, period=1))
    limiter.observe(200, {"X-Rate-Limit-Limit": "5", "X-Rate-Limit-Duration": "1"})
    assert limiter.limit == RateLimit(max_requests=5, period=1)
    limiter.observe(200, {"X-Rate-Limit-Limit": "8", "X-Rate-Limit-Duration": "1"})
    assert limiter.limit == RateLimit(max_requests=8, period=1)
    limiter.observe(200, {"X-Rate-Limit-Limit": "50", "X-Rate-Limit-Duration": "1"})
    assert limiter.limit == RateLimit(max_requests=10, period=1)  # never above the ceiling


async def test_a_fresh_advertised_limit_wins_over_a_rate_learned_from_429s():
    vt = VirtualTime()
    limiter = limiter_on(vt)
    five = {"X-Rate-Limit-Limit": "5", "X-Rate-Limit-Duration": "1"}
    for _ in range(10):  # the key is shared elsewhere: 2 of our requests a second get through
        vt.now += 0.5
        limiter.observe(200, five)
    limiter.observe(429, {"Retry-After": "1"})  # a bare 429: AIMD cuts below the advertised 5
    assert limiter.limit.per_second == pytest.approx(2)
    vt.now += 1.5
    limiter.observe(200, five)  # the server says 5 again: its word wins at once
    assert limiter.limit == RateLimit(max_requests=5, period=1)
    vt.now += 0.5
    limiter.observe(429, {"Retry-After": "1", **five})  # a 429 that advertises: pause, no cut
    assert limiter.limit == RateLimit(max_requests=5, period=1)
    assert (limiter.throttled, limiter.pauses) == (2, 2)
    for _ in range(8):  # the server stops advertising: the limit lapses ...
        vt.now += 40
        limiter.observe(200, {})
    assert limiter.limit is None
    for _ in range(10):
        vt.now += 0.5
        limiter.observe(200, {})
    limiter.observe(429, {"Retry-After": "1"})  # ... and 429s are learned from again
    assert limiter.limit.per_second == pytest.approx(2)


def test_unlimited_limiter_adopts_server_limit():
    limiter = LocalRateLimiter()
    limiter.observe(200, {"X-Rate-Limit-Limit": "5", "X-Rate-Limit-Duration": "1"})
    assert limiter.limit is not None
    assert limiter.limit.per_second == 5


async def test_an_unknown_limit_is_learned_from_429s_and_shown():
    vt = VirtualTime()
    limiter = limiter_on(vt)
    for _ in range(100):
        vt.now += 0.009
        limiter.observe(200, {})
    limiter.observe(429, {"Retry-After": "1"})
    assert limiter.limit is not None
    assert limiter.limit.per_second == pytest.approx(100, rel=0.1)
    assert limiter.throttled == 1
    for _ in range(50):  # 429s for requests that were already in flight: one cut only
        limiter.observe(429, {"Retry-After": "1"})
    assert limiter.limit.per_second == pytest.approx(100, rel=0.1)


async def test_a_cancelled_waiter_gives_its_slot_back():
    vt = VirtualTime()
    limiter = limiter_on(vt, RateLimit(max_requests=1, period=1))
    assert limiter.reserve() is None
    wait = limiter.reserve()
    task = asyncio.ensure_future(wait)
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    log: list[float] = []
    start = vt.now
    await vt.run(leave(limiter, vt, log))
    assert log[0] == pytest.approx(start + 1.04)  # the freed slot, not the one after it


async def test_plain_responses_do_not_pause():
    limiter = LocalRateLimiter()
    limiter.observe(200, {"Content-Type": "application/json"})
    limiter.observe(503, {})
    assert limiter.pauses == 0
    assert limiter.limit is None


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


async def test_a_429_pauses_the_shared_limiter_as_long_as_its_most_patient_client_allows():
    """Clients of one credential share one pause: the second client's longer ``max_pause``
    (its ``RetryPolicy.max_retry_after``) is not cut short by the first one's, nor the other
    way round, so nobody sends into a pause the server asked for."""
    impatient = shared_rate_limiter("test-key-pause", None, max_pause=5.0)
    patient = shared_rate_limiter("test-key-pause", None, max_pause=30.0)
    also_impatient = shared_rate_limiter("test-key-pause", None, max_pause=1.0)
    assert impatient is patient is also_impatient
    vt = VirtualTime()
    patient._clock, patient._sleep, patient._rand = vt.clock, vt.sleep, lambda: 0.5
    start = vt.now
    patient.observe(429, {"Retry-After": "20"})
    log: list[float] = []
    await vt.run(leave(patient, vt, log))
    assert start + 20 <= log[0] <= start + 21
    paused_at = vt.now
    patient.observe(429, {"Retry-After": "999"})  # the longest cap still caps it
    await vt.run(leave(patient, vt, log))
    assert paused_at + 30 <= log[1] <= paused_at + 31


def test_two_event_loops_in_two_threads_share_one_budget():
    """One budget per process: requests from two loops never leave closer than the interval."""
    limiter = shared_rate_limiter("test-two-loops", RateLimit(max_requests=50, period=1))
    log: list[float] = []
    lock = threading.Lock()

    async def requests(count: int) -> None:
        for _ in range(count):
            wait = limiter.reserve()
            if wait is not None:
                await wait
            with lock:
                log.append(time.monotonic())

    threads = [threading.Thread(target=asyncio.run, args=(requests(8),)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert len(log) == 16
    log.sort()
    # Times are taken just after each request was let go, so a busy machine can only add
    # to one of them: the span of all 16 is the robust claim (two budgets would halve it).
    assert log[-1] - log[0] >= 15 * 0.0208 * 0.95


@pytest.mark.parametrize("name", ["default_pause", "max_pause"])
@pytest.mark.parametrize("value", [-1, float("nan"), float("inf"), 10**400, True, "5"])
def test_pause_settings_must_be_finite_numbers_of_seconds(name, value):
    with pytest.raises(ValueError, match=rf"^{name} must be a number >= 0"):
        LocalRateLimiter(**{name: value})
    limiter = shared_rate_limiter("test-key-bad-pause", None)
    with pytest.raises(ValueError, match=r"^max_pause must be a number >= 0"):
        limiter.extend_max_pause(value)  # type: ignore[arg-type]
