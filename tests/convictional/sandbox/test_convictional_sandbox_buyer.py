"""Buyer endpoints over real HTTP: envelopes, pagination, orders split by seller."""

from __future__ import annotations

from collections.abc import Callable

from convictional_sandbox_api import Api, FakeClock, order_body

from convictional_async.sandbox import Sandbox


async def test_product_list_envelope(api: Api) -> None:
    reply = await api.get("/buyer/products?limit=2")
    assert reply.status == 200
    body = reply.body
    assert set(body) == {"data", "hasMore", "next", "previous", "error"}
    assert (body["hasMore"], body["previous"], body["error"]) == (True, "", [])
    assert body["next"] == f"{api.sandbox.url}/buyer/products?page=1&limit=2"
    product = body["data"][0]
    assert set(product) >= {"id", "companyId", "title", "brand", "sellerReference", "variants"}
    variant = product["variants"][0]
    assert set(variant) >= {"id", "sku", "inventoryAmount", "basePrice", "retailPrice"}
    assert isinstance(variant["basePrice"], int | float)  # money is a JSON number


async def test_single_product_and_variants_envelopes(api: Api) -> None:
    product = (await api.ok("GET", "/buyer/products?limit=1"))["data"][0]
    single = await api.ok("GET", f"/buyer/products/{product['id']}")
    assert single == {"data": product, "error": []}
    variants = await api.ok("GET", f"/buyer/products/{product['id']}/variants")
    assert variants == {"data": product["variants"]}
    missing = await api.get("/buyer/products/000000000000000000000000")
    assert (missing.status, missing.body) == (
        404,
        {"data": None, "error": [{"message": "product not found"}]},
    )


async def test_1234_products_in_5_pages_of_250(
    make_sandbox: Callable[..., Sandbox], make_api: Callable[[Sandbox], Api]
) -> None:
    async with make_sandbox(products=1234) as sandbox:
        api = make_api(sandbox)
        url: str = f"{sandbox.url}/buyer/products?page=0&limit=250"
        sizes: list[int] = []
        ids: set[str] = set()
        previous: list[str] = []
        for _ in range(10):  # bounded: 5 pages expected
            page = await api.ok("GET", url)
            sizes.append(len(page["data"]))
            ids.update(product["id"] for product in page["data"])
            previous.append(page["previous"])
            if not page["hasMore"]:
                assert page["next"] == ""
                break
            url = page["next"]
        assert sizes == [250, 250, 250, 250, 234]
        assert len(ids) == 1234
        assert previous[0] == ""
        assert previous[-1] == f"{sandbox.url}/buyer/products?page=3&limit=250"


async def test_page_parameters_are_checked(api: Api) -> None:
    for query in ("limit=251", "limit=0", "page=-1", "page=x", "limit=1.5"):
        reply = await api.get(f"/buyer/products?{query}")
        assert reply.status == 400, query
        new = await api.get(f"/buyer/products?{query}", headers={"Enable-New-Errors": "true"})
        assert new.status == 422
        assert list(new.body["errors"]) in (["page"], ["limit"])
    beyond = await api.ok("GET", "/buyer/products?page=999&limit=250")
    assert (beyond["data"], beyond["hasMore"], beyond["next"]) == ([], False, "")


async def test_company_filter_keeps_other_parameters_in_links(api: Api, sandbox: Sandbox) -> None:
    seller = sandbox.state.sellers[1].id
    page = await api.ok("GET", f"/buyer/products?companyId={seller}&limit=5")
    assert {p["companyId"] for p in page["data"]} == {seller}
    assert f"companyId={seller}" in page["next"]
    assert len(page["data"]) == 5


async def test_an_order_is_split_by_seller(api: Api, sandbox: Sandbox) -> None:
    variant_ids = await api.variants(2, sellers=2)
    order = await api.ok("POST", "/buyer/orders", order_body("split-1", variant_ids))
    assert order["buyerReference"] == "split-1"
    assert len(order["items"]) == 4
    assert len(order["sellerOrders"]) == 2
    for seller_order in order["sellerOrders"]:
        assert len(seller_order["items"]) == 2
        assert seller_order["buyerOrderId"] == order["id"]
        assert seller_order["posted"] is True  # auto_post_after=0 by default
        assert (seller_order["fulfilled"], seller_order["fulfilledDate"]) == (False, None)
        assert (seller_order["invoiced"], seller_order["refunded"]) == (False, False)
    by_item = {i["id"]: s["id"] for s in order["sellerOrders"] for i in s["items"]}
    for line in order["items"]:
        assert by_item[line["sellerOrderItemId"]] == line["sellerOrderId"]
    assert len(sandbox.state.orders) == 1


async def test_order_list_get_and_updated_min(api: Api, clock: FakeClock) -> None:
    first = await api.order("first")
    clock.now += 3600
    second = await api.order("second")
    listed = await api.ok("GET", "/buyer/orders")
    assert [o["id"] for o in listed["data"]] == [first["id"], second["id"]]
    assert (listed["hasMore"], listed["error"]) == (False, [])
    since = await api.ok("GET", "/buyer/orders", params={"updatedMin": second["created"]})
    assert [o["id"] for o in since["data"]] == [second["id"]]
    assert (await api.get("/buyer/orders?updatedMin=yesterday")).status == 400
    single = await api.ok("GET", f"/buyer/orders/{first['id']}")
    assert single == {"data": first, "error": []}
    other = await api.get(f"/buyer/orders/{first['id']}", key="seller")
    assert other.status == 403


async def test_order_validation_lists_every_problem(api: Api) -> None:
    body = order_body("bad", ["nope"], quantity=0)
    del body["address"]["city"]
    body["items"].append(dict(body["items"][0]))
    reply = await api.post("/buyer/orders", body, headers={"Enable-New-Errors": "true"})
    assert reply.status == 422
    assert reply.body["errors"] == {
        "address.city": ["is required"],
        "items[0].variantId": ["is not a variant available to this buyer"],
        "items[0].quantity": ["must be at least 1"],
        "items[1].variantId": ["is not a variant available to this buyer"],
        "items[1].quantity": ["must be at least 1"],
        "items[1].buyerReference": ["must be unique for each line item"],
    }
    legacy = await api.post("/buyer/orders", [1, 2])
    assert legacy.status == 400
    assert legacy.body == {
        "data": None,
        "error": [{"message": "the request body must be a JSON object"}],
    }
    text = await api.call(
        "POST", "/buyer/orders", data=b"x", headers={"Content-Type": "text/plain"}
    )
    assert text.status == 415
