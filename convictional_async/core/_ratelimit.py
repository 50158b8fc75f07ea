"""Client-side rate limiting, shared per credential, that listens to the server.

Two parts work together:

* an optional pacing limit (:class:`RateLimit`), enforced with aiolimiter's leaky
  bucket in its no-burst form, so a fixed-window server never sees more than the limit;
* a shared back-off gate: after a 429 (or a response saying no requests remain) every
  task using the limiter waits until the server's ``Retry-After``/reset time, not just
  the one that was throttled.

The server's own headers are read on every response (``X-Rate-Limit-Limit`` /
``X-Rate-Limit-Duration``, ``X-RateLimit-Limit`` / ``-Remaining`` / ``-Reset``,
``Retry-After``); when the server advertises a stricter limit than the configured one,
the limiter adopts it. :func:`shared_rate_limiter` gives every client object using the
same credential in this process the same limiter. The :class:`RateLimiter` protocol is
the seam for a backend shared across processes.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
import weakref
from collections.abc import Awaitable, Mapping
from typing import Protocol

import attrs
from aiolimiter import AsyncLimiter

from ._retry import parse_retry_after

logger = logging.getLogger("convictional_async.ratelimit")

_EPOCH_THRESHOLD = 1_000_000_000.0
"""A reset value above this is a Unix timestamp, not a number of seconds."""


def _positive(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    if isinstance(value, bool) or not (
        isinstance(value, int | float) and math.isfinite(value) and value > 0
    ):
        raise ValueError(f"{attribute.name} must be a finite number > 0, got {value!r}")


@attrs.frozen(kw_only=True)
class RateLimit:
    """At most ``max_requests`` requests in any ``period`` seconds.

    >>> RateLimit(max_requests=5, period=1.0).per_second
    5.0
    """

    max_requests: float = attrs.field(validator=_positive)
    period: float = attrs.field(default=1.0, validator=_positive)

    @property
    def per_second(self) -> float:
        """The steady rate in requests per second."""
        return self.max_requests / self.period

    def make_limiter(self) -> AsyncLimiter:
        """An aiolimiter bucket that never lets a burst exceed the limit.

        ``AsyncLimiter(max_requests, period)`` would admit ``max_requests`` at once and
        then keep dripping, which a fixed-window server sees as too many in one window;
        one request every ``period / max_requests`` seconds does not.
        """
        return AsyncLimiter(1, self.period / self.max_requests)


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
            remaining=None if remaining_value is None else int(remaining_value),
            reset_after=reset,
            retry_after=parse_retry_after(headers.get("Retry-After"), now=now),
        )

    def advertised(self) -> RateLimit | None:
        """The limit the server advertises, when it gives both a count and a window."""
        if self.limit and self.period and self.limit > 0 and self.period > 0:
            return RateLimit(max_requests=self.limit, period=self.period)
        return None

    def pause(self, status: int, *, default: float) -> float | None:
        """How long everyone should hold off after this response, or ``None``."""
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
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) and number >= 0 else None


class RateLimiter(Protocol):
    """What the request pipeline needs from a rate limiter."""

    def reserve(self) -> Awaitable[None] | None:
        """Take the next slot: ``None`` if it is free now, else an awaitable to wait on."""

    def observe(self, status: int, headers: Mapping[str, str]) -> None:
        """Learn from a response's status and rate-limit headers."""


class LocalRateLimiter:
    """An in-process :class:`RateLimiter`: optional pacing plus a shared back-off gate.

    >>> limiter = LocalRateLimiter(RateLimit(max_requests=5, period=1.0))
    >>> limiter.limit
    RateLimit(max_requests=5, period=1.0)
    """

    def __init__(self, limit: RateLimit | None = None, *, default_pause: float = 1.0) -> None:
        self._limit = limit
        self._default_pause = default_pause
        self._blocked_until = 0.0
        self._buckets: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, AsyncLimiter] = (
            weakref.WeakKeyDictionary()
        )
        self._last: tuple[asyncio.AbstractEventLoop | None, AsyncLimiter | None] = (None, None)
        self.pauses = 0
        """How many times a response made every user of this limiter hold off."""

    def __repr__(self) -> str:
        return f"LocalRateLimiter(limit={self._limit!r})"

    @property
    def limit(self) -> RateLimit | None:
        """The pacing limit in force (configured, or adopted from the server)."""
        return self._limit

    def tighten(self, limit: RateLimit | None) -> None:
        """Adopt ``limit`` if it is stricter than the one in force."""
        if limit is None or (
            self._limit is not None and limit.per_second >= self._limit.per_second
        ):
            return
        self._limit = limit
        self._buckets = weakref.WeakKeyDictionary()
        self._last = (None, None)

    def _bucket(self, loop: asyncio.AbstractEventLoop) -> AsyncLimiter | None:
        last_loop, bucket = self._last
        if last_loop is loop:
            return bucket
        if self._limit is None:
            bucket = None
        else:
            bucket = self._buckets.get(loop)
            if bucket is None:
                bucket = self._buckets[loop] = self._limit.make_limiter()
        self._last = (loop, bucket)
        return bucket

    def reserve(self) -> Awaitable[None] | None:
        """``None`` when nothing limits the next request (no coroutine needed), else
        :meth:`acquire`."""
        if self._blocked_until or self._limit is not None:
            return self.acquire()
        return None

    async def acquire(self) -> None:
        """Wait for the back-off gate, then for the pacing bucket."""
        loop = asyncio.get_running_loop()
        if self._blocked_until:
            # Polling, not an Event: a later 429 may push the deadline further out.
            while (delay := self._blocked_until - loop.time()) > 0:  # noqa: ASYNC110
                await asyncio.sleep(delay)
            self._blocked_until = 0.0
        bucket = self._bucket(loop)
        if bucket is not None:
            await bucket.acquire()

    def observe(self, status: int, headers: Mapping[str, str]) -> None:
        """Pause everyone after a 429 or an exhausted window; adopt a stricter server limit."""
        if (
            status != 429
            and "X-RateLimit-Remaining" not in headers
            and "X-Rate-Limit-Limit" not in headers
            and "X-RateLimit-Limit" not in headers
            and "Retry-After" not in headers
        ):
            return
        info = RateLimitHeaders.parse(headers, now=time.time())
        advertised = info.advertised()
        if advertised is not None and (
            self._limit is None or advertised.per_second < self._limit.per_second
        ):
            logger.info("adopting the server's rate limit %s", advertised)
            self.tighten(advertised)
        pause = info.pause(status, default=self._default_pause)
        if pause:
            self.pause_for(pause)

    def pause_for(self, seconds: float) -> None:
        """Hold every request through this limiter for ``seconds`` from now."""
        try:
            now = asyncio.get_running_loop().time()
        except RuntimeError:
            now = time.monotonic()
        until = now + seconds
        if until > self._blocked_until:
            self._blocked_until = until
            self.pauses += 1
            logger.debug("rate limited: holding requests for %.3f s", seconds)


_shared: weakref.WeakValueDictionary[str, LocalRateLimiter] = weakref.WeakValueDictionary()


def shared_rate_limiter(key: str, limit: RateLimit | None) -> LocalRateLimiter:
    """The process-wide limiter for credential ``key`` (a fingerprint, never the secret).

    Every client built with the same credential gets the same limiter, so the budget is
    shared across endpoints and client objects; a stricter ``limit`` tightens it.
    """
    limiter = _shared.get(key)
    if limiter is None:
        limiter = _shared[key] = LocalRateLimiter(limit)
    else:
        limiter.tighten(limit)
    return limiter
