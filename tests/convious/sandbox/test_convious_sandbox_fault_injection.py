"""Every fault kind as a client sees it over real HTTP."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import aiohttp
import msgspec
import pytest

from convious.sandbox import Faults, Sandbox


async def test_error_is_a_json_503(sandbox: Sandbox, api: Any, price_request: Any) -> None:
    headers = await api.headers()
    sandbox.faults.inject("error")
    status, body, response = await api.post("/api/price/rtp", price_request, headers)
    assert (status, body) == (503, {"error": "Service temporarily unavailable"})
    assert "X-Request-ID" in response.headers
    assert (await api.post("/api/price/rtp", price_request, headers))[0] == 200


async def test_html_is_a_502_page(sandbox: Sandbox, api: Any) -> None:
    headers = await api.headers()
    sandbox.faults.inject("html", target="events")
    status, body, response = await api.post("/events", [], headers)
    assert status == 502
    assert response.content_type == "text/html"
    assert body.startswith(b"<!DOCTYPE html>")


async def test_invalid_json_is_a_broken_200(sandbox: Sandbox, api: Any, price_request: Any) -> None:
    headers = await api.headers()
    sandbox.faults.inject("invalid_json")
    status, body, response = await api.post("/api/price/rtp", price_request, headers)
    assert status == 200
    assert response.content_type == "application/json"
    assert isinstance(body, bytes)
    with pytest.raises(msgspec.DecodeError):
        msgspec.json.decode(body)


async def test_invalid_json_on_events_still_applies_the_batch(sandbox: Sandbox, api: Any) -> None:
    headers = await api.headers()
    sandbox.faults.inject("invalid_json", target="events")
    removal = [{"type": "ProductRemoved", "payload": {"productReference": "child"}}]
    status, body, _ = await api.post("/events", removal, headers)
    assert status == 200
    assert body
    assert sandbox.state.products["child"].removed


async def test_missing_fields(sandbox: Sandbox, api: Any, price_request: Any) -> None:
    headers = await api.headers()
    sandbox.faults.inject("missing_fields", count=2)
    assert (await api.post("/api/price/rtp", price_request, headers))[:2] == (
        200,
        {"unexpected": True},
    )
    assert (await api.post("/events", [], headers))[:2] == (200, b"")


async def test_drop_closes_the_connection(sandbox: Sandbox, api: Any, price_request: Any) -> None:
    headers = await api.headers()
    sandbox.faults.inject("drop")
    with pytest.raises((aiohttp.ServerDisconnectedError, aiohttp.ClientOSError)):
        await api.post("/api/price/rtp", price_request, headers)
    assert sandbox.state.records[-1].status is None
    assert (await api.post("/api/price/rtp", price_request, headers))[0] == 200


async def test_throttle_sends_rate_limit_headers(
    sandbox: Sandbox, api: Any, price_request: Any
) -> None:
    headers = await api.headers()
    sandbox.faults.retry_after = 2.0
    sandbox.faults.rate_limit = 40
    sandbox.faults.inject("throttle")
    status, body, response = await api.post("/api/price/rtp", price_request, headers)
    assert status == 429
    assert body == {"error": "Request was throttled."}
    assert response.headers["Retry-After"] == "2"
    assert response.headers["X-RateLimit-Limit"] == "40"
    assert response.headers["X-RateLimit-Remaining"] == "0"
    assert response.headers["X-RateLimit-Reset"] == "2"
    sandbox.faults.retry_after = 0.25
    sandbox.faults.inject("throttle")
    response = (await api.post("/api/price/rtp", price_request, headers))[2]
    assert response.headers["Retry-After"] == "0.25"


async def test_unauthorized_looks_like_a_revoked_token(
    sandbox: Sandbox, api: Any, price_request: Any
) -> None:
    headers = await api.headers()
    sandbox.faults.inject("unauthorized")
    status, body, _ = await api.post("/api/price/rtp", price_request, headers)
    assert (status, body) == (401, {"error": "Invalid token"})
    assert (await api.post("/api/price/rtp", price_request, headers))[0] == 200


async def test_token_faults_need_an_explicit_target(
    sandbox: Sandbox, api: Any, session: aiohttp.ClientSession
) -> None:
    sandbox.faults.inject("unauthorized", target="token")
    form = {"grant_type": "client_credentials", "client_id": "sandbox-client"}
    form["client_secret"] = "sandbox-secret"
    async with session.post(f"{sandbox.url}/oauth/token/", data=form) as response:
        assert response.status == 401
        assert (await response.json())["error"] == "invalid_client"
    await api.token()


async def test_faults_skip_untargeted_endpoints(sandbox: Sandbox, api: Any) -> None:
    sandbox.faults.error_rate = 1.0
    headers = await api.headers()  # the token endpoint is not a default target
    assert (await api.post("/events", [], headers))[0] == 503
    async with api.session.get(f"{sandbox.url}/_sandbox/stats") as response:
        assert response.status == 200


async def test_error_rate_applies_to_a_share_of_requests(
    make_api: Callable[[Sandbox], Any],
) -> None:
    async with Sandbox(faults=Faults(error_rate=0.5)) as sandbox:
        api = make_api(sandbox)
        headers = await api.headers()
        statuses = [(await api.post("/events", [], headers))[0] for _ in range(60)]
        assert set(statuses) == {200, 503}
        assert sandbox.state.stats()["faults_injected"] == {"error": statuses.count(503)}


async def test_latency_delays_targeted_requests(sandbox: Sandbox, api: Any) -> None:
    headers = await api.headers()
    sandbox.faults.latency = 0.05
    started = time.perf_counter()
    await api.post("/events", [], headers)
    assert time.perf_counter() - started >= 0.05
