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
        # Lead: run the call (inline, so no extra coroutine per call) and share its outcome.
        flights[key] = None
        try:
            result = await call(argument)
        except asyncio.CancelledError:
            for waiter in flights.pop(key) or ():
                if not waiter.done():
                    waiter.set_result(_HANDED_OVER)
            raise
        except BaseException as exc:
            for waiter in flights.pop(key) or ():
                if not waiter.done():
                    waiter.set_exception(exc)
            raise
        for waiter in flights.pop(key) or ():
            if not waiter.done():
                waiter.set_result(result)
        return result
