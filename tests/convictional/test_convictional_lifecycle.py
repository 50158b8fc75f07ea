"""ConvictionalClient construction and lifecycle: argument checks, a number as the timeout,
use after close, and aclose() while calls are in flight (against a stub on 127.0.0.1)."""

from __future__ import annotations

import asyncio
import math
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from convictional_stub import StubApi, json_reply

from convictional_async import (
    ConvictionalClient,
    DeadlineExceeded,
    RateLimit,
    RetryPolicy,
    SDKError,
    Timeout,
)
from convictional_async.core._client_closed import ClientClosedError

ME = {"user": {"_id": "u1"}, "company": {"_id": "c1"}}


@pytest.fixture
async def stub() -> AsyncIterator[StubApi]:
    async with StubApi() as server:
        yield server


class Hanging:
    """A handler that answers only once released; counts who arrived."""

    def __init__(self) -> None:
        self.arrived = 0
        self.arrival = asyncio.Event()
        self.release = asyncio.Event()

    async def __call__(self, request: web.Request) -> web.StreamResponse:
        self.arrived += 1
        self.arrival.set()
        await self.release.wait()
        return web.json_response(ME)

    async def until(self, count: int) -> None:
        async with asyncio.timeout(5):
            while self.arrived < count:
                self.arrival.clear()
                await self.arrival.wait()


@pytest.fixture
def hanging(stub: StubApi) -> Any:
    handler = Hanging()
    stub.route("GET", "/auth/me", handler)
    yield handler
    handler.release.set()


def client_for(stub: StubApi, **options: Any) -> ConvictionalClient:
    options.setdefault("retry", RetryPolicy(max_retries=0))
    options.setdefault("rate_limit", None)
    key = f"key-{uuid.uuid4()}"  # a budget of its own: nothing shared with other tests
    return ConvictionalClient(key, base_url=stub.url, **options)


async def outcomes(calls: list[asyncio.Task[Any]]) -> list[BaseException | Any]:
    async with asyncio.timeout(5):
        return await asyncio.gather(*calls, return_exceptions=True)


# --- construction -----------------------------------------------------------------------


async def test_a_number_as_timeout_is_the_deadline_of_the_whole_call(stub, hanging):
    client = client_for(stub, timeout=0.2)
    assert client.timeout == Timeout(deadline=0.2)
    async with client:
        with pytest.raises(DeadlineExceeded):
            async with asyncio.timeout(5):
                await client.shared.me()


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("timeout", "5"),
        ("timeout", True),
        ("timeout", 0),
        ("timeout", math.nan),
        ("timeout", math.inf),
        ("max_connections", 0),
        ("max_connections", True),
        ("max_connections", 10_001),
        ("max_response_bytes", 2**30 + 1),
        ("max_response_bytes", 1.5),
        ("new_errors", None),
        ("base_url", None),
        ("base_url", "http:///path-only"),
    ],
)
def test_every_option_is_checked_with_a_clear_value_error(option, value):
    with pytest.raises(ValueError, match=option):
        ConvictionalClient("key-1", **{option: value})


def test_a_number_timeout_keeps_the_other_defaults():
    assert ConvictionalClient("key-1", timeout=5).timeout == Timeout(deadline=5)
    assert ConvictionalClient("key-1").timeout == Timeout()


# --- use after close --------------------------------------------------------------------


async def test_every_call_after_close_raises_client_closed_error_and_sends_nothing(stub):
    stub.route("GET", "/auth/me", json_reply(ME))
    client = client_for(stub)
    async with client:
        await client.shared.me()
    assert client.closed
    for call in (
        client.shared.me,
        lambda: client.with_raw_response(client.shared.me),
        lambda: client.buyer.products.list().__anext__(),
        client.__aenter__,
    ):
        with pytest.raises(ClientClosedError, match="client is closed") as caught:
            await call()
        assert isinstance(caught.value, SDKError)
    assert len(stub.seen) == 1
    await client.aclose()  # still safe to call again


# --- aclose() while calls are in flight -------------------------------------------------


async def test_calls_in_flight_and_waiting_for_a_connection_get_client_closed_error(stub, hanging):
    client = client_for(stub, max_connections=2)
    calls = [asyncio.create_task(client.shared.me()) for _ in range(5)]
    await hanging.until(2)
    await client.aclose()
    results = await outcomes(calls)
    assert all(isinstance(result, ClientClosedError) for result in results), results


async def test_calls_waiting_for_the_rate_limiter_end_at_once_when_the_client_closes(stub, hanging):
    hanging.release.set()
    client = client_for(stub, rate_limit=RateLimit(max_requests=1, period=600))
    first = await client.shared.me()  # the one request the budget allows for 10 minutes
    assert first.user.id == "u1"
    calls = [asyncio.create_task(client.shared.me()) for _ in range(3)]
    await asyncio.sleep(0.01)  # they now wait for their slots, minutes away
    await client.aclose()
    results = await outcomes(calls)  # bounded at 5 s: never the 10 minutes
    assert all(isinstance(result, ClientClosedError) for result in results), results
    assert hanging.arrived == 1


async def test_a_caller_cancelled_by_its_own_code_while_the_client_closes_sees_cancelled(
    stub, hanging
):
    client = client_for(stub)
    call = asyncio.create_task(client.shared.me())
    await hanging.until(1)
    call.cancel()
    await client.aclose()
    (result,) = await outcomes([call])
    assert isinstance(result, asyncio.CancelledError)
