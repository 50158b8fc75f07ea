"""Seller API product handlers (reference 9.1): list, get, create, patch, delete, variants.

Envelopes: after 3 Aug 2022 (the default) ``GET /products`` is ``{"data": [...]}`` and
``GET /products/{id}`` ``{"data": {...}}``; with ``SandboxConfig.legacy_products`` they are
bare. Writes (``POST``, ``PATCH``) answer the bare resource either way (whether they gained
the envelope is unknown). ``DELETE`` answers ``{"deleted": "<id>"}``.

``GET /products`` and ``GET /products/{id}`` also serve buyer keys (the spec's exception):
the active products of partnered sellers, with the buyer's prices; the ``tags`` filter is
for sellers only and ignored for buyers. Filters: ``title`` and ``productCode`` match
case-insensitive substrings ("exact or similar"), ``vendor`` and ``companyId`` exactly,
``active`` is ``true``/``false``, ``tags`` (comma-separated) matches any tag exactly.
25 per page by default. ``POST /products`` also takes ``text/csv`` (``_csv``).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ._accounts import Company
from ._catalogue import Product
from ._csv import products_from_csv
from ._errors import ApiError
from ._http import call_of, json_reply, read_json
from ._paging import bool_param, page_of
from ._product_bodies import apply_product_patch, apply_variant_patch, product_from_body
from ._product_views import seller_product, seller_variant
from ._state import SandboxState
from ._validation import as_object

__all__ = ["SellerProductHandlers"]


class SellerProductHandlers:
    """The Seller API's product handlers, bound to one sandbox's state."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state

    def _readable(self, viewer: Company, product: Product) -> bool:
        if viewer.commerce_type == "seller":
            return product.company_id == viewer.id
        return self.state.visible_to(product, viewer)

    def _product(self, request: web.Request, *, own: bool = True) -> Product:
        viewer = call_of(request).user.company
        product = self.state.products.get(request.match_info["productId"])
        allowed = product is not None and (
            product.company_id == viewer.id if own else self._readable(viewer, product)
        )
        if product is None or not allowed:
            raise ApiError.not_found("product")
        return product

    def _wrap(self, data: Any) -> Any:
        return data if self.state.config.legacy_products else {"data": data}

    async def list_products(self, request: web.Request) -> web.Response:
        """``GET /products``: filtered and paginated."""
        viewer = call_of(request).user.company
        query = request.query
        active = bool_param(query, "active")
        products = [
            p
            for p in self.state.products.values()
            if self._readable(viewer, p) and _matches(p, query, active, viewer)
        ]
        page = page_of(products, query, default_limit=25)
        data = [seller_product(self.state, viewer, p) for p in page.items]
        return json_reply(self._wrap(data))

    async def get_product(self, request: web.Request) -> web.Response:
        """``GET /products/{productId}``."""
        viewer = call_of(request).user.company
        product = self._product(request, own=False)
        return json_reply(self._wrap(seller_product(self.state, viewer, product)))

    async def create_product(self, request: web.Request) -> web.Response:
        """``POST /products``: one product from JSON, or several from ``text/csv``."""
        seller = call_of(request).user.company
        if request.content_type == "text/csv":
            created = products_from_csv(self.state, seller, await request.text())
            self.state.check_product_room(len(created))
            for product in created:
                self.state.add_product(product)
            return json_reply([seller_product(self.state, seller, p) for p in created])
        product = product_from_body(self.state, seller, as_object(await read_json(request)))
        self.state.add_product(product)
        return json_reply(seller_product(self.state, seller, product))

    async def patch_product(self, request: web.Request) -> web.Response:
        """``PATCH /products/{productId}``: partial update."""
        seller = call_of(request).user.company
        product = self._product(request)
        apply_product_patch(self.state, product, as_object(await read_json(request)))
        return json_reply(seller_product(self.state, seller, product))

    async def delete_product(self, request: web.Request) -> web.Response:
        """``DELETE /products/{productId}``."""
        product = self._product(request)
        self.state.remove_product(product)
        return json_reply({"deleted": product.id})

    async def delete_image(self, request: web.Request) -> web.Response:
        """``DELETE /products/{productId}/images/{imageId}``."""
        product = self._product(request)
        image_id = request.match_info["imageId"]
        image = next((i for i in product.images if i.id == image_id), None)
        if image is None:
            raise ApiError.not_found("image")
        product.images.remove(image)
        for variant in product.variants:
            variant.image_sources = [s for s in variant.image_sources if s != image.source]
        product.updated = self.state.now()
        return json_reply({"deleted": image_id})

    async def patch_variant(self, request: web.Request) -> web.Response:
        """``PATCH /products/{productId}/variants/{variantId}``."""
        seller = call_of(request).user.company
        product = self._product(request)
        variant = product.variant(request.match_info["variantId"])
        if variant is None:
            raise ApiError.not_found("variant")
        apply_variant_patch(self.state, product, variant, as_object(await read_json(request)))
        return json_reply(seller_variant(self.state, seller, product, variant))


def _matches(product: Product, query: Any, active: bool | None, viewer: Company) -> bool:
    """Return whether ``product`` passes the list filters of ``query``."""
    title, code = query.get("title", "").lower(), query.get("productCode", "").lower()
    vendor, company = query.get("vendor"), query.get("companyId")
    tags = (
        {t for t in query.get("tags", "").split(",") if t}
        if viewer.commerce_type == "seller"
        else set()
    )
    return (
        title in product.title.lower()
        and code in product.code.lower()
        and (not vendor or product.vendor == vendor)
        and (not company or product.company_id == company)
        and (active is None or product.active is active)
        and (not tags or bool(tags & set(product.tags)))
    )
