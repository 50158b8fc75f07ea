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
from typing import Any

from ._errors import SDKError


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
