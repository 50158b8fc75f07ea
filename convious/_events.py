r"""Inventory event models: frozen, validated on construction, exactly the ``/events`` wire format.

Each event class is the event's payload; on the wire it travels in the documented
envelope ``{"type": "<EventName>", "payload": {...}}`` inside a JSON array. Wherever the
docs say "set to null" (``availability``, ``minAcceptedPrice``, ``averageTargetPrice``,
``startTime``) an explicit ``null`` is sent, never an omitted key. Money is a decimal
string in plain notation (``"18.00"``, never ``"1.8E+1"``), dates ``YYYY-MM-DD`` (as
``eventDate``, not the docs' example typo ``eventdate``), times ``HH:MM:SS``.

Envelopes are encoded by :func:`convious._serialization.encode`, the package's one
encoder. They are decoded here (:func:`decode_event`), not by ``_serialization``'s
response decoder: what is read back is the user's data (a JSON Lines file, the spool),
so a bad event is a ``ValueError`` naming the problem, never a ``ResponseDecodeError``.

Every input is bounded, and checked on construction (``ValueError`` otherwise):

* ``product_reference`` and ``name``: 1 to 256 printable characters (as in
  :mod:`convious._models`);
* ``availability``: an integer from 0 to :data:`MAX_AVAILABILITY` (10**9);
* prices: ``Decimal``, ``int`` or a decimal string of at most 64 characters, finite,
  ``>= 0`` (``-0`` is refused), with at most :data:`MAX_PRICE_INTEGER_DIGITS` (12)
  digits before the decimal point and :data:`MAX_PRICE_DECIMAL_PLACES` (6) after it
  (zeros beyond the sixth place are dropped). The size is checked before anything
  that grows with the exponent, and every accepted price has a plain-notation ``str``;
* a JSON Lines file: at most :data:`MAX_EVENT_LINE_BYTES` (64 KiB) per line.

>>> from decimal import Decimal
>>> event = ProductCreated(product_reference="adult", name="Adult ticket", availability=30,
...     pricing=Pricing(max_accepted_price=Decimal("18.00"), min_accepted_price=Decimal("12.50")))
>>> print(encode_event(event).decode().replace(',"', ',\n "'))
{"type":"ProductCreated",
 "payload":{"productReference":"adult",
 "name":"Adult ticket",
 "availability":30,
 "pricing":{"minAcceptedPrice":"12.50",
 "maxAcceptedPrice":"18.00",
 "averageTargetPrice":null,
 "boxOfficePrice":null}}}
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import msgspec
from msgspec.structs import force_setattr

from convictional_async.core._validate import brief, integer

from ._models import check_text
from ._serialization import encode

MAX_AVAILABILITY = 10**9
"""The highest availability an event may set."""
MAX_PRICE_INTEGER_DIGITS = 12
"""Digits before the decimal point of a price (so prices stay below 10**12)."""
MAX_PRICE_DECIMAL_PLACES = 6
"""Digits after the decimal point of a price (at most 6 keeps ``str()`` plain)."""
MAX_EVENT_LINE_BYTES = 64 * 1024
"""The longest JSON Lines line (newline included) or JSON envelope read."""
_MAX_PRICE_TEXT = 64
_MAX_PRICE_INT = 10**MAX_PRICE_INTEGER_DIGITS


def _availability(value: object, *, nullable: bool) -> None:
    if value is None and nullable:
        return
    try:
        integer("availability", value, 0, MAX_AVAILABILITY)
    except ValueError:
        if nullable:
            raise ValueError(
                f"availability must be an integer from 0 to {MAX_AVAILABILITY} or None "
                f"(unlimited), got {brief(value)}"
            ) from None
        raise


def _money(value: object, what: str, *, required: bool) -> Decimal | None:
    """Validate a price and return it with an exponent from -6 to 0 (plain ``str()``)."""
    if value is None:
        if required:
            raise ValueError(f"{what} is required")
        return None
    if isinstance(value, bool | float) or not isinstance(value, Decimal | int | str):
        raise ValueError(f"{what} must be a Decimal (or int or decimal string), got {brief(value)}")
    if isinstance(value, str) and len(value) > _MAX_PRICE_TEXT:
        raise ValueError(f"{what} is too long for a price ({len(value)} characters)")
    if isinstance(value, int) and not 0 <= value < _MAX_PRICE_INT:  # before Decimal(value)
        if value < 0:
            raise ValueError(f"{what} must be >= 0, got {brief(value)}")
        raise ValueError(
            f"{what} must have at most {MAX_PRICE_INTEGER_DIGITS} digits before the decimal point"
        )
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"{what} is not a decimal number: {brief(value)}") from None
    if not amount.is_finite():
        raise ValueError(f"{what} must be a finite amount, got {brief(value)}")
    if amount.is_signed():
        raise ValueError(f"{what} must be >= 0 (and not -0), got {brief(value)}")
    return _plain(amount, what)


def _plain(amount: Decimal, what: str) -> Decimal:
    """``amount`` (finite, >= 0) rescaled to an exponent from -6 to 0, if its size allows.

    Nothing that grows with the exponent runs before the size is checked: ``adjusted()``
    takes constant time, ``as_tuple()`` time in the digits the value already holds.
    """
    if amount and amount.adjusted() >= MAX_PRICE_INTEGER_DIGITS:
        raise ValueError(
            f"{what} must have at most {MAX_PRICE_INTEGER_DIGITS} digits before the decimal point"
        )
    parts = amount.as_tuple()
    digits, exponent = parts.digits, int(parts.exponent)  # an int: the amount is finite
    if not amount:
        return Decimal((0, (0,), min(max(exponent, -MAX_PRICE_DECIMAL_PLACES), 0)))
    if exponent > 0:
        return Decimal((0, digits + (0,) * exponent, 0))
    extra = -MAX_PRICE_DECIMAL_PLACES - exponent
    if extra > 0:
        if any(digits[-extra:]):
            places = MAX_PRICE_DECIMAL_PLACES
            raise ValueError(
                f"{what} must have at most {places} decimal places, got {brief(amount)}"
            )
        return Decimal((0, digits[:-extra], -MAX_PRICE_DECIMAL_PLACES))
    return amount


class Pricing(msgspec.Struct, frozen=True, kw_only=True, rename="camel", gc=False):
    """A product's accepted price range; ``None`` means "no minimum" / "no target".

    Prices may be given as ``Decimal``, ``int`` or decimal strings (never ``float``) and
    are kept as ``Decimal``: from 0 to below 10**12, at most 6 decimal places, not ``-0``.
    """

    min_accepted_price: Decimal | None = None
    max_accepted_price: Decimal
    average_target_price: Decimal | None = None
    box_office_price: Decimal | None = None

    def __post_init__(self) -> None:
        for name in (
            "min_accepted_price",
            "max_accepted_price",
            "average_target_price",
            "box_office_price",
        ):
            value = getattr(self, name)
            normalized = _money(value, name, required=name == "max_accepted_price")
            if normalized is not value:
                force_setattr(self, name, normalized)
        low, high = self.min_accepted_price, self.max_accepted_price
        if low is not None and high is not None and low > high:
            raise ValueError(f"min_accepted_price {low} is above max_accepted_price {high}")


class ProductCreated(msgspec.Struct, frozen=True, kw_only=True, rename="camel", gc=False):
    """A new product; ``availability=None`` means unlimited (else 0 to 10**9)."""

    product_reference: str
    name: str
    availability: int | None = None
    pricing: Pricing

    def __post_init__(self) -> None:
        check_text(self.product_reference, "product_reference")
        check_text(self.name, "name")
        _availability(self.availability, nullable=True)
        if not isinstance(self.pricing, Pricing):
            raise ValueError(f"pricing must be a Pricing, got {brief(self.pricing)}")


class ProductPricingChanged(msgspec.Struct, frozen=True, kw_only=True, rename="camel", gc=False):
    """A product's accepted price range changed (the whole ``Pricing`` is replaced)."""

    product_reference: str
    pricing: Pricing

    def __post_init__(self) -> None:
        check_text(self.product_reference, "product_reference")
        if not isinstance(self.pricing, Pricing):
            raise ValueError(f"pricing must be a Pricing, got {brief(self.pricing)}")


