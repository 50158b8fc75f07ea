"""Orders: a buyer order split into one seller order per seller, and what happens to them.

A ``BuyerOrder`` keeps the lines as the buyer sent them (``items``; cancellations never change
them) and one ``SellerOrder`` per seller, whose ``items`` carry the state: quantities
fulfilled and refunded, and cancellation. A seller order's four flags are dates (None: not
yet): ``posted`` (in the seller's system), ``shipped`` (Buyer API: ``fulfilled``; every
uncancelled item shipped in full), ``billed`` (Buyer API: ``invoiced``) and ``refunded``.
The rules that move them are in ``_lifecycle``.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs

from ._accounts import Company

__all__ = [
    "BuyerOrder",
    "Fulfillment",
    "FulfillmentLine",
    "Invoice",
    "InvoiceLine",
    "OrderItem",
    "OrderLine",
    "Refund",
    "RefundLine",
    "SellerOrder",
]


@attrs.define(kw_only=True, eq=False)
class OrderLine:
    """One line of a buyer order, as created (top-level ``items``)."""

    id: str
    product_id: str
    variant_id: str
    buyer_reference: str
    seller_order_id: str
    seller_order_item_id: str
    quantity: int
    retail_price: Decimal


@attrs.define(kw_only=True, eq=False)
class OrderItem:
    """One item of a seller order, with what has happened to it."""

    id: str
    product_id: str
    variant_id: str
    sku: str
    title: str
    buyer_reference: str
    quantity: int
    base_price: Decimal
    retail_price: Decimal
    fulfilled: int = 0
    refunded: int = 0
    cancelled: bool = False
    cancelled_reason: str = ""
    cancelled_by: str = ""
    cancelled_date: datetime | None = None

    @property
    def unfulfilled(self) -> int:
        """Return the quantity not yet shipped."""
        return self.quantity - self.fulfilled


@attrs.define(kw_only=True, eq=False)
class FulfillmentLine:
    """A quantity of one order item in a fulfillment."""

    id: str
    order_item_id: str
    quantity: int


@attrs.define(kw_only=True, eq=False)
class Fulfillment:
    """A shipment of some items of a seller order."""

    id: str
    carrier: str
    tracking_code: str
    tracking_urls: list[str]
    lines: list[FulfillmentLine]
    created: datetime


@attrs.define(kw_only=True, eq=False)
class InvoiceLine:
    """One invoiced item: its shipped quantity times its base price, in cents."""

    id: str
    amount_cents: int
    reference: str
    reference_id: str


@attrs.define(kw_only=True, eq=False)
class Invoice:
    """The seller's invoice for a shipped order."""

    id: str
    created: datetime
    due: datetime
    currency: str
    lines: list[InvoiceLine]
    taxes: list[tuple[Decimal, str]]


@attrs.define(kw_only=True, eq=False)
class RefundLine:
    """A refunded quantity of one item (``ItemId``, ``Reason``, ``QuantityToRefund``)."""

    item_id: str
    reason: str
    quantity: int


@attrs.define(kw_only=True, eq=False)
class Refund:
    """One entry of a seller order's refunds."""

    id: str
    cancel_unfulfilled: bool
    lines: list[RefundLine]
    created: datetime


@attrs.define(kw_only=True, eq=False)
class SellerOrder:
    """The part of a buyer order that one seller ships."""

    id: str
    code: str
    buyer_order: BuyerOrder
    seller: Company
    items: list[OrderItem]
    created: datetime
    updated: datetime
    posted_date: datetime | None = None
    shipped_date: datetime | None = None
    billed_date: datetime | None = None
    refunded_date: datetime | None = None
    billed_externally: bool = False
    has_cancellations: bool = False
    note: str = ""
    attributes: list[dict[str, Any]] = attrs.field(factory=list)
    fulfillments: list[Fulfillment] = attrs.field(factory=list)
    invoice: Invoice | None = None
    refunds: list[Refund] = attrs.field(factory=list)

    def item(self, item_id: str) -> OrderItem | None:
        """Return the item with this id, or None."""
        return next((item for item in self.items if item.id == item_id), None)

    def touch(self, now: datetime) -> None:
        """Mark this seller order and its buyer order as updated at ``now`` (never earlier)."""
        self.updated = max(self.updated, now)
        self.buyer_order.updated = max(self.buyer_order.updated, now)


@attrs.define(kw_only=True, eq=False)
class BuyerOrder:
    """A buyer's order, split into one seller order per seller."""

    id: str
    buyer: Company
    buyer_reference: str
    ordered_date: str | None
    created: datetime
    updated: datetime
    address: dict[str, Any]
    customer_reference: str = ""
    customer_email: str = ""
    note: str = ""
    is_test: bool = False
    metafields: dict[str, Any] = attrs.field(factory=dict)
    attributes: dict[str, Any] = attrs.field(factory=dict)
    shipping_methods: list[Any] = attrs.field(factory=list)
    lines: list[OrderLine] = attrs.field(factory=list)
    seller_orders: list[SellerOrder] = attrs.field(factory=list)

    def seller_order(self, seller_order_id: str) -> SellerOrder | None:
        """Return the seller order with this id, or None."""
        return next((s for s in self.seller_orders if s.id == seller_order_id), None)
