"""ConvictionalClient: headers, construction, the shared rate budget, errors and raw responses."""

from __future__ import annotations

import asyncio
import doctest
import re
import subprocess
import sys
from collections.abc import AsyncIterator
from typing import Any

import pytest
from convictional_stub import StubApi, dropped, json_reply, raw_reply

import convictional_async
from convictional_async import (
    AuthenticationError,
    BuyerOrder,
    BuyerProduct,
    ConflictError,
    ConvictionalAPIError,
    ConvictionalClient,
    ConvictionalError,
    NotFoundError,
    PermissionDeniedError,
    RateLimit,
    RateLimitError,
    RawResponse,
    RetryPolicy,
    ServerError,
    UnsupportedMediaTypeError,
    ValidationError,
    _client,
    _errors,
    _models_account,
    _raw,
    _resources_common,
    core,
)

KEY = "18682ba6-3c6e-4d98-9d34-6e142bea4695"
FAST = RetryPolicy(max_retries=2, backoff_initial=0.01, backoff_max=0.02, max_retry_after=1.0)
PRODUCT = {"id": "p1", "title": "Tee", "variants": [{"id": "v1", "basePrice": 8.5}]}


@pytest.fixture
async def stub() -> AsyncIterator[StubApi]:
    async with StubApi() as server:
        yield server


def client_for(stub: StubApi, **options: object) -> ConvictionalClient:
    options.setdefault("retry", FAST)
    options.setdefault("rate_limit", None)
    return ConvictionalClient(KEY, base_url=stub.url, **options)  # type: ignore[arg-type]


# --- headers and paths ------------------------------------------------------------------


async def test_every_request_carries_the_raw_key_json_accept_and_new_errors(stub):
    stub.route("GET", "/buyer/products/p1", json_reply({"data": PRODUCT, "error": []}))
    async with client_for(stub) as client:
        product = await client.buyer.products.get("p1")
    assert product.variants[0].base_price == pytest.approx(8.5)
    (seen,) = stub.requests("GET", "/buyer/products/p1")
    assert seen.headers["Authorization"] == KEY
    assert seen.headers["Accept"] == "application/json"
    assert seen.headers["Enable-New-Errors"] == "true"
    assert "Content-Type" not in seen.headers


async def test_a_pinned_version_goes_in_accept_and_new_errors_can_be_off(stub):
    stub.route("GET", "/auth/me", json_reply({"user": {"_id": "u1"}, "company": {"_id": "c1"}}))
    async with client_for(stub, api_version="2022-03-03", new_errors=False) as client:
        await client.shared.me()
    (seen,) = stub.seen
    assert seen.headers["Accept"] == "application/vnd.convictional.2022-03-03"
    assert "Enable-New-Errors" not in seen.headers


async def test_bodies_are_json_with_content_type(stub):
    stub.route("PATCH", "/products/p1/variants/v1", json_reply({"_id": "v1"}))
    async with client_for(stub) as client:
        variant = await client.seller.products.update_variant("p1", "v1", inventory_quantity=5)
    assert variant.id == "v1"
    (seen,) = stub.seen
    assert seen.headers["Content-Type"] == "application/json"
    assert seen.json() == {"inventoryQuantity": 5}


async def test_a_base_url_with_a_path_prefix_is_kept(stub):
    stub.route("GET", "/prefix/buyer/products/p1", json_reply({"data": PRODUCT}))
    async with ConvictionalClient(KEY, base_url=f"{stub.url}/prefix/", rate_limit=None) as client:
        assert (await client.buyer.products.get("p1")).id == "p1"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"base_url": "ftp://example.com"}, "base_url"),
        ({"base_url": "https://user:pw@example.com"}, "credentials"),
        ({"base_url": "https://example.com?x=1"}, "query"),
        ({"api_version": "v2"}, "api_version"),
        ({"api_version": "2022-3-3"}, "api_version"),
        ({"new_errors": "yes"}, "new_errors"),
        ({"rate_limit": 5}, "rate_limit"),
        ({"retry": 3}, "retry"),
        ({"rate_limiter": object()}, "reserve"),
        ({"rate_limit": RateLimit(max_requests=2), "rate_limiter": object()}, "not both"),
        ({"max_connections": -1}, "max_connections"),
        ({"max_response_bytes": 0}, "max_response_bytes"),
    ],
)
def test_bad_options_are_refused_before_anything_runs(options, message):
    with pytest.raises(ValueError, match=message):
        ConvictionalClient(KEY, **options)


