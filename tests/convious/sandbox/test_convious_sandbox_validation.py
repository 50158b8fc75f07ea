"""Pure validation of pricing requests and event batches."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from convious.sandbox import _validation as validation
from convious.sandbox._validation import (
    NON_FIELD,
    first_message,
    is_strict_date,
    is_strict_time,
    is_timezone,
    validate_events,
    validate_price_request,
)

VALID_PRICE_REQUEST: dict[str, Any] = {
    "cookieId": "visitor-1",
    "ip": "244.245.246.247",
    "dateFrom": "2024-04-01",
    "dateTo": "2024-04-30",
    "timezone": "Europe/Amsterdam",
    "products": [
        {"productReference": "adult", "numberOfItems": 2},
        {"productReference": "child", "numberOfItems": 1},
    ],
    "times": ["10:00:00", "10:30:00", "12:30:00"],
}
MISSING = object()


def check_price(body: object, *, days: int = 366, times: int = 48) -> dict[str, list[str]]:
    return validate_price_request(body, max_date_range_days=days, max_times=times)


def with_field(path: tuple[Any, ...], value: object) -> dict[str, Any]:
    body = copy.deepcopy(VALID_PRICE_REQUEST)
    target = body
    for key in path[:-1]:
        target = target[key]
    if value is MISSING:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return body


@pytest.mark.parametrize(
    "value", ["2024-04-01", "2024-02-29", "0001-01-01"], ids=lambda value: str(value)
)
def test_strict_date_accepts(value: str) -> None:
    assert is_strict_date(value)


@pytest.mark.parametrize(
    "value",
    [
        "2024-4-01",
        "20240401",
        "2024-04-01T00:00:00.000Z",
        "2023-02-29",
        "2024-13-01",
        20240401,
        "2024-04-01\n",
        "\uff12\uff10\uff12\uff14-04-01",  # full-width digits
        None,
    ],
)
def test_strict_date_rejects(value: object) -> None:
    assert not is_strict_date(value)


@pytest.mark.parametrize("value", ["10:00:00", "00:00:00", "23:59:59"])
def test_strict_time_accepts(value: str) -> None:
    assert is_strict_time(value)


@pytest.mark.parametrize(
    "value", ["10:00", "24:00:00", "10:60:00", "10:00:00.000", "1000", 10, None]
)
def test_strict_time_rejects(value: object) -> None:
    assert not is_strict_time(value)


def test_valid_price_request_has_no_problems() -> None:
    assert check_price(VALID_PRICE_REQUEST) == {}
    assert check_price(with_field(("times",), None)) == {}
    assert check_price(with_field(("times",), MISSING)) == {}
    assert check_price(with_field(("ip",), None)) == {}
    assert check_price(with_field(("ip",), MISSING)) == {}
    assert check_price(with_field(("ip",), "2001:db8::1")) == {}
    assert check_price(with_field(("dateTo",), "2024-04-01")) == {}


@pytest.mark.parametrize(
    ("path", "value", "problem_path"),
    [
        (("cookieId",), MISSING, "cookieId"),
        (("cookieId",), "", "cookieId"),
        (("cookieId",), 42, "cookieId"),
        (("ip",), "256.1.1.1", "ip"),
        (("ip",), "not an ip", "ip"),
        (("ip",), 3232235777, "ip"),
        (("dateFrom",), MISSING, "dateFrom"),
        (("dateFrom",), "2024-04-01T00:00:00.000Z", "dateFrom"),
        (("dateTo",), "01/04/2024", "dateTo"),
        (("dateTo",), "2024-03-31", "dateTo"),
        (("timezone",), MISSING, "timezone"),
        (("timezone",), "Mars/Olympus_Mons", "timezone"),
        (("timezone",), "+02:00", "timezone"),
        (("products",), MISSING, "products"),
        (("products",), [], "products"),
        (("products",), {"productReference": "adult"}, "products"),
        (("products", 1), "adult", "products[1]"),
        (("products", 1, "productReference"), MISSING, "products[1].productReference"),
        (("products", 1, "productReference"), "", "products[1].productReference"),
        (("products", 1, "numberOfItems"), MISSING, "products[1].numberOfItems"),
        (("products", 1, "numberOfItems"), 0, "products[1].numberOfItems"),
        (("products", 1, "numberOfItems"), -1, "products[1].numberOfItems"),
        (("products", 1, "numberOfItems"), 1.0, "products[1].numberOfItems"),
        (("products", 1, "numberOfItems"), True, "products[1].numberOfItems"),
        (("products", 1, "numberOfItems"), "2", "products[1].numberOfItems"),
        (("times",), [], "times"),
        (("times",), "10:00:00", "times"),
        (("times", 2), "12:30", "times[2]"),
        (("times", 0), None, "times[0]"),
    ],
)
def test_each_price_rule(path: tuple[Any, ...], value: object, problem_path: str) -> None:
    problems = check_price(with_field(path, value))
    assert list(problems) == [problem_path]
    assert first_message(problems) == problems[problem_path][0]


def test_date_range_limit_counts_days_inclusively() -> None:
    body = with_field(("dateTo",), "2024-04-10")
    assert check_price(body, days=10) == {}
    assert list(check_price(body, days=9)) == ["dateTo"]


def test_times_limit() -> None:
    body = with_field(("times",), ["10:00:00"] * 5)
    assert check_price(body, times=5) == {}
    assert list(check_price(body, times=4)) == ["times"]


@pytest.mark.parametrize("body", [[], "text", None, 3])
def test_price_request_must_be_an_object(body: object) -> None:
    assert list(check_price(body)) == [NON_FIELD]


def test_several_problems_are_all_reported_in_order() -> None:
    body = {"cookieId": "", "products": [{"numberOfItems": 0}]}
    assert list(check_price(body)) == [
        "cookieId",
        "dateFrom",
        "dateTo",
        "timezone",
        "products[0].productReference",
        "products[0].numberOfItems",
    ]


PRICING = {
    "minAcceptedPrice": "12.50",
    "maxAcceptedPrice": "18.00",
    "averageTargetPrice": "16.50",
    "boxOfficePrice": "19.99",
}
VALID_EVENTS: list[dict[str, Any]] = [
    {
        "type": "ProductCreated",
        "payload": {
            "productReference": "adult",
            "name": "Adult ticket",
            "availability": 3,
            "pricing": dict(PRICING),
        },
    },
    {
        "type": "ProductPricingChanged",
        "payload": {"productReference": "adult", "pricing": dict(PRICING)},
    },
    {
        "type": "ProductAvailabilityChanged",
        "payload": {
            "productReference": "adult",
            "eventDate": "2019-10-10",
            "startTime": "10:00:00",
            "availability": 3,
        },
    },
    {"type": "ProductRemoved", "payload": {"productReference": "adult"}},
]


def event_with(index: int, path: tuple[str, ...], value: object) -> list[dict[str, Any]]:
    batch = copy.deepcopy(VALID_EVENTS)
    target: Any = batch[index]
    for key in path[:-1]:
        target = target[key]
    if value is MISSING:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return batch


def test_valid_batch_and_explicit_nulls() -> None:
    assert validate_events(VALID_EVENTS) == {}
    assert validate_events([]) == {}
    nulls = {"minAcceptedPrice": None, "averageTargetPrice": None, "boxOfficePrice": None}
    assert validate_events(event_with(0, ("payload", "availability"), None)) == {}
    assert validate_events(event_with(0, ("payload", "pricing"), {**PRICING, **nulls})) == {}
    assert validate_events(event_with(1, ("payload", "pricing"), {"maxAcceptedPrice": "1"})) == {}
    assert validate_events(event_with(2, ("payload", "startTime"), None)) == {}
    assert validate_events(event_with(2, ("payload", "startTime"), MISSING)) == {}
    assert validate_events(event_with(0, ("payload", "availability"), 0)) == {}


@pytest.mark.parametrize(
    ("index", "path", "value", "problem_path"),
    [
        (0, ("type",), "ProductDeleted", "[0].type"),
        (0, ("type",), MISSING, "[0].type"),
        (0, ("payload",), MISSING, "[0].payload"),
        (0, ("payload",), [], "[0].payload"),
        (0, ("payload", "productReference"), MISSING, "[0].payload.productReference"),
        (0, ("payload", "productReference"), "", "[0].payload.productReference"),
        (0, ("payload", "name"), MISSING, "[0].payload.name"),
        (0, ("payload", "name"), 7, "[0].payload.name"),
        (0, ("payload", "availability"), -1, "[0].payload.availability"),
        (0, ("payload", "availability"), "3", "[0].payload.availability"),
        (0, ("payload", "availability"), True, "[0].payload.availability"),
        (0, ("payload", "pricing"), MISSING, "[0].payload.pricing"),
        (0, ("payload", "pricing"), "18.00", "[0].payload.pricing"),
        (
            0,
            ("payload", "pricing", "maxAcceptedPrice"),
            MISSING,
            "[0].payload.pricing.maxAcceptedPrice",
        ),
        (
            0,
            ("payload", "pricing", "maxAcceptedPrice"),
            None,
            "[0].payload.pricing.maxAcceptedPrice",
        ),
        (
            0,
            ("payload", "pricing", "maxAcceptedPrice"),
            18.0,
            "[0].payload.pricing.maxAcceptedPrice",
        ),
        (
            0,
            ("payload", "pricing", "maxAcceptedPrice"),
            "18,00",
            "[0].payload.pricing.maxAcceptedPrice",
        ),
        (
            0,
            ("payload", "pricing", "maxAcceptedPrice"),
            "1e3",
            "[0].payload.pricing.maxAcceptedPrice",
        ),
        (
            0,
            ("payload", "pricing", "boxOfficePrice"),
            "-1.00",
            "[0].payload.pricing.boxOfficePrice",
        ),
        (0, ("payload", "pricing", "boxOfficePrice"), ".5", "[0].payload.pricing.boxOfficePrice"),
        (
            1,
            ("payload", "pricing", "minAcceptedPrice"),
            "18.01",
            "[1].payload.pricing.minAcceptedPrice",
        ),
        (
            1,
            ("payload", "pricing", "averageTargetPrice"),
            "NaN",
            "[1].payload.pricing.averageTargetPrice",
        ),
        (1, ("payload", "pricing"), MISSING, "[1].payload.pricing"),
        (2, ("payload", "eventDate"), MISSING, "[2].payload.eventDate"),
        (2, ("payload", "eventDate"), None, "[2].payload.eventDate"),
        (2, ("payload", "eventDate"), "2019-10-10T00:00:00Z", "[2].payload.eventDate"),
        (2, ("payload", "startTime"), "10:00", "[2].payload.startTime"),
        (2, ("payload", "availability"), MISSING, "[2].payload.availability"),
        (2, ("payload", "availability"), None, "[2].payload.availability"),
        (2, ("payload", "availability"), -2, "[2].payload.availability"),
        (3, ("payload", "productReference"), None, "[3].payload.productReference"),
    ],
)
def test_each_event_rule(
    index: int, path: tuple[str, ...], value: object, problem_path: str
) -> None:
    assert list(validate_events(event_with(index, path, value))) == [problem_path]


def test_misspelled_event_date_is_rejected_with_a_hint() -> None:
    batch = event_with(2, ("payload", "eventDate"), MISSING)
    batch[2]["payload"]["eventdate"] = "2018-03-03"
    problems = validate_events(batch)
    assert list(problems) == ["[2].payload.eventDate", "[2].payload.eventdate"]
    assert "eventDate" in problems["[2].payload.eventdate"][0]


@pytest.mark.parametrize("body", [{}, "events", None, {"type": "ProductRemoved"}])
def test_batch_must_be_an_array(body: object) -> None:
    assert list(validate_events(body)) == [NON_FIELD]


def test_non_object_event() -> None:
    assert list(validate_events([VALID_EVENTS[0], "ProductRemoved"])) == ["[1]"]


def test_timezones_come_from_the_tz_database() -> None:
    assert is_timezone("Europe/Amsterdam")
    assert is_timezone("UTC")
    assert not is_timezone("Europe/Atlantis")
    assert not is_timezone(None)


def test_without_a_tz_database_only_the_shape_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(validation, "_timezones", frozenset)
    assert is_timezone("Europe/Atlantis")
    assert is_timezone("America/Argentina/Buenos_Aires")
    assert not is_timezone("../etc/passwd")
    assert not is_timezone("+02:00")
