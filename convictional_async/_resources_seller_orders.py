"""The Seller API's orders: ``/orders`` with cancellations, fulfillments, invoices and refunds.

``GET /orders`` answers a bare JSON array (no ``hasMore``), so listing stops at the first
page shorter than ``limit``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from ._converter import MAX_PAGE_LIMIT
from ._models_orders import (
    Invoice,
    Order,
    OrderCancellation,
    OrderFulfillment,
    OrderItem,
    OrderItemCancellation,
    OrderUpdate,
    Refund,
    SellerOrderInvoiceTax,
    SellerOrderRefund,
    Tax,
)
from ._models_shared import CreatedId
from ._resources_common import Query, Resource, check_id
from .core._serialization import UNSET, UnsetType


class SellerOrders(Resource):
    """``/orders``: the orders buyers placed with this seller.

    Usage::

        async for order in client.seller.orders.list(created_min=yesterday):
            await client.seller.orders.create_fulfillment(order.id, fulfillment)
    """

    def list(
        self,
        *,
        shipped: bool | None = None,
        posted: bool | None = None,
        billed: bool | None = None,
        refunded: bool | None = None,
        created_min: datetime | None = None,
        seller_order_code: str | None = None,
        buyer_order_code: str | None = None,
        limit: int = MAX_PAGE_LIMIT,
    ) -> AsyncIterator[Order]:
        """Every order matching the filters (``created_min`` timezone-aware), 1-250 a page."""
        params = (
            Query()
            .flag("shipped", shipped)
            .flag("posted", posted)
            .flag("billed", billed)
            .flag("refunded", refunded)
            .time("created_min", created_min)
            .text("seller_order_code", seller_order_code)
            .text("buyer_order_code", buyer_order_code)
            .params
        )
        return self._requester.iterate(Order, ("orders",), params, limit=limit)

    async def get(self, order_id: str) -> Order:
        """One order."""
        return await self._requester.get(Order, "orders", check_id("order_id", order_id))

    async def update(
        self,
        order_id: str,
        *,
        billed: bool | UnsetType = UNSET,
        note: str | UnsetType = UNSET,
        attributes: Sequence[Mapping[str, Any]] | UnsetType = UNSET,
    ) -> Order:
        """Mark an order billed outside Convictional, or change its note or attributes."""
        segments = ("orders", check_id("order_id", order_id))
        body = OrderUpdate(
            billed=billed,
            note=note,
            attributes=attributes if isinstance(attributes, UnsetType) else tuple(attributes),
        )
        return await self._requester.send_json("PATCH", Order, segments, body, idempotent=True)

    async def cancel(
        self,
        order_id: str,
        *,
        reason: str | UnsetType = UNSET,
        unfulfilled_only: bool | UnsetType = UNSET,
    ) -> Order:
        """Cancel an order (a partly fulfilled one needs ``unfulfilled_only=True``)."""
        segments = ("orders", check_id("order_id", order_id), "cancel")
        body = OrderCancellation(reason=reason, unfulfilled_only=unfulfilled_only)
        return await self._requester.send_json("POST", Order, segments, body, idempotent=False)

    async def cancel_item(
        self,
        order_id: str,
        item_id: str,
        *,
        reason: str | UnsetType = UNSET,
        new_quantity: int | UnsetType = UNSET,
    ) -> OrderItem:
        """Cancel an item, or all of it but ``new_quantity`` (a new item keeps the rest)."""
        segments = (
            "orders",
            check_id("order_id", order_id),
            "items",
            check_id("item_id", item_id),
            "cancel",
        )
        body = OrderItemCancellation(reason=reason, new_quantity=new_quantity)
        return await self._requester.send_json("POST", OrderItem, segments, body, idempotent=False)

    async def create_fulfillment(self, order_id: str, fulfillment: OrderFulfillment) -> str:
        """Record a shipment; returns the new fulfillment's id."""
        segments = ("orders", check_id("order_id", order_id), "fulfillments")
        if not isinstance(fulfillment, OrderFulfillment):
            raise ValueError("fulfillment must be an OrderFulfillment")
        created = await self._requester.send_json(
            "POST", CreatedId, segments, fulfillment, idempotent=False
        )
        return created.id

    async def create_invoice(self, order_id: str, *, taxes: Sequence[Tax]) -> Invoice:
        """Invoice a shipped order with its taxes (``GS`` or ``SP``)."""
        segments = ("orders", check_id("order_id", order_id), "invoices")
        if isinstance(taxes, str | bytes) or not isinstance(taxes, Sequence):
            raise ValueError("taxes must be a list of Tax")
        body = SellerOrderInvoiceTax(taxes=tuple(taxes))
        return await self._requester.send_json("POST", Invoice, segments, body, idempotent=False)

    async def refund(self, order_id: str, refund: SellerOrderRefund) -> Refund:
        """Add a refund to an order (no return shipping or payout)."""
        segments = ("orders", check_id("order_id", order_id), "refund")
        if not isinstance(refund, SellerOrderRefund):
            raise ValueError("refund must be a SellerOrderRefund")
        return await self._requester.send_json("POST", Refund, segments, refund, idempotent=False)
