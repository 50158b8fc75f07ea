"""Behaviour of ConviousClient against the real in-process sandbox server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import logging
from datetime import date, time
from decimal import Decimal

import aiohttp
import pytest

from convious import (
    AuthenticationError,
    ConviousClient,
    PriceResult,
    RateLimit,
    ResponseDecodeError,
    RetryPolicy,
    ServerError,
    TokenRequestError,
)
from convious.sandbox import Faults, Sandbox, SandboxConfig

PRODUCTS = [("adult", 2), ("child", 1)]
LOOKUP = {
    "date_from": date(2026, 12, 1),
    "date_to": date(2026, 12, 3),
    "timezone": "Europe/Amsterdam",
    "products": PRODUCTS,
}
FAST_RETRY = RetryPolicy(max_retries=3, backoff_initial=0.001, backoff_max=0.01)
"""The ``client`` fixture's policy (tests/convious/conftest.py)."""


def api_records(sandbox):
    return [r for r in sandbox.state.records if not r.path.startswith("/oauth")]


async def test_prices_are_typed_and_within_the_accepted_range(client):
    result = await client.pricing.get_prices(
        cookie_id="c-1", times=[time(10), time(14, 30)], **LOOKUP
    )
    assert isinstance(result, PriceResult)
    assert len(result.prices) == 3 * 2  # days x times
    assert [(p.price_date, p.price_time) for p in result.prices[:2]] == [
        (date(2026, 12, 1), time(10)),
        (date(2026, 12, 1), time(14, 30)),
    ]
    for timed in result.prices:
        adult, child = timed.products
        assert (adult.product_reference, adult.number_of_items) == ("adult", 2)
        assert Decimal("12.50") <= adult.price <= Decimal("18.00")
        assert Decimal("5.00") <= child.price <= Decimal("10.00")
    assert (
        result.price("adult", date(2026, 12, 2), time(14, 30)) == result.prices[3].products[0].price
    )


async def test_times_none_gives_one_whole_day_price_per_day(client):
    result = await client.pricing.get_prices(cookie_id="c-2", **LOOKUP)
    assert [p.price_time for p in result.prices] == [None, None, None]


async def test_one_token_request_for_a_thousand_concurrent_cold_lookups(sandbox):
    async with ConviousClient(**sandbox.client_options(), max_connections=100) as client:
        results = await asyncio.gather(
            *(client.pricing.get_prices(cookie_id=f"visitor-{i}", **LOOKUP) for i in range(1000))
        )
    assert len(results) == 1000
    assert sandbox.state.token_requests == 1
    assert client.metrics.token_requests == 1
    assert sandbox.state.requests_by_endpoint["pricer"] == 1000


async def test_relogin_after_revocation_then_one_replay(sandbox, client):
    await client.pricing.get_prices(cookie_id="c-3", **LOOKUP)
    sandbox.revoke_tokens()
    results = await asyncio.gather(
        *(client.pricing.get_prices(cookie_id=f"r-{i}", **LOOKUP) for i in range(20))
    )
    assert len(results) == 20
    assert sandbox.state.token_requests == 2  # the first login and one shared re-login
    assert 1 <= client.metrics.auth_replays <= 20
    statuses = [r.status for r in api_records(sandbox)]
    assert statuses.count(401) == client.metrics.auth_replays


async def test_a_token_rejected_again_after_relogin_raises(sandbox, client):
    sandbox.faults.inject("unauthorized", count=2, target="pricer")
    with pytest.raises(AuthenticationError) as caught:
        await client.pricing.get_prices(cookie_id="c-4", **LOOKUP)
    assert caught.value.status == 401
    assert caught.value.request_id
    assert sandbox.state.token_requests == 2


async def test_accept_version_on_every_api_call_and_never_on_the_token_call(sandbox):
    async with ConviousClient(**sandbox.client_options(), api_version="1.0.0") as client:
        await asyncio.gather(
            *(client.pricing.get_prices(cookie_id=f"v-{i}", **LOOKUP) for i in range(5))
        )
        sandbox.revoke_tokens()
        await client.pricing.get_prices(cookie_id="v-after", **LOOKUP)
    token_calls = [r for r in sandbox.state.records if r.path == "/oauth/token/"]
    api_calls = api_records(sandbox)
    assert len(token_calls) == 2
    assert all(r.accept_version is None for r in token_calls)
    assert all(r.authorization_scheme is None for r in token_calls)  # client_secret_post
    assert len(api_calls) >= 6
    assert all(r.accept_version == "1.0.0" for r in api_calls)
    assert all(r.authorization_scheme == "Bearer" for r in api_calls)


