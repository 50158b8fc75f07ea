"""A rate-limited HTTP server for the rate-limit tests and benchmark (loopback only).

Three kinds of server-side limit, each at ``rate`` requests per second:

* ``leaky``: a strict millisecond leaky bucket with no burst (as nginx ``limit_req`` with
  ``rate=5r/s`` and no ``burst``): a request is admitted only if at least ``1 / rate``
  seconds have passed since the last admitted one;
* ``window``: fixed 1-second windows aligned to whole seconds, at most ``rate`` per window;
* ``unknown``: fixed windows too, but advertising nothing (the client must learn the limit).

A refused request gets 429 with ``Retry-After: 1``. Every request records its arrival time
and outcome, so a run can report the budget used, 429s and waits.
"""

from __future__ import annotations

import math
import time
from collections.abc import AsyncIterator, Awaitable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from aiohttp import web

from convictional_async.core import RateLimit, RateLimiter

KINDS = ("leaky", "window", "unknown")


@dataclass
class Admission:
    """The server's rule, as a pure function of arrival times."""

    kind: str
    rate: float
    last_admitted: float = -math.inf
    window: int = -1
    in_window: int = 0

    def admit(self, now: float) -> bool:
        """Whether a request arriving at ``now`` (seconds) is within the limit."""
        if self.kind == "leaky":
            if now - self.last_admitted >= 1.0 / self.rate:
                self.last_admitted = now
                return True
            return False
        window = math.floor(now)
        if window != self.window:
            self.window, self.in_window = window, 0
        if self.in_window < self.rate:
            self.in_window += 1
            return True
        return False


@dataclass
class LimitedServer:
    """What a running server saw."""

    url: str
    admission: Admission
    arrivals: list[tuple[float, int]] = field(default_factory=list)

    @property
    def throttled(self) -> int:
        """How many requests were answered 429."""
        return sum(1 for _, status in self.arrivals if status == 429)

    @property
    def admitted(self) -> int:
        """How many requests were served."""
        return sum(1 for _, status in self.arrivals if status == 200)


@asynccontextmanager
async def limited_server(kind: str, rate: float) -> AsyncIterator[LimitedServer]:
    """Run a server of ``kind`` limited to ``rate`` requests/s on 127.0.0.1."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    admission = Admission(kind, rate)
    server: LimitedServer | None = None

    async def handle(request: web.Request) -> web.Response:
        now = time.monotonic()
        await request.read()
        assert server is not None
        if admission.admit(now):
            server.arrivals.append((now, 200))
            headers = {"X-Request-ID": f"r-{len(server.arrivals)}"}
            if kind != "unknown":
                headers["X-Rate-Limit-Limit"] = str(rate)
                headers["X-Rate-Limit-Duration"] = "1"
            return web.json_response({"data": [], "ok": True}, headers=headers)
        server.arrivals.append((now, 429))
        return web.json_response(
            {"error": "rate limit exceeded"}, status=429, headers={"Retry-After": "1"}
        )

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    server = LimitedServer(f"http://127.0.0.1:{port}", admission)
    try:
        yield server
    finally:
        await runner.cleanup()


class TimedLimiter:
    """Wraps a limiter and records how long each request waited in it."""

    def __init__(self, inner: RateLimiter, waits: list[float]) -> None:
        self._inner = inner
        self._waits = waits

    @property
    def limit(self) -> RateLimit | None:
        return self._inner.limit

    def reserve(self) -> Awaitable[None] | None:
        wait = self._inner.reserve()
        if wait is None:
            self._waits.append(0.0)
            return None
        return self._timed(wait)

    async def _timed(self, wait: Awaitable[None]) -> None:
        started = time.monotonic()
        await wait
        self._waits.append(time.monotonic() - started)

    def observe(self, status: int, headers: Mapping[str, str]) -> None:
        self._inner.observe(status, headers)

    async def aclose(self) -> None:
        await self._inner.aclose()
