"""Buyer order models: a ``BuyerOrder`` split into ``SellerOrder``s, and the body that creates one.

A buyer order has no single status: each seller order carries four flags, each with a
date (``posted``, ``fulfilled``, ``invoiced``, ``refunded``).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs

from ._models_shared import CREATED, ID, UPDATED, Address, StrOrIntId, extra_field
from ._models_validators import (
    any_text,
    aware_datetime,
    flag,
    json_object,
    json_objects,
    positive_int,
    text,
    tuple_of,
)
from .core._serialization import UNSET, UnsetType

REQUIRED_ADDRESS_FIELDS = ("name", "address_one", "city", "state", "country", "zip")
"""What a new order's address must have (§10.9); the rest is optional."""


@attrs.frozen(kw_only=True)
class BuyerOrderItem:
    """A line of a buyer order and where it went (seller order and item)."""

    id: str = attrs.field(metadata=ID)
    product_id: str | None = None
    variant_id: str | None = None
    buyer_reference: str | None = None
    seller_order_id: str | None = None
    seller_order_item_id: str | None = None
    quantity: int | None = None
    retail_price: Decimal | None = None
    buyer_variant_code: str | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class SellerOrderItem:
    """A line of a seller order; ``cancelled_by`` is ``buyer``, ``seller`` or ``""``."""

    id: str = attrs.field(metadata=ID)
    variant_id: str | None = None
    buyer_reference: str | None = None
    quantity: int | None = None
    base_price: Decimal | None = None
    retail_price: Decimal | None = None
    cancelled: bool | None = None
    cancelled_reason: str | None = None
    cancelled_by: str | None = None
    cancelled_date: datetime | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class BuyerFulfillmentItem:
    """A shipped line: ``id`` may arrive as a number from older APIs (kept as ``str``)."""

    id: StrOrIntId | None = attrs.field(default=None, metadata=ID)
    order_item_id: str | None = None
    quantity: int | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class BuyerFulfillment:
    """A shipment of a seller order, with its tracking."""

    id: str | None = attrs.field(default=None, metadata=ID)
    posted: bool | None = None
    posted_date: datetime | None = None
    carrier: str | None = None
    tracking_code: str | None = None
    tracking_urls: tuple[str, ...] = ()
    items: tuple[BuyerFulfillmentItem, ...] = ()
    created_at: datetime | None = attrs.field(default=None, metadata=CREATED)
    updated_at: datetime | None = attrs.field(default=None, metadata=UPDATED)
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class SellerOrder:
    """One seller's share of a buyer order (``company_id`` is the seller)."""

    id: str = attrs.field(metadata=ID)
    buyer_order_id: str | None = None
    buyer_reference: str | None = None
    seller_reference: str | None = None
    customer_reference: str | None = None
    company_id: str | None = None
    base_currency: str | None = None
    packing_slip_url: str | None = None
    invoice_id: str | None = None
    address: Address | None = None
    posted: bool | None = None
    posted_date: datetime | None = None
    fulfilled: bool | None = None
    """True only once every line of this seller order has shipped."""
    fulfilled_date: datetime | None = None
    invoiced: bool | None = None
    invoiced_date: datetime | None = None
    refunded: bool | None = None
    refunded_date: datetime | None = None
    has_cancellations: bool | None = None
    is_test: bool | None = None
    flagged: bool | None = None
    flagged_date: datetime | None = None
    flagged_message: str | None = None
    flagged_at: datetime | None = None
    attributes: Mapping[str, Any] = attrs.field(factory=dict)
    items: tuple[SellerOrderItem, ...] = ()
    fulfillments: tuple[BuyerFulfillment, ...] = ()
    created_at: datetime | None = attrs.field(default=None, metadata=CREATED)
    updated_at: datetime | None = attrs.field(default=None, metadata=UPDATED)
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class BuyerOrder:
    """A buyer's order, split by seller into ``seller_orders``."""

    id: str = attrs.field(metadata=ID)
    buyer_reference: str | None = None
    customer_reference: str | None = None
    customer_email: str | None = None
    ordered_date: datetime | None = None
    address: Address | None = None
    note: str | None = None
    is_test: bool | None = None
    quote_id: str | None = None
    metafields: Mapping[str, Any] = attrs.field(factory=dict)
    attributes: Mapping[str, Any] = attrs.field(factory=dict)
    items: tuple[BuyerOrderItem, ...] = ()
    items_not_accepted: tuple[Any, ...] = ()
    fulfillments: tuple[BuyerFulfillment, ...] = ()
    seller_orders: tuple[SellerOrder, ...] = ()
    created_at: datetime | None = attrs.field(default=None, metadata=CREATED)
    updated_at: datetime | None = attrs.field(default=None, metadata=UPDATED)
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class BuyerOrderLine:
    """A line of a new order: a Convictional variant id, a unique reference, a quantity."""

    variant_id: str = attrs.field(validator=text)
    buyer_reference: str = attrs.field(validator=text)
    quantity: int = attrs.field(validator=positive_int)

    @classmethod
    def for_variant(
        cls, variant_id: str, quantity: int = 1, *, buyer_reference: str | None = None
    ) -> BuyerOrderLine:
        """A line with a fresh random ``buyer_reference`` unless one is given."""
        reference = uuid.uuid4().hex if buyer_reference is None else buyer_reference
        return cls(variant_id=variant_id, buyer_reference=reference, quantity=quantity)


