"""Inventory event models: the exact wire contract, validation before traffic, JSON Lines."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from decimal import Decimal

import pytest

from convious import (
    Pricing,
    ProductAvailabilityChanged,
    ProductCreated,
    ProductPricingChanged,
    ProductRemoved,
    read_events,
    write_events,
)
from convious._events import decode_event, encode_event, encode_events

PRICING = Pricing(
    min_accepted_price=Decimal("12.50"),
    max_accepted_price=Decimal("18.00"),
    average_target_price=Decimal("16.50"),
    box_office_price=Decimal("19.99"),
)


def wire(event):
    return json.loads(encode_event(event))


def test_product_created_matches_the_documented_example():
    event = ProductCreated(
        product_reference="<product_id>", name="<product_name>", availability=3, pricing=PRICING
    )
    assert wire(event) == {
        "type": "ProductCreated",
        "payload": {
            "productReference": "<product_id>",
            "name": "<product_name>",
            "availability": 3,
            "pricing": {
                "minAcceptedPrice": "12.50",
                "maxAcceptedPrice": "18.00",
                "averageTargetPrice": "16.50",
                "boxOfficePrice": "19.99",
            },
        },
    }


def test_set_to_null_fields_are_explicit_nulls():
    created = ProductCreated(
        product_reference="a", name="A", pricing=Pricing(max_accepted_price=Decimal("20"))
    )
    body = encode_event(created)
    assert b'"availability":null' in body  # unlimited
    assert b'"minAcceptedPrice":null' in body
    assert b'"averageTargetPrice":null' in body
    assert b'"boxOfficePrice":null' in body
    whole_day = ProductAvailabilityChanged(
        product_reference="a", event_date=date(2018, 3, 3), availability=0
    )
    assert b'"startTime":null' in encode_event(whole_day)


def test_pricing_changed_removed_and_availability_changed():
    assert wire(ProductPricingChanged(product_reference="p", pricing=PRICING)) == {
        "type": "ProductPricingChanged",
        "payload": {
            "productReference": "p",
            "pricing": wire(ProductCreated(product_reference="p", name="n", pricing=PRICING))[
                "payload"
            ]["pricing"],
        },
    }
    assert wire(ProductRemoved(product_reference="p")) == {
        "type": "ProductRemoved",
        "payload": {"productReference": "p"},
    }
    assert wire(
        ProductAvailabilityChanged(
            product_reference="p", event_date=date(2018, 3, 3), start_time=time(10), availability=4
        )
    ) == {
        "type": "ProductAvailabilityChanged",
        "payload": {
            "productReference": "p",
            "eventDate": "2018-03-03",
            "startTime": "10:00:00",
            "availability": 4,
        },
    }


def test_a_batch_is_a_json_array_of_envelopes():
    body = encode_events(
        [ProductRemoved(product_reference="a"), ProductRemoved(product_reference="b")]
    )
    assert json.loads(body) == [
        {"type": "ProductRemoved", "payload": {"productReference": "a"}},
        {"type": "ProductRemoved", "payload": {"productReference": "b"}},
    ]


@pytest.mark.parametrize(
    ("given", "sent"),
    [
        (Decimal("1E+2"), "100"),
        (Decimal("18.00"), "18.00"),
        ("12.5", "12.5"),
        (7, "7"),
        (Decimal("0"), "0"),
    ],
)
def test_money_is_a_plain_decimal_string(given, sent):
    assert (
        wire(
            ProductPricingChanged(product_reference="p", pricing=Pricing(max_accepted_price=given))
        )["payload"]["pricing"]["maxAcceptedPrice"]
        == sent
    )


@pytest.mark.parametrize(
    ("build", "match"),
    [
        (lambda: Pricing(max_accepted_price=None), "max_accepted_price is required"),
        (lambda: Pricing(max_accepted_price=18.0), "not .*float|Decimal"),
        (lambda: Pricing(max_accepted_price=Decimal("-1")), ">= 0"),
        (lambda: Pricing(max_accepted_price=Decimal("NaN")), "finite"),
        (lambda: Pricing(max_accepted_price="abc"), "not a decimal"),
        (lambda: Pricing(max_accepted_price=True), "Decimal"),
        (lambda: Pricing(max_accepted_price=Decimal(10), min_accepted_price=Decimal(11)), "above"),
        (
            lambda: Pricing(max_accepted_price=Decimal(10), box_office_price=Decimal(-2)),
            "box_office_price",
        ),
        (
            lambda: ProductCreated(product_reference="", name="n", pricing=PRICING),
            "product_reference",
        ),
        (lambda: ProductCreated(product_reference="p", name="  ", pricing=PRICING), "name"),
        (
            lambda: ProductCreated(
                product_reference="p", name="n", availability=-1, pricing=PRICING
            ),
            "availability",
        ),
        (
            lambda: ProductCreated(
                product_reference="p", name="n", availability=True, pricing=PRICING
            ),
            "availability",
        ),
        (
            lambda: ProductCreated(
                product_reference="p", name="n", pricing={"maxAcceptedPrice": "1"}
            ),
            "Pricing",
        ),
        (lambda: ProductRemoved(product_reference=None), "product_reference"),
        (
            lambda: ProductAvailabilityChanged(
                product_reference="p", event_date=date(2018, 1, 1), availability=None
            ),
            "availability must be an integer from 0",
        ),
        (
            lambda: ProductAvailabilityChanged(
                product_reference="p", event_date="2018-01-01", availability=1
            ),
            "event_date",
        ),
        (
            lambda: ProductAvailabilityChanged(
                product_reference="p", event_date=datetime(2018, 1, 1), availability=1
            ),
            "event_date",
        ),
        (
            lambda: ProductAvailabilityChanged(
                product_reference="p",
                event_date=date(2018, 1, 1),
                start_time=time(10, tzinfo=UTC),
                availability=1,
            ),
            "start_time",
        ),
        (
            lambda: ProductAvailabilityChanged(
                product_reference="p",
                event_date=date(2018, 1, 1),
                start_time=time(10, 0, 0, 5),
                availability=1,
            ),
            "start_time",
        ),
    ],
)
def test_invalid_events_are_value_errors(build, match):
    with pytest.raises(ValueError, match=match):
        build()


def test_events_are_frozen():
    event = ProductRemoved(product_reference="p")
    with pytest.raises(AttributeError):
        event.product_reference = "q"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("line", "match"),
    [
        (
            '{"type": "ProductAvailabilityChanged", "payload": '
            '{"productReference": "a", "eventdate": "2018-03-03", "availability": 1}}',
            "eventDate",
        ),
        ('{"type": "ProductExploded", "payload": {}}', "type"),
        ('{"type": "ProductRemoved", "payload": {"productReference": ""}}', "product_reference"),
        ('{"type": "ProductRemoved"}', "payload"),
        ("not json", "not a JSON event"),
    ],
)
def test_decoding_rejects_what_the_api_would(line, match):
    with pytest.raises(ValueError, match=match):
        decode_event(line)


def test_json_lines_round_trip(tmp_path):
    events = [
        ProductCreated(product_reference="a", name="A", availability=None, pricing=PRICING),
        ProductPricingChanged(
            product_reference="a", pricing=Pricing(max_accepted_price=Decimal("30"))
        ),
        ProductAvailabilityChanged(
            product_reference="a",
            event_date=date(2019, 10, 10),
            start_time=time(10),
            availability=3,
        ),
        ProductRemoved(product_reference="a"),
    ]
    path = tmp_path / "events.jsonl"
    assert write_events(path, events) == 4
    assert read_events(path) == events


def test_json_lines_errors_name_the_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(
        '{"type": "ProductRemoved", "payload": {"productReference": "a"}}\n'
        "\n"
        '{"type": "Nope", "payload": {}}\n'
    )
    with pytest.raises(ValueError, match="line 3"):
        read_events(path)
