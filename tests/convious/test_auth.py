"""OAuth2 client credentials against mocked HTTP, and the pure expiry rule."""

from __future__ import annotations

import asyncio
import logging
from datetime import date
from urllib.parse import parse_qs

import aiohttp
import pytest
from yarl import URL

from convictional_async.core import (
    ClientMetrics,
    ConnectError,
    Pipeline,
    RetryPolicy,
    TokenRequestError,
    Transport,
)
from convious import ConviousClient
from convious._auth import ClientCredentialsAuth, refresh_deadline

TOKEN_URL = URL("https://identity.example.test/oauth/token/")
SECRET = "client-s3cret&value"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def auth_factory():
    transports: list[Transport] = []

    def make(*, clock=None, leeway=60.0, retries=2):
        transport = Transport()
        transports.append(transport)

        async def no_sleep(_: float) -> None:
            return None

        pipeline = Pipeline(
            transport, retry=RetryPolicy(max_retries=retries), sleep=no_sleep, secrets=(SECRET,)
        )
        return ClientCredentialsAuth(
            "client-1",
            SECRET,
            token_url=TOKEN_URL,
            pipeline=pipeline,
            metrics=ClientMetrics(),
            leeway=leeway,
            clock=clock or Clock(),
        )

    yield make
    for transport in transports:
        await transport.aclose()


def token(mock_http, access_token="tok-1", **extra):
    mock_http.post(
        str(TOKEN_URL),
        status=200,
        payload={"token_type": "Bearer", "access_token": access_token, **extra},
        headers={"X-Request-ID": "id-req"},
    )


@pytest.mark.parametrize(
    ("obtained", "expires_in", "leeway", "expected"),
    [
        (0.0, None, 60.0, None),
        (0.0, 36000, 60.0, 35940.0),
        (0.0, 59, 60.0, 53.1),  # the leeway is capped at a tenth of the lifetime
        (10.0, 600, 0.0, 610.0),
        (0.0, 1, 60.0, 0.9),
    ],
)
def test_refresh_deadline(obtained, expires_in, leeway, expected):
    result = refresh_deadline(obtained, expires_in, leeway)
    assert result == (pytest.approx(expected) if expected is not None else None)


async def test_token_request_is_client_secret_post_without_accept_version(mock_http, auth_factory):
    token(mock_http)
    auth = auth_factory()
    assert await auth.authorize() == {"Authorization": "Bearer tok-1"}
    (call,) = mock_http.requests[("POST", TOKEN_URL)]
    headers = call.kwargs["headers"]
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert "Accept-Version" not in headers
    assert "Authorization" not in headers  # not client_secret_basic
    form = parse_qs(call.kwargs["data"].decode())
    assert form == {
        "grant_type": ["client_credentials"],
        "client_id": ["client-1"],
        "client_secret": [SECRET],
    }


async def test_concurrent_cold_callers_share_one_token_request(mock_http, auth_factory):
    token(mock_http)
    auth = auth_factory()
    results = await asyncio.gather(*(auth.authorize() for _ in range(200)))
    assert {r["Authorization"] for r in results} == {"Bearer tok-1"}
    assert len(mock_http.requests[("POST", TOKEN_URL)]) == 1


async def test_no_expires_in_means_no_proactive_refresh(mock_http, auth_factory):
    token(mock_http)
    clock = Clock()
    auth = auth_factory(clock=clock)
    await auth.authorize()
    clock.now += 10**7
    await auth.authorize()
    assert len(mock_http.requests[("POST", TOKEN_URL)]) == 1


async def test_token_is_renewed_before_expires_in_runs_out(mock_http, auth_factory):
    token(mock_http, "tok-1", expires_in=600)
    token(mock_http, "tok-2", expires_in=600)
    clock = Clock()
    auth = auth_factory(clock=clock, leeway=30.0)
    assert (await auth.authorize())["Authorization"] == "Bearer tok-1"
    clock.now += 569
    assert (await auth.authorize())["Authorization"] == "Bearer tok-1"
    clock.now += 2  # 571 s: inside the 30 s leeway
    results = await asyncio.gather(*(auth.authorize() for _ in range(20)))
    assert {r["Authorization"] for r in results} == {"Bearer tok-2"}
    assert len(mock_http.requests[("POST", TOKEN_URL)]) == 2


async def test_401_relogin_is_shared_by_everyone_who_used_the_same_token(mock_http, auth_factory):
    token(mock_http, "tok-1")
    token(mock_http, "tok-2")
    auth = auth_factory()
    used = await auth.authorize()
    replays = await asyncio.gather(*(auth.refresh_after_unauthorized(used) for _ in range(50)))
    assert all(replays)
    assert (await auth.authorize())["Authorization"] == "Bearer tok-2"
    assert len(mock_http.requests[("POST", TOKEN_URL)]) == 2


@pytest.mark.parametrize(
    ("status", "payload", "match"),
    [
        (
            401,
            {"error": "invalid_client", "error_description": "Client authentication failed"},
            "invalid_client",
        ),
        (400, {"error": "unsupported_grant_type"}, "unsupported_grant_type"),
        (400, {"error": "Authentication failed for this request"}, "Authentication failed"),
    ],
)
async def test_token_endpoint_refusals_are_token_request_errors(
    mock_http, auth_factory, status, payload, match
):
    mock_http.post(str(TOKEN_URL), status=status, payload=payload, headers={"X-Request-ID": "id-9"})
    auth = auth_factory()
    with pytest.raises(TokenRequestError, match=match) as caught:
        await auth.authorize()
    assert caught.value.status == status
    assert caught.value.request_id == "id-9"
    assert caught.value.error == payload["error"]
    assert SECRET not in str(caught.value)


