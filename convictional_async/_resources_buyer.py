"""The Buyer API (``/buyer/...``): the catalogue partnered sellers offer, and buyer orders."""

from __future__ import annotations

from collections.abc import AsyncIterator

from ._converter import MAX_PAGE_LIMIT
from ._models_buyer_products import BuyerProduct, BuyerVariant
from ._resources_buyer_orders import BuyerOrders
from ._resources_common import Query, Requester, Resource, check_id
from .core import RetryPolicy


class BuyerProducts(Resource):
    """``/buyer/products``: products and variants priced for this buyer.

    Usage::

        async for product in client.buyer.products.list():
            variant = product.variants[0]
            print(variant.id, variant.inventory_quantity, variant.base_price)
    """

    def list(
        self, *, company_id: str | None = None, limit: int = MAX_PAGE_LIMIT
    ) -> AsyncIterator[BuyerProduct]:
        """Every product, fetched ``limit`` (1-250) per request; ``company_id`` is a seller."""
        params = Query().text("company_id", company_id).params
        return self._requester.iterate(BuyerProduct, ("buyer", "products"), params, limit=limit)

    async def get(self, product_id: str) -> BuyerProduct:
        """One product with its variants."""
        product_id = check_id("product_id", product_id)
        return await self._requester.get(BuyerProduct, "buyer", "products", product_id)

    async def list_variants(self, product_id: str) -> tuple[BuyerVariant, ...]:
        """The variants of one product (stock, retail price and the buyer's cost)."""
        product_id = check_id("product_id", product_id)
        return await self._requester.get_all(
            BuyerVariant, "buyer", "products", product_id, "variants"
        )


class BuyerAPI:
    """The endpoints for buyer (retailer) accounts: ``products`` and ``orders``.

    Usage::

        order = await client.buyer.orders.get("5f4e2b1c9ad9340010451234")
    """

    def __init__(self, requester: Requester, *, retry: RetryPolicy, deadline: float | None) -> None:
        self.products = BuyerProducts(requester)
        """``/buyer/products``."""
        self.orders = BuyerOrders(requester, retry=retry, deadline=deadline)
        """``/buyer/orders``, with exactly-once creation."""
