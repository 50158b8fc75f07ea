"""How seller orders move: post, cancel, fulfil, invoice, refund, advance by the clock.

Rules (reference 9.1, 9.3); a broken rule raises a validation ``ApiError`` (creating and
splitting an order is ``_order_create``):

* **Cancel an order**: not when every item is already cancelled, nor when every uncancelled
  item is shipped. When some items are (partly) shipped, ``unfulfilledOnly`` must be true:
  unshipped items are cancelled, a partly shipped item is cancelled and replaced by a new
  item for the shipped quantity, and the order counts as shipped. ``hasCancellations`` turns
  true for good.
* **Cancel an item**: in full by default (only when nothing of it shipped); with
  ``newQuantity`` (at least the shipped quantity, less than the quantity) the item is
  cancelled and a new item with a new id keeps ``newQuantity``. Shipped items cannot be
  cancelled.
* **Fulfil**: items by id (or, as in the v2021 body, by ``sku``), each quantity at most what
  is left to ship; cancelled items cannot be shipped. The order is shipped once every
  uncancelled item is.
* **Invoice**: only once shipped, only once; the lines are shipped quantities times base
  prices, in cents; taxes are ``GS`` or ``SP``.
* **Refund**: each ``QuantityToRefund`` at most the quantity not yet refunded (sandbox
  reading of "less than the remaining quantity"); ``cancelUnfulfilled`` also cancels what of
  the refunded items has not shipped.
* **Advance** (on every request, by the sandbox clock): posting, shipping and invoicing after
  the ``auto_*_after`` delays of ``SandboxConfig``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Final

from ._config import SandboxConfig
from ._errors import ApiError
from ._ids import IdFactory
from ._orders import (
    Fulfillment,
    FulfillmentLine,
    Invoice,
    InvoiceLine,
    OrderItem,
    Refund,
    RefundLine,
    SellerOrder,
)
from ._validation import Checker

__all__ = [
    "add_fulfillment",
    "add_invoice",
    "add_refund",
    "advance",
    "cancel_item",
    "cancel_order",
    "mark_posted",
]

_AUTO_CARRIER: Final = "Sandbox Post"
_DUE: Final = timedelta(days=30)


def mark_posted(order: SellerOrder, now: datetime) -> None:
    """Mark a seller order as created in the seller's system (once)."""
    if order.posted_date is None:
        order.posted_date = now
        order.touch(now)


def _refresh_shipped(order: SellerOrder, now: datetime) -> None:
    """Set the shipped date once every uncancelled item has shipped in full."""
    open_items = [item for item in order.items if not item.cancelled]
    if order.shipped_date is None and open_items and all(i.unfulfilled == 0 for i in open_items):
        order.shipped_date = now


def _cancel(item: OrderItem, *, reason: str, by: str, now: datetime) -> None:
    item.cancelled = True
    item.cancelled_reason = reason
    item.cancelled_by = by
    item.cancelled_date = now


def _keep(order: SellerOrder, item: OrderItem, quantity: int, ids: IdFactory) -> OrderItem:
    """Add a new uncancelled item for ``quantity`` of ``item``, carrying what it shipped."""
    remainder = OrderItem(
        id=ids.object_id(),
        product_id=item.product_id,
        variant_id=item.variant_id,
        sku=item.sku,
        title=item.title,
        buyer_reference=item.buyer_reference,
        quantity=quantity,
        base_price=item.base_price,
        retail_price=item.retail_price,
        fulfilled=item.fulfilled,
        refunded=min(item.refunded, quantity),
    )
    order.items.append(remainder)
    return remainder


def cancel_order(
    order: SellerOrder,
    *,
    reason: str,
    unfulfilled_only: bool,
    by: str,
    now: datetime,
    ids: IdFactory,
) -> None:
    """Cancel a whole seller order (or its unshipped part), as ``by`` (buyer or seller)."""
    open_items = [item for item in order.items if not item.cancelled]
    if not open_items:
        raise ApiError.invalid("general", "the order is already cancelled")
    if all(item.unfulfilled == 0 for item in open_items):
        raise ApiError.invalid("general", "the order is already fulfilled")
    if any(item.fulfilled for item in open_items) and not unfulfilled_only:
        raise ApiError.invalid(
            "unfulfilledOnly", "must be true to cancel a partially fulfilled order"
        )
    for item in open_items:
        if item.unfulfilled == 0:
            continue
        _cancel(item, reason=reason, by=by, now=now)
        if item.fulfilled:
            _keep(order, item, item.fulfilled, ids)
    order.has_cancellations = True
    _refresh_shipped(order, now)
    order.touch(now)


def cancel_item(
    order: SellerOrder,
    item: OrderItem,
    *,
    reason: str,
    new_quantity: int | None,
    by: str,
    now: datetime,
    ids: IdFactory,
) -> OrderItem | None:
    """Cancel an item in full, or down to ``new_quantity``; return the new item, if any."""
    if item.cancelled:
        raise ApiError.invalid("general", "the item is already cancelled")
    if item.unfulfilled == 0:
        raise ApiError.invalid("general", "fulfilled items cannot be cancelled")
    keep = new_quantity or 0
    if keep < item.fulfilled or keep >= item.quantity:
        low = item.fulfilled
        raise ApiError.invalid(
            "newQuantity",
            f"must be at least {low} (the fulfilled quantity) and less than {item.quantity}",
        )
    _cancel(item, reason=reason, by=by, now=now)
    remainder = _keep(order, item, keep, ids) if keep else None
    order.has_cancellations = True
    _refresh_shipped(order, now)
    order.touch(now)
    return remainder


