"""The Seller API's catalogue and prices: ``/products`` and ``/prices``.

Seller paths have no prefix. Products are sent as JSON or CSV (``text/csv``); a price
list can be uploaded as a CSV file (``multipart/form-data``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

from . import _converter as wire
from ._converter import MAX_PAGE_LIMIT
from ._models_prices import Price, PriceCreate, PriceUpdate
from ._models_products import (
    PatchProduct,
    PatchVariant,
    Product,
    ProductCreate,
    Variant,
    VariantImage,
)
from ._models_shared import CreatedId, Deleted, Dimensions
from ._resources_common import Query, Requester, Resource, check_id, multipart
from ._resources_seller_orders import SellerOrders
from .core import Response, parse_json
from .core._serialization import UNSET, UnsetType


def _csv_bytes(csv: bytes | str) -> bytes:
    data = csv.encode() if isinstance(csv, str) else csv
    if not isinstance(data, bytes) or not data.strip():
        raise ValueError("csv must be non-empty text or bytes")
    return data


def _one_or_more_products(response: Response) -> tuple[Product, ...]:
    if isinstance(wire.unwrap(response, parse_json(response.body)), dict):
        return (wire.decode(response, Product),)
    return wire.decode_list(response, Product)


def _creates_entries(patch: PatchProduct) -> bool:
    """Whether a patch adds variants, images or options (entries without an id)."""
    entries = [patch.variants, patch.images, patch.options]
    return any(
        entry.id is UNSET
        for group in entries
        if not isinstance(group, UnsetType)
        for entry in group
    )


class SellerProducts(Resource):
    """``/products``: a seller's catalogue.

    Usage::

        await client.seller.products.update_variant(product_id, variant_id, inventory_quantity=5)
    """

    def list(
        self,
        *,
        title: str | None = None,
        vendor: str | None = None,
        product_code: str | None = None,
        active: bool | None = None,
        company_id: str | None = None,
        tags: Sequence[str] | None = None,
        limit: int = MAX_PAGE_LIMIT,
    ) -> AsyncIterator[Product]:
        """Every product matching the filters, ``limit`` (1-250) per request."""
        params = (
            Query()
            .text("title", title)
            .text("vendor", vendor)
            .text("product_code", product_code)
            .flag("active", active)
            .text("company_id", company_id)
            .names("tags", tags)
            .params
        )
        return self._requester.iterate(Product, ("products",), params, limit=limit)

    async def get(self, product_id: str) -> Product:
        """One product with its variants."""
        return await self._requester.get(Product, "products", check_id("product_id", product_id))

    async def create(self, product: ProductCreate) -> Product:
        """Create a product (``code``, ``title`` and at least one variant)."""
        if not isinstance(product, ProductCreate):
            raise ValueError("product must be a ProductCreate")
        return await self._requester.send_json(
            "POST", Product, ("products",), product, idempotent=False
        )

    async def create_from_csv(self, csv: bytes | str) -> tuple[Product, ...]:
        """Create products from CSV (sent as ``text/csv``; rows sharing a code are one
        product's variants); the reply may be one product or a list."""
        return await self._requester.call(
            "POST",
            self._requester.url("products"),
            _one_or_more_products,
            body=_csv_bytes(csv),
            content_type="text/csv",
            idempotent=False,
        )

    async def update(self, product_id: str, patch: PatchProduct) -> Product:
        """Change the fields given; entries without an id create variants/images/options."""
        product_id = check_id("product_id", product_id)
        if not isinstance(patch, PatchProduct):
            raise ValueError("patch must be a PatchProduct")
        return await self._requester.send_json(
            "PATCH",
            Product,
            ("products", product_id),
            patch,
            idempotent=not _creates_entries(patch),
        )

    async def delete(self, product_id: str) -> str:
        """Delete a product; returns the id the server deleted."""
        segments = ("products", check_id("product_id", product_id))
        deleted = await self._requester.send_json(
            "DELETE", Deleted, segments, None, idempotent=True
        )
        return deleted.deleted

    async def delete_image(self, product_id: str, image_id: str) -> None:
        """Delete one image of a product."""
        segments = (
            "products",
            check_id("product_id", product_id),
            "images",
            check_id("image_id", image_id),
        )
        await self._requester.send_expecting_nothing("DELETE", segments, None, idempotent=True)

    async def update_variant(
        self,
        product_id: str,
        variant_id: str,
        *,
        inventory_quantity: int | UnsetType = UNSET,
        sku: str | UnsetType = UNSET,
        title: str | UnsetType = UNSET,
        retail_price: Decimal | UnsetType = UNSET,
        barcode: str | UnsetType = UNSET,
        barcode_type: str | UnsetType = UNSET,
        weight: Decimal | UnsetType = UNSET,
        weight_units: str | UnsetType = UNSET,
        dimensions: Dimensions | UnsetType = UNSET,
        images: Sequence[VariantImage] | UnsetType = UNSET,
        attributes: Sequence[Mapping[str, Any]] | UnsetType = UNSET,
    ) -> Variant:
        """Change one variant's stock, price or details (only the fields given)."""
        segments = (
            "products",
            check_id("product_id", product_id),
            "variants",
            check_id("variant_id", variant_id),
        )
        patch = PatchVariant(
            inventory_quantity=inventory_quantity,
            sku=sku,
            title=title,
            retail_price=retail_price,
            barcode=barcode,
            barcode_type=barcode_type,
            weight=weight,
            weight_units=weight_units,
            dimensions=dimensions,
            images=images if isinstance(images, UnsetType) else tuple(images),
            attributes=attributes if isinstance(attributes, UnsetType) else tuple(attributes),
        )
        if not wire.unstructure(patch):
            raise ValueError("update_variant needs at least one change")
        return await self._requester.send_json("PATCH", Variant, segments, patch, idempotent=True)


class SellerPrices(Resource):
    """``/prices``: a seller's price lists.

    Usage::

        price_id = await client.seller.prices.upload("Wholesale", csv_text)
    """

    async def get(self, price_id: str) -> Price:
        """One price list (entries with invalid SKUs are left out)."""
        return await self._requester.get(Price, "prices", check_id("price_id", price_id))

    async def create(self, price: PriceCreate) -> Price:
        """Create a price list."""
        if not isinstance(price, PriceCreate):
            raise ValueError("price must be a PriceCreate")
        return await self._requester.send_json("POST", Price, ("prices",), price, idempotent=False)

    async def update(self, price_id: str, price: PriceUpdate) -> Price:
        """Replace a price list (``PUT``)."""
        segments = ("prices", check_id("price_id", price_id))
        if not isinstance(price, PriceUpdate):
            raise ValueError("price must be a PriceUpdate")
        return await self._requester.send_json("PUT", Price, segments, price, idempotent=True)

    async def delete(self, price_id: str) -> str:
        """Delete a price list for good; returns the id the server deleted."""
        segments = ("prices", check_id("price_id", price_id))
        deleted = await self._requester.send_json(
            "DELETE", Deleted, segments, None, idempotent=True
        )
        return deleted.deleted

    async def upload(self, name: str, csv: bytes | str, *, file_name: str = "prices.csv") -> str:
        """Create a price list from a CSV in the template's columns; returns its id."""
        if not isinstance(name, str) or not name.strip():
            raise ValueError("name must be a non-empty string")
        body, content_type = multipart({"name": name}, file_name=file_name, content=_csv_bytes(csv))
        created = await self._requester.call(
            "POST",
            self._requester.url("prices", "upload"),
            lambda r: wire.decode(r, CreatedId),
            body=body,
            content_type=content_type,
            idempotent=False,
        )
        return created.id

    async def template(self) -> str:
        """The CSV template listing every variant, for :meth:`upload`."""
        return await self._requester.call(
            "GET", self._requester.url("templates", "price"), _text, idempotent=True
        )


def _text(response: Response) -> str:
    return response.text


class SellerAPI:
    """The endpoints for seller (supplier) accounts: ``products``, ``orders``, ``prices``.

    Usage::

        async for order in client.seller.orders.list(shipped=False):
            print(order.id, order.buyer_order_code)
    """

    def __init__(self, requester: Requester) -> None:
        self.products = SellerProducts(requester)
        """``/products``."""
        self.orders = SellerOrders(requester)
        """``/orders``."""
        self.prices = SellerPrices(requester)
        """``/prices`` and ``/templates/price``."""
