"""Orders on the wire: the Buyer ``BuyerOrder`` and the Seller ``Order`` per API version.

* Buyer (reference 10.8): ``id``, top-level ``items`` as created, ``sellerOrders`` with
  ``posted``/``fulfilled``/``invoiced``/``refunded`` and their dates (``null`` when unset).
* Seller ``2022-03-03`` (reference 10.4): ``_id``, codes, ``shippingAddress`` and
  ``billingAddress``, ``invoice`` (``{"_id", "paid"}`` or ``null``), ``buyerCreatedDate``,
  ``*CompanyObjectId``, ``posted``/``shipped``/``billed``/``refunded`` with dates, ``items``,
  ``fulfillments`` and ``refunds``.
* Seller ``2021-01-01``: the same without the 2022 additions, plus the fields 2022-03-03
  removed (``addresses: null``, ``charge``, ``code``, ``companyId``, ``date``, ``email``,
  ``invoiceId``, ``parentCode``, ``partner``, ``tags: ""``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ._ids import iso
from ._orders import BuyerOrder, Fulfillment, Invoice, OrderItem, Refund, SellerOrder

__all__ = [
    "buyer_order",
    "invoice_view",
    "refund_view",
    "seller_item",
    "seller_order",
]


def _buyer_item(item: OrderItem) -> dict[str, Any]:
    return {
        "id": item.id,
        "variantId": item.variant_id,
        "buyerReference": item.buyer_reference,
        "quantity": item.quantity,
        "basePrice": item.base_price,
        "retailPrice": item.retail_price,
        "cancelled": item.cancelled,
        "cancelledReason": item.cancelled_reason,
        "cancelledBy": item.cancelled_by,
        "cancelledDate": iso(item.cancelled_date),
    }


def _buyer_fulfillment(fulfillment: Fulfillment) -> dict[str, Any]:
    return {
        "id": fulfillment.id,
        "posted": True,
        "postedDate": iso(fulfillment.created),
        "created": iso(fulfillment.created),
        "updated": iso(fulfillment.created),
        "carrier": fulfillment.carrier,
        "trackingCode": fulfillment.tracking_code,
        "trackingUrls": list(fulfillment.tracking_urls),
        "items": [
            {"id": line.id, "orderItemId": line.order_item_id, "quantity": line.quantity}
            for line in fulfillment.lines
        ],
    }


def _buyer_seller_order(order: SellerOrder) -> dict[str, Any]:
    buyer = order.buyer_order
    return {
        "id": order.id,
        "buyerOrderId": buyer.id,
        "buyerReference": buyer.buyer_reference,
        "sellerReference": order.code,
        "customerReference": buyer.customer_reference,
        "companyId": order.seller.id,
        "baseCurrency": "USD",
        "packingSlipUrl": "",
        "invoiceId": order.invoice.id if order.invoice else "",
        "posted": order.posted_date is not None,
        "postedDate": iso(order.posted_date),
        "fulfilled": order.shipped_date is not None,
        "fulfilledDate": iso(order.shipped_date),
        "invoiced": order.billed_date is not None,
        "invoicedDate": iso(order.billed_date),
        "refunded": order.refunded_date is not None,
        "refundedDate": iso(order.refunded_date),
        "created": iso(order.created),
        "updated": iso(order.updated),
        "address": dict(buyer.address),
        "hasCancellations": order.has_cancellations,
        "isTest": buyer.is_test,
        "attributes": {},
        "flagged": False,
        "flaggedDate": None,
        "flaggedMessage": "",
        "flaggedAt": None,
        "items": [_buyer_item(item) for item in order.items],
        "fulfillments": [_buyer_fulfillment(f) for f in order.fulfillments],
    }


def buyer_order(order: BuyerOrder) -> dict[str, Any]:
    """Return a buyer order as the Buyer API shows it."""
    return {
        "id": order.id,
        "buyerReference": order.buyer_reference,
        "customerReference": order.customer_reference,
        "orderedDate": order.ordered_date,
        "created": iso(order.created),
        "updated": iso(order.updated),
        "address": dict(order.address),
        "customerEmail": order.customer_email,
        "note": order.note,
        "isTest": order.is_test,
        "quoteId": "",
        "metafields": dict(order.metafields),
        "attributes": dict(order.attributes),
        "items": [
            {
                "id": line.id,
                "productId": line.product_id,
                "variantId": line.variant_id,
                "buyerReference": line.buyer_reference,
                "sellerOrderId": line.seller_order_id,
                "sellerOrderItemId": line.seller_order_item_id,
                "quantity": line.quantity,
                "retailPrice": line.retail_price,
                "buyerVariantCode": "",
            }
            for line in order.lines
        ],
        "itemsNotAccepted": [],
        "fulfillments": [
            _buyer_fulfillment(f) for seller in order.seller_orders for f in seller.fulfillments
        ],
        "sellerOrders": [_buyer_seller_order(seller) for seller in order.seller_orders],
    }


def seller_item(item: OrderItem) -> dict[str, Any]:
    """Return an order item as the Seller API shows it."""
    return {
        "_id": item.id,
        "sellerVariantCode": item.sku,
        "sku": item.sku,
        "title": item.title,
        "variantId": item.variant_id,
        "productId": item.product_id,
        "buyerReference": item.buyer_reference,
        "quantity": item.quantity,
        "fulfilledQuantity": item.fulfilled,
        "refundedQuantity": item.refunded,
        "price": item.base_price,
        "retailPrice": item.retail_price,
        "cancelled": item.cancelled,
        "cancelledReason": item.cancelled_reason,
        "cancelledBy": item.cancelled_by,
        "cancelledDate": iso(item.cancelled_date),
    }


def _seller_fulfillment(fulfillment: Fulfillment, order: SellerOrder) -> dict[str, Any]:
    lines = []
    for line in fulfillment.lines:
        item = order.item(line.order_item_id)
        lines.append(
            {
                "_id": line.id,
                "orderItemId": line.order_item_id,
                "quantity": line.quantity,
                "sku": item.sku if item else "",
                "title": item.title if item else "",
            }
        )
    return {
        "_id": fulfillment.id,
        "buyerFulfillmentCode": "",
        "sellerFulfillmentCode": fulfillment.id,
        "carrier": fulfillment.carrier,
        "trackingCode": fulfillment.tracking_code,
        "trackingUrls": list(fulfillment.tracking_urls),
        "items": lines,
        "created": iso(fulfillment.created),
    }


def refund_view(refund: Refund) -> dict[str, Any]:
    """Return a refund as ``SellerOrderRefund`` (PascalCase item names) plus its ``_id``."""
    return {
        "_id": refund.id,
        "cancelUnfulfilled": refund.cancel_unfulfilled,
        "items": [
            {"ItemId": line.item_id, "Reason": line.reason, "QuantityToRefund": line.quantity}
            for line in refund.lines
        ],
        "created": iso(refund.created),
    }


def invoice_view(order: SellerOrder, invoice: Invoice) -> dict[str, Any]:
    """Return an invoice as the Seller API shows it."""
    buyer, seller = order.buyer_order.buyer, order.seller
    return {
        "_id": invoice.id,
        "buyerId": buyer.id,
        "sellerId": seller.id,
        "buyerCompanyObjectId": buyer.id,
        "sellerCompanyObjectId": seller.id,
        "buyerCode": order.buyer_order.buyer_reference,
        "sellerCode": order.code,
        "source": "convictional",
        "sourceId": order.id,
        "amountPaid": 0,
        "applicationFee": 0,
        "currency": invoice.currency,
        "created": iso(invoice.created),
        "updated": iso(invoice.created),
        "dueDate": iso(invoice.due),
        "notified": False,
        "notifiedDate": None,
        "paid": False,
        "paidDate": None,
        "refunded": order.refunded_date is not None,
        "refundedDate": iso(order.refunded_date),
        "posted": True,
        "download": "",
        "hostedUrl": "",
        "custom": [],
        "EDISent": False,
        "taxes": [{"amount": amount, "type": kind} for amount, kind in invoice.taxes],
        "items": [
            {
                "_id": line.id,
                "amountCents": line.amount_cents,
                "reference": line.reference,
                "referenceId": line.reference_id,
            }
            for line in invoice.lines
        ],
    }


def seller_order(order: SellerOrder, version: str) -> dict[str, Any]:
    """Return a seller order in the Seller API's shape for ``version``."""
    buyer_order_ = order.buyer_order
    body: dict[str, Any] = {
        "_id": order.id,
        "buyerOrderCode": buyer_order_.buyer_reference,
        "sellerOrderCode": order.code,
        "buyerCompanyId": buyer_order_.buyer.id,
        "sellerCompanyId": order.seller.id,
        "buyerEmail": buyer_order_.customer_email,
        "currency": "USD",
        "note": order.note or buyer_order_.note,
        "hasCancellations": order.has_cancellations,
        "shippingAddress": dict(buyer_order_.address),
        "fillTime": _hours(order.posted_date, order.shipped_date),
        "shipTime": _hours(order.created, order.shipped_date) or 0,
        "packingSlip": "",
        "custom": [],
        "attributes": list(order.attributes),
        "items": [seller_item(item) for item in order.items],
        "fulfillments": [_seller_fulfillment(f, order) for f in order.fulfillments],
        "refunds": [refund_view(refund) for refund in order.refunds],
        "created": iso(order.created),
        "updated": iso(order.updated),
        "posted": order.posted_date is not None,
        "postedDate": iso(order.posted_date),
        "shipped": order.shipped_date is not None,
        "shippedDate": iso(order.shipped_date),
        "billed": order.billed_date is not None,
        "billedDate": iso(order.billed_date),
        "refunded": order.refunded_date is not None,
        "refundedDate": iso(order.refunded_date),
    }
    invoice = order.invoice
    if version >= "2022-03-03":
        body.update(
            billingAddress=dict(buyer_order_.address),
            invoice=None if invoice is None else {"_id": invoice.id, "paid": False},
            buyerCreatedDate=buyer_order_.ordered_date,
            sellerCompanyObjectId=order.seller.id,
            buyerCompanyObjectId=buyer_order_.buyer.id,
        )
        return body
    body.update(
        invoiceId=invoice.id if invoice else "",
        addresses=None,
        charge=None if invoice is None else {"raw": {"paid": False}},
        code=buyer_order_.buyer_reference,
        companyId=order.seller.id,
        date=buyer_order_.ordered_date,
        email=buyer_order_.customer_email,
        parentCode=order.code,
        partner=buyer_order_.buyer.id,
        tags="",
    )
    return body


def _hours(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return round((end - start).total_seconds() / 3600, 2)
