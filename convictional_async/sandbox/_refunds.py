"""Reading a refund body (``SellerOrderRefund``), shared by the Seller and Buyer endpoints.

Item names are PascalCase in the spec (``ItemId``, ``Reason``, ``QuantityToRefund``); the
Buyer endpoint's are undocumented, so the camelCase spellings are accepted too.
"""

from __future__ import annotations

from typing import Any, Final

from ._lifecycle import add_refund
from ._orders import OrderItem, Refund, SellerOrder
from ._state import SandboxState
from ._validation import MAX_NAME, Checker

__all__ = ["refund_from_body"]

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
    for index, raw in enumerate(
        check.array("items", required=True, min_items=1, max_items=250) or []
    ):
        if not isinstance(raw, dict):
            check.add(f"items[{index}]", "must be an object")
            continue
        entry = check.nested(raw, f"items[{index}]")
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
