"""``EventBatcher``: lossless, ordered, batched delivery of inventory events.

Modelled on aiokafka's producer. ``send()`` accepts an event (waiting while the buffer
is full) and returns a :class:`Delivery` handle that resolves once the batch holding the
event was accepted. Batches leave when they reach ``max_batch_size`` events or
``max_batch_bytes`` of JSON, or when the oldest queued event has waited ``linger``
seconds.

Guarantees:

* **Per-product order.** Events are partitioned into ``lanes`` by ``productReference``;
  each lane is a FIFO with at most one batch in flight, and a failed batch is retried
  at the head of its lane, so events for one product are delivered in send order,
  retries included.
* **Nothing dropped.** A batch that fails (5xx, 429, connection errors, or any other
  exception the POST raises) is retried with backoff for as long as the batcher runs;
  a closed client (``ClientClosedError``), and once ``close()`` has begun an unexpected
  exception (not an ``SDKError``), hand that lane's events back at once instead. A batch
  rejected with 400, 413 or 422 is split in halves, recursively, to isolate the bad
  events; those are reported (the ``on_error`` callback and their delivery handles) and
  the rest are delivered. ``close()`` delivers everything within its timeout, or raises
  :class:`UndeliveredEventsError` carrying every event it could not deliver. If a lane's
  worker stops anyway (a bug, a failing spool), ``send()`` and ``flush()`` raise
  :class:`BatcherStoppedError` at once and ``close()`` hands back every pending event.
* **At least once.** If the API applied a batch but the answer was lost (a timeout, a
  dropped connection, a 5xx after the fact), the batch is sent again, whole and in
  order (by the client's retry policy, then by the batcher), so its events can arrive
  twice. While that replay is applied, a product can show an older state *from the
  same batch* for a moment (availability 6, then 5 again, then 6; a product created and
  removed in that batch exists again), and it ends in the state of its last event in the
  batch. A later batch for a product is sent only once the earlier one was accepted,
  so a replay never goes back further than its own batch. The one exception: an
  attempt the client gave up on (a timeout) that the server still applies after its
  retry, possibly after later batches, leaves the product in that older state until
  its next event. The API has no idempotency key or sequence number to prevent either.
* **Crash safety (opt-in).** With ``spool_path``, each event is committed to a SQLite
  spool before ``send()`` returns and deleted once delivered or rejected; a new batcher
  on the same spool re-sends what a crashed process left, in order, before anything
  new. See :mod:`convious._spool` for what survives a crash or power loss, the lock
  that gives a spool one batcher at a time, and the quarantine of undecodable rows.
  Events still undelivered at ``close()`` stay in the spool as well as being handed
  back in the error, so either re-send them or let the next batcher do it.
* **Interrupted close.** If ``close()`` is cancelled or times out (``asyncio.timeout``,
  ``asyncio.wait_for``), it still stops the workers and fails every undelivered event's
  handle, and the *next* ``close()`` raises the :class:`UndeliveredEventsError` naming
  them; later calls return quietly. A spool keeps them too.
"""

from __future__ import annotations

import asyncio
import logging
import random
import warnings
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from convictional_async.core import (
    APIStatusError,
    ClientClosedError,
    RetryPolicy,
    SDKError,
)

from ._events import Event, decode_event, encode_event
from ._spool import EventSpool

if TYPE_CHECKING:
    from ._inventory import InventoryAPI

logger = logging.getLogger("convious.batcher")

DEFAULT_MAX_BATCH_SIZE = 500
DEFAULT_MAX_BATCH_BYTES = 512 * 1024
DEFAULT_LINGER = 0.05
DEFAULT_MAX_BUFFER = 10_000
DEFAULT_CLOSE_TIMEOUT = 30.0

REJECTING_STATUSES = frozenset({400, 413, 422})
"""Statuses that blame the batch's content: the batch is split to find the bad events."""


class EventRejectedError(SDKError):
    """The API rejected this event (isolated from its batch by splitting)."""

    def __init__(self, event: Event, cause: APIStatusError) -> None:
        self.event = event
        self.status = cause.status
        self.request_id = cause.request_id
        self.errors = cause.errors
        super().__init__(f"event rejected: {_describe(event)}: {cause}")


class EventNotDeliveredError(SDKError):
    """The batcher closed before this event could be delivered."""

    def __init__(self, event: Event, last_error: BaseException | None) -> None:
        self.event = event
        self.last_error = last_error
        why = f" (last error: {last_error})" if last_error else ""
        super().__init__(f"event not delivered before the batcher closed: {_describe(event)}{why}")


