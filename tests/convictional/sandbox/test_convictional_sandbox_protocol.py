"""Auth, both error formats, request ids, versions and the 5-per-second rate limit."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from convictional_sandbox_api import Api, FakeClock, order_body

from convictional_async.sandbox import Sandbox, SandboxConfig


@pytest.mark.parametrize(
    ("key", "message"),
    [
        (None, "unauthorized"),
        ("0f2c3b8e-1111-4222-8333-444455556666", "unauthorized"),
        ("bearer", "unauthorized (send the raw API key, with no scheme)"),
    ],
)
async def test_a_missing_or_unknown_key_is_401_in_both_formats(
    api: Api, sandbox: Sandbox, key: str | None, message: str
) -> None:
    raw = f"Bearer {sandbox.buyer_key}" if key == "bearer" else key
    legacy = await api.get("/products", key=raw)
    assert (legacy.status, legacy.body) == (401, {"error": message})
    buyer_route = await api.get("/buyer/products", key=raw)
    assert (buyer_route.status, buyer_route.body) == (
        401,
        {"data": None, "error": [{"message": message}]},
    )
    new = await api.get("/buyer/products", key=raw, headers={"Enable-New-Errors": "true"})
    assert (new.status, new.body) == (401, {"errors": {"general": [message]}})


async def test_the_wrong_account_type_is_403(api: Api) -> None:
    reply = await api.get("/buyer/orders", key="seller", headers={"Enable-New-Errors": "TRUE"})
    assert reply.status == 403
    assert reply.body == {"errors": {"general": ["forbidden: this endpoint is for buyer accounts"]}}


async def test_error_format_switch(
    make_sandbox: Callable[..., Sandbox], make_api: Callable[[Sandbox], Api]
) -> None:
    async with make_sandbox(errors="new") as sandbox:
        reply = await make_api(sandbox).get("/buyer/products?limit=999")
        assert (reply.status, reply.body) == (
            422,
            {"errors": {"limit": ["must be an integer from 1 to 250"]}},
        )
    async with make_sandbox(errors="legacy") as sandbox:
        headers = {"Enable-New-Errors": "true"}
        reply = await make_api(sandbox).get("/buyer/products?limit=999", headers=headers)
        assert (reply.status, reply.body["error"]) == (
            400,
            [{"message": "limit: must be an integer from 1 to 250"}],
        )


async def test_every_reply_has_a_request_id_and_a_version(api: Api, sandbox: Sandbox) -> None:
    replies = [
        await api.get("/buyer/products?limit=1"),
        await api.get("/buyer/products?limit=1", key=None),
        await api.get("/nowhere"),
        await api.call("DELETE", "/buyer/orders"),
        await api.get("/_sandbox/stats", key=None),
    ]
    assert [r.status for r in replies] == [200, 401, 404, 405, 200]
    ids = [r.headers["X-Request-ID"] for r in replies]
    assert len(set(ids)) == len(ids)
    assert {r.headers["Convictional-Version"] for r in replies} == {"2022-03-03"}
    assert [record.request_id for record in sandbox.state.records] == ids
    assert sandbox.state.records[0].account == f"buyer:{sandbox.state.buyer.id}"
    assert sandbox.state.records[1].account is None
    assert all(sandbox.buyer_key not in repr(record) for record in sandbox.state.records)


@pytest.mark.parametrize(
    ("accept", "served"),
    [
        ("application/json", "2022-03-03"),
        ("application/vnd.convictional.2021-01-01", "2021-01-01"),
        ("application/vnd.convictional.2022-03-03", "2022-03-03"),
        ("application/vnd.convictional.2020-06-01", "2021-01-01"),  # removed: falls forward
        ("application/vnd.convictional.2021-07-01", "2021-01-01"),
        ("application/vnd.convictional.2030-01-01", "2022-03-03"),
        ("application/vnd.convictional.2021-13-45", "2022-03-03"),  # malformed: pinned
    ],
)
async def test_versions_from_accept(api: Api, accept: str, served: str) -> None:
    reply = await api.get("/buyer/products?limit=1", headers={"Accept": accept})
    assert reply.headers["Convictional-Version"] == served


async def test_the_pinned_version_is_configurable(
    make_sandbox: Callable[..., Sandbox], make_api: Callable[[Sandbox], Api]
) -> None:
    async with make_sandbox(pinned_version="2021-01-01") as sandbox:
        reply = await make_api(sandbox).get("/buyer/products?limit=1")
        assert reply.headers["Convictional-Version"] == "2021-01-01"
    with pytest.raises(ValueError, match="pinned_version"):
        SandboxConfig(pinned_version="2023-01-01")


async def test_five_requests_per_key_per_second(
    make_sandbox: Callable[..., Sandbox], make_api: Callable[[Sandbox], Api], clock: FakeClock
) -> None:
    async with make_sandbox(rate_limit=5) as sandbox:
        api = make_api(sandbox)
        body = order_body("late", await api.variants(1))
        clock.now = 1_700_000_100.5
        replies = [await api.get("/buyer/products?limit=1") for _ in range(5)]
        assert {r.status for r in replies} == {200}
        assert {r.headers["X-Rate-Limit-Limit"] for r in replies} == {"5"}
        assert {r.headers["X-Rate-Limit-Duration"] for r in replies} == {"1"}
        clock.now = 1_700_000_101.0
        for _ in range(5):
            await api.get("/buyer/products?limit=1")
        limited = await api.post("/buyer/orders", body, headers={"Enable-New-Errors": "true"})
        assert limited.status == 429
        assert limited.body == {"errors": {"general": ["rate limit exceeded"]}}
        assert (
            limited.headers["X-Rate-Limit-Limit"],
            limited.headers["X-Rate-Limit-Duration"],
        ) == ("5", "1")
        assert limited.headers["X-Request-ID"]
        assert sandbox.state.orders == {}  # a 429 has no effect
        assert (await api.get("/products?limit=1", key="seller")).status == 200  # own bucket
        clock.now = 1_700_000_101.999
        assert (await api.get("/buyer/products?limit=1")).status == 429
        clock.now = 1_700_000_102.0
        assert (await api.post("/buyer/orders", body)).status == 200
        assert sandbox.state.rate_limited == 2


async def test_unauthenticated_calls_are_not_counted(
    make_sandbox: Callable[..., Sandbox], make_api: Callable[[Sandbox], Api]
) -> None:
    async with make_sandbox(rate_limit=1) as sandbox:
        api = make_api(sandbox)
        for _ in range(3):
            assert (await api.get("/buyer/products", key="not-a-key")).status == 401
        assert (await api.get("/buyer/products?limit=1")).status == 200
        assert (await api.get("/buyer/products?limit=1")).status == 429


async def test_the_limit_can_be_switched_off_and_on(api: Api, sandbox: Sandbox) -> None:
    assert sandbox.rate_limit is None
    replies = [await api.get("/buyer/products?limit=1") for _ in range(12)]
    assert {r.status for r in replies} == {200}
    assert "X-Rate-Limit-Limit" not in replies[0].headers
    sandbox.rate_limit = 2
    statuses = [(await api.get("/buyer/products?limit=1")).status for _ in range(3)]
    assert statuses == [200, 200, 429]
    with pytest.raises(ValueError, match="rate_limit"):
        sandbox.rate_limit = 0


def test_the_world_is_deterministic_from_the_seed() -> None:
    first, again, other = (Sandbox(SandboxConfig(seed=s)) for s in (1, 1, 2))
    assert first.buyer_key == again.buyer_key != other.buyer_key
    assert list(first.state.products) == list(again.state.products)
    assert list(first.state.products) != list(other.state.products)
    assert len(first.seller_keys) == 4
    assert len(first.state.products) == 300
    assert len({p.company_id for p in first.state.products.values()}) == 4
