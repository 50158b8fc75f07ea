"""``RedisRateLimiter``: one rate budget and one 429 pause per credential, across processes.

Every process (on any host) that uses the same credential and the same Redis shares one
budget: the same GCRA pacing with a margin as :class:`LocalRateLimiter`, run server-side
in Lua (:mod:`._scripts`) with the Redis server's ``TIME`` as the only clock, so hosts
whose clocks disagree still share the budget exactly. Per request:

* one round trip books the next free slot (and lets the request leave at once when it is
  free); a request that had to wait for its slot makes a second one when it wakes, which
  lets it leave unless everyone was paused meanwhile or another request left less than
  the spacing (less half the margin) ago, so a late wake-up in one process never lets
  two requests out too close together;
* ``observe()`` never blocks: a 429 (or an exhausted window) sets a shared pause key
  that expires when the pause ends (capped at ``max_pause``), and an advertised limit is
  recorded for everyone (refreshed at most once a minute), each in a tracked background
  task that :meth:`RedisRateLimiter.aclose` finishes.

Nothing is learned across processes: the limiter paces at the configured limit, or at
the stricter limit a server advertises, and the shared pause handles 429s.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from .._errors import RedisUnavailableError
from .._ratelimit import (
    ADVERTISED_TTL,
    DEFAULT_MARGIN,
    DEFAULT_MAX_PAUSE,
    LocalRateLimiter,
    RateLimit,
    RateLimitHeaders,
)
from .._retry import resume_jitter
from . import _scripts
from ._common import (
    DEFAULT_PREFIX,
    DEFAULT_TIMEOUT,
    Background,
    OnRedisError,
    RedisClient,
    check_client,
    check_name,
    check_policy,
    check_seconds,
    key_name,
    logger,
    within,
)

IDLE_EXPIRY = ADVERTISED_TTL
"""Seconds a credential's state outlives its last booked slot or pause in Redis."""
ADVERTISE_EVERY = 60.0
"""Seconds between two writes of an unchanged advertised limit."""
DEFAULT_RETRY_REDIS = 5.0
"""Seconds the ``"local"`` fallback lasts before Redis is tried again."""
_US = 1_000_000


class _Config:
    """What every limiter made from one :class:`RedisRateLimiter` shares."""

    def __init__(
        self,
        redis: RedisClient,
        *,
        limit: RateLimit | None,
        prefix: str,
        on_redis_error: OnRedisError,
        fallback_limit: RateLimit | None,
        max_pause: float,
        default_pause: float,
        timeout: float,
        retry_redis_after: float,
    ) -> None:
        self.limit = limit
        self.prefix = prefix
        self.on_redis_error = on_redis_error
        self.fallback_limit = fallback_limit
        self.max_pause = max_pause
        self.default_pause = default_pause
        self.timeout = timeout
        self.retry_redis_after = retry_redis_after
        self.scripts = {
            name: redis.register_script(getattr(_scripts, name))
            for name in ("RESERVE", "DEPART", "PAUSE", "ADVERTISE", "RELEASE")
        }
        margin = limit.margin if limit is not None else DEFAULT_MARGIN
        # Up to half the margin may be lost to a late wake-up; the rest covers the trip
        # from Redis to the API server.
        self.tolerance = f"{margin / (1.0 + margin) / 2.0:.9f}"
        self.interval = round(limit.interval * _US) if limit is not None else 0
        self.idle_ms = round(IDLE_EXPIRY * 1000)
        self.background = Background()
        self.bound: dict[str, RedisRateLimiter] = {}


def _says_nothing(headers: Mapping[str, str]) -> bool:
    """Whether a response carries none of the rate-limit headers (spelled out: this runs
    for every response)."""
    return (
        "X-RateLimit-Remaining" not in headers
        and "X-Rate-Limit-Limit" not in headers
        and "X-RateLimit-Limit" not in headers
        and "Retry-After" not in headers
        and "retry-after-ms" not in headers
    )


def _limit_or_none(name: str, value: object) -> RateLimit | None:
    if value is not None and not isinstance(value, RateLimit):
        raise ValueError(f"{name} must be a RateLimit or None")
    return value


def _fallback(
    limit: RateLimit | None, fallback_limit: RateLimit | None, policy: OnRedisError
) -> RateLimit | None:
    """Check that the fallback rate is given where it is needed and is no looser."""
    if policy == "fail":
        if fallback_limit is not None:
            raise ValueError("fallback_limit applies only with on_redis_error='local'")
        return None
    if limit is not None and fallback_limit is None:
        raise ValueError(
            "on_redis_error='local' needs fallback_limit: the rate one process may use "
            "alone (the budget divided by the number of processes)"
        )
    if limit and fallback_limit and fallback_limit.per_second > limit.per_second:
        raise ValueError("fallback_limit must not be looser than limit")
    return fallback_limit


