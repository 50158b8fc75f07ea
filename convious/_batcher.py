"""``EventBatcher``: lossless, ordered, batched delivery of inventory events.

Split as aiokafka splits its producer: this module is the user-facing API (``send``,
``flush``, ``close``), backpressure and the spool glue; :mod:`convious._lanes` is the
pure accumulator (lane assignment, "is a batch due", "take a batch"),
:mod:`convious._delivery` the sender that owns delivery and retries, and
:mod:`convious._errors` the errors. ``send()`` accepts an event (waiting while the buffer
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
  exception the POST raises) is retried for as long as the batcher runs, and only the
  batcher retries it: it posts through a pipeline that never retries and waits as its
  ``retry`` policy decides (a 429's ``Retry-After`` honoured up to ``max_retry_after``,
  else the backoff; ``max_retries`` and the 429 budget end a call, never a batch);
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
  order (by the batcher), so its events can arrive twice. While that replay is
  applied, a product can show an older state *from the same batch* for a moment
  (availability 6, then 5 again, then 6; a product created and removed in that batch
  exists again), and it ends in the state of its last event in the batch. A later
  batch for a product is sent only once the earlier one was accepted, so a replay
  never goes back further than its own batch. The one exception: an attempt the
  client gave up on (a timeout) that the server still applies after its retry,
  possibly after later batches, leaves the product in that older state until its
  next event. The API has no idempotency key or sequence number to prevent either.
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
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Self

from convictional_async.core import APIStatusError, RetryPolicy
from convictional_async.core._validate import non_negative_number, positive_int

from ._delivery import Delivery, Pending, Post, Sender, fail_quietly
from ._errors import (
    BatcherStoppedError,
    BufferFullError,
    EventNotDeliveredError,
    EventRejectedError,
    UndeliveredEventsError,
)
from ._events import Event, decode_event, encode_event
from ._lanes import BatchLimits, Lane, lane_index
from ._spool import EventSpool

logger = logging.getLogger("convious.batcher")

DEFAULT_MAX_BATCH_SIZE = 500
DEFAULT_MAX_BATCH_BYTES = 512 * 1024
DEFAULT_LINGER = 0.05
DEFAULT_MAX_BUFFER = 10_000
DEFAULT_CLOSE_TIMEOUT = 30.0
DEFAULT_RETRY = RetryPolicy(backoff_initial=0.1, backoff_max=5.0)
"""The batcher's retry policy unless given one."""


class _Worker:
    """A lane with the task that delivers its batches and the event that wakes it."""

    __slots__ = ("lane", "signal", "task")

    def __init__(self) -> None:
        self.lane: Lane[Pending] = Lane()
        self.signal = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    def ended(self) -> bool:
        """Whether the task has ended (it only does on an unexpected error)."""
        return self.task is not None and self.task.done()


