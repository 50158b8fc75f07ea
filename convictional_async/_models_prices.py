"""Seller price-list models: a ``Price`` list with its entries, and the bodies that write one.

The JSON name of a price list's entries is ``list``; in Python it is ``items``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs

from ._models_shared import CREATED, OBJECT_ID, UPDATED, extra_field
from ._models_validators import flag, non_negative_decimal, one_of, text, tuple_of
from .core._serialization import UNSET, WIRE, UnsetType

CURRENCIES = ("USD", "CAD", "EUR", "GBP", "AUD")
"""The currencies a price list may use."""
PRICE_TYPES = ("fixed", "percent")
"""``fixed``: a markup or discount in money; ``percent``: in percent."""


@attrs.frozen(kw_only=True)
class PriceListItem:
    """One SKU's price in a price list (``variant_id`` is the numeric variant id)."""

    sku: str | None = None
    price: Decimal | None = None
    """The base price."""
    markup: Decimal | None = None
    retail_price: Decimal | None = None
    type: str | None = None
    variant_id: int | None = None
    variant_object_id: str | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class Price:
    """A price list: currency, conversion, markup, rounding and per-SKU prices."""

    id: str = attrs.field(metadata=OBJECT_ID)
    list_name: str | None = None
    currency_name: str | None = None
    conversion: Decimal | None = None
    markup: Decimal | None = None
    """Percent."""
    rounding: Decimal | None = None
    """The last two digits prices are rounded up to."""
    apply_to_new_products: bool | None = None
    discount_rate: Decimal | None = None
    discount_type: str | None = None
    items: tuple[PriceListItem, ...] = attrs.field(default=(), metadata={WIRE: "list"})
    company_id: str | None = None
    custom: tuple[Any, ...] = ()
    created_at: datetime | None = attrs.field(default=None, metadata=CREATED)
    updated_at: datetime | None = attrs.field(default=None, metadata=UPDATED)
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class PriceUpdateItem:
    """A price-list entry to write, by SKU."""

    sku: str = attrs.field(validator=text)
    price: Decimal | UnsetType = attrs.field(default=UNSET, validator=non_negative_decimal)
    markup: Decimal | UnsetType = attrs.field(default=UNSET, validator=non_negative_decimal)
    retail_price: Decimal | UnsetType = attrs.field(default=UNSET, validator=non_negative_decimal)
    type: str | UnsetType = attrs.field(default=UNSET, validator=one_of(*PRICE_TYPES))


def _unique_skus(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is UNSET:
        return
    skus = [item.sku for item in value]
    if len(set(skus)) != len(skus):
        raise ValueError(f"{attribute.name} names the same SKU twice")


@attrs.frozen(kw_only=True)
class PriceUpdate:
    """Body of ``PUT /prices/{id}``: the whole price list."""

    list_name: str | UnsetType = attrs.field(default=UNSET, validator=text)
    currency_name: str | UnsetType = attrs.field(default=UNSET, validator=one_of(*CURRENCIES))
    conversion: Decimal | UnsetType = attrs.field(default=UNSET, validator=non_negative_decimal)
    rounding: Decimal | UnsetType = attrs.field(default=UNSET, validator=non_negative_decimal)
    apply_to_new_products: bool | UnsetType = attrs.field(default=UNSET, validator=flag)
    discount_rate: Decimal | UnsetType = attrs.field(default=UNSET, validator=non_negative_decimal)
    discount_type: str | UnsetType = attrs.field(default=UNSET, validator=one_of(*PRICE_TYPES))
    items: tuple[PriceUpdateItem, ...] | UnsetType = attrs.field(
        default=UNSET,
        validator=[tuple_of(PriceUpdateItem), _unique_skus],
        metadata={WIRE: "list"},
    )


@attrs.frozen(kw_only=True)
class PriceCreate(PriceUpdate):
    """Body of ``POST /prices``: a price list plus its overall ``markup`` (percent)."""

    markup: Decimal | UnsetType = attrs.field(default=UNSET, validator=non_negative_decimal)
