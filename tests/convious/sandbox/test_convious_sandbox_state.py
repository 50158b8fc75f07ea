"""``SandboxState``: tokens with a controllable clock, products and events."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal
from typing import Any

import pytest

from convious.sandbox import SandboxState, TokenStatus


class Clock:
    def __init__(self) -> None:
        self.now = 50.0

    def __call__(self) -> float:
        return self.now


def created(reference: str = "adult", **payload: Any) -> dict[str, Any]:
    body = {
        "productReference": reference,
        "name": "Adult ticket",
        "availability": 3,
        "pricing": {"minAcceptedPrice": "12.50", "maxAcceptedPrice": "18.00"},
    }
    body.update(payload)
    return {"type": "ProductCreated", "payload": body}


def test_token_lifecycle() -> None:
    clock = Clock()
    state = SandboxState(clock=clock)
    forever = state.issue_token("client", None)
    short = state.issue_token("client", 10)
    assert forever != short
    assert state.tokens[short].expires_at == 60.0
    assert state.check_token(short) is TokenStatus.VALID
    clock.now = 59.9
    assert state.check_token(short) is TokenStatus.VALID
    clock.now = 60.0
    assert state.check_token(short) is TokenStatus.EXPIRED
    assert state.check_token(forever) is TokenStatus.VALID
    assert state.check_token("made-up") is TokenStatus.UNKNOWN
    assert state.revoke_tokens() == 2
    assert state.revoke_tokens() == 0
    assert state.check_token(forever) is TokenStatus.REVOKED


def test_add_product_accepts_strings_and_decimals() -> None:
    state = SandboxState()
    product = state.add_product(
        "adult", "Adult", max_accepted_price="18.00", min_accepted_price=Decimal("12.50")
    )
    assert product.max_accepted_price == Decimal("18.00")
    assert product.min_accepted_price == Decimal("12.50")
    assert product.availability is None
    assert state.products["adult"] is product


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_accepted_price": "abc"},
        {"max_accepted_price": "-1"},
        {"max_accepted_price": "NaN"},
        {"max_accepted_price": "10", "min_accepted_price": "11"},
        {"max_accepted_price": "10", "availability": -1},
        {"max_accepted_price": "10", "availability": True},
    ],
)
def test_add_product_rejects_bad_values(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011
        SandboxState().add_product("adult", "Adult", **kwargs)


def test_events_apply_in_order() -> None:
    state = SandboxState()
    state.apply_event(created())
    state.apply_event(
        {
            "type": "ProductPricingChanged",
            "payload": {
                "productReference": "adult",
                "pricing": {
                    "minAcceptedPrice": None,
                    "maxAcceptedPrice": "20.50",
                    "averageTargetPrice": "15.50",
                    "boxOfficePrice": None,
                },
            },
        }
    )
    for start, availability in ((None, 7), ("10:00:00", 2)):
        state.apply_event(
            {
                "type": "ProductAvailabilityChanged",
                "payload": {
                    "productReference": "adult",
                    "eventDate": "2019-10-10",
                    "startTime": start,
                    "availability": availability,
                },
            }
        )
    product = state.products["adult"]
    assert product.max_accepted_price == Decimal("20.50")
    assert product.min_accepted_price is None
    assert product.average_target_price == Decimal("15.50")
    assert product.by_date == {date(2019, 10, 10): 7}
    assert product.by_date_time == {(date(2019, 10, 10), time(10, 0)): 2}
    state.apply_event({"type": "ProductRemoved", "payload": {"productReference": "adult"}})
    assert product.removed
    assert state.events_accepted == 5
    assert state.stats()["products_removed"] == 1


def test_product_created_replaces_a_removed_product() -> None:
    state = SandboxState()
    state.apply_event(created(availability=None))
    state.products["adult"].by_date[date(2024, 1, 1)] = 0
    state.apply_event({"type": "ProductRemoved", "payload": {"productReference": "adult"}})
    state.apply_event(created(name="Adult (new)"))
    product = state.products["adult"]
    assert (product.name, product.removed, product.by_date, product.availability) == (
        "Adult (new)",
        False,
        {},
        3,
    )


def test_events_for_unknown_products_change_nothing() -> None:
    state = SandboxState()
    state.apply_event({"type": "ProductRemoved", "payload": {"productReference": "ghost"}})
    assert state.products == {}
    assert state.events_for_unknown_products == 1


def test_unknown_event_type_raises() -> None:
    with pytest.raises(ValueError, match="unknown event type"):
        SandboxState().apply_event({"type": "ProductDeleted", "payload": {"productReference": "a"}})


def test_counters_and_reset() -> None:
    state = SandboxState()
    state.count_request("token")
    state.count_request("pricer")
    state.count_request("pricer")
    state.add_product("adult", "Adult", max_accepted_price="1")
    state.issue_token("client", None)
    assert state.token_requests == 1
    assert state.requests_by_endpoint == {"token": 1, "pricer": 2}
    state.reset()
    assert state.stats() == {
        "token_requests": 0,
        "tokens_issued": 0,
        "requests_by_endpoint": {},
        "events_accepted": 0,
        "events_for_unknown_products": 0,
        "faults_injected": {},
        "rate_limit": None,
        "rate_limited": 0,
        "requests_processed": 0,
        "products": 0,
        "products_removed": 0,
        "recorded_requests": 0,
    }
