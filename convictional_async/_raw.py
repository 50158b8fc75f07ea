"""Raw access to a call's HTTP response, with Convictional's ``Convictional-Version``.

:meth:`ConvictionalClient.with_raw_response` runs any client method and hands back its
result together with the last successful response of that call, through the core's one
mechanism (:mod:`convictional_async.core._raw`: the pipeline records each 2xx response
into a capture that a context variable carries, so concurrent calls never mix).
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar

import attrs

from ._errors import VERSION_HEADER
from .core._raw import RawResponse as CoreRawResponse

T = TypeVar("T")
P = ParamSpec("P")


@attrs.frozen(kw_only=True)
class RawResponse(CoreRawResponse[T]):
    """A parsed result with the HTTP response it came from.

    >>> raw = RawResponse(status=200, headers={"X-Request-ID": "r-1"}, parsed="ok")
    >>> raw.request_id, raw.convictional_version
    ('r-1', None)
    """

    @property
    def convictional_version(self) -> str | None:
        """``Convictional-Version``: the API version that answered."""
        return self.headers.get(VERSION_HEADER)


async def with_raw_response(
    call: Callable[P, Awaitable[T]], *args: P.args, **kwargs: P.kwargs
) -> RawResponse[T]:
    """Await ``call(*args, **kwargs)``; its result with its last successful response."""
    return await RawResponse[T].of(functools.partial(call, *args, **kwargs))
