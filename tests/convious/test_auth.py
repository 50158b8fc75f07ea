"""OAuth2 client credentials against mocked HTTP, and the pure expiry rule."""

from __future__ import annotations

import asyncio
import json
import logging
import traceback
from datetime import date
from urllib.parse import parse_qs

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from yarl import URL

from convictional_async.core import (
    AuthenticationError,
    ClientMetrics,
    ConnectError,
    Pipeline,
    RetryPolicy,
    TokenRequestError,
    Transport,
)
from convious import ConviousClient
from convious._auth import (
    COOLDOWN_CAP,
    COOLDOWN_START,
    FRESH_TOKEN_AGE,
    MAX_TOKEN_LIFETIME,
    MIN_TOKEN_LIFETIME,
    ClientCredentialsAuth,
    refresh_deadline,
)

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
    shown += "".join(traceback.format_exception(error))
    assert error.__cause__ is None  # the pipeline's error is not chained: it was scrubbed
    assert error.__context__ is None  # only of the pipeline's own secrets
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


@pytest.mark.parametrize(
    "expires_in",
    [
        b'"1e400"',
        b'"3600.5x"',
        b"-5",
        b"0",
        b"true",
        b"[]",
        b'"' + b"9" * 5000 + b'"',
    ],
)
async def test_an_unusable_expires_in_is_ignored_with_a_warning(
    mock_http, auth_factory, caplog, expires_in
):
    body = b'{"token_type": "Bearer", "access_token": "tok-1", "expires_in": ' + expires_in + b"}"
    mock_http.post(str(TOKEN_URL), status=200, body=body)
    clock = Clock()
    auth = auth_factory(clock=clock)
    with caplog.at_level(logging.WARNING, logger="convious.auth"):
        assert await auth.authorize() == {"Authorization": "Bearer tok-1"}
    assert "expires_in" in caplog.text
    clock.now += 10 * MAX_TOKEN_LIFETIME
    assert auth.current() == {"Authorization": "Bearer tok-1"}  # no proactive refresh


@pytest.mark.parametrize(
    "expires_in",
    [
        b"1" * 400,  # an int too large for a float: was an OverflowError
        b"10000000",
        b"1" + b"0" * 300,
        b'"99999999"',
    ],
)
async def test_a_lifetime_beyond_the_cap_is_clamped_with_a_warning(
    mock_http, auth_factory, caplog, expires_in
):
    body = b'{"token_type": "Bearer", "access_token": "tok-1", "expires_in": ' + expires_in + b"}"
    mock_http.post(str(TOKEN_URL), status=200, body=body)
    token(mock_http, "tok-2")
    clock = Clock()
    auth = auth_factory(clock=clock, leeway=0.0)
    with caplog.at_level(logging.WARNING, logger="convious.auth"):
        await auth.authorize()
    assert "expires_in" in caplog.text
    clock.now += MAX_TOKEN_LIFETIME - 1
    assert auth.current() is not None
    clock.now += 1
    assert auth.current() is None
    assert await auth.authorize() == {"Authorization": "Bearer tok-2"}


async def test_a_number_too_large_for_json_decoding_is_a_token_request_error(
    mock_http, auth_factory
):
    body = b'{"token_type": "Bearer", "access_token": "tok-1", "expires_in": 1e400}'
    mock_http.post(str(TOKEN_URL), status=200, body=body)
    with pytest.raises(TokenRequestError, match="not a JSON object"):
        await auth_factory().authorize()


@pytest.mark.parametrize("expires_in", [b"0.001", b'"1e-300"'])
async def test_a_lifetime_below_a_second_is_raised_to_one(mock_http, auth_factory, expires_in):
    body = b'{"token_type": "Bearer", "access_token": "tok-1", "expires_in": ' + expires_in + b"}"
    mock_http.post(str(TOKEN_URL), status=200, body=body)
    clock = Clock()
    auth = auth_factory(clock=clock, leeway=0.0)
    await auth.authorize()
    clock.now += MIN_TOKEN_LIFETIME / 2
    assert auth.current() is not None  # not due for renewal at once, call after call
    clock.now += MIN_TOKEN_LIFETIME / 2
    assert auth.current() is None


async def test_a_numeric_string_expires_in_is_understood(mock_http, auth_factory):
    token(mock_http, "tok-1", expires_in="600")
    clock = Clock()
    auth = auth_factory(clock=clock, leeway=0.0)
    await auth.authorize()
    clock.now += 600
    assert auth.current() is None


@pytest.mark.parametrize(
    "access_token",
    [
        "tok\r\nX-Injected: 1",
        "tok\n",
        "tok\u0000",
        "tok\u007f",
        "tok en",
        "t\u00f6k",
        "tok\t",
        "=tok",
        "to=k",
        "a" * 8193,
        123,
        True,
    ],
)
async def test_an_unusable_access_token_is_a_token_request_error(
    mock_http, auth_factory, access_token
):
    value = json.dumps(access_token)
    body = f'{{"token_type": "Bearer", "access_token": {value}}}'.encode()
    mock_http.post(str(TOKEN_URL), status=200, body=body, headers={"X-Request-ID": "id-t"})
    auth = auth_factory()
    with pytest.raises(TokenRequestError, match="access_token") as caught:
        await auth.authorize()
    assert caught.value.request_id == "id-t"
    assert caught.value.body == ""
    assert str(access_token)[:3] not in str(caught.value).replace("token", "")
    assert auth.current() is None


