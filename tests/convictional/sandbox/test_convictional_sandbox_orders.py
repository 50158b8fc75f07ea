"""The order lifecycle over real HTTP: seller endpoints, cancellation rules, the clock."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from convictional_sandbox_api import Api, FakeClock

from convictional_async.sandbox import Sandbox

NEW = {"Enable-New-Errors": "true"}


async def seller_order(api: Api, buyer_order: dict[str, Any]) -> dict[str, Any]:
    """Return the seller's view of the first seller order of ``buyer_order``."""
    seller_order_id = buyer_order["sellerOrders"][0]["id"]
    body: dict[str, Any] = await api.ok("GET", f"/orders/{seller_order_id}", key="seller")
    return body


async def fulfil(api: Api, order_id: str, lines: list[tuple[str, int]], **fields: Any) -> Any:
    items = [{"id": item_id, "quantity": quantity} for item_id, quantity in lines]
    body = {"carrier": "UPS", "trackingCode": "1Z999", "items": items, **fields}
    return await api.call(
        "POST", f"/orders/{order_id}/fulfillments", json=body, key="seller", headers=NEW
    )


async def buyer_view(api: Api, order_id: str) -> Any:
    return (await api.ok("GET", f"/buyer/orders/{order_id}"))["data"]["sellerOrders"][0]


async def test_posted_fulfilled_invoiced_refunded(api: Api, clock: FakeClock) -> None:
    order = await api.order("life-1", lines=2, quantity=3)
    seen = await api.ok("GET", "/orders", key="seller")
    assert [o["_id"] for o in seen] == [order["sellerOrders"][0]["id"]]  # a bare array
    mine = seen[0]
    assert (mine["posted"], mine["shipped"], mine["billed"]) == (True, False, False)
    first, second = (item["_id"] for item in mine["items"])
    early = await api.call(
        "POST", f"/orders/{mine['_id']}/invoices", json={}, key="seller", headers=NEW
    )
    assert early.status == 422
    assert early.body["errors"]["general"] == [
        "an invoice can only be created once the order has shipped"
    ]
    clock.now += 60
    shipped = await fulfil(api, mine["_id"], [(first, 3), (second, 1)])
    assert shipped.status == 200
    assert set(shipped.body) == {"id"}
    assert (await buyer_view(api, order["id"]))["fulfilled"] is False  # not every item yet
    assert (await fulfil(api, mine["_id"], [(second, 5)])).status == 422  # only 2 left
    await fulfil(api, mine["_id"], [(second, 2)])
    view = await buyer_view(api, order["id"])
    assert (view["fulfilled"], view["fulfilledDate"]) == (True, "2023-11-14T22:14:20.250Z")
    assert len(view["fulfillments"]) == 2
    taxes = {"taxes": [{"amount": 1.25, "type": "GS"}]}
    invoice = await api.ok("POST", f"/orders/{mine['_id']}/invoices", taxes, key="seller")
    assert invoice["error"] == []
    assert invoice["data"]["taxes"] == [{"amount": 1.25, "type": "GS"}]
    assert len(invoice["data"]["items"]) == 2
    assert all(isinstance(line["amountCents"], int) for line in invoice["data"]["items"])
    again = await api.call("POST", f"/orders/{mine['_id']}/invoices", json={}, key="seller")
    assert (again.status, again.body) == (400, {"error": "the order is already billed"})
    bad_tax = {"taxes": [{"amount": 1, "type": "VAT"}]}
    assert (
        await api.call("POST", f"/orders/{mine['_id']}/invoices", json=bad_tax, key="seller")
    ).status == 400
    refund = {"items": [{"ItemId": first, "Reason": "damaged", "QuantityToRefund": 1}]}
    refunded = await api.ok("POST", f"/orders/{mine['_id']}/refund", refund, key="seller")
    assert refunded["items"] == refund["items"]
    view = await buyer_view(api, order["id"])
    assert (view["invoiced"], view["refunded"], view["invoiceId"]) == (
        True,
        True,
        invoice["data"]["_id"],
    )
    too_much = {"items": [{"ItemId": first, "QuantityToRefund": 3}]}
    assert (
        await api.call("POST", f"/orders/{mine['_id']}/refund", json=too_much, key="seller")
    ).status == 400
    seller_side = await seller_order(api, order)
    assert (seller_side["shipped"], seller_side["billed"], seller_side["refunded"]) == (
        True,
        True,
        True,
    )
    assert seller_side["refunds"][0]["items"][0]["ItemId"] == first


