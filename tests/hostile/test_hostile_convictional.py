"""The Convictional client against hostile servers: a typed error for every reply, in bounded time.

The shared scenarios come from ``conftest.py``; the Convictional-shaped ones (a 200 without
``data``, a product without ``id``, a page that claims more but is empty...) are the small
handlers below, served the same way: every route under ``/{scenario}/`` misbehaves.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp import web

from convictional_async import (
    Address,
    ConvictionalAPIError,
    ConvictionalClient,
    OrderItem,
    RateLimitError,
    RetryPolicy,
    ServerError,
    Timeout,
    core,
)

from .conftest import DEADLINE, WAITED_DEADLINE

KEY = "hostile-convictional-key-42"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _reply(body: bytes, status: int = 200) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        await request.read()
        return web.Response(
            status=status,
            body=body,
            content_type="application/json",
            headers={"X-Request-ID": "hostile-conv-1"},
        )

    return handler


def _json(document: Any) -> Handler:
    return _reply(json.dumps(document).encode())


async def _product_without_id(request: web.Request) -> web.StreamResponse:
    product = {"title": "no id here"}
    if request.path.endswith("/products"):
        return await _json({"data": [product], "hasMore": False, "next": ""})(request)
    return await _json({"data": product, "error": []})(request)


async def _redirect(request: web.Request) -> web.StreamResponse:
    raise web.HTTPFound("http://127.0.0.2:9/steal")


SCENARIOS: dict[str, Handler] = {
    "invalid-json": _reply(b'{"data": [{"id": "p1"'),
    "missing-data": _json({"error": []}),
    "product-without-id": _product_without_id,
    "empty-200": _reply(b""),
    "list-without-data": _json({"hasMore": False, "next": "", "previous": ""}),
    "has-more-empty": _json({"data": [], "hasMore": True, "next": "", "error": []}),
    "error-in-200": _json({"data": None, "error": [{"message": "boom"}]}),
    "wrong-types": _json({"data": {"id": 5, "variants": "many"}}),
    "redirect": _redirect,
}


@pytest.fixture
async def convictional_hostile() -> AsyncIterator[str]:
    async def dispatch(request: web.Request) -> web.StreamResponse:
        handler = SCENARIOS.get(request.match_info["scenario"])
        if handler is None:
            raise web.HTTPNotFound()
        return await handler(request)

    app = web.Application()
    app.router.add_route("*", "/{scenario}/{tail:.*}", dispatch)
    runner = web.AppRunner(app, handler_cancellation=True)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


def client_for(base_url: str, **options: Any) -> ConvictionalClient:
    options.setdefault("timeout", Timeout(deadline=DEADLINE))
    options.setdefault(
        "retry", RetryPolicy(max_retries=1, backoff_initial=0.01, max_retry_after=1.0)
    )
    return ConvictionalClient(
        KEY, base_url=base_url, rate_limit=None, max_response_bytes=1024 * 1024, **options
    )


async def get_product(client: ConvictionalClient) -> Any:
    return await client.buyer.products.get("p1")


async def list_products(client: ConvictionalClient) -> Any:
    return [product async for product in client.buyer.products.list()]


async def create_order(client: ConvictionalClient) -> Any:
    return await client.buyer.orders.create(
        buyer_reference="PO-HOSTILE",
        ordered_date=datetime(2030, 1, 1, tzinfo=UTC),
        address=Address(
            name="K", address_one="1 St", city="W", state="IL", country="US", zip="60093"
        ),
        items=[OrderItem(variant_id="v1", buyer_reference="l1", quantity=1)],
    )


CALLS = {"get": get_product, "list": list_products, "create": create_order}


async def bounded(call: Awaitable[Any]) -> None:
    """Await ``call`` and check it ended (in an error) within a few seconds."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    try:
        await call
    finally:
        assert loop.time() - started < 5


