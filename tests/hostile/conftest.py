"""Hostile servers as reusable fixtures: one small ``aiohttp.web`` handler per misbehaviour.

Every scenario answers under its own path prefix, on every route below it, so any client
can be pointed at one: ``hostile.url("trickle")`` is a base URL whose every endpoint
trickles its body. The ``"ok-token"`` scenario issues a valid OAuth2 token (for clients that
log in first), so a client can log in at one scenario and be misled by another.

Each scenario records how many requests it received (``hostile.hits[name]``).
"""

from __future__ import annotations

import asyncio
import gzip
import json
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

TOKEN = "hostile-token-abc123"
NESTED = b"[" * 100_000 + b"]" * 100_000
REQUEST_ID = {"X-Request-ID": "hostile-req-1"}
DEADLINE = 0.5
"""The deadline of hostile tests whose reply ends by itself (a slow gzip bomb included)."""
WAITED_DEADLINE = 0.2
"""The deadline of tests that wait it out (a server that hangs or trickles, a paused
limiter): each such test lasts this long, whatever the server does."""


def _json(status: int, body: object, **headers: str) -> web.Response:
    return web.Response(
        status=status,
        body=json.dumps(body).encode(),
        content_type="application/json",
        headers={**REQUEST_ID, **headers},
    )


async def ok_token(request: web.Request) -> web.StreamResponse:
    await request.read()
    return _json(200, {"access_token": TOKEN, "token_type": "Bearer", "expires_in": 3600})


async def trickle(request: web.Request) -> web.StreamResponse:
    """200 whose body arrives one byte every 50 ms (forever, as far as a client cares)."""
    response = web.StreamResponse(status=200, headers=REQUEST_ID)
    response.content_type = "application/json"
    await response.prepare(request)
    for _ in range(2_000):
        await response.write(b" ")
        await asyncio.sleep(0.05)
    return response


async def hang(request: web.Request) -> web.StreamResponse:
    """Never answers (within any test's patience)."""
    await asyncio.sleep(30)
    return web.Response(status=204)


async def huge(request: web.Request) -> web.StreamResponse:
    """A 2 MiB 200 reply (clients in these tests cap bodies at 1 MiB)."""
    return web.Response(status=200, body=b" " * (2 * 1024 * 1024), headers=REQUEST_ID)


async def huge_chunked(request: web.Request) -> web.StreamResponse:
    """A 2 MiB 200 reply without Content-Length."""
    response = web.StreamResponse(status=200, headers=REQUEST_ID)
    response.enable_chunked_encoding()
    await response.prepare(request)
    for _ in range(32):
        await response.write(b" " * 65536)
    await response.write_eof()
    return response


async def gzip_bomb(request: web.Request) -> web.StreamResponse:
    """A small gzip reply that inflates to 64 MiB."""
    body = gzip.compress(b"0" * (64 * 1024 * 1024), compresslevel=9)
    return web.Response(
        status=200,
        body=body,
        headers={**REQUEST_ID, "Content-Encoding": "gzip", "Content-Type": "application/json"},
    )


async def huge_error(request: web.Request) -> web.StreamResponse:
    """A 503 with a 4 MiB body."""
    return web.Response(status=503, body=b"x" * (4 * 1024 * 1024), headers=REQUEST_ID)


async def nested_200(request: web.Request) -> web.StreamResponse:
    return web.Response(status=200, body=b'{"prices": ' + NESTED + b"}", headers=REQUEST_ID)


async def nested_503(request: web.Request) -> web.StreamResponse:
    return web.Response(status=503, body=NESTED, headers=REQUEST_ID)


async def nested_400(request: web.Request) -> web.StreamResponse:
    return web.Response(status=400, body=b'{"errors": ' + NESTED + b"}", headers=REQUEST_ID)


async def echo_token(request: web.Request) -> web.StreamResponse:
    """200 whose undecodable body quotes the credential it was sent."""
    return web.Response(
        status=200,
        body=f"not json: {request.headers.get('Authorization', '')}".encode(),
        headers=REQUEST_ID,
    )


async def absurd_retry_after(request: web.Request) -> web.StreamResponse:
    return _json(429, {"error": "slow down"}, **{"Retry-After": "999999"})


async def retry_after_2099(request: web.Request) -> web.StreamResponse:
    return _json(429, {"error": "slow down"}, **{"Retry-After": "Fri, 01 Jan 2099 00:00:00 GMT"})


async def remaining_zero(request: web.Request) -> web.StreamResponse:
    return _json(200, {}, **{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "4102444800"})


async def tiny_limit(request: web.Request) -> web.StreamResponse:
    return _json(200, {}, **{"X-Rate-Limit-Limit": "0.000001", "X-Rate-Limit-Duration": "1"})


async def always_401(request: web.Request) -> web.StreamResponse:
    return _json(401, {"error": "invalid_token"})


async def html_502(request: web.Request) -> web.StreamResponse:
    return web.Response(
        status=502, text="<html><body>Bad gateway</body></html>", content_type="text/html"
    )


SCENARIOS: dict[str, Handler] = {
    "ok-token": ok_token,
    "trickle": trickle,
    "hang": hang,
    "huge": huge,
    "huge-chunked": huge_chunked,
    "gzip-bomb": gzip_bomb,
    "huge-error": huge_error,
    "nested-200": nested_200,
    "nested-503": nested_503,
    "nested-400": nested_400,
    "echo-token": echo_token,
    "absurd-retry-after": absurd_retry_after,
    "retry-after-2099": retry_after_2099,
    "remaining-zero": remaining_zero,
    "tiny-limit": tiny_limit,
    "always-401": always_401,
    "html-502": html_502,
}


class HostileServer:
    """A running hostile server on 127.0.0.1."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.hits: Counter[str] = Counter()

    def url(self, scenario: str) -> str:
        """The base URL under which every route misbehaves as ``scenario`` says."""
        if scenario not in SCENARIOS:
            raise KeyError(scenario)
        return f"{self.base}/{scenario}"


@pytest.fixture
async def hostile() -> AsyncIterator[HostileServer]:
    server: HostileServer | None = None

    async def dispatch(request: web.Request) -> web.StreamResponse:
        name = request.match_info["scenario"]
        handler = SCENARIOS.get(name)
        if handler is None:
            raise web.HTTPNotFound()
        assert server is not None
        server.hits[name] += 1
        return await handler(request)

    app = web.Application()
    app.router.add_route("*", "/{scenario}/{tail:.*}", dispatch)
    runner = web.AppRunner(app, handler_cancellation=True)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    server = HostileServer(f"http://127.0.0.1:{port}")
    try:
        yield server
    finally:
        await runner.cleanup()
