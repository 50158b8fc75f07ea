"""Pure validation of pricing requests and event batches, returning structured problems.

Problems are a dict from a field path to its messages, in the order found, e.g.
``{"products[1].numberOfItems": ["numberOfItems must be an integer >= 1."]}`` or
``{"[3].payload.eventDate": ["eventDate is required."]}``. Problems with the body as a whole
use the key ``"non_field_errors"`` (the Django REST framework convention). An empty dict means
the input is valid.

A pricing request may ask for at most ``MAX_PRICES_PER_LOOKUP`` (20,000) prices, counted as
products x days x times (times counts as 1 when null); a larger one is refused with a
``non_field_errors`` problem before any price is computed. The limit bounds the response
(about 1.2 MB) and the time the sandbox spends on one lookup.

Choices where the reference is silent: unknown keys are ignored, except ``eventdate`` (the
documented typo), which is reported; an empty ``times`` array is rejected (send ``null`` for
one price per day); an empty event batch is valid; on a machine with no tz database at all
(neither the OS's nor the ``tzdata`` package) any well-formed ``Area/City`` key is accepted.
"""

from __future__ import annotations

import functools
import ipaddress
import re
import zoneinfo
from collections.abc import Mapping
from datetime import date, time
from decimal import Decimal
from typing import Any, Final

__all__ = [
    "EVENT_TYPES",
    "MAX_PRICES_PER_LOOKUP",
    "NON_FIELD",
    "Problems",
    "first_message",
    "is_strict_date",
    "is_strict_time",
    "is_timezone",
    "validate_events",
    "validate_price_request",
]

Problems = dict[str, list[str]]

NON_FIELD: Final = "non_field_errors"
MAX_PRICES_PER_LOOKUP: Final = 20_000
EVENT_TYPES: Final = (
    "ProductCreated",
    "ProductPricingChanged",
    "ProductRemoved",
    "ProductAvailabilityChanged",
)
_DATE: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TIME: Final = re.compile(r"[0-9]{2}:[0-9]{2}:[0-9]{2}")
_TZ_KEY: Final = re.compile(r"[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*")
_DECIMAL: Final = re.compile(r"-?[0-9]+(\.[0-9]+)?")
_MISSING: Final = object()
_PRICE_FIELDS: Final = (
    "minAcceptedPrice",
    "maxAcceptedPrice",
    "averageTargetPrice",
    "boxOfficePrice",
)


def first_message(problems: Problems) -> str:
    """Return the first message of a non-empty problems dict."""
    return next(iter(problems.values()))[0]


def is_strict_date(value: object) -> bool:
    """Return whether ``value`` is a real calendar date written exactly as ``YYYY-MM-DD``."""
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def is_strict_time(value: object) -> bool:
    """Return whether ``value`` is a real time of day written exactly as ``HH:MM:SS``."""
    if not isinstance(value, str) or not _TIME.fullmatch(value):
        return False
    try:
        time.fromisoformat(value)
    except ValueError:
        return False
    return True


