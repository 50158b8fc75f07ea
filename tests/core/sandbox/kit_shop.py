"""A tiny emulated API on the sandbox kit (the shop), for testing the kit without a real API."""

from __future__ import annotations

import random
from collections import Counter, deque
from collections.abc import Mapping

from aiohttp import web

from convictional_async.core.sandbox import (
    ADMIN_PREFIX,
    MAX_RECORDS,
    AdminRoutes,
    FaultKind,
    Faults,
    FixedWindowLimiter,
    RequestRecord,
    SandboxMiddleware,
    SandboxServer,
    recorded_status,
)


class ShopFaults(Faults):
    """Faults aimed at the shop's two endpoints."""

    KNOWN_TARGETS = frozenset({"login", "orders", "empty"})
    DEFAULT_TARGETS = frozenset({"orders"})


class ShopApi:
    """The shop: ``POST /orders`` stores an order, ``POST /empty`` answers an empty 200."""

    def __init__(self) -> None:
        self.orders: list[str] = []
        self.arrived: Counter[str] = Counter()
        self.faults_injected: Counter[str] = Counter()
        self.records: deque[RequestRecord] = deque(maxlen=MAX_RECORDS)

    def begin(self, request: web.Request) -> str | None:
        target = {"/orders": "orders", "/login": "login", "/empty": "empty"}.get(request.path)
        self.arrived[target or "other"] += 1
        return target

    def error_response(
        self,
        request: web.Request,
        status: int,
        message: str,
        headers: Mapping[str, str] | None = None,
    ) -> web.Response:
        return web.json_response({"problem": message}, status=status, headers=headers)

    def throttle_response(self, request: web.Request) -> web.Response:
        return web.json_response({"problem": "slow down"}, status=429, headers={"X-Shop": "1"})

    def unauthorized_response(self, request: web.Request, target: str) -> web.Response:
        return web.json_response({"problem": f"who are you at {target}?"}, status=401)

    def fault_injected(self, kind: FaultKind) -> None:
        self.faults_injected[kind] += 1

    def finish(self, request: web.Request, response: web.StreamResponse, request_id: str) -> None:
        response.headers["Shop-Version"] = "1"
        record = RequestRecord(
            method=request.method,
            path=request.path,
            status=recorded_status(response),
            request_id=request_id,
        )
        self.records.append(record)

    async def create_order(self, request: web.Request) -> web.Response:
        name = (await request.json())["name"]
        self.orders.append(name)
        return web.json_response({"id": len(self.orders), "name": name, "padding": "x" * 200})

    async def login(self, request: web.Request) -> web.Response:
        return web.json_response({"token": "t"})

    async def empty(self, request: web.Request) -> web.Response:
        return web.Response(status=200)

    async def explode(self, request: web.Request) -> web.Response:
        raise RuntimeError("boom")


class ShopSandbox(SandboxServer):
    """The shop, served by the kit's runner."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(host=host, port=port)
        self.api = ShopApi()
        self.faults = ShopFaults()
        self.limiter = FixedWindowLimiter(clock=lambda: 0.0)

    def create_app(self) -> web.Application:
        middleware = SandboxMiddleware(
            self.api, faults=self.faults, rng=random.Random(0), bound_host=self.host, name="shop"
        )
        app = web.Application(middlewares=[middleware.handle])
        app.router.add_post("/orders", self.api.create_order)
        app.router.add_post("/login", self.api.login)
        app.router.add_post("/empty", self.api.empty)
        app.router.add_get("/explode", self.api.explode)
        AdminRoutes(self.faults, self.limiter).add_to(app)
        app.router.add_get(f"{ADMIN_PREFIX}ping", self.api.empty)
        return app
