"""Bounds on every knob, every response and the token store; quiet client disconnects."""

from __future__ import annotations

import asyncio
import logging
from datetime import date, timedelta
from typing import Any

import aiohttp
import pytest

from convious.sandbox import Faults, Sandbox, SandboxState, TokenStatus
from convious.sandbox import _app as app_module
from convious.sandbox._validation import validate_price_request

MAX_SCRIPTED = 10_000
MAX_PRICES = 20_000
MAX_TOKENS = 10_000


@pytest.mark.parametrize(
    "kwargs",
    [
        {"latency": 1e9},
        {"latency": float("inf")},
        {"latency": float("nan")},
        {"latency": 60.5},
        {"latency_jitter": 1e9},
        {"latency_jitter": float("inf")},
        {"retry_after": 1e9},
        {"retry_after": float("inf")},
        {"rate_limit": 10**12},
    ],
)
def test_fault_settings_are_bounded(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        Faults(**kwargs)  # type: ignore[arg-type]


def test_the_largest_settings_are_accepted() -> None:
    faults = Faults(latency=60, latency_jitter=60, retry_after=3600, rate_limit=1_000_000)
    faults.inject("error", count=MAX_SCRIPTED)
    assert len(faults.scripted) == MAX_SCRIPTED


def test_one_injection_is_bounded() -> None:
    faults = Faults()
    with pytest.raises(ValueError, match="count"):
        faults.inject("error", count=MAX_SCRIPTED + 1)
    assert faults.scripted == ()


def test_the_whole_script_is_bounded() -> None:
    faults = Faults()
    faults.inject("error", count=MAX_SCRIPTED - 1)
    faults.inject("drop")
    with pytest.raises(ValueError, match="10000"):
        faults.inject("drop")
    with pytest.raises(ValueError, match="10000"):
        faults.update({"inject": [{"kind": "drop"}]})
    assert len(faults.scripted) == MAX_SCRIPTED


def test_update_checks_the_script_bound_before_changing_anything() -> None:
    faults = Faults()
    many = [{"kind": "error", "count": 6_000}, {"kind": "drop", "count": 6_000}]
    with pytest.raises(ValueError, match="10000"):
        faults.update({"error_rate": 0.5, "inject": many})
    assert (faults.error_rate, faults.scripted) == (0.0, ())
    with pytest.raises(ValueError, match="10000"):
        faults.update({"inject": [{"kind": "error"}] * (MAX_SCRIPTED + 1)})


@pytest.mark.parametrize(
    "change",
    [
        {"inject": [{"kind": "error", "count": MAX_SCRIPTED + 1}]},
        {"latency": 1e9},
        {"latency_jitter": 1e9},
        {"retry_after": 1e300},
        {"rate_limit": 10**12},
    ],
)
async def test_admin_api_refuses_unbounded_knobs(
    sandbox: Sandbox, session: aiohttp.ClientSession, change: dict[str, Any]
) -> None:
    async with session.post(f"{sandbox.url}/_sandbox/faults", json=change) as response:
        assert response.status == 400
        assert (await response.json())["error"]
    assert sandbox.faults.scripted == ()
    assert sandbox.faults.latency == sandbox.faults.latency_jitter == 0


def big_request(products: int, days: int, times: int | None) -> dict[str, Any]:
    """A lookup of ``products`` x ``days`` x ``times`` prices (one per day when None)."""
    slots = [f"{hour:02d}:{minute:02d}:00" for hour in range(24) for minute in (0, 30)]
    return {
        "cookieId": "visitor-1",
        "ip": None,
        "dateFrom": "2024-01-01",
        "dateTo": (date(2024, 1, 1) + timedelta(days=days - 1)).isoformat(),
        "timezone": "Europe/Amsterdam",
        "products": [{"productReference": f"p{i}", "numberOfItems": 1} for i in range(products)],
        "times": None if times is None else slots[:times],
    }


@pytest.mark.parametrize(
    ("products", "days", "times", "allowed"),
    [
        (50, 10, 40, True),  # exactly 20,000
        (20_000, 1, None, True),
        (21, 20, 48, False),  # 20,160
        (50, 366, 48, False),  # the 56 MB lookup of the report, within the day limit
        (20_001, 1, None, False),
    ],
)
def test_prices_per_lookup_are_bounded(
    products: int, days: int, times: int | None, allowed: bool
) -> None:
    body = big_request(products, days, times)
    problems = validate_price_request(body, max_date_range_days=366, max_times=48)
    if allowed:
        assert problems == {}
    else:
        assert list(problems) == ["non_field_errors"]
        assert "20000 prices" in problems["non_field_errors"][0]


async def test_a_huge_lookup_is_refused_before_any_work(
    sandbox: Sandbox, api: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    for index in range(21):
        sandbox.add_product(f"p{index}", "Product", max_accepted_price="10.00")

    def no_pricing(*args: object, **kwargs: object) -> None:
        raise AssertionError("the lookup was priced")

    monkeypatch.setattr(app_module, "price_table", no_pricing)
    status, error, _ = await api.post("/api/price/rtp", big_request(21, 20, 48))
    assert status == 400
    assert list(error["errors"]) == ["non_field_errors"]
    assert error["error"] == error["errors"]["non_field_errors"][0]
    assert "20160" in error["error"]


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_expired_tokens_are_evicted() -> None:
    clock = Clock()
    state = SandboxState(clock=clock)
    old = state.issue_token("client", 10)
    forever = state.issue_token("client", None)
    clock.now += 10
    assert state.check_token(old) is TokenStatus.EXPIRED
    fresh = state.issue_token("client", 10)
    assert old not in state.tokens
    assert set(state.tokens) == {forever, fresh}


def test_the_token_store_keeps_the_newest_tokens() -> None:
    state = SandboxState()
    first = state.issue_token("client", None)
    second = state.issue_token("client", None)
    for _ in range(MAX_TOKENS - 1):
        state.issue_token("client", None)
    assert len(state.tokens) == MAX_TOKENS
    assert first not in state.tokens
    assert state.check_token(first) is TokenStatus.UNKNOWN
    assert state.check_token(second) is TokenStatus.VALID
    assert state.check_token(list(state.tokens)[-1]) is TokenStatus.VALID


async def test_a_client_disconnect_is_not_an_error(
    sandbox: Sandbox, api: Any, caplog: pytest.LogCaptureFixture
) -> None:
    headers = await api.headers()
    sandbox.faults.latency = 0.2
    caplog.set_level(logging.DEBUG)
    request = asyncio.ensure_future(
        api.session.post(f"{sandbox.url}/events", json=[], headers=headers)
    )
    for _ in range(200):  # until the sandbox holds the request (at most 2 s)
        if sandbox.state.requests_by_endpoint["events"]:
            break
        await asyncio.sleep(0.01)
    request.cancel()
    with pytest.raises(asyncio.CancelledError):
        await request
    for _ in range(200):  # until the sandbox has finished with it (at most 2 s)
        if sandbox.state.records[-1].path == "/events":
            break
        await asyncio.sleep(0.01)
    assert sandbox.state.records[-1].status is None
    loud = [record for record in caplog.records if record.levelno > logging.DEBUG]
    assert loud == []