async def test_unsupported_api_version_is_a_bad_request(sandbox):
    async with ConviousClient(**sandbox.client_options(), api_version="9.9.9") as client:
        with pytest.raises(Exception, match="Unsupported API version") as caught:
            await client.pricing.get_prices(cookie_id="c", **LOOKUP)
    assert caught.value.status == 400


async def test_retries_ride_through_5xx_and_dropped_connections(sandbox, client):
    sandbox.faults.inject("error", count=2, target="pricer")
    sandbox.faults.inject("drop", count=1, target="pricer")
    result = await client.pricing.get_prices(cookie_id="c-5", **LOOKUP)
    assert len(result.prices) == 3
    assert client.metrics.retries == 3
    assert [r.status for r in api_records(sandbox)] == [503, 503, None, 200]


async def test_retries_give_up_with_a_typed_error_carrying_the_request_id(sandbox, client):
    sandbox.faults.inject("html", count=4, target="pricer")
    with pytest.raises(ServerError) as caught:
        await client.pricing.get_prices(cookie_id="c-6", **LOOKUP)
    assert caught.value.status == 502
    assert caught.value.request_id == api_records(sandbox)[-1].request_id
    assert "<html" in caught.value.body.lower()


async def test_429_is_retried_after_retry_after_and_pauses_the_credential(sandbox, client):
    sandbox.faults.inject("throttle", target="pricer")
    await client.pricing.get_prices(cookie_id="c-7", **LOOKUP)
    assert client.rate_limiter.pauses == 1
    assert [r.status for r in api_records(sandbox)] == [429, 200]


@pytest.mark.parametrize(
    ("fault", "match"),
    [("invalid_json", "not valid JSON"), ("missing_fields", "does not match PriceResult")],
)
async def test_malformed_2xx_bodies_are_typed_errors_with_the_request_id(
    sandbox, client, fault, match
):
    sandbox.faults.inject(fault, target="pricer")
    with pytest.raises(ResponseDecodeError, match=match) as caught:
        await client.pricing.get_prices(cookie_id="c-8", **LOOKUP)
    assert caught.value.status == 200
    assert caught.value.request_id == api_records(sandbox)[-1].request_id


async def test_invalid_input_raises_value_error_before_any_traffic(sandbox, client):
    for bad in (
        {"products": []},
        {"products": [("adult", 0)]},
        {"date_from": date(2026, 12, 9)},
        {"timezone": "Europe/Nowhere"},
    ):
        with pytest.raises(ValueError):  # noqa: PT011 - each case has its own message
            await client.pricing.get_prices(cookie_id="c-9", **{**LOOKUP, **bad})
    with pytest.raises(ValueError, match="IPv4"):
        await client.pricing.get_prices(cookie_id="c-9", ip="not-an-ip", **LOOKUP)
    assert list(sandbox.state.records) == []  # not even a token request


async def test_identical_concurrent_lookups_share_one_request(sandbox, client):
    results = await asyncio.gather(
        *(client.pricing.get_prices(cookie_id="same", **LOOKUP) for _ in range(50))
    )
    assert all(r == results[0] for r in results)
    assert sandbox.state.requests_by_endpoint["pricer"] == 1
    assert client.metrics.coalesced == 49


async def test_a_failed_lookup_fails_every_lookup_that_shared_it(sandbox, client):
    await client.pricing.get_prices(cookie_id="warm", **LOOKUP)  # the token, first
    sandbox.faults.inject("error", count=1, target="pricer")
    once = client.with_options(max_retries=0)
    outcomes = await asyncio.gather(
        *(once.pricing.get_prices(cookie_id="same", **LOOKUP) for _ in range(5)),
        return_exceptions=True,
    )
    assert all(isinstance(outcome, ServerError) for outcome in outcomes)
    assert sandbox.state.requests_by_endpoint["pricer"] == 2
    assert once.pricing._coalescer is not None
    assert once.pricing._coalescer.in_flight == 0


