"""The kit's faults on Convictional routes, as a client sees them over real HTTP."""

from __future__ import annotations

import aiohttp
import pytest
from convictional_sandbox_api import Api, order_body

from convictional_async.sandbox import ROUTE_TARGETS, Faults, Sandbox

NEW = {"Enable-New-Errors": "true"}
CREATE = "POST /buyer/orders"


def test_every_route_is_a_target() -> None:
    assert CREATE in ROUTE_TARGETS
    assert "GET /buyer/products/{productId}" in ROUTE_TARGETS
    assert "PUT /webhooks/{webhookId}" in ROUTE_TARGETS
    assert len(ROUTE_TARGETS) == 46  # 21 Seller + 16 Shared (webhook update: PATCH, PUT) + 9 Buyer
    assert Faults().targets == ROUTE_TARGETS
    with pytest.raises(ValueError, match="unknown fault target"):
        Faults().inject("error", target="POST /buyer/checkout")


async def test_drop_after_creates_the_order_but_loses_the_reply(api: Api, sandbox: Sandbox) -> None:
    body = order_body("lost-1", await api.variants(1))
    sandbox.faults.inject("drop_after", target=CREATE)
    with pytest.raises((aiohttp.ServerDisconnectedError, aiohttp.ClientOSError)):
        await api.post("/buyer/orders", body)
    assert len(sandbox.state.orders) == 1  # processed: a blind retry would duplicate it
    retry = await api.post("/buyer/orders", body, headers=NEW)
    assert retry.status == 409
    assert sandbox.state.records[-2].status is None


async def test_drop_before_processing(api: Api, sandbox: Sandbox) -> None:
    body = order_body("lost-2", await api.variants(1))
    sandbox.faults.inject("drop", target=CREATE)
    with pytest.raises((aiohttp.ServerDisconnectedError, aiohttp.ClientOSError)):
        await api.post("/buyer/orders", body)
    assert sandbox.state.orders == {}


async def test_partial_reply(api: Api, sandbox: Sandbox) -> None:
    body = order_body("cut-1", await api.variants(1))
    sandbox.faults.inject("partial", target=CREATE)
    with pytest.raises(aiohttp.ClientPayloadError):
        await api.post("/buyer/orders", body)
    assert len(sandbox.state.orders) == 1


async def test_rendered_faults_use_the_api_format(api: Api, sandbox: Sandbox) -> None:
    sandbox.faults.inject("error")
    sandbox.faults.inject("throttle")
    sandbox.faults.inject("unauthorized")
    sandbox.faults.inject("html")
    replies = [await api.get("/buyer/products?limit=1", headers=NEW) for _ in range(4)]
    assert [r.status for r in replies] == [503, 429, 401, 502]
    assert replies[0].body == {"errors": {"general": ["Service temporarily unavailable"]}}
    assert (
        replies[1].headers["X-Rate-Limit-Limit"],
        replies[1].headers["X-Rate-Limit-Duration"],
    ) == ("5", "1")
    assert replies[2].body == {"errors": {"general": ["unauthorized"]}}
    assert replies[3].body.startswith("<!DOCTYPE html>")
    assert all(r.headers["Convictional-Version"] and r.headers["X-Request-ID"] for r in replies)
    assert sandbox.state.faults_injected == {
        "error": 1,
        "throttle": 1,
        "unauthorized": 1,
        "html": 1,
    }
    seller = await api.get("/orders", key="seller")
    assert seller.status == 200  # the script is used up


async def test_invalid_json_and_missing_fields(api: Api, sandbox: Sandbox) -> None:
    sandbox.faults.inject("invalid_json", target="GET /auth/me")
    broken = await api.call("GET", "/auth/me")
    assert broken.status == 200
    assert isinstance(broken.body, str)  # aiohttp could not decode it
    sandbox.faults.inject("missing_fields", target="GET /auth/me")
    assert (await api.ok("GET", "/auth/me")) == {"unexpected": True}


async def test_faults_through_the_admin_api(api: Api, sandbox: Sandbox) -> None:
    change = {"error_rate": 1.0, "targets": ["GET /partners"]}
    settings = await api.ok("POST", "/_sandbox/faults", change, key=None)
    assert settings["targets"] == ["GET /partners"]
    assert (await api.get("/partners")).status == 503
    assert (await api.get("/auth/me")).status == 200
    refused = await api.post("/_sandbox/faults", {"targets": ["GET /nowhere"]}, key=None)
    assert refused.status == 400
    stats = await api.ok("GET", "/_sandbox/stats", key=None)
    assert stats["faults_injected"] == {"error": 1}
    assert stats["requests_by_target"]["GET /partners"] == 1
    assert (await api.ok("POST", "/_sandbox/reset", {}, key=None)) == {"reset": True}
    assert (await api.get("/partners")).status == 200


async def test_the_admin_rate_limit(api: Api, sandbox: Sandbox) -> None:
    assert await api.ok("POST", "/_sandbox/rate-limit", {"rate_limit": 1}, key=None) == {
        "rate_limit": 1
    }
    assert sandbox.rate_limit == 1
    assert [(await api.get("/auth/me")).status for _ in range(2)] == [200, 429]


async def test_the_guard_covers_the_api(api: Api, sandbox: Sandbox) -> None:
    headers = {"Host": f"evil.example:{sandbox.port}", **NEW}
    refused = await api.post("/buyer/orders", {}, headers=headers)
    assert refused.status == 421
    assert "Host" in refused.body["errors"]["general"][0]
    cross = await api.post(
        "/_sandbox/reset", {}, key=None, headers={"Origin": "http://evil.example"}
    )
    assert cross.status == 403
