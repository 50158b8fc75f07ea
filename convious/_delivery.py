"""Delivering batches, as aiokafka's ``sender``: the one owner of a batch's retries.

:class:`Sender` posts a batch through a plain ``post(body)`` callable that never retries
(``client.inventory`` passes a copy of the client's pipeline with retries off, 429s
included), and decides every retry itself with :func:`retry_delay`. So one failed POST
is one decision: N injected 503s are N+1 POSTs, and a 429's ``Retry-After`` is waited
once.
A batch is never given up on: the batcher has accepted its events, so it retries for as
long as it runs; only a closed client (or, once ``close()`` has begun, an unexpected
error) ends a lane's delivery, and ``close()`` hands those events back. A batch the API
rejects as malformed (400, 413, 422) is split in halves, recursively, to isolate the bad
events.

:class:`Delivery` is the handle ``send()`` returns for one event.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import attrs

from convictional_async.core import (
    APIStatusError,
    ClientClosedError,
    RetryPolicy,
    SDKError,
    TransportError,
)

from ._errors import BatcherStoppedError, describe
from ._events import Event

logger = logging.getLogger("convious.batcher")

REJECTING_STATUSES = frozenset({400, 413, 422})
"""Statuses that blame the batch's content: the batch is split to find the bad events."""

Post = Callable[[bytes], Awaitable[object]]
"""Sends one encoded batch once, raising on anything but acceptance."""


def retry_delay(policy: RetryPolicy, error: BaseException, *, attempt: int, rand: float) -> float:
    """Seconds to wait before sending a batch again after failed attempt ``attempt`` (0-based).

    The policy decides, as for any request that is safe to repeat (``delay_after_status``,
    which hands a 429 to ``delay_after_throttle``, or ``delay_after_error``): the
    server's ``Retry-After`` when the error carries it (``retry_after``, on every
    ``APIStatusError``), else the capped exponential backoff. Where
    the policy would end a single call (``max_retries`` spent, a status or error it does
    not retry, a ``Retry-After`` above ``max_retry_after``, the 429 budget spent), a batch
    is not dropped: it waits the server's ``Retry-After`` capped at ``max_retry_after``,
    else the backoff.

    >>> policy = RetryPolicy(max_retries=1, backoff_initial=0.5, backoff_max=4.0, jitter=0.0)
    >>> [retry_delay(policy, RuntimeError("boom"), attempt=n, rand=0.0) for n in range(5)]
    [0.5, 1.0, 2.0, 4.0, 4.0]
    """
    asked = getattr(error, "retry_after", None) if isinstance(error, APIStatusError) else None
    delay: float | None = None
    if isinstance(error, APIStatusError):  # the policy reads the wait from headers
        headers = {} if asked is None else {"retry-after-ms": repr(asked * 1000)}
        delay = policy.delay_after_status(
            error.status, headers, attempt=attempt, idempotent=True, now=0.0, rand=rand
        )
    elif isinstance(error, TransportError):
        delay = policy.delay_after_error(error, attempt=attempt, idempotent=True, rand=rand)
    if delay is not None:
        return delay
    if asked is not None:
        return min(float(asked), policy.max_retry_after)
    return policy.backoff(attempt, rand)


def fail_quietly(future: asyncio.Future[None], error: BaseException) -> None:
    """Fail a delivery that nobody may await: it is reported through ``on_error`` and
    ``close()``, not through asyncio's "exception was never retrieved" log line."""
    if not future.done():
        future.set_exception(error)
        future.exception()  # marks it retrieved; an await still raises it


class Delivery:
    """The handle ``send()`` returns; ``await`` it to wait until the event was accepted.

    Awaiting raises :class:`EventRejectedError` or :class:`EventNotDeliveredError` when
    the event could not be delivered.
    """

    __slots__ = ("_future", "event")

    def __init__(self, event: Event, future: asyncio.Future[None]) -> None:
        self.event = event
        self._future = future

    def __repr__(self) -> str:
        state = "pending" if not self._future.done() else "failed" if self.error else "delivered"
        return f"<Delivery {describe(self.event)} {state}>"

    def __await__(self) -> Any:
        return asyncio.shield(self._future).__await__()

    def done(self) -> bool:
        """Whether the event was delivered or definitively failed."""
        return self._future.done()

    def add_done_callback(self, callback: Callable[[Delivery], object]) -> None:
        """Call ``callback(delivery)`` once the event is delivered or has failed."""
        self._future.add_done_callback(lambda _: callback(self))

    @property
    def error(self) -> BaseException | None:
        """Why delivery failed, once it is done (``None`` if it succeeded or is pending)."""
        return self._future.exception() if self._future.done() else None


@attrs.define(eq=False)
class Pending:
    """An accepted event waiting for delivery: its encoded body, handle, spool row, lane."""

    event: Event
    body: bytes
    future: asyncio.Future[None]
    seq: int | None
    lane: int


@attrs.define(eq=False)
class Sender:
    """Delivers batches of :class:`Pending` events: retries, splits, reports the outcome.

    ``accepted(batch)`` and ``rejected(item, error)`` report each outcome; ``closing()``
    says whether ``close()`` has begun. ``sleep`` and ``rand`` are for tests.
    """

    _post: Post
    _retry: RetryPolicy
    _accepted: Callable[[list[Pending]], None] = attrs.field(kw_only=True)
    _rejected: Callable[[Pending, APIStatusError], None] = attrs.field(kw_only=True)
    _closing: Callable[[], bool] = attrs.field(kw_only=True)
    sleep: Callable[[float], Awaitable[object]] = attrs.field(kw_only=True)
    _rand: Callable[[], float] = attrs.field(kw_only=True)
    failed_attempts: int = attrs.field(default=0, init=False)
    """Batch attempts that failed and were retried."""
    last_error: BaseException | None = attrs.field(default=None, init=False)
    """The latest error delivery saw (reported with undelivered events)."""

    async def deliver(self, batch: list[Pending]) -> None:
        """Deliver one batch: retry until accepted, or split to isolate rejected events.

        Any exception from the POST is a failed attempt (cancellation is not one), except a
        closed client (it can never deliver) and, while closing, an unexpected one (not an
        ``SDKError``): those raise :class:`BatcherStoppedError`, which stops the lane.
        """
        body = b"[" + b",".join(item.body for item in batch) + b"]"
        attempt = 0
        while True:
            try:
                await self._post(body)
            except APIStatusError as exc:
                if exc.status in REJECTING_STATUSES:
                    await self._split(batch, exc)
                    return
                error: Exception = exc
            except Exception as exc:
                if isinstance(exc, ClientClosedError) or (
                    self._closing() and not isinstance(exc, SDKError)
                ):
                    self.last_error = exc
                    raise BatcherStoppedError(exc) from exc
                error = exc
            else:
                self._accepted(batch)
                return
            await self._wait_after(error, attempt, len(batch))
            attempt += 1

    async def _split(self, batch: list[Pending], cause: APIStatusError) -> None:
        """A rejected batch: report a single event, deliver the halves of a larger one."""
        if len(batch) == 1:
            self._rejected(batch[0], cause)
            return
        middle = len(batch) // 2
        await self.deliver(batch[:middle])
        await self.deliver(batch[middle:])

    async def _wait_after(self, error: Exception, attempt: int, size: int) -> None:
        self.last_error = error
        self.failed_attempts += 1
        delay = retry_delay(self._retry, error, attempt=attempt, rand=self._rand())
        logger.warning(
            "a batch of %d event(s) was not accepted (%s); retrying in %.2f s",
            size,
            error if isinstance(error, SDKError) else repr(error),
            delay,
        )
        await self.sleep(delay)
