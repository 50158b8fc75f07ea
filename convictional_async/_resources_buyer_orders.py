"""``/buyer/orders``: list, get, cancel and refund, and an order create that happens once.

Creating an order is not safe to repeat (the API has no idempotency key), so the pipeline
never retries a create that may have reached the server. :meth:`BuyerOrders.create`
reconciles instead: after an ambiguous failure it looks the order up by its
``buyerReference`` and returns it if it exists, and creates again only if it does not.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from . import _converter as wire
from ._converter import MAX_PAGE_LIMIT
from ._errors import ConflictError, ServerError, ValidationError
from ._models_buyer_orders import (
    BuyerOrder,
    BuyerOrderCancellation,
    BuyerOrderCreate,
    BuyerOrderLine,
)
from ._models_orders import OrderItemCancellation, Refund, RefundItem, SellerOrderRefund
from ._models_shared import Address
from ._resources_common import Query, Requester, check_id
from .core import Response, RetryPolicy, SDKError, TransportError
from .core._pipeline import DEFAULT, _Default
from .core._serialization import UNSET, UnsetType

RECONCILE_WINDOW = timedelta(minutes=5)
"""How far before the create the lookup's ``updatedMin`` starts (allows for clock skew)."""


def _is_ambiguous(error: SDKError) -> bool:
    """Whether a failed create may have taken effect (sent, and no definite answer)."""
    if isinstance(error, TransportError):
        return error.request_may_have_been_sent
    return isinstance(error, ServerError)


def _lines(items: object) -> tuple[BuyerOrderLine, ...]:
    if isinstance(items, str | bytes) or not isinstance(items, Sequence):
        raise ValueError("items must be a list of OrderItem (BuyerOrderLine)")
    return tuple(items)


def _decode_created(response: Response) -> BuyerOrder | str:
    """The created order, or its id when the reply holds no more than that."""
    created = wire.decode_created(response, BuyerOrder)
    if isinstance(created, BuyerOrder) and created.buyer_reference is not None:
        return created
    order_id = created if isinstance(created, str) else created.id
    try:
        return check_id("id", order_id)
    except ValueError:
        raise response.decode_error("the created order's id cannot be used in a URL") from None


def _seller_order_path(order_id: str, seller_order_id: str, *rest: str) -> tuple[str, ...]:
    """``buyer/orders/{order_id}/seller-orders/{seller_order_id}/...``, the ids checked."""
    return (
        "buyer",
        "orders",
        check_id("order_id", order_id),
        "seller-orders",
        check_id("seller_order_id", seller_order_id),
        *rest,
    )