async def test_order_list_filters(api: Api, clock: FakeClock) -> None:
    first = await api.order("filter-1")
    clock.now += 100
    second = await api.order("filter-2")
    item = (await seller_order(api, first))["items"][0]
    await fulfil(api, first["sellerOrders"][0]["id"], [(item["_id"], item["quantity"])])
    shipped = await api.ok("GET", "/orders?shipped=true", key="seller")
    assert [o["buyerOrderCode"] for o in shipped] == ["filter-1"]
    unshipped = await api.ok("GET", "/orders?shipped=false", key="seller")
    assert [o["buyerOrderCode"] for o in unshipped] == ["filter-2"]
    recent = await api.ok("GET", "/orders", key="seller", params={"createdMin": second["created"]})
    assert [o["buyerOrderCode"] for o in recent] == ["filter-2"]
    code = second["sellerOrders"][0]["sellerReference"]
    by_code = await api.ok("GET", f"/orders?sellerOrderCode={code}", key="seller")
    assert [o["sellerOrderCode"] for o in by_code] == [code]
    assert len(await api.ok("GET", "/orders?limit=1&page=1", key="seller")) == 1
    assert (await api.get("/orders?limit=251", key="seller")).status == 400


async def test_cancel_an_unfulfilled_order(api: Api) -> None:
    order = await api.order("cancel-1", lines=2)
    mine = await seller_order(api, order)
    path = f"/orders/{mine['_id']}/cancel"
    cancelled = await api.ok("POST", path, {"reason": "out of stock"}, key="seller")
    assert cancelled["hasCancellations"] is True
    assert all(i["cancelled"] and i["cancelledBy"] == "seller" for i in cancelled["items"])
    again = await api.call("POST", path, json={}, key="seller", headers=NEW)
    assert again.body == {"errors": {"general": ["the order is already cancelled"]}}
    item = cancelled["items"][0]["_id"]
    refused = await fulfil(api, mine["_id"], [(item, 1)])
    assert refused.body == {
        "errors": {"items[0].quantity": ["cancelled items cannot be fulfilled"]}
    }
    buyer = (await api.ok("GET", f"/buyer/orders/{order['id']}"))["data"]
    assert [line["quantity"] for line in buyer["items"]] == [4, 4]  # top-level lines unchanged


async def test_a_partially_fulfilled_order_needs_unfulfilled_only(api: Api) -> None:
    order = await api.order("cancel-2", lines=2, quantity=4)
    mine = await seller_order(api, order)
    first, second = (item["_id"] for item in mine["items"])
    await fulfil(api, mine["_id"], [(first, 1)])
    path = f"/orders/{mine['_id']}/cancel"
    refused = await api.call("POST", path, json={"reason": "x"}, key="seller", headers=NEW)
    assert refused.body == {
        "errors": {"unfulfilledOnly": ["must be true to cancel a partially fulfilled order"]}
    }
    done = await api.ok("POST", path, {"reason": "x", "unfulfilledOnly": True}, key="seller")
    items = {(i["sellerVariantCode"], i["quantity"], i["cancelled"]) for i in done["items"]}
    sku_first = mine["items"][0]["sellerVariantCode"]
    sku_second = mine["items"][1]["sellerVariantCode"]
    assert items == {(sku_first, 4, True), (sku_second, 4, True), (sku_first, 1, False)}
    kept = next(i for i in done["items"] if not i["cancelled"])
    assert kept["_id"] not in (first, second)  # a new item for the fulfilled quantity
    assert done["shipped"] is True


