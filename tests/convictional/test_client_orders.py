"""Buyer order creation: the wire body, every reply shape, and exactly once across failures."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp import web
from convictional_stub import StubApi, dropped, json_reply, order, raw_reply

from convictional_async import (
    Address,
    BuyerOrder,
    ConflictError,
    ConvictionalClient,
    OrderItem,
    RetryPolicy,
    ServerError,
    Timeout,
    ValidationError,
    core,
)

KEY = "buyer-key-0123456789"
FAST = RetryPolicy(max_retries=2, backoff_initial=0.01, backoff_max=0.02)
ADDRESS = Address(
    name="Kevin McCallister",
    address_one="671 Lincoln Avenue",
    city="Winnetka",
    state="IL",
    country="US",
    zip="60093",
)
WHEN = datetime(2020, 2, 22, 10, tzinfo=UTC)
LINE = OrderItem(variant_id="v1", buyer_reference="line-1", quantity=2)


@pytest.fixture
async def stub() -> AsyncIterator[StubApi]:
    async with StubApi() as server:
        yield server


def client_for(url: str, **options: object) -> ConvictionalClient:
    options.setdefault("retry", FAST)
    return ConvictionalClient(KEY, base_url=url, rate_limit=None, **options)  # type: ignore[arg-type]


async def create(client: ConvictionalClient, reference: str = "PO-1001") -> BuyerOrder:
    return await client.buyer.orders.create(
        buyer_reference=reference, ordered_date=WHEN, address=ADDRESS, items=[LINE]
    )


# --- the request and the reply -------------------------------------------------------------


async def test_the_create_body_is_the_documented_one(stub):
    stub.route("POST", "/buyer/orders", stub.create_order())
    async with client_for(stub.url) as client:
        created = await client.buyer.orders.create(
            buyer_reference="PO-1001",
            ordered_date=WHEN,
            address=ADDRESS,
            items=[LINE],
            note="Please ship this extra fast",
            is_test=True,
        )
    assert (created.id, created.buyer_reference) == ("o-1", "PO-1001")
    (seen,) = stub.seen
    assert seen.headers["Content-Type"] == "application/json"
    assert seen.json() == {
        "address": {
            "name": "Kevin McCallister",
            "addressOne": "671 Lincoln Avenue",
            "city": "Winnetka",
            "state": "IL",
            "country": "US",
            "zip": "60093",
        },
        "buyerReference": "PO-1001",
        "orderedDate": "2020-02-22T10:00:00+00:00",
        "items": [{"variantId": "v1", "buyerReference": "line-1", "quantity": 2}],
        "isTest": True,
        "note": "Please ship this extra fast",
    }


@pytest.mark.parametrize(
    ("reply", "fetched"),
    [
        (json_reply(order("o-7", "PO-1001")), False),
        (json_reply({"data": order("o-7", "PO-1001"), "error": []}), False),
        (json_reply("o-7-5f4e2b1c"), True),
        (raw_reply(b"o-7-5f4e2b1c\n"), True),
        (json_reply({"data": "o-7-5f4e2b1c"}), True),
        (json_reply({"id": "o-7-5f4e2b1c"}), True),
    ],
    ids=["order", "envelope", "json-id", "text-id", "enveloped-id", "id-only-object"],
)
async def test_every_documented_reply_shape_gives_an_order(stub, reply, fetched):
    stub.route("POST", "/buyer/orders", reply)
    stub.route("GET", "/buyer/orders/o-7-5f4e2b1c", json_reply({"data": order("o-7", "PO-1001")}))
    async with client_for(stub.url) as client:
        created = await create(client)
    assert isinstance(created, BuyerOrder)
    assert (created.id, created.buyer_reference) == ("o-7", "PO-1001")
    assert created.seller_orders[0].posted is True
    assert len(stub.requests("GET", "/buyer/orders/o-7-5f4e2b1c")) == int(fetched)


async def test_an_id_that_cannot_go_in_a_path_is_a_decode_error(stub):
    stub.route("POST", "/buyer/orders", json_reply({"id": "../admin"}))
    async with client_for(stub.url) as client:
        with pytest.raises(core.ResponseDecodeError, match="id"):
            await create(client)
    assert len(stub.seen) == 1


async def test_a_failed_fetch_after_an_id_reply_says_the_order_exists(stub):
    stub.route("POST", "/buyer/orders", json_reply("o-7-5f4e2b1c"))
    stub.route("GET", "/buyer/orders/o-7-5f4e2b1c", json_reply({"error": "gone"}, 404))
    async with client_for(stub.url) as client:
        with pytest.raises(core.NotFoundError) as caught:
            await create(client)
    assert "created with id 'o-7-5f4e2b1c'" in "".join(caught.value.__notes__)


async def test_a_garbled_200_is_a_decode_error_and_not_sent_again(stub):
    stub.route("POST", "/buyer/orders", raw_reply(b"{not json at all", 200, "application/json"))
    async with client_for(stub.url) as client:
        with pytest.raises(core.ResponseDecodeError):
            await create(client)
    assert len(stub.seen) == 1


# --- exactly once ---------------------------------------------------------------------------


async def test_a_reply_lost_after_the_order_was_made_returns_that_order(stub):
    stub.route("POST", "/buyer/orders", stub.create_order(then=dropped))
    stub.route("GET", "/buyer/orders", stub.list_orders)
    started = datetime.now(UTC)
    async with client_for(stub.url) as client:
        created = await create(client)
    assert (created.id, created.buyer_reference) == ("o-1", "PO-1001")
    assert len(stub.orders) == 1
    assert len(stub.requests("POST", "/buyer/orders")) == 1
    (lookup,) = stub.requests("GET", "/buyer/orders")
    assert lookup.query["buyerReference"] == "PO-1001"
    since = datetime.fromisoformat(lookup.query["updatedMin"])
    assert started - timedelta(minutes=6) < since < started - timedelta(minutes=4)


async def test_a_5xx_after_the_order_was_made_returns_that_order(stub):
    stub.route("POST", "/buyer/orders", stub.create_order(then=json_reply({"error": "x"}, 502)))
    stub.route("GET", "/buyer/orders", stub.list_orders)
    async with client_for(stub.url) as client:
        created = await create(client)
    assert created.id == "o-1"
    assert len(stub.orders) == 1
    assert len(stub.requests("POST", "/buyer/orders")) == 1


async def test_a_5xx_that_made_nothing_is_created_again_once(stub):
    stub.route("POST", "/buyer/orders", json_reply({"error": "x"}, 503), stub.create_order())
    stub.route("GET", "/buyer/orders", stub.list_orders)
    async with client_for(stub.url) as client:
        created = await create(client)
    assert created.id == "o-1"
    assert len(stub.orders) == 1
    assert len(stub.requests("POST", "/buyer/orders")) == 2
    assert len(stub.requests("GET", "/buyer/orders")) == 1


async def test_other_orders_in_the_lookup_are_not_mistaken_for_this_one(stub):
    stub.orders.append(order("o-0", "PO-OTHER"))
    stub.route("POST", "/buyer/orders", dropped, stub.create_order())
    stub.route("GET", "/buyer/orders", stub.list_orders)
    async with client_for(stub.url) as client:
        created = await create(client)
    assert (created.id, created.buyer_reference) == ("o-2", "PO-1001")


async def test_attempts_are_bounded_and_the_last_error_says_nothing_was_found(stub):
    stub.route("POST", "/buyer/orders", json_reply({"errors": {"general": ["down"]}}, 503))
    stub.route("GET", "/buyer/orders", stub.list_orders)
    async with client_for(stub.url) as client:
        with pytest.raises(ServerError) as caught:
            await create(client)
    assert len(stub.requests("POST", "/buyer/orders")) == 3  # max_retries=2
    assert len(stub.requests("GET", "/buyer/orders")) == 3
    assert "most likely not created" in "".join(caught.value.__notes__)
    assert stub.orders == []


async def test_a_failed_lookup_raises_the_create_error_saying_the_outcome_is_unknown(stub):
    stub.route("POST", "/buyer/orders", stub.create_order(then=dropped))
    stub.route("GET", "/buyer/orders", json_reply({"error": "down"}, 500))
    async with client_for(stub.url) as client:
        with pytest.raises(core.ConnectionLost) as caught:
            await create(client)
    assert "may or may not have been created" in "".join(caught.value.__notes__)
    assert "find_by_reference" in "".join(caught.value.__notes__)
    assert len(stub.requests("POST", "/buyer/orders")) == 1


async def test_a_conflict_on_a_repeat_means_the_lost_attempt_landed(stub):
    empty = json_reply({"data": [], "hasMore": False})
    conflict = json_reply({"errors": {"buyerReference": ["must be unique"]}}, 409)
    stub.route("POST", "/buyer/orders", stub.create_order(then=dropped), conflict)
    stub.route("GET", "/buyer/orders", empty, stub.list_orders)  # visible only later
    async with client_for(stub.url) as client:
        created = await create(client)
    assert created.id == "o-1"
    assert len(stub.requests("POST", "/buyer/orders")) == 2
    assert len(stub.orders) == 1


@pytest.mark.parametrize(
    ("status", "error"), [(409, ConflictError), (422, ValidationError), (400, ValidationError)]
)
async def test_a_refusal_of_the_first_attempt_is_raised_at_once(stub, status, error):
    stub.route("POST", "/buyer/orders", json_reply({"errors": {"buyerReference": ["dup"]}}, status))
    async with client_for(stub.url) as client:
        with pytest.raises(error):
            await create(client)
    assert [s.method for s in stub.seen] == ["POST"]


async def test_without_retries_a_lost_reply_is_still_reconciled(stub):
    stub.route("POST", "/buyer/orders", stub.create_order(then=dropped))
    stub.route("GET", "/buyer/orders", stub.list_orders)
    async with client_for(stub.url, retry=RetryPolicy.never()) as client:
        assert (await create(client)).id == "o-1"


async def test_a_request_that_never_left_is_not_reconciled():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    async with client_for(f"http://127.0.0.1:{port}") as client:
        with pytest.raises(core.ConnectError):
            await create(client)
    assert client.metrics.attempts == 3  # a connect failure is safe to retry


async def test_the_deadline_bounds_the_create_and_says_the_outcome_is_unknown(stub):
    async def slow(request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(5)
        return web.json_response({})

    stub.route("POST", "/buyer/orders", slow)
    loop = asyncio.get_running_loop()
    started = loop.time()
    async with client_for(stub.url, timeout=Timeout(deadline=0.3)) as client:
        with pytest.raises(core.DeadlineExceeded) as caught:
            await create(client)
    assert loop.time() - started < 2
    assert caught.value.request_may_have_been_sent
    assert "deadline passed" in "".join(caught.value.__notes__)


async def test_find_by_reference_compares_every_order_listed(stub):
    stub.orders.extend([order("o-1", "PO-1"), order("o-2", "PO-2")])
    stub.route("GET", "/buyer/orders", stub.list_orders)
    async with client_for(stub.url) as client:
        found = await client.buyer.orders.find_by_reference("PO-2")
        missing = await client.buyer.orders.find_by_reference("PO-3")
        with pytest.raises(ValueError, match="buyer_reference"):
            await client.buyer.orders.find_by_reference(" ")
    assert found is not None
    assert found.id == "o-2"
    assert missing is None


# --- validation before traffic ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"ordered_date": datetime(2020, 2, 22)}, "timezone-aware"),
        ({"buyer_reference": ""}, "buyer_reference"),
        ({"buyer_reference": None}, "buyer_reference"),
        ({"items": []}, "at least 1"),
        ({"items": "v1"}, "items"),
        ({"items": [{"variantId": "v1"}]}, "items"),
        ({"items": [LINE, LINE]}, "buyer_reference 'line-1'"),
        ({"address": Address(name="K", address_one="1 St", city="W", country="US")}, "state"),
        ({"address": "671 Lincoln Avenue"}, "Address"),
        ({"customer_email": ""}, "customer_email"),
    ],
)
async def test_a_bad_order_is_refused_before_any_traffic(stub, changes, message):
    fields = {
        "buyer_reference": "PO-1",
        "ordered_date": WHEN,
        "address": ADDRESS,
        "items": [LINE],
        **changes,
    }
    async with client_for(stub.url) as client:
        with pytest.raises(ValueError, match=message):
            await client.buyer.orders.create(**fields)
    assert stub.seen == []


@pytest.mark.parametrize("quantity", [0, -1, True, 1.5])
def test_a_line_quantity_below_one_is_refused(quantity):
    with pytest.raises(ValueError, match="quantity"):
        OrderItem(variant_id="v1", buyer_reference="l", quantity=quantity)
