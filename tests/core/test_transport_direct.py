"""The transport's direct path below ``ClientSession.request``: used only where it is safe,
and indistinguishable from ``session.request`` on the wire and in every error."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import gzip
import json
import socket
import subprocess
import sys
import textwrap
from collections.abc import Iterator
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
    Transport,
    TransportError,
    _transport,
)

pytestmark = pytest.mark.usefixtures("aiohttp_path")


@pytest.fixture
def direct_calls() -> Iterator[list[str]]:
    """The methods of every request that took the direct path."""
    calls: list[str] = []
    original = _transport._Direct.request

    async def counting(self, method, url, headers, body):  # type: ignore[no-untyped-def]
        calls.append(method)
        return await original(self, method, url, headers, body)

    with mock.patch.object(_transport._Direct, "request", counting):
        yield calls


@pytest.fixture
async def server(serve):
    async def echo(request: web.Request) -> web.Response:
        return web.json_response(
            {"headers": dict(request.headers), "body": (await request.read()).decode()},
            headers={"X-Request-ID": "srv-1"},
        )

    async def zipped(request: web.Request) -> web.Response:
        return web.Response(
            body=gzip.compress(b'{"ok": true}'),
            headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
        )

    async def silent(request: web.Request) -> web.Response:
        await asyncio.sleep(5)
        return web.Response()

    async def drop(request: web.Request) -> web.StreamResponse:
        assert request.transport is not None
        request.transport.close()
        return web.Response()

    app = web.Application()
    app.router.add_route("*", "/echo", echo)
    app.router.add_get("/zipped", zipped)
    app.router.add_get("/silent", silent)
    app.router.add_get("/drop", drop)
    return await serve(app)


@pytest.fixture
async def transport():
    transport = Transport(timeout=Timeout(total=5, deadline=5))
    yield transport
    await transport.aclose()


async def test_its_own_session_takes_the_direct_path_when_aiohttp_is_a_tested_release(
    aiohttp_path, server, transport, direct_calls
):
    response = await transport.send("POST", server / "echo", {"X-A": "1"}, b"{}")
    assert response.status == 200
    assert json.loads(response.body)["body"] == "{}"
    assert direct_calls == (["POST"] if aiohttp_path == "direct" else [])


async def test_both_paths_put_the_same_request_on_the_wire(server, direct_calls):
    seen = {}
    for direct in (True, False):
        with mock.patch.object(_transport, "_DIRECT", direct):
            transport = Transport(user_agent="probe/1")
            try:
                for method, body in (("POST", b'{"a": 1}'), ("GET", None), ("DELETE", None)):
                    response = await transport.send(
                        method, server / "echo", {"Authorization": "k", "X-Id": "7"}, body
                    )
                    headers = json.loads(response.body)["headers"]
                    headers.pop("Host")  # the same host, with the same port
                    seen.setdefault((method, direct), (headers, json.loads(response.body)["body"]))
            finally:
                await transport.aclose()
    for method in ("POST", "GET", "DELETE"):
        assert seen[(method, True)] == seen[(method, False)]
    assert seen[("POST", True)][0]["User-Agent"] == "probe/1"


async def test_a_replaced_session_request_sees_every_request(mock_http, transport, direct_calls):
    """Test doubles such as aioresponses patch ``ClientSession._request``: they still work."""
    mock_http.post("http://api.test/x", payload={"mocked": True})
    response = await transport.send("POST", URL("http://api.test/x"), {}, b"{}")
    assert json.loads(response.body) == {"mocked": True}
    assert direct_calls == []


async def test_a_user_session_always_goes_through_session_request(server, direct_calls):
    async with aiohttp.ClientSession() as session:
        transport = Transport(session=session)
        response = await transport.send("GET", server / "echo", {}, None)
        await transport.aclose()
    assert response.status == 200
    assert direct_calls == []


async def test_an_untested_aiohttp_release_goes_through_session_request(
    server, monkeypatch, direct_calls
):
    monkeypatch.setattr(_transport, "_DIRECT", False)
    transport = Transport()
    try:
        assert (await transport.send("GET", server / "echo", {}, None)).status == 200
    finally:
        await transport.aclose()
    assert direct_calls == []


async def test_gzip_bodies_are_decompressed(server, transport):
    assert json.loads((await transport.send("GET", server / "zipped", {}, None)).body) == {
        "ok": True
    }


async def test_a_silent_server_is_a_read_timeout(server):
    transport = Transport(timeout=Timeout(total=None, read=0.2, deadline=None))
    try:
        with pytest.raises(RequestTimeout) as caught:
            await transport.send("GET", server / "silent", {}, None)
    finally:
        await transport.aclose()
    assert isinstance(caught.value.__cause__, aiohttp.ServerTimeoutError)


async def test_a_dropped_connection_is_connection_lost(server, transport):
    with pytest.raises(ConnectionLost):
        await transport.send("GET", server / "drop", {}, None)


async def test_refused_connections_and_bad_urls_are_transport_errors(transport):
    with pytest.raises(ConnectError):
        await transport.send("GET", URL("http://127.0.0.1:9/x"), {}, None)
    with pytest.raises(TransportError):
        await transport.send("GET", URL("ftp://127.0.0.1/x"), {}, None)


async def test_a_connect_that_never_completes_is_a_connect_timeout():
    """A listener whose accept queue is full: the kernel drops the next SYN."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    try:
        for _ in range(4):  # fill the accept queue (backlog 0 admits one or two)
            filler = socket.socket()
            filler.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                filler.connect(("127.0.0.1", port))
            fillers.append(filler)
        transport = Transport(timeout=Timeout(total=None, connect=0.2, deadline=None))
        try:
            with pytest.raises(ConnectError, match="timed out while connecting") as caught:
                await asyncio.wait_for(
                    transport.send("GET", URL(f"http://127.0.0.1:{port}/x"), {}, None), 5
                )
        finally:
            await transport.aclose()
        assert isinstance(caught.value.__cause__, aiohttp.ConnectionTimeoutError)
    finally:
        for filler in fillers:
            filler.close()
        listener.close()


