"""Pure checks of request bodies, collecting problems per field (``items[0].quantity``).

``Checker`` reads one JSON object and records every problem it finds, so one answer lists
them all; ``Checker.raise_if_any()`` turns them into a validation ``ApiError``. Bounds: text
fields at most 5,000 characters (names and codes 255), integers and money within the ranges
named at each field, money as JSON numbers (never strings), at most 4 decimals.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any, Final

from ._errors import ApiError, Problems
from ._ids import parse_rfc3339

__all__ = ["MAX_MONEY", "MAX_TEXT", "Checker", "as_object"]

MAX_TEXT: Final = 5_000
MAX_NAME: Final = 255
MAX_MONEY: Final = Decimal(10**9)
_MISSING: Final = object()


def as_object(body: object) -> dict[str, Any]:
    """Return ``body`` if it is a JSON object, else raise a validation error."""
    if not isinstance(body, dict):
        raise ApiError.invalid("general", "the request body must be a JSON object")
    return body


class Checker:
    """Collects the problems of one JSON object, field by field.

    Example::

        check = Checker(body)
        code = check.text("code", required=True, max_length=255)
        check.raise_if_any()
    """

    def __init__(
        self, body: Mapping[str, Any], *, prefix: str = "", problems: Problems | None = None
    ) -> None:
        self.body = body
        self.prefix = prefix
        self.problems: Problems = {} if problems is None else problems

    def nested(self, value: Mapping[str, Any], path: str) -> Checker:
        """Return a checker for a nested object that adds to the same problems."""
        return Checker(value, prefix=f"{self.path(path)}.", problems=self.problems)

    def path(self, key: str) -> str:
        """Return the full field path of ``key``."""
        return f"{self.prefix}{key}"

    def add(self, key: str, message: str) -> None:
        """Record a problem with ``key``."""
        self.problems.setdefault(self.path(key), []).append(message)

    def _get(self, key: str, required: bool) -> Any:
        value = self.body.get(key, _MISSING)
        if value is _MISSING and required:
            self.add(key, "is required")
        return value

    def text(
        self, key: str, *, required: bool = False, max_length: int = MAX_TEXT, empty: bool = True
    ) -> str | None:
        """Return a string field (None when absent or invalid)."""
        value = self._get(key, required)
        if value is _MISSING or (value is None and not required):
            return None
        if not isinstance(value, str):
            self.add(key, "must be a string")
        elif len(value) > max_length:
            self.add(key, f"must be at most {max_length} characters")
        elif not value.strip() and (required or not empty):
            self.add(key, "must not be empty")
        else:
            return value
        return None

    def boolean(self, key: str, *, required: bool = False) -> bool | None:
        """Return a boolean field (None when absent or invalid)."""
        value = self._get(key, required)
        if value is _MISSING:
            return None
        if not isinstance(value, bool):
            self.add(key, "must be true or false")
            return None
        return value

    def integer(
        self, key: str, *, low: int, high: int, required: bool = False, below: str | None = None
    ) -> int | None:
        """Return an integer field within ``[low, high]``; ``below`` words a too-low value."""
        value = self._get(key, required)
        if value is _MISSING or (value is None and not required):
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.add(key, "must be an integer")
        elif value < low:
            default = "must not be negative" if low == 0 else f"must be at least {low}"
            self.add(key, below or default)
        elif value > high:
            self.add(key, f"must be at most {high}")
        else:
            return value
        return None

    def money(self, key: str, *, required: bool = False) -> Decimal | None:
        """Return a non-negative JSON number as a ``Decimal`` (None when absent or invalid)."""
        value = self._get(key, required)
        if value is _MISSING or (value is None and not required):
            return None
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            self.add(key, "must be a number")
            return None
        amount = Decimal(value)
        if not amount.is_finite() or not 0 <= amount <= MAX_MONEY:
            self.add(key, f"must be a number from 0 to {MAX_MONEY}")
        elif amount.as_tuple().exponent < -4:  # type: ignore[operator]
            self.add(key, "must have at most 4 decimals")
        else:
            return amount
        return None

    def choice(self, key: str, choices: tuple[str, ...], *, required: bool = False) -> str | None:
        """Return a string field that must be one of ``choices``."""
        value = self._get(key, required)
        if value is _MISSING or (value is None and not required):
            return None
        if value not in choices:
            self.add(key, f"must be one of {', '.join(choices)}")
            return None
        return str(value)

    def datetime_text(
        self, key: str, *, required: bool = False, nullable: bool = False
    ) -> str | None:
        """Return an RFC 3339 timestamp field as sent (None when absent, null or invalid)."""
        value = self._get(key, required)
        if value is _MISSING or (value is None and nullable):
            return None
        if parse_rfc3339(value) is None:
            self.add(key, "must be an RFC 3339 timestamp, e.g. 2020-02-22T10:00:00.000Z")
            return None
        return str(value)

    def obj(self, key: str, *, required: bool = False) -> dict[str, Any] | None:
        """Return a JSON object field (None when absent or invalid)."""
        value = self._get(key, required)
        if value is _MISSING or (value is None and not required):
            return None
        if not isinstance(value, dict):
            self.add(key, "must be an object")
            return None
        return value

    def array(
        self, key: str, *, required: bool = False, min_items: int = 0, max_items: int = 500
    ) -> list[Any] | None:
        """Return a JSON array field with ``min_items`` to ``max_items`` entries."""
        value = self._get(key, required)
        if value is _MISSING or (value is None and not required):
            return None
        if not isinstance(value, list):
            self.add(key, "must be an array")
        elif len(value) < min_items:
            self.add(key, f"must hold at least {min_items} entries")
        elif len(value) > max_items:
            self.add(key, f"must hold at most {max_items} entries")
        else:
            return value
        return None

    def objects(
        self, key: str, values: list[Any] | None
    ) -> Iterator[tuple[int, dict[str, Any], Checker]]:
        """Each object of the array ``values`` (the field ``key``): its index, the object
        and a checker of it; any other entry is recorded as a problem."""
        for index, raw in enumerate(values or []):
            if isinstance(raw, dict):
                yield index, raw, self.nested(raw, f"{key}[{index}]")
            else:
                self.add(f"{key}[{index}]", "must be an object")

    def strings(self, key: str, *, max_items: int = 100) -> list[str] | None:
        """Return an array of strings (tags, URLs), each at most 255 characters."""
        values = self.array(key, max_items=max_items)
        if values is None:
            return None
        if not all(isinstance(v, str) and len(v) <= MAX_NAME for v in values):
            self.add(key, f"must be strings of at most {MAX_NAME} characters")
            return None
        return values

    def raise_if_any(self) -> None:
        """Raise a validation ``ApiError`` listing every problem, if any was found."""
        if self.problems:
            raise ApiError.invalid_many(self.problems)
