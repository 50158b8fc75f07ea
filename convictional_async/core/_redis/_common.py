"""What the Redis backends share: key names, the error policy, timeouts and background tasks."""

from __future__ import annotations

import asyncio
import logging
import math
import re
from collections.abc import Awaitable, Callable
from typing import Any, Literal, TypeAlias

import redis.exceptions
from redis.asyncio import Redis, RedisCluster
from redis.exceptions import RedisError

from .._errors import RedisUnavailableError

logger = logging.getLogger("convictional_async.redis")

RedisClient: TypeAlias = "Redis | RedisCluster"
"""A redis-py asyncio client: a single server (or a Sentinel-managed one) or a cluster."""
OnRedisError = Literal["fail", "local"]
"""What to do when Redis cannot be reached: raise, or carry on in this process alone."""
ON_REDIS_ERROR: tuple[OnRedisError, ...] = ("fail", "local")
DEFAULT_PREFIX = "convictional-async"
DEFAULT_TIMEOUT = 1.0
"""Seconds one Redis call may take before it counts as a failure."""
_NAME = re.compile(r"[A-Za-z0-9._:/-]{1,200}")


_POOL_EXHAUSTED: tuple[type[BaseException], ...] = tuple(
    error
    for error in (getattr(redis.exceptions, "MaxConnectionsError", None),)
    if isinstance(error, type)
)
"""redis-py's "the connection pool is exhausted" error (redis >= 6), if it has one."""


def check_name(what: str, value: object) -> str:
    """``value`` if it can be part of a key name (no braces, no spaces), else ``ValueError``.

    >>> check_name("prefix", "convictional-async")
    'convictional-async'
    """
    if not isinstance(value, str) or _NAME.fullmatch(value) is None:
        raise ValueError(
            f"{what} must be 1-200 characters of letters, digits and . _ : / -, got {value!r}"
        )
    return value


def key_name(prefix: str, credential: str, kind: str) -> str:
    """The Redis key for one credential's ``kind`` of state, hash-tagged for Redis Cluster.

    >>> key_name("sdk", "convious:ab12", "rate")
    'sdk:{convious:ab12}:rate'
    """
    return f"{prefix}:{{{credential}}}:{kind}"


def check_seconds(what: str, value: object, *, minimum: float = 0.0) -> float:
    """``value`` as a finite number of seconds above ``minimum``, else ``ValueError``."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or not value > minimum
    ):
        raise ValueError(f"{what} must be a finite number > {minimum:g}, got {value!r}")
    return float(value)


def check_policy(value: object) -> OnRedisError:
    """``value`` if it is one of :data:`ON_REDIS_ERROR`, else ``ValueError``."""
    for policy in ON_REDIS_ERROR:
        if value == policy:
            return policy
    raise ValueError(f"on_redis_error must be 'fail' or 'local', got {value!r}")


def check_client(value: object) -> RedisClient:
    """``value`` if it is a redis-py asyncio client, else ``ValueError``."""
    if not isinstance(value, Redis | RedisCluster):
        raise ValueError(
            "redis must be a redis.asyncio.Redis or RedisCluster client, "
            f"got {type(value).__name__}"
        )
    return value


async def within(call: Callable[[], Awaitable[Any]], seconds: float) -> Any:
    """Make one Redis call, no longer than ``seconds``; any failure is a
    :class:`RedisUnavailableError` (never one carrying the server's address or password).

    A client whose connection pool is momentarily exhausted (redis-py raises
    ``MaxConnectionsError`` instead of waiting) is busy, not down: the call is tried again
    every few milliseconds within the same time limit.
    """
    try:
        async with asyncio.timeout(seconds):
            pause = 0.001
            while True:
                try:
                    return await call()
                except _POOL_EXHAUSTED:
                    await asyncio.sleep(pause)
                    pause = min(pause * 2, 0.05)
    except TimeoutError:
        raise RedisUnavailableError(f"Redis did not answer within {seconds:g} s") from None
    except (RedisError, OSError) as exc:
        raise RedisUnavailableError(f"Redis failed: {type(exc).__name__}") from None


def text(value: object) -> str:
    """A reply value as ``str`` (whether or not the client decodes responses)."""
    return value.decode() if isinstance(value, bytes) else str(value)


class Background:
    """Fire-and-forget tasks, tracked so that :meth:`aclose` can wait for them to finish."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    def __len__(self) -> int:
        return len(self._tasks)

    def start(self, work: Awaitable[None]) -> asyncio.Task[None]:
        """Run ``work`` in a task of its own; its failure is logged, never raised."""
        task = asyncio.ensure_future(self._logged(work))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    @staticmethod
    async def _logged(work: Awaitable[None]) -> None:
        try:
            await work
        except RedisUnavailableError as exc:
            logger.warning("a background Redis update was lost: %s", exc)

    async def aclose(self) -> None:
        """Wait for every task started so far (each is bounded by its Redis timeout)."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