async def test_an_identity_server_echoing_the_secret_does_not_leak_it(mock_http, auth_factory):
    echo = {"error": "invalid_client", "error_description": f"unknown secret {SECRET}"}
    mock_http.post(str(TOKEN_URL), status=401, payload=echo)
    auth = auth_factory()
    with pytest.raises(TokenRequestError) as caught:
        await auth.authorize()
    error = caught.value
    shown = str(error) + repr(error.errors) + error.body + str(error.error_description)
    shown += str(error.__cause__) + error.__cause__.body  # printed in any traceback
    assert SECRET not in shown
    assert "unknown secret [REDACTED]" in str(error)


async def test_token_endpoint_5xx_is_retried_then_a_token_request_error(mock_http, auth_factory):
    for _ in range(3):
        mock_http.post(
            str(TOKEN_URL), status=503, body="<html>down</html>", headers={"X-Request-ID": "id-5"}
        )
    auth = auth_factory(retries=2)
    with pytest.raises(TokenRequestError) as caught:
        await auth.authorize()
    assert caught.value.status == 503
    assert len(mock_http.requests[("POST", TOKEN_URL)]) == 3


@pytest.mark.parametrize(
    ("body", "match"),
    [
        (b"<html>oops</html>", "not a JSON object"),
        (b'{"token_type": "Bearer"}', "no access_token"),
        (b'{"token_type": "mac", "access_token": "leaky-token"}', "unsupported token type"),
        (b'["tok"]', "not a JSON object"),
    ],
)
async def test_malformed_token_responses_never_quote_the_body(mock_http, auth_factory, body, match):
    mock_http.post(str(TOKEN_URL), status=200, body=body, headers={"X-Request-ID": "id-m"})
    auth = auth_factory()
    with pytest.raises(TokenRequestError, match=match) as caught:
        await auth.authorize()
    assert caught.value.request_id == "id-m"
    assert caught.value.body == ""
    assert "leaky-token" not in str(caught.value)


async def test_a_failed_login_is_shared_not_repeated_per_waiter(mock_http, auth_factory):
    mock_http.post(str(TOKEN_URL), status=401, payload={"error": "invalid_client"})
    auth = auth_factory()
    results = await asyncio.gather(*(auth.authorize() for _ in range(30)), return_exceptions=True)
    assert all(isinstance(r, TokenRequestError) for r in results)
    assert len(mock_http.requests[("POST", TOKEN_URL)]) == 1


async def test_a_cancelled_caller_does_not_strand_the_others(mock_http, auth_factory):
    gate = asyncio.Event()

    async def slow_token(url, **kwargs):
        await gate.wait()

    mock_http.post(
        str(TOKEN_URL),
        status=200,
        payload={"token_type": "Bearer", "access_token": "t"},
        callback=slow_token,
    )
    auth = auth_factory()
    first = asyncio.create_task(auth.authorize())
    others = [asyncio.create_task(auth.authorize()) for _ in range(5)]
    await asyncio.sleep(0.01)
    first.cancel()
    gate.set()
    assert {r["Authorization"] for r in await asyncio.gather(*others)} == {"Bearer t"}
    with pytest.raises(asyncio.CancelledError):
        await first
    assert len(mock_http.requests[("POST", TOKEN_URL)]) == 1


async def test_identity_unreachable_is_a_transport_error(auth_factory):
    auth = auth_factory(retries=0)
    auth._token_url = URL("http://127.0.0.1:9/oauth/token/")
    with pytest.raises(ConnectError):
        await auth.authorize()


async def test_secrets_stay_out_of_reprs_and_logs(mock_http, auth_factory, caplog):
    token(mock_http, "tok-visible-nowhere")
    auth = auth_factory()
    with caplog.at_level(logging.DEBUG):
        await auth.authorize()
    assert SECRET not in repr(auth)
    assert "tok-visible-nowhere" not in repr(auth)
    assert SECRET not in caplog.text
    assert "tok-visible-nowhere" not in caplog.text
    assert set(auth.secrets()) == {SECRET, "tok-visible-nowhere"}


@pytest.mark.parametrize("kwargs", [{"client_id": ""}, {"client_secret": "  "}, {"leeway": -1}])
def test_invalid_credentials_config_is_a_value_error(kwargs):
    options = {"client_id": "a", "client_secret": "b", "leeway": 60.0} | kwargs
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        ClientCredentialsAuth(
            options["client_id"],
            options["client_secret"],
            token_url=TOKEN_URL,
            pipeline=Pipeline(Transport(), retry=RetryPolicy()),
            leeway=options["leeway"],
        )


async def test_aiohttp_error_in_mock_is_translated(mock_http, auth_factory):
    mock_http.post(str(TOKEN_URL), exception=aiohttp.ServerDisconnectedError())
    token(mock_http)
    auth = auth_factory()
    assert await auth.authorize() == {
        "Authorization": "Bearer tok-1"
    }  # token POST is safe to repeat


async def test_the_client_wires_secret_scrubbing_into_its_token_requests(mock_http):
    echo = {"error": "invalid_client", "error_description": f"bad secret {SECRET}"}
    mock_http.post(str(TOKEN_URL), status=401, payload=echo)
    async with ConviousClient(
        "client-1", SECRET, identity_url="https://identity.example.test"
    ) as client:
        with pytest.raises(TokenRequestError) as caught:
            await client.pricing.get_prices(
                cookie_id="c",
                date_from=date(2026, 1, 1),
                date_to=date(2026, 1, 1),
                timezone="UTC",
                products=[("a", 1)],
            )
    assert SECRET not in str(caught.value) + str(caught.value.__cause__)
