"""Item cancellations and refunds from a request body, shared by the Seller and Buyer endpoints.

A refund's item names are PascalCase in the spec (``ItemId``, ``Reason``,
``QuantityToRefund``); the Buyer endpoint's are undocumented, so the camelCase spellings are
accepted too.
"""

from __future__ import annotations

from typing import Any, Final

from aiohttp import web

from ._errors import ApiError
from ._http import read_json
from ._lifecycle import add_refund, cancel_item
from ._orders import OrderItem, Refund, SellerOrder
from ._state import SandboxState
from ._validation import MAX_NAME, Checker, as_object

__all__ = ["cancel_item_from_request", "refund_from_body"]

_NAMES: Final = (
    ("ItemId", "itemId"),
    ("Reason", "reason"),
    ("QuantityToRefund", "quantityToRefund"),
)
_MAX_QUANTITY: Final = 100_000


def _spelling(raw: dict[str, Any], pascal: str, camel: str) -> str:
    return camel if pascal not in raw and camel in raw else pascal


def refund_from_body(
    state: SandboxState, order: SellerOrder, body: dict[str, Any], *, by: str
) -> Refund:
    """Validate a refund body against ``order`` and add the refund."""
    check = Checker(body)
    cancel_unfulfilled = bool(check.boolean("cancelUnfulfilled"))
    lines: list[tuple[str, OrderItem, str, int]] = []
    items = check.array("items", required=True, min_items=1, max_items=250)
    for _, raw, entry in check.objects("items", items):
        id_key, reason_key, quantity_key = (_spelling(raw, *names) for names in _NAMES)
        item_id = entry.text(id_key, required=True, max_length=MAX_NAME)
        reason = entry.text(reason_key, max_length=MAX_NAME) or ""
        quantity = entry.integer(quantity_key, low=1, high=_MAX_QUANTITY, required=True)
        item = order.item(item_id) if item_id else None
        if item_id and item is None:
            entry.add(id_key, "is not an item of this order")
        if item is not None and quantity is not None:
            lines.append((entry.path(quantity_key), item, reason, quantity))
    check.raise_if_any()
    return add_refund(
        order,
        cancel_unfulfilled=cancel_unfulfilled,
        lines=lines,
        by=by,
        now=state.now(),
        ids=state.ids,
    )


async def cancel_item_from_request(
    state: SandboxState, order: SellerOrder, request: web.Request, *, by: str
) -> OrderItem:
    """Cancel the item ``{itemId}`` of ``order`` as the body says (``reason``,
    ``newQuantity``); an unknown item is 404 before the body is read."""
    item = order.item(request.match_info["itemId"])
    if item is None:
        raise ApiError.not_found("item")
    check = Checker(as_object(await read_json(request)))
    reason = check.text("reason", max_length=MAX_NAME) or ""
    new_quantity = check.integer("newQuantity", low=0, high=item.quantity)
    check.raise_if_any()
    cancel_item(
        order, item, reason=reason, new_quantity=new_quantity, by=by, now=state.now(), ids=state.ids
    )
    return item
