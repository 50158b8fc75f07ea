"""The pricing rule, as pure functions: bounds, determinism, scarcity, availability lookup."""

from __future__ import annotations

import itertools
from datetime import date, time
from decimal import Decimal

import pytest

from convious.sandbox._rules import (
    effective_availability,
    price_per_item,
    price_table,
    scarcity,
    visitor_variation,
)
from convious.sandbox._state import Product

DAY = date(2024, 4, 1)
TEN = time(10, 0)


def price(
    availability: int | None = None,
    *,
    max_price: str = "18.00",
    min_price: str | None = "12.50",
    average: str | None = "16.50",
    items: int = 1,
    variation: Decimal = Decimal(0),
) -> Decimal:
    return price_per_item(
        max_accepted_price=Decimal(max_price),
        min_accepted_price=None if min_price is None else Decimal(min_price),
        average_target_price=None if average is None else Decimal(average),
        availability=availability,
        number_of_items=items,
        variation=variation,
    )


def test_visitor_variation_is_stable_and_in_range() -> None:
    values = [
        visitor_variation(0, f"cookie-{n}", "adult", DAY, at)
        for n in range(200)
        for at in (None, TEN)
    ]
    assert all(Decimal(-1) <= value < 1 for value in values)
    assert len(set(values)) == len(values)
    assert visitor_variation(0, "c", "adult", DAY, TEN) == visitor_variation(
        0, "c", "adult", DAY, TEN
    )
    assert visitor_variation(0, "c", "adult", DAY, TEN) != visitor_variation(
        1, "c", "adult", DAY, TEN
    )


@pytest.mark.parametrize(
    ("availability", "expected"),
    [(None, Decimal(0)), (0, Decimal(1)), (10, Decimal("0.5")), (30, Decimal("0.25"))],
)
def test_scarcity(availability: int | None, expected: Decimal) -> None:
    assert scarcity(availability) == expected


def test_scarcity_falls_as_availability_rises() -> None:
    values = [scarcity(n) for n in range(0, 500)]
    assert values == sorted(values, reverse=True)
    assert len(set(values)) == len(values)


BOUNDS = [
    ("18.00", "12.50", "16.50"),
    ("18.00", None, None),
    ("18.00", "18.00", None),
    ("0.00", None, None),
    ("10.005", "10.001", "99"),
    ("1000000.00", "0.01", "0.00"),
]


@pytest.mark.parametrize(("max_price", "min_price", "average"), BOUNDS)
def test_price_always_within_bounds_and_in_cents(
    max_price: str, min_price: str | None, average: str | None
) -> None:
    floor = Decimal(min_price) if min_price is not None else Decimal(max_price) / 2
    variations = [Decimal(-1), Decimal("-0.3"), Decimal(0), Decimal("0.99")]
    for availability, items, variation in itertools.product(
        [None, 0, 1, 5, 50, 10_000], [1, 2, 11, 500], variations
    ):
        result = price(
            availability,
            max_price=max_price,
            min_price=min_price,
            average=average,
            items=items,
            variation=variation,
        )
        assert result.as_tuple().exponent == -2
        if max_price == "10.005":  # the only cent inside [10.001, 10.005] does not exist
            assert result == Decimal("10.00")
        else:
            assert floor <= result <= Decimal(max_price)


def test_no_minimum_uses_half_the_maximum_as_floor() -> None:
    assert price(None, min_price=None, average="1.00") == Decimal("9.00")
    assert price(None, min_price=None, average=None) == Decimal("13.50")


def test_zero_availability_gives_the_maximum() -> None:
    assert price(0, variation=Decimal("-0.9"), items=5) == Decimal("18.00")
    assert price(0, min_price=None, average=None) == Decimal("18.00")


def test_lower_availability_raises_the_price() -> None:
    prices = [price(n, average=None) for n in (1000, 100, 20, 5, 1, 0)]
    assert prices == sorted(prices)
    assert len(set(prices)) == len(prices)
    assert price(None, average=None) < price(1000, average=None)


def test_unlimited_availability_prices_near_the_anchor() -> None:
    assert price(None) == Decimal("16.50")
    assert price(None, average=None) == Decimal("15.25")


def test_larger_carts_get_a_small_discount_per_item() -> None:
    assert price(None, items=1) > price(None, items=3) > price(None, items=11)
    assert price(None, items=11) == price(None, items=50)


def test_average_outside_the_bounds_is_clamped() -> None:
    assert price(None, average="99.00") == Decimal("18.00")
    assert price(None, average="1.00") == Decimal("12.50")


def test_effective_availability_prefers_time_then_date_then_product() -> None:
    by_date = {DAY: 7}
    by_time = {(DAY, TEN): 3}
    assert effective_availability(50, by_date, by_time, DAY, TEN) == 3
    assert effective_availability(50, by_date, by_time, DAY, time(11, 0)) == 7
    assert effective_availability(50, by_date, by_time, DAY, None) == 7
    assert effective_availability(50, by_date, by_time, date(2024, 4, 2), TEN) == 50
    assert effective_availability(None, {}, {}, DAY, None) is None
    assert effective_availability(None, {DAY: 0}, {}, DAY, TEN) == 0


def test_price_table_cardinality_and_order() -> None:
    adult = Product(reference="adult", name="Adult", max_accepted_price=Decimal("18.00"))
    child = Product(reference="child", name="Child", max_accepted_price=Decimal("9.00"))
    table = price_table(
        [("child", 1, child), ("adult", 2, adult)],
        cookie_id="c",
        seed=0,
        first=DAY,
        last=date(2024, 4, 3),
        times=["12:00:00", "09:00:00"],
    )
    assert [(row["priceDate"], row["priceTime"]) for row in table] == [
        (day, at)
        for day in ("2024-04-01", "2024-04-02", "2024-04-03")
        for at in ("12:00:00", "09:00:00")
    ]
    for row in table:
        assert [(p["productReference"], p["numberOfItems"]) for p in row["products"]] == [
            ("child", 1),
            ("adult", 2),
        ]
    daily = price_table(
        [("adult", 1, adult)], cookie_id="c", seed=0, first=DAY, last=DAY, times=None
    )
    assert [(row["priceDate"], row["priceTime"]) for row in daily] == [("2024-04-01", None)]