async def test_a_fulfilled_order_cannot_be_cancelled(api: Api) -> None:
    order = await api.order("cancel-3")
    mine = await seller_order(api, order)
    await fulfil(api, mine["_id"], [(mine["items"][0]["_id"], 4)])
    refused = await api.call(
        "POST", f"/orders/{mine['_id']}/cancel", json={"unfulfilledOnly": True}, key="seller"
    )
    assert (refused.status, refused.body) == (400, {"error": "the order is already fulfilled"})


async def test_cancel_items_partly_and_in_full(api: Api) -> None:
    order = await api.order("cancel-4", lines=2, quantity=5)
    mine = await seller_order(api, order)
    first, second = (item["_id"] for item in mine["items"])
    await fulfil(api, mine["_id"], [(first, 2)])
    path = f"/orders/{mine['_id']}/items/{first}/cancel"
    for bad in (1, 5, 9):  # below the fulfilled 2, the whole 5, beyond
        refused = await api.call("POST", path, json={"newQuantity": bad}, key="seller")
        assert refused.status == 400, bad
    assert (await api.call("POST", path, json={}, key="seller")).status == 400  # 2 shipped
    negative = await api.call("POST", path, json={"newQuantity": -1}, key="seller", headers=NEW)
    assert negative.body == {"errors": {"newQuantity": ["must not be negative"]}}
    cancelled = await api.ok("POST", path, {"newQuantity": 3, "reason": "short"}, key="seller")
    assert (cancelled["_id"], cancelled["cancelled"], cancelled["cancelledReason"]) == (
        first,
        True,
        "short",
    )
    after = await seller_order(api, order)
    remainder = after["items"][-1]
    assert (remainder["quantity"], remainder["fulfilledQuantity"], remainder["cancelled"]) == (
        3,
        2,
        False,
    )
    whole = await api.ok("POST", f"/orders/{mine['_id']}/items/{second}/cancel", {}, key="seller")
    assert whole["cancelled"] is True
    shipped_item = await api.call("POST", path, json={}, key="seller", headers=NEW)
    assert shipped_item.body == {"errors": {"general": ["the item is already cancelled"]}}
    await fulfil(api, mine["_id"], [(remainder["_id"], 1)])
    done = f"/orders/{mine['_id']}/items/{remainder['_id']}/cancel"
    refused = await api.call("POST", done, json={}, key="seller", headers=NEW)
    assert refused.body == {"errors": {"general": ["fulfilled items cannot be cancelled"]}}


async def test_buyer_cancellations_and_refunds(api: Api) -> None:
    order = await api.order("buyer-1", lines=2, sellers=2, quantity=2)
    seller_order_id = order["sellerOrders"][0]["id"]
    item = order["sellerOrders"][0]["items"][0]["id"]
    path = f"/buyer/orders/{order['id']}/seller-orders/{seller_order_id}"
    partial = await api.ok("POST", f"{path}/items/{item}/cancel", {"newQuantity": 1})
    items = partial["data"]["sellerOrders"][0]["items"]
    assert [(i["quantity"], i["cancelled"], i["cancelledBy"]) for i in items] == [
        (2, True, "buyer"),
        (2, False, ""),
        (1, False, ""),
    ]
    refund = {
        "cancelUnfulfilled": True,
        "items": [{"itemId": items[1]["id"], "quantityToRefund": 2}],
    }
    refunded = await api.ok("POST", f"{path}/refunds", refund)
    assert refunded["data"]["items"][0]["QuantityToRefund"] == 2
    cancelled = await api.ok(
        "POST", f"/buyer/orders/{order['id']}/cancel", {"reason": "changed mind"}
    )
    orders = cancelled["data"]["sellerOrders"]
    assert all(i["cancelled"] for s in orders for i in s["items"])
    assert [s["refunded"] for s in orders] == [True, False]
    again = await api.post(f"/buyer/orders/{order['id']}/cancel", {})
    assert again.body == {
        "data": None,
        "error": [{"message": "nothing in this order is left to cancel"}],
    }
    assert (await api.post(f"{path}/items/nope/cancel", {})).status == 404


