"""The only place that talks to ``aiohttp.ClientSession``.

One long-lived session per client, created inside the running event loop on first use,
with explicit connector limits and timeouts. aiohttp's exceptions are translated into
the SDK's :class:`TransportError` family here and nowhere else; ``CancelledError`` is
never caught.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Mapping
from typing import Any

import aiohttp
import attrs
from multidict import CIMultiDict
from yarl import URL

from ._errors import (
    ConnectError,
    ConnectionLost,
    RequestTimeout,
    TLSError,
    TransportError,
)
from ._response import Response


def _optional_positive(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and (
        isinstance(value, bool) or not isinstance(value, int | float) or value <= 0
    ):
        raise ValueError(f"{attribute.name} must be a number > 0 or None, got {value!r}")


@attrs.frozen(kw_only=True)
class Timeout:
    """Time limits for one attempt, in seconds (``None``: no limit).

    ``total`` covers one attempt from the moment it has a connection slot (requests
    beyond the pool size queue first, without a time limit); ``connect`` covers opening
    a socket; ``read`` bounds the gap between two reads.

    >>> Timeout(total=5.0).connect
    10.0
    """

    total: float | None = attrs.field(default=30.0, validator=_optional_positive)
    connect: float | None = attrs.field(default=10.0, validator=_optional_positive)
    read: float | None = attrs.field(default=None, validator=_optional_positive)

    def to_aiohttp(self) -> aiohttp.ClientTimeout:
        """The equivalent aiohttp timeout."""
        return aiohttp.ClientTimeout(
            total=self.total, sock_connect=self.connect, sock_read=self.read
        )


def translate_error(exc: Exception, method: str, url: str) -> TransportError:
    """Map an aiohttp (or socket) exception to the SDK's transport error."""
    if isinstance(exc, aiohttp.ClientSSLError | aiohttp.ServerFingerprintMismatch):
        return TLSError(f"TLS failure: {exc}", method=method, url=url)
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return ConnectError("timed out while connecting", method=method, url=url)
    if isinstance(exc, aiohttp.ClientConnectorError):
        return ConnectError(f"could not connect: {exc.os_error}", method=method, url=url)
    if isinstance(exc, TimeoutError):
        return RequestTimeout("timed out waiting for the response", method=method, url=url)
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return ConnectionLost("the server closed the connection", method=method, url=url)
    if isinstance(exc, aiohttp.ClientPayloadError):
        return ConnectionLost(f"incomplete response body: {exc}", method=method, url=url)
    if isinstance(exc, aiohttp.ClientOSError | aiohttp.ClientConnectionError | OSError):
        return ConnectionLost(f"connection error: {exc}", method=method, url=url)
    return TransportError(f"HTTP failure: {type(exc).__name__}: {exc}", method=method, url=url)


class _Gate:
    """At most ``size`` holders at a time, the rest served first come, first served.

    ``asyncio.Semaphore`` does the same, but every acquire is a coroutine and scans the
    waiters; here taking a free slot is one comparison, which matters when every request
    passes through. A released slot goes straight to the oldest live waiter, so a newcomer
    can never overtake it, and a waiter cancelled just as it was handed a slot passes the
    slot on.
    """

    __slots__ = ("_free", "_loop", "_waiters")

    def __init__(self, size: int, loop: asyncio.AbstractEventLoop) -> None:
        self._free = size
        self._loop = loop
        self._waiters: deque[asyncio.Future[None]] = deque()

    @property
    def free(self) -> int:
        """Slots nobody holds (0 while anyone waits)."""
        return self._free

    def enter(self) -> Awaitable[None] | None:
        """Take a slot: None if taken at once, else join the queue now and return what to
        await for the slot (it must be awaited)."""
        if self._free:
            self._free -= 1
            return None
        waiter: asyncio.Future[None] = self._loop.create_future()
        self._waiters.append(waiter)
        return self._wait(waiter)

    async def _wait(self, waiter: asyncio.Future[None]) -> None:
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.leave()  # handed a slot while being cancelled: pass it on
            raise

    def leave(self) -> None:
        """Give a slot back: to the oldest live waiter, or to the pool."""
        waiters = self._waiters
        while waiters:
            waiter = waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self._free += 1


