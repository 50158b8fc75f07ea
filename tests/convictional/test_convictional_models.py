"""Convictional models: every §10 schema decodes the reference's examples and renamed fields,
and every request model validates its input and encodes only what was given."""

from __future__ import annotations

import ast
import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import attrs
import pytest

from convictional_async import _converter as wire
from convictional_async._models_buyer_orders import (
    BuyerFulfillment,
    BuyerFulfillmentItem,
    BuyerOrder,
    BuyerOrderCancellation,
    BuyerOrderCreate,
    BuyerOrderItem,
    BuyerOrderLine,
    SellerOrder,
    SellerOrderItem,
)
from convictional_async._models_buyer_products import (
    BuyerImage,
    BuyerProduct,
    BuyerVariant,
    VariantOption,
)
from convictional_async._models_orders import (
    Fulfillment,
    FulfillmentItem,
    FulfillmentLine,
    Invoice,
    InvoiceItem,
    Order,
    OrderCancellation,
    OrderFulfillment,
    OrderItem,
    OrderItemCancellation,
    OrderUpdate,
    RefundItem,
    SellerOrderInvoiceTax,
    SellerOrderRefund,
    Tax,
)
from convictional_async._models_prices import (
    Price,
    PriceCreate,
    PriceListItem,
    PriceUpdate,
    PriceUpdateItem,
)
from convictional_async._models_products import (
    PatchImage,
    PatchOption,
    PatchProduct,
    PatchVariant,
    Product,
    ProductCreate,
    ProductImage,
    ProductOption,
    Variant,
    VariantCreate,
    VariantImage,
)
from convictional_async._models_shared import (
    Address,
    Company,
    CompanyViewer,
    CreatedId,
    CurrentUser,
    Deleted,
    Dimensions,
    Document,
    DocumentContent,
    GettingStarted,
    GoogleProductCategory,
    OnboardingStep,
    Partner,
    PartnerCreate,
    PartnerUpdate,
    PartnerViewAccess,
    UploadDocument,
    User,
)
from convictional_async.core import Response
from convictional_async.core._serialization import UNSET

# The §11.1 response, verbatim from the reference.
BUYER_ORDER = """{
  "id": "5f4e2b1c9ad9340010451234",
  "buyerReference": "MyReferenceNumber",
  "customerReference": "",
  "orderedDate": "2020-02-22T10:00:00.000Z",
  "created": "2020-02-22T10:00:01.000Z",
  "updated": "2020-02-22T10:00:01.000Z",
  "address": { "name": "Kevin McCallister", "addressOne": "671 Lincoln Avenue", "addressTwo": "",
               "city": "Winnetka", "state": "IL", "country": "US", "zip": "60093", "company": "",
               "phoneNumber": "" },
  "customerEmail": "",
  "note": "Please ship this extra fast",
  "isTest": false,
  "quoteId": "",
  "metafields": {},
  "attributes": {},
  "items": [
    { "id": "5f4e2b1c9ad9340010451235", "productId": "5aa180d29ad9340010459936",
      "variantId": "1d61779c1ed12a5bbf13e4638271ac68", "buyerReference": "InternalVariantID",
      "sellerOrderId": "5f4e2b1c9ad9340010451236",
      "sellerOrderItemId": "5f4e2b1c9ad9340010451237", "quantity": 4, "retailPrice": 107,
      "buyerVariantCode": "" }
  ],
  "itemsNotAccepted": [],
  "fulfillments": [],
  "sellerOrders": [
    { "id": "5f4e2b1c9ad9340010451236", "buyerOrderId": "5f4e2b1c9ad9340010451234",
      "buyerReference": "MyReferenceNumber", "sellerReference": "", "customerReference": "",
      "companyId": "5ede5c2d228b3c00016443a4", "baseCurrency": "USD", "packingSlipUrl": "",
      "invoiceId": "", "posted": false, "postedDate": null, "fulfilled": false,
      "fulfilledDate": null, "invoiced": false, "invoicedDate": null, "refunded": false,
      "refundedDate": null, "created": "2020-02-22T10:00:01.000Z",
      "updated": "2020-02-22T10:00:01.000Z",
      "address": { "name": "Kevin McCallister", "addressOne": "671 Lincoln Avenue",
                   "city": "Winnetka", "state": "IL", "country": "US", "zip": "60093" },
      "hasCancellations": false, "isTest": false, "attributes": {}, "flagged": false,
      "items": [ { "id": "5f4e2b1c9ad9340010451237",
                   "variantId": "1d61779c1ed12a5bbf13e4638271ac68",
                   "buyerReference": "InternalVariantID", "quantity": 4, "basePrice": 86,
                   "retailPrice": 107, "cancelled": false, "cancelledReason": "",
                   "cancelledBy": "", "cancelledDate": null } ],
      "fulfillments": [] }
  ]
}"""

