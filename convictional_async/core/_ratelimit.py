"""Client-side rate limiting, shared per credential, that paces exactly and listens to the server.

A :class:`LocalRateLimiter` does three things for every request that uses it:

* **Pacing with a margin.** With a rate in force, requests leave one at a time, at least
  ``RateLimit.interval`` (``period / max_requests``, stretched by ``margin``) apart: no
  burst, so neither a fixed-window server nor a millisecond leaky bucket sees one request
  too many, while the budget used stays at ``1 / (1 + margin)`` of the limit. Slots are
  handed out GCRA style (a "theoretical arrival time" moves one interval per request), and
  the spacing is checked again at the moment a request leaves, so a late wake-up never
  lets two requests out closer than the interval.
* **One pause for everyone.** A 429 (or a response saying no requests remain) pauses
  every request using the limiter until the server's ``Retry-After`` / reset time, capped
  at ``max_pause``, with a little jitter on resume. Requests already waiting for a slot
  check the pause again right before they leave.
* **A rate that is learned.** A rate the server advertises (``X-Rate-Limit-Limit`` with
  ``X-Rate-Limit-Duration``) wins: each response that advertises it replaces a learned
  rate, and a 429 that advertises it pauses without a cut. Where none is advertised, a
  429 cuts the rate to about what the server accepted in the last second (multiplicative
  decrease), and each second of successes raises it by 1% (additive increase, as TCP
  does). Every learned or advertised value has a floor (:data:`MIN_RATE`), never exceeds
  the configured limit, and recovers: an advertised limit lapses when the server stops
  sending it, and a learned one once it has grown back past the configured limit or
  :data:`RECOVERY` seconds pass without a 429.

The limiter keeps one budget per process: its state sits behind a thread lock and runs on
``time.monotonic`` (the clock every asyncio loop uses), so clients on several event loops
(threads) that share a credential share one budget. :func:`shared_rate_limiter` gives every
client object using the same credential fingerprint in the process the same limiter.

The :class:`RateLimiter` protocol is the seam for other backends (one shared across
processes, for instance). A minimal implementation that never limits::

    class NoLimit:
        limit = None

        def reserve(self) -> Awaitable[None] | None:
            return None  # nothing to wait for: no coroutine is created

        def observe(self, status: int, headers: Mapping[str, str]) -> None:
            pass  # must not block; do any I/O in a task of your own (fire and forget)

        async def aclose(self) -> None:
            pass
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
import threading
import time
import weakref
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from typing import Protocol

import attrs
from multidict import istr

from ._retry import resume_jitter, retry_after_seconds
from ._validate import non_negative_number

logger = logging.getLogger("convictional_async.ratelimit")
# Case-insensitive keys made once: a response's headers are searched for them every time.
_REMAINING = istr("X-RateLimit-Remaining")
_RATE_LIMIT_LIMIT = istr("X-Rate-Limit-Limit")
_RATELIMIT_LIMIT = istr("X-RateLimit-Limit")

DEFAULT_MARGIN = 0.04
"""How much wider than ``period / max_requests`` the spacing between requests is."""
MIN_RATE = 1 / 60
"""The floor of any advertised or learned rate: one request a minute."""
RECOVERY = 300.0
"""Seconds without a 429 after which a learned rate is forgotten."""
ADVERTISED_TTL = 300.0
"""Seconds an advertised limit stays in force after the server last sent it."""
DEFAULT_MAX_PAUSE = 60.0
"""The longest one response can pause a limiter (``RetryPolicy.max_retry_after``)."""
INCREASE = 0.01
"""Additive increase: the share of the learned rate added per second of successes."""
MIN_INCREASE = 0.05
"""The smallest additive step, in requests per second."""
WINDOW = 1.0
"""The window in which accepted requests are counted for a multiplicative decrease."""
SAMPLE_SPACING = 0.1
"""Seconds between two samples of the success count (it is read every 8th success)."""
SAMPLES = 16
"""Samples kept: at least 1.5 s of history."""
_EPOCH_THRESHOLD = 1_000_000_000.0
"""A reset value above this is a Unix timestamp, not a number of seconds."""


def _positive(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    if isinstance(value, bool) or not (
        isinstance(value, int | float) and math.isfinite(value) and value > 0
    ):
        raise ValueError(f"{attribute.name} must be a finite number > 0, got {value!r}")


def _margin(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    if isinstance(value, bool) or not (isinstance(value, int | float) and 0 <= value <= 1):
        raise ValueError(f"{attribute.name} must be a number from 0 to 1, got {value!r}")


@attrs.frozen(kw_only=True)
class RateLimit:
    """At most ``max_requests`` requests in any ``period`` seconds, paced with a ``margin``.

    >>> RateLimit(max_requests=5, period=1.0).interval
    0.208
    """

    max_requests: float = attrs.field(validator=_positive)
    period: float = attrs.field(default=1.0, validator=_positive)
    margin: float = attrs.field(default=DEFAULT_MARGIN, validator=_margin, repr=False)

    @property
    def per_second(self) -> float:
        """The steady rate in requests per second."""
        return self.max_requests / self.period

    @property
    def interval(self) -> float:
        """The spacing between two requests: ``period / max_requests``, plus the margin."""
        return round(self.period / self.max_requests * (1.0 + self.margin), 9)

    @classmethod
    def per_second_of(cls, rate: float, *, margin: float = DEFAULT_MARGIN) -> RateLimit:
        """A limit of ``rate`` requests per second."""
        return cls(max_requests=rate, period=1.0, margin=margin)


@attrs.frozen(kw_only=True)
class RateLimitHeaders:
    """What one response's headers say about the rate limit (each part optional)."""

    limit: float | None = None
    period: float | None = None
    remaining: int | None = None
    reset_after: float | None = None
    retry_after: float | None = None

    @classmethod
    def parse(cls, headers: Mapping[str, str], *, now: float) -> RateLimitHeaders:
        """Read the rate-limit headers leniently; ``now`` is the current Unix time.

        >>> RateLimitHeaders.parse({"X-Rate-Limit-Limit": "5", "X-Rate-Limit-Duration": "1"},
        ...                        now=0.0).advertised()
        RateLimit(max_requests=5.0, period=1.0)
        """
        limit = _number(headers.get("X-Rate-Limit-Limit")) or _number(
            headers.get("X-RateLimit-Limit")
        )
        period = _number(headers.get("X-Rate-Limit-Duration"))
        remaining_value = _number(headers.get("X-RateLimit-Remaining"))
        reset = _number(headers.get("X-RateLimit-Reset"))
        if reset is not None and reset > _EPOCH_THRESHOLD:
            reset = max(0.0, reset - now)
        return cls(
            limit=limit,
            period=period,
            remaining=None if remaining_value is None else int(min(remaining_value, 2**31)),
            reset_after=reset,
            retry_after=retry_after_seconds(headers, now=now),
        )

    def advertised(self) -> RateLimit | None:
        """The limit the server advertises, when it gives both a count and a window
        (never slower than :data:`MIN_RATE`)."""
        if not (self.limit and self.period):
            return None
        if self.limit / self.period < MIN_RATE:
            return RateLimit.per_second_of(MIN_RATE)
        return RateLimit(max_requests=self.limit, period=self.period)

    def pause(self, status: int, *, default: float) -> float | None:
        """How long everyone should hold off after this response, or ``None`` (uncapped)."""
        if status == 429:
            for candidate in (self.retry_after, self.reset_after):
                if candidate is not None:
                    return candidate
            return default
        if self.remaining is not None and self.remaining <= 0 and self.reset_after:
            return self.reset_after
        return None


