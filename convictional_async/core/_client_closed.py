"""A closed client: calls refused with :class:`ClientClosedError`, calls in flight ended.

Closing a client is one defined event for every call on it:

* a call made after ``aclose()`` began raises :class:`ClientClosedError` before anything
  is sent;
* a call still in flight (waiting for a connection, the rate limiter, a token, a retry or
  the response) ends at once with :class:`ClientClosedError`, never with a
  ``CancelledError`` nobody asked for. A caller whose own task is cancelled at the same
  time still gets its ``CancelledError``.

The client builds its pipeline as a :class:`GuardedPipeline` and calls
:meth:`CallGuard.close` first in its ``aclose()``.
"""

from __future__ import annotations

import asyncio
from asyncio import current_task
from collections.abc import Callable, Mapping
from typing import Any

from yarl import URL

from ._errors import SDKError
from ._pipeline import DEFAULT, Pipeline, _Default
from ._response import Response
from ._transport import Transport


class ClientClosedError(SDKError, RuntimeError):
    """The client was closed: ``aclose()`` ran before or during this call.

    Create a new client (one per event loop, kept for the life of the application). It is
    also a ``RuntimeError``, what a closed client raised before this class existed.
    """


class CallGuard:
    """Refuses calls once its client is closed, and ends the calls still in flight.

    >>> guard = CallGuard("ConviousClient")
    >>> guard.closed
    False
    """

    __slots__ = ("_left", "_name", "calls", "closed", "ending")

    def __init__(self, name: str) -> None:
        self._name = name
        self.closed = False
        """Whether the client's ``aclose()`` has begun."""
        self.calls: set[asyncio.Task[Any] | None] = set()
        """The tasks with a call in flight (a task runs one call at a time)."""
        self.ending: set[asyncio.Task[Any]] = set()
        """The tasks whose call ``close()`` is ending."""
        self._left: asyncio.Future[None] | None = None

    def check(self) -> None:
        """Raise :class:`ClientClosedError` if the client is closed."""
        if self.closed:
            raise self.refused()

    def refused(self) -> ClientClosedError:
        """The error for a call made once the client is closed."""
        return ClientClosedError(
            f"this client is closed ({self._name}.aclose() was called); create a new one"
        )

    def settle(self, task: asyncio.Task[Any] | None) -> bool:
        """Whether ``close()`` ended this task's call (then no longer counted as cancelled)."""
        if task not in self.ending:
            return False
        assert task is not None
        self.ending.discard(task)
        task.uncancel()
        if not self.ending and self._left is not None and not self._left.done():
            self._left.set_result(None)
        return True

    def ended(
        self, task: asyncio.Task[Any] | None, error: BaseException
    ) -> ClientClosedError | None:
        """What a call that failed with ``error`` raises instead: ``None`` unless ``close()``
        ended it (a caller whose own task is being cancelled too keeps its cancellation)."""
        if not self.settle(task) or (
            isinstance(error, asyncio.CancelledError) and task is not None and task.cancelling()
        ):
            return None
        return ClientClosedError(
            f"this client is closed ({self._name}.aclose() was called while the call was "
            "in flight; its request may have reached the server)"
        )

    async def close(self) -> None:
        """Refuse new calls; end those in flight on this loop and wait until they have."""
        if self.closed:
            return
        self.closed = True
        loop = asyncio.get_running_loop()
        current = current_task()
        self.ending = {
            task
            for task in self.calls
            if task is not None and task is not current and task.get_loop() is loop
        }
        if not self.ending:
            return
        self._left = loop.create_future()
        for task in self.ending:
            task.cancel(f"{self._name}.aclose()")
        await self._left


class GuardedPipeline(Pipeline):
    """A :class:`Pipeline` whose calls a :class:`CallGuard` refuses or ends on close.

    >>> from convictional_async.core import RetryPolicy
    >>> pipeline = GuardedPipeline(Transport(), guard=CallGuard("Client"), retry=RetryPolicy())
    >>> pipeline.guard.closed
    False
    """

    def __init__(self, transport: Transport, *, guard: CallGuard, **options: Any) -> None:
        super().__init__(transport, **options)
        self.guard = guard
        """Says whether the client is closed; ends this pipeline's calls when it closes."""
        self._send: Any = super().send  # bound once: no super() lookup per call

    async def send(
        self,
        method: str,
        url: URL,
        *,
        headers: Mapping[str, str],
        body: bytes | None = None,
        idempotent: bool,
        parse: Callable[[Response], Any] | None = None,
        deadline: float | _Default | None = DEFAULT,
    ) -> Any:
        """:meth:`Pipeline.send`, refused or ended with :class:`ClientClosedError` on close.

        Spelled out rather than ``*args, **kwargs`` and with the guard inline: this runs
        for every price lookup, and each of those costs CPU measured against plain aiohttp.
        """
        guard = self.guard
        if guard.closed:
            raise guard.refused()
        task = current_task()
        calls = guard.calls
        calls.add(task)
        try:
            return await self._send(
                method,
                url,
                headers=headers,
                body=body,
                idempotent=idempotent,
                parse=parse,
                deadline=deadline,
            )
        except (asyncio.CancelledError, Exception) as exc:
            if guard.ending and (closed := guard.ended(task, exc)) is not None:
                raise closed from None
            raise
        finally:
            calls.discard(task)
            if guard.ending:
                guard.settle(task)  # a call that ended well although close() cancelled it
