"""Invalid input raises ValueError before any traffic: ids in paths, bodies, bounds."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from convictional_stub import StubApi

from convictional_async import (
    ConvictionalClient,
    PatchProduct,
    SellerOrderRefund,
    UploadDocument,
    VariantImage,
    WebhookSecret,
)
from convictional_async._resources_common import check_id, multipart

BAD_IDS = [
    "",
    "a/b",
    "a?b",
    "a#b",
    "a b",
    "a\tb",
    "a\nb",
    "a\x00b",
    "a\x7fb",
    "a\u2028b",
    "a%2Fb",
    "a\\b",
    ".",
    "..",
    "x" * 257,
    None,
    12,
]


@pytest.fixture
async def stub() -> AsyncIterator[StubApi]:
    async with StubApi() as server:
        yield server


@pytest.fixture
async def client(stub) -> AsyncIterator[ConvictionalClient]:
    async with ConvictionalClient("key-0123456789", base_url=stub.url, rate_limit=None) as c:
        yield c


CALLS_WITH_AN_ID = [
    lambda c, i: c.buyer.products.get(i),
    lambda c, i: c.buyer.products.list_variants(i),
    lambda c, i: c.buyer.orders.get(i),
    lambda c, i: c.buyer.orders.cancel(i),
    lambda c, i: c.buyer.orders.cancel_item("o1", i, "i1"),
    lambda c, i: c.seller.products.get(i),
    lambda c, i: c.seller.products.delete(i),
    lambda c, i: c.seller.products.delete_image("p1", i),
    lambda c, i: c.seller.products.update_variant(i, "v1", inventory_quantity=1),
    lambda c, i: c.seller.products.update(i, PatchProduct(title="t")),
    lambda c, i: c.seller.orders.get(i),
    lambda c, i: c.seller.orders.cancel_item("o1", i),
    lambda c, i: c.seller.prices.delete(i),
    lambda c, i: c.shared.users.roll_key(i),
    lambda c, i: c.shared.documents.get(i),
    lambda c, i: c.shared.sftp.delete(i),
    lambda c, i: c.shared.webhooks.update(i, active=True),
]


@pytest.mark.parametrize("bad", BAD_IDS, ids=repr)
async def test_an_id_that_could_change_the_path_is_refused_before_any_traffic(stub, client, bad):
    for call in CALLS_WITH_AN_ID:
        with pytest.raises(ValueError, match="must"):
            await call(client, bad)
    assert stub.seen == []


@pytest.mark.parametrize(
    "good", ["5aa180d29ad9340010459936", "18682ba6-3c6e-4d98-9d34-6e142bea4695", "a.b", "..."]
)
def test_ordinary_ids_are_accepted(good):
    assert check_id("id", good) == good


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda c: c.seller.products.update_variant("p", "v", inventory_quantity=-1), "inventory"),
        (
            lambda c: c.seller.products.update_variant("p", "v", inventory_quantity=True),
            "inventory",
        ),
        (lambda c: c.seller.products.update_variant("p", "v"), "at least one change"),
        (lambda c: c.seller.products.update_variant("p", "v", retail_price=1.5), "retail_price"),
        (lambda c: c.seller.products.update_variant("p", "v", images=[VariantImage()]), "images"),
        (lambda c: c.seller.products.update("p", {"title": "t"}), "PatchProduct"),
        (lambda c: c.seller.products.create({"code": "c"}), "ProductCreate"),
        (lambda c: c.seller.products.create_from_csv(""), "csv"),
        (lambda c: c.seller.orders.cancel_item("o", "i", new_quantity=-1), "new_quantity"),
        (lambda c: c.seller.orders.create_fulfillment("o", None), "OrderFulfillment"),
        (lambda c: c.seller.orders.create_invoice("o", taxes=[]), "taxes"),
        (lambda c: c.seller.orders.create_invoice("o", taxes="GS"), "taxes"),
        (lambda c: c.seller.orders.refund("o", None), "SellerOrderRefund"),
        (lambda c: c.seller.orders.update("o", billed="yes"), "billed"),
        (lambda c: c.seller.prices.create(None), "PriceCreate"),
        (lambda c: c.seller.prices.update("p", None), "PriceUpdate"),
        (lambda c: c.seller.prices.upload("", "a,b"), "name"),
        (lambda c: c.seller.prices.upload("n", b""), "csv"),
        (lambda c: c.seller.prices.upload("n", "a,b", file_name='x".csv'), "file_name"),
        (lambda c: c.buyer.orders.refund("o", "s", items=[]), "items"),
        (lambda c: c.buyer.orders.cancel_item("o", "s", "i", new_quantity=-2), "new_quantity"),
        (lambda c: c.shared.users.invite(email=""), "email"),
        (lambda c: c.shared.partners.create(email=""), "email"),
        (lambda c: c.shared.partners.update("p", None), "PartnerUpdate"),
        (lambda c: c.shared.documents.upload(None), "UploadDocument"),
        (lambda c: c.shared.sftp.create(username="u", password=""), "password"),
        (lambda c: c.shared.sftp.change_password("u", password=""), "password"),
        (
            lambda c: c.shared.webhooks.create(target_url="https://x", topics=[], secrets=[]),
            "topics",
        ),
        (
            lambda c: c.shared.webhooks.create(
                target_url="https://x",
                topics=["a.b"],
                secrets=[WebhookSecret(secret="s" * 9)],
                limiter_rate=1,
                limiter_burst=2,
            ),
            "limiter_burst",
        ),
        (lambda c: c.shared.webhooks.update("w", topics="a.b"), "topics"),
    ],
)
async def test_bad_input_is_refused_before_any_traffic(stub, client, call, message):
    with pytest.raises(ValueError, match=message):
        await call(client)
    assert stub.seen == []


def test_models_refuse_bad_values_on_construction():
    with pytest.raises(ValueError, match="content"):
        UploadDocument(file_name="a", file_type="t", content=b"")
    with pytest.raises(ValueError, match="items"):
        SellerOrderRefund(items=())
    with pytest.raises(ValueError, match="expires_date"):
        WebhookSecret(secret="s", expires_date="2030-01-01")


def test_a_multipart_body_never_contains_its_boundary_early():
    body, content_type = multipart({"name": "n"}, file_name="f.csv", content=b"x,y\n1,2\n")
    boundary = content_type.split("boundary=")[1].encode()
    assert body.count(boundary) == 3  # name part, file part, closing
