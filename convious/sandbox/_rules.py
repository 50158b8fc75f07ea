"""The sandbox's deterministic pricing rule, as pure functions.

The vendor's algorithm is not public; any price within ``[minAcceptedPrice, maxAcceptedPrice]``
is faithful. The sandbox prices one item like this::

    ceiling  = maxAcceptedPrice
    floor    = minAcceptedPrice, or ceiling / 2 when minAcceptedPrice is null
    anchor   = averageTargetPrice clamped to [floor, ceiling], or (floor + ceiling) / 2
    visitor  = a stable hash of (seed, cookieId, productReference, date, time) mapped to [-1, 1)
    quantity = min(numberOfItems - 1, 10) / 10                      # 0 .. 1
    base     = clamp(anchor + (ceiling - floor) * (0.05 * visitor - 0.05 * quantity))
    scarcity = 0 for unlimited (null) availability, else 10 / (10 + availability)  # 0 < s <= 1
    price    = clamp(base + (ceiling - base) * scarcity), quantized to 0.01

So the same request always gets the same price; different visitors, dates and times get
slightly different prices; larger carts get a small per-item discount; lower availability
never lowers the price, and availability 0 gives exactly the ceiling. ``boxOfficePrice`` and
the request ``timezone`` do not affect the price.

Rounding is half-up to a cent, then the result is moved to the nearest cent inside the bounds
(relevant only for bounds with more than two decimals). If no cent lies inside the bounds, the
ceiling rounded down is returned.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import date, time, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any, Final

from ._state import Product

__all__ = [
    "effective_availability",
    "price_per_item",
    "price_table",
    "scarcity",
    "visitor_variation",
]

CENT: Final = Decimal("0.01")
_TWO: Final = Decimal(2)
_VISITOR_SPREAD: Final = Decimal("0.05")
_QUANTITY_DISCOUNT: Final = Decimal("0.05")
_QUANTITY_CAP: Final = 10
_SCARCITY_HALF_POINT: Final = Decimal(10)
_HASH_SPAN: Final = Decimal(2**64)
_ONE_DAY: Final = timedelta(days=1)


def effective_availability(
    availability: int | None,
    by_date: Mapping[date, int],
    by_date_time: Mapping[tuple[date, time], int],
    day: date,
    at: time | None,
) -> int | None:
    """Return the availability for a day (and start time): date+time, else date, else product."""
    if at is not None:
        timed = by_date_time.get((day, at))
        if timed is not None:
            return timed
    return by_date.get(day, availability)


def scarcity(availability: int | None) -> Decimal:
    """Return 0 for unlimited availability, rising to 1 as availability falls to 0."""
    if availability is None:
        return Decimal(0)
    if availability <= 0:
        return Decimal(1)
    return _SCARCITY_HALF_POINT / (_SCARCITY_HALF_POINT + availability)


def visitor_variation(
    seed: int, cookie_id: str, product_reference: str, day: date, at: time | None
) -> Decimal:
    """Return a stable value in ``[-1, 1)`` for one visitor, product, date and time."""
    key = f"{seed}\x1f{cookie_id}\x1f{product_reference}\x1f{day.isoformat()}\x1f{at}"
    digest = hashlib.blake2b(key.encode(), digest_size=8).digest()
    return Decimal(int.from_bytes(digest, "big")) / _HASH_SPAN * _TWO - 1


def price_per_item(
    *,
    max_accepted_price: Decimal,
    min_accepted_price: Decimal | None,
    average_target_price: Decimal | None,
    availability: int | None,
    number_of_items: int,
    variation: Decimal,
) -> Decimal:
    """Return the price of one item, quantized to 0.01 and within the accepted bounds."""
    ceiling = max_accepted_price
    floor = min_accepted_price if min_accepted_price is not None else ceiling / _TWO
    floor = min(floor, ceiling)
    if average_target_price is None:
        anchor = (floor + ceiling) / _TWO
    else:
        anchor = _clamp(average_target_price, floor, ceiling)
    quantity = Decimal(min(max(number_of_items - 1, 0), _QUANTITY_CAP)) / _QUANTITY_CAP
    nudge = _VISITOR_SPREAD * variation - _QUANTITY_DISCOUNT * quantity
    base = _clamp(anchor + (ceiling - floor) * nudge, floor, ceiling)
    raw = base + (ceiling - base) * scarcity(availability)
    return _to_cent(_clamp(raw, floor, ceiling), floor, ceiling)


def _clamp(value: Decimal, low: Decimal, high: Decimal) -> Decimal:
    return low if value < low else high if value > high else value


def _to_cent(value: Decimal, floor: Decimal, ceiling: Decimal) -> Decimal:
    cents = value.quantize(CENT, rounding=ROUND_HALF_UP)
    if cents > ceiling:
        cents = ceiling.quantize(CENT, rounding=ROUND_FLOOR)
    elif cents < floor:
        cents = floor.quantize(CENT, rounding=ROUND_CEILING)
        if cents > ceiling:
            cents = ceiling.quantize(CENT, rounding=ROUND_FLOOR)
    return cents


def price_table(
    priced: Sequence[tuple[str, int, Product]],
    *,
    cookie_id: str,
    seed: int,
    first: date,
    last: date,
    times: Sequence[str] | None,
) -> list[dict[str, Any]]:
    """Return the wire ``prices``: one TimedPrice per day x time, or per day if ``times`` is None.

    ``priced`` holds ``(productReference, numberOfItems, product)`` in request order.
    """
    slots = [(text, time.fromisoformat(text)) for text in times] if times else [(None, None)]
    table: list[dict[str, Any]] = []
    day = first
    while day <= last:
        for text, at in slots:
            entries = []
            for reference, count, product in priced:
                availability = effective_availability(
                    product.availability, product.by_date, product.by_date_time, day, at
                )
                price = price_per_item(
                    max_accepted_price=product.max_accepted_price,
                    min_accepted_price=product.min_accepted_price,
                    average_target_price=product.average_target_price,
                    availability=availability,
                    number_of_items=count,
                    variation=visitor_variation(seed, cookie_id, reference, day, at),
                )
                entries.append(
                    {"productReference": reference, "numberOfItems": count, "price": str(price)}
                )
            table.append({"priceDate": day.isoformat(), "priceTime": text, "products": entries})
        day += _ONE_DAY
    return table
