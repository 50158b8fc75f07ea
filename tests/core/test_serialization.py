"""The cattrs converter factory: wire names, money, calendar values, aliases, decode errors."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal

import attrs
import pytest

from convictional_async.core import (
    Response,
    ResponseDecodeError,
    decode_response,
    encode_model,
    make_converter,
    to_camel,
)
from convictional_async.core._serialization import ALIASES, WIRE, decimal_from_wire


@attrs.frozen
class Line:
    product_reference: str
    unit_price: Decimal
    ship_date: date
    start_time: time | None
    created_at: datetime
    note: str | None = None


@attrs.frozen
class Variant:
    id: str = attrs.field(metadata={ALIASES: ("_id",)})
    inventory_quantity: int = attrs.field(
        metadata={ALIASES: ("inventory_quantity", "inventoryAmount")}
    )
    refund_qty: int = attrs.field(default=0, metadata={WIRE: "QuantityToRefund"})


LINE = Line(
    product_reference="p-1",
    unit_price=Decimal("12.50"),
    ship_date=date(2018, 3, 3),
    start_time=None,
    created_at=datetime(2020, 6, 25, 19, 0, tzinfo=UTC),
)


def as_response(body: bytes) -> Response:
    return Response(200, {"X-Request-ID": "rid-7"}, body, "GET", "https://api.example/x")


@pytest.mark.parametrize(
    ("name", "camel"),
    [("product_reference", "productReference"), ("id", "id"), ("_id", "_id"), ("a_b_c", "aBC")],
)
def test_to_camel(name, camel):
    assert to_camel(name) == camel


def test_requests_are_camel_case_with_explicit_nulls_and_decimal_strings():
    body = encode_model(make_converter(), LINE)
    assert body == (
        b'{"productReference":"p-1","unitPrice":"12.50","shipDate":"2018-03-03",'
        b'"startTime":null,"createdAt":"2020-06-25T19:00:00+00:00","note":null}'
    )


def test_decimals_never_use_exponent_notation():
    converter = make_converter()
    assert converter.unstructure(Decimal("1E+2")) == "100"
    with pytest.raises(ValueError, match="non-finite"):
        converter.unstructure(Decimal("NaN"))


@pytest.mark.parametrize(
    ("wire", "expected"),
    [
        ("107.99", Decimal("107.99")),
        (107, Decimal(107)),
        (107.99, Decimal("107.99")),
        ("0.10", Decimal("0.10")),
    ],
)
def test_money_decodes_from_strings_and_numbers_exactly(wire, expected):
    assert decimal_from_wire(wire) == expected
    assert str(decimal_from_wire(wire)) == str(expected)


@pytest.mark.parametrize("wire", [True, None, "abc", "NaN", [1]])
def test_bad_money_is_rejected(wire):
    with pytest.raises(ValueError, match="decimal"):
        decimal_from_wire(wire)


def test_round_trip_and_unknown_fields_are_ignored():
    converter = make_converter()
    document = converter.unstructure(LINE) | {"somethingNew": 1}
    assert converter.structure(document, Line) == LINE


def test_legacy_aliases_are_accepted_and_the_primary_name_wins():
    converter = make_converter()
    legacy = converter.structure({"_id": "a1", "inventory_quantity": 4}, Variant)
    assert legacy == Variant(id="a1", inventory_quantity=4)
    other = converter.structure({"id": "a2", "inventoryAmount": 5, "QuantityToRefund": 2}, Variant)
    assert other == Variant(id="a2", inventory_quantity=5, refund_qty=2)
    both = converter.structure({"id": "new", "_id": "old", "inventoryQuantity": 1}, Variant)
    assert both.id == "new"
    assert converter.unstructure(other) == {
        "id": "a2",
        "inventoryQuantity": 5,
        "QuantityToRefund": 2,
    }


def test_decode_response_success():
    body = encode_model(make_converter(), LINE)
    assert decode_response(make_converter(), as_response(body), Line) == LINE


@pytest.mark.parametrize(
    ("body", "match"),
    [
        (b"<html>502 Bad Gateway</html>", "not valid JSON"),
        (b"", "not valid JSON"),
        (b'{"productReference": "p"}', "does not match Line"),
        (
            b'{"productReference":"p","unitPrice":"x","shipDate":"2018-03-03","startTime":null,'
            b'"createdAt":"2020-06-25T19:00:00"}',
            "does not match Line",
        ),
    ],
)
def test_malformed_bodies_raise_a_typed_error_with_the_request_id(body, match):
    with pytest.raises(ResponseDecodeError, match=match) as caught:
        decode_response(make_converter(), as_response(body), Line)
    assert caught.value.status == 200
    assert caught.value.request_id == "rid-7"


def test_each_converter_is_private():
    first, second = make_converter(), make_converter()
    first.register_unstructure_hook(Decimal, lambda d: "changed")
    assert second.unstructure(Decimal("1.5")) == "1.5"