class RedisRateLimiter:
    """A :class:`RateLimiter` whose budget and 429 pause are shared through Redis.

    Give one to every client; each client binds it to its credential with
    :meth:`for_credential` (or pass ``key=`` yourself)::

        redis = Redis.from_url("redis://localhost:6379/0")
        limiter = RedisRateLimiter(redis, limit=RateLimit(max_requests=5, period=1.0))
        async with ConviousClient(..., rate_limiter=limiter) as client:
            ...
        await limiter.aclose()

    ``limit`` is paced exactly as :class:`LocalRateLimiter` paces it (same margin); a
    stricter limit a server advertises is shared with every process. Keys look like
    ``{prefix}:{<credential fingerprint>}:rate`` and expire when idle. Each Redis call
    may take ``timeout`` seconds; when Redis fails, ``on_redis_error="fail"`` raises
    :class:`RedisUnavailableError` (the request is not sent) and ``"local"`` logs a
    warning and paces this process alone at ``fallback_limit`` for
    ``retry_redis_after`` seconds before trying Redis again. ``clock``, ``sleep`` and
    ``rand`` are for tests. Use it on one event loop (the loop of ``redis``).
    """

    def __init__(
        self,
        redis: RedisClient,
        *,
        limit: RateLimit | None = None,
        key: str | None = None,
        prefix: str = DEFAULT_PREFIX,
        on_redis_error: OnRedisError = "fail",
        fallback_limit: RateLimit | None = None,
        max_pause: float = DEFAULT_MAX_PAUSE,
        default_pause: float = 1.0,
        timeout: float = DEFAULT_TIMEOUT,
        retry_redis_after: float = DEFAULT_RETRY_REDIS,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rand: Callable[[], float] = random.random,
    ) -> None:
        limit = _limit_or_none("limit", limit)
        policy = check_policy(on_redis_error)
        self._config = _Config(
            check_client(redis),
            limit=limit,
            prefix=check_name("prefix", prefix),
            on_redis_error=policy,
            fallback_limit=_fallback(
                limit, _limit_or_none("fallback_limit", fallback_limit), policy
            ),
            max_pause=check_seconds("max_pause", max_pause),
            default_pause=check_seconds("default_pause", default_pause),
            timeout=check_seconds("timeout", timeout),
            retry_redis_after=check_seconds("retry_redis_after", retry_redis_after),
        )
        self._clock = clock
        self._sleep = sleep
        self._rand = rand
        self._init_bound(None if key is None else check_name("key", key))

    def _init_bound(self, key: str | None) -> None:
        config = self._config
        self._key = key
        self._keys = (
            [key_name(config.prefix, key, "rate"), key_name(config.prefix, key, "pause")]
            if key is not None
            else []
        )
        self._advertised: RateLimit | None = None
        self._advertised_sent = -float("inf")
        self._local: LocalRateLimiter | None = None
        if config.on_redis_error == "local":
            self._local = LocalRateLimiter(config.fallback_limit, max_pause=config.max_pause)
        self._local_until = -float("inf")
        self.round_trips = 0
        """Redis calls made for requests and responses through this limiter."""
        self.throttled = 0
        """How many 429 responses this limiter has seen (in this process)."""
        self.fallbacks = 0
        """How many times Redis failed and this process paced alone instead."""

    def __repr__(self) -> str:
        return f"RedisRateLimiter(limit={self._config.limit!r}, bound={self._key is not None})"

    def for_credential(self, key: str) -> RedisRateLimiter:
        """This limiter for credential ``key`` (a fingerprint, never the secret); a limiter
        already bound to a key stays bound to it."""
        if self._key is not None:
            return self
        config = self._config
        bound = config.bound.get(check_name("key", key))
        if bound is None:
            bound = config.bound[key] = self._sibling(key)
        return bound

    def _sibling(self, key: str) -> RedisRateLimiter:
        """A limiter sharing this one's settings and background tasks, bound to ``key``."""
        sibling = RedisRateLimiter.__new__(RedisRateLimiter)
        sibling._config = self._config
        sibling._clock, sibling._sleep, sibling._rand = self._clock, self._sleep, self._rand
        sibling._init_bound(key)
        return sibling

    @property
    def limit(self) -> RateLimit | None:
        """The pacing in force as this process knows it: the configured limit or a
        stricter advertised one (while falling back: the local limiter's)."""
        if self._local is not None and self._clock() < self._local_until:
            return self._local.limit
        advertised = self._advertised
        if self._clock() > self._advertised_sent + ADVERTISED_TTL:
            advertised = None  # lapsed, as it does in Redis
        present = [c for c in (self._config.limit, advertised) if c is not None]
        return min(present, key=lambda c: c.per_second) if present else None

    def reserve(self) -> Awaitable[None]:
        """An awaitable that completes when the request may leave (one Redis round trip
        when its slot is free now)."""
        if self._key is None:
            raise ValueError(
                "this RedisRateLimiter is not bound to a credential: give it to a client, "
                "or call for_credential(key), or pass key="
            )
        return self._acquire()

    async def _acquire(self) -> None:
        local = self._local
        if local is not None and self._clock() < self._local_until:
            await self._pace_locally(local)
            return
        try:
            await self._acquire_shared()
        except RedisUnavailableError as exc:
            if local is None:
                raise
            if self._local_until == -float("inf"):
                logger.warning(
                    "%s; pacing this process alone at %r for %g s",
                    exc,
                    local.limit,
                    self._config.retry_redis_after,
                )
            self.fallbacks += 1
            self._local_until = self._clock() + self._config.retry_redis_after
            await self._pace_locally(local)
        else:
            if self._local_until != -float("inf"):
                logger.info("Redis answers again; the shared rate budget is back in use")
                self._local_until = -float("inf")

    @staticmethod
    async def _pace_locally(local: LocalRateLimiter) -> None:
        wait = local.reserve()
        if wait is not None:
            await wait

    async def _acquire_shared(self) -> None:
        """Book a slot, sleep until it, and leave once Redis says the spacing holds."""
        script = "RESERVE"
        booked = interval = 0
        try:
            while True:
                now, at, verdict, spacing, tat = await self._run(script)
                received = self._clock()
                if script == "RESERVE":
                    booked, interval = tat, spacing
                if verdict == _scripts.GO:
                    return
                delay = (at - now) / _US
                if verdict == _scripts.PAUSED:
                    booked = 0
                    await self._sleep(delay + resume_jitter(delay, self._rand()))
                    script = "RESERVE"
                    continue
                await self._sleep(max(0.0, received + delay - self._clock()))
                script = "DEPART"
        except asyncio.CancelledError:
            if booked:
                self._config.background.start(self._write("RELEASE", booked, interval))
            raise

    async def _run(self, name: str, *args: int | str) -> list[int]:
        """Run one script for this credential (a round trip), bounded by the timeout."""
        config = self._config
        if not args:
            args = (config.interval, config.idle_ms, config.tolerance)
        self.round_trips += 1
        reply: Any = await within(lambda: config.scripts[name](self._keys, args), config.timeout)
        return [int(value) for value in reply] if isinstance(reply, list) else [int(reply)]

    def observe(self, status: int, headers: Mapping[str, str]) -> None:
        """Share what a response says: pause everyone on 429 (or an exhausted window),
        record an advertised limit. Never blocks: Redis is written in the background."""
        if status != 429 and _says_nothing(headers):
            return
        if status == 429:
            self.throttled += 1
        local = self._local
        if local is not None:
            local.observe(status, headers)
            if self._clock() < self._local_until:
                return  # Redis failed a moment ago: pace alone, write nothing
        info = RateLimitHeaders.parse(headers, now=time.time())
        advertised = info.advertised()
        if advertised is not None:
            self._share_advertised(advertised)
        pause = info.pause(status, default=self._config.default_pause)
        if pause:
            self._share_pause(min(pause, self._config.max_pause))

    def _share_advertised(self, advertised: RateLimit) -> None:
        """Record an advertised limit in Redis when it is new, or once a minute."""
        now = self._clock()
        if advertised == self._advertised and now < self._advertised_sent + ADVERTISE_EVERY:
            return
        self._advertised, self._advertised_sent = advertised, now
        config = self._config
        config.background.start(
            self._write(
                "ADVERTISE",
                round(advertised.interval * _US),
                round(ADVERTISED_TTL * 1000),
                config.idle_ms,
            )
        )

    def _share_pause(self, seconds: float) -> None:
        """Hold every process using this credential for ``seconds``."""
        logger.debug("rate limited: holding every process for %.3f s", seconds)
        config = self._config
        config.background.start(self._write("PAUSE", round(seconds * _US), config.idle_ms))

    async def _write(self, name: str, *args: int) -> None:
        await self._run(name, *args)

    async def aclose(self) -> None:
        """Finish the background writes of every limiter made from this one (each is
        bounded by ``timeout``). Does not close the Redis client, which is yours."""
        await self._config.background.aclose()
