"""Seller price lists over real HTTP: JSON, the CSV template and the multipart upload."""

from __future__ import annotations

import csv
import io

import aiohttp
from convictional_sandbox_api import Api

from convictional_async.sandbox import Sandbox

NEW = {"Enable-New-Errors": "true"}


async def first_variant(api: Api) -> dict[str, object]:
    product = (await api.ok("GET", "/products?limit=1", key="seller"))["data"][0]
    variant: dict[str, object] = product["variants"][0]
    return variant


async def test_create_get_replace_delete(api: Api) -> None:
    variant = await first_variant(api)
    body = {
        "listName": "Wholesale",
        "currencyName": "CAD",
        "markup": 10,
        "list": [
            {"sku": variant["sku"], "price": 9.99, "type": "percent", "retailPrice": 20},
            {"sku": "NOT-OURS", "price": 1},
        ],
    }
    created = await api.ok("POST", "/prices", body, key="seller")
    assert (created["listName"], created["currencyName"], created["markup"]) == (
        "Wholesale",
        "CAD",
        10,
    )
    assert [entry["sku"] for entry in created["list"]] == [variant["sku"]]  # invalid SKUs omitted
    entry = created["list"][0]
    assert (entry["price"], entry["variantId"], entry["variantObjectId"]) == (
        9.99,
        variant["id"],
        variant["_id"],
    )
    path = f"/prices/{created['_id']}"
    assert await api.ok("GET", path, key="seller") == created
    replaced = await api.ok("PUT", path, {"listName": "Retail", "list": []}, key="seller")
    assert (replaced["listName"], replaced["list"], replaced["currencyName"]) == (
        "Retail",
        [],
        "CAD",
    )
    refused = await api.call("PUT", path, json={"currencyName": "JPY"}, key="seller", headers=NEW)
    assert refused.body == {"errors": {"currencyName": ["must be one of USD, CAD, EUR, GBP, AUD"]}}
    assert (await api.post("/prices", {}, key="seller")).status == 400
    assert await api.ok("DELETE", path, key="seller") == {"deleted": created["_id"]}
    assert (await api.get(path, key="seller")).status == 404


async def test_the_partnership_price_list_prices_the_buyer(api: Api, sandbox: Sandbox) -> None:
    seller = sandbox.state.sellers[0]
    default = next(p for p in sandbox.state.price_lists.values() if p.company_id == seller.id)
    variant = await first_variant(api)
    await api.ok(
        "PUT",
        f"/prices/{default.id}",
        {"list": [{"sku": variant["sku"], "price": 1.5, "retailPrice": 3}]},
        key="seller",
    )
    products = await api.ok("GET", f"/buyer/products?companyId={seller.id}&limit=1")
    priced = products["data"][0]["variants"][0]
    assert (priced["basePrice"], priced["retailPrice"]) == (1.5, 3)


async def test_template_and_upload(api: Api, session: aiohttp.ClientSession) -> None:
    template = await api.get("/templates/price", key="seller")
    assert template.status == 200
    assert template.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(template.body)))
    assert rows[0] == [
        "Variant ID", "SKU", "Product Title", "Variant Title", "Base Price", "Price", "Markup",
        "Markup Type", "Retail Price",
    ]  # fmt: skip
    assert len(rows) > 75
    rows[1][5:9] = ["7.25", "", "fixed", "19"]
    filled = io.StringIO()
    csv.writer(filled).writerows(rows[:2])
    form = aiohttp.FormData()
    form.add_field("name", "Uploaded")
    form.add_field("file", filled.getvalue(), filename="prices.csv", content_type="text/csv")
    uploaded = await api.call("POST", "/prices/upload", data=form, key="seller")
    assert uploaded.status == 200
    assert set(uploaded.body) == {"_id"}
    price = await api.ok("GET", f"/prices/{uploaded.body['_id']}", key="seller")
    assert price["listName"] == "Uploaded"
    assert [(e["sku"], e["price"], e["retailPrice"]) for e in price["list"]] == [
        (rows[1][1], 7.25, 19)
    ]
    bad = aiohttp.FormData()
    bad.add_field("name", "Broken")
    bad.add_field("file", "SKU,Price\nX,1\n", filename="prices.csv")
    refused = await api.call("POST", "/prices/upload", data=bad, key="seller", headers=NEW)
    assert refused.status == 422
    assert list(refused.body["errors"]) == ["file"]
    wrong_sku = aiohttp.FormData()
    wrong_sku.add_field("name", "Wrong")
    wrong_sku.add_field(
        "file", template.body.splitlines()[0] + "\n,NOPE,,,,x,,,\n", filename="p.csv"
    )
    refused = await api.call("POST", "/prices/upload", data=wrong_sku, key="seller", headers=NEW)
    assert set(refused.body["errors"]) == {"rows[0].SKU", "rows[0].Price"}
    as_json = await api.post("/prices/upload", {"name": "x"}, key="seller")
    assert as_json.status == 415