def add_fulfillment(
    order: SellerOrder,
    *,
    carrier: str,
    tracking_code: str,
    tracking_urls: list[str],
    lines: Sequence[tuple[str, OrderItem, int]],
    now: datetime,
    ids: IdFactory,
) -> Fulfillment:
    """Ship ``lines`` (field path, item, quantity) of a seller order."""
    check = Checker({})
    for path, item, quantity in lines:
        if item.cancelled:
            check.add(path, "cancelled items cannot be fulfilled")
        elif quantity > item.unfulfilled:
            check.add(path, f"quantity must be at most {item.unfulfilled} (left to ship)")
    check.raise_if_any()
    fulfillment = Fulfillment(
        id=ids.object_id(),
        carrier=carrier,
        tracking_code=tracking_code,
        tracking_urls=tracking_urls,
        lines=[
            FulfillmentLine(id=ids.object_id(), order_item_id=i.id, quantity=q) for _, i, q in lines
        ],
        created=now,
    )
    for _, item, quantity in lines:
        item.fulfilled += quantity
    order.fulfillments.append(fulfillment)
    _refresh_shipped(order, now)
    order.touch(now)
    return fulfillment


def add_invoice(
    order: SellerOrder, *, taxes: list[tuple[Decimal, str]], now: datetime, ids: IdFactory
) -> Invoice:
    """Invoice a shipped seller order (once)."""
    if order.shipped_date is None:
        raise ApiError.invalid(
            "general", "an invoice can only be created once the order has shipped"
        )
    if order.billed_date is not None:
        raise ApiError.invalid("general", "the order is already billed")
    invoice = Invoice(
        id=ids.object_id(),
        created=now,
        due=now + _DUE,
        currency="USD",
        lines=[
            InvoiceLine(
                id=ids.object_id(),
                amount_cents=int(item.base_price * item.fulfilled * 100),
                reference=item.sku,
                reference_id=item.id,
            )
            for item in order.items
            if item.fulfilled
        ],
        taxes=taxes,
    )
    order.invoice = invoice
    order.billed_date = now
    order.touch(now)
    return invoice


def add_refund(
    order: SellerOrder,
    *,
    cancel_unfulfilled: bool,
    lines: Sequence[tuple[str, OrderItem, str, int]],
    by: str,
    now: datetime,
    ids: IdFactory,
) -> Refund:
    """Refund ``lines`` (field path, item, reason, quantity) of a seller order."""
    check = Checker({})
    for path, item, _, quantity in lines:
        if quantity > item.quantity - item.refunded:
            check.add(path, f"QuantityToRefund must be at most {item.quantity - item.refunded}")
    check.raise_if_any()
    refund = Refund(
        id=ids.object_id(),
        cancel_unfulfilled=cancel_unfulfilled,
        lines=[
            RefundLine(item_id=item.id, reason=reason, quantity=q) for _, item, reason, q in lines
        ],
        created=now,
    )
    for _, item, reason, quantity in lines:
        item.refunded += quantity
        if cancel_unfulfilled and not item.cancelled and item.unfulfilled:
            _cancel(item, reason=reason or "refunded", by=by, now=now)
            order.has_cancellations = True
            if item.fulfilled:
                _keep(order, item, item.fulfilled, ids)
    order.refunds.append(refund)
    order.refunded_date = order.refunded_date or now
    _refresh_shipped(order, now)
    order.touch(now)
    return refund


def advance(order: SellerOrder, *, now: datetime, config: SandboxConfig, ids: IdFactory) -> None:
    """Post, ship and invoice a seller order once the ``auto_*_after`` delays have passed.

    Each step is dated when it fell due, not when the sandbox noticed.
    """
    post_at = _due(order.created, config.auto_post_after, now)
    if post_at is not None:
        mark_posted(order, post_at)
    ship_at = _due(order.created, config.auto_fulfil_after, now)
    if ship_at is not None and order.posted_date is not None and order.shipped_date is None:
        lines = [("items", item, item.unfulfilled) for item in order.items if not item.cancelled]
        code = f"SBX{order.code.removeprefix('SO-')}{len(order.fulfillments) + 1:02d}"
        add_fulfillment(
            order,
            carrier=_AUTO_CARRIER,
            tracking_code=code,
            tracking_urls=[],
            lines=[line for line in lines if line[2]],
            now=max(ship_at, order.posted_date),
            ids=ids,
        )
    if order.shipped_date is None or order.billed_date is not None:
        return
    bill_at = _due(order.shipped_date, config.auto_invoice_after, now)
    if bill_at is not None:
        add_invoice(order, taxes=[], now=bill_at, ids=ids)


def _due(start: datetime, delay: float | None, now: datetime) -> datetime | None:
    """Return when a step ``delay`` seconds after ``start`` fell due, or None if not yet."""
    if delay is None:
        return None
    due = start + timedelta(seconds=delay)
    return due if due <= now else None