def _order_address(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, Address):
        raise ValueError(f"{attribute.name} must be an Address, got {type(value).__name__}")
    for field in attrs.fields(Address):
        given = getattr(value, field.name)
        if field.name in REQUIRED_ADDRESS_FIELDS:
            if not isinstance(given, str) or not given.strip():
                raise ValueError(f"{attribute.name}.{field.name} is required for a new order")
        elif field.name != "extra" and given is not None and not isinstance(given, str):
            raise ValueError(f"{attribute.name}.{field.name} must be a string or None")


def _unique_line_references(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    seen: set[str] = set()
    for line in value:
        if line.buyer_reference in seen:
            raise ValueError(
                f"{attribute.name} repeat the buyer_reference {line.buyer_reference!r}: "
                "each line needs its own"
            )
        seen.add(line.buyer_reference)


@attrs.frozen(kw_only=True)
class BuyerOrderCreate:
    """Body of ``POST /buyer/orders``; the order is split by seller on the server.

    ``ordered_date`` must be given: a timezone-aware ``datetime``, or ``None`` (sent as
    ``null``) when unknown. ``buyer_reference`` must be unique per order, and so must each
    line's ``buyer_reference`` within it.

    >>> from datetime import UTC
    >>> order = BuyerOrderCreate(
    ...     address=Address(name="Kevin McCallister", address_one="671 Lincoln Avenue",
    ...                     city="Winnetka", state="IL", country="US", zip="60093"),
    ...     buyer_reference="MyReferenceNumber",
    ...     ordered_date=datetime(2020, 2, 22, 10, tzinfo=UTC),
    ...     items=(BuyerOrderLine.for_variant("1d61779c1ed12a5bbf13e4638271ac68", 4),),
    ... )
    """

    address: Address = attrs.field(validator=_order_address)
    buyer_reference: str = attrs.field(validator=text)
    ordered_date: datetime | None = attrs.field(validator=attrs.validators.optional(aware_datetime))
    items: tuple[BuyerOrderLine, ...] = attrs.field(
        validator=[tuple_of(BuyerOrderLine, at_least=1), _unique_line_references]
    )
    customer_email: str | UnsetType = attrs.field(default=UNSET, validator=text)
    customer_reference: str | UnsetType = attrs.field(default=UNSET, validator=any_text)
    is_test: bool | UnsetType = attrs.field(default=UNSET, validator=flag)
    note: str | UnsetType = attrs.field(default=UNSET, validator=any_text)
    attributes: Mapping[str, Any] | UnsetType = attrs.field(default=UNSET, validator=json_object)
    metafields: Mapping[str, Any] | UnsetType = attrs.field(default=UNSET, validator=json_object)
    shipping_methods: tuple[Mapping[str, Any], ...] | UnsetType = attrs.field(
        default=UNSET, validator=json_objects
    )
    created: datetime | UnsetType = attrs.field(default=UNSET, validator=aware_datetime)


@attrs.frozen(kw_only=True)
class BuyerOrderCancellation:
    """Body of ``POST /buyer/orders/{id}/cancel``."""

    reason: str | UnsetType = attrs.field(default=UNSET, validator=any_text)