async def test_versions_shape_the_seller_order(api: Api) -> None:
    order = await api.order("version-1")
    path = f"/orders/{order['sellerOrders'][0]['id']}"
    current = await api.ok("GET", path, key="seller")
    assert current["billingAddress"] == current["shippingAddress"]
    assert (current["invoice"], current["buyerCreatedDate"]) == (None, "2020-02-22T10:00:00.000Z")
    assert not {"code", "companyId", "email", "partner", "tags"} & set(current)
    headers = {"Accept": "application/vnd.convictional.2021-01-01"}
    old = await api.ok("GET", path, key="seller", headers=headers)
    assert (old["code"], old["parentCode"], old["tags"], old["addresses"]) == (
        "version-1",
        current["sellerOrderCode"],
        "",
        None,
    )
    assert not {"billingAddress", "invoice", "sellerCompanyObjectId"} & set(old)


async def test_patch_billed_and_note(api: Api) -> None:
    order = await api.order("bill-1")
    path = f"/orders/{order['sellerOrders'][0]['id']}"
    billed = await api.ok("PATCH", path, {"billed": True, "note": "paid by wire"}, key="seller")
    assert (billed["billed"], billed["note"]) == (True, "paid by wire")
    assert (await api.call("PATCH", path, json={"billed": True}, key="seller")).status == 400
    unbilled = await api.ok("PATCH", path, {"billed": False}, key="seller")
    assert unbilled["billed"] is False
    assert (await api.call("PATCH", path, json={"attributes": [1]}, key="seller")).status == 400


async def test_another_sellers_order_is_404(api: Api, sandbox: Sandbox) -> None:
    order = await api.order("private-1")
    other = sandbox.state.seller_users[1].api_key
    assert (await api.get(f"/orders/{order['sellerOrders'][0]['id']}", key=other)).status == 404
    assert await api.ok("GET", "/orders", key=other) == []


async def test_the_clock_advances_orders(
    make_sandbox: Callable[..., Sandbox], make_api: Callable[[Sandbox], Api], clock: FakeClock
) -> None:
    async with make_sandbox(
        auto_post_after=None, auto_fulfil_after=3600, auto_invoice_after=60
    ) as sandbox:
        api = make_api(sandbox)
        order = await api.order("clock-1")
        assert (await buyer_view(api, order["id"]))["posted"] is False
        clock.now += 7200
        assert (await buyer_view(api, order["id"]))["fulfilled"] is False  # not posted yet
        mine = (await api.ok("GET", "/orders", key="seller"))[0]  # the seller reads it
        assert mine["posted"] is True
        clock.now += 3600
        view = await buyer_view(api, order["id"])
        assert (view["fulfilled"], view["invoiced"]) == (True, True)
        assert view["fulfillments"][0]["carrier"] == "Sandbox Post"
        assert view["invoicedDate"] > view["fulfilledDate"]


async def test_tracking_can_be_required(
    make_sandbox: Callable[..., Sandbox], make_api: Callable[[Sandbox], Api]
) -> None:
    async with make_sandbox(require_tracking=True) as sandbox:
        api = make_api(sandbox)
        order = await api.order("track-1")
        mine = await seller_order(api, order)
        refused = await fulfil(api, mine["_id"], [(mine["items"][0]["_id"], 1)], trackingCode="")
        assert refused.body == {
            "errors": {"trackingCode": ["is required: the buyer requires tracking information"]}
        }
        by_sku = {
            "trackingNumbers": ["T1"],
            "items": [{"sku": mine["items"][0]["sku"], "quantity": 1}],
        }
        shipped = await api.call(
            "POST", f"/orders/{mine['_id']}/fulfillments", json=by_sku, key="seller"
        )
        assert shipped.status == 200