def _number(value: str | None) -> float | None:
    """Parse a header number, tolerating a unit suffix such as ``1s``."""
    if value is None:
        return None
    text = value.strip().rstrip("s").strip()
    if len(text) > 32:
        return None
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) and number >= 0 else None


def next_slot(tat: float, now: float, interval: float) -> tuple[float, float]:
    """GCRA: when a request asked for at ``now`` may leave, and the next free slot after it.

    ``tat`` is the earliest time the next request may leave.

    >>> next_slot(tat=0.0, now=5.0, interval=0.2)
    (5.0, 5.2)
    >>> next_slot(tat=5.2, now=5.0, interval=0.2)
    (5.2, 5.4)
    """
    start = tat if tat > now else now
    return start, start + interval


class RateLearner:
    """AIMD on 429s, with a floor, a ceiling and recovery; pure, driven by a clock value.

    >>> learner = RateLearner()
    >>> for t in range(100):
    ...     _ = learner.on_success(0.5 + t / 100)
    >>> round(learner.on_throttle(1.6))
    90
    """

    __slots__ = (
        "_last_throttle",
        "_next_increase",
        "_no_cut_until",
        "_samples",
        "rate",
        "successes",
    )

    def __init__(self) -> None:
        self.rate: float | None = None
        """The learned rate in requests per second, or ``None`` (nothing learned)."""
        self.successes = 0
        """Accepted requests counted so far."""
        self._samples: deque[tuple[float, int]] = deque(maxlen=SAMPLES)
        self._no_cut_until = -math.inf
        self._next_increase = math.inf
        self._last_throttle = -math.inf

    def accepted(self, now: float) -> float:
        """About how many requests succeeded per :data:`WINDOW` lately: those of the last
        window, or the average over a longer span where samples are sparse."""
        then, count = 0.0, 0
        for when, seen in reversed(self._samples):
            if when <= now - WINDOW:
                then, count = when, seen
                break
        else:
            return float(self.successes)  # younger than a window: everything counts
        return (self.successes - count) * WINDOW / max(now - then, WINDOW)

    def on_success(self, now: float) -> bool:
        """Count an accepted request, then :meth:`record`."""
        self.successes += 1
        return self.record(now)

    def record(self, now: float) -> bool:
        """Note the count at ``now`` (at most every :data:`SAMPLE_SPACING` seconds); every
        window of successes raises the learned rate a little (then this returns ``True``)."""
        samples = self._samples
        if not samples or now - samples[-1][0] >= SAMPLE_SPACING:
            samples.append((now, self.successes))
        rate = self.rate
        if rate is not None and now >= self._next_increase:
            self.rate = rate + max(rate * INCREASE, MIN_INCREASE)
            self._next_increase = now + WINDOW
            return True
        return False

    def on_throttle(self, now: float, *, pause: float = 0.0) -> float | None:
        """Cut the rate after a 429; returns the new rate (``None``: left as it was).

        429s for requests sent before the last cut took effect do not cut again.
        """
        self._last_throttle = now
        self._next_increase = now + pause + WINDOW
        if now < self._no_cut_until:
            return None
        accepted = self.accepted(now)
        if accepted < 1.0:
            return None  # nothing got through lately: the pause alone says enough
        candidate = accepted / WINDOW
        if self.rate is not None:
            candidate = min(candidate, self.rate * 0.9)
        self.rate = max(MIN_RATE, candidate)
        self._no_cut_until = now + pause + WINDOW
        return self.rate

    def recover(self, now: float, ceiling: float | None) -> None:
        """Forget the learned rate once it is above ``ceiling`` or long free of 429s."""
        rate = self.rate
        if rate is not None and (
            (ceiling is not None and rate >= ceiling) or now - self._last_throttle > RECOVERY
        ):
            self.forget()

    def forget(self) -> None:
        """Drop the learned rate (it recovered, or the server advertised its own)."""
        self.rate = None
        self._next_increase = math.inf


