"""``POST /events`` over real HTTP: validation per type, whole-batch rejection, state changes."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal
from typing import Any

import pytest

from convious.sandbox import Sandbox

PRICING = {
    "minAcceptedPrice": "10.00",
    "maxAcceptedPrice": "20.00",
    "averageTargetPrice": "15.00",
    "boxOfficePrice": "22.00",
}


def reference_batch() -> list[dict[str, Any]]:
    """The complete batch from the reference (section 4.4), explicit nulls included."""
    return [
        {
            "type": "ProductCreated",
            "payload": {
                "productReference": "ticket-adult",
                "name": "Adult ticket",
                "availability": None,
                "pricing": dict(PRICING),
            },
        },
        {
            "type": "ProductPricingChanged",
            "payload": {
                "productReference": "ticket-adult",
                "pricing": {
                    "minAcceptedPrice": "10.50",
                    "maxAcceptedPrice": "20.50",
                    "averageTargetPrice": None,
                    "boxOfficePrice": None,
                },
            },
        },
        {
            "type": "ProductAvailabilityChanged",
            "payload": {
                "productReference": "ticket-adult",
                "eventDate": "2019-10-10",
                "startTime": "10:00:00",
                "availability": 3,
            },
        },
        {
            "type": "ProductAvailabilityChanged",
            "payload": {
                "productReference": "ticket-adult",
                "eventDate": "2019-10-11",
                "startTime": None,
                "availability": 0,
            },
        },
    ]


async def test_reference_batch_is_applied_and_answered_with_an_empty_200(
    sandbox: Sandbox, api: Any
) -> None:
    status, body, response = await api.post("/events", reference_batch())
    assert (status, body) == (200, b"")
    assert response.headers["Content-Length"] == "0"
    product = sandbox.state.products["ticket-adult"]
    assert (product.name, product.availability) == ("Adult ticket", None)
    assert (product.min_accepted_price, product.max_accepted_price) == (
        Decimal("10.50"),
        Decimal("20.50"),
    )
    assert product.average_target_price is None
    assert product.by_date_time == {(date(2019, 10, 10), time(10, 0)): 3}
    assert product.by_date == {date(2019, 10, 11): 0}
    assert sandbox.state.events_accepted == 4


async def test_removed_products_are_no_longer_priced(
    sandbox: Sandbox, api: Any, price_request: dict[str, Any]
) -> None:
    await api.events([{"type": "ProductRemoved", "payload": {"productReference": "child"}}])
    assert sandbox.state.products["child"].removed
    status, _, _ = await api.post("/api/price/rtp", price_request)
    assert status == 400


async def test_created_products_are_priced(api: Any, price_request: dict[str, Any]) -> None:
    await api.events(reference_batch())
    price_request["products"] = [{"productReference": "ticket-adult", "numberOfItems": 1}]
    price_request["dateFrom"] = price_request["dateTo"] = "2019-10-11"
    prices = await api.prices({**price_request, "times": None})
    assert prices[0]["products"][0]["price"] == "20.50"  # availability 0 on that day


async def test_one_bad_event_rejects_the_whole_batch(sandbox: Sandbox, api: Any) -> None:
    batch = reference_batch()
    batch[3]["payload"]["eventdate"] = batch[3]["payload"].pop("eventDate")
    status, body, _ = await api.post("/events", batch)
    assert status == 400
    assert list(body["errors"]) == ["[3].payload.eventDate", "[3].payload.eventdate"]
    assert body["error"] == "eventDate is required."
    assert "ticket-adult" not in sandbox.state.products
    assert sandbox.state.events_accepted == 0


@pytest.mark.parametrize(
    ("event", "path"),
    [
        ({"type": "ProductDeleted", "payload": {"productReference": "a"}}, "[0].type"),
        ({"type": "com.convious.pricingapi.events.ProductRemoved", "envelope": {}}, "[0].type"),
        ({"productReference": "a", "name": "A"}, "[0].type"),
        (
            {"type": "ProductCreated", "payload": {"productReference": "a", "name": "A"}},
            "[0].payload.pricing",
        ),
        (
            {
                "type": "ProductCreated",
                "payload": {
                    "productReference": "a",
                    "name": "A",
                    "pricing": {"maxAcceptedPrice": 20},
                },
            },
            "[0].payload.pricing.maxAcceptedPrice",
        ),
        (
            {
                "type": "ProductPricingChanged",
                "payload": {
                    "productReference": "a",
                    "pricing": {"minAcceptedPrice": "30.00", "maxAcceptedPrice": "20.00"},
                },
            },
            "[0].payload.pricing.minAcceptedPrice",
        ),
        ({"type": "ProductRemoved", "payload": {}}, "[0].payload.productReference"),
        (
            {
                "type": "ProductAvailabilityChanged",
                "payload": {
                    "productReference": "a",
                    "eventDate": "2019-10-10",
                    "availability": None,
                },
            },
            "[0].payload.availability",
        ),
        (
            {
                "type": "ProductAvailabilityChanged",
                "payload": {
                    "productReference": "a",
                    "eventDate": "2019-10-10",
                    "startTime": "10:00",
                    "availability": 1,
                },
            },
            "[0].payload.startTime",
        ),
    ],
)
async def test_each_event_type_is_validated(api: Any, event: dict[str, Any], path: str) -> None:
    status, body, _ = await api.post("/events", [event])
    assert status == 400
    assert path in body["errors"]


@pytest.mark.parametrize("batch", [{}, {"type": "ProductRemoved"}, "ProductRemoved"])
async def test_batch_must_be_a_json_array(api: Any, batch: Any) -> None:
    status, body, _ = await api.post("/events", batch)
    assert status == 400
    assert list(body["errors"]) == ["non_field_errors"]


async def test_events_for_unknown_products_are_accepted_but_change_nothing(
    sandbox: Sandbox, api: Any
) -> None:
    await api.events([{"type": "ProductRemoved", "payload": {"productReference": "ghost"}}])
    assert "ghost" not in sandbox.state.products
    assert sandbox.state.events_for_unknown_products == 1


async def test_empty_batch_is_fine(api: Any) -> None:
    await api.events([])
