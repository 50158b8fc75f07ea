"""Plain-aiohttp helpers for calling the Convictional sandbox the way any client would."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import aiohttp

from convictional_async.sandbox import Sandbox

ADDRESS = {
    "addressOne": "671 Lincoln Avenue",
    "name": "Kevin McCallister",
    "city": "Winnetka",
    "state": "IL",
    "country": "US",
    "zip": "60093",
}


class FakeClock:
    """A Unix clock the test moves by hand (starts a quarter into a second)."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.25

    def __call__(self) -> float:
        return self.now


class Reply:
    """A finished response: status, headers and the body as JSON (or text when not JSON)."""

    def __init__(self, status: int, headers: Any, body: Any) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    def __repr__(self) -> str:
        return f"Reply({self.status}, {self.body!r:.300})"


class Api:
    """Thin helpers over one aiohttp session; ``key`` defaults to the buyer's."""

    def __init__(self, sandbox: Sandbox, session: aiohttp.ClientSession) -> None:
        self.sandbox = sandbox
        self.session = session

    async def call(
        self,
        method: str,
        path: str,
        *,
        key: str | None = "buyer",
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> Reply:
        """Send one request; ``key`` is ``"buyer"``, ``"seller"``, a raw key or None."""
        sent = dict(headers or {})
        if key is not None:
            sent["Authorization"] = {
                "buyer": self.sandbox.buyer_key,
                "seller": self.sandbox.seller_key,
            }.get(key, key)
        url = path if path.startswith("http") else f"{self.sandbox.url}{path}"
        async with self.session.request(method, url, headers=sent, **kwargs) as response:
            raw = await response.read()
            body: Any = raw.decode()
            if response.content_type == "application/json" and raw:
                with contextlib.suppress(ValueError):  # a broken body stays text
                    body = json.loads(raw)
            return Reply(response.status, response.headers, body)

    async def get(self, path: str, **kwargs: Any) -> Reply:
        return await self.call("GET", path, **kwargs)

    async def post(self, path: str, body: Any = None, **kwargs: Any) -> Reply:
        return await self.call("POST", path, json=body, **kwargs)

    async def ok(self, method: str, path: str, body: Any = None, **kwargs: Any) -> Any:
        """Send a request that must succeed; return its decoded body."""
        if body is not None:
            kwargs["json"] = body
        reply = await self.call(method, path, **kwargs)
        assert reply.status == 200, reply
        return reply.body

    async def variants(self, count: int, *, sellers: int = 1) -> list[str]:
        """Return ``count`` variant ids per seller, from the first sellers' products."""
        page = await self.ok("GET", "/buyer/products?limit=100")
        chosen: dict[str, list[str]] = {}
        for product in page["data"]:
            ids = chosen.setdefault(product["companyId"], [])
            if len(ids) < count:
                ids.append(product["variants"][0]["id"])
        return [v for ids in list(chosen.values())[:sellers] for v in ids]

    async def order(
        self, reference: str = "order-1", *, lines: int = 1, sellers: int = 1, quantity: int = 4
    ) -> Any:
        """Create an order of ``lines`` variants per seller from ``sellers`` sellers."""
        variant_ids = await self.variants(lines, sellers=sellers)
        body = order_body(reference, variant_ids, quantity=quantity)
        return await self.ok("POST", "/buyer/orders", body)


def order_body(reference: str, variant_ids: list[str], *, quantity: int = 4) -> dict[str, Any]:
    """A valid ``BuyerOrderCreate`` body with one line per variant."""
    return {
        "address": dict(ADDRESS),
        "items": [
            {"variantId": v, "buyerReference": f"{reference}-line-{n}", "quantity": quantity}
            for n, v in enumerate(variant_ids)
        ],
        "buyerReference": reference,
        "orderedDate": "2020-02-22T10:00:00.000Z",
        "note": "Please ship this extra fast",
    }
