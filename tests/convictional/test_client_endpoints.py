"""Every endpoint of reference 9.1-9.3: method, path, body, content type and decoded result."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from convictional_stub import StubApi, json_reply, raw_reply

from convictional_async import (
    BuyerOrder,
    BuyerVariant,
    ConvictionalClient,
    CurrentUser,
    Document,
    DocumentContent,
    FulfillmentLine,
    Invoice,
    Order,
    OrderFulfillment,
    OrderLineItem,
    Partner,
    PartnerUpdate,
    PatchProduct,
    PatchVariant,
    Price,
    PriceCreate,
    PriceUpdate,
    PriceUpdateItem,
    Product,
    ProductCreate,
    Refund,
    RefundItem,
    RolledApiKey,
    SellerOrderRefund,
    Tax,
    UploadDocument,
    UserName,
    ValidationError,
    Variant,
    VariantCreate,
    Webhook,
    WebhookSecret,
)

KEY = "seller-key-0123456789"
Call = Callable[[ConvictionalClient], Awaitable[Any]]


@pytest.fixture
async def stub() -> AsyncIterator[StubApi]:
    async with StubApi() as server:
        yield server


async def collect(iterator: AsyncIterator[Any]) -> list[Any]:
    return [item async for item in iterator]


ORDER = {"_id": "o1", "buyerOrderCode": "PO-1", "items": [{"_id": "i1", "quantity": 2}]}
PRODUCT = {"id": "p1", "code": "C-1", "title": "Tee", "variants": [{"_id": "v1", "sku": "S"}]}
PRICE = {"_id": "pr1", "listName": "Wholesale", "list": [{"sku": "S", "price": 9.5}]}
PARTNER = {"_id": "pa1", "sellerName": "Acme"}
STATUS = {"data": {"status": "ok"}}
SECRET = WebhookSecret(secret="whsec-abc", expires_date=datetime(2030, 1, 1, tzinfo=UTC))

# (id, call, method, path, stub reply, expected JSON body or None, check on the result)
ENDPOINTS: list[tuple[str, Call, str, str, Any, Any, Callable[[Any], bool]]] = [
    # Buyer API (9.3)
    (
        "buyer.products.get",
        lambda c: c.buyer.products.get("p1"),
        "GET",
        "/buyer/products/p1",
        {"data": {"id": "p1"}, "error": []},
        None,
        lambda r: r.id == "p1",
    ),
    (
        "buyer.products.list_variants",
        lambda c: c.buyer.products.list_variants("p1"),
        "GET",
        "/buyer/products/p1/variants",
        {"data": [{"id": "v1", "inventoryAmount": 3, "basePrice": 8.25}]},
        None,
        lambda r: r == (BuyerVariant(id="v1", inventory_quantity=3, base_price=Decimal("8.25")),),
    ),
    (
        "buyer.orders.get",
        lambda c: c.buyer.orders.get("o1"),
        "GET",
        "/buyer/orders/o1",
        {"data": {"id": "o1", "buyerReference": "PO-1"}},
        None,
        lambda r: isinstance(r, BuyerOrder) and r.buyer_reference == "PO-1",
    ),
    (
        "buyer.orders.cancel",
        lambda c: c.buyer.orders.cancel("o1", reason="customer changed mind"),
        "POST",
        "/buyer/orders/o1/cancel",
        {"data": {"id": "o1"}, "error": []},
        {"reason": "customer changed mind"},
        lambda r: isinstance(r, BuyerOrder) and r.id == "o1",
    ),
    (
        "buyer.orders.cancel-empty-reply",
        lambda c: c.buyer.orders.cancel("o1"),
        "POST",
        "/buyer/orders/o1/cancel",
        {"error": []},
        {},
        lambda r: r is None,
    ),
    (
        "buyer.orders.cancel_item",
        lambda c: c.buyer.orders.cancel_item("o1", "so1", "i1", new_quantity=1),
        "POST",
        "/buyer/orders/o1/seller-orders/so1/items/i1/cancel",
        {"data": {"id": "o1"}},
        {"newQuantity": 1},
        lambda r: r.id == "o1",
    ),
    (
        "buyer.orders.refund",
        lambda c: c.buyer.orders.refund(
            "o1", "so1", items=[RefundItem(item_id="i1", quantity_to_refund=1)]
        ),
        "POST",
        "/buyer/orders/o1/seller-orders/so1/refunds",
        {"data": {"_id": "r1", "items": [{"ItemId": "i1", "QuantityToRefund": 1}]}},
        {"items": [{"ItemId": "i1", "QuantityToRefund": 1}]},
        lambda r: isinstance(r, Refund) and r.items[0].item_id == "i1",
    ),
    # Seller API (9.1)
    (
        "seller.products.get",
        lambda c: c.seller.products.get("p1"),
        "GET",
        "/products/p1",
        {"data": PRODUCT},
        None,
        lambda r: isinstance(r, Product) and r.variants[0].id == "v1",
    ),
    (
        "seller.products.create",
        lambda c: c.seller.products.create(
            ProductCreate(code="C-1", title="Tee", variants=(VariantCreate(sku="S"),))
        ),
        "POST",
        "/products",
        PRODUCT,
        {"code": "C-1", "title": "Tee", "variants": [{"sku": "S"}]},
        lambda r: r.id == "p1",
    ),
    (
        "seller.products.update",
        lambda c: c.seller.products.update(
            "p1", PatchProduct(title="New", variants=(PatchVariant(id="v1", sku="S2"),))
        ),
        "PATCH",
        "/products/p1",
        PRODUCT,
        {"title": "New", "variants": [{"_id": "v1", "sku": "S2"}]},
        lambda r: r.id == "p1",
    ),
    (
        "seller.products.delete",
        lambda c: c.seller.products.delete("p1"),
        "DELETE",
        "/products/p1",
        {"deleted": "p1"},
        None,
        lambda r: r == "p1",
    ),
    (
        "seller.products.delete_image",
        lambda c: c.seller.products.delete_image("p1", "img1"),
        "DELETE",
        "/products/p1/images/img1",
        {},
        None,
        lambda r: r is None,
    ),
    (
        "seller.products.update_variant",
        lambda c: c.seller.products.update_variant(
            "p1", "v1", inventory_quantity=0, retail_price=Decimal("19.99")
        ),
        "PATCH",
        "/products/p1/variants/v1",
        {"_id": "v1", "inventoryQuantity": 0},
        {"inventoryQuantity": 0, "retailPrice": 19.99},
        lambda r: isinstance(r, Variant) and r.inventory_quantity == 0,
    ),
    (
        "seller.orders.get",
        lambda c: c.seller.orders.get("o1"),
        "GET",
        "/orders/o1",
        ORDER,
        None,
        lambda r: isinstance(r, Order) and r.buyer_order_code == "PO-1",
    ),
    (
        "seller.orders.update",
        lambda c: c.seller.orders.update("o1", billed=True, note="paid by wire"),
        "PATCH",
        "/orders/o1",
        ORDER,
        {"billed": True, "note": "paid by wire"},
        lambda r: r.id == "o1",
    ),
    (
        "seller.orders.cancel",
        lambda c: c.seller.orders.cancel("o1", reason="out of stock", unfulfilled_only=True),
        "POST",
        "/orders/o1/cancel",
        ORDER,
        {"reason": "out of stock", "unfulfilledOnly": True},
        lambda r: r.id == "o1",
    ),
    (
        "seller.orders.cancel_item",
        lambda c: c.seller.orders.cancel_item("o1", "i1", reason="damaged"),
        "POST",
        "/orders/o1/items/i1/cancel",
        {"_id": "i1", "cancelled": True, "cancelledBy": "seller"},
        {"reason": "damaged"},
        lambda r: isinstance(r, OrderLineItem) and r.cancelled,
    ),
    (
        "seller.orders.create_fulfillment",
        lambda c: c.seller.orders.create_fulfillment(
            "o1",
            OrderFulfillment(
                items=(FulfillmentLine(id="i1", quantity=2),), carrier="UPS", tracking_code="1Z"
            ),
        ),
        "POST",
        "/orders/o1/fulfillments",
        {"id": "f1"},
        {"items": [{"id": "i1", "quantity": 2}], "carrier": "UPS", "trackingCode": "1Z"},
        lambda r: r == "f1",
    ),
    (
        "seller.orders.create_invoice",
        lambda c: c.seller.orders.create_invoice(
            "o1", taxes=[Tax(amount=Decimal("1.30"), type="GS")]
        ),
        "POST",
        "/orders/o1/invoices",
        {"data": {"_id": "inv1", "amountPaid": 0}, "error": []},
        {"taxes": [{"amount": 1.30, "type": "GS"}]},
        lambda r: isinstance(r, Invoice) and r.id == "inv1",
    ),
    (
        "seller.orders.refund",
        lambda c: c.seller.orders.refund(
            "o1",
            SellerOrderRefund(
                items=(RefundItem(item_id="i1", quantity_to_refund=1, reason="torn"),),
                cancel_unfulfilled=True,
            ),
        ),
        "POST",
        "/orders/o1/refund",
        {"_id": "r1", "cancelUnfulfilled": True, "items": [{"ItemId": "i1"}]},
        {
            "items": [{"ItemId": "i1", "QuantityToRefund": 1, "Reason": "torn"}],
            "cancelUnfulfilled": True,
        },
        lambda r: isinstance(r, Refund) and r.id == "r1",
    ),
    (
        "seller.prices.get",
        lambda c: c.seller.prices.get("pr1"),
        "GET",
        "/prices/pr1",
        PRICE,
        None,
        lambda r: isinstance(r, Price) and r.items[0].price == Decimal("9.5"),
    ),
    (
        "seller.prices.create",
        lambda c: c.seller.prices.create(PriceCreate(list_name="Wholesale", markup=Decimal(10))),
        "POST",
        "/prices",
        PRICE,
        {"listName": "Wholesale", "markup": 10},
        lambda r: r.id == "pr1",
    ),
    (
        "seller.prices.update",
        lambda c: c.seller.prices.update(
            "pr1", PriceUpdate(items=(PriceUpdateItem(sku="S", price=Decimal("9.50")),))
        ),
        "PUT",
        "/prices/pr1",
        PRICE,
        {"list": [{"sku": "S", "price": 9.50}]},
        lambda r: r.list_name == "Wholesale",
    ),
    (
        "seller.prices.delete",
        lambda c: c.seller.prices.delete("pr1"),
        "DELETE",
        "/prices/pr1",
        {"deleted": "pr1"},
        None,
        lambda r: r == "pr1",
    ),
    # Shared API (9.2)
    (
        "shared.me",
        lambda c: c.shared.me(),
        "GET",
        "/auth/me",
        {"user": {"_id": "u1"}, "company": {"_id": "c1", "commerceType": "seller"}},
        None,
        lambda r: isinstance(r, CurrentUser) and r.company.commerce_type == "seller",
    ),
    (
        "shared.users.update",
        lambda c: c.shared.users.update("u1", first_name="Kevin"),
        "PATCH",
        "/users/u1",
        {"firstName": "Kevin", "lastName": "M"},
        {"firstName": "Kevin"},
        lambda r: r == UserName(first_name="Kevin", last_name="M"),
    ),
    (
        "shared.users.roll_key",
        lambda c: c.shared.users.roll_key("u1"),
        "POST",
        "/users/u1/roll",
        {"apiKey": "new-key-123"},
        None,
        lambda r: r == "new-key-123",
    ),
    (
        "shared.users.invite",
        lambda c: c.shared.users.invite(email="jane@example.com", first_name="Jane"),
        "POST",
        "/onboarding/user/invite",
        {},
        {"user": {"email": "jane@example.com", "firstName": "Jane"}},
        lambda r: r is None,
    ),
    (
        "shared.partners.create",
        lambda c: c.shared.partners.create(email="buyer@example.com", pricing_id="pr1"),
        "POST",
        "/partners",
        PARTNER,
        {"email": "buyer@example.com", "pricingId": "pr1"},
        lambda r: isinstance(r, Partner) and r.seller_name == "Acme",
    ),
    (
        "shared.partners.update",
        lambda c: c.shared.partners.update("pa1", PartnerUpdate(billing=True)),
        "PATCH",
        "/partners/pa1",
        PARTNER,
        {"billing": True},
        lambda r: r.id == "pa1",
    ),
    (
        "shared.documents.get",
        lambda c: c.shared.documents.get("d1"),
        "GET",
        "/documents/d1",
        {"bytes": base64.b64encode(b"%PDF").decode(), "fileName": "a.pdf"},
        None,
        lambda r: isinstance(r, DocumentContent) and r.content == b"%PDF",
    ),
    (
        "shared.documents.upload",
        lambda c: c.shared.documents.upload(
            UploadDocument(file_name="a.txt", file_type="text/plain", content=b"hi")
        ),
        "POST",
        "/documents",
        {"_id": "d1", "fileName": "a.txt"},
        {"fileName": "a.txt", "fileType": "text/plain", "bytes": "aGk="},
        lambda r: isinstance(r, Document) and r.id == "d1",
    ),
    (
        "shared.sftp.create",
        lambda c: c.shared.sftp.create(username="acme", password="pw-1"),
        "POST",
        "/sftp",
        STATUS,
        {"username": "acme", "password": "pw-1"},
        lambda r: r == "ok",
    ),
    (
        "shared.sftp.change_password",
        lambda c: c.shared.sftp.change_password("acme", password="pw-2"),
        "PATCH",
        "/sftp/acme",
        STATUS,
        {"password": "pw-2"},
        lambda r: r == "ok",
    ),
    (
        "shared.sftp.delete",
        lambda c: c.shared.sftp.delete("acme"),
        "DELETE",
        "/sftp/acme",
        STATUS,
        None,
        lambda r: r == "ok",
    ),
    (
        "shared.webhooks.create",
        lambda c: c.shared.webhooks.create(
            target_url="https://example.com/hook", topics=["order.cancelled"], secrets=[SECRET]
        ),
        "POST",
        "/webhooks",
        {"id": "w1", "active": False, "topics": ["order.cancelled"]},
        {
            "targetUrl": "https://example.com/hook",
            "topics": ["order.cancelled"],
            "secrets": [{"secret": "whsec-abc", "expiresDate": "2030-01-01T00:00:00+00:00"}],
        },
        lambda r: isinstance(r, Webhook) and r.active is False,
    ),
    (
        "shared.webhooks.update",
        lambda c: c.shared.webhooks.update("w1", active=True),
        "PATCH",
        "/webhooks/w1",
        {"data": {"id": "w1", "active": True}},
        {"active": True},
        lambda r: r.active is True,
    ),
]


@pytest.mark.parametrize(
    ("call", "method", "path", "reply", "body", "check"),
    [pytest.param(*row[1:], id=row[0]) for row in ENDPOINTS],
)
async def test_each_endpoint_sends_what_the_reference_says(
    stub, call, method, path, reply, body, check
):
    stub.route(method, path, json_reply(reply))
    async with ConvictionalClient(KEY, base_url=stub.url, rate_limit=None) as client:
        result = await call(client)
    assert check(result), result
    (seen,) = stub.seen
    assert (seen.method, seen.path) == (method, path)
    if body is None:
        assert seen.body == b""
    else:
        assert seen.headers["Content-Type"] == "application/json"
        assert seen.json() == body


@pytest.mark.parametrize("reply", [PRODUCT, {"data": PRODUCT}, [PRODUCT], {"data": [PRODUCT]}])
async def test_a_product_can_be_created_from_csv(stub, reply):
    stub.route("POST", "/products", json_reply(reply))
    async with ConvictionalClient(KEY, base_url=stub.url, rate_limit=None) as client:
        (product,) = await client.seller.products.create_from_csv("code,title\nC-1,Tee\n")
    assert product.id == "p1"
    (seen,) = stub.seen
    assert seen.headers["Content-Type"] == "text/csv"
    assert seen.body == b"code,title\nC-1,Tee\n"


async def test_a_price_list_is_uploaded_as_multipart_form_data(stub):
    stub.route("POST", "/prices/upload", json_reply({"_id": "pr9"}))
    async with ConvictionalClient(KEY, base_url=stub.url, rate_limit=None) as client:
        price_id = await client.seller.prices.upload("Wholesale", b"sku,price\nS,9.50\n")
    assert price_id == "pr9"
    (seen,) = stub.seen
    content_type = seen.headers["Content-Type"]
    assert content_type.startswith("multipart/form-data; boundary=")
    boundary = content_type.split("boundary=")[1]
    assert seen.body.startswith(f"--{boundary}\r\n".encode())
    assert b'name="name"\r\n\r\nWholesale\r\n' in seen.body
    assert b'name="file"; filename="prices.csv"\r\nContent-Type: text/csv' in seen.body
    assert b"sku,price\nS,9.50\n" in seen.body
    assert seen.body.endswith(f"--{boundary}--\r\n".encode())


async def test_the_price_template_is_csv_text(stub):
    stub.route("GET", "/templates/price", raw_reply(b"sku,price\n", 200, "text/csv"))
    async with ConvictionalClient(KEY, base_url=stub.url, rate_limit=None) as client:
        assert await client.seller.prices.template() == "sku,price\n"


async def test_an_sftp_password_never_shows_in_an_error(stub):
    stub.route("POST", "/sftp", json_reply({"errors": {"password": ["pw-secret-9 is weak"]}}, 422))
    async with ConvictionalClient(KEY, base_url=stub.url, rate_limit=None) as client:
        with pytest.raises(ValidationError) as caught:
            await client.shared.sftp.create(username="acme", password="pw-secret-9")
    error = caught.value
    assert "pw-secret-9" not in str(error)
    assert "pw-secret-9" not in error.body
    assert error.errors == {"password": ["[REDACTED] is weak"]}


async def test_a_webhook_secret_never_shows_in_an_error_or_a_repr(stub):
    stub.route("POST", "/webhooks", raw_reply(b"bad secret whsec-abc", 400))
    async with ConvictionalClient(KEY, base_url=stub.url, rate_limit=None) as client:
        with pytest.raises(ValidationError) as caught:
            await client.shared.webhooks.create(
                target_url="https://example.com/hook", topics=["order.cancelled"], secrets=[SECRET]
            )
    assert "whsec-abc" not in str(caught.value) + caught.value.body
    assert "whsec-abc" not in repr(SECRET)
    assert "whsec-abc" not in repr(Webhook(secrets=({"secret": "whsec-abc"},)))


def test_a_rolled_key_stays_out_of_reprs():
    assert "new-key" not in repr(RolledApiKey(api_key="new-key"))