class Transport:
    """Sends requests over one long-lived aiohttp session.

    A session passed in by the user is used as-is and never closed. Otherwise the
    transport creates its own on first use (so inside the running loop) and closes it in
    :meth:`aclose`, which is safe to call twice.

    >>> transport = Transport(timeout=Timeout(total=10.0), max_connections=50)
    >>> transport.closed
    False
    """

    def __init__(
        self,
        *,
        timeout: Timeout | None = None,
        max_connections: int = 100,
        max_connections_per_host: int = 0,
        user_agent: str = "convictional-async",
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        for name, value in (
            ("max_connections", max_connections),
            ("max_connections_per_host", max_connections_per_host),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be an integer >= 0, got {value!r}")
        if session is not None and not isinstance(session, aiohttp.ClientSession):
            raise ValueError("session must be an aiohttp.ClientSession")
        self._timeout = (timeout or Timeout()).to_aiohttp()
        self._max_connections = max_connections
        self._max_connections_per_host = max_connections_per_host
        self._user_agent = user_agent
        self._session = session
        self._owns_session = session is None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False
        self._prepared_headers: dict[int, tuple[Mapping[str, str], CIMultiDict[str]]] = {}
        self._gate: _Gate | None = None

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"<Transport {state} max_connections={self._max_connections}>"

    @property
    def closed(self) -> bool:
        """Whether :meth:`aclose` was called."""
        return self._closed

    def _session_for(self, loop: asyncio.AbstractEventLoop) -> aiohttp.ClientSession:
        session = self._session
        if self._loop is loop and session is not None:
            return session
        if self._closed:
            raise RuntimeError("this client is closed; create a new one")
        if self._loop is not None and self._loop is not loop:
            raise RuntimeError(
                "this client is bound to the event loop it was first used in; "
                "create one client per event loop"
            )
        if session is None:
            session = self._session = self._create_session()
        connector = session.connector
        limit = connector.limit if connector is not None else 0
        # Requests beyond the pool size wait here, before aiohttp builds a request, a
        # timer and header objects for each of them: thousands of queued lookups then
        # cost a coroutine each, not a pile of objects the garbage collector walks.
        self._gate = _Gate(limit, loop) if limit else None
        self._loop = loop
        return session

    def _create_session(self) -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(
            limit=self._max_connections, limit_per_host=self._max_connections_per_host
        )
        session = aiohttp.ClientSession(
            connector=connector,
            timeout=self._timeout,
            # An API client has no use for cookies, and the jar costs CPU on every request.
            cookie_jar=aiohttp.DummyCookieJar(),
        )
        # aiohttp silently resends idempotent requests once when a reused keep-alive
        # connection fails; that resend would bypass the SDK's rate limiter and retry
        # accounting, so the SDK's own retry policy decides instead.
        if hasattr(session, "_retry_connection"):
            session._retry_connection = False
        return session

    async def open(self) -> None:
        """Create the session now (otherwise it is created on the first request)."""
        self._session_for(asyncio.get_running_loop())

    def _prepared(self, headers: Mapping[str, str]) -> CIMultiDict[str]:
        """``headers`` plus the User-Agent, as the multidict aiohttp works with.

        Callers pass the same header mappings again and again (one per API and
        credential), so each is converted once and the result reused.
        """
        entry = self._prepared_headers.get(id(headers))
        if entry is not None and entry[0] is headers:
            return entry[1]
        prepared = CIMultiDict({"User-Agent": self._user_agent})
        prepared.update(headers)
        if len(self._prepared_headers) >= 64:
            self._prepared_headers.clear()
        self._prepared_headers[id(headers)] = (headers, prepared)
        return prepared

    async def send(
        self, method: str, url: URL, headers: Mapping[str, str], body: bytes | None
    ) -> Response:
        """Send one request and read the whole response.

        ``headers`` must not be changed after it was passed in: its prepared form is
        cached (pass a new mapping instead).
        """
        session = self._session_for(asyncio.get_running_loop())
        gate = self._gate
        if gate is not None and (wait := gate.enter()) is not None:
            await wait
        try:
            async with session.request(
                method,
                url,
                data=body,
                headers=self._prepared(headers),
                allow_redirects=False,
                timeout=self._timeout,
            ) as response:
                payload = await response.read()
                return Response(response.status, response.headers, payload, method, url)
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise translate_error(exc, method, str(url)) from exc
        finally:
            if gate is not None:
                gate.leave()

    async def aclose(self) -> None:
        """Close the session if this transport created it; idempotent."""
        self._closed = True
        session, self._session = self._session, None
        if session is not None and self._owns_session:
            await session.close()