# The §11.2 product list envelope, verbatim.
BUYER_PRODUCTS = """{
  "data": [
    {
      "id": "5aa180d29ad9340010459936",
      "companyId": "5ede5c2d228b3c00016443a4",
      "title": "Test Product - Wholesaler",
      "brand": "Vendor",
      "description": "Description!",
      "sellerReference": "366034747431",
      "variants": [
        {
          "id": "5deae112d30a4f00191d758f", "sku": "134209871234", "title": "Default Title",
          "inventoryAmount": 16, "retailPrice": 107, "retailCurrency": "", "basePrice": 86,
          "baseCurrency": "USD", "barcode": "134209871234", "barcodeType": "",
          "options": [ { "name": "Title", "value": "Default Title" } ],
          "skipCount": false, "weight": 0.1, "weightUnits": "kg",
          "dimensions": { "length": 0, "width": 0, "height": 0, "units": "" }, "attributes": {}
        }
      ],
      "tags": ["Dropshipped, Tag", "Dropshipped", "Tag"],
      "images": [ { "id": "5deae112d30a4f00191d758e",
                    "source": "https://cdn.shopify.com/s/files/1/2525/0350/products/box.png" } ],
      "optionNames": ["Title"],
      "googleProductCategory": { "name": "", "code": 0 },
      "attributes": {},
      "created": "2018-03-08T18:28:34.566Z",
      "updated": "2021-11-01T21:13:38.148Z"
    }
  ],
  "hasMore": true,
  "next": "https://api.convictional.com/buyer/products?page=1&limit=25",
  "previous": "",
  "error": []
}"""

# The §11.3 Seller product list (post-Aug-2022 names), verbatim.
SELLER_PRODUCTS = """{
  "data": [
    {
      "id": "61610c4ee0d92553a43bc13e",
      "code": "TSHIRT-001",
      "title": "T-shirt",
      "active": true,
      "vendor": "Acme",
      "tags": ["summer"],
      "variants": [ { "_id": "618d3b3e3994235378fb3360", "sku": "TSHIRT-001-M", "title": "M",
                      "inventoryQuantity": 12, "barcode": "", "barcodeType": "upc",
                      "option1": "M" } ],
      "images": [],
      "createdAt": "2021-10-09T03:27:10.000Z",
      "updatedAt": "2022-08-04T10:00:00.000Z"
    }
  ]
}"""

# The same product as the v2021 API sent it: a bare array, `_id`, `created`/`updated`,
# `inventory_quantity` and the legacy numeric variant `id`.
SELLER_PRODUCTS_2021 = """[
  {
    "_id": "61610c4ee0d92553a43bc13e", "code": "TSHIRT-001", "title": "T-shirt",
    "active": true, "vendor": "Acme", "tags": ["summer"],
    "variants": [ { "_id": "618d3b3e3994235378fb3360", "id": 31234, "sku": "TSHIRT-001-M",
                    "title": "M", "inventory_quantity": 12, "barcode": "",
                    "barcodeType": "upc", "option1": "M" } ],
    "images": [],
    "created": "2021-10-09T03:27:10.000Z",
    "updated": "2022-08-04T10:00:00.000Z"
  }
]"""

T0 = datetime(2020, 2, 22, 10, tzinfo=UTC)
ADDRESS = Address(
    name="Kevin McCallister",
    address_one="671 Lincoln Avenue",
    city="Winnetka",
    state="IL",
    country="US",
    zip="60093",
)


def response(body: str | bytes) -> Response:
    data = body.encode() if isinstance(body, str) else body
    return Response(200, {"X-Request-ID": "rid-1"}, data, "GET", "https://api.convictional.com/x")


def decode(cls, document):
    return wire.decode(response(json.dumps(document)), cls)


def sent(model) -> dict:
    return json.loads(wire.encode(model))


# --- §11 examples --------------------------------------------------------------------------


def test_the_buyer_order_example_decodes_exactly():
    order = wire.decode(response(BUYER_ORDER), BuyerOrder)
    assert order.id == "5f4e2b1c9ad9340010451234"
    assert order.ordered_date == T0
    assert order.created_at == datetime(2020, 2, 22, 10, 0, 1, tzinfo=UTC)
    assert order.address == attrs.evolve(ADDRESS, address_two="", company="", phone_number="")
    assert order.items[0] == BuyerOrderItem(
        id="5f4e2b1c9ad9340010451235",
        product_id="5aa180d29ad9340010459936",
        variant_id="1d61779c1ed12a5bbf13e4638271ac68",
        buyer_reference="InternalVariantID",
        seller_order_id="5f4e2b1c9ad9340010451236",
        seller_order_item_id="5f4e2b1c9ad9340010451237",
        quantity=4,
        retail_price=Decimal(107),
        buyer_variant_code="",
    )
    seller_order = order.seller_orders[0]
    assert (seller_order.posted, seller_order.posted_date, seller_order.fulfilled) == (
        False,
        None,
        False,
    )
    assert seller_order.address == ADDRESS
    line = seller_order.items[0]
    assert (line.base_price, line.retail_price, line.cancelled_date) == (
        Decimal(86),
        Decimal(107),
        None,
    )
    assert isinstance(line.base_price, Decimal)
    assert (order.extra, seller_order.extra, line.extra) == ({}, {}, {})


