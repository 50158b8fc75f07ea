"""Price lookup models: validation before traffic, the exact wire format, typed decoding."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from decimal import Decimal

import msgspec
import pytest

from convictional_async.core import Response, ResponseDecodeError
from convious import PriceRequest, PriceResult, ProductQuantity, price_request
from convious._serialization import decoder, encode

VALID = {
    "cookie_id": "c-123",
    "date_from": date(2018, 4, 1),
    "date_to": date(2018, 4, 30),
    "timezone": "Europe/Amsterdam",
    "products": [("ticket-adult", 2), ("ticket-child", 1)],
}


def test_request_wire_format_is_exact():
    request = price_request(**VALID, times=[time(10), time(10, 30)], ip="244.245.246.247")
    assert json.loads(encode(request)) == {
        "cookieId": "c-123",
        "ip": "244.245.246.247",
        "dateFrom": "2018-04-01",
        "dateTo": "2018-04-30",
        "timezone": "Europe/Amsterdam",
        "products": [
            {"productReference": "ticket-adult", "numberOfItems": 2},
            {"productReference": "ticket-child", "numberOfItems": 1},
        ],
        "times": ["10:00:00", "10:30:00"],
    }


def test_absent_times_and_ip_are_explicit_nulls():
    body = encode(price_request(**VALID))
    assert b'"ip":null' in body
    assert b'"times":null' in body


def test_products_accept_pairs_and_product_quantities():
    request = price_request(
        **{**VALID, "products": [ProductQuantity(product_reference="a", number_of_items=3)]}
    )
    assert request.products[0].number_of_items == 3


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"products": []}, "at least one product"),
        ({"products": [("a", 0)]}, "number_of_items"),
        ({"products": [("a", -2)]}, "number_of_items"),
        ({"products": [("a", True)]}, "number_of_items"),
        ({"products": [("a", 1.5)]}, "number_of_items"),
        ({"products": [("", 1)]}, "product_reference"),
        ({"products": [("a", 1, 2)]}, "pair"),
        ({"products": [(["a"], 1)]}, "product_reference"),
        ({"products": [("a", 1), ("a", True)]}, "number_of_items"),
        ({"products": "ticket-adult"}, "sequence"),
        ({"date_from": date(2018, 5, 1)}, "after date_to"),
        ({"date_from": datetime(2018, 4, 1, tzinfo=UTC)}, "not a datetime"),
        ({"date_to": "2018-04-30"}, "datetime.date"),
        ({"timezone": "Mars/Olympus"}, "tz database"),
        ({"timezone": "Europe"}, "tz database"),
        ({"timezone": "../../etc/passwd"}, "tz database"),
        ({"timezone": ""}, "tz database"),
        ({"cookie_id": ""}, "cookie_id"),
        ({"cookie_id": None}, "cookie_id"),
        ({"cookie_id": " \t "}, "cookie_id"),
        ({"ip": "999.1.1.1"}, "IPv4 or IPv6"),
        ({"ip": "localhost"}, "IPv4 or IPv6"),
        ({"times": []}, "non-empty"),
        ({"times": ["10:00:00"]}, "datetime.time"),
        ({"times": [time(10, 0, 0, 500)]}, "whole seconds"),
        ({"times": [time(10, tzinfo=UTC)]}, "aware"),
        ({"times": "10:00"}, "sequence"),
        ({"times": [["10:00"]]}, "datetime.time"),  # unhashable: still a ValueError
        ({"times": [{}]}, "datetime.time"),
    ],
)
def test_invalid_input_is_a_value_error(change, match):
    with pytest.raises(ValueError, match=match):
        price_request(**{**VALID, **change})


def test_a_valid_times_tuple_seen_before_does_not_vouch_for_an_equal_looking_bad_one():
    # Every lookup's start times are checked (nothing is remembered across lookups).
    assert price_request(**VALID, times=(time(10), time(10, 30))).times == (time(10), time(10, 30))
    with pytest.raises(ValueError, match="aware"):
        price_request(**VALID, times=(time(10, tzinfo=UTC), time(10, 30)))
    with pytest.raises(ValueError, match="whole seconds"):
        price_request(**VALID, times=(time(10), time(10, 30, 0, 1)))
    assert price_request(**VALID, times=[time(10), time(10, 30)]).times == (
        time(10),
        time(10, 30),
    )


def test_a_request_built_directly_with_a_list_of_times_is_validated_too():
    # msgspec does not convert types on construction, so a list can reach the checks.
    request = PriceRequest(
        cookie_id="c",
        ip=None,
        date_from=date(2018, 4, 1),
        date_to=date(2018, 4, 1),
        timezone="UTC",
        products=(ProductQuantity(product_reference="p", number_of_items=1),),
        times=[time(10)],  # type: ignore[arg-type]
    )
    assert request.times == [time(10)]
    with pytest.raises(ValueError, match="aware"):
        PriceRequest(**{**msgspec.structs.asdict(request), "times": [time(10, tzinfo=UTC)]})


def test_subclasses_of_the_accepted_types_still_validate():
    class Zone(str):
        pass

    class Product(ProductQuantity, frozen=True):
        pass

    class Day(date):
        pass

    request = price_request(
        **{**VALID, "timezone": Zone("UTC"), "date_from": Day(2018, 4, 1)},
        times=None,
    )
    assert request.timezone == "UTC"
    product = Product(product_reference="p", number_of_items=1)
    assert price_request(**{**VALID, "products": [product]}).products == (product,)
    with pytest.raises(ValueError, match="tz database"):
        price_request(**{**VALID, "timezone": Zone("Mars/Olympus")})


def test_ipv6_and_single_day_are_fine():
    request = price_request(**{**VALID, "ip": "2001:db8::1", "date_to": VALID["date_from"]})
    assert request.ip == "2001:db8::1"


def response(body: bytes) -> Response:
    return Response(200, {"X-Request-ID": "rid-42"}, body, "POST", "https://pricer/api/price/rtp")


RESPONSE = {
    "prices": [
        {
            "priceDate": "2018-04-01",
            "priceTime": "10:00:00",
            "products": [
                {"productReference": "adult", "numberOfItems": 2, "price": "14.89"},
                {"productReference": "child", "numberOfItems": 1, "price": "11.89"},
            ],
        },
        {
            "priceDate": "2018-04-02",
            "priceTime": None,
            "products": [{"productReference": "adult", "numberOfItems": 2, "price": "15.00"}],
            "someNewField": "ignored",
        },
    ]
}


def test_response_decodes_into_frozen_typed_models():
    result = decoder(PriceResult)(response(json.dumps(RESPONSE).encode()))
    first = result.prices[0]
    assert first.price_date == date(2018, 4, 1)
    assert first.price_time == time(10)
    assert first.products[0].price == Decimal("14.89")
    assert isinstance(first.products[0].price, Decimal)
    assert result.price("child", date(2018, 4, 1), time(10)) == Decimal("11.89")
    assert result.price("adult", date(2018, 4, 2)) == Decimal("15.00")
    with pytest.raises(KeyError, match="no price for 'adult' on 2018-04-03"):
        result.price("adult", date(2018, 4, 3))
    with pytest.raises(AttributeError):
        first.price_date = date(2020, 1, 1)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("body", "match"),
    [
        (b"<html><body>Bad gateway</body></html>", "not valid JSON"),
        (b'{"prices": [', "not valid JSON"),
        (b"", "not valid JSON"),
        (b'{"unexpected": true}', "missing required field `prices`"),
        (
            b'{"prices": [{"priceDate": "2018-04-01", "priceTime": null}]}',
            "missing required field `products`",
        ),
        (
            b'{"prices": [{"priceDate": "01/04/2018", "priceTime": null, "products": []}]}',
            r"\$.prices\[0\].priceDate",
        ),
        (
            b'{"prices": [{"priceDate": "2018-04-01", "priceTime": null, "products": '
            b'[{"productReference": "a", "numberOfItems": 1, "price": "cheap"}]}]}',
            "price",
        ),
    ],
)
def test_malformed_responses_raise_typed_errors_with_the_request_id(body, match):
    with pytest.raises(ResponseDecodeError, match=match) as caught:
        decoder(PriceResult)(response(body))
    assert caught.value.status == 200
    assert caught.value.request_id == "rid-42"
