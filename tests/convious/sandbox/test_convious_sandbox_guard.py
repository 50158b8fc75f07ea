"""The control-plane guard: ``Host`` on every request, ``Origin`` and JSON on admin calls."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest

from convictional_async.core.sandbox import is_allowed_host, is_same_origin, split_host
from convious.sandbox import Sandbox

LOCAL = ("127.0.0.1", 8080)
WILDCARD = "0.0.0.0"  # noqa: S104 (a bound address, not a bind)


async def admin(
    session: aiohttp.ClientSession,
    sandbox: Sandbox,
    path: str,
    *,
    method: str = "POST",
    **kwargs: Any,
) -> tuple[int, Any]:
    async with session.request(method, f"{sandbox.url}/_sandbox/{path}", **kwargs) as response:
        assert response.headers["X-Request-ID"]
        return response.status, await response.json()


@pytest.mark.parametrize(
    "host",
    ["evil.example", "evil.example:{port}", "localhost.evil.example:{port}", "10.0.0.1:{port}"],
)
async def test_a_foreign_host_cannot_reconfigure_the_sandbox(
    sandbox: Sandbox, session: aiohttp.ClientSession, host: str
) -> None:
    headers = {"Host": host.format(port=sandbox.port)}
    status, body = await admin(session, sandbox, "faults", json={"error_rate": 1}, headers=headers)
    assert status == 421
    assert "Host" in body["error"]
    assert sandbox.faults.error_rate == 0


async def test_dns_rebinding_page_is_refused(
    sandbox: Sandbox, session: aiohttp.ClientSession
) -> None:
    site = f"attacker.example:{sandbox.port}"  # what a browser sends after the name rebinds
    headers = {"Host": site, "Origin": f"http://{site}"}
    assert (await admin(session, sandbox, "reset", json={}, headers=headers))[0] == 421
    assert sandbox.state.products  # nothing was forgotten


@pytest.mark.parametrize("path", ["/oauth/token/", "/api/price/rtp", "/events", "/nowhere"])
async def test_the_host_check_covers_the_api_too(
    sandbox: Sandbox, session: aiohttp.ClientSession, path: str
) -> None:
    headers = {"Host": f"attacker.example:{sandbox.port}"}
    async with session.post(f"{sandbox.url}{path}", data=b"", headers=headers) as response:
        assert response.status == 421
        assert (await response.json())["error"]
    assert sandbox.state.tokens == {}


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "localhost:{port}", "LOCALHOST:{port}"])
async def test_loopback_hosts_are_accepted(
    sandbox: Sandbox, session: aiohttp.ClientSession, host: str
) -> None:
    headers = {"Host": host.format(port=sandbox.port)}
    status, _ = await admin(session, sandbox, "stats", method="GET", headers=headers)
    assert status == 200


async def test_another_port_is_refused(sandbox: Sandbox, session: aiohttp.ClientSession) -> None:
    headers = {"Host": f"127.0.0.1:{sandbox.port + 1 if sandbox.port < 65535 else 1}"}
    assert (await admin(session, sandbox, "stats", method="GET", headers=headers))[0] == 421


async def test_a_request_without_host_is_refused(sandbox: Sandbox) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", sandbox.port)
    try:
        writer.write(b"GET /_sandbox/stats HTTP/1.0\r\n\r\n")
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), timeout=5)
    finally:
        writer.close()
        await writer.wait_closed()
    assert status_line.split()[1] == b"421"


@pytest.mark.parametrize(
    "origin", ["http://evil.example", "null", "http://localhost:{port}", "https://127.0.0.1:{port}"]
)
async def test_cross_origin_admin_calls_are_403(
    sandbox: Sandbox, session: aiohttp.ClientSession, origin: str
) -> None:
    headers = {"Origin": origin.format(port=sandbox.port)}
    status, body = await admin(session, sandbox, "faults", json={"error_rate": 1}, headers=headers)
    assert (status, body) == (403, {"error": "Cross-origin admin calls are refused"})
    assert sandbox.faults.error_rate == 0
    assert (await admin(session, sandbox, "stats", method="GET", headers=headers))[0] == 403


async def test_same_origin_admin_calls_are_fine(
    sandbox: Sandbox, session: aiohttp.ClientSession
) -> None:
    headers = {"Origin": sandbox.url}
    status, _ = await admin(session, sandbox, "faults", json={"error_rate": 1}, headers=headers)
    assert status == 200
    assert sandbox.faults.error_rate == 1


@pytest.mark.parametrize(
    "kwargs",
    [
        {"data": {"error_rate": "1"}},  # an HTML form post
        {"data": b'{"error_rate": 1}', "headers": {"Content-Type": "text/plain"}},
        {"data": b'{"error_rate": 1}'},  # application/octet-stream
        {},  # no body and no Content-Type
    ],
)
@pytest.mark.parametrize("path", ["faults", "reset", "revoke-tokens", "rate-limit"])
async def test_admin_posts_must_be_json(
    sandbox: Sandbox, session: aiohttp.ClientSession, kwargs: dict[str, Any], path: str
) -> None:
    status, body = await admin(session, sandbox, path, **kwargs)
    assert status == 415
    assert "application/json" in body["error"]
    assert sandbox.faults.error_rate == 0
    assert sandbox.state.products


async def test_api_calls_may_carry_an_origin(sandbox: Sandbox, api: Any) -> None:
    headers = {**await api.headers(), "Origin": "http://shop.example"}
    assert (await api.post("/events", [], headers))[0] == 200


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("127.0.0.1:8080", ("127.0.0.1", 8080)),
        ("LocalHost:80", ("localhost", 80)),
        ("localhost", ("localhost", None)),
        ("[::1]:8080", ("::1", 8080)),
        ("[::1]", ("::1", None)),
        ("", None),
        ("127.0.0.1:", None),
        ("127.0.0.1:http", None),
        ("127.0.0.1:99999", None),
        ("[::1", None),
        ("[::1]x", None),
        ("::1", None),
        ("a b:80", None),
        ("user@127.0.0.1:80", None),
    ],
)
def test_split_host(value: str, expected: tuple[str, int | None] | None) -> None:
    assert split_host(value) == expected


@pytest.mark.parametrize(
    ("host", "allowed"),
    [
        ("127.0.0.1:8080", True),
        ("localhost:8080", True),
        ("127.8.9.10:8080", True),
        ("[::1]:8080", True),
        ("sandbox.test:8080", True),  # the name it was asked to bind
        ("192.168.1.5:8080", False),
        ("127.0.0.1:8081", False),
        ("127.0.0.1", False),  # port 80 implied
        ("localhost.:8080", False),
        ("evil.example:8080", False),
        (None, False),
    ],
)
def test_is_allowed_host(host: str | None, allowed: bool) -> None:
    assert is_allowed_host(host, local=LOCAL, bound_host="sandbox.test") is allowed


def test_the_connection_address_is_allowed_for_a_wildcard_bind() -> None:
    local = ("192.168.1.5", 8080)
    assert is_allowed_host("192.168.1.5:8080", local=local, bound_host=WILDCARD)
    assert not is_allowed_host(f"{WILDCARD}:8080", local=local, bound_host=WILDCARD)
    assert is_allowed_host("sandbox.test", local=("127.0.0.1", 80), bound_host="sandbox.test")


@pytest.mark.parametrize(
    ("origin", "same"),
    [
        (None, True),
        ("http://127.0.0.1:8080", True),
        ("HTTP://127.0.0.1:8080", True),
        ("http://localhost:8080", False),
        ("https://127.0.0.1:8080", False),
        ("http://127.0.0.1:8080/", False),
        ("null", False),
        ("", False),
    ],
)
def test_is_same_origin(origin: str | None, same: bool) -> None:
    assert is_same_origin(origin, host="127.0.0.1:8080") is same