@pytest.mark.parametrize("key", ["", " ", "a b", "key\r\nX-Evil: 1", "k\x00", "k" * 513, None])
def test_a_bad_key_is_refused_without_echoing_it(key):
    with pytest.raises(ValueError, match="api_key") as caught:
        ConvictionalClient(key)  # type: ignore[arg-type]
    if key and len(key) > 2:
        assert key not in str(caught.value)


def test_the_key_never_shows_in_a_repr():
    client = ConvictionalClient(KEY)
    assert KEY not in repr(client)
    assert KEY not in repr(client.rate_limiter)
    assert (
        repr(client)
        == "ConvictionalClient(base_url='https://api.convictional.com', api_version=None)"
    )


# --- one rate budget per key ------------------------------------------------------------


def test_clients_with_one_key_on_one_host_share_one_limiter_keyed_by_a_fingerprint():
    first = ConvictionalClient(KEY)
    second = ConvictionalClient(KEY, api_version="2022-03-03")
    other_key = ConvictionalClient("another-key")
    other_host = ConvictionalClient(KEY, base_url="https://api.example.com")
    assert first.rate_limiter is second.rate_limiter
    assert other_key.rate_limiter is not first.rate_limiter
    assert other_host.rate_limiter is not first.rate_limiter
    fingerprint = _client.key_fingerprint(first.base_url, KEY)
    assert re.fullmatch(r"convictional:[0-9a-f]{32}", fingerprint)
    assert KEY not in fingerprint
    assert first.rate_limiter.limit == RateLimit(max_requests=5, period=1)


def test_the_shared_limiter_is_asked_for_with_the_fingerprint_and_the_retry_pause_cap(
    monkeypatch,
):
    calls = []

    def spy(key, limit, *, max_pause):
        calls.append((key, limit, max_pause))
        return core.LocalRateLimiter(limit)

    monkeypatch.setattr(core._ratelimit, "shared_rate_limiter", spy)  # what limiter_for asks
    ConvictionalClient(KEY, retry=RetryPolicy(max_retry_after=7.0))
    ((key, limit, max_pause),) = calls
    assert key == _client.key_fingerprint(_client.URL(_client.DEFAULT_BASE_URL), KEY)
    assert limit == RateLimit(max_requests=5, period=1)
    assert max_pause == 7.0


async def test_a_given_rate_limiter_is_used_and_not_closed(stub):
    class Counting:
        limit = None
        reserved = 0
        closed = False

        def reserve(self):
            self.reserved += 1

        def observe(self, status, headers):
            pass

        async def aclose(self):
            self.closed = True

    limiter = Counting()
    stub.route("GET", "/auth/me", json_reply({"user": {"_id": "u"}, "company": {"_id": "c"}}))
    async with ConvictionalClient(KEY, base_url=stub.url, rate_limiter=limiter) as client:
        await client.shared.me()
    assert (limiter.reserved, limiter.closed) == (1, False)


async def test_a_429_is_retried_without_using_up_max_retries(stub):
    stub.route(
        "GET",
        "/buyer/products/p1",
        json_reply({"error": "slow down"}, 429, **{"Retry-After": "0.01"}),
        json_reply({"data": PRODUCT}),
    )
    async with client_for(stub, retry=RetryPolicy(max_retries=0)) as client:
        product = await client.buyer.products.get("p1")
    assert product.id == "p1"
    assert len(stub.seen) == 2
    assert client.metrics.rate_limited == 1


