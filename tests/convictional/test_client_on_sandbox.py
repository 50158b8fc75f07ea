"""ConvictionalClient against the Convictional sandbox: every endpoint, paging, the shared
budget and exactly-once orders under injected faults."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from convictional_async import (
    Address,
    AuthenticationError,
    ConvictionalClient,
    FulfillmentLine,
    OrderFulfillment,
    OrderItem,
    PartnerUpdate,
    PatchImage,
    PatchProduct,
    PriceCreate,
    PriceUpdate,
    PriceUpdateItem,
    ProductCreate,
    RateLimit,
    RefundItem,
    RetryPolicy,
    SellerOrderRefund,
    Tax,
    UploadDocument,
    ValidationError,
    VariantCreate,
    WebhookSecret,
)

sandbox_package = pytest.importorskip("convictional_async.sandbox")
Sandbox = sandbox_package.Sandbox
SandboxConfig = sandbox_package.SandboxConfig

FAST = RetryPolicy(max_retries=3, backoff_initial=0.01, backoff_max=0.05)
ADDRESS = Address(
    name="Kevin McCallister",
    address_one="671 Lincoln Avenue",
    city="Winnetka",
    state="IL",
    country="US",
    zip="60093",
)


def client(sandbox: Any, key: str, **options: Any) -> ConvictionalClient:
    options.setdefault("rate_limit", None)
    options.setdefault("retry", FAST)
    return ConvictionalClient(key, base_url=sandbox.url, **options)


async def collect(iterator: AsyncIterator[Any]) -> list[Any]:
    return [item async for item in iterator]


@pytest.fixture
async def sandbox() -> AsyncIterator[Any]:
    async with Sandbox(SandboxConfig(rate_limit=None, products=30)) as running:
        yield running


@pytest.fixture
async def small_sandbox() -> AsyncIterator[Any]:
    """For clients paced at the default 5/s: 8 products, 2 per seller (a seller's
    ``limit=1`` listing still takes more than one page)."""
    async with Sandbox(SandboxConfig(rate_limit=None, products=8)) as running:
        yield running


# --- every endpoint -------------------------------------------------------------------------


async def buyer_flow(buyer: ConvictionalClient, seller_company: str) -> None:
    """Every Buyer endpoint; leaves the order ``PO-KEEP`` for the seller flow."""
    products = await collect(buyer.buyer.products.list(company_id=seller_company, limit=7))
    assert products
    assert all(p.company_id == seller_company for p in products)
    product = await buyer.buyer.products.get(products[0].id)
    variants = await buyer.buyer.products.list_variants(product.id)
    assert [v.id for v in variants] == [v.id for v in product.variants]
    assert isinstance(variants[0].base_price, Decimal)
    variant = variants[0]

    async def order(reference: str, quantity: int = 3) -> Any:
        line = OrderItem(variant_id=variant.id, buyer_reference=f"{reference}-1", quantity=quantity)
        return await buyer.buyer.orders.create(
            buyer_reference=reference,
            ordered_date=datetime.now(UTC),
            address=ADDRESS,
            items=[line],
            note="sandbox",
        )

    kept, cancelled = await order("PO-KEEP"), await order("PO-CANCEL")
    assert (await buyer.buyer.orders.get(kept.id)).buyer_reference == "PO-KEEP"
    recent = await collect(buyer.buyer.orders.list(updated_min=datetime.now(UTC) - timedelta(1)))
    assert {"PO-KEEP", "PO-CANCEL"} <= {o.buyer_reference for o in recent}
    found = await buyer.buyer.orders.find_by_reference("PO-CANCEL")
    assert found is not None
    assert found.id == cancelled.id
    seller_order = cancelled.seller_orders[0]
    item = seller_order.items[0]
    after = await buyer.buyer.orders.cancel_item(
        cancelled.id, seller_order.id, item.id, reason="too many", new_quantity=2
    )
    assert after is not None
    assert after.seller_orders[0].has_cancellations
    refund = await buyer.buyer.orders.refund(
        kept.id,
        kept.seller_orders[0].id,
        items=[RefundItem(item_id=kept.seller_orders[0].items[0].id, quantity_to_refund=1)],
    )
    assert refund is not None
    assert refund.items[0].quantity_to_refund == 1
    whole = await buyer.buyer.orders.cancel(cancelled.id, reason="changed mind")
    assert whole is not None


async def seller_products_flow(seller: ConvictionalClient) -> None:
    created = await seller.seller.products.create(
        ProductCreate(
            code="TSHIRT-001",
            title="T-shirt",
            variants=(VariantCreate(sku="TSHIRT-001-M", inventory_quantity=4),),
            images=(PatchImage(source="https://cdn.example/tee.png"),),
        )
    )
    assert created.code == "TSHIRT-001"
    (from_csv,) = await seller.seller.products.create_from_csv(
        "code,title,sku,inventoryQuantity\nMUG-1,Mug,MUG-1-S,3\n"
    )
    assert from_csv.title == "Mug"
    listed = await collect(seller.seller.products.list(product_code="TSHIRT-001"))
    assert created.id in {p.id for p in listed}
    patched = await seller.seller.products.update(created.id, PatchProduct(title="Tee"))
    assert patched.title == "Tee"
    variant = await seller.seller.products.update_variant(
        created.id, created.variants[0].id, inventory_quantity=5
    )
    assert variant.inventory_quantity == 5
    with pytest.raises(ValidationError):
        await seller.seller.products.update(created.id, PatchProduct(title="x" * 100_000))
    fetched = await seller.seller.products.get(created.id)
    await seller.seller.products.delete_image(created.id, fetched.images[0].id or "")
    assert await seller.seller.products.delete(from_csv.id) == from_csv.id


async def seller_orders_flow(seller: ConvictionalClient) -> None:
    orders = await collect(seller.seller.orders.list(created_min=datetime.now(UTC) - timedelta(1)))
    (mine,) = [o for o in orders if o.buyer_order_code == "PO-KEEP"]
    order = await seller.seller.orders.get(mine.id)
    await seller.seller.orders.update(order.id, note="packed")
    item = order.items[0]
    await seller.seller.orders.cancel_item(order.id, item.id, new_quantity=2)
    order = await seller.seller.orders.get(order.id)
    open_item = next(i for i in order.items if not i.cancelled)
    fulfillment_id = await seller.seller.orders.create_fulfillment(
        order.id,
        OrderFulfillment(
            items=(FulfillmentLine(id=open_item.id, quantity=1),),
            carrier="UPS",
            tracking_code="1Z999AA10123456784",
        ),
    )
    assert fulfillment_id
    refund = await seller.seller.orders.refund(
        order.id, SellerOrderRefund(items=(RefundItem(item_id=open_item.id, quantity_to_refund=1),))
    )
    assert refund.items
    cancelled = await seller.seller.orders.cancel(order.id, reason="rest", unfulfilled_only=True)
    assert cancelled.has_cancellations
    invoice = await seller.seller.orders.create_invoice(
        order.id, taxes=[Tax(amount=Decimal("1.30"), type="GS")]
    )
    assert invoice.id


async def seller_prices_flow(seller: ConvictionalClient) -> str:
    template = await seller.seller.prices.template()
    header, first = template.splitlines()[:2]
    sku = first.split(",")[1]
    upload = f"{header}\n,{sku},,,,9.50,,,\n"
    uploaded = await seller.seller.prices.upload("Uploaded", upload)
    assert (await seller.seller.prices.get(uploaded)).list_name == "Uploaded"
    created = await seller.seller.prices.create(
        PriceCreate(list_name="Wholesale", currency_name="USD", markup=Decimal(20))
    )
    updated = await seller.seller.prices.update(
        created.id,
        PriceUpdate(list_name="Wholesale 2", items=(PriceUpdateItem(sku=sku, price=Decimal(9)),)),
    )
    assert updated.list_name == "Wholesale 2"
    assert await seller.seller.prices.delete(uploaded) == uploaded
    return created.id


async def shared_flow(user: ConvictionalClient, pricing_id: str | None) -> None:
    me = await user.shared.me()
    assert (await user.shared.users.update(me.user.id, first_name="Kevin")).first_name == "Kevin"
    await user.shared.users.invite(email=f"new-{me.company.commerce_type}@example.com")
    partners = await collect(user.shared.partners.list(show_onboarding_status=True))
    partner = await user.shared.partners.update(
        partners[0].id, PartnerUpdate(buyer_assigned_code="B1")
    )
    assert partner.id == partners[0].id
    invited = await user.shared.partners.create(
        email=f"partner-{me.company.commerce_type}@example.com",
        **({"pricing_id": pricing_id} if pricing_id else {}),
    )
    assert invited.id
    document = await user.shared.documents.upload(
        UploadDocument(file_name="terms.txt", file_type="text/plain", content=b"terms", tags=("t",))
    )
    assert document.id in {d.id for d in await collect(user.shared.documents.list(tags=["t"]))}
    assert (await user.shared.documents.get(document.id)).content == b"terms"
    name = f"sftp{me.company.commerce_type}"
    assert await user.shared.sftp.create(username=name, password="Secret-pass-1") == "created"
    assert await user.shared.sftp.change_password(name, password="Secret-pass-2") == "updated"
    assert await user.shared.sftp.delete(name) == "deleted"
    secret = WebhookSecret(secret="whsec-0123456789", expires_date=datetime(2031, 1, 1, tzinfo=UTC))
    hook = await user.shared.webhooks.create(
        target_url="https://example.com/hooks", topics=["order.cancelled"], secrets=[secret]
    )
    assert hook.active is False
    assert hook.id is not None
    assert (await user.shared.webhooks.update(hook.id, active=True)).active is True


def routes_hit(sandbox: Any) -> set[str]:
    """The route templates the sandbox saw requests for."""
    patterns = [
        (route, re.compile("^" + re.sub(r"\{\w+\}", "[^/]+", route.split(" ", 1)[1]) + "$"))
        for route in sandbox_package.ROUTE_TARGETS
    ]
    hit = set()
    for record in sandbox.state.records:
        for route, pattern in patterns:
            if route.startswith(record.method + " ") and pattern.match(record.path):
                hit.add(route)
    return hit


async def test_every_endpoint_works_against_the_sandbox(sandbox):
    async with (
        client(sandbox, sandbox.buyer_key) as buyer,
        client(sandbox, sandbox.seller_key) as seller,
    ):
        seller_company = (await seller.shared.me()).company.id
        await buyer_flow(buyer, seller_company)
        await seller_products_flow(seller)
        await seller_orders_flow(seller)
        pricing_id = await seller_prices_flow(seller)
        await shared_flow(buyer, None)
        await shared_flow(seller, pricing_id)
        new_key = await seller.shared.users.roll_key((await seller.shared.me()).user.id)
        with pytest.raises(AuthenticationError):
            await seller.shared.me()
        async with client(sandbox, new_key) as rolled:
            assert (await rolled.shared.me()).company.id == seller_company
    missing = (
        set(sandbox_package.ROUTE_TARGETS) - routes_hit(sandbox) - {"PUT /webhooks/{webhookId}"}
    )
    assert missing == set()


async def test_the_readme_example_runs_as_written(small_sandbox):
    sandbox = small_sandbox
    async with ConvictionalClient(api_key=sandbox.buyer_key, base_url=sandbox.url) as client:
        async for product in client.buyer.products.list():
            variant = product.variants[0]
        order = await client.buyer.orders.create(
            buyer_reference="PO-1001",
            ordered_date=datetime.now(UTC),
            address=Address(
                name="Kevin McCallister",
                address_one="671 Lincoln Avenue",
                city="Winnetka",
                state="IL",
                country="US",
                zip="60093",
            ),
            items=[OrderItem(variant_id=variant.id, buyer_reference="line-1", quantity=2)],
        )
        statuses = [
            (s.posted, s.fulfilled, s.invoiced, s.refunded)
            async for o in client.buyer.orders.list(
                updated_min=datetime.now(UTC) - timedelta(days=1)
            )
            for s in o.seller_orders
        ]
        me = await client.shared.me()
    async with ConvictionalClient(api_key=sandbox.seller_keys[0], base_url=sandbox.url) as seller:
        mine = await collect(seller.seller.products.list(limit=1))
        await seller.seller.products.update_variant(
            mine[0].id, mine[0].variants[0].id, inventory_quantity=5
        )
    assert order.buyer_reference == "PO-1001"
    assert statuses == [(True, False, False, False)]
    assert me.company.commerce_type == "buyer"
    assert isinstance(variant.base_price, Decimal)


async def test_raw_responses_carry_the_sandbox_request_id_and_version(sandbox):
    async with client(sandbox, sandbox.buyer_key, api_version="2021-01-01") as buyer:
        raw = await buyer.with_raw_response(buyer.shared.me)
    assert raw.status == 200
    assert raw.convictional_version == "2021-01-01"
    assert raw.request_id == sandbox.state.records[-1].request_id


async def test_errors_from_the_sandbox_carry_request_id_version_and_field_errors(sandbox):
    async with client(sandbox, sandbox.seller_key) as seller:
        product = (await collect(seller.seller.products.list(limit=1)))[0]
        with pytest.raises(ValidationError) as caught:
            await seller.seller.products.update(product.id, PatchProduct(title="x" * 100_000))
    error = caught.value
    assert error.status == 422
    assert error.request_id == sandbox.state.records[-1].request_id
    assert error.convictional_version
    assert "title" in error.errors


@pytest.mark.parametrize("shape", ["order", "envelope", "id_json", "id_text"])
async def test_every_create_reply_shape_of_the_sandbox_gives_the_order(shape):
    config = SandboxConfig(rate_limit=None, products=3, order_create_response=shape)
    async with Sandbox(config) as sandbox, client(sandbox, sandbox.buyer_key) as buyer:
        variant = (await collect(buyer.buyer.products.list()))[0].variants[0]
        line = OrderItem(variant_id=variant.id, buyer_reference="l1", quantity=1)
        order = await buyer.buyer.orders.create(
            buyer_reference="PO-SHAPE", ordered_date=None, address=ADDRESS, items=[line]
        )
    assert order.buyer_reference == "PO-SHAPE"
    assert order.items[0].variant_id == variant.id


@pytest.mark.parametrize(("new_errors", "status"), [(True, 422), (False, 400)])
async def test_both_error_formats_of_the_sandbox_become_one_validation_error(
    sandbox, new_errors, status
):
    async with client(sandbox, sandbox.buyer_key, new_errors=new_errors) as buyer:
        with pytest.raises(ValidationError) as caught:
            await buyer.buyer.orders.create(
                buyer_reference="PO-BAD",
                ordered_date=None,
                address=ADDRESS,
                items=[OrderItem(variant_id="no-such-variant", buyer_reference="l", quantity=1)],
            )
    assert caught.value.status == status
    assert caught.value.errors
    assert caught.value.request_id == sandbox.state.records[-1].request_id


# --- paging and the shared budget -------------------------------------------------------------


async def test_1234_products_are_listed_each_once_in_5_requests():
    async with (
        Sandbox(SandboxConfig(rate_limit=None, products=1234)) as sandbox,
        client(sandbox, sandbox.buyer_key) as buyer,
    ):
        before = len(sandbox.state.records)
        products = await collect(buyer.buyer.products.list())
        requests = len(sandbox.state.records) - before
    ids = [p.id for p in products]
    assert len(ids) == 1234
    assert len(set(ids)) == 1234
    assert requests == 5


async def test_three_clients_on_one_key_share_one_budget_and_see_no_429():
    """50 requests at the sandbox's strict fixed-window limit, scaled to 50/s (from 5/s) so
    the test takes about a second instead of ten."""
    async with Sandbox(SandboxConfig(rate_limit=50, products=5)) as sandbox:
        limit = RateLimit(max_requests=50, period=1)
        clients = [client(sandbox, sandbox.buyer_key, rate_limit=limit) for _ in range(3)]
        try:
            calls = [clients[i % 3].shared.me() for i in range(50)]
            results = await asyncio.gather(*calls)
        finally:
            for each in clients:
                await each.aclose()
        statuses = [record.status for record in sandbox.state.records]
    assert len(results) == 50
    assert statuses.count(429) == 0
    assert sum(c.metrics.rate_limited for c in clients) == 0
    assert clients[0].rate_limiter is clients[1].rate_limiter is clients[2].rate_limiter


async def test_the_default_budget_is_5_per_second_shared_with_the_sandbox():
    async with Sandbox(SandboxConfig(products=5)) as sandbox:
        async with client(sandbox, sandbox.buyer_key, rate_limit=RateLimit(max_requests=5)) as c:
            await asyncio.gather(*(c.shared.me() for _ in range(6)))
        statuses = [record.status for record in sandbox.state.records]
    assert statuses == [200] * 6


# --- exactly once -------------------------------------------------------------------------------


async def test_200_creates_under_drops_and_5xx_leave_exactly_200_orders():
    config = SandboxConfig(rate_limit=None, products=20, duplicate_buyer_reference="allow")
    async with Sandbox(config) as sandbox:
        target = "POST /buyer/orders"
        for _ in range(25):  # processed then cut, cut before processing, 503, half a reply
            for kind in ("drop_after", "drop", "error", "partial"):
                sandbox.faults.inject(kind, target=target)
        sandbox.faults.inject("drop_after", count=10, target="GET /buyer/orders")
        async with client(sandbox, sandbox.buyer_key, max_connections=20) as buyer:
            variant = (await collect(buyer.buyer.products.list(limit=1)))[0].variants[0]

            async def create(number: int) -> Any:
                return await buyer.buyer.orders.create(
                    buyer_reference=f"PO-{number:04d}",
                    ordered_date=datetime.now(UTC),
                    address=ADDRESS,
                    items=[OrderItem(variant_id=variant.id, buyer_reference="l", quantity=1)],
                )

            created = await asyncio.gather(*(create(n) for n in range(200)))
            listed = await collect(buyer.buyer.orders.list())
        assert sandbox.faults.scripted == ()
    references = [o.buyer_reference for o in listed]
    assert len(references) == 200
    assert sorted(references) == [f"PO-{n:04d}" for n in range(200)]
    assert [o.buyer_reference for o in created] == [f"PO-{n:04d}" for n in range(200)]
