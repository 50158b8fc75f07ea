"""Raw access to a call's HTTP response: status, headers, request id and API version.

:meth:`ConvictionalClient.with_raw_response` runs any client method and hands back its
result together with the last successful response of that call. A context variable
carries the capture, so concurrent calls never see each other's responses.
"""

from __future__ import annotations

import contextvars
from collections.abc import Awaitable, Callable, Mapping
from typing import Generic, ParamSpec, TypeVar

import attrs

from ._errors import VERSION_HEADER
from .core import Response

T = TypeVar("T")
P = ParamSpec("P")

_capture: contextvars.ContextVar[list[Response] | None] = contextvars.ContextVar(
    "convictional_raw_response", default=None
)


@attrs.frozen(kw_only=True)
class RawResponse(Generic[T]):
    """A parsed result with the HTTP response it came from.

    >>> raw = RawResponse(status=200, headers={"X-Request-ID": "r-1"}, parsed="ok")
    >>> raw.request_id, raw.convictional_version
    ('r-1', None)
    """

    status: int
    headers: Mapping[str, str]
    parsed: T

    @property
    def request_id(self) -> str | None:
        """``X-Request-ID``: what Convictional's support asks for."""
        return self.headers.get("X-Request-ID")

    @property
    def convictional_version(self) -> str | None:
        """``Convictional-Version``: the API version that answered."""
        return self.headers.get(VERSION_HEADER)


def record(response: Response) -> None:
    """Remember ``response`` if a :func:`with_raw_response` call is capturing."""
    captured = _capture.get()
    if captured is not None:
        captured.append(response)


async def with_raw_response(
    call: Callable[P, Awaitable[T]], *args: P.args, **kwargs: P.kwargs
) -> RawResponse[T]:
    """Await ``call(*args, **kwargs)``; its result with its last successful response."""
    captured: list[Response] = []
    token = _capture.set(captured)
    try:
        parsed = await call(*args, **kwargs)
    finally:
        _capture.reset(token)
    if not captured:
        raise ValueError("with_raw_response needs a client method that makes an HTTP request")
    last = captured[-1]
    return RawResponse(status=last.status, headers=last.headers, parsed=parsed)