async def test_a_cancelled_leading_lookup_hands_the_request_to_a_follower(sandbox, client):
    await client.pricing.get_prices(cookie_id="warm", **LOOKUP)
    sandbox.faults.latency = 0.2
    leader = asyncio.ensure_future(client.pricing.get_prices(cookie_id="same", **LOOKUP))
    await asyncio.sleep(0.05)  # the leader's request is in flight
    followers = [
        asyncio.ensure_future(client.pricing.get_prices(cookie_id="same", **LOOKUP))
        for _ in range(3)
    ]
    await asyncio.sleep(0)
    leader.cancel()
    results = await asyncio.gather(*followers)
    with pytest.raises(asyncio.CancelledError):
        await leader
    assert all(isinstance(result, PriceResult) for result in results)
    assert client.pricing._coalescer is not None
    assert client.pricing._coalescer.in_flight == 0


async def test_bad_credentials_are_a_token_request_error_without_the_secret(sandbox):
    options = sandbox.client_options() | {"client_secret": "definitely-wrong-secret"}
    async with ConviousClient(**options) as client:
        with pytest.raises(TokenRequestError) as caught:
            await client.pricing.get_prices(cookie_id="c", **LOOKUP)
    assert caught.value.status == 401
    assert caught.value.error == "invalid_client"
    assert caught.value.request_id
    assert "definitely-wrong-secret" not in str(caught.value)
    assert "definitely-wrong-secret" not in caught.value.body


async def test_secrets_never_reach_reprs_or_logs(sandbox, caplog):
    options = sandbox.client_options()
    with caplog.at_level(logging.DEBUG):
        async with ConviousClient(**options) as client:
            await client.pricing.get_prices(cookie_id="c", **LOOKUP)
            sandbox.revoke_tokens()
            await client.pricing.get_prices(cookie_id="d", **LOOKUP)
            token = client._auth.secrets()[-1]
            shown = repr(client) + repr(client._auth) + repr(client.pricing) + repr(client.metrics)
    assert "api/price/rtp -> 401" in caplog.text  # the attempts were logged...
    for secret in (options["client_secret"], token):
        assert secret not in shown  # ...but no credential, anywhere
        assert secret not in caplog.text


async def test_an_unlimited_and_a_paced_client_share_the_credentials_limiter(sandbox):
    options = sandbox.client_options()
    async with (
        ConviousClient(**options) as first,
        ConviousClient(**options, rate_limit=RateLimit(max_requests=1000)) as second,
    ):
        assert first.rate_limiter is second.rate_limiter
        assert first.rate_limiter.limit == RateLimit(max_requests=1000)


async def test_a_user_session_is_shared_and_left_open(sandbox):
    async with aiohttp.ClientSession() as session:
        async with ConviousClient(**sandbox.client_options(), session=session) as client:
            await client.pricing.get_prices(cookie_id="c", **LOOKUP)
        assert client.closed
        assert not session.closed


async def test_close_is_idempotent_and_a_closed_client_says_so(sandbox):
    client = ConviousClient(**sandbox.client_options())
    await client.pricing.get_prices(cookie_id="c", **LOOKUP)
    await client.aclose()
    await client.aclose()
    with pytest.raises(RuntimeError, match="closed"):
        await client.pricing.get_prices(cookie_id="c", **LOOKUP)


async def test_cancelling_a_lookup_mid_login_leaves_the_others_working():
    config = SandboxConfig()
    async with Sandbox(
        config, faults=Faults(latency=0.05, targets=frozenset({"token"}))
    ) as sandbox:
        sandbox.add_product("adult", "Adult", max_accepted_price="20.00")
        async with ConviousClient(**sandbox.client_options()) as client:
            lookups = [
                asyncio.create_task(
                    client.pricing.get_prices(
                        cookie_id=f"x-{i}", **{**LOOKUP, "products": [("adult", 1)]}
                    )
                )
                for i in range(10)
            ]
            await asyncio.sleep(0.01)
            lookups[0].cancel()
            done = await asyncio.gather(*lookups, return_exceptions=True)
    assert isinstance(done[0], asyncio.CancelledError)
    assert all(isinstance(r, PriceResult) for r in done[1:])
    assert sandbox.state.token_requests == 1


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("pricer_url", "ftp://example.com"),
        ("identity_url", "not a url"),
        ("inventory_url", "https://example.com/?q=1"),
        ("api_version", ""),
        ("client_secret", ""),
        ("rate_limit", 5),
        ("retry", 3),
    ],
)
def test_invalid_client_options_are_value_errors(option, value):
    options = {"client_id": "id", "client_secret": "secret", option: value}
    with pytest.raises(ValueError, match=option.split("_")[0]):
        ConviousClient(**options)
