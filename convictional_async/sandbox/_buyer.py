"""Buyer API handlers (reference 9.3): products, variants, orders, cancellations, refunds.

Envelopes: lists ``{"data": [...], "hasMore", "next", "previous", "error": []}``, single
resources ``{"data": {...}, "error": []}``, ``/variants`` ``{"data": [...]}``. Defaults and
choices: products are listed in catalogue order, 25 per page; orders oldest first, 50 per
page, ``updatedMin`` (RFC 3339) keeps orders updated at or after it. ``POST /buyer/orders``
answers as ``SandboxConfig.order_create_response`` says. Undocumented answers: an order
cancel and an item cancel return ``{"data": BuyerOrder, "error": []}``; a refund returns
``{"data": <refund>, "error": []}``. A buyer cancel cancels whatever has not shipped in every
seller order (there is no ``unfulfilledOnly`` in its body); it is refused when nothing is
left to cancel. Refund items may use the Seller names (``ItemId``, ``Reason``,
``QuantityToRefund``) or camelCase ones.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ._errors import ApiError
from ._http import call_of, json_reply, read_json, reply_text
from ._ids import parse_rfc3339
from ._item_changes import cancel_item_from_request, refund_from_body
from ._lifecycle import cancel_order
from ._order_create import create_order
from ._order_views import buyer_order, refund_view
from ._orders import BuyerOrder, SellerOrder
from ._paging import page_of, paged_envelope
from ._product_views import buyer_product, buyer_variant
from ._state import SandboxState
from ._validation import MAX_NAME, Checker, as_object

__all__ = ["BuyerHandlers"]


def _data(data: Any) -> web.Response:
    return json_reply({"data": data, "error": []})


class BuyerHandlers:
    """The Buyer API's handlers, bound to one sandbox's state."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state

    def _product(self, request: web.Request) -> Any:
        buyer = call_of(request).user.company
        product = self.state.products.get(request.match_info["productId"])
        if product is None or not self.state.visible_to(product, buyer):
            raise ApiError.not_found("product")
        return product

    async def list_products(self, request: web.Request) -> web.Response:
        """``GET /buyer/products``: products of partnered sellers, paginated."""
        buyer = call_of(request).user.company
        seller = request.query.get("companyId")
        products = [
            p
            for p in self.state.products.values()
            if (not seller or p.company_id == seller) and self.state.visible_to(p, buyer)
        ]
        page = page_of(products, request.query, default_limit=25)
        data = [buyer_product(self.state, buyer, p) for p in page.items]
        return json_reply(paged_envelope(request.url, page, data, error_key=True))

    async def get_product(self, request: web.Request) -> web.Response:
        """``GET /buyer/products/{productId}``."""
        buyer = call_of(request).user.company
        return _data(buyer_product(self.state, buyer, self._product(request)))

    async def product_variants(self, request: web.Request) -> web.Response:
        """``GET /buyer/products/{productId}/variants``: ``{"data": [variant, ...]}``."""
        buyer = call_of(request).user.company
        product = self._product(request)
        variants = [buyer_variant(self.state, buyer, product, v) for v in product.variants]
        return json_reply({"data": variants})

    async def create_order(self, request: web.Request) -> web.Response:
        """``POST /buyer/orders``: create an order, split by seller."""
        buyer = call_of(request).user.company
        order = create_order(self.state, buyer, as_object(await read_json(request)))
        shape = self.state.config.order_create_response
        if shape == "envelope":
            return _data(buyer_order(order))
        if shape == "id_json":
            return json_reply(order.id)
        if shape == "id_text":
            return reply_text(order.id)
        return json_reply(buyer_order(order))

    async def list_orders(self, request: web.Request) -> web.Response:
        """``GET /buyer/orders``: this buyer's orders, oldest first, paginated."""
        buyer = call_of(request).user.company
        raw = request.query.get("updatedMin")
        since = parse_rfc3339(raw) if raw else None
        if raw and since is None:
            raise ApiError.invalid("updatedMin", "must be an RFC 3339 timestamp")
        orders = [
            o
            for o in self.state.orders.values()
            if o.buyer is buyer and (since is None or o.updated >= since)
        ]
        page = page_of(orders, request.query, default_limit=50)
        data = [buyer_order(o) for o in page.items]
        return json_reply(paged_envelope(request.url, page, data, error_key=True))

    def _order(self, request: web.Request) -> BuyerOrder:
        buyer = call_of(request).user.company
        order = self.state.orders.get(request.match_info["orderId"])
        if order is None or order.buyer is not buyer:
            raise ApiError.not_found("order")
        return order

    def _seller_order(self, request: web.Request) -> SellerOrder:
        seller_order = self._order(request).seller_order(request.match_info["sellerOrderId"])
        if seller_order is None:
            raise ApiError.not_found("seller order")
        return seller_order

    async def get_order(self, request: web.Request) -> web.Response:
        """``GET /buyer/orders/{orderId}``."""
        return _data(buyer_order(self._order(request)))

    async def cancel_order(self, request: web.Request) -> web.Response:
        """``POST /buyer/orders/{orderId}/cancel``: cancel everything not yet shipped."""
        order = self._order(request)
        check = Checker(as_object(await read_json(request)))
        reason = check.text("reason", max_length=MAX_NAME) or ""
        check.raise_if_any()
        open_orders = [
            s for s in order.seller_orders if any(i.unfulfilled for i in s.items if not i.cancelled)
        ]
        if not open_orders:
            raise ApiError.invalid("general", "nothing in this order is left to cancel")
        now = self.state.now()
        for seller_order in open_orders:
            cancel_order(
                seller_order,
                reason=reason,
                unfulfilled_only=True,
                by="buyer",
                now=now,
                ids=self.state.ids,
            )
        return _data(buyer_order(order))

    async def cancel_item(self, request: web.Request) -> web.Response:
        """``POST .../seller-orders/{sellerOrderId}/items/{itemId}/cancel``."""
        seller_order = self._seller_order(request)
        await cancel_item_from_request(self.state, seller_order, request, by="buyer")
        return _data(buyer_order(seller_order.buyer_order))

    async def refund(self, request: web.Request) -> web.Response:
        """``POST .../seller-orders/{sellerOrderId}/refunds``: refund items."""
        seller_order = self._seller_order(request)
        refund = refund_from_body(
            self.state, seller_order, as_object(await read_json(request)), by="buyer"
        )
        return _data(refund_view(refund))