def test_the_buyer_order_create_example_is_what_we_send():
    body = BuyerOrderCreate(
        address=ADDRESS,
        items=(
            BuyerOrderLine(
                variant_id="1d61779c1ed12a5bbf13e4638271ac68",
                buyer_reference="InternalVariantID",
                quantity=4,
            ),
        ),
        buyer_reference="MyReferenceNumber",
        ordered_date=T0,
        created=T0,
        note="Please ship this extra fast",
    )
    assert sent(body) == {
        "address": {
            "addressOne": "671 Lincoln Avenue",
            "name": "Kevin McCallister",
            "city": "Winnetka",
            "state": "IL",
            "country": "US",
            "zip": "60093",
        },
        "items": [
            {
                "variantId": "1d61779c1ed12a5bbf13e4638271ac68",
                "buyerReference": "InternalVariantID",
                "quantity": 4,
            }
        ],
        "buyerReference": "MyReferenceNumber",
        "orderedDate": "2020-02-22T10:00:00+00:00",
        "created": "2020-02-22T10:00:00+00:00",
        "note": "Please ship this extra fast",
    }


def test_the_buyer_product_page_example_decodes_exactly():
    page = wire.decode_page(response(BUYER_PRODUCTS), BuyerProduct)
    assert (page.has_more, page.next_url) == (
        True,
        "https://api.convictional.com/buyer/products?page=1&limit=25",
    )
    (product,) = page.items
    assert product.brand == "Vendor"
    assert product.tags == ("Dropshipped, Tag", "Dropshipped", "Tag")
    assert product.images == (
        BuyerImage(
            id="5deae112d30a4f00191d758e",
            source="https://cdn.shopify.com/s/files/1/2525/0350/products/box.png",
        ),
    )
    assert product.google_product_category == GoogleProductCategory(name="", code=0)
    assert product.created_at == datetime(2018, 3, 8, 18, 28, 34, 566000, tzinfo=UTC)
    (variant,) = product.variants
    assert variant.inventory_quantity == 16
    assert (variant.retail_price, variant.base_price, variant.weight) == (
        Decimal(107),
        Decimal(86),
        Decimal("0.1"),
    )
    assert variant.options == (VariantOption(name="Title", value="Default Title"),)
    assert variant.dimensions == Dimensions(
        length=Decimal(0), width=Decimal(0), height=Decimal(0), units=""
    )
    assert (product.extra, variant.extra) == ({}, {})


@pytest.mark.parametrize("body", [SELLER_PRODUCTS, SELLER_PRODUCTS_2021], ids=["2022", "2021"])
def test_the_seller_product_examples_decode_to_the_same_values(body):
    (product,) = wire.decode_list(response(body), Product)
    assert product.id == "61610c4ee0d92553a43bc13e"
    assert product.created_at == datetime(2021, 10, 9, 3, 27, 10, tzinfo=UTC)
    assert product.updated_at == datetime(2022, 8, 4, 10, tzinfo=UTC)
    (variant,) = product.variants
    assert (variant.id, variant.sku, variant.inventory_quantity) == (
        "618d3b3e3994235378fb3360",
        "TSHIRT-001-M",
        12,
    )
    assert product.extra == {}
    assert variant.extra == {}


def test_the_legacy_numeric_variant_id_is_kept_apart():
    (product,) = wire.decode_list(response(SELLER_PRODUCTS_2021), Product)
    assert product.variants[0].legacy_id == 31234


def test_the_fulfillment_example_is_what_we_send_and_its_answer_decodes():
    body = OrderFulfillment(
        carrier="UPS",
        tracking_code="1Z999AA10123456784",
        tracking_urls=("https://www.ups.com/track?tracknum=1Z999AA10123456784",),
        items=(FulfillmentLine(id="5f4e2b1c9ad9340010451237", quantity=4),),
    )
    assert sent(body) == {
        "carrier": "UPS",
        "trackingCode": "1Z999AA10123456784",
        "trackingUrls": ["https://www.ups.com/track?tracknum=1Z999AA10123456784"],
        "items": [{"id": "5f4e2b1c9ad9340010451237", "quantity": 4}],
    }
    assert decode(CreatedId, {"id": "f-1"}) == CreatedId(id="f-1")


