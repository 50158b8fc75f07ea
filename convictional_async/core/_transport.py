"""The only place that talks to ``aiohttp.ClientSession``.

One long-lived session per client, created inside the running event loop on first use,
with explicit connector limits and timeouts. aiohttp's exceptions are translated into
the SDK's :class:`TransportError` family here and nowhere else; ``CancelledError`` is
never caught.
"""

from __future__ import annotations

import asyncio
import math
import types
from asyncio import current_task
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

import aiohttp
import attrs
from aiohttp.helpers import TimerNoop
from multidict import CIMultiDict, istr
from yarl import URL

from ._errors import (
    ConnectError,
    ConnectionLost,
    DeadlineExceeded,
    RequestTimeout,
    ResponseTooLarge,
    TLSError,
    TransportError,
)
from ._response import Response
from ._validate import brief, positive_number

T = TypeVar("T")

DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024
"""The default cap on a successful response body, after decompression (16 MiB)."""
_CONTENT_ENCODING = istr("Content-Encoding")
ERROR_BODY_BYTES = 64 * 1024
"""How much of an error response's body is read (the rest is left unread)."""


def _optional_seconds(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """A finite number of seconds > 0, or ``None`` (no limit); NaN and infinity are refused.

    ``None`` is the one way to say "no limit", so ``inf`` is not a second spelling of it, and
    NaN (which compares false with everything) never reaches a timer. An int too large
    for a float is not finite either.
    """
    if value is None:
        return
    try:
        positive_number(attribute.name, value)
    except ValueError:
        raise ValueError(
            f"{attribute.name} must be a finite number of seconds > 0, or None for no limit, "
            f"got {brief(value)}"
        ) from None


@attrs.frozen(kw_only=True)
class Timeout:
    """Time limits in seconds, each a finite number > 0 or ``None`` (no limit).

    ``deadline`` bounds a whole call: waiting for a connection slot, for the rate limiter
    and for a token, every attempt and every retry; when it passes, the call raises
    :class:`DeadlineExceeded`. ``total`` covers one attempt from the moment it has a
    connection slot; ``connect`` covers opening a socket; ``read`` bounds the gap between
    two reads. An attempt never runs past the call's deadline.

    >>> Timeout(total=5.0).deadline
    60.0
    """

    total: float | None = attrs.field(default=30.0, validator=_optional_seconds)
    connect: float | None = attrs.field(default=10.0, validator=_optional_seconds)
    read: float | None = attrs.field(default=None, validator=_optional_seconds)
    deadline: float | None = attrs.field(default=60.0, validator=_optional_seconds)

    def to_aiohttp(self) -> aiohttp.ClientTimeout:
        """The equivalent aiohttp timeout."""
        return aiohttp.ClientTimeout(
            total=self.total, sock_connect=self.connect, sock_read=self.read
        )


def translate_error(exc: Exception, method: str, url: str) -> TransportError:
    """Map an aiohttp (or socket) exception to the SDK's transport error.

    The message never quotes the exception's own text where that can hold bytes of the
    response (aiohttp's parse errors quote the raw status or header line, which a server
    may fill with the request's credentials): it names the kind of failure instead.
    """
    kind = type(exc).__name__
    if isinstance(exc, aiohttp.ClientSSLError | aiohttp.ServerFingerprintMismatch):
        return TLSError(f"TLS failure ({kind})", method=method, url=url)
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return ConnectError("timed out while connecting", method=method, url=url)
    if isinstance(exc, aiohttp.ClientConnectorError):
        return ConnectError(
            f"could not connect: {_os_reason(exc.os_error)}", method=method, url=url
        )
    if isinstance(exc, TimeoutError):
        return RequestTimeout("timed out waiting for the response", method=method, url=url)
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return ConnectionLost("the server closed the connection", method=method, url=url)
    if isinstance(exc, aiohttp.ClientPayloadError):
        return ConnectionLost(f"incomplete response body ({kind})", method=method, url=url)
    if isinstance(exc, aiohttp.ClientResponseError):
        return ConnectionLost(f"invalid HTTP response ({kind})", method=method, url=url)
    if isinstance(exc, aiohttp.ClientOSError | OSError):
        return ConnectionLost(f"connection error: {_os_reason(exc)}", method=method, url=url)
    if isinstance(exc, aiohttp.ClientConnectionError):
        return ConnectionLost(f"connection error ({kind})", method=method, url=url)
    return TransportError(f"HTTP failure ({kind})", method=method, url=url)


def _os_reason(exc: OSError) -> str:
    """An OS error's own words (errno and reason), never anything a server sent."""
    if exc.strerror:
        return f"[Errno {exc.errno}] {exc.strerror}" if exc.errno is not None else exc.strerror
    return type(exc).__name__


def deadline_error(method: str, url: URL, *, sent: bool) -> DeadlineExceeded:
    """The error for a call whose deadline passed (``sent``: an attempt had gone out)."""
    return DeadlineExceeded("the call's deadline passed", sent=sent, method=method, url=str(url))


async def _read_at_most(response: aiohttp.ClientResponse, limit: int) -> tuple[bytes, bool]:
    """Up to ``limit`` bytes of the (decompressed) body, and whether there was more."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.content.iter_any():
        size += len(chunk)
        if size > limit:
            chunks.append(chunk[: len(chunk) - (size - limit)])
            return b"".join(chunks), True
        chunks.append(chunk)
    return b"".join(chunks), False


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


class _Timers:
    """The time limits of every attempt in flight, kept by one timer instead of one each.

    aiohttp arms a timer per request (a timer handle plus two timeout contexts). Here an
    attempt registers its task and the moment it must end (its ``total`` or the call's
    deadline, whichever is sooner); a single loop timer, set for the earliest such moment,
    cancels the tasks whose time is up, and the transport turns that cancellation into a
    timeout. Limits are enforced exactly (no rounding), and a cancellation the caller
    asked for at the same time still wins, as with ``asyncio.timeout``.

    Registering and unregistering is a dictionary write each; the timer fires only when
    the earliest registered limit is reached, then re-arms for the next one.
    """

    __slots__ = ("_due", "_expired", "_handle", "_next", "loop")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self._due: dict[asyncio.Task[Any], float] = {}
        self._expired: set[asyncio.Task[Any]] = set()
        self._handle: asyncio.TimerHandle | None = None
        self._next = math.inf

    def add(self, task: asyncio.Task[Any], when: float) -> None:
        """Cancel ``task`` at ``when`` (loop time) unless :meth:`discard` comes first."""
        self._due[task] = when
        if when < self._next:
            if self._handle is not None:
                self._handle.cancel()
            self._next = when
            self._handle = self.loop.call_at(when, self._fire)

    def discard(self, task: asyncio.Task[Any]) -> None:
        """``task``'s attempt is over. If its time ran out but the cancellation was turned
        into another error on the way (never seen by :meth:`timed_out`), it is withdrawn."""
        del self._due[task]
        if self._expired and task in self._expired:
            self._expired.discard(task)
            task.uncancel()

    def timed_out(self, task: asyncio.Task[Any]) -> bool:
        """Whether ``task``'s ``CancelledError`` came from its time limit alone (then it is
        uncancelled); ``False`` for a cancellation somebody else asked for."""
        if task not in self._expired:
            return False
        self._expired.discard(task)
        return task.uncancel() == 0

    def _fire(self) -> None:
        self._handle = None
        now = self.loop.time()
        upcoming = math.inf
        for task, when in self._due.items():
            if when <= now:
                # A task already being cancelled (its caller asked) is left to that.
                if task not in self._expired and not task.done() and not task.cancelling():
                    self._expired.add(task)
                    task.cancel()
            elif when < upcoming:
                upcoming = when
        self._next = upcoming
        if upcoming < math.inf:
            self._handle = self.loop.call_at(upcoming, self._fire)

    def close(self) -> None:
        """Stop the timer (the transport is closing)."""
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None


def _aiohttp_own(func: object, qualname: str) -> bool:
    """Whether ``func`` is aiohttp's own function, not a wrapper or a mock put over it
    (ddtrace wraps ``_request`` when aiohttp is imported, before this module is)."""
    code = getattr(func, "__code__", None)
    return (
        type(func) is types.FunctionType
        and code is not None
        and code.co_qualname == qualname
        and code.co_filename == aiohttp.client.__file__
    )


DIRECT_AIOHTTP_VERSIONS = frozenset(f"3.14.{patch}" for patch in range(6))
"""The aiohttp versions whose internals :class:`_Direct` was checked against (the calls it
makes have the same signatures in 3.14.0 to 3.14.5); any other goes through
``session.request``."""
_SESSION_REQUEST = aiohttp.ClientSession._request
_SESSION_REQUEST_PUBLIC = aiohttp.ClientSession.request
_DIRECT = (
    aiohttp.__version__ in DIRECT_AIOHTTP_VERSIONS
    and _aiohttp_own(_SESSION_REQUEST, "ClientSession._request")
    and _aiohttp_own(_SESSION_REQUEST_PUBLIC, "ClientSession.request")
)
_NO_TIMER = TimerNoop()
_NO_TRACES: list[Any] = []  # read by aiohttp, never appended to


class _Direct:
    """Sends a request on a session the transport made itself, below ``session.request``.

    ``ClientSession._request`` spends about a fifth of a small lookup's CPU on features
    this session never uses: merging default headers, cookies (the jar is a dummy), auth
    and netrc, proxies, trace hooks, middlewares, redirects (never followed), its own
    timer (off: ``_Timers`` keeps time) and a closure per request. What is left is what
    aiohttp itself does once those are ruled out, in the same order and with the same
    clean-up: build the ``ClientRequest``, take a connection from the connector (its
    connect timeout included), set the parser's limits, send, read the status line and
    headers.

    It relies on aiohttp internals (``ClientRequest``'s keywords, ``connector.connect``,
    ``set_response_params``), so the transport uses it only on the versions in
    :data:`DIRECT_AIOHTTP_VERSIONS`; only on its own session, and only while that session
    is as the transport made it (see :meth:`usable`: a user's session, or one that
    instrumentation gave trace configs, goes through ``session.request``); and only while
    ``ClientSession.request`` and ``_request`` are aiohttp's own functions, checked at
    import (ddtrace wraps ``_request`` as aiohttp is imported) and on every request (test
    doubles such as aioresponses or ``mock.patch`` replace them, and then see every
    request). URLs with credentials in them go through ``session.request`` too.
    """

    __slots__ = (
        "_auto_decompress",
        "_ceil_threshold",
        "_connector",
        "_loop",
        "_max_field_size",
        "_max_headers",
        "_max_line_size",
        "_read_bufsize",
        "_response_class",
        "_schemes",
        "_session",
        "_timeout",
    )

    @staticmethod
    def usable(session: aiohttp.ClientSession) -> bool:
        """Whether ``session`` is still as the transport made it. Instrumentation that wraps
        ``ClientSession.__init__`` (OpenTelemetry, Sentry) adds trace configs that inject
        propagation headers and record spans: ``session.request`` must run them."""
        return (
            not session.trace_configs
            and not session._middlewares
            and isinstance(session.cookie_jar, aiohttp.DummyCookieJar)
            and not session.headers
            and not session.skip_auto_headers
            and session.auth is None
            and session._default_proxy is None
            and not session.trust_env
            and session._base_url is None
            and not session.raise_for_status
            and session.version == aiohttp.HttpVersion11
            and session._request_class is aiohttp.ClientRequest
            and session.connector is not None
        )

    def __init__(
        self,
        session: aiohttp.ClientSession,
        timeout: aiohttp.ClientTimeout,
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        connector = session.connector
        assert connector is not None
        self._session = session
        self._connector = connector
        self._timeout = timeout
        self._loop = loop
        # The session's own settings, read once (they are fixed when it is created).
        self._response_class = session._response_class
        self._auto_decompress = session.auto_decompress
        self._read_bufsize = session._read_bufsize
        self._max_line_size = session._max_line_size
        self._max_field_size = session._max_field_size
        self._max_headers = session._max_headers
        self._ceil_threshold = connector._timeout_ceil_threshold
        self._schemes = connector.allowed_protocol_schema_set

    async def request(
        self, method: str, url: URL, headers: CIMultiDict[str], body: bytes | None
    ) -> aiohttp.ClientResponse:
        """What ``session.request(method, url, data=body, headers=headers,
        allow_redirects=False)`` returns, for this transport's session and a URL without
        credentials in it."""
        if self._session.closed:
            raise RuntimeError("Session is closed")
        if url.scheme not in self._schemes:
            raise aiohttp.NonHttpUrlClientError(url)
        if not url.raw_host:
            raise aiohttp.InvalidUrlClientError(url)
        request = aiohttp.ClientRequest(
            method,
            url,
            headers=headers,
            data=body,
            loop=self._loop,
            response_class=self._response_class,
            timer=_NO_TIMER,
            session=self._session,
            traces=_NO_TRACES,
        )
        try:
            try:
                connection = await self._connector.connect(
                    request, traces=_NO_TRACES, timeout=self._timeout
                )
            except TimeoutError as exc:
                raise aiohttp.ConnectionTimeoutError(
                    f"Connection timeout to host {request.url}"
                ) from exc
            protocol = connection.protocol
            assert protocol is not None
            protocol.set_response_params(
                timer=_NO_TIMER,
                skip_payload=request.method == "HEAD",
                read_until_eof=True,
                auto_decompress=self._auto_decompress,
                read_timeout=self._timeout.sock_read,
                read_bufsize=self._read_bufsize,
                timeout_ceil_threshold=self._ceil_threshold,
                max_line_size=self._max_line_size,
                max_field_size=self._max_field_size,
                max_headers=self._max_headers,
            )
            try:
                response = await request.send(connection)
                try:
                    await response.start(connection)
                except BaseException:
                    response.close()
                    raise
            except BaseException:
                connection.close()
                raise
        except aiohttp.ClientError:
            raise
        except OSError as exc:  # as _request does: a bare OSError becomes ClientOSError
            if exc.errno is None and isinstance(exc, TimeoutError):
                raise
            raise aiohttp.ClientOSError(*exc.args) from exc
        return response


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
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        for name, value in (
            ("max_connections", max_connections),
            ("max_connections_per_host", max_connections_per_host),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be an integer >= 0, got {value!r}")
        if (
            isinstance(max_response_bytes, bool)
            or not isinstance(max_response_bytes, int)
            or max_response_bytes < 1
        ):
            raise ValueError(
                f"max_response_bytes must be an integer >= 1, got {max_response_bytes!r}"
            )
        if session is not None and not isinstance(session, aiohttp.ClientSession):
            raise ValueError("session must be an aiohttp.ClientSession")
        if timeout is not None and not isinstance(timeout, Timeout):
            raise ValueError("timeout must be a Timeout")
        self.timeout = timeout or Timeout()
        """The time limits in force; ``timeout.deadline`` bounds each call."""
        # aiohttp's own per-request timer is off (total=None): _Timers enforces ``total``.
        self._timeout = aiohttp.ClientTimeout(
            total=None, sock_connect=self.timeout.connect, sock_read=self.timeout.read
        )
        self._attempt_total = self.timeout.total
        self.max_response_bytes = max_response_bytes
        """The cap on a successful response body (decompressed); larger: ``ResponseTooLarge``."""
        self._max_connections = max_connections
        self._max_connections_per_host = max_connections_per_host
        self._user_agent = user_agent
        self._session = session
        self._owns_session = session is None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False
        self._prepared_headers: dict[int, tuple[Mapping[str, str], CIMultiDict[str]]] = {}
        self._gate: _Gate | None = None
        self._timers: _Timers | None = None
        self._direct: _Direct | None = None

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
        self._timers_for(loop)
        if self._owns_session and _DIRECT and _Direct.usable(session):
            self._direct = _Direct(session, self._timeout, loop)
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
        self,
        method: str,
        url: URL,
        headers: Mapping[str, str],
        body: bytes | None,
        *,
        deadline: float | None = None,
        ready: Callable[[], Awaitable[None] | None] | None = None,
        loop: asyncio.AbstractEventLoop | None = None,
        task: asyncio.Task[Any] | None = None,
    ) -> Response:
        """Send one request and read the response (capped; see ``max_response_bytes``).

        ``deadline`` (on the loop's clock) bounds the wait for a connection slot and the
        attempt itself. ``ready``, if given, is called once a connection slot is held,
        right before sending; an awaitable it returns (a rate limiter's slot) is awaited
        first, so a request paced by it leaves at its slot, not when a pool slot frees.
        ``loop`` is the running loop and ``task`` the current task, if the caller has them
        at hand (each lookup is a system call on Linux). ``headers`` must not
        be changed after it was passed in: its prepared form is cached (pass a new mapping
        instead).
        """
        if loop is None:
            loop = asyncio.get_running_loop()
        session = self._session
        if session is None or self._loop is not loop:
            session = self._session_for(loop)
        if task is None:
            task = current_task(loop)
        gate = self._gate
        if gate is not None and (wait := gate.enter()) is not None:
            await self.within(wait, deadline, method, url, task)
        try:
            if ready is not None and (wait := ready()) is not None:
                await self.within(wait, deadline, method, url, task)
            now = loop.time()
            total = self._attempt_total
            ends = None if total is None else now + total  # the attempt's own limit
            if deadline is not None and (ends is None or deadline <= ends):
                if deadline <= now:
                    raise deadline_error(method, url, sent=False)
                ends = deadline
            timers = self._timers
            timed = None
            if ends is not None and timers is not None and task is not None:
                timed = task
                timers.add(task, ends)
            try:
                try:
                    # Awaited, not entered: aiohttp's context manager costs four coroutines
                    # per request; release() is what its exit does once the body is read.
                    direct = self._direct
                    if (
                        direct is not None
                        and aiohttp.ClientSession._request is _SESSION_REQUEST
                        and aiohttp.ClientSession.request is _SESSION_REQUEST_PUBLIC
                        # session.request strips credentials in the URL into Basic auth
                        # and refuses an Authorization header beside them; ClientRequest
                        # alone would let them override it.
                        and url.raw_user is None
                        and url.raw_password is None
                    ):
                        response = await direct.request(method, url, self._prepared(headers), body)
                    else:
                        response = await session.request(
                            method,
                            url,
                            data=body,
                            headers=self._prepared(headers),
                            allow_redirects=False,
                            timeout=self._timeout,
                        )
                    try:
                        status = response.status
                        if 200 <= status < 300:
                            length = response.content_length
                            if (
                                length is not None
                                and length <= self.max_response_bytes
                                and _CONTENT_ENCODING not in response.headers
                            ):
                                payload = await response.read()
                            else:
                                payload, cut = await _read_at_most(
                                    response, self.max_response_bytes
                                )
                                if cut:
                                    raise self._too_large(response, method, url)
                        else:
                            payload, _ = await _read_at_most(response, ERROR_BODY_BYTES)
                        return Response(status, response.headers, payload, method, url)
                    finally:
                        response.release()
                except asyncio.CancelledError:
                    if timed is not None and timers.timed_out(timed):  # type: ignore[union-attr]
                        raise TimeoutError from None
                    raise
                finally:
                    if timed is not None:
                        timers.discard(timed)  # type: ignore[union-attr]
            except (aiohttp.ClientError, TimeoutError, OSError) as exc:
                if (
                    deadline is not None
                    and isinstance(exc, TimeoutError)
                    and loop.time() >= deadline
                ):
                    raise deadline_error(method, url, sent=True) from exc
                error = translate_error(exc, method, str(url))
                if not isinstance(exc, aiohttp.ClientResponseError):
                    raise error from exc
                # A response error holds the request's headers (request_info) and may quote
                # the raw reply: it must not stay reachable as the cause or context, so the
                # typed error is raised below, outside this handler.
        finally:
            if gate is not None:
                gate.leave()
        raise error

    def _timers_for(self, loop: asyncio.AbstractEventLoop) -> _Timers:
        """The one timer for time limits on ``loop`` (made on first use)."""
        timers = self._timers
        if timers is None or timers.loop is not loop:
            timers = self._timers = _Timers(loop)
        return timers

    async def within(
        self,
        wait: Awaitable[T],
        deadline: float | None,
        method: str,
        url: URL,
        task: asyncio.Task[Any] | None = None,
    ) -> T:
        """Await ``wait`` (a pool slot, the rate limiter, a token) but no later than
        ``deadline`` (the loop's clock): then :class:`DeadlineExceeded`, nothing sent. The
        deadline is kept by the one timer of every time limit, so a thousand queued
        requests arm no timer of their own. ``task`` is the current task, if at hand."""
        if deadline is None:
            return await wait
        loop = asyncio.get_running_loop()
        task = task or current_task(loop)
        if task is None:  # not inside a task: nothing to cancel at the deadline
            return await wait
        timers = self._timers_for(loop)
        timers.add(task, deadline)
        try:
            return await wait
        except asyncio.CancelledError:
            if timers.timed_out(task):
                raise deadline_error(method, url, sent=False) from None
            raise
        finally:
            timers.discard(task)

    def _too_large(
        self, response: aiohttp.ClientResponse, method: str, url: URL
    ) -> ResponseTooLarge:
        return ResponseTooLarge(
            f"the response body is larger than {self.max_response_bytes} bytes "
            "(max_response_bytes)",
            status=response.status,
            request_id=response.headers.get("X-Request-ID"),
            method=method,
            url=str(url),
        )

    async def aclose(self) -> None:
        """Close the session if this transport created it; idempotent."""
        self._closed = True
        if self._timers is not None:
            self._timers.close()
        session, self._session = self._session, None
        self._direct = None
        if session is not None and self._owns_session:
            await session.close()