class ProductRemoved(msgspec.Struct, frozen=True, kw_only=True, rename="camel", gc=False):
    """A product was removed."""

    product_reference: str

    def __post_init__(self) -> None:
        check_text(self.product_reference, "product_reference")


class ProductAvailabilityChanged(
    msgspec.Struct, frozen=True, kw_only=True, rename="camel", gc=False
):
    """Availability (0 to 10**9) on one day (``start_time=None``) or at one start time changed."""

    product_reference: str
    event_date: dt.date
    start_time: dt.time | None = None
    availability: int

    def __post_init__(self) -> None:
        check_text(self.product_reference, "product_reference")
        if not isinstance(self.event_date, dt.date) or isinstance(self.event_date, dt.datetime):
            raise ValueError(f"event_date must be a datetime.date, got {brief(self.event_date)}")
        start = self.start_time
        if start is not None and (
            not isinstance(start, dt.time) or start.tzinfo is not None or start.microsecond
        ):
            raise ValueError(
                f"start_time must be a naive whole-second time or None, got {brief(start)}"
            )
        _availability(self.availability, nullable=False)


Event = ProductCreated | ProductPricingChanged | ProductRemoved | ProductAvailabilityChanged
"""Any inventory event."""

EVENT_TYPES: tuple[type[Event], ...] = (
    ProductCreated,
    ProductPricingChanged,
    ProductRemoved,
    ProductAvailabilityChanged,
)