class EventBatcher:
    """Batches, orders and delivers inventory events; get one from ``client.inventory``.

    ``post`` sends one encoded batch once (``client.inventory`` passes one that never
    retries); the batcher decides every retry with ``retry`` (see :mod:`convious._delivery`).
    ``sleep`` and ``rand`` are for tests.

    Example::

        async with client.inventory.batcher(max_batch_size=500, linger=0.05) as batcher:
            delivery = await batcher.send(ProductAvailabilityChanged(...))
            await delivery  # optional: wait until the API accepted it
    """

    def __init__(
        self,
        post: Post,
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
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self._limits = BatchLimits(
            max_batch_size=max_batch_size, max_batch_bytes=max_batch_bytes, linger=linger
        )
        self._max_buffer = positive_int("max_buffer", max_buffer)
        self._close_timeout = non_negative_number("close_timeout", close_timeout)
        if on_error is not None and not callable(on_error):
            raise ValueError("on_error must be callable")
        if retry is not None and not isinstance(retry, RetryPolicy):
            raise ValueError("retry must be a RetryPolicy or None")
        self._on_error = on_error
        self._spool_path = spool_path
        self._spool: EventSpool | None = None
        self._workers = [_Worker() for _ in range(positive_int("lanes", lanes))]
        self._buffered = 0
        self._space_waiters: deque[asyncio.Future[None]] = deque()
        self._progress: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._started = False
        self._closing = False
        self._closed = False
        self._stopped_by: BaseException | None = None
        self._unreported: UndeliveredEventsError | None = None
        self._rejected: list[EventRejectedError] = []
        self._sender = Sender(
            post,
            retry or DEFAULT_RETRY,
            accepted=self._resolve,
            rejected=self._reject,
            closing=lambda: self._closing,
            sleep=sleep,
            rand=rand,
        )
        self.delivered = 0
        """Events accepted by the API so far."""
        self.batches = 0
        """Batches accepted by the API so far."""

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

    @property
    def failed_attempts(self) -> int:
        """Batch attempts that failed and were retried (the pipeline retries none)."""
        return self._sender.failed_attempts

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

        Raises :class:`~convious.SpoolError` (before anything starts) if the spool
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
        for worker in self._workers:
            worker.task = loop.create_task(self._run_lane(worker))
            worker.task.add_done_callback(self._worker_stopped)

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

    def _worker_stopped(self, task: asyncio.Task[None]) -> None:
        if not self._closed:  # not stopped by _stop(): say, an unexpected error
            error = (
                asyncio.CancelledError("a lane worker was cancelled")
                if task.cancelled()
                else task.exception()
            )
            if isinstance(error, BatcherStoppedError) and error.__cause__ is not None:
                error = error.__cause__  # a lane stopped on purpose: keep the real cause
            if error is not None:
                logger.error("an event batcher worker stopped: %r", error)
                self._sender.last_error = error
                self._stopped_by = self._stopped_by or error
        if self._progress is not None:
            self._progress.set()  # whoever waits for progress must notice

    async def send(self, event: Event) -> Delivery:
        """Accept an event for delivery, waiting while the buffer is full.

        Raises ``ValueError`` for anything that is not an event, :class:`BatcherStoppedError`
        if a lane worker stopped, and :class:`~convious.SpoolError` if the spool
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
        index = lane_index(event.product_reference, len(self._workers))
        worker = self._workers[index]
        item = Pending(event, body, future, seq, index)
        if worker.lane.add(item, len(body), now=self._loop.time(), limits=self._limits):
            worker.signal.set()
        self._buffered += 1
        return future

    async def flush(self) -> None:
        """Send everything queued now and wait until it and every batch in flight is done.

        Raises :class:`BatcherStoppedError` if a lane worker stopped (after the other
        lanes are done); ``close()`` then hands back what that lane still held.
        """
        if not self._started:
            return
        for worker in self._workers:
            worker.lane.flush_target = worker.lane.enqueued
            worker.signal.set()
        await self._wait_for(
            lambda: all(w.lane.resolved >= w.lane.flush_target or w.ended() for w in self._workers)
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
        tasks = [worker.task for worker in self._workers if worker.task is not None]
        for task in tasks:
            task.cancel()  # from here on, no worker touches a lane or the spool again
        undelivered = self._hand_back()
        if undelivered or self._rejected:
            self._unreported = UndeliveredEventsError(undelivered, list(self._rejected))
        self._closed = True
        try:
            await asyncio.gather(*tasks, return_exceptions=True)
        finally:
            if self._spool is not None:
                self._spool.close()

    def _hand_back(self) -> list[Event]:
        """Fail every pending delivery and release waiting senders; return the events."""
        undelivered: list[Event] = []
        for worker in self._workers:
            for item in worker.lane.clear():
                if not item.future.done():
                    error = EventNotDeliveredError(item.event, self._sender.last_error)
                    fail_quietly(item.future, error)
                    undelivered.append(item.event)
        self._buffered = 0
        for waiter in self._space_waiters:
            if not waiter.done():
                waiter.set_result(None)  # they wake up, see the batcher closed, and raise
        return undelivered

    async def _run_lane(self, worker: _Worker) -> None:
        loop = asyncio.get_running_loop()
        lane, signal, limits = worker.lane, worker.signal, self._limits
        while True:
            if not lane.items:
                signal.clear()
                await signal.wait()
                continue
            remaining = lane.due_in(limits, now=loop.time(), closing=self._closing)
            if remaining > 0:
                signal.clear()
                try:
                    async with asyncio.timeout(remaining):
                        await signal.wait()
                except TimeoutError:
                    pass
                continue
            await self._sender.deliver(lane.take(limits))
            lane.finished(now=loop.time(), limits=limits)

    def _resolve(self, batch: Sequence[Pending]) -> None:
        for item in batch:
            if not item.future.done():
                item.future.set_result(None)
        self.delivered += len(batch)
        self.batches += 1
        self._done(batch)

    def _reject(self, item: Pending, cause: APIStatusError) -> None:
        error = EventRejectedError(item.event, cause)
        logger.error("%s", error)
        self._rejected.append(error)
        fail_quietly(item.future, error)
        self._done([item])
        if self._on_error is not None:
            try:
                self._on_error(error)
            except Exception:
                logger.exception("the batcher's on_error callback raised")

    def _done(self, items: Sequence[Pending]) -> None:
        if self._spool is not None:
            self._spool.remove([item.seq for item in items if item.seq is not None])
        for item in items:
            self._workers[item.lane].lane.resolved += 1
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
