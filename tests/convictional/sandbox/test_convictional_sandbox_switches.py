"""The switches for what reference section 15 leaves unknown, and their bounds."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from convictional_sandbox_api import Api, order_body

from convictional_async.sandbox import Sandbox, SandboxConfig


@pytest.mark.parametrize("shape", ["order", "envelope", "id_json", "id_text"])
async def test_order_create_response_shapes(
    make_sandbox: Callable[..., Sandbox], make_api: Callable[[Sandbox], Api], shape: str
) -> None:
    async with make_sandbox(order_create_response=shape) as sandbox:
        api = make_api(sandbox)
        reply = await api.post("/buyer/orders", order_body("shape-1", await api.variants(1)))
        assert reply.status == 200
        (order_id,) = sandbox.state.orders
        if shape == "order":
            assert reply.body["id"] == order_id
        elif shape == "envelope":
            assert (reply.body["data"]["id"], reply.body["error"]) == (order_id, [])
        elif shape == "id_json":
            assert reply.body == order_id
            assert reply.headers["Content-Type"] == "application/json"
        else:
            assert reply.body == order_id
            assert reply.headers["Content-Type"].startswith("text/plain")


@pytest.mark.parametrize(
    ("policy", "status", "body"),
    [
        (
            "conflict",
            409,
            {"errors": {"buyerReference": ["an order with this buyerReference already exists"]}},
        ),
        (
            "invalid",
            422,
            {"errors": {"buyerReference": ["an order with this buyerReference already exists"]}},
        ),
        ("allow", 200, None),
    ],
)
async def test_duplicate_buyer_reference(
    make_sandbox: Callable[..., Sandbox],
    make_api: Callable[[Sandbox], Api],
    policy: str,
    status: int,
    body: object,
) -> None:
    async with make_sandbox(duplicate_buyer_reference=policy) as sandbox:
        api = make_api(sandbox)
        order = order_body("dup-1", await api.variants(1))
        assert (await api.post("/buyer/orders", order)).status == 200
        again = await api.post("/buyer/orders", order, headers={"Enable-New-Errors": "true"})
        assert again.status == status
        if body is not None:
            assert again.body == body
        assert len(sandbox.state.orders) == (2 if policy == "allow" else 1)
        legacy = await api.post("/buyer/orders", order)
        if policy == "conflict":
            assert (legacy.status, legacy.body["error"]) == (
                409,
                [{"message": "buyerReference: an order with this buyerReference already exists"}],
            )


async def test_another_buyer_reference_is_fine(api: Api) -> None:
    await api.order("ref-1")
    await api.order("ref-2")


async def test_legacy_product_names_and_bare_lists(
    make_sandbox: Callable[..., Sandbox], make_api: Callable[[Sandbox], Api]
) -> None:
    async with make_sandbox(legacy_products=True) as sandbox:
        api = make_api(sandbox)
        listed = await api.ok("GET", "/products?limit=3", key="seller")
        assert isinstance(listed, list)
        assert len(listed) == 3
        product = listed[0]
        assert {"_id", "created", "updated"} <= set(product)
        assert not {"id", "createdAt", "updatedAt"} & set(product)
        assert "inventory_quantity" in product["variants"][0]
        assert "inventoryQuantity" not in product["variants"][0]
        assert await api.ok("GET", f"/products/{product['_id']}", key="seller") == product
        buyer = await api.ok("GET", "/buyer/products?limit=1")
        assert "id" in buyer["data"][0]  # the Buyer API is not affected


@pytest.mark.parametrize(
    "settings",
    [
        {"order_create_response": "xml"},
        {"errors": "sometimes"},
        {"duplicate_buyer_reference": "ignore"},
        {"rate_limit": 0},
        {"rate_limit": 100_001},
        {"products": 20_001},
        {"sellers": 0},
        {"auto_fulfil_after": -1},
        {"legacy_products": "yes"},
        {"max_body_bytes": 10},
    ],
)
def test_settings_are_bounded(settings: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=next(iter(settings))):
        SandboxConfig(**settings)  # type: ignore[arg-type]


async def test_a_body_too_large_is_413_in_the_error_format(
    make_sandbox: Callable[..., Sandbox], make_api: Callable[[Sandbox], Api]
) -> None:
    async with make_sandbox(max_body_bytes=2048) as sandbox:
        api = make_api(sandbox)
        reply = await api.post(
            "/buyer/orders", {"note": "x" * 4096}, headers={"Enable-New-Errors": "true"}
        )
        assert reply.status == 413
        assert reply.body == {"errors": {"general": ["Request Entity Too Large"]}}
        assert reply.headers["X-Request-ID"]
