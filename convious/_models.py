"""Pricing models: frozen, typed, exactly the wire format of ``POST /api/price/rtp``.

These are ``msgspec.Struct`` classes rather than attrs classes (see DESIGN.md,
"Serialization"): a month of prices decodes straight from JSON bytes into these types in
one C pass, with no intermediate dicts and no garbage-collector tracking, which is what
lets typed results cost less CPU than untyped dicts from plain aiohttp. Field names are
snake_case in Python and camelCase on the wire.
"""

from __future__ import annotations

import datetime as dt
import functools
import ipaddress
import zoneinfo
from decimal import Decimal

import msgspec


@functools.lru_cache(maxsize=1024)
def is_known_timezone(name: str) -> bool:
    """Whether ``name`` is a key of the tz database (``Europe/Amsterdam``, ``UTC``...)."""
    if not name or name != name.strip():
        return False
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def _check_reference(value: object, what: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{what} must be a non-empty string, got {value!r}")


def _check_time(value: object) -> None:
    if not isinstance(value, dt.time):
        raise ValueError(f"times must contain datetime.time values, got {value!r}")
    if value.tzinfo is not None:
        raise ValueError(f"times are local to the timezone argument; got an aware time {value}")
    if value.microsecond:
        raise ValueError(f"times are whole seconds (HH:MM:SS), got {value.isoformat()}")


def _check_date(value: object, what: str) -> None:
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise ValueError(f"{what} must be a datetime.date (not a datetime), got {value!r}")


_valid_times: set[tuple[dt.time, ...]] = set()
"""Start-time tuples already validated: a backend asks for the same few all day."""


class ProductQuantity(msgspec.Struct, frozen=True, kw_only=True, rename="camel", gc=False):
    """A product to price and how many of it the visitor has in the cart.

    >>> ProductQuantity(product_reference="ticket-adult", number_of_items=2)
    ProductQuantity(product_reference='ticket-adult', number_of_items=2)
    """

    product_reference: str
    number_of_items: int

    def __post_init__(self) -> None:
        _check_reference(self.product_reference, "product_reference")
        n = self.number_of_items
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"number_of_items must be an integer >= 1, got {n!r}")


class PriceRequest(msgspec.Struct, frozen=True, kw_only=True, rename="camel", gc=False):
    """The body of a price lookup; constructing one validates it.

    ``times=None`` asks for one price per day; ``ip=None`` is sent as an explicit null.
    """

    cookie_id: str
    ip: str | None
    date_from: dt.date
    date_to: dt.date
    timezone: str
    products: tuple[ProductQuantity, ...]
    times: tuple[dt.time, ...] | None

    def __post_init__(self) -> None:
        # Every lookup runs this, so each check starts with the test a valid value passes
        # fastest and calls the full check (which explains what is wrong) only otherwise.
        cookie_id = self.cookie_id
        if type(cookie_id) is not str or not cookie_id or cookie_id.isspace():
            _check_reference(cookie_id, "cookie_id")
        date_from, date_to = self.date_from, self.date_to
        if type(date_from) is not dt.date:
            _check_date(date_from, "date_from")
        if type(date_to) is not dt.date:
            _check_date(date_to, "date_to")
        if date_from > date_to:
            raise ValueError(f"date_from {date_from} is after date_to {date_to}")
        if not isinstance(self.timezone, str) or not is_known_timezone(self.timezone):
            raise ValueError(f"timezone must be a tz database name, got {self.timezone!r}")
        if self.ip is not None:
            try:
                ipaddress.ip_address(self.ip)
            except ValueError:
                raise ValueError(f"ip must be an IPv4 or IPv6 address, got {self.ip!r}") from None
        if not self.products:
            raise ValueError("products must name at least one product")
        for product in self.products:
            if not isinstance(product, ProductQuantity):
                raise ValueError(f"products must be ProductQuantity values, got {product!r}")
        times = self.times
        if times is not None:
            try:
                known, hashable = times in _valid_times, True
            except TypeError:  # a list, or unhashable members: the checks below explain
                known, hashable = False, False
            if not known:
                if not times:
                    raise ValueError("times must be None (one price per day) or non-empty")
                for value in times:
                    _check_time(value)
                if hashable:
                    if len(_valid_times) >= 1024:
                        _valid_times.clear()
                    _valid_times.add(times)


class ProductPrice(msgspec.Struct, frozen=True, kw_only=True, rename="camel", gc=False):
    """The per-item price of one product."""

    product_reference: str
    number_of_items: int
    price: Decimal


class TimedPrice(msgspec.Struct, frozen=True, kw_only=True, rename="camel", gc=False):
    """The prices of every requested product on one day, at one start time.

    ``price_time`` is ``None`` when the price is for the whole day.
    """

    price_date: dt.date
    price_time: dt.time | None
    products: tuple[ProductPrice, ...]


class PriceResult(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """The answer to a price lookup: one :class:`TimedPrice` per day and start time.

    >>> result = PriceResult(prices=(TimedPrice(price_date=dt.date(2018, 4, 1),
    ...     price_time=None, products=(ProductPrice(product_reference="adult",
    ...     number_of_items=2, price=Decimal("14.89")),)),))
    >>> result.price("adult", dt.date(2018, 4, 1))
    Decimal('14.89')
    """

    prices: tuple[TimedPrice, ...]

    def price(
        self, product_reference: str, price_date: dt.date, price_time: dt.time | None = None
    ) -> Decimal:
        """The per-item price of a product on a day (and start time, if priced per time).

        Raises ``KeyError`` when the result holds no such price.
        """
        for timed in self.prices:
            if timed.price_date == price_date and timed.price_time == price_time:
                for product in timed.products:
                    if product.product_reference == product_reference:
                        return product.price
        at = f" at {price_time.isoformat()}" if price_time is not None else ""
        raise KeyError(f"no price for {product_reference!r} on {price_date.isoformat()}{at}")
