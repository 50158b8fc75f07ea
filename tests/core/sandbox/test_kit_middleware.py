"""The kit's middleware around a tiny API: faults, request ids, records, guard, errors."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from kit_shop import ShopSandbox

ORDER = {"name": "socks"}


async def post_order(session: aiohttp.ClientSession, shop: ShopSandbox) -> aiohttp.ClientResponse:
    async with session.post(f"{shop.url}/orders", json=ORDER) as response:
        await response.read()
        return response


async def test_every_answer_gets_a_request_id_and_the_api_headers(
    shop: ShopSandbox, session: aiohttp.ClientSession
) -> None:
    ids = []
    for method, path in [("POST", "/orders"), ("GET", "/nowhere"), ("GET", "/orders")]:
        async with session.request(method, f"{shop.url}{path}", json=ORDER) as response:
            ids.append(response.headers["X-Request-ID"])
            assert response.headers["Shop-Version"] == "1"
    assert len(set(ids)) == 3
    assert [record.request_id for record in shop.api.records] == ids
    assert [record.status for record in shop.api.records] == [200, 404, 405]


async def test_http_errors_use_the_api_format_and_keep_allow(
    shop: ShopSandbox, session: aiohttp.ClientSession
) -> None:
    async with session.get(f"{shop.url}/orders") as response:
        assert response.status == 405
        assert response.headers["Allow"] == "POST"
        assert await response.json() == {"problem": "Method Not Allowed"}


async def test_an_unhandled_error_is_a_500_in_the_api_format(
    shop: ShopSandbox, session: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    async with session.get(f"{shop.url}/explode") as response:
        assert response.status == 500
        assert await response.json() == {"problem": "Internal sandbox error"}
    assert "Unhandled error in the shop sandbox" in caplog.text


async def test_the_guard_refuses_a_foreign_host_in_the_api_format(
    shop: ShopSandbox, session: aiohttp.ClientSession
) -> None:
    headers = {"Host": f"evil.example:{shop.port}"}
    async with session.post(f"{shop.url}/orders", json=ORDER, headers=headers) as response:
        assert response.status == 421
        assert "Host" in (await response.json())["problem"]
        assert response.headers["X-Request-ID"]
    assert shop.api.orders == []


async def test_the_guard_refuses_cross_origin_and_non_json_admin_calls(
    shop: ShopSandbox, session: aiohttp.ClientSession
) -> None:
    url = f"{shop.url}/_sandbox/faults"
    async with session.post(url, json={}, headers={"Origin": "http://evil.example"}) as response:
        assert response.status == 403
    async with session.post(url, data=b"{}") as response:
        assert response.status == 415


async def test_drop_closes_before_processing(
    shop: ShopSandbox, session: aiohttp.ClientSession
) -> None:
    shop.faults.inject("drop")
    with pytest.raises((aiohttp.ServerDisconnectedError, aiohttp.ClientOSError)):
        await post_order(session, shop)
    assert shop.api.orders == []
    assert shop.api.records[-1].status is None


async def test_drop_after_processes_then_closes(
    shop: ShopSandbox, session: aiohttp.ClientSession
) -> None:
    shop.faults.inject("drop_after")
    with pytest.raises((aiohttp.ServerDisconnectedError, aiohttp.ClientOSError)):
        await post_order(session, shop)
    assert shop.api.orders == ["socks"]
    assert shop.api.records[-1].status is None
    assert shop.api.faults_injected == {"drop_after": 1}


async def test_partial_sends_the_head_and_half_the_body(
    shop: ShopSandbox, session: aiohttp.ClientSession
) -> None:
    shop.faults.inject("partial")
    async with session.post(f"{shop.url}/orders", json=ORDER) as response:
        assert response.status == 200
        assert response.headers["X-Request-ID"] == shop.api.records[-1].request_id
        assert response.headers["Shop-Version"] == "1"
        full = int(response.headers["Content-Length"])
        with pytest.raises(aiohttp.ClientPayloadError):
            await response.read()
    assert full > 200
    assert shop.api.orders == ["socks"]
    assert shop.api.records[-1].status is None
    assert (await post_order(session, shop)).status == 200  # the next request is fine


async def test_partial_on_an_empty_body_drops(
    shop: ShopSandbox, session: aiohttp.ClientSession
) -> None:
    shop.faults.inject("partial", target="empty")
    with pytest.raises((aiohttp.ServerDisconnectedError, aiohttp.ClientOSError)):
        async with session.post(f"{shop.url}/empty") as response:
            await response.read()  # (a GET would be retried by aiohttp itself)
    assert [record.status for record in shop.api.records] == [None]


async def test_api_rendered_faults(shop: ShopSandbox, session: aiohttp.ClientSession) -> None:
    shop.faults.inject("error")
    shop.faults.inject("throttle")
    shop.faults.inject("unauthorized")
    shop.faults.inject("html")
    answers = []
    for _ in range(4):
        async with session.post(f"{shop.url}/orders", json=ORDER) as response:
            answers.append((response.status, response.content_type, await response.text()))
    assert answers[0][:2] == (503, "application/json")
    assert "Service temporarily unavailable" in answers[0][2]
    assert answers[1][0] == 429
    assert "who are you at orders?" in answers[2][2]
    assert answers[3][:2] == (502, "text/html")
    assert shop.api.orders == []


async def test_invalid_json_and_missing_fields_spoil_a_processed_200(
    shop: ShopSandbox, session: aiohttp.ClientSession
) -> None:
    shop.faults.inject("invalid_json")
    shop.faults.inject("missing_fields")
    async with session.post(f"{shop.url}/orders", json=ORDER) as response:
        with pytest.raises(ValueError, match=r"Expecting|Unterminated"):
            await response.json()
    async with session.post(f"{shop.url}/orders", json=ORDER) as response:
        assert await response.json() == {"unexpected": True}
    assert shop.api.orders == ["socks", "socks"]


async def test_untargeted_paths_get_no_faults_but_are_counted(
    shop: ShopSandbox, session: aiohttp.ClientSession
) -> None:
    shop.faults.error_rate = 1.0
    async with session.post(f"{shop.url}/login", json={}) as response:
        assert response.status == 200  # "login" is known but not a default target
    async with session.get(f"{shop.url}/_sandbox/ping") as response:
        assert response.status == 200
    assert (await post_order(session, shop)).status == 503
    assert shop.api.arrived == {"login": 1, "other": 1, "orders": 1}


async def test_latency_holds_the_request(shop: ShopSandbox, session: aiohttp.ClientSession) -> None:
    shop.faults.latency = 30.0
    request = asyncio.ensure_future(post_order(session, shop))
    for _ in range(200):  # until the sandbox holds the request (at most 2 s)
        if shop.api.arrived["orders"]:
            break
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.05)
    assert not request.done()
    assert shop.api.orders == []
    request.cancel()
    with pytest.raises(asyncio.CancelledError):
        await request