# --- errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "cls", "core_cls"),
    [
        (400, ValidationError, core.BadRequestError),
        (422, ValidationError, core.UnprocessableEntityError),
        (401, AuthenticationError, core.AuthenticationError),
        (403, PermissionDeniedError, core.PermissionDeniedError),
        (404, NotFoundError, core.NotFoundError),
        (409, ConflictError, core.ConflictError),
        (415, UnsupportedMediaTypeError, core.APIStatusError),
        (429, RateLimitError, core.RateLimitError),
        (500, ServerError, core.ServerError),
        (503, ServerError, core.ServerError),
        (418, ConvictionalAPIError, core.APIStatusError),
    ],
)
async def test_each_status_is_a_convictional_class_and_its_core_class(stub, status, cls, core_cls):
    stub.route(
        "GET",
        "/buyer/orders/o1",
        json_reply({"errors": {"general": ["nope"]}}, status, **{"X-Request-ID": "rid-7"}),
    )
    never = RetryPolicy.never()
    async with client_for(stub, retry=never) as client:
        with pytest.raises(core_cls) as caught:
            await client.buyer.orders.get("o1")
    error = caught.value
    assert type(error) is cls
    assert isinstance(error, ConvictionalError)
    assert isinstance(error, core.SDKError)
    assert (error.status, error.request_id) == (status, "rid-7")
    assert error.convictional_version == "2022-03-03"
    assert error.errors == {"general": ["nope"]}


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"error": "a message"}, {"general": ["a message"]}),
        ({"data": None, "error": [{"message": "A description."}]}, {"general": ["A description."]}),
        (
            {"errors": {"inventoryQuantity": ["must be greater than 0"], "general": ["no"]}},
            {"inventoryQuantity": ["must be greater than 0"], "general": ["no"]},
        ),
    ],
    ids=["legacy-string", "legacy-list", "new-format"],
)
async def test_all_three_error_body_shapes_are_normalized(stub, body, errors):
    stub.route("PATCH", "/products/p1/variants/v1", json_reply(body, 422))
    async with client_for(stub) as client:
        with pytest.raises(ValidationError) as caught:
            await client.seller.products.update_variant("p1", "v1", inventory_quantity=1)
    assert caught.value.errors == errors


async def test_a_non_json_error_body_is_still_a_typed_error(stub):
    stub.route("GET", "/auth/me", raw_reply(b"<html>Bad gateway</html>", 502, "text/html"))
    async with client_for(stub) as client:
        with pytest.raises(ServerError) as caught:
            await client.shared.me()
    assert caught.value.errors == {}
    assert "Bad gateway" in caught.value.body
    assert len(stub.seen) == 3  # a read is retried on a 5xx (max_retries=2)


async def test_a_401_is_final_and_never_shows_the_key(stub):
    stub.route("GET", "/auth/me", json_reply({"error": f"unknown key {KEY}"}, 401))
    async with client_for(stub) as client:
        with pytest.raises(AuthenticationError) as caught:
            await client.shared.me()
    assert len(stub.seen) == 1
    assert KEY not in str(caught.value)
    assert KEY not in caught.value.body
    assert all(KEY not in m for msgs in caught.value.errors.values() for m in msgs)


async def test_reads_are_retried_after_a_dropped_connection_and_creates_are_not(stub):
    stub.route("GET", "/buyer/products/p1", dropped, json_reply({"data": PRODUCT}))
    stub.route("POST", "/products", dropped, json_reply({"id": "p9"}))
    async with client_for(stub) as client:
        assert (await client.buyer.products.get("p1")).id == "p1"
        product = convictional_async.ProductCreate(
            code="C", title="T", variants=(convictional_async.VariantCreate(sku="S"),)
        )
        with pytest.raises(core.ConnectionLost):
            await client.seller.products.create(product)
    assert len(stub.requests("GET", "/buyer/products/p1")) == 2
    assert len(stub.requests("POST", "/products")) == 1


async def test_a_5xx_on_a_create_is_not_retried(stub):
    stub.route("POST", "/partners", json_reply({"error": "boom"}, 503))
    async with client_for(stub) as client:
        with pytest.raises(ServerError):
            await client.shared.partners.create(email="a@example.com")
    assert len(stub.seen) == 1


def test_the_error_tree_and_the_status_map_are_pure():
    assert _errors.error_class(400) is _errors.error_class(422) is ValidationError
    assert issubclass(ValidationError, core.BadRequestError)
    assert issubclass(ValidationError, core.UnprocessableEntityError)
    assert _errors.error_class(599) is ServerError
    assert _errors.error_class(402) is ConvictionalAPIError


