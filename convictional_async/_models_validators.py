"""Shared attrs validators for request models: each raises ``ValueError`` and skips UNSET.

One validator per kind of argument (text, id, count, money, timestamp, choice,
collection), so every request model states its bounds the same way::

    quantity: int = attrs.field(validator=positive_int)
"""

from __future__ import annotations

import reprlib
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs

from .core._serialization import UNSET
from .core._validate import integer

Validator = Callable[[Any, "attrs.Attribute[Any]", Any], None]


def _shown(value: Any) -> str:
    return reprlib.repr(value)


def text(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """A non-blank string (an id, a reference, a required name)."""
    if value is UNSET:
        return
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{attribute.name} must be a non-empty string, got {_shown(value)}")


def any_text(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """Any string, empty included (a note, a reason)."""
    if value is not UNSET and not isinstance(value, str):
        raise ValueError(f"{attribute.name} must be a string, got {_shown(value)}")


def flag(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """A bool."""
    if value is not UNSET and not isinstance(value, bool):
        raise ValueError(f"{attribute.name} must be True or False, got {_shown(value)}")


def _integer_at_least(minimum: int) -> Validator:
    def check(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is not UNSET:
            integer(attribute.name, value, minimum)

    return check


positive_int = _integer_at_least(1)
"""An int >= 1 (a quantity)."""
non_negative_int = _integer_at_least(0)
"""An int >= 0 (a stock level, a position)."""


MAX_INTEGER_DIGITS = 12
"""Digits a decimal amount may have before the point (below 10**12)."""
MAX_DECIMAL_PLACES = 10
"""Digits a decimal amount may have after the point."""


def non_negative_decimal(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """A finite ``Decimal`` >= 0 (money, a weight, a length) below 10**12 with at most 10
    decimal places, never ``-0``; floats are refused. The bounds are checked on the digits
    and exponent, before anything costs time in proportion to the exponent."""
    if value is UNSET:
        return
    if not isinstance(value, Decimal) or not value.is_finite() or value.is_signed():
        raise ValueError(
            f"{attribute.name} must be a finite Decimal >= 0 (e.g. Decimal('9.99')), "
            f"got {_shown(value)}"
        )
    if len(value.as_tuple().digits) > 64:
        raise ValueError(f"{attribute.name} has too many digits")
    if value and value.adjusted() >= MAX_INTEGER_DIGITS:
        raise ValueError(f"{attribute.name} must be below 10**{MAX_INTEGER_DIGITS}")
    exponent = value.normalize().as_tuple().exponent  # cheap: at most 64 digits
    if isinstance(exponent, int) and -exponent > MAX_DECIMAL_PLACES:
        raise ValueError(f"{attribute.name} must have at most {MAX_DECIMAL_PLACES} decimal places")


def aware_datetime(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """A timezone-aware ``datetime``."""
    if value is UNSET:
        return
    if not isinstance(value, datetime):
        raise ValueError(f"{attribute.name} must be a datetime, got {_shown(value)}")
    if value.utcoffset() is None:
        raise ValueError(
            f"{attribute.name} must be timezone-aware (e.g. tzinfo=UTC), got a naive datetime"
        )


def one_of(*choices: str) -> Validator:
    """One of a few documented strings."""

    def check(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is not UNSET and value not in choices:
            raise ValueError(f"{attribute.name} must be one of {choices}, got {_shown(value)}")

    return check


def tuple_of(cls: type[Any] | tuple[type[Any], ...], *, at_least: int = 0) -> Validator:
    """A tuple (or list) of ``cls`` instances with at least ``at_least`` members."""
    names = cls.__name__ if isinstance(cls, type) else " or ".join(c.__name__ for c in cls)

    def check(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is UNSET:
            return
        if not isinstance(value, tuple | list) or not all(isinstance(v, cls) for v in value):
            raise ValueError(f"{attribute.name} must be a tuple of {names}, got {_shown(value)}")
        if len(value) < at_least:
            raise ValueError(f"{attribute.name} needs at least {at_least} entry, got none")

    return check


def texts(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """A tuple (or list) of non-blank strings (tags, URLs, ids)."""
    if value is UNSET:
        return
    if not isinstance(value, tuple | list) or not all(
        isinstance(v, str) and v.strip() for v in value
    ):
        raise ValueError(
            f"{attribute.name} must be a tuple of non-empty strings, got {_shown(value)}"
        )


def json_object(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """A mapping with string keys (free-form ``attributes``/``metafields``)."""
    if value is UNSET:
        return
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        raise ValueError(f"{attribute.name} must be a mapping with str keys, got {_shown(value)}")


def json_objects(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """A tuple (or list) of mappings with string keys."""
    if value is UNSET:
        return
    if not isinstance(value, tuple | list):
        raise ValueError(f"{attribute.name} must be a tuple of mappings, got {_shown(value)}")
    for member in value:
        json_object(_, attribute, member)