async def test_a_cancelled_request_gives_its_connection_back(server, transport):
    task = asyncio.create_task(transport.send("GET", server / "silent", {}, None))
    await asyncio.sleep(0.1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    connector = transport._session.connector  # type: ignore[union-attr]
    assert connector is not None
    assert not connector._acquired  # closed, not leaked
    assert json.loads((await transport.send("POST", server / "echo", {}, b"1")).body)["body"] == "1"


async def test_after_aclose_nothing_is_sent(server):
    transport = Transport()
    await transport.send("GET", server / "echo", {}, None)
    await transport.aclose()
    with pytest.raises(RuntimeError, match="closed"):
        await transport.send("GET", server / "echo", {}, None)


async def test_trace_configs_added_by_instrumentation_still_run(server, monkeypatch, direct_calls):
    """OpenTelemetry and Sentry wrap ClientSession.__init__ to add a TraceConfig."""
    started = []

    async def on_start(session, context, params):  # type: ignore[no-untyped-def]
        started.append(params.method)
        params.headers["traceparent"] = "00-1-2-01"

    original = aiohttp.ClientSession.__init__

    def instrumented(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        config = aiohttp.TraceConfig()
        config.on_request_start.append(on_start)
        kwargs["trace_configs"] = [*(kwargs.get("trace_configs") or ()), config]
        original(self, *args, **kwargs)

    monkeypatch.setattr(aiohttp.ClientSession, "__init__", instrumented)
    transport = Transport()
    try:
        response = await transport.send("GET", server / "echo", {}, None)
    finally:
        await transport.aclose()
    assert started == ["GET"]
    assert json.loads(response.body)["headers"]["traceparent"] == "00-1-2-01"
    assert direct_calls == []


async def test_a_patched_public_session_request_sees_every_request(server, transport):
    fake = mock.AsyncMock(side_effect=RuntimeError("mocked"))
    with (
        mock.patch.object(aiohttp.ClientSession, "request", fake),
        pytest.raises(RuntimeError, match="mocked"),
    ):
        await transport.send("GET", server / "echo", {}, None)
    assert fake.await_count == 1


@pytest.mark.parametrize(
    "prelude",
    [
        # ddtrace-run wraps ClientSession._request as aiohttp is imported, before the SDK
        """
        import functools
        original = aiohttp.ClientSession._request
        @functools.wraps(original)
        async def traced(self, *args, **kwargs):
            return await original(self, *args, **kwargs)
        aiohttp.ClientSession._request = traced
        """,
        "aiohttp.__version__ = '3.14.99'  # a release nobody checked the direct path against",
    ],
    ids=["request-wrapped-before-import", "unchecked-aiohttp-version"],
)
def test_the_direct_path_is_off_when_aiohttp_is_not_as_checked(prelude):
    code = (
        "import aiohttp\n"
        + textwrap.dedent(prelude)
        + textwrap.dedent(
            """
        from convictional_async.core import _transport
        print(_transport._DIRECT)
        """
        )
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize(
    "raised",
    [TimeoutError(errno.ETIMEDOUT, "timed out"), ConnectionResetError(errno.ECONNRESET, "reset")],
)
async def test_a_bare_os_error_is_a_client_os_error_on_both_paths(server, transport, raised):
    async def boom(self, connection):  # type: ignore[no-untyped-def]
        raise raised

    with (
        mock.patch.object(aiohttp.ClientRequest, "send", boom),
        pytest.raises(ConnectionLost) as caught,
    ):
        await transport.send("POST", server / "echo", {}, b"{}")
    assert isinstance(caught.value.__cause__, aiohttp.ClientOSError)
    connector = transport._session.connector  # type: ignore[union-attr]
    assert connector is not None
    assert not connector._acquired  # the connection that failed to send was closed


async def test_credentials_in_the_url_never_override_the_authorization_header(server, transport):
    url = (server / "echo").with_user("u").with_password("p")
    with pytest.raises(ValueError, match="Cannot combine AUTHORIZATION"):
        await transport.send("GET", url, {"Authorization": "k"}, None)