@pytest.mark.parametrize("access_token", ["abc-._~+/XYZ019", "abc==", "a" * 8192])
async def test_every_b64token_is_accepted(mock_http, auth_factory, access_token):
    token(mock_http, access_token)
    auth = auth_factory()
    assert await auth.authorize() == {"Authorization": f"Bearer {access_token}"}


class HostileIdentity:
    """A token endpoint and an API on 127.0.0.1 that answer whatever the test sets."""

    def __init__(self) -> None:
        self.token_requests = 0
        self.api_requests = 0
        self.token_answer = lambda n: web.json_response(
            {"token_type": "Bearer", "access_token": f"tok-{n}"}
        )
        self.api_answer = lambda: web.json_response({"error": "unauthorized"}, status=401)
        self.app = web.Application()
        self.app.router.add_post("/oauth/token/", self._token)
        self.app.router.add_post("/api", self._api)

    async def _token(self, request: web.Request) -> web.StreamResponse:
        self.token_requests += 1
        return self.token_answer(self.token_requests)

    async def _api(self, request: web.Request) -> web.StreamResponse:
        self.api_requests += 1
        return self.api_answer()


@pytest.fixture
async def hostile():
    identity = HostileIdentity()
    async with TestServer(identity.app, host="127.0.0.1") as server:
        identity.url = server.make_url("")
        yield identity


@pytest.fixture
async def api_on(hostile):
    transports: list[Transport] = []

    def make(clock: Clock):
        transport = Transport()
        transports.append(transport)
        retry = RetryPolicy(max_retries=0)
        auth = ClientCredentialsAuth(
            "client-1",
            SECRET,
            token_url=hostile.url / "oauth/token/",
            pipeline=Pipeline(transport, retry=retry),
            clock=clock,
        )
        pipeline = Pipeline(transport, retry=retry, auth=auth)

        async def call() -> None:
            await pipeline.send("POST", hostile.url / "api", headers={}, idempotent=True)

        return call

    yield make
    for transport in transports:
        await transport.aclose()


async def test_an_api_that_rejects_every_token_gets_few_token_requests(hostile, api_on):
    clock = Clock()
    call = api_on(clock)
    for _ in range(200):
        with pytest.raises(AuthenticationError):
            await call()
    assert hostile.token_requests == 2  # the login, one re-login; then a cool-down
    assert hostile.api_requests == 201  # the first call replayed once; then one each
    clock.now += COOLDOWN_START
    with pytest.raises(AuthenticationError):
        await call()
    assert hostile.token_requests == 3  # the cool-down ended: one more re-login
    for _ in range(50):
        with pytest.raises(AuthenticationError):
            await call()
    clock.now += COOLDOWN_START
    with pytest.raises(AuthenticationError):
        await call()
    assert hostile.token_requests == 3  # the cool-down doubled
    clock.now += COOLDOWN_START
    with pytest.raises(AuthenticationError):
        await call()
    assert hostile.token_requests == 4


async def test_the_cool_down_is_capped(hostile, api_on):
    clock = Clock()
    call = api_on(clock)
    logins = 0
    for _ in range(40):
        for _ in range(3):
            with pytest.raises(AuthenticationError):
                await call()
        logins = hostile.token_requests
        clock.now += COOLDOWN_CAP
    for _ in range(3):
        with pytest.raises(AuthenticationError):
            await call()
    assert hostile.token_requests == logins + 1


async def test_a_token_that_worked_for_a_while_is_replaced_at_once(hostile, api_on):
    clock = Clock()
    call = api_on(clock)
    hostile.api_answer = lambda: web.json_response({})
    await call()
    for n in range(2, 8):
        clock.now += FRESH_TOKEN_AGE  # each token works for a while, then is revoked
        statuses = iter([401, 200])
        hostile.api_answer = lambda statuses=statuses: web.json_response({}, status=next(statuses))
        await call()  # one re-login and one replay, never a cool-down
        assert hostile.token_requests == n


async def test_concurrent_callers_share_the_cool_down(hostile, api_on):
    call = api_on(Clock())
    for _ in range(3):
        results = await asyncio.gather(*(call() for _ in range(50)), return_exceptions=True)
        assert all(isinstance(r, AuthenticationError) for r in results)
    assert hostile.token_requests <= 3


async def test_a_token_endpoint_that_keeps_refusing_is_asked_less_and_less(hostile, api_on):
    hostile.token_answer = lambda n: web.json_response({"error": "invalid_client"}, status=401)
    clock = Clock()
    call = api_on(clock)
    for _ in range(200):
        with pytest.raises(TokenRequestError, match="invalid_client") as caught:
            await call()
    assert caught.value.status == 401
    assert caught.value.error == "invalid_client"
    assert hostile.token_requests == 2
    assert hostile.api_requests == 0
    clock.now += COOLDOWN_START
    with pytest.raises(TokenRequestError):
        await call()
    assert hostile.token_requests == 3
    hostile.token_answer = lambda n: web.json_response(
        {"token_type": "Bearer", "access_token": "good"}
    )
    hostile.api_answer = lambda: web.json_response({})
    clock.now += 2 * COOLDOWN_START
    await call()
    assert hostile.token_requests == 4
    await call()
    assert hostile.token_requests == 4


@pytest.mark.parametrize("status", [200, 401])
async def test_a_token_reply_nested_100000_levels_deep_is_a_token_request_error(
    hostile, api_on, status
):
    nested = "[" * 100_000 + "]" * 100_000
    hostile.token_answer = lambda n: web.Response(
        status=status, text=nested, content_type="application/json"
    )
    call = api_on(Clock())
    with pytest.raises(TokenRequestError) as caught:
        await call()
    assert caught.value.status == status
