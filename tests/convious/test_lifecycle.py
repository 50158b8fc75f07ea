"""ConviousClient construction and lifecycle: argument checks, a number as the timeout, use
after close, and aclose() while calls are in flight (against servers on 127.0.0.1)."""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from convious import (
    ClientClosedError,
    ConviousClient,
    DeadlineExceeded,
    ProductRemoved,
    PublishError,
    RetryPolicy,
    SDKError,
    Timeout,
)

LOOKUP: dict[str, Any] = {
    "cookie_id": "c-1",
    "date_from": date(2026, 12, 1),
    "date_to": date(2026, 12, 1),
    "timezone": "Europe/Amsterdam",
    "products": [("adult", 1)],
}
TOKEN = {"token_type": "Bearer", "access_token": "t-1", "expires_in": 3600}


class GatedApi:
    """Convious's three endpoints on one server; each answers only once its gate opens."""

    def __init__(self) -> None:
        self.gates = {path: asyncio.Event() for path in ("token", "prices", "events")}
        self.arrived = dict.fromkeys(self.gates, 0)
        self.arrival = asyncio.Event()
        app = web.Application()
        app.router.add_post("/oauth/token/", self._handler("token", TOKEN))
        app.router.add_post("/api/price/rtp", self._handler("prices", {"prices": []}))
        app.router.add_post("/events", self._handler("events", None))
        self.server = TestServer(app, host="127.0.0.1")

    def _handler(self, path: str, reply: object) -> Any:
        async def handle(request: web.Request) -> web.Response:
            await request.read()
            self.arrived[path] += 1
            self.arrival.set()
            await self.gates[path].wait()
            return web.json_response(reply) if reply is not None else web.Response()

        return handle

    def open(self, *paths: str) -> None:
        for path in paths or tuple(self.gates):
            self.gates[path].set()

    async def until(self, path: str, count: int) -> None:
        """Wait (bounded) until ``count`` requests for ``path`` have arrived."""
        async with asyncio.timeout(5):
            while self.arrived[path] < count:
                self.arrival.clear()
                await self.arrival.wait()

    def client(self, **options: Any) -> ConviousClient:
        base = str(self.server.make_url(""))
        options.setdefault("retry", RetryPolicy(max_retries=0))
        return ConviousClient(
            "client-1",
            "secret-1",
            identity_url=base,
            inventory_url=base,
            pricer_url=base,
            **options,
        )


@pytest.fixture
async def api() -> AsyncIterator[GatedApi]:
    gated = GatedApi()
    await gated.server.start_server()
    try:
        yield gated
    finally:
        gated.open()  # release every handler still waiting, so the server stops at once
        await gated.server.close()


async def outcomes(calls: list[asyncio.Task[Any]]) -> list[BaseException | Any]:
    """What each call ended with (bounded, so a hang fails the test instead of the run)."""
    async with asyncio.timeout(5):
        return await asyncio.gather(*calls, return_exceptions=True)


# --- construction -----------------------------------------------------------------------


@pytest.mark.parametrize("seconds", [0.2, 1])
async def test_a_number_as_timeout_is_the_deadline_of_the_whole_call(api, seconds):
    api.open("token")
    client = api.client(timeout=seconds)
    async with client:
        with pytest.raises(DeadlineExceeded):
            async with asyncio.timeout(5):
                await client.pricing.get_prices(**LOOKUP)  # the pricer never answers


async def test_a_number_timeout_keeps_the_other_defaults(api):
    client = api.client(timeout=5)
    assert client.timeout == Timeout(deadline=5)
    assert api.client(timeout=Timeout(total=1.0)).timeout == Timeout(total=1.0)
    assert api.client().timeout == Timeout()


BAD_OPTIONS = [
    ("timeout", "5"),
    ("timeout", True),
    ("timeout", 0),
    ("timeout", -1),
    ("timeout", math.nan),
    ("timeout", math.inf),
    ("timeout", [5]),
    ("max_connections", 0),
    ("max_connections", -1),
    ("max_connections", True),
    ("max_connections", 2.0),
    ("max_connections", 10_001),
    ("max_response_bytes", 0),
    ("max_response_bytes", True),
    ("max_response_bytes", 2**30 + 1),
    ("token_leeway", -1),
    ("token_leeway", math.nan),
    ("token_leeway", math.inf),
    ("token_leeway", True),
    ("token_leeway", "60"),
    ("token_leeway", 86_401),
    ("max_batch_size", 0),
    ("max_batch_size", 100_001),
    ("max_batch_size", True),
    ("coalesce", "yes"),
    ("coalesce", 1),
    ("coalesce", None),
    ("identity_url", "ftp://example.com"),
    ("inventory_url", "not a url"),
    ("pricer_url", "http://user:pass@example.com"),
    ("pricer_url", "http://example.com/?q=1"),
    ("pricer_url", None),
    ("api_version", ""),
    ("api_version", "1.0 0"),
    ("api_version", "1.0\r\nX-Injected: yes"),
    ("api_version", 1),
    ("retry", 3),
    ("rate_limit", 5),
    ("rate_limiter", object()),
    ("token_cache", object()),
    ("session", "a session"),
]


