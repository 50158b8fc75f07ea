"""The Inventory Management API: ``POST {inventory_url}/events``."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from yarl import URL

from convictional_async.core import Pipeline, Response, RetryPolicy, SDKError
from convictional_async.core._client_closed import CallGuard

from ._batcher import (
    DEFAULT_CLOSE_TIMEOUT,
    DEFAULT_LINGER,
    DEFAULT_MAX_BATCH_BYTES,
    DEFAULT_MAX_BATCH_SIZE,
    DEFAULT_MAX_BUFFER,
    EventBatcher,
)
from ._errors import EventRejectedError, PublishError
from ._events import EVENT_TYPES, Event, encode_events
from ._lanes import check_batch_size


def single_attempt(pipeline: Pipeline) -> Pipeline:
    """A copy of ``pipeline`` that sends each request once: no retry, not even after a
    429, so the one retrying a batch is the :class:`EventBatcher`."""
    return pipeline.with_options(retry=RetryPolicy.never())  # max_retries=0 would wait out 429s


class InventoryAPI:
    """Posts inventory events; reach it as ``client.inventory``.

    ``publish()`` sends a known set of events now; ``batcher()`` gives a long-running
    :class:`EventBatcher` for a stream of updates. Once the client is closed (``guard``
    says so), both refuse at once with ``ClientClosedError``.
    """

    def __init__(
        self,
        pipeline: Pipeline,
        *,
        url: URL,
        headers: Mapping[str, str],
        max_batch_size: int = DEFAULT_MAX_BATCH_SIZE,
        guard: CallGuard | None = None,
    ) -> None:
        self._pipeline = pipeline
        self._once = single_attempt(pipeline)
        self._guard = guard
        self._url = url
        self._headers = dict(headers)
        self.max_batch_size = max_batch_size

    def __repr__(self) -> str:
        return f"<InventoryAPI {self._url}>"

    def with_pipeline(self, pipeline: Pipeline) -> InventoryAPI:
        """This API sending through ``pipeline`` (a client's ``with_options`` copy)."""
        clone = copy.copy(self)
        clone._pipeline = pipeline
        clone._once = single_attempt(pipeline)
        return clone

    def _check_open(self) -> None:
        if self._guard is not None:
            self._guard.check()

    async def post_events(self, body: bytes) -> Response:
        """POST one already encoded JSON array of events, with the client's retries.

        Event batches are treated as safe to repeat (see :class:`EventBatcher` on
        at-least-once delivery), so 5xx responses and dropped connections are retried.
        """
        return await self._pipeline.send(
            "POST", self._url, headers=self._headers, body=body, idempotent=True
        )

    async def _post_batch(self, body: bytes) -> Response:
        """POST one encoded batch once: its :class:`EventBatcher` decides every retry."""
        return await self._once.send(
            "POST", self._url, headers=self._headers, body=body, idempotent=True
        )

    async def publish(self, events: Iterable[Event], *, max_batch_size: int | None = None) -> int:
        """Send events now, one POST per ``max_batch_size`` of them, in order.

        Every event is checked before anything is sent (``ValueError`` otherwise).
        Each POST is retried by the client's pipeline (its ``RetryPolicy``: ``max_retries``,
        ``Retry-After``, the 429 budget), not by a batcher. Returns how many were accepted;
        raises :class:`PublishError` once a POST fails for good.
        """
        self._check_open()
        size = self.max_batch_size if max_batch_size is None else check_batch_size(max_batch_size)
        batch = list(events)
        for index, event in enumerate(batch):
            if not isinstance(event, EVENT_TYPES):
                raise ValueError(f"events[{index}] is not an inventory event: {event!r}")
        accepted = 0
        for start in range(0, len(batch), size):
            chunk = batch[start : start + size]
            try:
                await self.post_events(encode_events(chunk))
            except SDKError as exc:
                raise PublishError(accepted, batch[start:], exc) from exc
            accepted += len(chunk)
        return accepted

    def batcher(
        self,
        *,
        max_batch_size: int | None = None,
        max_batch_bytes: int = DEFAULT_MAX_BATCH_BYTES,
        linger: float = DEFAULT_LINGER,
        max_buffer: int = DEFAULT_MAX_BUFFER,
        lanes: int = 1,
        close_timeout: float = DEFAULT_CLOSE_TIMEOUT,
        retry: RetryPolicy | None = None,
        on_error: Callable[[EventRejectedError], object] | None = None,
        spool_path: str | Path | None = None,
    ) -> EventBatcher:
        """A new :class:`EventBatcher` posting through this client (use ``async with``).

        Its POSTs are never retried by the client's pipeline: the batcher retries them
        itself, with ``retry`` (default: its own policy). ``max_batch_size`` defaults to
        the client's; see :class:`EventBatcher` for the rest.
        Refused with ``ClientClosedError`` once the client is closed.
        """
        self._check_open()
        return EventBatcher(
            self._post_batch,
            max_batch_size=self.max_batch_size if max_batch_size is None else max_batch_size,
            max_batch_bytes=max_batch_bytes,
            linger=linger,
            max_buffer=max_buffer,
            lanes=lanes,
            close_timeout=close_timeout,
            retry=retry,
            on_error=on_error,
            spool_path=spool_path,
        )
