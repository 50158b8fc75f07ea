"""Request and reply plumbing shared by the handlers: JSON in and out, the caller's context.

JSON bodies must be sent as ``application/json`` (415 otherwise); an empty body counts as
``{}``; numbers with a fraction decode to ``Decimal`` (never ``float``), so money stays exact,
and ``Decimal`` values are written back as JSON numbers.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Final

import attrs
import msgspec
from aiohttp import web

from ._accounts import User
from ._errors import ApiError

__all__ = ["CALL", "Call", "call_of", "json_reply", "read_json", "reply_text"]

_ENCODE: Final = msgspec.json.Encoder(decimal_format="number").encode
_DECODE: Final = msgspec.json.Decoder(float_hook=Decimal).decode


@attrs.frozen
class Call:
    """Who is calling and how to answer: the authenticated user and the API version."""

    user: User
    version: str


CALL: Final = web.RequestKey("convictional.call", Call)


def call_of(request: web.Request) -> Call:
    """Return the context the app attached to an authenticated request."""
    return request[CALL]


def json_reply(
    data: Any, *, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    """Return ``data`` as a JSON response (``Decimal`` as JSON numbers)."""
    return web.Response(
        status=status, body=_ENCODE(data), content_type="application/json", headers=headers
    )


def reply_text(text: str, *, content_type: str = "text/plain") -> web.Response:
    """Return a text response (CSV templates, the plain-text order id)."""
    return web.Response(text=text, content_type=content_type)


async def read_json(request: web.Request) -> Any:
    """Return the decoded JSON body; an empty body is ``{}``."""
    raw = await request.read()
    if not raw.strip():
        return {}
    if request.content_type != "application/json":
        raise ApiError.general(
            415, f"unsupported media type {request.content_type!r}; send application/json"
        )
    try:
        return _DECODE(raw)
    except (msgspec.DecodeError, RecursionError):
        raise ApiError.invalid("general", "the request body is not valid JSON") from None