@pytest.mark.parametrize(("option", "value"), BAD_OPTIONS)
def test_every_option_is_checked_with_a_clear_value_error(option, value):
    with pytest.raises(ValueError, match=option):
        ConviousClient("client-1", "secret-1", **{option: value})


@pytest.mark.parametrize(
    ("option", "value"),
    [("max_connections", 1), ("max_connections", 10_000), ("token_leeway", 0)],
)
def test_the_bounds_themselves_are_accepted(option, value):
    assert ConviousClient("client-1", "secret-1", **{option: value}).closed is False


def test_clients_of_one_credential_share_a_pause_as_long_as_the_most_patient_allows():
    brisk = ConviousClient("client-pause", "secret-1", retry=RetryPolicy(max_retry_after=5))
    patient = ConviousClient("client-pause", "secret-1", retry=RetryPolicy(max_retry_after=30))
    assert brisk.rate_limiter is patient.rate_limiter
    assert patient.rate_limiter.max_pause == 30  # type: ignore[attr-defined]


@pytest.mark.parametrize("value", ["", "   ", None, 5, "x" * 4097])
@pytest.mark.parametrize("argument", ["client_id", "client_secret"])
def test_the_credentials_must_be_non_empty_strings(argument, value):
    credentials: dict[str, Any] = {"client_id": "client-1", "client_secret": "secret-1"}
    credentials[argument] = value
    with pytest.raises(ValueError, match=argument) as caught:
        ConviousClient(**credentials)
    assert "x" * 64 not in str(caught.value)  # a (too long) secret is never echoed


async def test_a_closed_session_is_refused():
    session = aiohttp.ClientSession()
    await session.close()
    with pytest.raises(ValueError, match="session"):
        ConviousClient("client-1", "secret-1", session=session)


# --- use after close --------------------------------------------------------------------


async def test_every_call_after_close_raises_client_closed_error_and_sends_nothing(api):
    api.open()
    client = api.client()
    async with client:
        await client.pricing.get_prices(**LOOKUP)
    assert client.closed
    calls = [
        lambda: client.pricing.get_prices(**LOOKUP),
        lambda: client.inventory.publish([ProductRemoved(product_reference="a")]),
        lambda: client.inventory.post_events(b"[]"),
        client.__aenter__,
    ]
    for call in calls:
        with pytest.raises(ClientClosedError, match="client is closed") as caught:
            await call()
        assert isinstance(caught.value, SDKError)
    assert api.arrived == {"token": 1, "prices": 1, "events": 0}
    await client.aclose()  # still safe to call again


async def test_a_batcher_on_a_closed_client_is_refused_at_once(api):
    client = api.client()
    await client.aclose()
    with pytest.raises(ClientClosedError):
        client.inventory.batcher()


# --- aclose() while calls are in flight -------------------------------------------------


async def test_callers_waiting_for_the_token_get_client_closed_error_not_cancelled(api):
    client = api.client()
    calls = [
        asyncio.create_task(client.pricing.get_prices(**LOOKUP, ip=f"10.0.0.{n}")) for n in range(5)
    ]
    await api.until("token", 1)  # one login in flight; every lookup waits for it
    await client.aclose()
    results = await outcomes(calls)
    assert all(isinstance(result, ClientClosedError) for result in results), results
    assert api.arrived["prices"] == 0


async def test_lookups_in_flight_and_queued_for_a_connection_get_client_closed_error(api):
    api.open("token")
    client = api.client(max_connections=2)
    calls = [
        asyncio.create_task(client.pricing.get_prices(**LOOKUP, ip=f"10.0.0.{n}")) for n in range(6)
    ]
    await api.until("prices", 2)  # two at the server, four queued in the client
    await client.aclose()
    results = await outcomes(calls)
    assert all(isinstance(result, ClientClosedError) for result in results), results
    assert "in flight" in str(results[0])


async def test_coalesced_lookups_and_publish_in_flight_end_with_client_closed_error(api):
    api.open("token")
    client = api.client()
    lookups = [asyncio.create_task(client.pricing.get_prices(**LOOKUP)) for _ in range(3)]
    publish = asyncio.create_task(client.inventory.publish([ProductRemoved(product_reference="a")]))
    await api.until("prices", 1)
    await api.until("events", 1)
    await client.aclose()
    results = await outcomes([*lookups, publish])
    assert all(isinstance(result, ClientClosedError) for result in results[:3]), results
    assert isinstance(results[3], PublishError)
    assert isinstance(results[3].__cause__, ClientClosedError)
    assert api.arrived["prices"] == 1  # the three identical lookups shared one request


async def test_a_caller_cancelled_by_its_own_code_while_the_client_closes_sees_cancelled(api):
    api.open("token")
    client = api.client()
    call = asyncio.create_task(client.pricing.get_prices(**LOOKUP))
    await api.until("prices", 1)
    call.cancel()
    await client.aclose()
    (result,) = await outcomes([call])
    assert isinstance(result, asyncio.CancelledError)


async def test_aclose_returns_once_the_calls_in_flight_have_ended(api):
    api.open("token")
    client = api.client()
    call = asyncio.create_task(client.pricing.get_prices(**LOOKUP))
    await api.until("prices", 1)
    await client.aclose()
    assert call.done()
    assert isinstance(call.exception(), ClientClosedError)
