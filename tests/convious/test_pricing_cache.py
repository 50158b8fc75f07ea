"""The validated-product cache belongs to each PricingAPI and stays bounded."""

from __future__ import annotations

from datetime import date

import pytest

from convious import ConviousClient, ProductQuantity
from convious._pricing import MAX_KNOWN_PRODUCTS, price_request

LOOKUP = {
    "cookie_id": "c",
    "date_from": date(2026, 1, 1),
    "date_to": date(2026, 1, 1),
    "timezone": "UTC",
}


def test_a_known_product_is_reused_and_the_cache_is_bounded():
    known: dict[tuple[str, int], ProductQuantity] = {}
    first = price_request(products=[("adult", 2)], known=known, **LOOKUP)
    again = price_request(products=[("adult", 2)], known=known, **LOOKUP)
    assert first.products[0] is again.products[0]
    for n in range(1, MAX_KNOWN_PRODUCTS + 2):
        price_request(products=[("p", n)], known=known, **LOOKUP)
    assert len(known) <= MAX_KNOWN_PRODUCTS


def test_an_invalid_product_is_never_remembered():
    known: dict[tuple[str, int], ProductQuantity] = {}
    with pytest.raises(ValueError, match="number_of_items"):
        price_request(products=[("adult", 0)], known=known, **LOOKUP)
    assert known == {}


async def test_each_client_has_its_own_cache():
    one = ConviousClient("id", "secret")
    two = ConviousClient("id", "secret")
    try:
        assert one.pricing._known_products is not two.pricing._known_products
    finally:
        await one.aclose()
        await two.aclose()