@attrs.frozen
class _Slot:
    """A booked time to leave: a pacing slot, or the end of a pause (plus jitter)."""

    start: float
    epoch: int
    paused: bool


class RateLimiter(Protocol):
    """What the request pipeline needs from a rate limiter.

    ``reserve()`` is called right before each attempt is sent; it must return ``None``
    when the request may leave now (so the hot path creates no coroutine), else an
    awaitable that completes when it may. If that awaitable is cancelled (a deadline
    passed), the reservation should be given back. ``observe()`` is called with every
    response and must not block: a backend that needs I/O to record what it saw starts
    a task of its own (fire and forget) and finishes it in ``aclose()``. Clients never
    close a limiter that was handed to them.
    """

    @property
    def limit(self) -> RateLimit | None:
        """The pacing limit in force now, if any."""

    def reserve(self) -> Awaitable[None] | None:
        """Take the next slot: ``None`` if it is free now, else an awaitable to wait on."""

    def observe(self, status: int, headers: Mapping[str, str]) -> None:
        """Learn from a response's status and rate-limit headers."""

    async def aclose(self) -> None:
        """Release what the limiter holds (tasks, connections)."""


class LocalRateLimiter:
    """An in-process :class:`RateLimiter`: exact pacing, a shared pause, a learned rate.

    ``limit`` is the ceiling the user configured (``None``: none; the limiter still
    learns one from 429s and adopts an advertised one). ``max_pause`` caps how long one
    response can hold everyone. ``clock``, ``sleep`` and ``rand`` are for tests.

    >>> limiter = LocalRateLimiter(RateLimit(max_requests=5, period=1.0))
    >>> limiter.limit
    RateLimit(max_requests=5, period=1.0)
    """

    def __init__(
        self,
        limit: RateLimit | None = None,
        *,
        default_pause: float = 1.0,
        max_pause: float = DEFAULT_MAX_PAUSE,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rand: Callable[[], float] = random.random,
    ) -> None:
        if limit is not None and not isinstance(limit, RateLimit):
            raise ValueError("limit must be a RateLimit or None")
        self._default_pause = float(non_negative_number("default_pause", default_pause))
        self._max_pause = float(non_negative_number("max_pause", max_pause))
        self._configured = limit
        self._advertised: RateLimit | None = None
        self._advertised_until = 0.0
        self._learner = RateLearner()
        self._limit = limit
        self._interval = limit.interval if limit is not None else 0.0
        self._clock = clock
        self._sleep = sleep
        self._rand = rand
        self._lock = threading.Lock()
        self._tat = 0.0
        self._last_sent = -math.inf
        self._blocked_until = 0.0
        self._epoch = 0
        self.pauses = 0
        """How many times a response made every user of this limiter hold off."""
        self.throttled = 0
        """How many 429 responses this limiter has seen."""

    def __repr__(self) -> str:
        return f"LocalRateLimiter(limit={self._limit!r})"

    @property
    def limit(self) -> RateLimit | None:
        """The pacing limit in force: the configured one, or a stricter advertised or
        learned one."""
        return self._limit

    @property
    def configured(self) -> RateLimit | None:
        """The ceiling given at construction (or by :meth:`tighten`)."""
        return self._configured

    def tighten(self, limit: RateLimit | None) -> None:
        """Lower the configured ceiling to ``limit`` if it is stricter."""
        if limit is None:
            return
        with self._lock:
            configured = self._configured
            if configured is None or limit.per_second < configured.per_second:
                self._configured = limit
                self._update_limit()

    @property
    def max_pause(self) -> float:
        """The longest one response can pause this limiter, in seconds."""
        return self._max_pause

    def extend_max_pause(self, max_pause: float) -> None:
        """Let one response pause this limiter for up to ``max_pause`` seconds if that is
        longer than allowed so far."""
        seconds = float(non_negative_number("max_pause", max_pause))
        with self._lock:
            self._max_pause = max(self._max_pause, seconds)

    def _update_limit(self) -> None:
        """Recompute the limit in force (call with the lock held)."""
        candidates = [self._configured, self._advertised]
        learned = self._learner.rate
        if learned is not None:
            margin = (self._configured or self._advertised or RateLimit(max_requests=1)).margin
            candidates.append(RateLimit.per_second_of(learned, margin=margin))
        present = [c for c in candidates if c is not None]
        limit = min(present, key=lambda c: c.per_second) if present else None
        if limit != self._limit:
            logger.debug("rate limit in force: %r", limit)
        self._limit = limit
        self._interval = limit.interval if limit is not None else 0.0

    def reserve(self) -> Awaitable[None] | None:
        """``None`` when the request may leave now (no coroutine needed), else an
        awaitable that completes when it may."""
        if not self._interval and not self._blocked_until:
            return None
        with self._lock:
            slot = self._take_slot()
        return None if slot is None else self._wait(slot)

    def _take_slot(self) -> _Slot | None:
        """Admit now (``None``) or book a later slot (call with the lock held)."""
        now = self._clock()
        blocked = self._blocked_until
        if blocked > now:
            return _Slot(
                blocked + resume_jitter(blocked - now, self._rand()), self._epoch, paused=True
            )
        self._blocked_until = 0.0
        interval = self._interval
        if not interval:
            return None
        start, self._tat = next_slot(self._tat, now, interval)
        if start <= now and now >= self._last_sent + interval:
            self._last_sent = now
            return None
        return _Slot(start, self._epoch, paused=False)

    async def _wait(self, slot: _Slot) -> None:
        """Sleep until the booked slot, then leave if no pause began meanwhile and the
        spacing since the last request that left still holds; otherwise book again."""
        try:
            while True:
                delay = slot.start - self._clock()
                if delay > 0:
                    await self._sleep(delay)
                with self._lock:
                    if slot.paused or slot.epoch != self._epoch:
                        booked = self._take_slot()  # after a pause: a fresh slot
                        if booked is None:
                            return
                        slot = booked
                        continue
                    now = self._clock()
                    earliest = self._last_sent + self._interval
                    if now >= earliest:
                        self._last_sent = now
                        return
                    slot = _Slot(earliest, slot.epoch, paused=False)  # someone left late
        except asyncio.CancelledError:
            with self._lock:
                if not slot.paused and self._tat == slot.start + self._interval:
                    self._tat = slot.start  # give the unused slot back
            raise

    def observe(self, status: int, headers: Mapping[str, str]) -> None:
        """Learn from a response: count successes, pause on 429 or an exhausted window,
        adopt an advertised limit, cut the rate on 429."""
        if (  # the hot path: a plain response (spelled out: no generator per response);
            # Retry-After only pauses with a 429, so other replies need not be searched for it
            status != 429
            and _REMAINING not in headers
            and _RATE_LIMIT_LIMIT not in headers
            and _RATELIMIT_LIMIT not in headers
        ):
            if 200 <= status < 300:
                learner = self._learner
                learner.successes += 1
                # The clock is read every 8th success, or every one while a rate is learned
                # or advertised (then the lock is cheap next to the pacing).
                if (
                    learner.rate is not None
                    or self._advertised is not None
                    or not (learner.successes & 7)
                ):
                    self._tick(self._clock())
            return
        now = self._clock()
        info = RateLimitHeaders.parse(headers, now=time.time())
        pause = info.pause(status, default=self._default_pause)
        with self._lock:
            advertised = info.advertised()
            if advertised is not None:
                if advertised != self._advertised:
                    logger.info("the server advertises a rate limit of %r", advertised)
                self._advertised = advertised
                self._advertised_until = now + ADVERTISED_TTL
                self._learner.forget()  # the server's word, every time it is given, wins
            elif self._advertised is not None and now > self._advertised_until:
                self._advertised = None
            if status == 429:
                self.throttled += 1
                if advertised is None:  # AIMD only where this reply advertises no limit
                    capped = min(pause or 0.0, self._max_pause)
                    learned = self._learner.on_throttle(now, pause=capped)
                    if learned is not None:
                        logger.info("throttled: pacing at %.3f requests/s", learned)
            elif 200 <= status < 300:
                self._learner.on_success(now)
                self._learner.recover(now, self._ceiling())
            self._update_limit()
            if pause:
                self._pause(now, min(pause, self._max_pause))

    def _tick(self, now: float) -> None:
        """Sample the success count, probe the learned rate up, let an advertised limit
        lapse and a learned one recover."""
        with self._lock:
            changed = self._learner.record(now)
            if self._advertised is not None and now > self._advertised_until:
                self._advertised = None
                changed = True
            if changed:
                self._learner.recover(now, self._ceiling())
                self._update_limit()

    def _ceiling(self) -> float | None:
        limit = self._configured or self._advertised
        return limit.per_second if limit is not None else None

    def _pause(self, now: float, seconds: float) -> None:
        until = now + seconds
        if until > self._blocked_until:
            self._blocked_until = until
            self._tat = max(self._tat, until)
            self._epoch += 1  # slots booked before now are booked again after the pause
            self.pauses += 1
            logger.debug("rate limited: holding requests for %.3f s", seconds)

    async def aclose(self) -> None:
        """Nothing to release: the limiter holds no tasks or connections."""


