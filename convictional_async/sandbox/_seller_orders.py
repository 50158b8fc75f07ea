"""Seller API order handlers (reference 9.1): list, get, update, cancel, fulfil, invoice, refund.

``GET /orders`` is a bare array (no later change is documented), oldest first, 50 per page,
filtered by ``shipped``, ``posted``, ``billed``, ``refunded`` (``true``/``false``),
``createdMin`` (RFC 3339) and, as clients send them, ``sellerOrderCode`` and
``buyerOrderCode``. Single orders and every write answer the bare ``Order`` in the requested
version's shape, except: item cancel answers the cancelled ``OrderItem``, fulfillment
``{"id": ...}``, invoice ``{"data": Invoice, "error": []}`` and refund the
``SellerOrderRefund``. With ``SandboxConfig.auto_post_after=None`` an order is posted when
its seller first reads it. ``PATCH`` ``billed``: true only when not billed yet (billed
outside Convictional); false only when it was billed outside and is not refunded.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Final

from aiohttp import web

from ._errors import ApiError
from ._http import call_of, json_reply, read_json
from ._ids import parse_rfc3339
from ._item_changes import cancel_item_from_request, refund_from_body
from ._lifecycle import add_fulfillment, add_invoice, cancel_order, mark_posted
from ._order_views import invoice_view, refund_view, seller_item, seller_order
from ._orders import OrderItem, SellerOrder
from ._paging import bool_param, page_of
from ._state import SandboxState
from ._validation import MAX_NAME, Checker, as_object

__all__ = ["SellerOrderHandlers"]

_FLAGS: Final = {
    "posted": "posted_date",
    "shipped": "shipped_date",
    "billed": "billed_date",
    "refunded": "refunded_date",
}
_TAX_TYPES: Final = ("GS", "SP")


class SellerOrderHandlers:
    """The Seller API's order handlers, bound to one sandbox's state."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state

    def _read(self, order: SellerOrder) -> None:
        """Post an order on its seller's first read, when posting waits for that."""
        if self.state.config.auto_post_after is None:
            mark_posted(order, self.state.now())

    def _order(self, request: web.Request) -> SellerOrder:
        seller = call_of(request).user.company
        order = self.state.seller_orders.get(request.match_info["orderId"])
        if order is None or order.seller is not seller:
            raise ApiError.not_found("order")
        return order

    def _reply(self, request: web.Request, order: SellerOrder) -> web.Response:
        return json_reply(seller_order(order, call_of(request).version))

    async def list_orders(self, request: web.Request) -> web.Response:
        """``GET /orders``: this seller's orders, as a bare array."""
        seller = call_of(request).user.company
        query = request.query
        wanted = {flag: bool_param(query, flag) for flag in _FLAGS}
        raw = query.get("createdMin")
        since = parse_rfc3339(raw) if raw else None
        if raw and since is None:
            raise ApiError.invalid("createdMin", "must be an RFC 3339 timestamp")
        codes = {
            "sellerOrderCode": query.get("sellerOrderCode"),
            "buyerOrderCode": query.get("buyerOrderCode"),
        }
        orders = [
            o
            for o in self.state.seller_orders.values()
            if o.seller is seller
            and (since is None or o.created >= since)
            and all(
                w is None or (getattr(o, _FLAGS[f]) is not None) is w for f, w in wanted.items()
            )
            and (not codes["sellerOrderCode"] or o.code == codes["sellerOrderCode"])
            and (
                not codes["buyerOrderCode"]
                or o.buyer_order.buyer_reference == codes["buyerOrderCode"]
            )
        ]
        page = page_of(orders, query, default_limit=50)
        for order in page.items:
            self._read(order)
        version = call_of(request).version
        return json_reply([seller_order(o, version) for o in page.items])

    async def get_order(self, request: web.Request) -> web.Response:
        """``GET /orders/{orderId}``."""
        order = self._order(request)
        self._read(order)
        return self._reply(request, order)

    async def patch_order(self, request: web.Request) -> web.Response:
        """``PATCH /orders/{orderId}``: ``billed``, ``note``, ``attributes``."""
        order = self._order(request)
        check = Checker(as_object(await read_json(request)))
        billed = check.boolean("billed")
        note = check.text("note")
        attributes = check.array("attributes", max_items=100)
        if attributes is not None and not all(isinstance(a, dict) for a in attributes):
            check.add("attributes", "must be an array of objects")
        if billed is True and order.billed_date is not None:
            check.add("billed", "the order is already billed")
        if (
            billed is False
            and order.billed_date is not None
            and (not order.billed_externally or order.refunded_date is not None)
        ):
            check.add(
                "billed",
                "only an order billed outside Convictional and not refunded can be unbilled",
            )
        check.raise_if_any()
        now = self.state.now()
        if billed is not None and (billed != (order.billed_date is not None)):
            order.billed_date, order.billed_externally = (now, True) if billed else (None, False)
        if note is not None:
            order.note = note
        if attributes is not None:
            order.attributes = attributes
        order.touch(now)
        return self._reply(request, order)

    async def cancel_order(self, request: web.Request) -> web.Response:
        """``POST /orders/{orderId}/cancel``: ``reason``, ``unfulfilledOnly``."""
        order = self._order(request)
        check = Checker(as_object(await read_json(request)))
        reason = check.text("reason", max_length=MAX_NAME) or ""
        unfulfilled_only = bool(check.boolean("unfulfilledOnly"))
        check.raise_if_any()
        cancel_order(
            order,
            reason=reason,
            unfulfilled_only=unfulfilled_only,
            by="seller",
            now=self.state.now(),
            ids=self.state.ids,
        )
        return self._reply(request, order)

    async def cancel_item(self, request: web.Request) -> web.Response:
        """``POST /orders/{orderId}/items/{itemId}/cancel``: ``reason``, ``newQuantity``."""
        order = self._order(request)
        item = await cancel_item_from_request(self.state, order, request, by="seller")
        return json_reply(seller_item(item))

    async def fulfil(self, request: web.Request) -> web.Response:
        """``POST /orders/{orderId}/fulfillments``: ship items; answers ``{"id": ...}``."""
        order = self._order(request)
        check = Checker(as_object(await read_json(request)))
        carrier = check.text("carrier", max_length=MAX_NAME) or ""
        numbers = check.strings("trackingNumbers", max_items=20) or []
        tracking = check.text("trackingCode", max_length=MAX_NAME) or (
            numbers[0] if numbers else ""
        )
        urls = check.strings("trackingUrls", max_items=20) or []
        if self.state.config.require_tracking and not tracking:
            check.add("trackingCode", "is required: the buyer requires tracking information")
        lines = _fulfillment_lines(order, check)
        check.raise_if_any()
        fulfillment = add_fulfillment(
            order,
            carrier=carrier,
            tracking_code=tracking,
            tracking_urls=urls,
            lines=lines,
            now=self.state.now(),
            ids=self.state.ids,
        )
        return json_reply({"id": fulfillment.id})

    async def invoice(self, request: web.Request) -> web.Response:
        """``POST /orders/{orderId}/invoices``: ``{"data": Invoice, "error": []}``."""
        order = self._order(request)
        check = Checker(as_object(await read_json(request)))
        taxes: list[tuple[Decimal, str]] = []
        for _, _, tax in check.objects("taxes", check.array("taxes", max_items=10)):
            amount = tax.money("amount", required=True)
            kind = tax.choice("type", _TAX_TYPES, required=True)
            if amount is not None and kind is not None:
                taxes.append((amount, kind))
        check.raise_if_any()
        invoice = add_invoice(order, taxes=taxes, now=self.state.now(), ids=self.state.ids)
        return json_reply({"data": invoice_view(order, invoice), "error": []})

    async def refund(self, request: web.Request) -> web.Response:
        """``POST /orders/{orderId}/refund``: answers the ``SellerOrderRefund``."""
        order = self._order(request)
        body = as_object(await read_json(request))
        return json_reply(refund_view(refund_from_body(self.state, order, body, by="seller")))


def _fulfillment_lines(order: SellerOrder, check: Checker) -> list[tuple[str, OrderItem, int]]:
    """Read ``items`` (``id`` or, as in v2021, ``sku``, and ``quantity``) of a fulfillment."""
    lines: list[tuple[str, OrderItem, int]] = []
    items = check.array("items", required=True, min_items=1, max_items=250)
    for _, raw, entry in check.objects("items", items):
        key = "sku" if "id" not in raw and "sku" in raw else "id"
        wanted = entry.text(key, required=True, max_length=MAX_NAME)
        quantity = entry.integer("quantity", low=1, high=100_000, required=True)
        item = _find_item(order, key, wanted)
        if wanted is not None and item is None:
            entry.add(key, "is not an item of this order")
        if item is not None and quantity is not None:
            lines.append((entry.path("quantity"), item, quantity))
    return lines


def _find_item(order: SellerOrder, key: str, wanted: Any) -> OrderItem | None:
    if wanted is None:
        return None
    if key == "id":
        return order.item(wanted)
    return next((i for i in order.items if i.sku == wanted and not i.cancelled), None)
