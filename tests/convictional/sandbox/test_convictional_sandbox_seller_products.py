"""Seller product endpoints over real HTTP: list and filters, create, patch, delete."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from convictional_sandbox_api import Api

from convictional_async.sandbox import Sandbox

NEW = {"Enable-New-Errors": "true"}


def new_product(code: str = "TSHIRT-001", **fields: Any) -> dict[str, Any]:
    return {
        "code": code,
        "title": "Sandbox Polo",
        "vendor": "Acme",
        "tags": ["summer"],
        "images": [{"source": "https://cdn.example.com/tshirt.png", "position": 1}],
        "variants": [
            {"sku": f"{code}-M", "title": "M", "inventoryQuantity": 12, "retailPrice": 30},
            {"title": "L", "inventory_quantity": 3, "basePrice": 12.5},
        ],
        **fields,
    }


async def test_list_is_enveloped_with_current_names_and_own_products(
    api: Api, sandbox: Sandbox
) -> None:
    body = await api.ok("GET", "/products?limit=250", key="seller")
    assert list(body) == ["data"]
    seller = sandbox.state.sellers[0].id
    assert len(body["data"]) == 75  # 300 products over 4 sellers
    assert {p["companyId"] for p in body["data"]} == {seller}
    product = body["data"][0]
    assert {"id", "code", "createdAt", "updatedAt"} <= set(product)
    assert not {"_id", "created", "updated"} & set(product)
    variant = product["variants"][0]
    assert {"_id", "id", "inventoryQuantity", "basePrice", "retailPrice"} <= set(variant)
    assert isinstance(variant["id"], int)  # the legacy numeric id
    single = await api.ok("GET", f"/products/{product['id']}", key="seller")
    assert single == {"data": product}
    page = await api.ok("GET", "/products?limit=10&page=7", key="seller")
    assert len(page["data"]) == 5


async def test_filters(api: Api, sandbox: Sandbox) -> None:
    await api.ok("POST", "/products", new_product(active=False), key="seller")
    found = await api.ok("GET", "/products?title=box%20POLO", key="seller")
    assert [p["code"] for p in found["data"]] == ["TSHIRT-001"]
    assert len((await api.ok("GET", "/products?productCode=shirt-0", key="seller"))["data"]) == 1
    assert len((await api.ok("GET", "/products?vendor=Acme", key="seller"))["data"]) == 1
    assert len((await api.ok("GET", "/products?vendor=acme", key="seller"))["data"]) == 0
    inactive = await api.ok("GET", "/products?active=false", key="seller")
    assert [p["code"] for p in inactive["data"]] == ["TSHIRT-001"]
    tagged = await api.ok("GET", "/products?tags=winter,summer&limit=250", key="seller")
    assert [p["code"] for p in tagged["data"]] == ["TSHIRT-001"]
    other = sandbox.state.sellers[1].id
    assert (await api.ok("GET", f"/products?companyId={other}", key="seller"))["data"] == []
    assert (await api.get("/products?active=maybe", key="seller")).status == 400


async def test_buyers_read_partnered_products_with_their_prices(api: Api) -> None:
    body = await api.ok("GET", "/products?limit=5")
    variant = body["data"][0]["variants"][0]
    assert {"basePrice", "partnerPrice", "baseCurrency"} <= set(variant)
    assert "retailPrice" not in variant
    assert (await api.post("/products", new_product())).status == 403


async def test_create_and_the_buyer_sees_it(api: Api) -> None:
    created = await api.ok("POST", "/products", new_product(), key="seller")
    assert created["code"] == "TSHIRT-001"  # a bare object
    assert [v["sku"] for v in created["variants"]] == ["TSHIRT-001-M", "TSHIRT-001-2"]
    assert [v["inventoryQuantity"] for v in created["variants"]] == [12, 3]
    assert created["variants"][1]["basePrice"] == 12.5
    buyer_view = await api.ok("GET", f"/buyer/products/{created['id']}")
    assert buyer_view["data"]["sellerReference"] == "TSHIRT-001"
    duplicate = await api.post("/products", new_product(), key="seller", headers=NEW)
    assert (duplicate.status, duplicate.body) == (
        422,
        {"errors": {"code": ["must be unique among the seller's products"]}},
    )
    invalid = await api.post("/products", {"variants": []}, key="seller", headers=NEW)
    assert invalid.body["errors"] == {
        "code": ["is required"],
        "variants": ["must hold at least 1 entries"],
        "title": ["is required"],
    }


async def test_patch_product_creates_and_updates_nested_entries(api: Api) -> None:
    created = await api.ok("POST", "/products", new_product(), key="seller")
    first = created["variants"][0]
    image = created["images"][0]
    patch = {
        "title": "Better Polo",
        "variants": [{"_id": first["_id"], "inventoryQuantity": 99}, {"title": "XL"}],
        "images": [
            {"_id": image["_id"], "position": 2},
            {"source": "https://cdn.example.com/back.png"},
        ],
        "options": [{"name": "Size", "position": 1}],
    }
    patched = await api.ok("PATCH", f"/products/{created['id']}", patch, key="seller")
    assert patched["title"] == "Better Polo"
    assert [v["inventoryQuantity"] for v in patched["variants"]] == [99, 3, 0]
    assert [(i["source"], i["position"]) for i in patched["images"]] == [
        ("https://cdn.example.com/tshirt.png", 2),
        ("https://cdn.example.com/back.png", 2),
    ]
    assert [o["name"] for o in patched["options"]] == ["Size"]
    bad = {
        "title": "",
        "variants": [{"_id": "nope"}],
        "images": [{"_id": image["_id"], "source": "https://elsewhere.example/x.png"}],
    }
    refused = await api.call(
        "PATCH", f"/products/{created['id']}", json=bad, key="seller", headers=NEW
    )
    assert refused.status == 422
    assert set(refused.body["errors"]) == {"title", "variants[0]._id", "images[0].source"}
    again = await api.ok("GET", f"/products/{created['id']}", key="seller")
    assert again["data"]["title"] == "Better Polo"  # all or nothing


async def test_patch_variant_and_the_vendor_error_example(api: Api) -> None:
    created = await api.ok("POST", "/products", new_product(), key="seller")
    variant = created["variants"][0]
    path = f"/products/{created['id']}/variants/{variant['_id']}"
    refused = await api.call(
        "PATCH", path, json={"inventoryQuantity": -1}, key="seller", headers=NEW
    )
    assert (refused.status, refused.body) == (
        422,
        {"errors": {"inventoryQuantity": ["must be greater than 0"]}},
    )
    legacy = await api.call("PATCH", path, json={"inventoryQuantity": -1}, key="seller")
    assert (legacy.status, legacy.body) == (
        400,
        {"error": "inventoryQuantity: must be greater than 0"},
    )
    updated = await api.ok(
        "PATCH", path, {"inventory_quantity": 0, "barcodeType": "gtin"}, key="seller"
    )
    assert (updated["inventoryQuantity"], updated["barcodeType"]) == (0, "gtin-13")


async def test_delete_product_and_image(api: Api, sandbox: Sandbox) -> None:
    created = await api.ok("POST", "/products", new_product(), key="seller")
    image_id = created["images"][0]["_id"]
    path = f"/products/{created['id']}"
    assert await api.ok("DELETE", f"{path}/images/{image_id}", key="seller") == {
        "deleted": image_id
    }
    assert (await api.call("DELETE", f"{path}/images/{image_id}", key="seller")).status == 404
    assert await api.ok("DELETE", path, key="seller") == {"deleted": created["id"]}
    assert (await api.get(path, key="seller")).status == 404
    other = sandbox.state.seller_users[1].api_key
    theirs = (await api.ok("GET", "/products?limit=1", key=other))["data"][0]["id"]
    assert (await api.call("DELETE", f"/products/{theirs}", key="seller")).status == 404


async def test_csv_create(api: Api) -> None:
    csv_body = (
        "code,title,sku,variantTitle,inventoryQuantity,basePrice,tags\n"
        "CSV-1,Mug,CSV-1-S,S,5,4.5,kitchen|gift\n"
        "CSV-1,Mug,CSV-1-L,L,7,5.5,\n"
        "CSV-2,Plate,CSV-2-A,,1,3,\n"
    )
    headers = {"Content-Type": "text/csv"}
    created = await api.ok("POST", "/products", data=csv_body, key="seller", headers=headers)
    assert [(p["code"], len(p["variants"])) for p in created] == [("CSV-1", 2), ("CSV-2", 1)]
    assert created[0]["tags"] == ["kitchen", "gift"]
    assert created[0]["variants"][1]["basePrice"] == 5.5
    bad = "code,title,sku,inventoryQuantity,colour\nX,Y,Z,1,red\n"
    refused = await api.call("POST", "/products", data=bad, key="seller", headers=headers)
    assert refused.status == 400
    broken = "code,title,inventoryQuantity\nX,,-3\nX,,abc\n"
    refused = await api.call(
        "POST", "/products", data=broken, key="seller", headers={**headers, **NEW}
    )
    assert refused.status == 422
    assert set(refused.body["errors"]) == {
        "rows[0].inventoryQuantity",
        "rows[1].inventoryQuantity",
        "products[0].title",
    }


async def test_a_csv_beyond_the_product_bound_adds_nothing(
    make_sandbox: Callable[..., Sandbox], make_api: Callable[[Sandbox], Api]
) -> None:
    async with make_sandbox(products=19_999) as sandbox:
        api = make_api(sandbox)
        two = "code,title\nNEW-1,One\nNEW-2,Two\n"
        headers = {"Content-Type": "text/csv", **NEW}
        refused = await api.call("POST", "/products", data=two, key="seller", headers=headers)
        assert (refused.status, refused.body) == (
            422,
            {"errors": {"general": ["the sandbox holds at most 20000 products"]}},
        )
        assert len(sandbox.state.products) == 19_999