class UndeliveredEventsError(SDKError):
    """Raised by ``close()``: some accepted events were not delivered.

    ``undelivered`` were never accepted by the API (send them again, or let a spool do
    it); ``rejected`` were refused by the API and will not succeed as they are.
    """

    def __init__(self, undelivered: list[Event], rejected: list[EventRejectedError]) -> None:
        self.undelivered = undelivered
        self.rejected = rejected
        super().__init__(
            f"{len(undelivered)} event(s) not delivered and {len(rejected)} rejected by the API"
        )


class BatcherStoppedError(SDKError):
    """A lane worker stopped on an unexpected error; ``close()`` hands back what is left.

    ``__cause__`` is the error that stopped it.
    """

    def __init__(self, cause: BaseException) -> None:
        super().__init__(
            f"the batcher stopped delivering ({cause!r}); close() hands back its events"
        )


class BufferFullError(SDKError):
    """``send_nowait()`` found the buffer full; ``await send()`` waits for room instead."""


def _describe(event: Event) -> str:
    return f"{type(event).__name__} for {event.product_reference!r}"


def _lane_ended(lane: _Lane) -> bool:
    """Whether the lane's worker has ended (it only does on an unexpected error)."""
    return lane.worker is not None and lane.worker.done()


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
        return f"<Delivery {_describe(self.event)} {state}>"

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


class _Item:
    __slots__ = ("body", "event", "future", "seq")

    def __init__(
        self, event: Event, body: bytes, future: asyncio.Future[None], seq: int | None
    ) -> None:
        self.event = event
        self.body = body
        self.future = future
        self.seq = seq


def _fail(future: asyncio.Future[None], error: BaseException) -> None:
    """Fail a delivery that nobody may await: it is reported through ``on_error`` and
    ``close()``, not through asyncio's "exception was never retrieved" log line."""
    if not future.done():
        future.set_exception(error)
        future.exception()  # marks it retrieved; an await still raises it


class _Lane:
    __slots__ = (
        "enqueued",
        "first_at",
        "flush_target",
        "in_flight",
        "items",
        "queued_bytes",
        "resolved",
        "signal",
        "worker",
    )

    def __init__(self) -> None:
        self.items: deque[_Item] = deque()
        self.queued_bytes = 0
        self.first_at = 0.0
        self.enqueued = 0
        self.resolved = 0
        self.flush_target = 0
        self.in_flight: list[_Item] = []
        self.signal = asyncio.Event()
        self.worker: asyncio.Task[None] | None = None


