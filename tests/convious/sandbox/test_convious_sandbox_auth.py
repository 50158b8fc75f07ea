"""Token endpoint, bearer checks, Accept-Version checks and X-Request-ID, over real HTTP."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable
from typing import Any

import aiohttp
import pytest

from convious.sandbox import Sandbox, SandboxConfig

CLIENT_ID, CLIENT_SECRET = SandboxConfig().first_client
FORM = {"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}


async def post_token(
    session: aiohttp.ClientSession, url: str, data: Any, headers: dict[str, str] | None = None
) -> tuple[int, Any, aiohttp.ClientResponse]:
    async with session.post(f"{url}/oauth/token/", data=data, headers=headers) as response:
        return response.status, await response.json(), response


async def test_token_success_has_only_documented_fields(
    sandbox: Sandbox, session: aiohttp.ClientSession
) -> None:
    status, body, response = await post_token(session, sandbox.url, FORM)
    assert status == 200
    assert set(body) == {"token_type", "access_token"}
    assert body["token_type"] == "Bearer"
    assert len(body["access_token"]) >= 40
    assert response.headers["Cache-Control"] == "no-store"
    assert sandbox.state.token_requests == 1
    assert sandbox.state.tokens[body["access_token"]].client_id == CLIENT_ID


async def test_each_login_gets_a_new_token(sandbox: Sandbox, api: Any) -> None:
    assert await api.token() != await api.token()


@pytest.mark.parametrize(
    "form",
    [
        {**FORM, "client_secret": "wrong"},
        {**FORM, "client_id": "someone-else"},
        {"grant_type": "client_credentials", "client_id": CLIENT_ID},
        {"grant_type": "client_credentials"},
    ],
)
async def test_bad_client_credentials_are_401(
    sandbox: Sandbox, session: aiohttp.ClientSession, form: dict[str, str]
) -> None:
    status, body, _ = await post_token(session, sandbox.url, form)
    assert status == 401
    assert body == {"error": "invalid_client", "error_description": "Client authentication failed"}
    assert sandbox.state.tokens == {}


@pytest.mark.parametrize("grant", ["password", "authorization_code", None])
async def test_other_grants_are_400(
    sandbox: Sandbox, session: aiohttp.ClientSession, grant: str | None
) -> None:
    form = {key: value for key, value in FORM.items() if key != "grant_type"}
    if grant is not None:
        form["grant_type"] = grant
    status, body, _ = await post_token(session, sandbox.url, form)
    assert (status, body) == (400, {"error": "unsupported_grant_type"})


async def test_json_token_request_is_not_a_form(
    sandbox: Sandbox, session: aiohttp.ClientSession
) -> None:
    async with session.post(f"{sandbox.url}/oauth/token/", json=FORM) as response:
        assert response.status == 400


def basic(credentials: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(credentials.encode()).decode()}


@pytest.mark.parametrize(
    ("authorization", "status"),
    [
        (basic("my+id:s3cr%26t"), 200),  # RFC 6749 2.3.1: form-encoded, then base64
        (basic("my id:s3cr&t"), 200),
        (basic("my+id:nope"), 401),
        (basic("my+id"), 401),
        ({"Authorization": "Basic !!!"}, 401),
    ],
)
async def test_http_basic_credentials(
    session: aiohttp.ClientSession, authorization: dict[str, str], status: int
) -> None:
    async with Sandbox(SandboxConfig(clients={"my id": "s3cr&t"})) as sandbox:
        form = {"grant_type": "client_credentials"}
        assert (await post_token(session, sandbox.url, form, authorization))[0] == status


async def test_form_values_are_url_decoded(session: aiohttp.ClientSession) -> None:
    async with Sandbox(SandboxConfig(clients={"my id": "a+b&c"})) as sandbox:
        body = "grant_type=client_credentials&client_id=my%20id&client_secret=a%2Bb%26c"
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        status, _, _ = await post_token(session, sandbox.url, body, headers)
        assert status == 200


async def test_token_path_needs_the_trailing_slash(
    sandbox: Sandbox, session: aiohttp.ClientSession
) -> None:
    async with session.post(f"{sandbox.url}/oauth/token", data=FORM) as response:
        assert response.status == 404


async def test_expires_in_is_sent_and_enforced(
    session: aiohttp.ClientSession,
    make_api: Callable[[Sandbox], Any],
    fake_clock: Any,
    price_request: dict[str, Any],
) -> None:
    config = SandboxConfig(token_expires_in=60, clock=fake_clock)
    async with Sandbox(config) as sandbox:
        sandbox.add_product("adult", "Adult", max_accepted_price="18.00")
        sandbox.add_product("child", "Child", max_accepted_price="12.00")
        status, body, _ = await post_token(session, sandbox.url, FORM)
        assert status == 200
        assert body["expires_in"] == 60
        assert body["scope"] == "read write"
        api = make_api(sandbox)
        headers = {"Authorization": f"Bearer {body['access_token']}", "Accept-Version": "1.0.0"}
        fake_clock.now += 59
        assert (await api.post("/api/price/rtp", price_request, headers))[0] == 200
        fake_clock.now += 1
        status, error, _ = await api.post("/api/price/rtp", price_request, headers)
        assert (status, error) == (401, {"error": "Invalid token"})


async def test_tokens_do_not_expire_without_expires_in(
    make_api: Callable[[Sandbox], Any], fake_clock: Any
) -> None:
    async with Sandbox(SandboxConfig(clock=fake_clock)) as sandbox:
        api = make_api(sandbox)
        headers = await api.headers()
        fake_clock.now += 10 * 365 * 24 * 3600
        status, _, _ = await api.post("/events", [], headers)
        assert status == 200


@pytest.mark.parametrize("path", ["/api/price/rtp", "/events"])
@pytest.mark.parametrize(
    ("authorization", "message"),
    [
        (None, "Authentication credentials were not provided."),
        ("Token abc", "Authentication credentials were not provided."),
        ("Bearer", "Invalid token"),
        ("Bearer not-a-token", "Invalid token"),
    ],
)
async def test_missing_or_bad_bearer_is_401(
    api: Any, path: str, authorization: str | None, message: str
) -> None:
    headers = {"Accept-Version": "1.0.0"}
    if authorization is not None:
        headers["Authorization"] = authorization
    status, body, response = await api.post(path, [], headers)
    assert (status, body) == (401, {"error": message})
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


async def test_bearer_scheme_is_case_insensitive(api: Any) -> None:
    token = await api.token()
    headers = {"Authorization": f"bearer {token}", "Accept-Version": "1.0.0"}
    assert (await api.post("/events", [], headers))[0] == 200


async def test_revoked_tokens_are_401(sandbox: Sandbox, api: Any) -> None:
    headers = await api.headers()
    assert (await api.post("/events", [], headers))[0] == 200
    assert sandbox.revoke_tokens() == 1
    status, body, _ = await api.post("/events", [], headers)
    assert (status, body) == (401, {"error": "Invalid token"})
    assert (await api.post("/events", []))[0] == 200  # a fresh login works again


@pytest.mark.parametrize("path", ["/api/price/rtp", "/events"])
@pytest.mark.parametrize(
    ("version", "message"),
    [
        (None, "Accept-Version header is required"),
        ("", "Accept-Version header is required"),
        ("2.0.0", "Unsupported API version: 2.0.0"),
        ("1.0", "Unsupported API version: 1.0"),
    ],
)
async def test_missing_or_unsupported_version_is_400(
    api: Any, path: str, version: str | None, message: str
) -> None:
    headers = {"Authorization": f"Bearer {await api.token()}"}
    if version is not None:
        headers["Accept-Version"] = version
    status, body, _ = await api.post(path, [], headers)
    assert (status, body) == (400, {"error": message})


async def test_extra_versions_can_be_configured(make_api: Callable[[Sandbox], Any]) -> None:
    async with Sandbox(SandboxConfig(api_versions={"1.0.0", "1.1.0"})) as sandbox:
        api = make_api(sandbox)
        headers = {**await api.headers(), "Accept-Version": "1.1.0"}
        assert (await api.post("/events", [], headers))[0] == 200


@pytest.mark.parametrize(("auth_first", "expected"), [(True, 401), (False, 400)])
async def test_order_of_401_and_400_is_configurable(
    make_api: Callable[[Sandbox], Any], auth_first: bool, expected: int
) -> None:
    async with Sandbox(SandboxConfig(auth_checked_first=auth_first)) as sandbox:
        api = make_api(sandbox)
        for headers in ({}, {"Authorization": "Bearer nope", "Accept-Version": "9.9.9"}):
            status, _, _ = await api.post("/api/price/rtp", {}, headers)
            assert status == expected


async def test_every_response_carries_a_fresh_request_id(
    sandbox: Sandbox, session: aiohttp.ClientSession, api: Any
) -> None:
    url = sandbox.url
    calls: list[tuple[str, str, dict[str, Any]]] = [
        ("POST", "/oauth/token/", {"data": FORM}),
        ("POST", "/oauth/token/", {"data": {**FORM, "client_secret": "x"}}),
        ("POST", "/api/price/rtp", {"json": {}}),
        ("POST", "/events", {"json": [], "headers": await api.headers()}),
        ("POST", "/events", {"data": b"[", "headers": await api.headers()}),
        ("GET", "/nowhere", {}),
        ("GET", "/api/price/rtp", {}),
        ("GET", "/_sandbox/stats", {}),
    ]
    seen = set()
    for method, path, kwargs in calls:
        async with session.request(method, f"{url}{path}", **kwargs) as response:
            request_id = response.headers["X-Request-ID"]
            assert str(uuid.UUID(request_id)) == request_id
            seen.add(request_id)
            if response.status in (404, 405):
                assert (await response.json())["error"]
    assert len(seen) == len(calls)
    recorded = [record.request_id for record in sandbox.state.records]
    assert seen <= set(recorded)


async def test_records_show_headers_per_call(sandbox: Sandbox, api: Any) -> None:
    headers = await api.headers()
    await api.post("/events", [], headers)
    token_call, events_call = list(sandbox.state.records)[-2:]
    assert (token_call.path, token_call.accept_version, token_call.authorization_scheme) == (
        "/oauth/token/",
        None,
        None,
    )
    assert (events_call.path, events_call.accept_version, events_call.authorization_scheme) == (
        "/events",
        "1.0.0",
        "Bearer",
    )
    assert events_call.status == 200
