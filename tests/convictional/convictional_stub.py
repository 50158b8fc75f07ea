"""A small scripted stand-in for the Convictional API, for the client's tests.

Each route answers from a script of handlers (the last one repeats), every request is
recorded, and every reply carries an ``X-Request-ID`` and a ``Convictional-Version``. A few
handlers keep state (orders) so that reconciliation after a lost reply can be shown.
Usage in a test module::

    @pytest.fixture
    async def stub():
        async with StubApi() as server:
            yield server

    stub.route("GET", "/buyer/products/p1", json_reply({"data": {"id": "p1"}}))
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Awaitable, Callable
from typing import Any

import attrs
from aiohttp import web

from convictional_async.core.sandbox import drop

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
VERSION = "2022-03-03"


@attrs.frozen
class Seen:
    """One request the stub received."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def json_reply(body: object, status: int = 200, **headers: str) -> Handler:
    """Answer ``body`` as JSON."""

    async def handler(request: web.Request) -> web.StreamResponse:
        return web.Response(
            status=status,
            body=json.dumps(body).encode(),
            content_type="application/json",
            headers=headers,
        )

    return handler


def raw_reply(body: bytes, status: int = 200, content_type: str = "text/plain") -> Handler:
    """Answer ``body`` as it is."""

    async def handler(request: web.Request) -> web.StreamResponse:
        return web.Response(status=status, body=body, content_type=content_type)

    return handler


async def dropped(request: web.Request) -> web.StreamResponse:
    """Close the connection without an answer (after reading the request)."""
    await request.read()
    return drop(request)


def order(order_id: str, reference: str, **fields: Any) -> dict[str, Any]:
    """A buyer order as the API shows it."""
    return {
        "id": order_id,
        "buyerReference": reference,
        "updated": "2030-01-01T00:00:00.000Z",
        "sellerOrders": [
            {"id": f"so-{order_id}", "posted": True, "fulfilled": False, "invoiced": False}
        ],
        **fields,
    }


class StubApi:
    """A running stub on 127.0.0.1: ``url`` is its base URL, ``seen`` what it received."""

    def __init__(self) -> None:
        self.seen: list[Seen] = []
        self.orders: list[dict[str, Any]] = []
        self._routes: dict[tuple[str, str], list[Handler]] = {}
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.url = ""

    def route(self, method: str, path: str, *handlers: Handler) -> None:
        """Answer ``method path`` with each handler in turn (the last one repeats)."""
        self._routes[(method, path)] = list(handlers)

    def requests(self, method: str, path: str) -> list[Seen]:
        """The requests received for ``method path``."""
        return [s for s in self.seen if s.method == method and s.path == path]

    def create_order(self, then: Handler | None = None) -> Handler:
        """A handler that stores the order sent, then answers it, or answers ``then``."""

        async def handler(request: web.Request) -> web.StreamResponse:
            body = await request.json()
            stored = order(f"o-{len(self.orders) + 1}", body["buyerReference"])
            self.orders.append(stored)
            if then is not None:
                return await then(request)
            return web.json_response(stored)

        return handler

    async def list_orders(self, request: web.Request) -> web.StreamResponse:
        """``GET /buyer/orders`` over the stored orders (ignores every filter)."""
        return web.json_response(
            {"data": self.orders, "hasMore": False, "next": "", "previous": "", "error": []}
        )

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        self.seen.append(
            Seen(request.method, request.path, dict(request.query), dict(request.headers), body)
        )
        script = self._routes.get((request.method, request.path))
        if not script:
            return web.json_response({"error": "no such route in the stub"}, status=404)
        handler = script.pop(0) if len(script) > 1 else script[0]
        response = await handler(request)
        if not response.prepared:
            response.headers.setdefault("X-Request-ID", f"req-{next(self._ids)}")
            response.headers.setdefault("Convictional-Version", VERSION)
        return response

    async def __aenter__(self) -> StubApi:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        self._runner = web.AppRunner(app, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._runner is not None
        await self._runner.cleanup()
