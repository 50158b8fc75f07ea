r"""Inventory event models: frozen, validated on construction, exactly the ``/events`` wire format.

Each event class is the event's payload; on the wire it travels in the documented
envelope ``{"type": "<EventName>", "payload": {...}}`` inside a JSON array. Wherever the
docs say "set to null" (``availability``, ``minAcceptedPrice``, ``averageTargetPrice``,
``startTime``) an explicit ``null`` is sent, never an omitted key. Money is a decimal
string in plain notation (``"18.00"``, never ``"1.8E+1"``), dates ``YYYY-MM-DD`` (as
``eventDate``, not the docs' example typo ``eventdate``), times ``HH:MM:SS``.

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


def _reference(value: object, what: str = "product_reference") -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{what} must be a non-empty string, got {value!r}")


def _availability(value: object, *, nullable: bool) -> None:
    if value is None and nullable:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        allowed = "an integer >= 0 or None (unlimited)" if nullable else "an integer >= 0"
        raise ValueError(f"availability must be {allowed}, got {value!r}")


def _money(value: object, what: str, *, required: bool) -> Decimal | None:
    """Validate a price and return it in plain (non-exponent) notation."""
    if value is None:
        if required:
            raise ValueError(f"{what} is required")
        return None
    if isinstance(value, bool | float) or not isinstance(value, Decimal | int | str):
        raise ValueError(f"{what} must be a Decimal (or int or decimal string), got {value!r}")
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"{what} is not a decimal number: {value!r}") from None
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"{what} must be a finite amount >= 0, got {value!r}")
    return Decimal(format(amount, "f"))


class Pricing(msgspec.Struct, frozen=True, kw_only=True, rename="camel", gc=False):
    """A product's accepted price range; ``None`` means "no minimum" / "no target".

    Prices may be given as ``Decimal``, ``int`` or decimal strings (never ``float``) and
    are kept as ``Decimal``.
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
    """A new product; ``availability=None`` means unlimited."""

    product_reference: str
    name: str
    availability: int | None = None
    pricing: Pricing

    def __post_init__(self) -> None:
        _reference(self.product_reference)
        _reference(self.name, "name")
        _availability(self.availability, nullable=True)
        if not isinstance(self.pricing, Pricing):
            raise ValueError(f"pricing must be a Pricing, got {self.pricing!r}")


class ProductPricingChanged(msgspec.Struct, frozen=True, kw_only=True, rename="camel", gc=False):
    """A product's accepted price range changed (the whole ``Pricing`` is replaced)."""

    product_reference: str
    pricing: Pricing

    def __post_init__(self) -> None:
        _reference(self.product_reference)
        if not isinstance(self.pricing, Pricing):
            raise ValueError(f"pricing must be a Pricing, got {self.pricing!r}")


class ProductRemoved(msgspec.Struct, frozen=True, kw_only=True, rename="camel", gc=False):
    """A product was removed."""

    product_reference: str

    def __post_init__(self) -> None:
        _reference(self.product_reference)


class ProductAvailabilityChanged(
    msgspec.Struct, frozen=True, kw_only=True, rename="camel", gc=False
):
    """Availability on one day (``start_time=None``) or at one start time changed."""

    product_reference: str
    event_date: dt.date
    start_time: dt.time | None = None
    availability: int

    def __post_init__(self) -> None:
        _reference(self.product_reference)
        if not isinstance(self.event_date, dt.date) or isinstance(self.event_date, dt.datetime):
            raise ValueError(f"event_date must be a datetime.date, got {self.event_date!r}")
        start = self.start_time
        if start is not None and (
            not isinstance(start, dt.time) or start.tzinfo is not None or start.microsecond
        ):
            raise ValueError(f"start_time must be a naive whole-second time or None, got {start!r}")
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
_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(_Envelope)


def envelope(event: Event) -> _Envelope:
    """Wrap one event in its wire envelope; ``ValueError`` if it is not an event."""
    wrapper = _ENVELOPES.get(type(event))
    if wrapper is None:
        raise ValueError(f"not an inventory event: {event!r}")
    return wrapper(payload=event)  # type: ignore[arg-type]


def encode_event(event: Event) -> bytes:
    """One event as its JSON envelope."""
    return _encoder.encode(envelope(event))


def encode_events(events: Iterable[Event]) -> bytes:
    """A batch of events as the JSON array ``POST /events`` takes."""
    return _encoder.encode([envelope(event) for event in events])


def decode_event(data: bytes | str) -> Event:
    """One JSON envelope back into its event; ``ValueError`` says what is wrong with it."""
    try:
        envelope: _Envelope = _decoder.decode(data)
    except msgspec.ValidationError as exc:
        raise ValueError(f"invalid event: {exc}") from None
    except msgspec.DecodeError as exc:
        raise ValueError(f"not a JSON event: {exc}") from None
    return envelope.payload


def iter_events(path: str | Path) -> Iterator[Event]:
    """Stream events from a JSON Lines file (one envelope per line; blank lines skipped).

    Raises ``ValueError`` naming the line of the first invalid event.
    """
    with Path(path).open("rb") as lines:
        for number, line in enumerate(lines, 1):
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
