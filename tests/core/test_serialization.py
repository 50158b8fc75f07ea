"""The cattrs converter factory: wire names, money, calendar values, aliases, decode errors."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

import attrs
import cattrs
import msgspec
import pytest

from convictional_async.core import (
    Response,
    ResponseDecodeError,
    decode_model,
    encode_model,
    make_converter,
    to_camel,
)
from convictional_async.core._serialization import (
    ALIASES,
    EXTRA,
    UNSET,
    WIRE,
    UnsetType,
    decimal_from_wire,
)


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
    assert decode_model(make_converter(), as_response(body), Line) == LINE


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
        decode_model(make_converter(), as_response(body), Line)
    assert caught.value.status == 200
    assert caught.value.request_id == "rid-7"


def test_each_converter_is_private():
    first, second = make_converter(), make_converter()
    first.register_unstructure_hook(Decimal, lambda d: "changed")
    assert second.unstructure(Decimal("1.5")) == "1.5"


# --- strict types, exact money, aware datetimes, UNSET, extra fields (issue 9) ---


@attrs.frozen(kw_only=True)
class Item:
    id: str
    count: int | None = None
    active: bool | None = None
    ratio: float | None = None
    price: Decimal | None = None
    tags: tuple[str, ...] = ()
    attributes: Mapping[str, Any] = attrs.field(factory=dict)
    created_at: datetime | None = None


@attrs.frozen(kw_only=True)
class ServerItem:
    id: str = attrs.field(metadata={WIRE: "_id", ALIASES: ("id",)})
    invoice_id: str | None = attrs.field(default=None, metadata={ALIASES: (("invoice", "_id"),)})
    note: str | None = None
    lines: tuple[int, ...] = ()
    extra: Mapping[str, Any] = attrs.field(factory=dict, metadata={EXTRA: True})


@attrs.frozen(kw_only=True)
class Patch:
    sku: str | UnsetType = UNSET
    note: str | UnsetType | None = UNSET
    price: Decimal | UnsetType = UNSET
    lines: tuple[Line, ...] | UnsetType = UNSET


@attrs.frozen(kw_only=True)
class Secretive:
    id: str
    api_key: str = attrs.field(repr=False)


@attrs.frozen(kw_only=True)
class HoldsSecret:
    owner: tuple[Secretive, ...]


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ({"id": 12345}, "expected a string, got number @ $.id"),
        ({"id": None}, "expected a string, got null @ $.id"),
        ({"id": True}, "expected a string, got boolean @ $.id"),
        ({"id": "a", "count": "12"}, "expected an integer, got string @ $.count"),
        ({"id": "a", "count": 1.5}, "expected an integer, got number @ $.count"),
        ({"id": "a", "count": True}, "expected an integer, got boolean @ $.count"),
        ({"id": "a", "active": "false"}, "expected a boolean, got string @ $.active"),
        ({"id": "a", "active": 0}, "expected a boolean, got number @ $.active"),
        ({"id": "a", "ratio": "0.5"}, "expected a number, got string @ $.ratio"),
        ({"id": "a", "price": [1]}, "expected a decimal, got array @ $.price"),
        ({"id": "a", "tags": "summer"}, "expected an array, got string @ $.tags"),
        ({"id": "a", "tags": [1]}, "expected a string, got number @ $.tags[0]"),
        ({"id": "a", "attributes": []}, "expected an object, got array @ $.attributes"),
    ],
)
def test_wrong_json_types_are_errors_never_coerced(document, problem):
    body = msgspec.json.encode(document)
    with pytest.raises(ResponseDecodeError, match=re.escape(problem)):
        decode_model(make_converter(), as_response(body), Item)


def test_type_errors_never_echo_the_value():
    body = b'{"id": 987654321987}'
    with pytest.raises(ResponseDecodeError) as caught:
        decode_model(make_converter(), as_response(body), Item)
    assert "987654321987" not in str(caught.value).replace(caught.value.body, "")


def test_null_for_a_list_or_an_object_decodes_as_empty():
    body = b'{"id": "a", "tags": null, "attributes": null}'
    item = decode_model(make_converter(), as_response(body), Item)
    assert (item.tags, item.attributes) == ((), {})


def test_money_is_decoded_from_the_json_text_never_through_float():
    body = b'{"id": "a", "price": 12345678901234567.89, "ratio": 0.25}'
    item = decode_model(make_converter(), as_response(body), Item)
    assert item.price == Decimal("12345678901234567.89")
    assert item.ratio == 0.25


@pytest.mark.parametrize(
    ("wire", "expected"),
    [
        ("2018-03-08T18:28:34.566Z", datetime(2018, 3, 8, 18, 28, 34, 566000, tzinfo=UTC)),
        ("2020-06-25T19:00:00.000+00:00", datetime(2020, 6, 25, 19, tzinfo=UTC)),
    ],
)
def test_aware_datetimes_decode_with_either_utc_suffix(wire, expected):
    body = msgspec.json.encode({"id": "a", "createdAt": wire})
    item = decode_model(make_converter(), as_response(body), Item)
    assert item.created_at == expected
    assert item.created_at.utcoffset() is not None


@pytest.mark.parametrize("wire", ["2018-03-08T18:28:34.566", "2018-03-08", "yesterday", 1520533714])
def test_naive_or_malformed_datetimes_are_decode_errors(wire):
    body = msgspec.json.encode({"id": "a", "createdAt": wire})
    with pytest.raises(ResponseDecodeError, match=r"@ \$\.created_at"):
        decode_model(make_converter(), as_response(body), Item)


def test_a_naive_datetime_is_never_sent():
    naive = attrs.evolve(LINE, created_at=datetime(2020, 6, 25, 19))
    with pytest.raises(ValueError, match="naive datetime"):
        encode_model(make_converter(), naive)


def test_unset_fields_are_omitted_and_none_is_sent_as_null():
    converter = make_converter()
    assert encode_model(converter, Patch()) == b"{}"
    assert encode_model(converter, Patch(note=None)) == b'{"note":null}'
    assert encode_model(converter, Patch(sku="A-1", price=Decimal("2.50"))) == (
        b'{"sku":"A-1","price":"2.50"}'
    )


def test_unset_union_fields_decode_as_their_type_and_stay_unset_when_absent():
    converter = make_converter()
    assert converter.structure({"note": None, "price": 3}, Patch) == Patch(
        note=None, price=Decimal(3)
    )
    with pytest.raises(cattrs.BaseValidationError):
        converter.structure({"sku": 1}, Patch)


def test_unset_is_a_falsy_singleton_with_a_short_repr():
    assert not UNSET
    assert repr(UNSET) == "UNSET"
    assert UnsetType("UNSET") is UNSET


def test_decimals_as_json_numbers_are_plain_text():
    converter = make_converter(decimals="number")
    body = encode_model(converter, Patch(price=Decimal("1E+2"), lines=(LINE,)))
    assert body.startswith(b'{"price":100,"lines":[{"productReference":"p-1","unitPrice":12.50,')
    decoded = msgspec.json.Decoder(float_hook=Decimal).decode(body)
    assert decoded["lines"][0]["unitPrice"] == Decimal("12.50")
    assert encode_model(converter, Patch(price=Decimal("0.0000001"))) == b'{"price":0.0000001}'
    with pytest.raises(ValueError, match="non-finite"):
        encode_model(converter, Patch(price=Decimal("Infinity")))


def test_unknown_fields_are_kept_in_extra_with_unused_aliases():
    document = {"_id": "new", "id": "old", "note": "n", "brandNew": {"x": 1}}
    item = make_converter().structure(document, ServerItem)
    assert item.id == "new"
    assert item.extra == {"id": "old", "brandNew": {"x": 1}}


def test_consumed_aliases_do_not_land_in_extra():
    item = make_converter().structure({"id": "a", "invoice": {"_id": "inv-1"}}, ServerItem)
    assert (item.id, item.invoice_id) == ("a", "inv-1")
    assert item.extra == {"invoice": {"_id": "inv-1"}}
    missing = make_converter().structure({"id": "a", "invoice": None}, ServerItem)
    assert missing.invoice_id is None


def test_server_models_encode_their_extra_fields_and_omit_none():
    converter = make_converter()
    item = converter.structure({"_id": "a", "lines": [1], "brandNew": 2}, ServerItem)
    assert converter.unstructure(item) == {"brandNew": 2, "_id": "a", "lines": [1]}
    assert converter.structure(converter.unstructure(item), ServerItem) == item


def test_decode_errors_about_models_with_secrets_do_not_copy_the_body():
    converter = make_converter()
    body = b'[{"id": "u1", "apiKey": 42}]'
    with pytest.raises(ResponseDecodeError) as caught:
        decode_model(converter, as_response(body), tuple[Secretive, ...])
    assert caught.value.body == ""
    with pytest.raises(ResponseDecodeError) as nested:
        decode_model(converter, as_response(b'{"owner": [{"apiKey": "k-123"}]}'), HoldsSecret)
    assert "k-123" not in str(nested.value)
    assert nested.value.body == ""
    with pytest.raises(ResponseDecodeError) as not_json:
        decode_model(converter, as_response(b"apiKey=k-123"), Secretive)
    assert not_json.value.body == ""


def test_decode_errors_about_ordinary_models_keep_a_body_excerpt():
    with pytest.raises(ResponseDecodeError) as caught:
        decode_model(make_converter(), as_response(b'{"id": 5}'), Item)
    assert caught.value.body == '{"id": 5}'


def test_extra_fields_are_encoded_with_the_converter_conventions():
    converter = make_converter(decimals="number")
    item = converter.structure(
        {"_id": "a", "price": Decimal("2.50"), "when": [Decimal(1)]}, ServerItem
    )
    assert encode_model(converter, item) == b'{"price":2.50,"when":[1],"_id":"a","lines":[]}'