@functools.cache
def _timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def is_timezone(value: object) -> bool:
    """Return whether ``value`` is a tz database key; only its shape when no database exists."""
    if not isinstance(value, str):
        return False
    known = _timezones()
    return value in known if known else bool(_TZ_KEY.fullmatch(value))


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_ip_address(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def _non_empty_string(problems: Problems, obj: dict[str, Any], key: str, path: str) -> None:
    value = obj.get(key, _MISSING)
    if value is _MISSING:
        problems.setdefault(path, []).append(f"{key} is required.")
    elif not isinstance(value, str) or not value:
        problems.setdefault(path, []).append(f"{key} must be a non-empty string.")


def _add(problems: Problems, path: str, message: str) -> None:
    problems.setdefault(path, []).append(message)


def validate_price_request(body: object, *, max_date_range_days: int, max_times: int) -> Problems:
    """Return the problems of a ``POST /api/price/rtp`` body."""
    problems: Problems = {}
    if not isinstance(body, dict):
        _add(problems, NON_FIELD, "The request body must be a JSON object.")
        return problems
    _non_empty_string(problems, body, "cookieId", "cookieId")
    ip = body.get("ip")
    if ip is not None and not _is_ip_address(ip):
        _add(problems, "ip", "ip must be null or a valid IPv4 or IPv6 address.")
    dates_ok = True
    for key in ("dateFrom", "dateTo"):
        value = body.get(key, _MISSING)
        if value is _MISSING:
            _add(problems, key, f"{key} is required.")
            dates_ok = False
        elif not is_strict_date(value):
            _add(problems, key, f"{key} must be a date in YYYY-MM-DD format.")
            dates_ok = False
    if dates_ok:
        days = (date.fromisoformat(body["dateTo"]) - date.fromisoformat(body["dateFrom"])).days
        if days < 0:
            _add(problems, "dateTo", "dateTo must not be before dateFrom.")
        elif days + 1 > max_date_range_days:
            _add(problems, "dateTo", f"The date range must not exceed {max_date_range_days} days.")
    timezone = body.get("timezone", _MISSING)
    if timezone is _MISSING:
        _add(problems, "timezone", "timezone is required.")
    elif not is_timezone(timezone):
        _add(problems, "timezone", "timezone must be a name from the tz database.")
    _check_products(problems, body.get("products", _MISSING))
    _check_times(problems, body.get("times"), max_times)
    if not problems:
        _check_size(problems, body)
    return problems


def _check_size(problems: Problems, body: dict[str, Any]) -> None:
    """A valid request must not ask for more than ``MAX_PRICES_PER_LOOKUP`` prices."""
    days = (date.fromisoformat(body["dateTo"]) - date.fromisoformat(body["dateFrom"])).days + 1
    prices = len(body["products"]) * days * len(body.get("times") or [None])
    if prices > MAX_PRICES_PER_LOOKUP:
        _add(
            problems,
            NON_FIELD,
            f"A lookup may ask for at most {MAX_PRICES_PER_LOOKUP} prices "
            f"(products x days x times); this one asks for {prices}.",
        )


def _check_products(problems: Problems, products: object) -> None:
    if products is _MISSING:
        _add(problems, "products", "products is required.")
        return
    if not isinstance(products, list) or not products:
        _add(problems, "products", "products must be a non-empty array.")
        return
    for index, item in enumerate(products):
        path = f"products[{index}]"
        if not isinstance(item, dict):
            _add(problems, path, "Each product must be an object.")
            continue
        _non_empty_string(problems, item, "productReference", f"{path}.productReference")
        _required_int(problems, item, "numberOfItems", path, 1, "an integer >= 1")


def _required_int(
    problems: Problems, document: Mapping[str, Any], key: str, path: str, minimum: int, rule: str
) -> None:
    """``document[key]`` must be present and an integer of at least ``minimum``."""
    value = document.get(key, _MISSING)
    if value is _MISSING:
        _add(problems, f"{path}.{key}", f"{key} is required.")
    elif not _is_int(value) or value < minimum:
        _add(problems, f"{path}.{key}", f"{key} must be {rule}.")


def _check_times(problems: Problems, times: object, max_times: int) -> None:
    if times is None:
        return
    if not isinstance(times, list):
        _add(problems, "times", "times must be null or an array of HH:MM:SS strings.")
    elif not times:
        _add(problems, "times", "times must not be empty; send null for one price per day.")
    elif len(times) > max_times:
        _add(problems, "times", f"times must not hold more than {max_times} entries.")
    else:
        for index, value in enumerate(times):
            if not is_strict_time(value):
                _add(problems, f"times[{index}]", "Each time must be in HH:MM:SS format.")


def validate_events(body: object) -> Problems:
    """Return the problems of a ``POST /events`` body (a JSON array of events)."""
    problems: Problems = {}
    if not isinstance(body, list):
        _add(problems, NON_FIELD, "The request body must be a JSON array of events.")
        return problems
    for index, event in enumerate(body):
        path = f"[{index}]"
        if not isinstance(event, dict):
            _add(problems, path, "Each event must be an object with type and payload.")
            continue
        kind = event.get("type", _MISSING)
        payload = event.get("payload", _MISSING)
        if kind is _MISSING:
            _add(problems, f"{path}.type", "type is required.")
        elif kind not in EVENT_TYPES:
            _add(problems, f"{path}.type", f"Unknown event type {kind!r}.")
        if payload is _MISSING:
            _add(problems, f"{path}.payload", "payload is required.")
        elif not isinstance(payload, dict):
            _add(problems, f"{path}.payload", "payload must be an object.")
        elif kind in EVENT_TYPES:
            _check_payload(problems, str(kind), payload, f"{path}.payload")
    return problems


def _check_payload(problems: Problems, kind: str, payload: dict[str, Any], path: str) -> None:
    _non_empty_string(problems, payload, "productReference", f"{path}.productReference")
    if kind == "ProductCreated":
        _non_empty_string(problems, payload, "name", f"{path}.name")
        availability = payload.get("availability")
        if availability is not None and (not _is_int(availability) or availability < 0):
            _add(problems, f"{path}.availability", "availability must be null or an int >= 0.")
    if kind in ("ProductCreated", "ProductPricingChanged"):
        _check_pricing(problems, payload.get("pricing", _MISSING), f"{path}.pricing")
    if kind == "ProductAvailabilityChanged":
        _check_availability_change(problems, payload, path)


def _check_availability_change(problems: Problems, payload: dict[str, Any], path: str) -> None:
    event_date = payload.get("eventDate", _MISSING)
    if event_date is _MISSING:
        _add(problems, f"{path}.eventDate", "eventDate is required.")
        if "eventdate" in payload:
            _add(problems, f"{path}.eventdate", "Unknown field eventdate; did you mean eventDate?")
    elif not is_strict_date(event_date):
        _add(problems, f"{path}.eventDate", "eventDate must be a date in YYYY-MM-DD format.")
    start_time = payload.get("startTime")
    if start_time is not None and not is_strict_time(start_time):
        _add(problems, f"{path}.startTime", "startTime must be null or a time in HH:MM:SS format.")
    _required_int(problems, payload, "availability", path, 0, "an int >= 0")


def _check_pricing(problems: Problems, pricing: object, path: str) -> None:
    if pricing is _MISSING:
        _add(problems, path, "pricing is required.")
        return
    if not isinstance(pricing, dict):
        _add(problems, path, "pricing must be an object.")
        return
    if pricing.get("maxAcceptedPrice") is None:
        _add(problems, f"{path}.maxAcceptedPrice", "maxAcceptedPrice is required.")
    amounts: dict[str, Decimal] = {}
    for key in _PRICE_FIELDS:
        value = pricing.get(key)
        if value is None:
            continue
        if not isinstance(value, str) or not _DECIMAL.fullmatch(value):
            _add(problems, f"{path}.{key}", f"{key} must be a decimal string such as '12.50'.")
        elif Decimal(value) < 0:
            _add(problems, f"{path}.{key}", f"{key} must not be negative.")
        else:
            amounts[key] = Decimal(value)
    low, high = amounts.get("minAcceptedPrice"), amounts.get("maxAcceptedPrice")
    if low is not None and high is not None and low > high:
        _add(
            problems,
            f"{path}.minAcceptedPrice",
            "minAcceptedPrice must not exceed maxAcceptedPrice.",
        )