# --- raw responses -----------------------------------------------------------------------


async def test_with_raw_response_gives_status_headers_request_id_and_version(stub):
    stub.route(
        "GET",
        "/buyer/orders/o1",
        json_reply({"data": {"id": "o1"}}, 200, **{"X-Request-ID": "rid-1"}),
    )
    async with client_for(stub) as client:
        raw = await client.with_raw_response(client.buyer.orders.get, "o1")
    assert isinstance(raw, RawResponse)
    assert (raw.status, raw.request_id, raw.convictional_version) == (200, "rid-1", "2022-03-03")
    assert raw.headers["content-type"].startswith("application/json")
    assert isinstance(raw.parsed, BuyerOrder)
    assert raw.parsed.id == "o1"


async def test_concurrent_raw_calls_each_get_their_own_response(stub):
    stub.route("GET", "/buyer/products/a", json_reply({"data": {"id": "a"}}))
    stub.route("GET", "/buyer/products/b", json_reply({"data": {"id": "b"}}))
    async with client_for(stub) as client:
        raws = await asyncio.gather(
            *(client.with_raw_response(client.buyer.products.get, p) for p in "abab")
        )
    ids = [raw.request_id for raw in raws]
    assert len(set(ids)) == 4
    assert [raw.parsed.id for raw in raws] == list("abab")
    assert all(isinstance(raw.parsed, BuyerProduct) for raw in raws)


async def test_with_raw_response_needs_a_call_that_makes_a_request():
    async def nothing() -> int:
        return 1

    client = ConvictionalClient(KEY)
    with pytest.raises(ValueError, match="HTTP request"):
        await client.with_raw_response(nothing)
    await client.aclose()


# --- per-call options ----------------------------------------------------------------------


async def test_with_options_overrides_retries_and_headers_for_the_copy_only(stub):
    stub.route(
        "GET",
        "/buyer/products/a",
        json_reply({"error": "busy"}, 503),
        json_reply({"error": "busy"}, 503),
        json_reply({"data": {"id": "a"}}),
    )
    async with client_for(stub) as client:
        tagged = client.with_options(max_retries=0, extra_headers={"X-Trace": "t-1"})
        with pytest.raises(ServerError):
            await tagged.buyer.products.get("a")
        product = await client.buyer.products.get("a")  # the parent still retries
        assert tagged.rate_limiter is client.rate_limiter
    assert product.id == "a"
    seen = stub.requests("GET", "/buyer/products/a")
    assert [s.headers.get("X-Trace") for s in seen] == ["t-1", None, None]
    assert all(s.headers["Authorization"] == KEY for s in seen)


async def test_with_options_timeout_bounds_the_copys_calls(stub):
    async def slow(request: Any) -> Any:
        await asyncio.sleep(1)
        return await json_reply({"data": {"id": "a"}})(request)

    stub.route("GET", "/buyer/products/a", slow)
    async with client_for(stub) as client:
        with pytest.raises(core.DeadlineExceeded):
            await client.with_options(timeout=0.05).buyer.products.get("a")
        assert client.timeout.deadline == 60.0


# --- packaging -----------------------------------------------------------------------------


def test_importing_convious_does_not_import_the_convictional_client():
    code = (
        "import sys, convious, convictional_async\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('convictional_async._'))\n"
        "print(loaded)\n"
        "convictional_async.ConvictionalClient\n"
        "print('convictional_async._client' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.splitlines() == ["[]", "True"]


def test_the_public_names_resolve_lazily_and_alias_the_models():
    assert convictional_async.OrderItem is convictional_async.BuyerOrderLine
    assert convictional_async.OrderLineItem.__name__ == "OrderItem"
    assert issubclass(convictional_async.NotFoundError, core.NotFoundError)
    assert "ConvictionalClient" in dir(convictional_async)
    with pytest.raises(AttributeError):
        convictional_async.NoSuchThing  # noqa: B018


@pytest.mark.parametrize("module", [_errors, _raw, _resources_common, _models_account])
def test_docstring_examples_run(module):
    assert doctest.testmod(module).failed == 0
