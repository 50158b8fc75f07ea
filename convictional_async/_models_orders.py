"""Seller order models: ``Order`` with its items, fulfillments and invoice, and the order bodies.

``Order`` decodes both API versions: fields removed in 2022-03-03 fill their
replacements (``code`` -> ``buyer_order_code``, ``parentCode`` -> ``seller_order_code``,
``companyId`` -> ``seller_company_id``, ``partner`` -> ``buyer_company_id``, ``date`` ->
``buyer_created_date``, ``email`` -> ``buyer_email``, ``invoice._id`` -> ``invoice_id``);
the rest (``addresses``, ``charge``, ``tags``) stay in ``extra``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs

from ._models_shared import (
    CREATED,
    OBJECT_ID,
    UPDATED,
    Address,
    StrOrIntId,
    extra_field,
    wire,
)
from ._models_validators import (
    any_text,
    flag,
    json_objects,
    non_negative_decimal,
    non_negative_int,
    one_of,
    positive_int,
    text,
    texts,
    tuple_of,
)
from .core._serialization import ALIASES, UNSET, WIRE, UnsetType

TAX_TYPES = ("GS", "SP")
"""``GS``: Goods & Services Tax; ``SP``: State/Provincial Sales Tax."""


@attrs.frozen(kw_only=True)
class OrderItem:
    """A line of a seller order; ``cancelled_by`` is ``buyer``, ``seller`` or ``""``."""

    id: str = attrs.field(metadata=OBJECT_ID)
    seller_variant_code: str | None = None
    quantity: int | None = None
    cancelled: bool | None = None
    cancelled_reason: str | None = None
    cancelled_by: str | None = None
    cancelled_date: datetime | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class FulfillmentItem:
    """A line of a fulfillment (shipment)."""

    id: StrOrIntId | None = attrs.field(default=None, metadata=OBJECT_ID)
    order_item_id: str | None = None
    quantity: int | None = None
    buyer_item_code: str | None = None
    seller_item_code: str | None = None
    buyer_variant_code: str | None = None
    seller_variant_code: str | None = None
    buyer_product_code: str | None = None
    seller_product_code: str | None = None
    type: str | None = None
    title: str | None = None
    sku: str | None = None
    price: Decimal | None = None
    retail_price: Decimal | None = None
    barcode: str | None = None
    barcode_type: str | None = None
    weight: Decimal | None = None
    custom: tuple[Any, ...] = ()
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class Fulfillment:
    """A shipment of some order items, with its tracking."""

    id: str | None = attrs.field(default=None, metadata=OBJECT_ID)
    buyer_fulfillment_code: str | None = None
    seller_fulfillment_code: str | None = None
    carrier: str | None = None
    tracking_code: str | None = None
    tracking_urls: tuple[str, ...] = ()
    items: tuple[FulfillmentItem, ...] = ()
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class Tax:
    """A tax line: ``type`` is ``GS`` or ``SP`` (see :data:`TAX_TYPES`).

    >>> Tax(amount=Decimal("13.00"), type="GS").type
    'GS'
    """

    amount: Decimal | None = None
    type: str | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class InvoiceItem:
    """An invoice line, in integer cents."""

    id: str | None = attrs.field(default=None, metadata=OBJECT_ID)
    amount_cents: int | None = None
    reference: str | None = None
    reference_id: str | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class Invoice:
    """A seller's invoice for an order (amounts in integer cents)."""

    id: str = attrs.field(metadata=OBJECT_ID)
    buyer_id: str | None = None
    seller_id: str | None = None
    buyer_company_object_id: str | None = None
    seller_company_object_id: str | None = None
    buyer_code: str | None = None
    seller_code: str | None = None
    source: str | None = None
    source_id: str | None = None
    amount_paid: int | None = None
    application_fee: int | None = None
    currency: str | None = None
    due_date: datetime | None = None
    notified: bool | None = None
    notified_date: datetime | None = None
    paid: bool | None = None
    paid_date: datetime | None = None
    refunded: bool | None = None
    refunded_date: datetime | None = None
    posted: bool | None = None
    download: str | None = None
    hosted_url: str | None = None
    edi_sent: bool | None = attrs.field(default=None, metadata={WIRE: "EDISent"})
    taxes: tuple[Tax, ...] = ()
    items: tuple[InvoiceItem, ...] = ()
    custom: tuple[Any, ...] = ()
    created_at: datetime | None = attrs.field(default=None, metadata=CREATED)
    updated_at: datetime | None = attrs.field(default=None, metadata=UPDATED)
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class Order:
    """A seller's order (the Seller API's view of one buyer order's share)."""

    id: str = attrs.field(metadata=OBJECT_ID)
    buyer_order_code: str | None = attrs.field(default=None, metadata={ALIASES: ("code",)})
    seller_order_code: str | None = attrs.field(default=None, metadata={ALIASES: ("parentCode",)})
    buyer_company_id: str | None = attrs.field(default=None, metadata={ALIASES: ("partner",)})
    seller_company_id: str | None = attrs.field(default=None, metadata={ALIASES: ("companyId",)})
    buyer_company_object_id: str | None = None
    seller_company_object_id: str | None = None
    buyer_email: str | None = attrs.field(default=None, metadata={ALIASES: ("email",)})
    buyer_created_date: datetime | None = attrs.field(default=None, metadata={ALIASES: ("date",)})
    currency: str | None = None
    note: str | None = None
    invoice_id: str | None = attrs.field(default=None, metadata={ALIASES: (("invoice", "_id"),)})
    invoice: Invoice | None = None
    has_cancellations: bool | None = None
    shipping_address: Address | None = None
    billing_address: Address | None = None
    fill_time: Decimal | None = None
    """Hours from posted to fulfilled."""
    ship_time: Decimal | None = None
    """Hours from created to shipped."""
    packing_slip: str | None = None
    items: tuple[OrderItem, ...] = ()
    fulfillments: tuple[Fulfillment, ...] = ()
    custom: tuple[Any, ...] = ()
    posted: bool | None = None
    posted_date: datetime | None = None
    shipped: bool | None = None
    shipped_date: datetime | None = None
    billed: bool | None = None
    billed_date: datetime | None = None
    created_at: datetime | None = attrs.field(default=None, metadata=CREATED)
    updated_at: datetime | None = attrs.field(default=None, metadata=UPDATED)
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class OrderUpdate:
    """Body of ``PATCH /orders/{id}``; ``billed=True`` means billed outside Convictional."""

    billed: bool | UnsetType = attrs.field(default=UNSET, validator=flag)
    note: str | UnsetType = attrs.field(default=UNSET, validator=any_text)
    attributes: tuple[Mapping[str, Any], ...] | UnsetType = attrs.field(
        default=UNSET, validator=json_objects
    )