_shared: weakref.WeakValueDictionary[str, LocalRateLimiter] = weakref.WeakValueDictionary()
_shared_lock = threading.Lock()


def shared_rate_limiter(
    key: str, limit: RateLimit | None, *, max_pause: float = DEFAULT_MAX_PAUSE
) -> LocalRateLimiter:
    """The process-wide limiter for credential ``key`` (a fingerprint, never the secret).

    Every client built with the same credential gets the same limiter, on any event loop
    or thread, so the budget is shared across endpoints, client objects and loops; a
    stricter ``limit`` tightens it, and a longer ``max_pause`` extends how long one
    response may pause them all (each client still gives up on a 429 asking for more than
    its own ``RetryPolicy.max_retry_after``).
    """
    with _shared_lock:
        limiter = _shared.get(key)
        if limiter is None:
            limiter = _shared[key] = LocalRateLimiter(limit, max_pause=max_pause)
            return limiter
    limiter.tighten(limit)
    limiter.extend_max_pause(max_pause)
    return limiter


def limiter_for(
    key: str,
    given: RateLimiter | None,
    limit: RateLimit | None,
    *,
    max_pause: float = DEFAULT_MAX_PAUSE,
) -> RateLimiter:
    """The limiter a client with credential fingerprint ``key`` uses: the one it was given
    (bound to ``key`` first if it has ``for_credential``, as ``RedisRateLimiter`` does), or
    the process-wide one for ``key``."""
    if given is None:
        return shared_rate_limiter(key, limit, max_pause=max_pause)
    bind = getattr(given, "for_credential", None)
    return bind(key) if callable(bind) else given
