"""Products on the wire: the Buyer shape and the two Seller shapes (before and after 3 Aug 2022).

* Buyer (``/buyer/products``, reference 10.7): ``id``, ``companyId``, ``brand``,
  ``description``, ``sellerReference``, variants with ``id``, ``inventoryAmount`` and the
  buyer's ``basePrice``/``retailPrice``; ``created``/``updated``.
* Seller, current: ``id``, ``createdAt``/``updatedAt`` and ``inventoryQuantity``; variants
  keep ``_id`` (whether they moved to ``id`` is unknown) beside the legacy integer ``id``.
* Seller, legacy (``SandboxConfig.legacy_products``): ``_id``, ``created``/``updated`` and
  ``inventory_quantity``.

A buyer reading the Seller ``GET /products`` also gets its ``basePrice``, ``partnerPrice``
(the MSRP) and ``baseCurrency`` on each variant, as the spec marks them "buyers only".
"""

from __future__ import annotations

from typing import Any

from ._accounts import Company
from ._catalogue import Product, Variant
from ._ids import iso
from ._state import SandboxState

__all__ = ["buyer_product", "buyer_variant", "seller_product", "seller_variant"]

_DIMENSIONS = {"length": 0, "width": 0, "height": 0, "units": ""}


def buyer_variant(
    state: SandboxState, buyer: Company, product: Product, variant: Variant
) -> dict[str, Any]:
    """Return a variant as a buyer sees it."""
    base, retail = state.buyer_prices(buyer, product, variant)
    names = [name for _, name in product.option_names]
    options = [
        {"name": name, "value": value}
        for name, value in zip(names, variant.options, strict=False)
        if value is not None
    ]
    return {
        "id": variant.id,
        "sku": variant.sku,
        "title": variant.title,
        "inventoryAmount": variant.inventory,
        "retailPrice": retail,
        "retailCurrency": "USD",
        "basePrice": base,
        "baseCurrency": "USD",
        "barcode": variant.barcode,
        "barcodeType": variant.barcode_type,
        "options": options,
        "skipCount": False,
        "weight": variant.weight,
        "weightUnits": variant.weight_units,
        "dimensions": dict(_DIMENSIONS),
        "attributes": dict(variant.attributes),
    }


def buyer_product(state: SandboxState, buyer: Company, product: Product) -> dict[str, Any]:
    """Return a product as a buyer sees it."""
    return {
        "id": product.id,
        "companyId": product.company_id,
        "title": product.title,
        "brand": product.vendor,
        "description": product.body_html,
        "sellerReference": product.code,
        "variants": [buyer_variant(state, buyer, product, v) for v in product.variants],
        "tags": list(product.tags),
        "images": [{"id": image.id, "source": image.source} for image in product.images],
        "optionNames": [name for _, name in product.option_names],
        "googleProductCategory": _category(product),
        "attributes": dict(product.attributes),
        "created": iso(product.created),
        "updated": iso(product.updated),
    }


def seller_variant(
    state: SandboxState, viewer: Company, product: Product, variant: Variant
) -> dict[str, Any]:
    """Return a variant in the Seller API's shape (current or legacy names)."""
    inventory = "inventory_quantity" if state.config.legacy_products else "inventoryQuantity"
    body: dict[str, Any] = {
        "_id": variant.id,
        "id": variant.legacy_id,
        "sku": variant.sku,
        "title": variant.title,
        inventory: variant.inventory,
        "barcode": variant.barcode,
        "barcodeType": variant.barcode_type,
        "option1": variant.options[0],
        "option2": variant.options[1],
        "option3": variant.options[2],
        "weight": variant.weight,
        "weightUnits": variant.weight_units,
        "images": [{"src": source} for source in variant.image_sources],
        "attributes": dict(variant.attributes),
    }
    if viewer.commerce_type == "buyer":
        base, retail = state.buyer_prices(viewer, product, variant)
        body.update(basePrice=base, partnerPrice=retail, baseCurrency="USD")
    else:
        body.update(basePrice=variant.base_price, retailPrice=variant.retail_price)
    return body


def seller_product(state: SandboxState, viewer: Company, product: Product) -> dict[str, Any]:
    """Return a product in the Seller API's shape (current or legacy names)."""
    legacy = state.config.legacy_products
    return {
        "_id" if legacy else "id": product.id,
        "code": product.code,
        "title": product.title,
        "active": product.active,
        "bodyHtml": product.body_html,
        "vendor": product.vendor,
        "tags": list(product.tags),
        "variants": [seller_variant(state, viewer, product, v) for v in product.variants],
        "images": [
            {
                "_id": image.id,
                "source": image.source,
                "src": image.source,
                "position": image.position,
                "variantIds": list(image.variant_ids),
            }
            for image in product.images
        ],
        "options": [
            {"_id": option_id, "name": name, "position": position}
            for position, (option_id, name) in enumerate(product.option_names, start=1)
        ],
        "googleProductCategory": _category(product),
        "attributes": dict(product.attributes),
        "custom": [],
        "companyId": product.company_id,
        "companyObjectId": product.company_id,
        "delisted": False,
        "delistedAt": None,
        "created" if legacy else "createdAt": iso(product.created),
        "updated" if legacy else "updatedAt": iso(product.updated),
    }


def _category(product: Product) -> dict[str, Any]:
    code, name = product.google_category
    return {"code": code, "name": name}
