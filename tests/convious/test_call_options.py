"""Per-call options (``with_options``) and raw responses (``with_raw_response``), through
ConviousClient against the real sandbox, and the core mechanism under them."""

from __future__ import annotations

import asyncio
import math
from datetime import date

import pytest
from aiohttp import web

from convictional_async.core import DeadlineExceeded, Pipeline, RetryPolicy, Transport
from convictional_async.core._raw import call_and_response
from convious import ConviousClient, PriceResult, ServerError, TokenRequestError

LOOKUP = {
    "cookie_id": "c-1",
    "date_from": date(2026, 12, 1),
    "date_to": date(2026, 12, 1),
    "timezone": "Europe/Amsterdam",
    "products": [("adult", 1)],
}


def pricer_posts(sandbox):
    return [r for r in sandbox.state.records if r.path == "/api/price/rtp"]


async def test_max_retries_applies_to_the_copy_only(sandbox, client):
    await client.pricing.get_prices(**LOOKUP)  # token fetched
    sandbox.state.records.clear()
    sandbox.faults.inject("error", count=2, target="pricer")
    with pytest.raises(ServerError):
        await client.with_options(max_retries=0).pricing.get_prices(**LOOKUP)
    assert len(pricer_posts(sandbox)) == 1
    result = await client.pricing.get_prices(**LOOKUP)  # parent: 3 retries, one 500 left
    assert isinstance(result, PriceResult)
    assert len(pricer_posts(sandbox)) == 3


async def test_timeout_bounds_each_call_of_the_copy(sandbox, client):
    await client.pricing.get_prices(**LOOKUP)
    sandbox.faults.latency = 0.5
    with pytest.raises(DeadlineExceeded):
        await client.with_options(timeout=0.05).pricing.get_prices(**LOOKUP)
    assert client.timeout.deadline == 60.0


async def test_copy_shares_session_token_limiter_metrics_and_lifecycle(sandbox, client):
    copy = client.with_options(max_retries=1)
    await copy.pricing.get_prices(**LOOKUP)
    await client.pricing.get_prices(**LOOKUP)
    assert client.metrics.token_requests == 1
    assert copy.metrics is client.metrics
    assert copy.rate_limiter is client.rate_limiter
    await copy.aclose()
    assert client.closed


async def test_raw_response_carries_status_and_request_id(sandbox, client):
    raw = await client.with_raw_response(client.pricing.get_prices, **LOOKUP)
    assert isinstance(raw.parsed, PriceResult)
    assert raw.status == 200
    assert raw.request_id == pricer_posts(sandbox)[-1].request_id


async def test_concurrent_raw_responses_see_their_own_request(sandbox, client):
    lookups = [dict(LOOKUP, cookie_id="same") for _ in range(5)]
    raws = await asyncio.gather(
        *(client.with_raw_response(client.pricing.get_prices, **lookup) for lookup in lookups)
    )
    ids = {raw.request_id for raw in raws}
    assert len(ids) == 5  # never coalesced: each has its own request and id
    assert ids <= {r.request_id for r in pricer_posts(sandbox)}


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"timeout": 0}, "timeout"),
        ({"timeout": "5"}, "timeout"),
        ({"timeout": math.nan}, "timeout"),
        ({"timeout": math.inf}, "timeout"),
        ({"timeout": 10**400}, "timeout"),  # an int too large for a float
        ({"max_retries": -1}, "max_retries"),
        ({"max_retries": True}, "max_retries"),
        ({"extra_headers": {"X-A": "1\r\nX-B: 2"}}, "extra_headers"),
        ({"extra_headers": {"X-A": 1}}, "extra_headers"),
        ({"extra_headers": ["X-A"]}, "extra_headers"),
    ],
)
async def test_bad_options_raise_value_error(client, options, message):
    with pytest.raises(ValueError, match=message):
        client.with_options(**options)


async def test_raw_response_needs_a_request(client):
    async def nothing() -> int:
        return 1

    with pytest.raises(ValueError, match="HTTP request"):
        await client.with_raw_response(nothing)


async def test_pipeline_sends_extra_headers_over_the_wire(serve):
    seen: list[dict[str, str]] = []

    async def handler(request: web.Request) -> web.Response:
        seen.append(dict(request.headers))
        return web.Response(body=b"{}", headers={"X-Request-ID": "r-9"})

    app = web.Application()
    app.router.add_get("/x", handler)
    url = await serve(app) / "x"
    transport = Transport()
    try:
        base = Pipeline(transport, retry=RetryPolicy())
        tagged = base.with_options(extra_headers={"X-Tenant": "t-1"})
        _, response = await call_and_response(
            lambda: tagged.send("GET", url, headers={"Accept": "a/b"}, idempotent=True)
        )
        await base.send("GET", url, headers={"Accept": "a/b"}, idempotent=True)
    finally:
        await transport.aclose()
    assert response.request_id == "r-9"
    assert seen[0]["X-Tenant"] == "t-1"
    assert seen[0]["Accept"] == "a/b"
    assert "X-Tenant" not in seen[1]


async def test_login_gets_the_token_now_and_refuses_wrong_credentials(sandbox):
    async with ConviousClient(**sandbox.client_options()) as client:
        await client.login()
        await client.login()  # the token held is kept
        await client.pricing.get_prices(**LOOKUP)
        assert client.metrics.token_requests == 1
    wrong = {**sandbox.client_options(), "client_secret": "not-the-secret"}
    async with ConviousClient(**wrong) as client:
        with pytest.raises(TokenRequestError):
            await client.login()
