"""The ``Sandbox`` lifecycle, ``serve`` and the admin endpoints."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest

from convious.sandbox import Faults, Sandbox, SandboxConfig, serve


async def test_url_port_and_client_options() -> None:
    config = SandboxConfig(clients={"first": "one", "second": "two"})
    async with Sandbox(config) as sandbox:
        assert sandbox.url.startswith("http://127.0.0.1:")
        assert sandbox.port > 0
        assert sandbox.url.endswith(f":{sandbox.port}")
        assert sandbox.client_options() == {
            "identity_url": sandbox.url,
            "inventory_url": sandbox.url,
            "pricer_url": sandbox.url,
            "client_id": "first",
            "client_secret": "one",
        }
        assert sandbox.config is config


async def test_url_needs_a_running_sandbox() -> None:
    sandbox = Sandbox()
    with pytest.raises(RuntimeError, match="not running"):
        _ = sandbox.url
    await sandbox.start()
    with pytest.raises(RuntimeError, match="already running"):
        await sandbox.start()
    await sandbox.stop()
    await sandbox.stop()
    with pytest.raises(RuntimeError, match="not running"):
        _ = sandbox.url


async def test_stop_closes_the_port(session: aiohttp.ClientSession) -> None:
    async with Sandbox() as sandbox:
        url = sandbox.url
        async with session.get(f"{url}/_sandbox/stats") as response:
            assert response.status == 200
    with pytest.raises(aiohttp.ClientConnectionError):
        async with aiohttp.ClientSession() as fresh, fresh.get(f"{url}/_sandbox/stats"):
            pass


async def test_stop_does_not_wait_for_slow_requests(session: aiohttp.ClientSession) -> None:
    sandbox = Sandbox(faults=Faults(latency=30.0))
    await sandbox.start()
    try:
        request = asyncio.ensure_future(session.post(f"{sandbox.url}/events", json=[]))
        await asyncio.sleep(0.05)
    finally:
        await asyncio.wait_for(sandbox.stop(), timeout=5)
    with pytest.raises(aiohttp.ClientError):
        await request


async def test_given_faults_object_is_used() -> None:
    faults = Faults(error_rate=0.1)
    async with Sandbox(faults=faults) as sandbox:
        assert sandbox.faults is faults


async def test_serve_runs_until_cancelled(session: aiohttp.ClientSession) -> None:
    ready: asyncio.Future[Sandbox] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(serve(port=0, on_ready=ready.set_result))
    sandbox = await asyncio.wait_for(ready, timeout=5)
    async with session.get(f"{sandbox.url}/_sandbox/stats") as response:
        assert response.status == 200
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_admin_stats(sandbox: Sandbox, api: Any) -> None:
    await api.post("/events", [])
    async with api.session.get(f"{sandbox.url}/_sandbox/stats") as response:
        stats = await response.json()
    assert stats["token_requests"] == 1
    assert stats["requests_by_endpoint"] == {"token": 1, "events": 1, "admin": 1}
    assert stats["products"] == 2
    assert stats["faults"]["targets"] == ["events", "pricer"]


async def test_admin_revoke_tokens(sandbox: Sandbox, api: Any) -> None:
    headers = await api.headers()
    async with api.session.post(f"{sandbox.url}/_sandbox/revoke-tokens", json={}) as response:
        assert await response.json() == {"revoked": 1}
    assert (await api.post("/events", [], headers))[0] == 401


async def test_admin_faults(sandbox: Sandbox, api: Any) -> None:
    url = f"{sandbox.url}/_sandbox/faults"
    change = {"throttle_rate": 0.5, "inject": [{"kind": "error", "target": "events"}]}
    async with api.session.post(url, json=change) as response:
        assert response.status == 200
        assert (await response.json())["scripted"] == [{"kind": "error", "target": "events"}]
    assert sandbox.faults.throttle_rate == 0.5
    async with api.session.get(url) as response:
        assert (await response.json())["throttle_rate"] == 0.5
    for bad in ({"error_rate": 7}, {"nonsense": 1}, [1], {"targets": "pricer"}):
        async with api.session.post(url, json=bad) as response:
            assert response.status == 400
            assert "error" in await response.json()
    json_header = {"Content-Type": "application/json"}
    async with api.session.post(url, data=b"{", headers=json_header) as response:
        assert response.status == 400


async def test_admin_reset(sandbox: Sandbox, api: Any) -> None:
    headers = await api.headers()
    sandbox.faults.inject("drop")
    sandbox.faults.error_rate = 0.3
    async with api.session.post(f"{sandbox.url}/_sandbox/reset", json={}) as response:
        assert await response.json() == {"reset": True}
    assert sandbox.state.products == {}
    assert sandbox.faults.scripted == ()
    assert sandbox.faults.error_rate == 0.0
    assert (await api.post("/events", [], headers))[0] == 401  # tokens are forgotten too


async def test_busy_port_raises_and_leaves_nothing_running() -> None:
    async with Sandbox() as first:
        second = Sandbox(port=first.port)
        with pytest.raises(OSError, match="address already in use"):
            await second.start()
        with pytest.raises(RuntimeError, match="not running"):
            _ = second.url


async def test_oversized_bodies_are_413_with_a_request_id(
    make_api: Any, price_request: Any
) -> None:
    async with Sandbox(SandboxConfig(max_body_bytes=200)) as sandbox:
        api = make_api(sandbox)
        status, body, response = await api.post("/events", [{"type": "x" * 300}])
        assert (status, body) == (413, {"error": "Request Entity Too Large"})
        assert response.headers["X-Request-ID"]
