"""The Convictional converter: envelopes, pages, strict decoding and the typed errors."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from convictional_async import _converter as wire
from convictional_async._models_buyer_orders import BuyerOrder
from convictional_async._models_buyer_products import BuyerProduct, BuyerVariant
from convictional_async._models_orders import Order
from convictional_async._models_shared import CurrentUser, Deleted, DocumentContent, User
from convictional_async.core import Response, ResponseDecodeError
from convictional_async.core._pagination import Page

PRODUCT = {"id": "p1", "title": "T-shirt", "created": "2021-11-01T21:13:38.148Z"}
EXPECTED = BuyerProduct(
    id="p1", title="T-shirt", created_at=datetime(2021, 11, 1, 21, 13, 38, 148000, tzinfo=UTC)
)


def response(body: object, *, raw: bool = False) -> Response:
    data = body if raw else json.dumps(body).encode()
    assert isinstance(data, bytes)
    return Response(200, {"X-Request-ID": "rid-9"}, data, "GET", "https://api.convictional.com/x")


# --- envelopes ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "document",
    [
        PRODUCT,
        {"data": PRODUCT},
        {"data": PRODUCT, "error": []},
        {"data": PRODUCT, "error": None, "errors": {}},
        {**PRODUCT, "error": []},
    ],
    ids=["bare", "data", "data-empty-error", "data-null-errors", "bare-empty-error"],
)
def test_a_resource_decodes_bare_or_enveloped(document):
    assert wire.decode(response(document), BuyerProduct) == EXPECTED


@pytest.mark.parametrize(
    "document",
    [[PRODUCT], {"data": [PRODUCT]}, {"data": [PRODUCT], "error": [], "hasMore": False}],
    ids=["bare", "data", "envelope"],
)
def test_a_list_decodes_bare_or_enveloped(document):
    assert wire.decode_list(response(document), BuyerProduct) == (EXPECTED,)


def test_a_null_or_empty_list_is_empty():
    assert wire.decode_list(response({"data": None}), BuyerProduct) == ()
    assert wire.decode_list(response([]), BuyerProduct) == ()


@pytest.mark.parametrize(
    ("document", "match"),
    [
        ({"data": None, "error": [{"message": "A description of the error."}]}, "A description"),
        ({"error": "a message"}, "a message"),
        ({"errors": {"general": ["boom"]}}, "general: boom"),
        ({"data": PRODUCT, "errors": {"title": ["too long"]}}, "title: too long"),
    ],
)
def test_a_successful_response_that_reports_an_error_is_a_decode_error(document, match):
    with pytest.raises(ResponseDecodeError, match=match) as caught:
        wire.decode(response(document), BuyerProduct)
    assert caught.value.request_id == "rid-9"


@pytest.mark.parametrize(
    ("document", "match"),
    [
        ({"data": None}, "expected an object, got null"),
        ({"data": [PRODUCT]}, "expected an object, got array"),
        ("p1", "expected an object, got string"),
        ({"title": "no id"}, "required field missing @ \\$.id"),
    ],
)
def test_a_resource_of_the_wrong_shape_is_a_decode_error(document, match):
    with pytest.raises(ResponseDecodeError, match=match):
        wire.decode(response(document), BuyerProduct)


def test_a_list_of_the_wrong_shape_is_a_decode_error():
    with pytest.raises(ResponseDecodeError, match="expected a list of BuyerProduct, got object"):
        wire.decode_list(response(PRODUCT), BuyerProduct)
    with pytest.raises(
        ResponseDecodeError, match=r"tuple\[BuyerProduct, \.\.\.\]: .* @ \$\[1\]\.id"
    ):
        wire.decode_list(response([PRODUCT, {"id": 5}]), BuyerProduct)


# --- strict decoding ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("variant", "match"),
    [
        ({"id": 12345}, r"expected a string, got number @ \$\.id"),
        ({"id": None}, r"expected a string, got null @ \$\.id"),
        ({"id": "v", "sku": 134209871234}, r"expected a string, got number @ \$\.sku"),
        ({"id": "v", "inventoryAmount": "16"}, r"expected an integer, got string"),
        ({"id": "v", "inventoryAmount": 16.0}, r"expected an integer, got number"),
        ({"id": "v", "skipCount": "false"}, r"expected a boolean, got string"),
        ({"id": "v", "retailPrice": "abc"}, r"expected a decimal"),
        ({"id": "v", "options": {"name": "Size"}}, r"expected an array, got object"),
    ],
)
def test_wrong_types_are_errors_never_coerced(variant, match):
    with pytest.raises(ResponseDecodeError, match=match):
        wire.decode(response(variant), BuyerVariant)


def test_money_is_exact_from_the_json_text():
    body = b'{"id": "v", "retailPrice": 107.12345678901234567, "basePrice": 0.1}'
    variant = wire.decode(response(body, raw=True), BuyerVariant)
    assert variant.retail_price == Decimal("107.12345678901234567")
    assert variant.base_price == Decimal("0.1")


def test_a_naive_timestamp_is_a_decode_error_not_assumed_utc():
    with pytest.raises(ResponseDecodeError, match="naive"):
        wire.decode(response({"id": "o1", "created": "2020-02-22T10:00:01"}), BuyerOrder)


def test_null_dates_decode_as_none():
    order = wire.decode(response({"_id": "o1", "shippedDate": None}), Order)
    assert order.shipped_date is None


def test_base64_bytes_must_be_valid():
    with pytest.raises(ResponseDecodeError, match="expected base64 text"):
        wire.decode(response({"bytes": "not base64!"}), DocumentContent)


def test_an_id_that_is_a_boolean_is_an_error():
    body = {"id": "f1", "items": [{"id": True}]}
    with pytest.raises(ResponseDecodeError, match="expected an id"):
        wire.decode(response({"id": "o", "fulfillments": [body]}), BuyerOrder)


# --- secrets ------------------------------------------------------------------------------

KEY = "18682ba6-3c6e-4d98-9d34-6e142bea4695"


@pytest.mark.parametrize(
    ("cls", "body"),
    [
        (User, json.dumps({"_id": "u1", "apiKey": KEY, "emails": "x"}).encode()),
        (CurrentUser, json.dumps({"user": {"_id": 1, "apiKey": KEY}, "company": {}}).encode()),
        (CurrentUser, f'{{"user": {{"apiKey": "{KEY}"'.encode()),
    ],
    ids=["user", "nested", "not-json"],
)
def test_decode_errors_never_carry_an_api_key(cls, body):
    with pytest.raises(ResponseDecodeError) as caught:
        wire.decode(response(body, raw=True), cls)
    assert KEY not in str(caught.value)
    assert KEY not in caught.value.body
    assert KEY not in repr(caught.value.args)


# --- pages --------------------------------------------------------------------------------


def test_a_bare_array_page_says_nothing_about_more():
    page = wire.decode_page(response([PRODUCT]), BuyerProduct)
    assert page == Page(items=(EXPECTED,), has_more=None, next_url=None)


def test_an_envelope_page_carries_has_more_and_next():
    link = "https://api.convictional.com/buyer/products?page=1&limit=25"
    document = {"data": [PRODUCT], "hasMore": True, "next": link, "previous": "", "error": []}
    assert wire.decode_page(response(document), BuyerProduct) == Page(
        items=(EXPECTED,), has_more=True, next_url=link
    )


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ({"data": [], "hasMore": False, "next": ""}, Page(items=(), has_more=False)),
        ({"data": None}, Page(items=())),
        ({"data": [PRODUCT], "next": None}, Page(items=(EXPECTED,))),
    ],
)
def test_empty_links_and_null_pages_are_normalized(document, expected):
    assert wire.decode_page(response(document), BuyerProduct) == expected


@pytest.mark.parametrize(
    ("document", "match"),
    [
        ({"data": [], "hasMore": "false"}, "hasMore must be a boolean, got string"),
        ({"data": [], "next": 2}, "next must be a string, got number"),
        ({"items": []}, "no data member"),
        ({"error": "boom"}, "reports an error: general: boom"),
        ("page", "expected a list of BuyerProduct, got string"),
    ],
)
def test_a_malformed_page_is_a_decode_error(document, match):
    with pytest.raises(ResponseDecodeError, match=match):
        wire.decode_page(response(document), BuyerProduct)


def test_the_largest_page_is_250():
    assert wire.MAX_PAGE_LIMIT == 250


# --- create answers -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'"5f4e2b1c9ad9340010451234"', "5f4e2b1c9ad9340010451234"),
        (b"5f4e2b1c9ad9340010451234\n", "5f4e2b1c9ad9340010451234"),
        (b'{"data": "5f4e2b1c9ad9340010451234"}', "5f4e2b1c9ad9340010451234"),
        (b'{"id": "5f4e2b1c9ad9340010451234"}', BuyerOrder(id="5f4e2b1c9ad9340010451234")),
        (b'{"data": {"id": "o-1"}, "error": []}', BuyerOrder(id="o-1")),
    ],
    ids=["json-string", "plain-text", "enveloped-string", "object", "enveloped-object"],
)
def test_an_order_create_answer_is_an_order_or_its_id(body, expected):
    assert wire.decode_created(response(body, raw=True), BuyerOrder) == expected


@pytest.mark.parametrize(
    ("body", "match"),
    [
        (b"", "not valid JSON"),
        (b"<html>502 Bad Gateway</html>", "not valid JSON"),
        (b'""', "not an id"),
        (b'"two words"', "not an id"),
        (b"OK", "not valid JSON"),
        (b'"OK"', "not an id"),
        (b"null", "expected an object, got null"),
        (b"12345", "expected an object, got number"),
    ],
)
def test_an_unusable_create_answer_is_a_decode_error(body, match):
    with pytest.raises(ResponseDecodeError, match=match):
        wire.decode_created(response(body, raw=True), BuyerOrder)


def test_a_delete_answer_decodes():
    assert wire.decode(response({"deleted": "p1"}), Deleted) == Deleted(deleted="p1")
