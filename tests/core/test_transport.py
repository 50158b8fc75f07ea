"""Transport: session lifecycle and the one place aiohttp errors are translated."""

from __future__ import annotations

import asyncio
import math
import ssl
from unittest import mock

import aiohttp
import pytest
from aiohttp import web
from yarl import URL

from convictional_async.core import (
    ConnectError,
    ConnectionLost,
    RequestTimeout,
    Timeout,
    TLSError,
    Transport,
    TransportError,
    translate_error,
)

pytestmark = pytest.mark.usefixtures("aiohttp_path")


@pytest.fixture
async def local_server(serve):
    """A real aiohttp.web server on 127.0.0.1 with a few behaviours."""

    async def ok(request: web.Request) -> web.Response:
        return web.json_response(
            {"echo": (await request.read()).decode(), "ua": request.headers.get("User-Agent")},
            headers={"X-Request-ID": "srv-1"},
        )

    release = asyncio.Event()

    async def slow(request: web.Request) -> web.Response:
        await asyncio.wait_for(release.wait(), 5)
        return web.Response()

    async def redirect(request: web.Request) -> web.Response:
        raise web.HTTPFound("/ok")

    in_flight = {"now": 0, "peak": 0}

    async def track(request: web.Request) -> web.Response:
        in_flight["now"] += 1
        in_flight["peak"] = max(in_flight["peak"], in_flight["now"])
        await asyncio.sleep(0.01)
        in_flight["now"] -= 1
        return web.Response()

    async def peak(request: web.Request) -> web.Response:
        return web.json_response(in_flight["peak"])

    app = web.Application()
    app.router.add_post("/track", track)
    app.router.add_get("/peak", peak)
    app.router.add_post("/ok", ok)
    app.router.add_post("/slow", slow)
    app.router.add_post("/redirect", redirect)
    yield await serve(app)
    release.set()


async def test_send_reads_the_whole_response(local_server):
    transport = Transport()
    try:
        response = await transport.send("POST", local_server / "ok", {}, b"hello")
    finally:
        await transport.aclose()
    assert response.status == 200
    assert response.request_id == "srv-1"
    assert b'"echo":"hello"' in response.body.replace(b" ", b"")
    assert b"convictional-async" in response.body


async def test_requests_beyond_the_pool_queue_before_reaching_aiohttp(local_server):
    started = {"now": 0, "peak": 0}

    async def on_start(*_: object) -> None:
        started["now"] += 1
        started["peak"] = max(started["peak"], started["now"])

    async def on_end(*_: object) -> None:
        started["now"] -= 1

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(on_start)
    trace.on_request_end.append(on_end)
    connector = aiohttp.TCPConnector(limit=3)
    async with aiohttp.ClientSession(connector=connector, trace_configs=[trace]) as session:
        transport = Transport(session=session)  # the gate follows the session's pool size
        responses = await asyncio.gather(
            *(transport.send("POST", local_server / "track", {}, b"") for _ in range(20))
        )
        peak = await transport.send("GET", local_server / "peak", {}, None)
    assert [r.status for r in responses] == [200] * 20
    # Without the queue, aiohttp would start all 20 (each with its request object and
    # timer) and make 17 of them wait inside it for a connection.
    assert started["peak"] <= 3
    assert 1 <= int(peak.body) <= 3


async def test_the_same_headers_are_prepared_once(local_server):
    transport = Transport()
    headers = {"X-Test": "1"}
    try:
        await transport.send("POST", local_server / "ok", headers, b"")
        first = transport._prepared(headers)
        await transport.send("POST", local_server / "ok", headers, b"")
        assert transport._prepared(headers) is first
        assert first["User-Agent"] == "convictional-async"
        assert transport._prepared({"X-Test": "2"})["X-Test"] == "2"  # another mapping
    finally:
        await transport.aclose()


async def test_redirects_are_not_followed(local_server):
    async with aiohttp.ClientSession() as session:
        transport = Transport(session=session)
        response = await transport.send("POST", local_server / "redirect", {}, b"")
    assert response.status == 302


async def test_aclose_is_idempotent_and_closes_only_its_own_session(local_server):
    transport = Transport()
    await transport.send("POST", local_server / "ok", {}, b"")
    await transport.aclose()
    await transport.aclose()
    assert transport.closed
    with pytest.raises(RuntimeError, match="closed"):
        await transport.send("POST", local_server / "ok", {}, b"")


async def test_a_user_session_is_used_but_never_closed(local_server):
    async with aiohttp.ClientSession() as session:
        transport = Transport(session=session)
        await transport.send("POST", local_server / "ok", {}, b"")
        await transport.aclose()
        assert not session.closed
        async with session.post(local_server / "ok") as response:
            assert response.status == 200


async def test_session_is_created_lazily_inside_the_loop():
    transport = Transport()  # constructing outside any request creates no session
    assert "open" in repr(transport)
    await transport.open()
    await transport.aclose()


def test_a_transport_is_bound_to_one_event_loop():
    transport = Transport()

    async def use():
        await transport.open()

    asyncio.run(use())
    with pytest.raises(RuntimeError, match="event loop"):
        asyncio.run(use())
    asyncio.run(transport.aclose())


