"""Fixtures for the Convious sandbox tests: a running sandbox and a plain aiohttp session."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest

from convious.sandbox import Sandbox

CLIENT_ID = "sandbox-client"
CLIENT_SECRET = "sandbox-secret"


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Api:
    """Thin helpers over one aiohttp session for calling a sandbox the way a client would."""

    def __init__(self, sandbox: Sandbox, session: aiohttp.ClientSession) -> None:
        self.sandbox = sandbox
        self.session = session

    async def token(self) -> str:
        async with self.session.post(
            f"{self.sandbox.url}/oauth/token/",
            data={
                "grant_type": "client_credentials",
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
            },
        ) as response:
            assert response.status == 200, await response.text()
            token: str = (await response.json())["access_token"]
            return token

    async def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {await self.token()}", "Accept-Version": "1.0.0"}

    async def post(
        self, path: str, body: Any, headers: dict[str, str] | None = None
    ) -> tuple[int, Any, aiohttp.ClientResponse]:
        """POST JSON; return (status, decoded JSON body or raw bytes, response)."""
        if headers is None:
            headers = await self.headers()
        async with self.session.post(
            f"{self.sandbox.url}{path}", json=body, headers=headers
        ) as response:
            raw = await response.read()
            if response.content_type == "application/json" and raw:
                try:
                    return response.status, await response.json(), response
                except ValueError:
                    pass
            return response.status, raw, response

    async def prices(self, body: Any, headers: dict[str, str] | None = None) -> Any:
        status, data, _ = await self.post("/api/price/rtp", body, headers)
        assert status == 200, data
        return data["prices"]

    async def events(self, batch: Any, headers: dict[str, str] | None = None) -> None:
        status, data, _ = await self.post("/events", batch, headers)
        assert status == 200, data
        assert data == b""


@pytest.fixture
def price_request() -> dict[str, Any]:
    """A valid pricing request for the products the ``sandbox`` fixture seeds."""
    return {
        "cookieId": "visitor-1",
        "ip": "244.245.246.247",
        "dateFrom": "2024-04-01",
        "dateTo": "2024-04-02",
        "timezone": "Europe/Amsterdam",
        "products": [
            {"productReference": "adult", "numberOfItems": 2},
            {"productReference": "child", "numberOfItems": 1},
        ],
        "times": ["10:00:00", "10:30:00", "12:30:00"],
    }


@pytest.fixture
def fake_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox() as running:
        running.add_product(
            "adult",
            "Adult ticket",
            min_accepted_price="12.50",
            max_accepted_price="18.00",
            average_target_price="16.50",
            box_office_price="19.99",
            availability=None,
        )
        running.add_product("child", "Child ticket", max_accepted_price="12.00")
        yield running


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as client:
        yield client


@pytest.fixture
def api(sandbox: Sandbox, session: aiohttp.ClientSession) -> Api:
    return Api(sandbox, session)


@pytest.fixture
def make_api(session: aiohttp.ClientSession) -> Callable[[Sandbox], Api]:
    """Build an ``Api`` helper for a sandbox the test starts itself."""
    return lambda sandbox: Api(sandbox, session)
