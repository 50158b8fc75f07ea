"""Pricing models: frozen, typed, exactly the wire format of ``POST /api/price/rtp``.

These are ``msgspec.Struct`` classes rather than attrs classes (see DESIGN.md,
"Serialization"): a month of prices decodes straight from JSON bytes into these types in
one C pass, with no intermediate dicts and no garbage-collector tracking, which is what
lets typed results cost less CPU than untyped dicts from plain aiohttp. Field names are
snake_case in Python and camelCase on the wire.

Every input is bounded, and checked before any traffic (``ValueError`` otherwise). The
API documents no limits; these are far above any real lookup and keep every request
(and its answer) small:

* text ids (``cookie_id``, ``product_reference``): 1 to :data:`MAX_TEXT_LENGTH` (256)
  printable characters (``str.isprintable``: no control, format or line-separator
  characters), not only spaces;
* ``number_of_items``: an integer from 1 to :data:`MAX_NUMBER_OF_ITEMS` (10,000);
* ``date_from..date_to``: at most :data:`MAX_LOOKUP_DAYS` (366) days, both included;
* products x days x start times: at most :data:`MAX_PRICES_PER_LOOKUP` (20,000) prices;
* ``ip``: ``None`` or a ``str`` holding an IPv4 or IPv6 address (no zone id);
* ``timezone``: a tz database name (at most :data:`MAX_TIMEZONE_LENGTH` characters).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import zoneinfo
from decimal import Decimal

import msgspec

from convictional_async.core._validate import brief, integer

MAX_TEXT_LENGTH = 256
"""The longest id or name, in characters."""
MAX_NUMBER_OF_ITEMS = 10_000
"""The most items of one product in a cart."""
MAX_LOOKUP_DAYS = 366
"""The most days one lookup may cover (``date_from`` and ``date_to`` included)."""
MAX_PRICES_PER_LOOKUP = 20_000
"""The most prices one lookup may ask for: products x days x start times."""
MAX_TIMEZONE_LENGTH = 64
"""The longest timezone name looked up in the tz database."""
_MAX_IP_LENGTH = 45  # the longest IPv6 text form (an IPv4-mapped address)


def check_text(value: object, what: str) -> None:
    """``ValueError`` unless ``value`` is 1 to 256 printable characters, not only spaces."""
    if not isinstance(value, str) or not value or value.isspace():
        raise ValueError(f"{what} must be a non-empty string, got {brief(value)}")
    if len(value) > MAX_TEXT_LENGTH:
        raise ValueError(f"{what} must be at most {MAX_TEXT_LENGTH} characters, got {len(value)}")
    if not value.isprintable():
        raise ValueError(
            f"{what} must be printable text (no control characters), got {brief(value)}"
        )


def is_known_timezone(name: str) -> bool:
    """Whether ``name`` is a key of the tz database (``Europe/Amsterdam``, ``UTC``...).

    ``zoneinfo`` keeps the zones it loaded, so a name seen before costs a cache lookup.
    """
    if not name or len(name) > MAX_TIMEZONE_LENGTH or name != name.strip():
        return False
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def _is_ip_address(value: object) -> bool:
    """Whether ``value`` is an IPv4 or IPv6 address as a ``str`` (without a zone id)."""
    if not isinstance(value, str) or len(value) > _MAX_IP_LENGTH or "%" in value:
        return False
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def _check_time(value: object) -> None:
    if not isinstance(value, dt.time):
        raise ValueError(f"times must contain datetime.time values, got {brief(value)}")
    if value.tzinfo is not None:
        raise ValueError(f"times are local to the timezone argument; got an aware time {value}")
    if value.microsecond:
        raise ValueError(f"times are whole seconds (HH:MM:SS), got {value.isoformat()}")


def _check_date(value: object, what: str) -> None:
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise ValueError(f"{what} must be a datetime.date (not a datetime), got {brief(value)}")


class ProductQuantity(msgspec.Struct, frozen=True, kw_only=True, rename="camel", gc=False):
    """A product to price and how many of it (1 to 10,000) the visitor has in the cart.

    >>> ProductQuantity(product_reference="ticket-adult", number_of_items=2)
    ProductQuantity(product_reference='ticket-adult', number_of_items=2)
    """

    product_reference: str
    number_of_items: int

    def __post_init__(self) -> None:
        check_text(self.product_reference, "product_reference")
        integer("number_of_items", self.number_of_items, 1, MAX_NUMBER_OF_ITEMS)


class PriceRequest(msgspec.Struct, frozen=True, kw_only=True, rename="camel", gc=False):
    """The body of a price lookup; constructing one validates it (bounds: module docstring).

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
        if (
            type(cookie_id) is not str
            or not 0 < len(cookie_id) <= MAX_TEXT_LENGTH
            or not cookie_id.isprintable()
            or cookie_id.isspace()
        ):
            check_text(cookie_id, "cookie_id")
        date_from, date_to = self.date_from, self.date_to
        if type(date_from) is not dt.date:
            _check_date(date_from, "date_from")
        if type(date_to) is not dt.date:
            _check_date(date_to, "date_to")
        days = date_to.toordinal() - date_from.toordinal() + 1
        if not 0 < days <= MAX_LOOKUP_DAYS:
            if days <= 0:
                raise ValueError(f"date_from {date_from} is after date_to {date_to}")
            raise ValueError(f"a lookup covers at most {MAX_LOOKUP_DAYS} days, not {days}")
        timezone = self.timezone
        if not isinstance(timezone, str) or not is_known_timezone(timezone):
            raise ValueError(f"timezone must be a tz database name, got {brief(timezone)}")
        ip = self.ip
        if ip is not None and not _is_ip_address(ip):
            raise ValueError(f"ip must be an IPv4 or IPv6 address (a str) or None, got {brief(ip)}")
        products, times = self.products, self.times
        if type(products) is not tuple and not isinstance(products, tuple | list):
            raise ValueError(f"products must be a tuple of ProductQuantity, got {brief(products)}")
        if not products:
            raise ValueError("products must name at least one product")
        per_day = len(products)
        if times is not None:
            if type(times) is not tuple and not isinstance(times, tuple | list):
                raise ValueError(
                    f"times must be a tuple of datetime.time or None, got {brief(times)}"
                )
            per_day *= len(times)
        if per_day * days > MAX_PRICES_PER_LOOKUP:
            raise ValueError(
                f"a lookup asks for at most {MAX_PRICES_PER_LOOKUP} prices (products x days x "
                f"start times), not {per_day * days}"
            )
        for product in products:
            if not isinstance(product, ProductQuantity):
                raise ValueError(f"products must be ProductQuantity values, got {brief(product)}")
        if times is not None:
            if not times:
                raise ValueError("times must be None (one price per day) or non-empty")
            for value in times:
                if type(value) is not dt.time or value.tzinfo is not None or value.microsecond:
                    _check_time(value)  # explains what is wrong


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