class EventBatcher:
    """Batches, orders and delivers inventory events; get one from ``client.inventory``.

    Example::

        async with client.inventory.batcher(max_batch_size=500, linger=0.05) as batcher:
            delivery = await batcher.send(ProductAvailabilityChanged(...))
            await delivery  # optional: wait until the API accepted it
    """

    def __init__(
        self,
        inventory: InventoryAPI,
        *,
        max_batch_size: int = DEFAULT_MAX_BATCH_SIZE,
        max_batch_bytes: int = DEFAULT_MAX_BATCH_BYTES,
        linger: float = DEFAULT_LINGER,
        max_buffer: int = DEFAULT_MAX_BUFFER,
        lanes: int = 1,
        close_timeout: float = DEFAULT_CLOSE_TIMEOUT,
        retry: RetryPolicy | None = None,
        on_error: Callable[[EventRejectedError], object] | None = None,
        spool_path: str | Path | None = None,
    ) -> None:
        for name, value, low in (
            ("max_batch_size", max_batch_size, 1),
            ("max_batch_bytes", max_batch_bytes, 2),
            ("max_buffer", max_buffer, 1),
            ("lanes", lanes, 1),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
        for name, number in (("linger", linger), ("close_timeout", close_timeout)):
            if isinstance(number, bool) or not isinstance(number, int | float) or number < 0:
                raise ValueError(f"{name} must be a number of seconds >= 0, got {number!r}")
        if on_error is not None and not callable(on_error):
            raise ValueError("on_error must be callable")
        self._inventory = inventory
        self._max_batch_size = max_batch_size
        self._max_batch_bytes = max_batch_bytes
        self._linger = float(linger)
        self._max_buffer = max_buffer
        self._close_timeout = float(close_timeout)
        self._retry = retry or RetryPolicy(backoff_initial=0.1, backoff_max=5.0)
        self._on_error = on_error
        self._spool_path = spool_path
        self._spool: EventSpool | None = None
        self._lanes = [_Lane() for _ in range(lanes)]
        self._buffered = 0
        self._space_waiters: deque[asyncio.Future[None]] = deque()
        self._progress: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._started = False
        self._closing = False
        self._closed = False
        self._last_error: BaseException | None = None
        self._stopped_by: BaseException | None = None
        self._unreported: UndeliveredEventsError | None = None
        self._rejected: list[EventRejectedError] = []
        self.delivered = 0
        """Events accepted by the API so far."""
        self.batches = 0
        """Batches accepted by the API so far."""
        self.failed_attempts = 0
        """Batch attempts that failed and were retried (after the pipeline's own retries)."""

    def __repr__(self) -> str:
        state = "closed" if self._closed else "running" if self._started else "new"
        return f"<EventBatcher {state} pending={self.pending}>"

    def __del__(self) -> None:
        # getattr: __init__ may have raised before setting these.
        if getattr(self, "_started", False) and not getattr(self, "_closed", True):
            warnings.warn(
                f"{self!r} was never closed: call await batcher.close() (or use "
                "async with) so its events are delivered",
                ResourceWarning,
                stacklevel=1,
            )

    @property
    def pending(self) -> int:
        """Events accepted by ``send()`` and not yet delivered or failed."""
        return self._buffered

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    async def start(self) -> None:
        """Start the lane workers (and re-send a spool's leftovers first); idempotent.

        Raises :class:`~convious._spool.SpoolError` (before anything starts) if the spool
        cannot be used: another batcher holds it, or the file is not a readable spool.
        """
        if self._started:
            return
        if self._closing:
            raise RuntimeError("this batcher is closed; create a new one")
        loop = asyncio.get_running_loop()
        leftovers = self._open_spool() if self._spool_path is not None else []
        self._loop = loop
        self._progress = asyncio.Event()
        self._started = True
        for seq, body, event in leftovers:
            self._enqueue(event, body, seq)
        for lane in self._lanes:
            lane.worker = loop.create_task(self._run_lane(lane))
            lane.worker.add_done_callback(self._worker_stopped)

    def _open_spool(self) -> list[tuple[int, bytes, Event]]:
        """Open (and lock) the spool; return what a previous batcher left in it."""
        assert self._spool_path is not None
        spool = EventSpool(self._spool_path)
        try:
            leftovers = spool.recover(decode_event)
        except BaseException:
            spool.close()
            raise
        if leftovers:
            logger.warning("re-sending %d event(s) left in spool %s", len(leftovers), spool.path)
        self._spool = spool
        return leftovers

    @property
    def quarantined(self) -> int:
        """Undecodable spool rows this batcher's start moved to the spool's quarantine."""
        return self._spool.quarantined if self._spool is not None else 0

    def _worker_stopped(self, worker: asyncio.Task[None]) -> None:
        if not self._closed:  # not stopped by _stop(): say, an unexpected error
            error = (
                asyncio.CancelledError("a lane worker was cancelled")
                if worker.cancelled()
                else worker.exception()
            )
            if isinstance(error, BatcherStoppedError) and error.__cause__ is not None:
                error = error.__cause__  # a lane stopped on purpose: keep the real cause
            if error is not None:
                logger.error("an event batcher worker stopped: %r", error)
                self._last_error = error
                self._stopped_by = self._stopped_by or error
        if self._progress is not None:
            self._progress.set()  # whoever waits for progress must notice

    async def send(self, event: Event) -> Delivery:
        """Accept an event for delivery, waiting while the buffer is full.

        Raises ``ValueError`` for anything that is not an event, :class:`BatcherStoppedError`
        if a lane worker stopped, and :class:`~convious._spool.SpoolError` if the spool
        cannot store the event (then it was not accepted).
        """
        body = self._accepting(event)
        if not self._started:
            await self.start()
        while self._buffered >= self._max_buffer:
            waiter = asyncio.get_running_loop().create_future()
            self._space_waiters.append(waiter)
            try:
                await waiter
            except asyncio.CancelledError:
                if waiter.done() and not waiter.cancelled():
                    self._wake_senders()  # woken for a free slot while cancelled: pass it on
                raise
            self._accepting(event)  # the batcher may have closed while we waited
        return self._accept(event, body)

    def send_nowait(self, event: Event) -> Delivery:
        """Accept an event now, or raise :class:`BufferFullError` if the buffer is full."""
        body = self._accepting(event)
        if not self._started:
            raise RuntimeError("start the batcher first (await batcher.start() or async with)")
        if self._buffered >= self._max_buffer:
            raise BufferFullError(f"the batcher's buffer of {self._max_buffer} events is full")
        return self._accept(event, body)

    def _accepting(self, event: Event) -> bytes:
        if self._closing:
            raise RuntimeError("this batcher is closed; create a new one")
        if self._stopped_by is not None:
            raise BatcherStoppedError(self._stopped_by) from self._stopped_by
        return encode_event(event)  # ValueError for anything that is not an event

    def _accept(self, event: Event, body: bytes) -> Delivery:
        seq = self._spool.add(body) if self._spool is not None else None
        return Delivery(event, self._enqueue(event, body, seq))

    def _enqueue(self, event: Event, body: bytes, seq: int | None) -> asyncio.Future[None]:
        assert self._loop is not None
        future: asyncio.Future[None] = self._loop.create_future()
        lanes = self._lanes
        lane = lanes[hash(event.product_reference) % len(lanes)] if len(lanes) > 1 else lanes[0]
        if not lane.items:
            lane.first_at = self._loop.time()
            lane.signal.set()
        lane.items.append(_Item(event, body, future, seq))
        lane.queued_bytes += len(body) + 1
        lane.enqueued += 1
        self._buffered += 1
        if len(lane.items) >= self._max_batch_size or lane.queued_bytes >= self._max_batch_bytes:
            lane.signal.set()
        return future

    async def flush(self) -> None:
        """Send everything queued now and wait until it and every batch in flight is done.

        Raises :class:`BatcherStoppedError` if a lane worker stopped (after the other
        lanes are done); ``close()`` then hands back what that lane still held.
        """
        if not self._started:
            return
        for lane in self._lanes:
            lane.flush_target = lane.enqueued
            lane.signal.set()
        await self._wait_for(
            lambda: all(
                lane.resolved >= lane.flush_target or _lane_ended(lane) for lane in self._lanes
            )
        )
        if self._stopped_by is not None:
            raise BatcherStoppedError(self._stopped_by) from self._stopped_by

    async def _wait_for(self, condition: Callable[[], bool]) -> None:
        progress = self._progress
        assert progress is not None
        while not condition():
            progress.clear()
            await progress.wait()

    async def close(self) -> None:
        """Deliver everything within ``close_timeout`` seconds, then stop.

        Raises :class:`UndeliveredEventsError` if any accepted event was not delivered.
        If this call is cancelled or times out, the workers stop all the same, and the
        next ``close()`` raises that error instead; after that, ``close()`` returns.
        """
        if not self._closed:
            self._closing = True
            try:
                if self._started:
                    await self._drain()
            except asyncio.CancelledError:
                await self._stop()
                if self._unreported is not None:
                    logger.warning(
                        "close() was interrupted with %s; the next close() raises them",
                        self._unreported,
                    )
                raise
            await self._stop()
        unreported, self._unreported = self._unreported, None
        if unreported is not None:
            raise unreported

    async def _drain(self) -> None:
        """Flush for at most ``close_timeout`` seconds; what is left is handed back."""
        limit = self._close_timeout
        try:
            async with asyncio.timeout(limit):
                await self.flush()
        except BatcherStoppedError:
            pass  # _stop() hands back what the stopped lane held
        except TimeoutError:
            logger.warning(
                "close() timed out after %.1f s with %d event(s) pending", limit, self._buffered
            )

    async def _stop(self) -> None:
        """Stop the workers, fail whatever is still pending and keep it for ``close()``."""
        workers = [lane.worker for lane in self._lanes if lane.worker is not None]
        for worker in workers:
            worker.cancel()  # from here on, no worker touches a lane or the spool again
        undelivered = self._hand_back()
        if undelivered or self._rejected:
            self._unreported = UndeliveredEventsError(undelivered, list(self._rejected))
        self._closed = True
        try:
            await asyncio.gather(*workers, return_exceptions=True)
        finally:
            if self._spool is not None:
                self._spool.close()

    def _hand_back(self) -> list[Event]:
        """Fail every pending delivery and release waiting senders; return the events."""
        undelivered: list[Event] = []
        for lane in self._lanes:
            for item in [*lane.in_flight, *lane.items]:
                if not item.future.done():
                    _fail(item.future, EventNotDeliveredError(item.event, self._last_error))
                    undelivered.append(item.event)
            lane.items.clear()
            lane.in_flight = []
        self._buffered = 0
        for waiter in self._space_waiters:
            if not waiter.done():
                waiter.set_result(None)  # they wake up, see the batcher closed, and raise
        return undelivered

    async def _run_lane(self, lane: _Lane) -> None:
        loop = asyncio.get_running_loop()
        while True:
            if not lane.items:
                lane.signal.clear()
                await lane.signal.wait()
                continue
            due = (
                len(lane.items) >= self._max_batch_size
                or lane.queued_bytes >= self._max_batch_bytes
                or lane.resolved < lane.flush_target
                or self._closing
            )
            if not due:
                remaining = lane.first_at + self._linger - loop.time()
                if remaining > 0:
                    lane.signal.clear()
                    try:
                        async with asyncio.timeout(remaining):
                            await lane.signal.wait()
                    except TimeoutError:
                        pass
                    continue
            batch = self._take(lane)
            lane.in_flight = batch
            await self._deliver(batch)
            lane.in_flight = []
            if lane.items:
                lane.first_at = loop.time() - self._linger  # a backlog leaves at once

    def _take(self, lane: _Lane) -> list[_Item]:
        items = lane.items
        batch = [items.popleft()]
        size = len(batch[0].body) + 2
        while items and len(batch) < self._max_batch_size:
            next_size = len(items[0].body) + 1
            if size + next_size > self._max_batch_bytes:
                break
            size += next_size
            batch.append(items.popleft())
        lane.queued_bytes -= size - 1
        return batch

    async def _deliver(self, batch: list[_Item]) -> None:
        """Deliver one batch: retry until accepted, or split to isolate rejected events.

        Any exception from the POST is a failed attempt (cancellation is not one), except a
        closed client (it can never deliver) and, while closing, an unexpected one (not an
        ``SDKError``): those stop this lane at once, and ``close()`` hands its events back.
        """
        body = b"[" + b",".join(item.body for item in batch) + b"]"
        attempt = 0
        while True:
            try:
                await self._inventory.post_events(body)
            except APIStatusError as exc:
                if exc.status in REJECTING_STATUSES:
                    if len(batch) == 1:
                        self._reject(batch[0], exc)
                        return
                    middle = len(batch) // 2
                    await self._deliver(batch[:middle])
                    await self._deliver(batch[middle:])
                    return
                error: Exception = exc
            except Exception as exc:
                if isinstance(exc, ClientClosedError) or (
                    self._closing and not isinstance(exc, SDKError)
                ):
                    self._last_error = exc
                    raise BatcherStoppedError(exc) from exc
                error = exc
            else:
                self._resolve(batch)
                return
            self._last_error = error
            self.failed_attempts += 1
            delay = self._retry.backoff(min(attempt, 30), random.random())
            logger.warning(
                "a batch of %d event(s) was not accepted (%s); retrying in %.2f s",
                len(batch),
                error if isinstance(error, SDKError) else repr(error),
                delay,
            )
            attempt += 1
            await asyncio.sleep(delay)

    def _resolve(self, batch: Sequence[_Item]) -> None:
        for item in batch:
            if not item.future.done():
                item.future.set_result(None)
        self.delivered += len(batch)
        self.batches += 1
        self._done(batch)

    def _reject(self, item: _Item, cause: APIStatusError) -> None:
        error = EventRejectedError(item.event, cause)
        logger.error("%s", error)
        self._rejected.append(error)
        _fail(item.future, error)
        self._done([item])
        if self._on_error is not None:
            try:
                self._on_error(error)
            except Exception:
                logger.exception("the batcher's on_error callback raised")

    def _done(self, items: Sequence[_Item]) -> None:
        if self._spool is not None:
            self._spool.remove([item.seq for item in items if item.seq is not None])
        lane = self._lanes[0] if len(self._lanes) == 1 else None
        for item in items:
            (lane or self._lane_of(item)).resolved += 1
        self._buffered -= len(items)
        self._wake_senders()
        assert self._progress is not None
        self._progress.set()

    def _wake_senders(self) -> None:
        """Wake one waiting ``send()`` per free place in the buffer."""
        room = self._max_buffer - self._buffered
        while self._space_waiters and room > 0:
            waiter = self._space_waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                room -= 1

    def _lane_of(self, item: _Item) -> _Lane:
        return self._lanes[hash(item.event.product_reference) % len(self._lanes)]