# --- renamed fields ----------------------------------------------------------------------


@pytest.mark.parametrize("spelling", ["inventory_quantity", "inventoryQuantity", "inventoryAmount"])
def test_every_inventory_spelling_decodes(spelling):
    assert decode(Variant, {"_id": "v1", spelling: 7}).inventory_quantity == 7
    assert decode(BuyerVariant, {"id": "v1", spelling: 7}).inventory_quantity == 7


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ({"_id": "v1", "id": 77}, ("v1", 77)),
        ({"id": "v1"}, ("v1", None)),
        ({"_id": "v1"}, ("v1", None)),
    ],
)
def test_a_seller_variant_id_may_be_id_or_underscore_id(document, expected):
    variant = decode(Variant, document)
    assert (variant.id, variant.legacy_id) == expected


@pytest.mark.parametrize("cls", [BuyerProduct, BuyerVariant, BuyerOrder, SellerOrder, Product])
@pytest.mark.parametrize("spelling", ["id", "_id"])
def test_ids_decode_from_id_or_underscore_id(cls, spelling):
    assert decode(cls, {spelling: "x1"}).id == "x1"


@pytest.mark.parametrize(
    "cls",
    [Order, OrderItem, Invoice, Price, User, Company, Partner, Document, ProductImage],
)
@pytest.mark.parametrize("spelling", ["id", "_id"])
def test_v2021_ids_decode_from_either_spelling(cls, spelling):
    assert decode(cls, {spelling: "x1"}).id == "x1"


@pytest.mark.parametrize(
    ("cls", "old", "new"),
    [
        (Product, ("created", "updated"), ("createdAt", "updatedAt")),
        (BuyerProduct, ("created", "updated"), ("createdAt", "updatedAt")),
        (BuyerOrder, ("created", "updated"), ("createdAt", "updatedAt")),
        (Order, ("created", "updated"), ("createdAt", "updatedAt")),
        (Price, ("created", "updated"), ("createdAt", "updatedAt")),
        (Partner, ("created", "updated"), ("createdAt", "updatedAt")),
    ],
)
def test_timestamps_decode_from_both_spellings(cls, old, new):
    stamp, later = "2021-10-09T03:27:10.000Z", "2022-08-04T10:00:00+00:00"
    for created, updated in (old, new):
        model = decode(cls, {"id": "x", created: stamp, updated: later})
        assert model.created_at == datetime(2021, 10, 9, 3, 27, 10, tzinfo=UTC)
        assert model.updated_at == datetime(2022, 8, 4, 10, tzinfo=UTC)


