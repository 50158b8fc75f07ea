"""Buyer catalogue models: what ``/buyer/products`` returns, priced by the buyer's sellers.

Variant ids arrive as ``id`` (real payloads) or ``_id`` (vendor guides); stock as
``inventoryAmount`` (or the Seller spellings). All decode to the same fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs

from ._models_shared import (
    CREATED,
    ID,
    UPDATED,
    Dimensions,
    GoogleProductCategory,
    extra_field,
    wire,
)

BUYER_INVENTORY = wire("inventoryAmount", "inventoryQuantity", "inventory_quantity")
"""Stock in Buyer payloads: ``inventoryAmount``, or a Seller spelling."""


@attrs.frozen(kw_only=True)
class BuyerImage:
    """A product image (``source``; some payloads say ``src``)."""

    id: str | None = attrs.field(default=None, metadata=ID)
    source: str | None = attrs.field(default=None, metadata=wire("source", "src"))
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class VariantOption:
    """An option value of a variant, e.g. ``name="Size"``, ``value="M"``."""

    name: str | None = None
    value: str | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class BuyerVariant:
    """A variant as a buyer sees it: stock, retail price and the buyer's cost.

    ``id`` is the variant id a new order's items refer to (``BuyerOrderLine.variant_id``).
    """

    id: str = attrs.field(metadata=ID)
    sku: str | None = None
    title: str | None = None
    inventory_quantity: int | None = attrs.field(default=None, metadata=BUYER_INVENTORY)
    retail_price: Decimal | None = None
    retail_currency: str | None = None
    """May be ``""``."""
    base_price: Decimal | None = None
    """What the buyer pays the seller."""
    base_currency: str | None = None
    barcode: str | None = None
    barcode_type: str | None = None
    options: tuple[VariantOption, ...] = ()
    skip_count: bool | None = None
    weight: Decimal | None = None
    weight_units: str | None = None
    dimensions: Dimensions | None = None
    attributes: Mapping[str, Any] = attrs.field(factory=dict)
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class BuyerProduct:
    """A product a partnered seller offers the buyer (``company_id`` is the seller)."""

    id: str = attrs.field(metadata=ID)
    company_id: str | None = None
    title: str | None = None
    brand: str | None = None
    description: str | None = None
    seller_reference: str | None = None
    tags: tuple[str, ...] = ()
    images: tuple[BuyerImage, ...] = ()
    option_names: tuple[str, ...] = ()
    google_product_category: GoogleProductCategory | None = None
    attributes: Mapping[str, Any] = attrs.field(factory=dict)
    variants: tuple[BuyerVariant, ...] = ()
    created_at: datetime | None = attrs.field(default=None, metadata=CREATED)
    updated_at: datetime | None = attrs.field(default=None, metadata=UPDATED)
    extra: Mapping[str, Any] = extra_field()
