"""The retry policy is pure: every decision is checked without an event loop."""

from __future__ import annotations

import pytest

from convictional_async.core import (
    ConnectError,
    ConnectionLost,
    RequestTimeout,
    RetryPolicy,
    TLSError,
    parse_retry_after,
)

NO_JITTER = RetryPolicy(max_retries=5, backoff_initial=0.5, backoff_max=4.0, jitter=0.0)


def decide(policy: RetryPolicy, status: int, headers=None, *, attempt=0, idempotent=True):
    return policy.delay_after_status(
        status, headers or {}, attempt=attempt, idempotent=idempotent, now=1_000.0, rand=0.5
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("7", 7.0),
        ("0", 0.0),
        ("2.5", 2.5),
        ("-3", 0.0),
        (" 4 ", 4.0),
        ("Thu, 01 Jan 1970 00:16:50 GMT", 10.0),  # 1010 s after the epoch, now is 1000
        ("Thu, 01 Jan 1970 00:10:00 GMT", 0.0),  # in the past
        ("soon", None),
        ("", None),
        (None, None),
        ("inf", None),
        ("nan", None),
    ],
)
def test_parse_retry_after(value, expected):
    assert parse_retry_after(value, now=1_000.0) == expected


def test_backoff_is_exponential_and_capped():
    delays = [NO_JITTER.backoff(attempt, 0.0) for attempt in range(6)]
    assert delays == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]


def test_jitter_takes_at_most_its_share():
    policy = RetryPolicy(backoff_initial=1.0, jitter=0.5)
    assert policy.backoff(0, 0.0) == 1.0
    assert policy.backoff(0, 0.999) == pytest.approx(0.5005)
    full = RetryPolicy(backoff_initial=1.0, jitter=1.0)
    assert 0.0 < full.backoff(0, 0.9) < 0.2


@pytest.mark.parametrize("status", [500, 502, 503, 504, 408])
def test_server_errors_retry_only_when_safe_to_repeat(status):
    assert decide(NO_JITTER, status, idempotent=True) == 0.5
    assert decide(NO_JITTER, status, idempotent=False) is None


def test_429_is_always_safe_to_retry():
    assert decide(NO_JITTER, 429, idempotent=False) == 0.5
    assert decide(NO_JITTER, 429, {"Retry-After": "3"}, idempotent=False) == 3.0


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422, 501])
def test_client_errors_are_final(status):
    assert decide(NO_JITTER, status) is None


def test_retry_after_is_honoured_over_backoff():
    assert decide(NO_JITTER, 503, {"Retry-After": "2"}, attempt=3) == 2.0
    http_date = {"Retry-After": "Thu, 01 Jan 1970 00:16:45 GMT"}
    assert decide(NO_JITTER, 503, http_date) == 5.0


def test_retry_after_beyond_the_cap_gives_up():
    policy = RetryPolicy(max_retry_after=30.0, jitter=0.0)
    assert decide(policy, 429, {"Retry-After": "31"}) is None
    assert decide(policy, 429, {"Retry-After": "30"}) == 30.0


def test_max_retries_counts_retries_not_attempts():
    policy = RetryPolicy(max_retries=2, jitter=0.0)
    assert decide(policy, 503, attempt=0) is not None
    assert decide(policy, 503, attempt=1) is not None
    assert decide(policy, 503, attempt=2) is None
    assert decide(RetryPolicy.never(), 429) is None


def test_errors_that_never_sent_the_request_are_always_retried():
    error = ConnectError("refused")
    assert not error.request_may_have_been_sent
    assert NO_JITTER.delay_after_error(error, attempt=0, idempotent=False, rand=0.0) == 0.5


@pytest.mark.parametrize("error_class", [RequestTimeout, ConnectionLost])
def test_errors_after_sending_retry_only_when_safe(error_class):
    error = error_class("boom")
    assert error.request_may_have_been_sent
    assert NO_JITTER.delay_after_error(error, attempt=0, idempotent=True, rand=0.0) == 0.5
    assert NO_JITTER.delay_after_error(error, attempt=0, idempotent=False, rand=0.0) is None


def test_tls_failures_are_never_retried():
    error = TLSError("bad certificate")
    assert NO_JITTER.delay_after_error(error, attempt=0, idempotent=True, rand=0.0) is None


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_retries": -1},
        {"max_retries": 1.5},
        {"max_retries": True},
        {"backoff_initial": -0.1},
        {"backoff_max": float("inf")},
        {"jitter": 1.5},
        {"max_retry_after": float("nan")},
    ],
)
def test_invalid_policy_is_a_value_error(kwargs):
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        RetryPolicy(**kwargs)


def throttle(policy, headers=None, *, waited=0.0, throttles=0, rand=0.0):
    return policy.delay_after_throttle(
        headers or {}, waited=waited, throttles=throttles, now=1_000.0, rand=rand
    )


def test_429s_never_use_up_max_retries_only_their_time_budget():
    policy = RetryPolicy(max_retries=0, max_rate_limit_wait=10.0, jitter=0.0)
    assert throttle(policy, {"Retry-After": "3"}, throttles=50) == 3.0
    assert throttle(policy, {"Retry-After": "3"}, waited=7.0) == 3.0
    assert throttle(policy, {"Retry-After": "3"}, waited=7.5) is None  # budget spent
    assert throttle(RetryPolicy.never(), {"Retry-After": "0"}) is None


def test_429_without_retry_after_backs_off_by_how_many_429s_came_before():
    policy = RetryPolicy(backoff_initial=0.5, jitter=0.0)
    assert [throttle(policy, throttles=n) for n in range(3)] == [0.5, 1.0, 2.0]


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after-ms": "250"}, 0.25),
        ({"retry-after-ms": "250", "Retry-After": "9"}, 0.25),
        ({"retry-after-ms": "garbage", "Retry-After": "2"}, 2.0),
        ({"Retry-After": "Thu, 01 Jan 1970 00:16:45 GMT"}, 5.0),
    ],
)
def test_429_honours_retry_after_ms_and_http_dates(headers, expected):
    assert throttle(RetryPolicy(jitter=0.0), headers) == expected


@pytest.mark.parametrize("value", ["999999", "Fri, 01 Jan 2099 00:00:00 GMT", "1e308"])
def test_an_absurd_retry_after_gives_up_at_once(value):
    assert throttle(RetryPolicy(), {"Retry-After": value}) is None


def test_resume_jitter_spreads_waiters_but_stays_small():
    policy = RetryPolicy(jitter=0.5, max_rate_limit_wait=120.0)
    delays = {throttle(policy, {"Retry-After": "1"}, rand=r / 10) for r in range(10)}
    assert len(delays) == 10
    assert all(1.0 <= d <= 1.1 for d in delays)
    assert throttle(policy, {"Retry-After": "60"}, rand=0.999) <= 60.25


def test_backoff_stops_growing_at_its_cap_without_overflow():
    policy = RetryPolicy(backoff_initial=0.5, backoff_max=4.0, jitter=0.0)
    assert policy.backoff(2000, 0.0) == 4.0
    assert RetryPolicy(backoff_initial=0.0, jitter=0.0).backoff(5000, 0.0) == 0.0


@pytest.mark.parametrize("value", [101, 10**6])
def test_max_retries_is_bounded(value):
    with pytest.raises(ValueError, match="max_retries"):
        RetryPolicy(max_retries=value)