def test_order_fields_removed_in_2022_03_03_fill_their_replacements():
    v2021 = decode(
        Order,
        {
            "_id": "o1",
            "code": "B-1",
            "parentCode": "S-1",
            "companyId": "seller",
            "partner": "buyer",
            "date": "2021-01-02T03:04:05Z",
            "email": "buyer@example.com",
            "invoiceId": "inv-1",
            "addresses": None,
            "charge": {"raw": {"paid": True}},
            "tags": "",
        },
    )
    v2022 = decode(
        Order,
        {
            "_id": "o1",
            "buyerOrderCode": "B-1",
            "sellerOrderCode": "S-1",
            "sellerCompanyId": "seller",
            "buyerCompanyId": "buyer",
            "buyerCreatedDate": "2021-01-02T03:04:05Z",
            "buyerEmail": "buyer@example.com",
            "invoice": {"_id": "inv-1", "paid": True},
            "billingAddress": {"addressOne": "1 Main St", "city": "X", "country": "CA"},
        },
    )
    for order in (v2021, v2022):
        assert (
            order.buyer_order_code,
            order.seller_order_code,
            order.seller_company_id,
            order.buyer_company_id,
            order.buyer_email,
            order.invoice_id,
        ) == ("B-1", "S-1", "seller", "buyer", "buyer@example.com", "inv-1")
        assert order.buyer_created_date == datetime(2021, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert v2021.extra == {"addresses": None, "charge": {"raw": {"paid": True}}, "tags": ""}
    assert v2022.invoice == Invoice(id="inv-1", paid=True)
    assert v2022.billing_address == Address(address_one="1 Main St", city="X", country="CA")
    assert decode(Order, {"_id": "o1", "invoice": None}).invoice_id is None


def test_images_accept_src_or_source():
    assert decode(ProductImage, {"src": "https://x/a.png"}).source == "https://x/a.png"
    assert decode(BuyerImage, {"src": "https://x/a.png"}).source == "https://x/a.png"
    assert decode(VariantImage, {"source": "https://x/a.png"}).src == "https://x/a.png"


@pytest.mark.parametrize(("wire_id", "expected"), [(123, "123"), ("f-1", "f-1")])
def test_fulfillment_item_ids_accept_a_number(wire_id, expected):
    assert decode(BuyerFulfillmentItem, {"id": wire_id}).id == expected
    assert decode(FulfillmentItem, {"_id": wire_id}).id == expected


# --- every server model ------------------------------------------------------------------

SELLER_ORDER = {
    "_id": "o1",
    "currency": "CAD",
    "fillTime": None,
    "shipTime": 12.5,
    "shippingAddress": {"addressOne": "1 Main St", "city": "Toronto", "country": "CA"},
    "items": [
        {
            "_id": "i1",
            "sellerVariantCode": "SKU-1",
            "quantity": 2,
            "cancelled": True,
            "cancelledReason": "out of stock",
            "cancelledBy": "seller",
            "cancelledDate": "2021-05-01T00:00:00Z",
        }
    ],
    "fulfillments": [
        {
            "_id": "f1",
            "carrier": "UPS",
            "trackingCode": "1Z",
            "trackingUrls": ["https://ups/1Z"],
            "items": [{"_id": "fi1", "orderItemId": "i1", "quantity": 1, "price": 9.99}],
        }
    ],
    "posted": True,
    "postedDate": "2021-05-01T00:00:00Z",
    "shipped": False,
    "shippedDate": None,
    "billed": False,
    "billedDate": None,
}
INVOICE = {
    "_id": "inv1",
    "amountPaid": 1999,
    "applicationFee": 50,
    "currency": "USD",
    "EDISent": True,
    "paid": True,
    "paidDate": "2021-06-01T00:00:00Z",
    "taxes": [{"amount": 1.30, "type": "GS"}],
    "items": [{"_id": "ii1", "amountCents": 1999, "reference": "order", "referenceId": "o1"}],
}
PRICE = {
    "_id": "p1",
    "listName": "Retail",
    "currencyName": "USD",
    "conversion": 1.0,
    "markup": 20,
    "rounding": 0.99,
    "applyToNewProducts": True,
    "discountRate": 5,
    "discountType": "percent",
    "list": [{"sku": "S-1", "price": 10.5, "markup": 2, "type": "fixed", "variantId": 991}],
    "companyId": "c1",
}
PARTNER = {
    "_id": "pa1",
    "pricingId": "p1",
    "averageShipTime": 36.5,
    "averageReturnRate": 0.02,
    "metafields": {"erp": {"code": "X"}},
    "gettingStarted": {
        "connectShopify": {"required": True, "status": "completed"},
        "signedUp": True,
        "requiredCount": 3,
        "doneCount": 1,
    },
}
DOCUMENT = {
    "_id": "d1",
    "size": 2048,
    "fileName": "invoice.pdf",
    "fileType": "application/pdf",
    "companyViewers": [{"id": "c2", "name": "Acme", "addedByEmail": "a@example.com"}],
    "tags": ["invoices"],
}
SERVER_MODELS = [
    (BuyerOrder, json.loads(BUYER_ORDER)),
    (BuyerProduct, json.loads(BUYER_PRODUCTS)["data"][0]),
    (Product, json.loads(SELLER_PRODUCTS)["data"][0]),
    (Product, json.loads(SELLER_PRODUCTS_2021)[0]),
    (Order, SELLER_ORDER),
    (Invoice, INVOICE),
    (Price, PRICE),
    (Partner, PARTNER),
    (Document, DOCUMENT),
    (CurrentUser, {"user": {"_id": "u1", "emails": ["a@b.c"]}, "company": {"_id": "c1"}}),
    (DocumentContent, {"bytes": "JVBERi0=", "fileName": "a.pdf", "fileType": "application/pdf"}),
    (Deleted, {"deleted": "p1"}),
    (CreatedId, {"_id": "p1"}),
    (BuyerFulfillment, {"id": "f1", "items": [{"id": 5, "orderItemId": "i1", "quantity": 1}]}),
    (ProductOption, {"_id": "opt1", "name": "Size", "position": 1}),
    (OnboardingStep, {"required": False, "status": "skipped"}),
    (GettingStarted, PARTNER["gettingStarted"]),
    (CompanyViewer, DOCUMENT["companyViewers"][0]),
    (InvoiceItem, INVOICE["items"][0]),
    (PriceListItem, PRICE["list"][0]),
    (Tax, INVOICE["taxes"][0]),
    (Fulfillment, SELLER_ORDER["fulfillments"][0]),
    (SellerOrderItem, {"id": "si1", "cancelledBy": ""}),
]


@pytest.mark.parametrize(
    ("cls", "document"),
    SERVER_MODELS,
    ids=[f"{c.__name__}-{i}" for i, (c, _) in enumerate(SERVER_MODELS)],
)
def test_every_server_model_keeps_unknown_fields_and_round_trips(cls, document):
    model = decode(cls, {**document, "somethingNew": {"nested": [1, 2.5]}})
    assert model.extra == {"somethingNew": {"nested": [1, Decimal("2.5")]}}
    assert b'"somethingNew":{"nested":[1,2.5]}' in wire.encode(model)
    assert decode(cls, json.loads(wire.encode(model))) == model


def test_seller_order_fields_decode_with_their_types():
    order = decode(Order, SELLER_ORDER)
    assert (order.fill_time, order.ship_time) == (None, Decimal("12.5"))
    assert order.items[0].cancelled_date == datetime(2021, 5, 1, tzinfo=UTC)
    assert order.fulfillments[0].items[0].price == Decimal("9.99")
    assert order.shipping_address == Address(address_one="1 Main St", city="Toronto", country="CA")


def test_invoice_amounts_are_integers_and_taxes_decimals():
    invoice = wire.decode(response(json.dumps({"data": INVOICE, "error": []})), Invoice)
    assert (invoice.amount_paid, invoice.application_fee, invoice.edi_sent) == (1999, 50, True)
    assert invoice.taxes == (Tax(amount=Decimal("1.30"), type="GS"),)
    assert invoice.items[0].amount_cents == 1999


def test_a_price_list_reads_its_list_member_as_items():
    price = decode(Price, PRICE)
    assert price.items == (
        PriceListItem(
            sku="S-1", price=Decimal("10.5"), markup=Decimal(2), type="fixed", variant_id=991
        ),
    )
    assert price.rounding == Decimal("0.99")


def test_shared_models_decode():
    partner = decode(Partner, PARTNER)
    assert partner.average_return_rate == Decimal("0.02")
    assert partner.getting_started is not None
    assert partner.getting_started.connect_shopify == OnboardingStep(
        required=True, status="completed"
    )
    document = decode(Document, DOCUMENT)
    assert document.company_viewers[0].added_by_email == "a@example.com"
    content = decode(DocumentContent, {"bytes": "JVBERi0=", "fileName": "a.pdf"})
    assert content.content == b"%PDF-"


def test_an_api_key_never_shows_in_a_repr():
    user = decode(User, {"_id": "u1", "apiKey": "18682ba6-3c6e-4d98-9d34-6e142bea4695"})
    assert user.api_key == "18682ba6-3c6e-4d98-9d34-6e142bea4695"
    me = CurrentUser(user=user, company=Company(id="c1"))
    assert "18682ba6" not in repr(user)
    assert "18682ba6" not in repr(me)


# --- request models: what is sent ---------------------------------------------------------


def test_a_patch_sends_only_the_fields_given():
    assert wire.encode(PatchVariant(inventory_quantity=5)) == b'{"inventoryQuantity":5}'
    assert wire.encode(PatchVariant()) == b"{}"
    assert sent(PatchProduct(variants=(PatchVariant(id="v1", sku="S-2"),))) == {
        "variants": [{"_id": "v1", "sku": "S-2"}]
    }


def test_money_is_sent_as_exact_json_numbers():
    patch = PatchVariant(retail_price=Decimal("19.990"), weight=Decimal("1E+1"))
    assert wire.encode(patch) == b'{"retailPrice":19.990,"weight":10}'
    taxes = SellerOrderInvoiceTax(taxes=(Tax(amount=Decimal("1.30"), type="SP"),))
    assert wire.encode(taxes) == b'{"taxes":[{"amount":1.30,"type":"SP"}]}'


def test_an_unknown_ordered_date_is_sent_as_null():
    body = BuyerOrderCreate(
        address=ADDRESS,
        buyer_reference="r-1",
        ordered_date=None,
        items=(BuyerOrderLine(variant_id="v", buyer_reference="l-1", quantity=1),),
    )
    assert sent(body)["orderedDate"] is None


def test_refund_items_use_pascal_case_wire_names():
    body = SellerOrderRefund(
        items=(RefundItem(item_id="i1", quantity_to_refund=2, reason="damaged"),),
        cancel_unfulfilled=True,
    )
    assert sent(body) == {
        "items": [{"ItemId": "i1", "QuantityToRefund": 2, "Reason": "damaged"}],
        "cancelUnfulfilled": True,
    }


def test_price_bodies_send_their_entries_as_list():
    body = PriceCreate(
        list_name="Retail",
        currency_name="CAD",
        markup=Decimal(20),
        items=(PriceUpdateItem(sku="S-1", price=Decimal("10.50"), type="fixed"),),
    )
    assert sent(body) == {
        "listName": "Retail",
        "currencyName": "CAD",
        "list": [{"sku": "S-1", "price": 10.5, "type": "fixed"}],
        "markup": 20,
    }


def test_an_upload_sends_its_bytes_as_base64_and_hides_them_from_repr():
    body = UploadDocument(
        file_name="a.pdf",
        file_type="application/pdf",
        content=b"%PDF-",
        partners_with_view_access=(PartnerViewAccess(partner_id="pa1"),),
    )
    assert sent(body) == {
        "fileName": "a.pdf",
        "fileType": "application/pdf",
        "bytes": "JVBERi0=",
        "partnersWithViewAccess": [{"partnerId": "pa1"}],
    }
    assert "PDF" not in repr(body)


def test_a_new_product_and_its_variants():
    body = ProductCreate(
        code="TSHIRT-001",
        title="T-shirt",
        variants=(VariantCreate(sku="TSHIRT-001-M", option1="M", inventory_quantity=3),),
        images=(PatchImage(source="https://cdn/x.png", position=1),),
        options=(PatchOption(name="Size", position=1),),
    )
    assert sent(body) == {
        "code": "TSHIRT-001",
        "title": "T-shirt",
        "variants": [{"sku": "TSHIRT-001-M", "inventoryQuantity": 3, "option1": "M"}],
        "images": [{"source": "https://cdn/x.png", "position": 1}],
        "options": [{"name": "Size", "position": 1}],
    }


def test_small_bodies():
    assert sent(OrderUpdate(billed=True)) == {"billed": True}
    assert sent(OrderCancellation(unfulfilled_only=True)) == {"unfulfilledOnly": True}
    assert sent(OrderItemCancellation(new_quantity=0, reason="")) == {
        "reason": "",
        "newQuantity": 0,
    }
    assert sent(BuyerOrderCancellation(reason="customer")) == {"reason": "customer"}
    assert sent(PartnerCreate(email="shop@example.com")) == {"email": "shop@example.com"}
    assert sent(PartnerUpdate(active=False, metafields={"a": 1})) == {
        "active": False,
        "metafields": {"a": 1},
    }
    assert sent(PriceUpdate(discount_type="fixed")) == {"discountType": "fixed"}


def test_a_reused_address_sends_no_nulls_but_keeps_its_unknown_fields():
    decoded = decode(Address, {"name": "K", "addressOne": "1 St", "city": "W", "geo": [1, 2]})
    assert sent(decoded) == {"name": "K", "addressOne": "1 St", "city": "W", "geo": [1, 2]}


def test_for_variant_gives_each_line_its_own_reference():
    first, second = (BuyerOrderLine.for_variant("v1", 2) for _ in range(2))
    assert first.buyer_reference != second.buyer_reference
    assert (first.variant_id, first.quantity) == ("v1", 2)
    assert BuyerOrderLine.for_variant("v1", buyer_reference="mine").buyer_reference == "mine"


# --- request models: validation before any traffic ----------------------------------------


def line(reference: str = "l-1", quantity: int = 1) -> BuyerOrderLine:
    return BuyerOrderLine(variant_id="v1", buyer_reference=reference, quantity=quantity)


def order(**changes) -> BuyerOrderCreate:
    fields = {"address": ADDRESS, "buyer_reference": "r-1", "ordered_date": T0, "items": (line(),)}
    return BuyerOrderCreate(**{**fields, **changes})


@pytest.mark.parametrize("missing", ["name", "address_one", "city", "state", "country", "zip"])
@pytest.mark.parametrize("value", [None, "", "  "])
def test_a_new_order_needs_every_required_address_field(missing, value):
    with pytest.raises(ValueError, match=f"address.{missing} is required"):
        order(address=attrs.evolve(ADDRESS, **{missing: value}))


INVALID = [
    (lambda: order(ordered_date=datetime(2020, 2, 22, 10)), "ordered_date must be timezone-aware"),
    (lambda: order(ordered_date="2020-02-22"), "ordered_date must be a datetime"),
    (lambda: order(created=datetime(2020, 2, 22)), "created must be timezone-aware"),
    (lambda: order(items=()), "items needs at least 1"),
    (lambda: order(items=(line("same"), line("same"))), "repeat the buyer_reference 'same'"),
    (lambda: order(buyer_reference=""), "buyer_reference must be a non-empty string"),
    (lambda: order(address={"city": "W"}), "address must be an Address"),
    (lambda: order(address=attrs.evolve(ADDRESS, company=5)), "address.company must be"),
    (lambda: order(metafields=[1]), "metafields must be a mapping"),
    (lambda: line(quantity=0), "quantity must be an integer >= 1"),
    (lambda: line(quantity=True), "quantity must be an integer >= 1"),
    (lambda: BuyerOrderLine(variant_id="", buyer_reference="l", quantity=1), "variant_id"),
    (lambda: PatchVariant(inventory_quantity=-1), "inventory_quantity must be an integer >= 0"),
    (lambda: PatchVariant(id=""), "id must be a non-empty string"),
    (lambda: PatchVariant(sku=None), "sku must be a non-empty string"),
    (lambda: PatchVariant(retail_price=9.99), "retail_price must be a finite Decimal"),
    (lambda: PatchVariant(retail_price=Decimal("NaN")), "retail_price must be a finite Decimal"),
    (lambda: PatchVariant(retail_price=Decimal(-1)), "retail_price must be a finite Decimal"),
    (lambda: PatchVariant(weight_units="stone"), "weight_units must be one of"),
    (lambda: PatchVariant(barcode_type="isbn"), "barcode_type must be one of"),
    (lambda: PatchVariant(dimensions=Dimensions(length=Decimal(1))), "dimensions needs"),
    (lambda: PatchVariant(images=(VariantImage(),)), "images must each name the src"),
    (lambda: PatchImage(position=1), "a new image"),
    (lambda: PatchOption(position=4), "position must be 1, 2 or 3"),
    (lambda: PatchProduct(title=""), "title must be a non-empty string"),
    (lambda: PatchProduct(tags=("a", "")), "tags must be a tuple of non-empty strings"),
    (lambda: PatchProduct(google_product_category=GoogleProductCategory()), "code or name"),
    (lambda: PatchProduct(variants=[{"sku": "x"}]), "variants must be a tuple of PatchVariant"),
    (lambda: ProductCreate(code="c", title="t", variants=()), "variants needs at least 1"),
    (
        lambda: ProductCreate(
            code="c", title="t", variants=(VariantCreate(),), images=(PatchImage(id="i1"),)
        ),
        "images of a new product cannot carry ids",
    ),
    (lambda: FulfillmentLine(id="", quantity=1), "id must be a non-empty string"),
    (lambda: FulfillmentLine(id="i", quantity=0), "quantity must be an integer >= 1"),
    (lambda: OrderFulfillment(items=()), "items needs at least 1"),
    (
        lambda: OrderFulfillment(
            items=(FulfillmentLine(id="i", quantity=1), FulfillmentLine(id="i", quantity=2))
        ),
        "same order item twice",
    ),
    (lambda: RefundItem(item_id="", quantity_to_refund=1), "item_id must be a non-empty"),
    (lambda: RefundItem(item_id="i", quantity_to_refund=0), "quantity_to_refund must be"),
    (lambda: SellerOrderRefund(items=()), "items needs at least 1"),
    (lambda: SellerOrderInvoiceTax(taxes=(Tax(amount=Decimal(1), type="VAT"),)), "type must"),
    (lambda: SellerOrderInvoiceTax(taxes=(Tax(amount=Decimal(-1), type="GS"),)), "amount"),
    (lambda: SellerOrderInvoiceTax(taxes=(Tax(type="GS"),)), "amount must be a finite"),
    (lambda: OrderItemCancellation(new_quantity=-1), "new_quantity must be an integer >= 0"),
    (lambda: OrderUpdate(billed="yes"), "billed must be True or False"),
    (lambda: PriceUpdate(currency_name="JPY"), "currency_name must be one of"),
    (
        lambda: PriceUpdate(items=(PriceUpdateItem(sku="a"), PriceUpdateItem(sku="a"))),
        "same SKU twice",
    ),
    (lambda: PriceUpdateItem(sku=""), "sku must be a non-empty string"),
    (lambda: PartnerCreate(email=""), "email must be a non-empty string"),
    (lambda: PartnerUpdate(pricing_id=""), "pricing_id must be a non-empty string"),
    (lambda: PartnerViewAccess(partner_id=""), "partner_id must be a non-empty string"),
    (lambda: UploadDocument(file_name="a", file_type="b", content=b""), "content must be"),
]


@pytest.mark.parametrize(("build", "match"), INVALID)
def test_invalid_request_input_is_a_value_error(build, match):
    with pytest.raises(ValueError, match=match):
        build()


def test_valid_edge_values_are_accepted():
    assert PatchVariant(inventory_quantity=0).inventory_quantity == 0
    assert OrderItemCancellation(new_quantity=0).new_quantity == 0
    assert order(items=[line("a"), line("b")]).items[1].buyer_reference == "b"
    assert order(ordered_date=None).ordered_date is None
    assert PatchVariant(id=UNSET).id is UNSET


def test_only_the_converter_module_imports_cattrs_or_msgspec():
    package = Path(wire.__file__).parent
    for module in sorted(package.glob("_models*.py")):
        tree = ast.parse(module.read_text())
        imported = {
            name.split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom)
            for name in (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
            )
        }
        assert not imported & {"cattrs", "msgspec"}, module.name
