"""Small checks of user input: each returns the value or raises ``ValueError`` naming it.

A bool is never taken for a number. Messages show a short repr of the value, so a long
string (or a secret pasted in the wrong place) is never copied whole into the error.

The functions take ``(name, value, ...)``; :func:`attrs_check` turns one into an attrs
field validator that names the field::

    size: int = attrs.field(validator=attrs_check(positive_int, high=1_000))
"""

from __future__ import annotations

import contextlib
import math
import reprlib
import sys
from collections.abc import Callable, Iterable
from typing import Any, Concatenate

__all__ = [
    "attrs_check",
    "brief",
    "integer",
    "non_negative_int",
    "non_negative_number",
    "positive_int",
    "positive_number",
    "string_set",
]

_BRIEF = reprlib.Repr()
_BRIEF.maxstring = 30
_BRIEF.maxother = 30


def brief(value: object) -> str:
    """A short repr of a user's value, for an error message.

    >>> brief("x" * 100)
    "'xxxxxxxxxxxx...xxxxxxxxxxxxx'"
    >>> brief(10**100)
    'an integer of 333 bits'
    """
    if isinstance(value, int) and not -(2**64) < value < 2**64:
        return f"an integer of {value.bit_length()} bits"
    return _BRIEF.repr(value)


def _shown(value: object) -> str:
    """The value if it is a number, else only its type (it may be a misplaced secret)."""
    if isinstance(value, int | float):
        return brief(value)
    return f"a {type(value).__name__}"


def _as_number(value: object) -> int | float | None:
    """``value`` if it is an int or a float (not a bool), else None."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    return None


def _range(low: float, high: float | None) -> str:
    return f">= {low}" if high is None else f"from {low} to {high}"


def integer(name: str, value: object, low: int, high: int | None = None) -> int:
    """An int from ``low`` to ``high`` (inclusive; no upper bound if ``high`` is None).

    >>> integer("retries", 3, 0, 10)
    3
    >>> integer("retries", 11, 0, 10)
    Traceback (most recent call last):
    ValueError: retries must be an integer from 0 to 10, got 11
    >>> integer("retries", "3", 0, 10)
    Traceback (most recent call last):
    ValueError: retries must be an integer from 0 to 10, got a str
    """
    number = _as_number(value)
    if isinstance(number, int) and low <= number and (high is None or number <= high):
        return number
    raise ValueError(f"{name} must be an integer {_range(low, high)}, got {_shown(value)}")


def positive_int(name: str, value: object, high: int | None = None) -> int:
    """An int >= 1 (and <= ``high`` if given).

    >>> positive_int("max_connections", 0)
    Traceback (most recent call last):
    ValueError: max_connections must be an integer >= 1, got 0
    >>> positive_int("limit", True, high=250)
    Traceback (most recent call last):
    ValueError: limit must be an integer from 1 to 250, got True
    """
    return integer(name, value, 1, high)


def non_negative_int(name: str, value: object, high: int | None = None) -> int:
    """An int >= 0 (and <= ``high`` if given).

    >>> non_negative_int("start", 0)
    0
    """
    return integer(name, value, 0, high)


def _number(name: str, value: object, high: float, *, zero: bool) -> float:
    number = _as_number(value)
    above = number is not None and (number >= 0 if zero else number > 0)
    # sys.float_info.max, not math.inf: an int too large for a float is not finite either
    if number is not None and above and number <= high and number <= sys.float_info.max:
        return number
    upper = "" if high == math.inf else f" and <= {high:g}"
    raise ValueError(
        f"{name} must be a number {'>=' if zero else '>'} 0{upper}, got {_shown(value)}"
    )


def non_negative_number(name: str, value: object, high: float = math.inf) -> float:
    """A finite int or float >= 0 (and <= ``high``); NaN is refused.

    >>> non_negative_number("linger", 0.05)
    0.05
    >>> non_negative_number("linger", float("nan"))
    Traceback (most recent call last):
    ValueError: linger must be a number >= 0, got nan
    """
    return _number(name, value, high, zero=True)


def positive_number(name: str, value: object, high: float = math.inf) -> float:
    """A finite int or float > 0 (and <= ``high``).

    >>> positive_number("timeout", 0)
    Traceback (most recent call last):
    ValueError: timeout must be a number > 0, got 0
    >>> positive_number("delay", 5, high=1)
    Traceback (most recent call last):
    ValueError: delay must be a number > 0 and <= 1, got 5
    >>> positive_number("timeout", 10**400)  # finite, but not as a float
    Traceback (most recent call last):
    ValueError: timeout must be a number > 0, got an integer of 1329 bits
    """
    return _number(name, value, high, zero=False)


def string_set(name: str, value: object) -> frozenset[str]:
    """A non-empty collection of non-empty strings, as a frozenset (a bare str is refused).

    >>> sorted(string_set("api_versions", ["v1", "v2"]))
    ['v1', 'v2']
    >>> string_set("api_versions", "v1")
    Traceback (most recent call last):
    ValueError: api_versions must be a non-empty set of non-empty strings, got 'v1'
    """
    result: frozenset[object] = frozenset()
    if isinstance(value, Iterable) and not isinstance(value, str | bytes):
        with contextlib.suppress(TypeError):  # an unhashable member
            result = frozenset(value)
    if not result or not all(isinstance(v, str) and v for v in result):
        raise ValueError(f"{name} must be a non-empty set of non-empty strings, got {brief(value)}")
    return frozenset(str(v) for v in result)


def attrs_check(
    check: Callable[Concatenate[str, object, ...], object], *args: Any, **kwargs: Any
) -> Callable[[Any, Any, Any], None]:
    """An attrs field validator that runs ``check(field_name, value, *args, **kwargs)``.

    >>> import attrs
    >>> @attrs.frozen
    ... class Lane:
    ...     size: int = attrs.field(validator=attrs_check(positive_int, high=10))
    >>> Lane(11)
    Traceback (most recent call last):
    ValueError: size must be an integer from 1 to 10, got 11
    """

    def validate(_: Any, attribute: Any, value: Any) -> None:
        check(attribute.name, value, *args, **kwargs)

    return validate
