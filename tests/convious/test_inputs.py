"""Every input has a documented bound, checked cheaply, before any traffic."""

from __future__ import annotations

import json
import re
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, time, timedelta
from decimal import Decimal

import pytest

from convious import (
    PriceRequest,
    Pricing,
    ProductAvailabilityChanged,
    ProductCreated,
    ProductPricingChanged,
    ProductQuantity,
    ProductRemoved,
    price_request,
    read_events,
)
from convious._events import (
    MAX_AVAILABILITY,
    MAX_EVENT_LINE_BYTES,
    MAX_PRICE_DECIMAL_PLACES,
    MAX_PRICE_INTEGER_DIGITS,
    decode_event,
    encode_event,
)
from convious._models import (
    MAX_LOOKUP_DAYS,
    MAX_NUMBER_OF_ITEMS,
    MAX_PRICES_PER_LOOKUP,
    MAX_TEXT_LENGTH,
)
from convious._serialization import encode

VALID = {
    "cookie_id": "c-123",
    "date_from": date(2018, 4, 1),
    "date_to": date(2018, 4, 30),
    "timezone": "Europe/Amsterdam",
    "products": [("ticket-adult", 2)],
}


@contextmanager
def peak_memory(limit: int) -> Iterator[None]:
    """Fail if the block allocates more than ``limit`` bytes at any moment."""
    tracemalloc.start()
    try:
        yield
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < limit, f"allocated {peak} bytes"


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"cookie_id": "c\r\nX-Injected: 1"}, "cookie_id must be printable"),
        ({"cookie_id": "c\x00"}, "cookie_id must be printable"),
        ({"cookie_id": "c\u2028d"}, "cookie_id must be printable"),  # a line separator
        ({"cookie_id": "c\u202ed"}, "cookie_id must be printable"),  # a bidi override
        ({"cookie_id": "c\ud800"}, "cookie_id must be printable"),  # a lone surrogate
        ({"cookie_id": "x" * 1_000_000}, "cookie_id must be at most 256 characters"),
        ({"cookie_id": "x" * (MAX_TEXT_LENGTH + 1)}, "at most 256"),
        ({"cookie_id": b"c-123"}, "cookie_id must be a non-empty string"),
        ({"products": [("a\n", 1)]}, "product_reference must be printable"),
        ({"products": [("a\x00b", 1)]}, "product_reference must be printable"),
        ({"products": [("p" * (MAX_TEXT_LENGTH + 1), 1)]}, "product_reference must be at most"),
        ({"products": [("a", 10**30)]}, "number_of_items must be an integer from 1 to 10000"),
        ({"products": [("a", MAX_NUMBER_OF_ITEMS + 1)]}, "number_of_items"),
        ({"date_from": date(1, 1, 1), "date_to": date(9999, 12, 31)}, "at most 366 days"),
        ({"date_to": date(2019, 4, 2)}, "at most 366 days"),  # 367 days
        ({"ip": 1234}, "ip must be an IPv4 or IPv6 address"),
        ({"ip": b"1.2.3.4"}, "ip must be"),
        ({"ip": "fe80::1%\n"}, "ip must be"),  # ipaddress accepts any zone id
        ({"ip": "fe80::1%eth0"}, "ip must be"),
        ({"ip": "1" * 1_000_000}, "ip must be"),
        ({"timezone": "Europe/" + "x" * 1_000_000}, "tz database"),
        ({"timezone": ["UTC"]}, "tz database"),
        ({"timezone": None}, "tz database"),
        ({"products": [(f"p{n}", 1) for n in range(1000)]}, "at most 20000 prices"),
        ({"products": [("a", 1)] * (MAX_PRICES_PER_LOOKUP + 1)}, "at most 20000 prices"),
        ({"date_to": date(2018, 4, 1), "times": [time(0)] * 20_001}, "at most 20000 prices"),
    ],
)
def test_out_of_bounds_lookups_are_value_errors(change, match):
    with pytest.raises(ValueError, match=re.escape(match)):
        price_request(**{**VALID, **change})