@attrs.frozen(kw_only=True)
class OrderCancellation:
    """Body of ``POST /orders/{id}/cancel``; a partly fulfilled order needs unfulfilled_only."""

    reason: str | UnsetType = attrs.field(default=UNSET, validator=any_text)
    unfulfilled_only: bool | UnsetType = attrs.field(default=UNSET, validator=flag)


@attrs.frozen(kw_only=True)
class OrderItemCancellation:
    """Body of an item cancel: all of it, or down to ``new_quantity`` left uncancelled."""

    reason: str | UnsetType = attrs.field(default=UNSET, validator=any_text)
    new_quantity: int | UnsetType = attrs.field(default=UNSET, validator=non_negative_int)


@attrs.frozen(kw_only=True)
class FulfillmentLine:
    """An ``OrderFulfillment.items`` entry: the order item's id and how many shipped."""

    id: str = attrs.field(validator=text)
    quantity: int = attrs.field(validator=positive_int)


def _unique_ids(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    ids = [line.id for line in value]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{attribute.name} names the same order item twice")


@attrs.frozen(kw_only=True)
class OrderFulfillment:
    """Body of ``POST /orders/{id}/fulfillments``: at least one line, and tracking.

    >>> OrderFulfillment(items=(FulfillmentLine(id="5f4e2b1c9ad9340010451237", quantity=4),),
    ...                  carrier="UPS", tracking_code="1Z999AA10123456784").carrier
    'UPS'
    """

    items: tuple[FulfillmentLine, ...] = attrs.field(
        validator=[tuple_of(FulfillmentLine, at_least=1), _unique_ids]
    )
    carrier: str | UnsetType = attrs.field(default=UNSET, validator=text)
    tracking_code: str | UnsetType = attrs.field(default=UNSET, validator=text)
    tracking_urls: tuple[str, ...] | UnsetType = attrs.field(default=UNSET, validator=texts)


@attrs.frozen(kw_only=True)
class RefundItem:
    """A refund line; its wire names are PascalCase (``ItemId``, ``Reason``...)."""

    item_id: str = attrs.field(validator=text, metadata={WIRE: "ItemId"})
    quantity_to_refund: int = attrs.field(
        validator=positive_int, metadata={WIRE: "QuantityToRefund"}
    )
    reason: str | UnsetType = attrs.field(
        default=UNSET, validator=any_text, metadata={WIRE: "Reason"}
    )


@attrs.frozen(kw_only=True)
class RefundLine:
    """A refunded line as the API answers it (PascalCase on the wire, like ``RefundItem``)."""

    item_id: str | None = attrs.field(default=None, metadata=wire("ItemId", "itemId"))
    reason: str | None = attrs.field(default=None, metadata=wire("Reason", "reason"))
    quantity_to_refund: int | None = attrs.field(
        default=None, metadata=wire("QuantityToRefund", "quantityToRefund")
    )
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class Refund:
    """A refund as the API answers it: the ``SellerOrderRefund`` sent, plus its id."""

    id: str | None = attrs.field(default=None, metadata=OBJECT_ID)
    cancel_unfulfilled: bool | None = None
    items: tuple[RefundLine, ...] = ()
    created_at: datetime | None = attrs.field(default=None, metadata=CREATED)
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class SellerOrderRefund:
    """Body of ``POST /orders/{id}/refund``."""

    items: tuple[RefundItem, ...] = attrs.field(validator=tuple_of(RefundItem, at_least=1))
    cancel_unfulfilled: bool | UnsetType = attrs.field(default=UNSET, validator=flag)


def _taxes(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    tuple_of(Tax, at_least=1)(_, attribute, value)
    for tax in value:
        non_negative_decimal(None, attrs.fields(Tax).amount, tax.amount)
        one_of(*TAX_TYPES)(None, attrs.fields(Tax).type, tax.type)


@attrs.frozen(kw_only=True)
class SellerOrderInvoiceTax:
    """Body of ``POST /orders/{id}/invoices`` (only once the order has shipped)."""

    taxes: tuple[Tax, ...] = attrs.field(validator=_taxes)
