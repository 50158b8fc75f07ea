"""Coalescing identical in-flight calls into one (single flight).

The first caller for a key (the leader) runs the call; callers arriving with the same
key while it runs (followers) wait for the leader's outcome instead of sending their
own request. Only read-only, side-effect-free calls should be coalesced.

Cancellation never spreads: a cancelled follower stops waiting and affects no one; a
cancelled leader hands the call over, so one of its followers runs it afresh.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

from ._metrics import ClientMetrics

T = TypeVar("T")
A = TypeVar("A")

_HANDED_OVER = object()
"""Result given to followers when their leader was cancelled: run the call yourselves."""


class Coalescer(Generic[T]):
    """Runs at most one call per key at a time and shares its outcome.

    >>> coalescer: Coalescer[int] = Coalescer()
    >>> coalescer.in_flight
    0
    """

    def __init__(self, metrics: ClientMetrics | None = None) -> None:
        self._flights: dict[Hashable, list[asyncio.Future[object]] | None] = {}
        self.metrics = metrics if metrics is not None else ClientMetrics()
        """Where calls answered by another call's request are counted (``coalesced``)."""

    @property
    def in_flight(self) -> int:
        """How many distinct calls are running now."""
        return len(self._flights)

    def __contains__(self, key: Hashable) -> bool:
        """Whether a call under ``key`` is running now (a new one would follow it)."""
        return key in self._flights

    def lead(self, key: Hashable) -> None:
        """Mark ``key`` as running; the caller must :meth:`land` it exactly once.

        For a caller that runs the call inline (the pipeline does, so that a lookup with
        nobody to share with costs no extra coroutine); :meth:`run` does both itself.
        """
        self._flights[key] = None

    def land(self, key: Hashable, result: object, error: BaseException | None) -> None:
        """End the call under ``key``: its followers get ``result``, or ``error``; after a
        cancellation one of them runs the call afresh."""
        followers = self._flights.pop(key, None)
        if not followers:
            return
        for waiter in followers:
            if waiter.done():
                continue
            if isinstance(error, asyncio.CancelledError):
                waiter.set_result(_HANDED_OVER)
            elif error is not None:
                waiter.set_exception(error)
            else:
                waiter.set_result(result)

    async def run(self, key: Hashable, call: Callable[[A], Awaitable[T]], argument: A) -> T:
        """Return ``await call(argument)``, or the outcome of the identical call already
        running under ``key``."""
        flights = self._flights
        while key in flights:
            followers = flights[key]
            if followers is None:  # the first follower makes the list
                followers = flights[key] = []
            waiter: asyncio.Future[object] = asyncio.get_running_loop().create_future()
            followers.append(waiter)
            outcome = await waiter
            if outcome is not _HANDED_OVER:
                self.metrics.coalesced += 1
                return outcome  # type: ignore[return-value]
        self.lead(key)
        try:
            result = await call(argument)
        except BaseException as exc:
            self.land(key, None, exc)
            raise
        self.land(key, result, None)
        return result