# The documented envelope, as a msgspec tagged union: {"type": "<name>", "payload": {...}}.
class _Created(msgspec.Struct, tag_field="type", tag="ProductCreated", frozen=True, gc=False):
    payload: ProductCreated


class _PricingChanged(
    msgspec.Struct, tag_field="type", tag="ProductPricingChanged", frozen=True, gc=False
):
    payload: ProductPricingChanged


class _Removed(msgspec.Struct, tag_field="type", tag="ProductRemoved", frozen=True, gc=False):
    payload: ProductRemoved


class _AvailabilityChanged(
    msgspec.Struct, tag_field="type", tag="ProductAvailabilityChanged", frozen=True, gc=False
):
    payload: ProductAvailabilityChanged


_Envelope = _Created | _PricingChanged | _Removed | _AvailabilityChanged
_ENVELOPES: dict[type[Any], type[_Envelope]] = {
    ProductCreated: _Created,
    ProductPricingChanged: _PricingChanged,
    ProductRemoved: _Removed,
    ProductAvailabilityChanged: _AvailabilityChanged,
}
_decoder = msgspec.json.Decoder(_Envelope)


def envelope(event: Event) -> _Envelope:
    """Wrap one event in its wire envelope; ``ValueError`` if it is not an event."""
    wrapper = _ENVELOPES.get(type(event))
    if wrapper is None:
        raise ValueError(f"not an inventory event: {brief(event)}")
    return wrapper(payload=event)  # type: ignore[arg-type]


def encode_event(event: Event) -> bytes:
    """One event as its JSON envelope."""
    return encode(envelope(event))


def encode_events(events: Iterable[Event]) -> bytes:
    """A batch of events as the JSON array ``POST /events`` takes."""
    return encode([envelope(event) for event in events])


def decode_event(data: bytes | str) -> Event:
    """One JSON envelope back into its event; ``ValueError`` says what is wrong with it."""
    if len(data) > MAX_EVENT_LINE_BYTES:
        raise ValueError(
            f"an event is at most {MAX_EVENT_LINE_BYTES} bytes; this one is longer than that"
        )
    try:
        envelope: _Envelope = _decoder.decode(data)
    except msgspec.ValidationError as exc:
        raise ValueError(f"invalid event: {exc}") from None
    except msgspec.DecodeError as exc:
        raise ValueError(f"not a JSON event: {exc}") from None
    return envelope.payload


def iter_events(path: str | Path) -> Iterator[Event]:
    """Stream events from a JSON Lines file (one envelope per line; blank lines skipped).

    Raises ``ValueError`` naming the line of the first invalid event; a line longer than
    :data:`MAX_EVENT_LINE_BYTES` is refused without being read whole.
    """
    with Path(path).open("rb") as lines:
        number = 0
        while line := lines.readline(MAX_EVENT_LINE_BYTES + 1):
            number += 1
            if len(line) > MAX_EVENT_LINE_BYTES:
                raise ValueError(f"{path}, line {number}: longer than {MAX_EVENT_LINE_BYTES} bytes")
            if not line.strip():
                continue
            try:
                yield decode_event(line)
            except ValueError as exc:
                raise ValueError(f"{path}, line {number}: {exc}") from None


def read_events(path: str | Path) -> list[Event]:
    """Every event of a JSON Lines file; ``ValueError`` for the first invalid line."""
    return list(iter_events(path))


def write_events(path: str | Path, events: Iterable[Event]) -> int:
    """Write events as JSON Lines (replayable with :func:`read_events`); return the count."""
    count = 0
    with Path(path).open("wb") as out:
        for event in events:
            out.write(encode_event(event) + b"\n")
            count += 1
    return count