def test_the_bounds_themselves_are_accepted():
    request = price_request(
        cookie_id="v" * MAX_TEXT_LENGTH,
        date_from=date(2024, 1, 1),
        date_to=date(2024, 1, 1) + timedelta(days=MAX_LOOKUP_DAYS - 1),
        timezone="UTC",
        products=[("é-ticket 😀", MAX_NUMBER_OF_ITEMS)],
        ip="2001:db8::1",
    )
    assert len(request.cookie_id) == MAX_TEXT_LENGTH
    everything = price_request(
        **{
            **VALID,
            "date_to": VALID["date_from"],
            "times": [time(h, m) for h in range(10) for m in range(2)],
            "products": [(f"p{n}", 1) for n in range(MAX_PRICES_PER_LOOKUP // 20)],
        }
    )
    assert len(everything.products) * len(everything.times) == MAX_PRICES_PER_LOOKUP


def test_a_request_built_directly_is_bounded_too():
    base = price_request(**VALID)
    fields = {f: getattr(base, f) for f in base.__struct_fields__}
    with pytest.raises(ValueError, match="times must be"):
        PriceRequest(**{**fields, "times": (t for t in [time(10)])})
    with pytest.raises(ValueError, match="ip must be"):
        PriceRequest(**{**fields, "ip": 1234})
    with pytest.raises(ValueError, match="products must be"):
        PriceRequest(**{**fields, "products": iter(base.products)})
    with pytest.raises(ValueError, match="number_of_items"):
        ProductQuantity(product_reference="a", number_of_items=10**30)


def test_an_ip_is_sent_as_a_string():
    assert json.loads(encode(price_request(**VALID, ip="10.0.0.1")))["ip"] == "10.0.0.1"


def pricing_changed(price: object) -> ProductPricingChanged:
    return ProductPricingChanged(product_reference="p", pricing=Pricing(max_accepted_price=price))


def sent_price(price: object) -> str:
    return json.loads(encode_event(pricing_changed(price)))["payload"]["pricing"][
        "maxAcceptedPrice"
    ]


@pytest.mark.parametrize(
    ("price", "match"),
    [
        (Decimal("1e100000000"), "at most 12 digits before the decimal point"),
        ("1e100000000", "at most 12 digits before the decimal point"),
        (Decimal("-1e100000000"), ">= 0"),
        (Decimal("1e-100000000"), "at most 6 decimal places"),
        (10**30, "at most 12 digits before the decimal point"),
        pytest.param(10**100_000, "at most 12 digits", id="10**100000"),
        pytest.param(-(10**100_000), ">= 0", id="-10**100000"),
        (Decimal("1E+12"), "at most 12 digits"),
        (Decimal("0.0000001"), "at most 6 decimal places"),
        (Decimal("12.3400001"), "at most 6 decimal places"),
        ("0." + "0" * 1000 + "1", "too long"),
        (Decimal("-0"), "-0"),
        ("-0.00", "-0"),
        (Decimal("-0E+3"), "-0"),
        (Decimal("-1"), ">= 0"),
        (Decimal("Infinity"), "finite"),
        (Decimal("sNaN"), "finite"),
        ("NaN", "finite"),
    ],
)
def test_out_of_bounds_prices_are_value_errors(price, match):
    with peak_memory(1_000_000), pytest.raises(ValueError, match=re.escape(match)):
        pricing_changed(price)


def test_a_runaway_price_in_a_jsonl_line_is_rejected_cheaply(tmp_path):
    line = json.dumps(
        {
            "type": "ProductPricingChanged",
            "payload": {"productReference": "p", "pricing": {"maxAcceptedPrice": "1e100000000"}},
        }
    )
    with peak_memory(1_000_000), pytest.raises(ValueError, match="at most 12 digits"):
        decode_event(line)
    path = tmp_path / "events.jsonl"
    path.write_text(line + "\n")
    with peak_memory(1_000_000), pytest.raises(ValueError, match="line 1"):
        read_events(path)


@pytest.mark.parametrize(
    ("price", "sent"),
    [
        (Decimal("999999999999.999999"), "999999999999.999999"),
        (Decimal("0.000001"), "0.000001"),
        (Decimal("0.1000000000"), "0.100000"),  # zeros beyond 6 places are dropped
        (Decimal("0E-10"), "0.000000"),
        (Decimal("1.5E+3"), "1500"),
        (Decimal("0E+5"), "0"),
        (" 12.50 ", "12.50"),
        (10**11, "100000000000"),
    ],
)
def test_prices_at_the_bounds_are_plain_decimal_strings(price, sent):
    assert sent_price(price) == sent


@pytest.mark.parametrize("exponent", range(-30, 31))
@pytest.mark.parametrize("coefficient", ["1", "7.25", "0", "123456", "1.000001"])
def test_every_exponent_is_sent_in_plain_notation_or_refused(coefficient, exponent):
    value = Decimal(f"{coefficient}E{exponent}")
    too_large = value != 0 and value.adjusted() + 1 > MAX_PRICE_INTEGER_DIGITS
    too_fine = value != 0 and -value.normalize().as_tuple().exponent > MAX_PRICE_DECIMAL_PLACES
    if too_large or too_fine:
        with pytest.raises(ValueError, match=r"at most (12 digits|6 decimal places)"):
            sent_price(value)
        return
    sent = sent_price(value)
    assert re.fullmatch(r"[0-9]+(\.[0-9]+)?", sent), sent
    assert Decimal(sent) == value


def test_a_tiny_box_office_price_is_never_sent_in_scientific_notation():
    pricing = Pricing(max_accepted_price=Decimal("1"), box_office_price=Decimal("0.000001"))
    event = ProductPricingChanged(product_reference="p", pricing=pricing)
    assert b'"boxOfficePrice":"0.000001"' in encode_event(event)
    with pytest.raises(ValueError, match="box_office_price must have at most 6 decimal places"):
        Pricing(max_accepted_price=Decimal("1"), box_office_price=Decimal("0.0000001"))


PRICING = Pricing(max_accepted_price=Decimal("10"))


@pytest.mark.parametrize(
    ("build", "match"),
    [
        (lambda: ProductRemoved(product_reference="a\r\nb"), "product_reference must be printable"),
        (lambda: ProductRemoved(product_reference="p" * 257), "at most 256"),
        (lambda: ProductCreated(product_reference="p", name="n\x00", pricing=PRICING), "name"),
        (lambda: ProductCreated(product_reference="p", name="n" * 257, pricing=PRICING), "name"),
        (
            lambda: ProductCreated(
                product_reference="p", name="n", availability=10**30, pricing=PRICING
            ),
            "availability",
        ),
        (
            lambda: ProductAvailabilityChanged(
                product_reference="p",
                event_date=date(2018, 1, 1),
                availability=MAX_AVAILABILITY + 1,
            ),
            "availability",
        ),
    ],
)
def test_out_of_bounds_events_are_value_errors(build: Callable[[], object], match):
    with pytest.raises(ValueError, match=match):
        build()


def test_an_overlong_jsonl_line_is_refused_without_reading_it_whole(tmp_path):
    path = tmp_path / "events.jsonl"
    good = encode_event(ProductRemoved(product_reference="a")).decode()
    path.write_text(f"{good}\n{' ' * (MAX_EVENT_LINE_BYTES + 1)}{good}\n")
    with peak_memory(MAX_EVENT_LINE_BYTES * 4), pytest.raises(ValueError, match="line 2"):
        read_events(path)
    with pytest.raises(ValueError, match="longer than"):
        decode_event(" " * MAX_EVENT_LINE_BYTES + good)
