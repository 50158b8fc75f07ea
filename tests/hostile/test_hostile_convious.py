"""The Convious client against hostile servers: typed errors, bounded time, no leaked secret."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest

from convious import (
    ConviousClient,
    DeadlineExceeded,
    ResponseDecodeError,
    ResponseTooLarge,
    RetryPolicy,
    SDKError,
    ServerError,
    Timeout,
)

from .conftest import DEADLINE, TOKEN, WAITED_DEADLINE

SECRET = "hostile-client-secret-42"


def client_for(hostile, *, pricer: str, identity: str = "ok-token", **options) -> ConviousClient:
    options.setdefault("timeout", Timeout(deadline=DEADLINE))
    options.setdefault("retry", RetryPolicy(max_retries=1, backoff_initial=0.01))
    return ConviousClient(
        "hostile-client",
        SECRET,
        identity_url=hostile.url(identity),
        pricer_url=hostile.url(pricer),
        inventory_url=hostile.url(pricer),
        max_response_bytes=1024 * 1024,
        **options,
    )


async def lookup(client: ConviousClient):
    return await client.pricing.get_prices(
        cookie_id="c-1",
        date_from=date(2030, 1, 1),
        date_to=date(2030, 1, 2),
        timezone="Europe/Amsterdam",
        products=[("ticket-adult", 1)],
    )


@pytest.mark.parametrize(
    ("pricer", "identity"), [("trickle", "ok-token"), ("hang", "ok-token"), ("ok-token", "hang")]
)
async def test_a_slow_pricer_or_token_endpoint_ends_at_the_deadline(hostile, pricer, identity):
    loop = asyncio.get_running_loop()
    started = loop.time()
    waiting = Timeout(deadline=WAITED_DEADLINE)
    async with client_for(hostile, pricer=pricer, identity=identity, timeout=waiting) as client:
        with pytest.raises(DeadlineExceeded):
            await lookup(client)
    assert loop.time() - started < 5


@pytest.mark.parametrize(
    ("pricer", "error"),
    [
        ("huge", ResponseTooLarge),
        ("gzip-bomb", ResponseTooLarge),
        ("nested-200", ResponseDecodeError),
        ("nested-503", ServerError),
        ("nested-400", SDKError),
        ("huge-error", ServerError),
        ("html-502", ServerError),
    ],
)
async def test_every_hostile_reply_is_a_typed_error(hostile, pricer, error):
    async with client_for(hostile, pricer=pricer, timeout=Timeout(deadline=10)) as client:
        with pytest.raises(error) as caught:
            await lookup(client)
    assert caught.value.status >= 200


async def test_an_access_token_echoed_in_an_undecodable_body_is_redacted(hostile):
    async with client_for(hostile, pricer="echo-token") as client:
        with pytest.raises(ResponseDecodeError) as caught:
            await lookup(client)
    for text in (str(caught.value), repr(caught.value), caught.value.body):
        assert TOKEN not in text
        assert SECRET not in text
    assert "[REDACTED]" in caught.value.body
