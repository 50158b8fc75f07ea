"""The server-side rate limit: fixed one-second windows per client credential."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from convictional_async.core.sandbox import check_rate_limit
from convious.sandbox import FixedWindowLimiter, Sandbox, SandboxConfig

TWO_CLIENTS = {"sandbox-client": "sandbox-secret", "other-client": "other-secret"}


def test_no_limit_admits_everything(fake_clock: Any) -> None:
    limiter = FixedWindowLimiter(clock=fake_clock)
    assert limiter.limit is None
    assert all(limiter.admit("a") is None for _ in range(1000))


def test_the_window_is_a_whole_second_of_the_clock(fake_clock: Any) -> None:
    limiter = FixedWindowLimiter(clock=fake_clock, limit=2)
    fake_clock.now = 1000.7
    assert [limiter.admit("a") for _ in range(3)] == [None, None, 1]
    fake_clock.now = 1000.999
    assert limiter.admit("a") == 1  # still the window [1000, 1001)
    fake_clock.now = 1001.0
    assert [limiter.admit("a") for _ in range(3)] == [None, None, 1]


def test_refusals_do_not_use_up_the_next_window(fake_clock: Any) -> None:
    limiter = FixedWindowLimiter(clock=fake_clock, limit=1)
    assert [limiter.admit("a") for _ in range(5)] == [None, 1, 1, 1, 1]
    fake_clock.now += 1
    assert limiter.admit("a") is None


def test_each_key_has_its_own_budget(fake_clock: Any) -> None:
    limiter = FixedWindowLimiter(clock=fake_clock, limit=1)
    assert [limiter.admit("a"), limiter.admit("b"), limiter.admit("a")] == [None, None, 1]


def test_the_limit_can_change_and_clear_forgets_counts(fake_clock: Any) -> None:
    limiter = FixedWindowLimiter(clock=fake_clock, limit=1)
    assert [limiter.admit("a"), limiter.admit("a")] == [None, 1]
    limiter.limit = 2
    assert [limiter.admit("a"), limiter.admit("a")] == [None, 1]
    limiter.clear()
    assert limiter.admit("a") is None
    limiter.limit = None
    assert limiter.admit("a") is None


@pytest.mark.parametrize("value", [0, -1, True, 1.5, "5", 100_001])
def test_invalid_limits_raise(fake_clock: Any, value: object) -> None:
    with pytest.raises(ValueError, match="rate_limit"):
        check_rate_limit(value)
    with pytest.raises(ValueError, match="rate_limit"):
        FixedWindowLimiter(clock=fake_clock, limit=value)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="rate_limit"):
        Sandbox(rate_limit=value)  # type: ignore[arg-type]


def test_the_largest_limit_is_accepted() -> None:
    assert check_rate_limit(100_000) == 100_000
    assert check_rate_limit(None) is None


async def token(session: aiohttp.ClientSession, url: str, client_id: str, secret: str) -> str:
    form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    async with session.post(f"{url}/oauth/token/", data=form) as response:
        assert response.status == 200
        value: str = (await response.json())["access_token"]
        return value


async def test_requests_above_the_limit_get_429_with_retry_after(
    session: aiohttp.ClientSession, fake_clock: Any, price_request: dict[str, Any]
) -> None:
    async with Sandbox(SandboxConfig(clock=fake_clock), rate_limit=5) as sandbox:
        sandbox.add_product("adult", "Adult", max_accepted_price="18.00")
        sandbox.add_product("child", "Child", max_accepted_price="12.00")
        bearer = await token(session, sandbox.url, "sandbox-client", "sandbox-secret")
        headers = {"Authorization": f"Bearer {bearer}", "Accept-Version": "1.0.0"}
        fake_clock.now = 2000.25
        answers = []
        for index in range(8):
            path, body = ("/events", []) if index % 2 else ("/api/price/rtp", price_request)
            async with session.post(f"{sandbox.url}{path}", json=body, headers=headers) as response:
                answers.append((response.status, response.headers.get("Retry-After")))
                if response.status == 429:
                    assert response.content_type == "application/json"
                    assert (await response.json())["error"].startswith("Request was throttled")
                    assert response.headers["X-Request-ID"]
        assert answers == [(200, None)] * 5 + [(429, "1")] * 3
        assert (sandbox.state.rate_limited, sandbox.state.requests_processed) == (3, 5)
        stats = sandbox.state.stats()
        assert stats["rate_limit"] == 5
        assert (stats["rate_limited"], stats["requests_processed"]) == (3, 5)
        fake_clock.now = 2001.0
        async with session.post(f"{sandbox.url}/events", json=[], headers=headers) as response:
            assert response.status == 200


async def test_a_throttled_request_is_not_processed(
    session: aiohttp.ClientSession, fake_clock: Any
) -> None:
    async with Sandbox(SandboxConfig(clock=fake_clock), rate_limit=1) as sandbox:
        bearer = await token(session, sandbox.url, "sandbox-client", "sandbox-secret")
        headers = {"Authorization": f"Bearer {bearer}", "Accept-Version": "1.0.0"}
        created = {
            "type": "ProductCreated",
            "payload": {"productReference": "a", "name": "A", "pricing": {"maxAcceptedPrice": "1"}},
        }
        for _ in range(2):
            async with session.post(f"{sandbox.url}/events", json=[], headers=headers):
                pass
        async with session.post(f"{sandbox.url}/events", json=[created], headers=headers) as late:
            assert late.status == 429
        assert sandbox.state.products == {}
        assert sandbox.state.events_accepted == 0


async def test_the_budget_is_per_client_credential(
    session: aiohttp.ClientSession, fake_clock: Any
) -> None:
    config = SandboxConfig(clients=TWO_CLIENTS, clock=fake_clock)
    async with Sandbox(config, rate_limit=1) as sandbox:
        statuses = []
        for client_id, secret in [*TWO_CLIENTS.items(), ("sandbox-client", "sandbox-secret")]:
            headers = {
                "Authorization": f"Bearer {await token(session, sandbox.url, client_id, secret)}",
                "Accept-Version": "1.0.0",
            }
            async with session.post(f"{sandbox.url}/events", json=[], headers=headers) as response:
                statuses.append(response.status)
        assert statuses == [200, 200, 429]  # a new token for the same client shares its budget
        assert sandbox.state.token_requests == 3  # the token endpoint is never limited


async def test_no_limit_by_default(sandbox: Sandbox, api: Any) -> None:
    assert sandbox.rate_limit is None
    headers = await api.headers()
    statuses = {(await api.post("/events", [], headers))[0] for _ in range(30)}
    assert statuses == {200}
    assert (sandbox.state.rate_limited, sandbox.state.requests_processed) == (0, 30)


async def test_the_limit_can_be_set_on_a_running_sandbox(sandbox: Sandbox) -> None:
    sandbox.rate_limit = 1
    assert sandbox.state.stats()["rate_limit"] == 1
    with pytest.raises(ValueError, match="rate_limit"):
        sandbox.rate_limit = 0
    assert sandbox.rate_limit == 1


async def test_admin_api_reads_and_sets_the_limit(
    sandbox: Sandbox, session: aiohttp.ClientSession
) -> None:
    url = f"{sandbox.url}/_sandbox/rate-limit"
    async with session.get(url) as response:
        assert await response.json() == {"rate_limit": None}
    async with session.post(url, json={"rate_limit": 7}) as response:
        assert (response.status, await response.json()) == (200, {"rate_limit": 7})
    assert sandbox.rate_limit == 7
    for bad in ({"rate_limit": 0}, {"rate_limit": 10**9}, {"rate_limit": "7"}, {}, {"x": 1}, [7]):
        async with session.post(url, json=bad) as response:
            assert response.status == 400
            assert "error" in await response.json()
    assert sandbox.rate_limit == 7
    async with session.post(url, json={"rate_limit": None}) as response:
        assert await response.json() == {"rate_limit": None}
    assert sandbox.rate_limit is None


async def test_reset_keeps_the_limit_and_clears_its_counters(
    session: aiohttp.ClientSession, fake_clock: Any
) -> None:
    async with Sandbox(SandboxConfig(clock=fake_clock), rate_limit=1) as sandbox:
        bearer = await token(session, sandbox.url, "sandbox-client", "sandbox-secret")
        headers = {"Authorization": f"Bearer {bearer}", "Accept-Version": "1.0.0"}
        for _ in range(2):
            async with session.post(f"{sandbox.url}/events", json=[], headers=headers):
                pass
        assert sandbox.state.rate_limited == 1
        async with session.post(f"{sandbox.url}/_sandbox/reset", json={}) as response:
            assert response.status == 200
        assert (sandbox.rate_limit, sandbox.state.rate_limited) == (1, 0)
        assert sandbox.state.requests_processed == 0
