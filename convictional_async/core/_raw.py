"""Raw access to a call's HTTP response, for both clients.

A client's ``with_raw_response(call, *args)`` awaits any client method and returns its result with
the last successful response that call received (status, headers, request id). The
pipeline records each 2xx response into a capture that a context variable carries, so
concurrent calls never see each other's responses and a call nobody captures pays one
context-variable read.
"""

from __future__ import annotations

import contextvars
from collections.abc import Awaitable, Callable, Mapping
from typing import Generic, Self, TypeVar

import attrs

from ._response import REQUEST_ID_HEADER, Response

T = TypeVar("T")

capture: contextvars.ContextVar[list[Response] | None] = contextvars.ContextVar(
    "convictional_async_raw_response", default=None
)
"""The responses recorded for the :func:`call_and_response` call running in this context."""


@attrs.frozen(kw_only=True)
class RawResponse(Generic[T]):
    """A parsed result with the HTTP response it came from.

    >>> raw = RawResponse(status=200, headers={"X-Request-ID": "r-1"}, parsed="ok")
    >>> raw.request_id, raw.parsed
    ('r-1', 'ok')
    """

    status: int
    headers: Mapping[str, str]
    parsed: T

    @classmethod
    async def of(cls, call: Callable[[], Awaitable[T]]) -> Self:
        """Await ``call()``; its result with the last successful response it received."""
        parsed, response = await call_and_response(call)
        return cls(status=response.status, headers=response.headers, parsed=parsed)

    @property
    def request_id(self) -> str | None:
        """The server's ``X-Request-ID``, which its support asks for."""
        return self.headers.get(REQUEST_ID_HEADER)


async def call_and_response(call: Callable[[], Awaitable[T]]) -> tuple[T, Response]:
    """Await ``call()``; its result and the last successful response it received."""
    captured: list[Response] = []
    token = capture.set(captured)
    try:
        parsed = await call()
    finally:
        capture.reset(token)
    if not captured:
        raise ValueError("with_raw_response needs a client method that makes an HTTP request")
    return parsed, captured[-1]