@pytest.mark.parametrize(
    ("scenario", "call", "error"),
    [
        ("invalid-json", "get", core.ResponseDecodeError),
        ("invalid-json", "list", core.ResponseDecodeError),
        ("missing-data", "get", core.ResponseDecodeError),
        ("missing-data", "list", core.ResponseDecodeError),
        ("product-without-id", "get", core.ResponseDecodeError),
        ("product-without-id", "list", core.ResponseDecodeError),
        ("empty-200", "get", core.ResponseDecodeError),
        ("empty-200", "list", core.ResponseDecodeError),
        ("empty-200", "create", core.ResponseDecodeError),
        ("list-without-data", "list", core.ResponseDecodeError),
        ("has-more-empty", "list", core.PaginationError),
        ("error-in-200", "get", core.ResponseDecodeError),
        ("error-in-200", "create", core.ResponseDecodeError),
        ("wrong-types", "get", core.ResponseDecodeError),
        ("redirect", "get", ConvictionalAPIError),
    ],
)
async def test_every_convictional_shaped_lie_is_a_typed_error(
    convictional_hostile, scenario, call, error
):
    async with client_for(f"{convictional_hostile}/{scenario}") as client:
        with pytest.raises(error) as caught:
            await bounded(CALLS[call](client))
    assert isinstance(caught.value, core.SDKError)
    assert KEY not in str(caught.value)


@pytest.mark.parametrize(
    ("scenario", "call", "error"),
    [
        ("html-502", "get", ServerError),
        ("html-502", "list", ServerError),
        ("html-502", "create", ServerError),
        ("huge", "get", core.ResponseTooLarge),
        ("gzip-bomb", "list", core.ResponseTooLarge),
        ("huge-error", "get", ServerError),
        ("nested-200", "get", core.ResponseDecodeError),
        ("nested-503", "get", ServerError),
        ("nested-400", "get", core.APIStatusError),
        ("trickle", "get", core.DeadlineExceeded),
        ("hang", "list", core.DeadlineExceeded),
        ("hang", "create", core.DeadlineExceeded),
        ("always-401", "create", core.AuthenticationError),
        ("absurd-retry-after", "get", RateLimitError),
        ("retry-after-2099", "get", RateLimitError),
    ],
)
async def test_every_shared_hostile_reply_is_a_typed_error_in_bounded_time(
    hostile, scenario, call, error
):
    waits = error is core.DeadlineExceeded  # the server hangs or trickles: wait it out
    options = {"timeout": Timeout(deadline=WAITED_DEADLINE)} if waits else {}
    async with client_for(hostile.url(scenario), **options) as client:
        with pytest.raises(error):
            await bounded(CALLS[call](client))


async def test_an_html_502_on_create_is_reconciled_then_raised_with_a_note(hostile):
    async with client_for(hostile.url("html-502")) as client:
        with pytest.raises(ServerError) as caught:
            await bounded(create_order(client))
    assert "may or may not have been created" in "".join(caught.value.__notes__)


async def test_a_key_echoed_in_an_undecodable_body_is_redacted(hostile):
    async with client_for(hostile.url("echo-token")) as client:
        for call in (get_product, create_order):
            with pytest.raises(core.ResponseDecodeError) as caught:
                await bounded(call(client))
            for text in (str(caught.value), repr(caught.value), caught.value.body):
                assert KEY not in text
            assert "[REDACTED]" in caught.value.body


async def test_a_tiny_advertised_limit_cannot_stall_a_call_past_its_deadline(hostile):
    waiting = Timeout(deadline=WAITED_DEADLINE)
    async with client_for(hostile.url("tiny-limit"), timeout=waiting) as client:
        for _ in range(2):  # {} is not a product; the advertised limit is adopted
            with pytest.raises(core.ResponseDecodeError):
                await get_product(client)
        assert client.rate_limiter.limit is not None
        assert client.rate_limiter.limit.per_second >= 1 / 60
        with pytest.raises(core.DeadlineExceeded):
            await bounded(get_product(client))
