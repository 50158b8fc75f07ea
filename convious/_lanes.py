"""The batcher's accumulator: which lane an event joins, when a batch is due, what it holds.

Pure bookkeeping, as aiokafka's ``message_accumulator``: no I/O and no event loop (the
time is passed in), so every rule is tested without one. A lane is a FIFO of queued
events with at most one batch in flight. A batch is due when it is full (``max_batch_size``
events or ``max_batch_bytes`` of JSON), when a flush asks for what was queued before it,
when the batcher is closing, or once the oldest queued event has waited ``linger``
seconds. A batch's JSON is ``[e1,e2,...]``: each event costs its length plus a comma,
and the array two brackets less the last comma.

>>> limits = BatchLimits(max_batch_size=2, max_batch_bytes=100, linger=0.5)
>>> lane: Lane[bytes] = Lane()
>>> lane.add(b'{"a":1}', len(b'{"a":1}'), now=10.0, limits=limits)
True
>>> lane.due_in(limits, now=10.25, closing=False)
0.25
>>> lane.add(b'{"b":2}', len(b'{"b":2}'), now=10.25, limits=limits)
True
>>> lane.due_in(limits, now=10.25, closing=False)
0.0
>>> lane.take(limits)
[b'{"a":1}', b'{"b":2}']
"""

from __future__ import annotations

from collections import deque
from typing import Generic, TypeVar

import attrs

from convictional_async.core._validate import attrs_check, integer, non_negative_number

T = TypeVar("T")

MAX_BATCH_SIZE = 100_000
"""The largest ``max_batch_size`` accepted."""
MIN_BATCH_BYTES = 2
"""The smallest ``max_batch_bytes`` accepted (``[]``; a batch holds one event at least)."""


def check_batch_size(value: object) -> int:
    """``max_batch_size``: events per batch, from 1 to :data:`MAX_BATCH_SIZE`.

    >>> check_batch_size(0)
    Traceback (most recent call last):
    ValueError: max_batch_size must be an integer from 1 to 100000, got 0
    """
    return integer("max_batch_size", value, 1, MAX_BATCH_SIZE)


@attrs.frozen(kw_only=True)
class BatchLimits:
    """How big a batch may grow and how long its first event may wait for company."""

    max_batch_size: int = attrs.field(validator=lambda _, __, value: check_batch_size(value))
    max_batch_bytes: int = attrs.field(validator=attrs_check(integer, MIN_BATCH_BYTES))
    linger: float = attrs.field(validator=attrs_check(non_negative_number))


def lane_index(product_reference: str, lanes: int) -> int:
    """The lane of a product: every event for one product joins the same lane.

    >>> lane_index("adult", 1)
    0
    >>> lane_index("adult", 4) == lane_index("adult", 4)
    True
    """
    return hash(product_reference) % lanes if lanes > 1 else 0


class Lane(Generic[T]):
    """One FIFO of queued items, and the counts a flush waits on."""

    __slots__ = (
        "enqueued",
        "first_at",
        "flush_target",
        "in_flight",
        "items",
        "queued_bytes",
        "resolved",
    )

    def __init__(self) -> None:
        self.items: deque[tuple[T, int]] = deque()
        """Queued items with their encoded size in bytes."""
        self.queued_bytes = 0
        """What the queued items add to a batch: their sizes plus one comma each."""
        self.first_at = 0.0
        """When the oldest queued item's linger started."""
        self.enqueued = 0
        """Items ever added."""
        self.resolved = 0
        """Items delivered or rejected."""
        self.flush_target = 0
        """``enqueued`` when a flush began: it waits until ``resolved`` reaches it."""
        self.in_flight: list[T] = []
        """The batch being delivered."""

    def add(self, item: T, size: int, *, now: float, limits: BatchLimits) -> bool:
        """Queue an item of ``size`` bytes; whether the lane's worker should wake up
        (the item started a new linger, or filled a batch)."""
        first = not self.items
        if first:
            self.first_at = now
        self.items.append((item, size))
        self.queued_bytes += size + 1
        self.enqueued += 1
        return first or self._full(limits)

    def _full(self, limits: BatchLimits) -> bool:
        return (
            len(self.items) >= limits.max_batch_size or self.queued_bytes >= limits.max_batch_bytes
        )

    def due_in(self, limits: BatchLimits, *, now: float, closing: bool) -> float:
        """Seconds until the next batch is due (0: now); call with items queued."""
        if self._full(limits) or self.resolved < self.flush_target or closing:
            return 0.0
        return max(0.0, self.first_at + limits.linger - now)

    def take(self, limits: BatchLimits) -> list[T]:
        """Remove the next batch (one item at least, within both limits); it is now
        ``in_flight``."""
        items = self.items
        first, size = items.popleft()
        batch = [first]
        total = size + 2
        while items and len(batch) < limits.max_batch_size:
            item, size = items[0]
            if total + size + 1 > limits.max_batch_bytes:
                break
            total += size + 1
            batch.append(item)
            items.popleft()
        self.queued_bytes -= total - 1
        self.in_flight = batch
        return batch

    def finished(self, *, now: float, limits: BatchLimits) -> None:
        """The batch in flight is done; a backlog behind it is due at once."""
        self.in_flight = []
        if self.items:
            self.first_at = now - limits.linger

    def clear(self) -> list[T]:
        """Empty the lane; return everything it held (in flight first, then queued)."""
        held = [*self.in_flight, *(item for item, _ in self.items)]
        self.items.clear()
        self.in_flight = []
        self.queued_bytes = 0
        return held