class BuyerOrders:
    """``/buyer/orders``: a buyer's orders, each split by seller into ``seller_orders``.

    Usage::

        order = await client.buyer.orders.create(
            buyer_reference="PO-1001", ordered_date=datetime.now(UTC),
            address=Address(name="Kevin McCallister", address_one="671 Lincoln Avenue",
                            city="Winnetka", state="IL", country="US", zip="60093"),
            items=[OrderItem(variant_id=variant.id, buyer_reference="line-1", quantity=2)])
        print([(s.posted, s.fulfilled, s.invoiced, s.refunded) for s in order.seller_orders])
    """

    def __init__(self, requester: Requester, *, retry: RetryPolicy, deadline: float | None) -> None:
        self._requester = requester
        self._max_attempts = retry.max_retries + 1
        self._retry = retry
        self._deadline = deadline

    def list(
        self, *, updated_min: datetime | None = None, limit: int = MAX_PAGE_LIMIT
    ) -> AsyncIterator[BuyerOrder]:
        """Every order (``updated_min``: only those changed since; timezone-aware)."""
        params = Query().time("updated_min", updated_min).params
        return self._requester.iterate(BuyerOrder, ("buyer", "orders"), params, limit=limit)

    async def get(self, order_id: str) -> BuyerOrder:
        """One order with its seller orders and their status flags."""
        return await self._get(check_id("order_id", order_id), DEFAULT)

    async def find_by_reference(
        self, buyer_reference: str, *, updated_min: datetime | None = None
    ) -> BuyerOrder | None:
        """The order whose ``buyer_reference`` matches, or ``None``.

        Sends ``buyerReference`` (a filter the API does not document) and ``updatedMin``
        and compares every order listed, so it is right whether or not the server
        filters; without ``updated_min`` it may page through every order.
        """
        if not isinstance(buyer_reference, str) or not buyer_reference.strip():
            raise ValueError("buyer_reference must be a non-empty string")
        return await self._find(buyer_reference, updated_min, None)

    async def create(
        self,
        *,
        buyer_reference: str,
        ordered_date: datetime | None,
        address: Address,
        items: Sequence[BuyerOrderLine],
        customer_email: str | UnsetType = UNSET,
        customer_reference: str | UnsetType = UNSET,
        is_test: bool | UnsetType = UNSET,
        note: str | UnsetType = UNSET,
        attributes: Mapping[str, Any] | UnsetType = UNSET,
        metafields: Mapping[str, Any] | UnsetType = UNSET,
        shipping_methods: Sequence[Mapping[str, Any]] | UnsetType = UNSET,
    ) -> BuyerOrder:
        """Create an order once, even across dropped connections and 5xx replies.

        ``buyer_reference`` must be unique per order and each item's ``buyer_reference``
        unique within it; ``ordered_date`` must be timezone-aware (or ``None``). The
        reply may be the order, ``{"data": order}``, or just its id (then the order is
        fetched), so an order always comes back.

        After an ambiguous failure (a connection lost or a timeout once the request was
        sent, a 5xx), the order is looked up by ``buyer_reference`` (see
        :meth:`find_by_reference`, with ``updatedMin`` five minutes before the create
        began): found, it is returned; not found, the create is sent again, at most
        ``retry.max_retries`` more times, all within ``timeout.deadline``. A 409 or
        400/422 on a second attempt is also checked against a lookup.

        Exactly once cannot be guaranteed when: the server is still processing the lost
        attempt when the lookup runs (it commits later, and the retry makes a second
        order, unless the server rejects the repeated ``buyerReference``); the server
        ignores ``buyerReference`` and ``updatedMin`` and the order is not within the
        pages read before the deadline; the client's clock is more than five minutes
        ahead of the server's; or the lookup itself fails or the deadline passes. In the
        last case the create's error is raised with a note saying the outcome is unknown:
        call :meth:`find_by_reference` before creating that order again. A 2xx reply that
        cannot be read (``ResponseDecodeError``) means the order was made: find it too.
        """
        order = BuyerOrderCreate(
            address=address,
            buyer_reference=buyer_reference,
            ordered_date=ordered_date,
            items=_lines(items),
            customer_email=customer_email,
            customer_reference=customer_reference,
            is_test=is_test,
            note=note,
            attributes=attributes,
            metafields=metafields,
            shipping_methods=(
                shipping_methods
                if isinstance(shipping_methods, UnsetType)
                else tuple(shipping_methods)
            ),
        )
        return await self._create_once(order)

    async def cancel(self, order_id: str, *, reason: str | UnsetType = UNSET) -> BuyerOrder | None:
        """Cancel whatever has not shipped; the order as it is now, if the reply holds it."""
        order_id = check_id("order_id", order_id)
        body = BuyerOrderCancellation(reason=reason)
        return await self._requester.send_maybe(
            "POST", BuyerOrder, ("buyer", "orders", order_id, "cancel"), body, idempotent=False
        )

    async def cancel_item(
        self,
        order_id: str,
        seller_order_id: str,
        item_id: str,
        *,
        reason: str | UnsetType = UNSET,
        new_quantity: int | UnsetType = UNSET,
    ) -> BuyerOrder | None:
        """Cancel a seller-order item, or all of it but ``new_quantity``; the order as it
        is now, if the reply holds it (top-level ``items`` do not change)."""
        segments = (
            *_seller_order_path(order_id, seller_order_id),
            "items",
            check_id("item_id", item_id),
            "cancel",
        )
        body = OrderItemCancellation(reason=reason, new_quantity=new_quantity)
        return await self._requester.send_maybe(
            "POST", BuyerOrder, segments, body, idempotent=False
        )

    async def refund(
        self,
        order_id: str,
        seller_order_id: str,
        *,
        items: Sequence[RefundItem],
        cancel_unfulfilled: bool | UnsetType = UNSET,
    ) -> Refund | None:
        """Add a refund to a seller order (``cancel_unfulfilled`` cancels unshipped items)."""
        segments = _seller_order_path(order_id, seller_order_id, "refunds")
        if isinstance(items, str | bytes) or not isinstance(items, Sequence):
            raise ValueError("items must be a list of RefundItem")
        body = SellerOrderRefund(items=tuple(items), cancel_unfulfilled=cancel_unfulfilled)
        return await self._requester.send_maybe("POST", Refund, segments, body, idempotent=False)

    async def _get(self, order_id: str, deadline: float | _Default | None) -> BuyerOrder:
        return await self._requester.call(
            "GET",
            self._requester.url("buyer", "orders", order_id),
            lambda r: wire.decode(r, BuyerOrder),
            idempotent=True,
            deadline=deadline,
        )

    async def _find(
        self, reference: str, since: datetime | None, expires: float | None
    ) -> BuyerOrder | None:
        params = Query().text("buyer_reference", reference).time("updated_min", since).params
        orders = self._requester.iterate(
            BuyerOrder, ("buyer", "orders"), params, limit=MAX_PAGE_LIMIT, expires=expires
        )
        async with contextlib.aclosing(orders):
            async for order in orders:
                if order.buyer_reference == reference:
                    return order
        return None

    def _remaining(self, expires: float | None) -> float | None:
        return None if expires is None else expires - asyncio.get_running_loop().time()

    async def _create_once(self, order: BuyerOrderCreate) -> BuyerOrder:
        body = wire.encode(order)
        since = datetime.now(UTC) - RECONCILE_WINDOW
        loop = asyncio.get_running_loop()
        expires = None if self._deadline is None else loop.time() + self._deadline
        url = self._requester.url("buyer", "orders")
        failure: SDKError | None = None
        for attempt in range(self._max_attempts):
            try:
                created = await self._requester.call(
                    "POST",
                    url,
                    _decode_created,
                    body=body,
                    content_type="application/json",
                    idempotent=False,
                    deadline=self._remaining(expires),
                )
            except (ConflictError, ValidationError) as error:
                if failure is None:
                    raise
                failure = error  # a repeat refused: maybe the lost attempt landed after all
            except SDKError as error:
                if not _is_ambiguous(error):
                    raise
                failure = error
            else:
                return await self._complete(created, expires)
            found = await self._reconcile(failure, order.buyer_reference, since, attempt, expires)
            if found is not None:
                return found
            if isinstance(failure, ConflictError | ValidationError):
                raise failure
        assert failure is not None
        failure.add_note(
            f"no order with buyer_reference {order.buyer_reference!r} was found after "
            f"{self._max_attempts} attempts: it was most likely not created"
        )
        raise failure

    async def _reconcile(
        self,
        failure: SDKError,
        reference: str,
        since: datetime,
        attempt: int,
        expires: float | None,
    ) -> BuyerOrder | None:
        """The order if an ambiguous attempt created it, else ``None`` (or the failure)."""
        settle = self._retry.backoff(attempt, random.random())
        remaining = self._remaining(expires)
        if remaining is not None and remaining <= settle:
            failure.add_note(_unknown(reference, "the call's deadline passed"))
            raise failure
        await asyncio.sleep(settle)
        try:
            return await self._find(reference, since, expires)
        except SDKError as lookup_error:
            failure.add_note(_unknown(reference, f"the lookup failed: {lookup_error}"))
            raise failure from None

    async def _complete(self, created: BuyerOrder | str, expires: float | None) -> BuyerOrder:
        """The created order, fetched by id when the reply held only the id."""
        if isinstance(created, BuyerOrder):
            return created
        try:
            return await self._get(created, self._remaining(expires))
        except SDKError as error:
            error.add_note(f"the order was created with id {created!r}; fetching it failed")
            raise


def _unknown(reference: str, why: str) -> str:
    return (
        f"the order with buyer_reference {reference!r} may or may not have been created "
        f"({why}): look it up with find_by_reference() before creating it again"
    )
