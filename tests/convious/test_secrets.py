"""Hostile identity servers that echo credentials back: no encoding of one reaches an error."""

from __future__ import annotations

import base64
import html
import json
import traceback
from collections.abc import AsyncIterator, Callable
from datetime import date
from urllib.parse import quote, quote_plus

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from yarl import URL

from convictional_async.core import (
    PermissionDeniedError,
    Pipeline,
    RetryPolicy,
    SDKError,
    TokenRequestError,
    Transport,
)
from convious import ConviousClient
from convious._auth import ClientCredentialsAuth

CLIENT_ID = "client-1"
SECRET = 's3cr&t pass+/é"\\'
TOKEN = "tok/en+42=="
LOOKUP = {
    "cookie_id": "c-1",
    "date_from": date(2026, 1, 1),
    "date_to": date(2026, 1, 1),
    "timezone": "UTC",
    "products": [("a", 1)],
}

Handler = Callable[[web.Request], web.StreamResponse]


def encodings(secret: str) -> dict[str, str]:
    """Every form in which a server may echo ``secret`` back."""
    return {
        "raw": secret,
        "quote_plus": quote_plus(secret),
        "quote": quote(secret, safe=""),
        "json ascii": json.dumps(secret)[1:-1],
        "json utf-8": json.dumps(secret, ensure_ascii=False)[1:-1],
        "html": html.escape(secret),
        "basic": base64.b64encode(f"{CLIENT_ID}:{secret}".encode()).decode(),
    }


def echo_everything(form: str, secret: str) -> str:
    """A text quoting the request's form body and every encoding of the secret."""
    return f"form {form}; " + "; ".join(f"{k}={v}" for k, v in encodings(secret).items())


def everything_shown(error: BaseException) -> str:
    """All an error shows: message, repr, attributes and the printed traceback."""
    parts = [str(error), repr(error), "".join(traceback.format_exception(error))]
    for name in ("body", "errors", "error", "error_description"):
        parts.append(repr(getattr(error, name, "")))
        parts.append(str(getattr(error, name, "")))
    return "\n".join(parts)


def assert_no_secret(error: BaseException, secret: str = SECRET) -> None:
    shown = everything_shown(error)
    for form, value in encodings(secret).items():
        assert value not in shown, f"the {form} form of the secret leaked"


@pytest.fixture
async def identity() -> AsyncIterator[Callable[[Handler], URL]]:
    """An identity server on 127.0.0.1 whose token endpoint runs the handler given."""
    handlers: list[Handler] = []

    async def token(request: web.Request) -> web.StreamResponse:
        return await handlers[-1](request)

    async def api(request: web.Request) -> web.StreamResponse:
        echoed = echo_everything(request.headers.get("Authorization", ""), TOKEN)
        return web.json_response({"error": echoed, "detail": echoed}, status=403)

    app = web.Application()
    app.router.add_post("/oauth/token/", token)
    app.router.add_post("/api/price/rtp", api)
    async with TestServer(app, host="127.0.0.1") as server:

        def serve(handler: Handler) -> URL:
            handlers.append(handler)
            return server.make_url("")

        yield serve


async def login_error(base: URL, *, auth_method: str = "client_secret_post") -> SDKError:
    """The error of one login with a pipeline that knows no secrets (the auth must scrub)."""
    transport = Transport()
    auth = ClientCredentialsAuth(
        CLIENT_ID,
        SECRET,
        token_url=base / "oauth/token/",
        pipeline=Pipeline(transport, retry=RetryPolicy(max_retries=0)),
        auth_method=auth_method,
    )
    try:
        with pytest.raises(SDKError) as caught:
            await auth.authorize()
    finally:
        await transport.aclose()
    return caught.value


async def test_a_401_echoing_the_form_encoded_secret_leaks_nothing(identity):
    async def refuse(request: web.Request) -> web.Response:
        form = await request.text()
        assert quote_plus(SECRET) in form  # what the server saw
        body = {
            "error": f"invalid_client {SECRET}",
            "error_description": echo_everything(form, SECRET),
            "errors": {quote_plus(SECRET): [json.dumps(SECRET)]},
        }
        return web.json_response(body, status=401)

    error = await login_error(identity(refuse))
    assert isinstance(error, TokenRequestError)
    assert error.status == 401
    assert error.error == "invalid_client [REDACTED]"
    assert "grant_type=client_credentials" in error.error_description  # the rest stays
    assert_no_secret(error)


async def test_a_500_echoing_the_secret_leaks_nothing(identity):
    async def crash(request: web.Request) -> web.Response:
        page = f"<html><pre>{html.escape(echo_everything(await request.text(), SECRET))}</pre>"
        return web.Response(status=500, text=page, content_type="text/html")

    error = await login_error(identity(crash))
    assert isinstance(error, TokenRequestError)
    assert error.status == 500
    assert error.body.startswith("<html><pre>form grant_type=client_credentials")
    assert_no_secret(error)


async def test_a_200_whose_error_field_holds_the_secret_leaks_nothing(identity):
    async def garble(request: web.Request) -> web.Response:
        return web.json_response(
            {"error": SECRET, "error_description": echo_everything("", SECRET)}
        )

    error = await login_error(identity(garble))
    assert isinstance(error, TokenRequestError)
    assert error.error == "[REDACTED]"
    assert_no_secret(error)


async def test_a_200_echoing_its_own_access_token_in_an_error_leaks_neither(identity):
    async def garble(request: web.Request) -> web.Response:
        return web.json_response(
            {"access_token": TOKEN, "error": f"{TOKEN} {SECRET}", "token_type": TOKEN}
        )

    error = await login_error(identity(garble))
    assert_no_secret(error)
    assert_no_secret(error, TOKEN)


async def test_basic_credentials_echoed_back_leak_nothing(identity):
    async def refuse(request: web.Request) -> web.Response:
        echoed = request.headers["Authorization"]
        assert echoed.startswith("Basic ")
        return web.json_response({"error": "invalid_client", "detail": echoed}, status=401)

    error = await login_error(identity(refuse), auth_method="client_secret_basic")
    assert isinstance(error, TokenRequestError)
    assert "Basic [REDACTED]" in error.body
    assert_no_secret(error)


async def test_through_the_client_a_refused_login_leaks_nothing(identity):
    async def refuse(request: web.Request) -> web.Response:
        return web.json_response(
            {"error": "invalid_client", "error_description": echo_everything("", SECRET)},
            status=401,
        )

    base = str(identity(refuse))
    urls = {"identity_url": base, "pricer_url": base, "inventory_url": base}
    async with ConviousClient(CLIENT_ID, SECRET, **urls) as client:
        with pytest.raises(TokenRequestError) as caught:
            await client.pricing.get_prices(**LOOKUP)
    assert_no_secret(caught.value)


async def test_an_api_echoing_the_access_token_in_an_error_leaks_it_nowhere(identity):
    async def issue(request: web.Request) -> web.Response:
        return web.json_response({"token_type": "Bearer", "access_token": TOKEN})

    base = str(identity(issue))
    urls = {"identity_url": base, "pricer_url": base, "inventory_url": base}
    async with ConviousClient(CLIENT_ID, SECRET, **urls) as client:
        with pytest.raises(PermissionDeniedError) as caught:
            await client.pricing.get_prices(**LOOKUP)
    assert "Bearer [REDACTED]" in caught.value.body
    assert_no_secret(caught.value, TOKEN)
