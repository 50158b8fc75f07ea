"""What every client shares: its lifecycle and its per-call option copies.

A client sets ``_guard`` (its :class:`CallGuard`), ``_transport`` and ``_pipeline``, and
implements ``_attach(pipeline)``, which builds its endpoint groups on a pipeline; a
client with more to close than the transport extends ``_close_resources()``.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from types import TracebackType
from typing import Self

from ._client_closed import CallGuard
from ._pipeline import DEFAULT, Pipeline, _Default
from ._transport import Transport


class BaseClient:
    """Lifecycle (``async with``, :meth:`aclose`, :attr:`closed`) and :meth:`with_options`."""

    _guard: CallGuard
    _transport: Transport
    _pipeline: Pipeline

    def _attach(self, pipeline: Pipeline) -> None:
        """Build the client's endpoint groups on ``pipeline``."""
        raise NotImplementedError

    async def _close_resources(self) -> None:
        """Close what the client owns once its calls have ended."""
        await self._transport.aclose()

    def with_options(
        self,
        *,
        timeout: float | _Default | None = DEFAULT,
        max_retries: int | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> Self:
        """A copy of this client for some calls: ``timeout`` seconds per call (``None``: no
        deadline), at most ``max_retries`` retries, ``extra_headers`` on every request.

        The copy shares this client's session, credential, rate limiter, metrics and
        lifecycle: closing either closes both. Options not given keep this client's
        values; a bad one raises ``ValueError`` at once::

            quick = client.with_options(timeout=2, max_retries=0)
        """
        pipeline = self._pipeline.with_options(
            timeout=timeout, max_retries=max_retries, extra_headers=extra_headers
        )
        clone = copy.copy(self)
        clone._attach(pipeline)
        return clone

    @property
    def closed(self) -> bool:
        """Whether :meth:`aclose` was called."""
        return self._guard.closed

    async def __aenter__(self) -> Self:
        self._guard.check()
        await self._transport.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """End every call in flight with ``ClientClosedError``, then close what the client
        owns (the session, if the client made it). Safe to call more than once."""
        try:
            await self._guard.close()
        finally:
            await self._close_resources()
