"""Listing: every page exactly once, filters on the wire, bad pages as typed errors."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from aiohttp import web
from convictional_stub import StubApi, json_reply

from convictional_async import ConvictionalClient, Product, core

KEY = "buyer-key-0123456789"


@pytest.fixture
async def stub() -> AsyncIterator[StubApi]:
    async with StubApi() as server:
        yield server


def client_for(stub: StubApi) -> ConvictionalClient:
    return ConvictionalClient(KEY, base_url=stub.url, rate_limit=None)


async def collect(iterator: AsyncIterator[Any]) -> list[Any]:
    return [item async for item in iterator]


def enveloped_catalogue(stub: StubApi, total: int):
    """``/buyer/products`` over ``total`` products, with absolute ``next`` links."""

    async def handler(request: web.Request) -> web.StreamResponse:
        page, limit = int(request.query["page"]), int(request.query["limit"])
        start = page * limit
        data = [{"id": f"p{i}"} for i in range(start, min(start + limit, total))]
        more = start + limit < total
        query = {**request.query, "page": str(page + 1)}
        return web.json_response(
            {
                "data": data,
                "hasMore": more,
                "next": str(request.url.with_query(query)) if more else "",
                "previous": "",
                "error": [],
            }
        )

    return handler


async def test_every_product_is_listed_once_250_per_request_following_next(stub):
    stub.route("GET", "/buyer/products", enveloped_catalogue(stub, 1234))
    async with client_for(stub) as client:
        products = await collect(client.buyer.products.list(company_id="s1"))
    assert [p.id for p in products] == [f"p{i}" for i in range(1234)]
    seen = stub.requests("GET", "/buyer/products")
    assert len(seen) == 5
    assert [s.query["page"] for s in seen] == ["0", "1", "2", "3", "4"]
    assert all(s.query["limit"] == "250" and s.query["companyId"] == "s1" for s in seen)


async def test_a_smaller_page_size_is_sent_as_limit(stub):
    stub.route("GET", "/buyer/products", enveloped_catalogue(stub, 10))
    async with client_for(stub) as client:
        products = await collect(client.buyer.products.list(limit=4))
    assert len(products) == 10
    assert [s.query["limit"] for s in stub.seen] == ["4", "4", "4"]


async def test_a_bare_array_stops_at_the_first_short_page(stub):
    full = [{"_id": f"o{i}"} for i in range(3)]
    stub.route("GET", "/orders", json_reply(full), json_reply([{"_id": "o3"}]))
    async with client_for(stub) as client:
        orders = await collect(client.seller.orders.list(limit=3, shipped=False))
    assert [o.id for o in orders] == ["o0", "o1", "o2", "o3"]
    assert [s.query for s in stub.seen] == [
        {"shipped": "false", "page": "0", "limit": "3"},
        {"shipped": "false", "page": "1", "limit": "3"},
    ]


async def test_filters_are_sent_in_their_wire_form(stub):
    stub.route("GET", "/products", json_reply({"data": []}))
    stub.route("GET", "/buyer/orders", json_reply({"data": [], "hasMore": False}))
    stub.route("GET", "/partners", json_reply({"data": []}))
    stub.route("GET", "/documents", json_reply({"data": [], "hasMore": False}))
    since = datetime(2024, 5, 1, 12, 30, tzinfo=timezone(timedelta(hours=2)))
    async with client_for(stub) as client:
        await collect(
            client.seller.products.list(
                title="Tee", product_code="C-1", active=True, tags=["a", "b"], vendor="Acme"
            )
        )
        await collect(client.buyer.orders.list(updated_min=since))
        await collect(client.shared.partners.list(completed=False, show_onboarding_status=True))
        await collect(client.shared.documents.list(tags=("invoice",)))
    products, orders, partners, documents = (s.query for s in stub.seen)
    assert products == {
        "title": "Tee",
        "productCode": "C-1",
        "active": "true",
        "tags": "a,b",
        "vendor": "Acme",
        "page": "0",
        "limit": "250",
    }
    assert orders["updatedMin"] == "2024-05-01T10:30:00Z"
    assert partners["completed"] == "false"
    assert partners["showOnboardingStatus"] == "true"
    assert documents["tags"] == "invoice"


async def test_seller_products_decode_in_both_api_eras(stub):
    legacy = [{"_id": "p1", "variants": [{"_id": "v1", "id": 7, "inventory_quantity": 2}]}]
    current = {"data": [{"id": "p2", "variants": [{"_id": "v2", "inventoryQuantity": 3}]}]}
    stub.route("GET", "/products", json_reply(legacy), json_reply(current))
    async with client_for(stub) as client:
        (old,) = await collect(client.seller.products.list())
        (new,) = await collect(client.seller.products.list())
    assert isinstance(old, Product)
    assert (old.id, old.variants[0].legacy_id, old.variants[0].inventory_quantity) == ("p1", 7, 2)
    assert (new.id, new.variants[0].inventory_quantity) == ("p2", 3)


@pytest.mark.parametrize("limit", [0, 251, -1, True, 2.5, "10"])
async def test_a_limit_outside_1_to_250_is_refused_before_any_traffic(stub, limit):
    async with client_for(stub) as client:
        for make in (
            lambda: client.buyer.products.list(limit=limit),
            lambda: client.buyer.orders.list(limit=limit),
            lambda: client.seller.orders.list(limit=limit),
            lambda: client.shared.partners.list(limit=limit),
        ):
            with pytest.raises(ValueError, match="limit"):
                make()
    assert stub.seen == []


@pytest.mark.parametrize(
    ("make", "name"),
    [
        (lambda c: c.buyer.orders.list(updated_min=datetime(2024, 1, 1)), "updated_min"),
        (lambda c: c.seller.orders.list(created_min=datetime(2024, 1, 1)), "created_min"),
        (lambda c: c.buyer.orders.list(updated_min="2024-01-01"), "updated_min"),
        (lambda c: c.seller.products.list(tags=["a,b"]), "tags"),
        (lambda c: c.seller.products.list(tags="ab"), "tags"),
        (lambda c: c.seller.products.list(title=""), "title"),
        (lambda c: c.seller.orders.list(shipped="yes"), "shipped"),
    ],
)
async def test_bad_filters_are_refused_before_any_traffic(stub, make, name):
    async with client_for(stub) as client:
        with pytest.raises(ValueError, match=name):
            make(client)
    assert stub.seen == []


async def test_a_page_that_claims_more_but_is_empty_ends_in_a_pagination_error(stub):
    stub.route(
        "GET",
        "/buyer/products",
        json_reply({"data": [{"id": "p1"}], "hasMore": True, "next": ""}),
        json_reply({"data": [], "hasMore": True, "next": ""}),
    )
    async with client_for(stub) as client:
        with pytest.raises(core.PaginationError):
            await collect(client.buyer.products.list())
    assert len(stub.seen) == 2


async def test_a_next_link_to_another_host_is_not_followed(stub):
    stub.route(
        "GET",
        "/buyer/products",
        json_reply({"data": [{"id": "p1"}], "hasMore": True, "next": "https://evil.test/x"}),
    )
    async with client_for(stub) as client:
        with pytest.raises(core.PaginationError, match="refusing"):
            await collect(client.buyer.products.list())
    assert len(stub.seen) == 1


async def test_a_list_reply_without_data_is_a_decode_error(stub):
    stub.route("GET", "/buyer/orders", json_reply({"hasMore": False}))
    async with client_for(stub) as client:
        with pytest.raises(core.ResponseDecodeError, match="no data member"):
            await collect(client.buyer.orders.list())


async def test_a_product_without_id_in_a_page_is_a_decode_error(stub):
    stub.route("GET", "/buyer/products", json_reply({"data": [{"title": "no id"}]}))
    async with client_for(stub) as client:
        with pytest.raises(core.ResponseDecodeError, match="id"):
            await collect(client.buyer.products.list())


async def test_breaking_out_of_a_listing_early_makes_no_further_request(stub):
    stub.route("GET", "/buyer/products", enveloped_catalogue(stub, 1000))
    async with client_for(stub) as client:
        listing = client.buyer.products.list(limit=10)
        first = []
        async for product in listing:
            first.append(product)
            if len(first) == 3:
                break
        await listing.aclose()  # type: ignore[attr-defined]
    assert len(first) == 3
    assert len(stub.seen) == 1


def test_naive_datetimes_are_named_in_the_message():
    with pytest.raises(ValueError, match="timezone-aware"):
        ConvictionalClient(KEY).buyer.orders.list(updated_min=datetime.now())
    assert ConvictionalClient(KEY).buyer.orders.list(updated_min=datetime.now(UTC)) is not None
