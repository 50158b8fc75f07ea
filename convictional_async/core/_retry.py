"""The retry policy: pure decisions from (what happened, attempt) to a delay or giving up.

Rules, in order:

* a 429 is always safe to retry: the server promises it had no effect. 429s never use up
  ``max_retries``: they have their own budget in time, ``max_rate_limit_wait`` (the sum of
  the waits they asked for), after which :class:`RateLimitError` is raised;
* a connection that was never established carried no request, so it is safe to retry;
* anything that may have reached the server (a 5xx, a timeout, a dropped connection) is
  retried only when the operation is safe to repeat (``idempotent=True``);
* a ``Retry-After`` header (seconds or an HTTP date; ``retry-after-ms`` first where sent)
  is honoured; one asking for more than ``max_retry_after`` seconds gives up at once, so
  the caller sees the error;
* otherwise the delay is capped exponential backoff with jitter.
"""

from __future__ import annotations

import email.utils
import math
from collections.abc import Mapping

import attrs

from ._errors import TLSError, TransportError
from ._validate import attrs_check, non_negative_int, non_negative_number

RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


def parse_retry_after(value: str | None, *, now: float) -> float | None:
    """Parse a ``Retry-After`` value (delay seconds or an HTTP date) into seconds from ``now``.

    ``now`` is the current Unix time. Returns ``None`` for a missing or unreadable value.

    >>> parse_retry_after("3", now=0.0)
    3.0
    >>> parse_retry_after("Thu, 01 Jan 1970 00:00:10 GMT", now=4.0)
    6.0
    """
    if value is None:
        return None
    value = value.strip()
    if not value or len(value) > 64:
        return None
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if math.isfinite(seconds) else None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - now)


def retry_after_seconds(headers: Mapping[str, str], *, now: float) -> float | None:
    """The server's requested wait: ``retry-after-ms`` first, then ``Retry-After``.

    >>> retry_after_seconds({"retry-after-ms": "250", "Retry-After": "1"}, now=0.0)
    0.25
    """
    milliseconds = headers.get("retry-after-ms")
    if milliseconds is not None:
        try:
            value = float(milliseconds.strip()) if len(milliseconds) <= 32 else math.nan
        except ValueError:
            value = math.nan
        if math.isfinite(value):
            return max(0.0, value / 1000.0)
    return parse_retry_after(headers.get("Retry-After"), now=now)


def resume_jitter(delay: float, rand: float, *, share: float = 0.5) -> float:
    """A little extra wait after a pause, so waiters do not all resume in one instant:
    up to ``share`` x a fifth of the pause and ``share`` x 500 ms (a tenth and 250 ms by
    default).

    >>> resume_jitter(1.0, 0.5)
    0.05
    """
    return rand * share * min(0.2 * delay, 0.5)


MAX_RETRIES = 100
"""The most retries a policy may allow."""


_seconds = attrs_check(non_negative_number)
"""A finite number of seconds >= 0 (a bool is not a number)."""


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """When and how long to wait before trying a failed request again.

    ``max_retries`` counts retries, not attempts: 3 means at most 4 attempts.

    >>> policy = RetryPolicy(max_retries=2, backoff_initial=0.1, jitter=0.0)
    >>> policy.delay_after_status(503, {}, attempt=0, idempotent=True, now=0.0, rand=0.5)
    0.1
    >>> policy.delay_after_status(503, {}, attempt=0, idempotent=False, now=0.0, rand=0.5)
    """

    max_retries: int = attrs.field(default=3, validator=attrs_check(non_negative_int, MAX_RETRIES))
    backoff_initial: float = attrs.field(default=0.2, validator=_seconds)
    backoff_max: float = attrs.field(default=10.0, validator=_seconds)
    backoff_multiplier: float = attrs.field(default=2.0, validator=_seconds)
    jitter: float = attrs.field(default=0.5, validator=attrs_check(non_negative_number, 1))
    """The share of each backoff delay that is randomized (0: none, 1: full jitter)."""
    max_retry_after: float = attrs.field(default=60.0, validator=_seconds)
    """The longest single wait a server may ask for (``Retry-After``); longer: give up.
    It also caps how long one response can pause a shared rate limiter (the longest among
    the clients sharing it)."""
    max_rate_limit_wait: float = attrs.field(default=60.0, validator=_seconds)
    """The time budget for 429s: the most one call waits, in total, on 429 responses."""
    retry_statuses: frozenset[int] = RETRYABLE_STATUSES

    @classmethod
    def never(cls) -> RetryPolicy:
        """A policy that never retries (429s included)."""
        return cls(max_retries=0, max_rate_limit_wait=0.0)

    def backoff(self, attempt: int, rand: float) -> float:
        """The jittered, capped exponential delay after failed attempt ``attempt`` (0-based).

        ``rand`` is a uniform random number in [0, 1).
        """
        cap = self.backoff_initial
        for _ in range(min(attempt, 64)):  # past the cap it stops growing (no overflow)
            if cap >= self.backoff_max:
                break
            cap *= self.backoff_multiplier
        return min(cap, self.backoff_max) * (1.0 - self.jitter * rand)

    def delay_after_status(
        self,
        status: int,
        headers: Mapping[str, str],
        *,
        attempt: int,
        idempotent: bool,
        now: float,
        rand: float,
    ) -> float | None:
        """Seconds to wait before retrying after a response with ``status``, or ``None``.

        ``attempt`` is the 0-based number of the attempt that just failed; ``now`` is the
        current Unix time (for an HTTP-date ``Retry-After``).
        """
        if status == 429:
            return self.delay_after_throttle(
                headers, waited=0.0, throttles=attempt, now=now, rand=rand
            )
        if attempt >= self.max_retries or status not in self.retry_statuses or not idempotent:
            return None
        retry_after = retry_after_seconds(headers, now=now)
        if retry_after is not None:
            return retry_after if retry_after <= self.max_retry_after else None
        return self.backoff(attempt, rand)

    def delay_after_throttle(
        self,
        headers: Mapping[str, str],
        *,
        waited: float,
        throttles: int,
        now: float,
        rand: float,
    ) -> float | None:
        """Seconds to wait after a 429, or ``None`` to give up.

        ``waited`` is what earlier 429s of this call already asked for; ``throttles`` how
        many there were. The wait is the server's ``Retry-After`` (else the backoff), plus
        a little jitter; it gives up when the server asks for more than
        ``max_retry_after`` or the call's 429 budget (``max_rate_limit_wait``) would run out.

        >>> RetryPolicy().delay_after_throttle({"Retry-After": "2"}, waited=0.0, throttles=0,
        ...                                    now=0.0, rand=0.0)
        2.0
        """
        if 429 not in self.retry_statuses or self.max_rate_limit_wait <= 0:
            return None
        delay = retry_after_seconds(headers, now=now)
        if delay is None:
            delay = self.backoff(throttles, rand)
        elif delay > self.max_retry_after:
            return None
        delay += resume_jitter(delay, rand, share=self.jitter)
        return delay if waited + delay <= self.max_rate_limit_wait else None

    def delay_after_error(
        self, error: TransportError, *, attempt: int, idempotent: bool, rand: float
    ) -> float | None:
        """Seconds to wait before retrying after a transport failure, or ``None``."""
        if attempt >= self.max_retries or isinstance(error, TLSError):
            return None
        if error.request_may_have_been_sent and not idempotent:
            return None
        return self.backoff(attempt, rand)
