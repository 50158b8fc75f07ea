"""Faults on the wire: dropped connections, partial replies, HTML pages and broken JSON."""

from __future__ import annotations

from typing import Final

from aiohttp import web

__all__ = [
    "Dropped",
    "PartialReply",
    "bad_gateway_html",
    "broken_json",
    "drop",
    "partial_reply",
]

_HTML_ERROR: Final = (
    b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n"
    b"<body><h1>502 Bad Gateway</h1><p>The upstream server did not respond.</p></body></html>\n"
)
_BROKEN_FALLBACK: Final = b'{"prices": [{"'


class Dropped(web.Response):
    """Marks a request whose connection the sandbox cut instead of answering in full."""


class PartialReply(Dropped):
    """A reply that sends its status, headers and half its body, then closes the connection."""

    def __init__(self, request: web.Request, answer: web.Response) -> None:
        body = answer.body if isinstance(answer.body, bytes) else b""
        super().__init__(status=answer.status, body=body, headers=answer.headers)
        self._request = request

    async def write_eof(self, data: bytes = b"") -> None:
        """Write the first half of the body, then close the connection (no end of body)."""
        body = self.body if isinstance(self.body, bytes) else b""
        await self.write(body[: len(body) // 2])
        transport = self._request.transport
        if transport is not None:
            transport.close()


def drop(request: web.Request) -> Dropped:
    """Close the connection without an answer (if the client has not already gone)."""
    if request.transport is not None:
        request.transport.abort()
    return Dropped()


def partial_reply(request: web.Request, answer: web.StreamResponse) -> Dropped:
    """Cut ``answer`` short: send its head and half its body, then close the connection."""
    if (
        not isinstance(answer, web.Response)
        or not isinstance(answer.body, bytes)
        or not answer.body
    ):
        return drop(request)
    return PartialReply(request, answer)


def bad_gateway_html() -> web.Response:
    """Return 502 with an HTML error page, as a proxy in front of the API would."""
    return web.Response(status=502, body=_HTML_ERROR, content_type="text/html")


def broken_json(response: web.StreamResponse) -> web.Response:
    """Return a 200 whose JSON body is cut in half (a fixed fragment for an empty body)."""
    body = response.body if isinstance(response, web.Response) else None
    whole = body if isinstance(body, bytes) and len(body) > 2 else _BROKEN_FALLBACK
    return web.Response(body=whole[: len(whole) // 2], content_type="application/json")