async def test_connection_refused_is_a_connect_error():
    transport = Transport()
    try:
        with pytest.raises(ConnectError) as caught:
            await transport.send("POST", URL("http://127.0.0.1:9/x"), {}, b"")
    finally:
        await transport.aclose()
    assert not caught.value.request_may_have_been_sent
    assert isinstance(caught.value.__cause__, aiohttp.ClientConnectorError)


async def test_read_timeout_is_a_request_timeout(local_server):
    transport = Transport(timeout=Timeout(total=0.2))
    try:
        with pytest.raises(RequestTimeout):
            await transport.send("POST", local_server / "slow", {}, b"")
    finally:
        await transport.aclose()


async def test_cancellation_is_never_swallowed(local_server):
    transport = Transport()  # its attempts are timed (total=30 s): the caller's cancel wins
    try:
        task = asyncio.create_task(transport.send("POST", local_server / "slow", {}, b""))
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    finally:
        await transport.aclose()


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (aiohttp.ServerDisconnectedError(), ConnectionLost),
        (aiohttp.ClientPayloadError("truncated"), ConnectionLost),
        (aiohttp.ClientOSError(104, "reset"), ConnectionLost),
        (aiohttp.SocketTimeoutError(), RequestTimeout),
        (TimeoutError(), RequestTimeout),
        (aiohttp.ConnectionTimeoutError(), ConnectError),
        (
            aiohttp.ClientConnectorCertificateError(
                mock.Mock(host="h", port=443, ssl=True), ssl.SSLCertVerificationError()
            ),
            TLSError,
        ),
        # A response aiohttp could not parse (or any response error): the reply is unusable.
        (aiohttp.TooManyRedirects(mock.Mock(real_url=URL("https://h/x")), ()), ConnectionLost),
        (aiohttp.ClientConnectionError(), ConnectionLost),
        (ValueError("unexpected"), TransportError),
    ],
)
def test_every_aiohttp_error_maps_to_one_transport_error(exc, expected):
    translated = translate_error(exc, "GET", "https://h/x")
    assert type(translated) is expected
    assert "GET https://h/x" in str(translated)


@pytest.mark.parametrize(
    "kwargs", [{"max_connections": -1}, {"max_connections": 1.5}, {"session": object()}]
)
def test_invalid_transport_options_are_value_errors(kwargs):
    with pytest.raises(ValueError, match=r"max_connections|session"):
        Transport(**kwargs)


@pytest.mark.parametrize("kwargs", [{"total": 0}, {"connect": -1}, {"read": "5"}])
def test_invalid_timeouts_are_value_errors(kwargs):
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        Timeout(**kwargs)


@pytest.mark.parametrize("field", ["total", "connect", "read", "deadline"])
@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, 10**400])
def test_a_limit_that_is_not_a_finite_number_is_refused_in_favour_of_none(field, value):
    """NaN compares false with everything, so ``nan <= 0`` once let it through as a limit;
    an int too large for a float would only fail once a timer is set."""
    with pytest.raises(ValueError, match=rf"^{field} must be a finite .*None for no limit"):
        Timeout(**{field: value})
    assert getattr(Timeout(**{field: None}), field) is None


async def test_gate_serves_waiters_in_order_and_newcomers_never_overtake():
    from convictional_async.core._transport import _Gate

    gate = _Gate(1, asyncio.get_running_loop())
    assert gate.enter() is None  # a free slot is taken without awaiting
    order: list[str] = []

    async def holder(name: str) -> None:
        wait = gate.enter()
        if wait is not None:
            await wait
        order.append(name)

    first = asyncio.ensure_future(holder("first"))
    second = asyncio.ensure_future(holder("second"))
    await asyncio.sleep(0)
    gate.leave()  # the slot goes to "first", not back to the pool
    assert gate.free == 0
    late = gate.enter()  # a newcomer must queue behind "second"
    assert late is not None
    await first
    gate.leave()
    await second
    gate.leave()
    await late
    assert order == ["first", "second"]
    gate.leave()
    assert gate.free == 1


async def test_gate_cancelled_waiters_lose_their_place_and_never_a_slot():
    from convictional_async.core._transport import _Gate

    gate = _Gate(1, asyncio.get_running_loop())
    assert gate.enter() is None
    queued = gate.enter()
    assert queued is not None
    waiting = asyncio.ensure_future(queued)
    await asyncio.sleep(0)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    gate.leave()  # nobody live is waiting: the slot returns to the pool
    assert gate.free == 1

    # Handed the slot and cancelled before it could run: it passes the slot on.
    assert gate.enter() is None
    handed = asyncio.ensure_future(gate.enter())  # type: ignore[arg-type]
    behind = asyncio.ensure_future(gate.enter())  # type: ignore[arg-type]
    await asyncio.sleep(0)
    gate.leave()
    handed.cancel()
    with pytest.raises(asyncio.CancelledError):
        await handed
    await behind  # got the slot "handed" gave up
    assert gate.free == 0
    gate.leave()
    assert gate.free == 1
