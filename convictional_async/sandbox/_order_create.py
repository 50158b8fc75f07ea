"""Creating a buyer order (``POST /buyer/orders``) and splitting it by seller.

Every line names a variant the buyer can see (``items[n].variantId``), with a
``buyerReference`` unique within the order and a quantity from 1 to 100,000 (at most 250
lines); the address needs ``name``, ``addressOne``, ``city``, ``state``, ``country`` and
``zip``; ``orderedDate`` is an RFC 3339 timestamp or null. Lines are split into one seller
order per seller, in the order they first appear, each item priced for the buyer. A second
order with the same ``buyerReference`` from the same buyer follows
``SandboxConfig.duplicate_buyer_reference``. The stock is not checked or changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Final

from ._accounts import Company
from ._errors import ApiError
from ._lifecycle import advance
from ._orders import BuyerOrder, OrderItem, OrderLine, SellerOrder
from ._state import MAX_ORDERS, SandboxState
from ._validation import MAX_NAME, Checker

__all__ = ["create_order"]

MAX_QUANTITY: Final = 100_000
MAX_LINES: Final = 250
_ADDRESS_REQUIRED: Final = ("name", "addressOne", "city", "state", "country", "zip")
_ADDRESS_OPTIONAL: Final = ("addressTwo", "company", "phoneNumber")


def create_order(state: SandboxState, buyer: Company, body: dict[str, Any]) -> BuyerOrder:
    """Validate a ``BuyerOrderCreate`` body and store the order, split by seller."""
    check = Checker(body)
    address = _address(check)
    reference = check.text("buyerReference", required=True, max_length=MAX_NAME)
    ordered = check.datetime_text("orderedDate", required=True, nullable=True)
    wanted = _lines(state, buyer, check)
    now = state.now()
    order = BuyerOrder(
        id="",
        buyer=buyer,
        buyer_reference=reference or "",
        ordered_date=ordered,
        created=now,
        updated=now,
        address=address or {},
        customer_reference=check.text("customerReference", max_length=MAX_NAME) or "",
        customer_email=check.text("customerEmail", max_length=MAX_NAME) or "",
        note=check.text("note") or "",
        is_test=bool(check.boolean("isTest")),
        metafields=check.obj("metafields") or {},
        attributes=check.obj("attributes") or {},
        shipping_methods=check.array("shippingMethods", max_items=20) or [],
    )
    check.raise_if_any()
    _check_duplicate(state, buyer, order.buyer_reference)
    if len(state.orders) >= MAX_ORDERS:
        raise ApiError.general(422, f"the sandbox holds at most {MAX_ORDERS} orders")
    order.id = state.ids.object_id()
    _split(state, order, wanted, now)
    state.orders[order.id] = order
    for seller_order in order.seller_orders:
        state.seller_orders[seller_order.id] = seller_order
        advance(seller_order, now=now, config=state.config, ids=state.ids)
    return order


def _address(check: Checker) -> dict[str, Any] | None:
    raw = check.obj("address", required=True)
    if raw is None:
        return None
    nested = check.nested(raw, "address")
    address = {
        key: nested.text(key, required=True, max_length=MAX_NAME) for key in _ADDRESS_REQUIRED
    }
    for key in _ADDRESS_OPTIONAL:
        address[key] = nested.text(key, max_length=MAX_NAME) or ""
    return address


def _lines(state: SandboxState, buyer: Company, check: Checker) -> list[tuple[str, str, int]]:
    """Check the ``items``; return (variantId, buyerReference, quantity) per valid line."""
    items = check.array("items", required=True, min_items=1, max_items=MAX_LINES)
    lines: list[tuple[str, str, int]] = []
    seen: set[str] = set()
    for _, _, line in check.objects("items", items):
        variant_id = line.text("variantId", required=True, max_length=MAX_NAME)
        reference = line.text("buyerReference", required=True, max_length=MAX_NAME)
        quantity = line.integer("quantity", low=1, high=MAX_QUANTITY, required=True)
        found = state.variant(variant_id) if variant_id else None
        if variant_id and (found is None or not state.visible_to(found[0], buyer)):
            line.add("variantId", "is not a variant available to this buyer")
        if reference is not None and reference in seen:
            line.add("buyerReference", "must be unique for each line item")
        if reference is not None:
            seen.add(reference)
        if variant_id and reference and quantity:
            lines.append((variant_id, reference, quantity))
    return lines


def _check_duplicate(state: SandboxState, buyer: Company, reference: str) -> None:
    policy = state.config.duplicate_buyer_reference
    if policy == "allow":
        return
    taken = any(o.buyer is buyer and o.buyer_reference == reference for o in state.orders.values())
    if not taken:
        return
    message = "an order with this buyerReference already exists"
    if policy == "conflict":
        raise ApiError(409, {"buyerReference": [message]})
    raise ApiError.invalid("buyerReference", message)


def _split(
    state: SandboxState, order: BuyerOrder, wanted: Sequence[tuple[str, str, int]], now: datetime
) -> None:
    by_seller: dict[str, SellerOrder] = {}
    for variant_id, reference, quantity in wanted:
        found = state.variant(variant_id)
        assert found is not None  # checked by _lines
        product, variant = found
        seller = state.companies[product.company_id]
        seller_order = by_seller.get(seller.id)
        if seller_order is None:
            seller_order = SellerOrder(
                id=state.ids.object_id(),
                code=f"SO-{1001 + len(state.seller_orders) + len(by_seller)}",
                buyer_order=order,
                seller=seller,
                items=[],
                created=now,
                updated=now,
            )
            by_seller[seller.id] = seller_order
            order.seller_orders.append(seller_order)
        base, retail = state.buyer_prices(order.buyer, product, variant)
        item = OrderItem(
            id=state.ids.object_id(),
            product_id=product.id,
            variant_id=variant.id,
            sku=variant.sku,
            title=f"{product.title} - {variant.title}",
            buyer_reference=reference,
            quantity=quantity,
            base_price=base,
            retail_price=retail,
        )
        seller_order.items.append(item)
        order.lines.append(
            OrderLine(
                id=state.ids.object_id(),
                product_id=product.id,
                variant_id=variant.id,
                buyer_reference=reference,
                seller_order_id=seller_order.id,
                seller_order_item_id=item.id,
                quantity=quantity,
                retail_price=retail,
            )
        )
