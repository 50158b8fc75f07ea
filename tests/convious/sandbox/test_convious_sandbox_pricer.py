"""``POST /api/price/rtp`` over real HTTP: shape, cardinality, bounds, determinism, errors."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from convious.sandbox import Sandbox, SandboxConfig

Body = dict[str, Any]


async def test_prices_cover_every_day_and_time_in_request_order(
    api: Any, price_request: Body
) -> None:
    prices = await api.prices(price_request)
    assert [(row["priceDate"], row["priceTime"]) for row in prices] == [
        (day, at)
        for day in ("2024-04-01", "2024-04-02")
        for at in ("10:00:00", "10:30:00", "12:30:00")
    ]
    for row in prices:
        assert set(row) == {"priceDate", "priceTime", "products"}
        assert [(p["productReference"], p["numberOfItems"]) for p in row["products"]] == [
            ("adult", 2),
            ("child", 1),
        ]
        for product in row["products"]:
            assert isinstance(product["price"], str)
            assert Decimal(product["price"]).as_tuple().exponent == -2


@pytest.mark.parametrize("times", [None, "absent"])
async def test_without_times_there_is_one_price_per_day(
    api: Any, price_request: Body, times: str | None
) -> None:
    if times == "absent":
        del price_request["times"]
    else:
        price_request["times"] = None
    price_request["dateTo"] = "2024-04-05"
    prices = await api.prices(price_request)
    assert [(row["priceDate"], row["priceTime"]) for row in prices] == [
        (f"2024-04-0{day}", None) for day in range(1, 6)
    ]


async def test_prices_stay_within_the_accepted_bounds(api: Any, price_request: Body) -> None:
    price_request["dateTo"] = "2024-05-31"
    bounds = {
        "adult": (Decimal("12.50"), Decimal("18.00")),
        "child": (Decimal("6.00"), Decimal("12.00")),
    }
    for cookie in ("a", "b", "c"):
        prices = await api.prices({**price_request, "cookieId": cookie})
        for row in prices:
            for product in row["products"]:
                low, high = bounds[product["productReference"]]
                assert low <= Decimal(product["price"]) <= high


async def test_prices_are_deterministic_and_vary_by_visitor(api: Any, price_request: Body) -> None:
    first = await api.prices(price_request)
    assert await api.prices(price_request) == first
    other = await api.prices({**price_request, "cookieId": "visitor-2"})
    assert other != first


async def test_same_request_same_prices_across_sandboxes(
    make_api: Callable[[Sandbox], Any], price_request: Body
) -> None:
    results = []
    for seed in (0, 0, 1):
        async with Sandbox(SandboxConfig(seed=seed)) as sandbox:
            sandbox.add_product("adult", "Adult", max_accepted_price="18.00")
            sandbox.add_product("child", "Child", max_accepted_price="12.00")
            results.append(await make_api(sandbox).prices(price_request))
    assert results[0] == results[1]
    assert results[0] != results[2]


async def test_scarcity_raises_the_price(sandbox: Sandbox, api: Any, price_request: Body) -> None:
    body = {**price_request, "times": None, "dateTo": "2024-04-01"}

    async def adult_price() -> Decimal:
        prices = await api.prices(body)
        return Decimal(prices[0]["products"][0]["price"])

    seen = [await adult_price()]  # unlimited
    for availability in (500, 20, 3, 0):
        await api.events(
            [
                {
                    "type": "ProductAvailabilityChanged",
                    "payload": {
                        "productReference": "adult",
                        "eventDate": "2024-04-01",
                        "startTime": None,
                        "availability": availability,
                    },
                }
            ]
        )
        seen.append(await adult_price())
    assert seen == sorted(seen)
    assert len(set(seen)) == len(seen)
    assert seen[-1] == Decimal("18.00")


async def test_time_specific_availability_only_moves_that_slot(
    sandbox: Sandbox, api: Any, price_request: Body
) -> None:
    before = await api.prices(price_request)
    await api.events(
        [
            {
                "type": "ProductAvailabilityChanged",
                "payload": {
                    "productReference": "adult",
                    "eventDate": "2024-04-02",
                    "startTime": "10:30:00",
                    "availability": 0,
                },
            }
        ]
    )
    after = await api.prices(price_request)
    changed = [
        index for index, (old, new) in enumerate(zip(before, after, strict=True)) if old != new
    ]
    assert changed == [4]
    assert after[4]["products"][0]["price"] == "18.00"
    assert after[4]["products"][1] == before[4]["products"][1]


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"cookieId": ""}, "cookieId"),
        ({"ip": "999.0.0.1"}, "ip"),
        ({"dateFrom": "2024-4-1"}, "dateFrom"),
        ({"dateTo": "2024-03-01"}, "dateTo"),
        ({"dateTo": "2025-04-02"}, "dateTo"),
        ({"timezone": "Europe/Atlantis"}, "timezone"),
        ({"products": []}, "products"),
        (
            {"products": [{"productReference": "adult", "numberOfItems": 0}]},
            "products[0].numberOfItems",
        ),
        ({"times": ["10:00"]}, "times[0]"),
        ({"times": ["10:00:00"] * 49}, "times"),
    ],
)
async def test_invalid_requests_are_400_with_field_errors(
    api: Any, price_request: Body, change: Body, path: str
) -> None:
    status, body, _ = await api.post("/api/price/rtp", {**price_request, **change})
    assert status == 400
    assert list(body["errors"]) == [path]
    assert body["error"] == body["errors"][path][0]


async def test_unknown_and_removed_products_are_400(
    sandbox: Sandbox, api: Any, price_request: Body
) -> None:
    sandbox.state.products["child"].removed = True
    price_request["products"].append({"productReference": "ghost", "numberOfItems": 1})
    status, body, _ = await api.post("/api/price/rtp", price_request)
    assert status == 400
    assert body["errors"] == {
        "products[1].productReference": ["Unknown product 'child'."],
        "products[2].productReference": ["Unknown product 'ghost'."],
    }


async def test_unknown_products_can_be_left_out_instead(
    make_api: Callable[[Sandbox], Any], price_request: Body
) -> None:
    async with Sandbox(SandboxConfig(require_known_products=False)) as sandbox:
        sandbox.add_product("child", "Child", max_accepted_price="12.00")
        prices = await make_api(sandbox).prices(price_request)
        assert {tuple(p["productReference"] for p in row["products"]) for row in prices} == {
            ("child",)
        }


@pytest.mark.parametrize("raw", [b"", b"{", b"{'cookieId': 1}", b"\xff"])
async def test_malformed_json_is_400(api: Any, raw: bytes) -> None:
    headers = {**await api.headers(), "Content-Type": "application/json"}
    async with api.session.post(
        f"{api.sandbox.url}/api/price/rtp", data=raw, headers=headers
    ) as response:
        assert response.status == 400
        assert await response.json() == {"error": "Malformed JSON body"}


async def test_body_must_be_sent_as_json(api: Any) -> None:
    headers = await api.headers()
    async with api.session.post(
        f"{api.sandbox.url}/api/price/rtp", data={"cookieId": "x"}, headers=headers
    ) as response:
        assert response.status == 415


async def test_non_object_body_is_400(api: Any) -> None:
    status, body, _ = await api.post("/api/price/rtp", [])
    assert status == 400
    assert list(body["errors"]) == ["non_field_errors"]


async def test_pricer_counts_requests(sandbox: Sandbox, api: Any, price_request: Body) -> None:
    await api.prices(price_request)
    await api.prices(price_request)
    assert sandbox.state.requests_by_endpoint["pricer"] == 2
    assert sandbox.state.token_requests == 2
