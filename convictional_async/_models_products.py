"""Seller catalogue models: ``Product`` and ``Variant``, and the bodies that create or patch them.

Responses may use the 2021 spellings (``_id``, ``inventory_quantity``, ``created``) or
the August 2022 ones (``id``, ``inventoryQuantity``, ``createdAt``); both decode to the
same fields. Requests send the current spellings and omit every field left at UNSET.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs

from ._models_shared import (
    ID,
    OBJECT_ID,
    Dimensions,
    GoogleProductCategory,
    extra_field,
    wire,
)
from ._models_validators import (
    any_text,
    flag,
    json_object,
    json_objects,
    non_negative_decimal,
    non_negative_int,
    one_of,
    text,
    texts,
    tuple_of,
)
from .core._serialization import ALIASES, UNSET, WIRE, UnsetType

BARCODE_TYPES = ("upc", "gtin-13", "gtin-14", "ean-8", "gtin")
"""Accepted barcode types (``gtin`` is deprecated: the API stores it as ``gtin-13``)."""
WEIGHT_UNITS = ("g", "kg", "lb", "oz", "t")
DIMENSION_UNITS = ("cm", "in")
INVENTORY = wire("inventoryQuantity", "inventory_quantity", "inventoryAmount")
"""Stock: ``inventoryQuantity`` (since Aug 2022), ``inventory_quantity`` (v2021) or
``inventoryAmount`` (Buyer payloads)."""


@attrs.frozen(kw_only=True)
class ProductImage:
    """A product image at a public URL (``source``; some payloads say ``src``)."""

    id: str | None = attrs.field(default=None, metadata=OBJECT_ID)
    source: str | None = attrs.field(default=None, metadata={ALIASES: ("src",)})
    position: int | None = None
    variant_ids: tuple[str, ...] = ()
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class ProductOption:
    """A product option (size, colour...) and its position (1 to 3)."""

    id: str | None = attrs.field(default=None, metadata=OBJECT_ID)
    name: str | None = None
    type: str | None = None
    position: int | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class VariantImage:
    """A variant's image, by the URL of one of its product's images."""

    src: str | None = attrs.field(default=None, metadata={ALIASES: ("source",)})
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class Variant:
    """A seller's variant (one SKU); ``legacy_id`` is the old numeric ``id``."""

    id: str = attrs.field(metadata={WIRE: "_id"})
    legacy_id: int | None = attrs.field(default=None, metadata={WIRE: "id"})
    sku: str | None = None
    title: str | None = None
    inventory_quantity: int | None = attrs.field(default=None, metadata=INVENTORY)
    barcode: str | None = None
    barcode_type: str | None = None
    option1: str | None = None
    option2: str | None = None
    option3: str | None = None
    retail_price: Decimal | None = None
    partner_price: Decimal | None = None
    """MSRP, shown to buyers only."""
    base_price: Decimal | None = None
    """Wholesale cost, shown to buyers only."""
    base_currency: str | None = None
    weight: Decimal | None = None
    weight_units: str | None = None
    dimensions: Dimensions | None = None
    skip_count: bool | None = None
    code: str | None = None
    images: tuple[VariantImage, ...] = ()
    attributes: Mapping[str, Any] = attrs.field(factory=dict)
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class Product:
    """A seller's product with its variants."""

    id: str = attrs.field(metadata=ID)
    code: str | None = None
    title: str | None = None
    active: bool | None = None
    body_html: str | None = None
    vendor: str | None = None
    type: str | None = None
    tags: tuple[str, ...] = ()
    variants: tuple[Variant, ...] = ()
    images: tuple[ProductImage, ...] = ()
    options: tuple[ProductOption, ...] = ()
    google_product_category: GoogleProductCategory | None = None
    attributes: Mapping[str, Any] = attrs.field(factory=dict)
    custom: tuple[Any, ...] = ()
    company_id: str | None = None
    company_object_id: str | None = None
    delisted: bool | None = None
    delisted_at: datetime | None = None
    created_at: datetime | None = attrs.field(default=None, metadata=wire("createdAt", "created"))
    updated_at: datetime | None = attrs.field(default=None, metadata=wire("updatedAt", "updated"))
    extra: Mapping[str, Any] = extra_field()


def _dimensions(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is UNSET:
        return
    sizes = (value.length, value.width, value.height) if isinstance(value, Dimensions) else ()
    if len(sizes) != 3 or value.units not in DIMENSION_UNITS:
        raise ValueError(f"{attribute.name} needs length, width, height and units cm or in")
    for size in sizes:
        non_negative_decimal(None, attribute, size)


def _variant_images(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    tuple_of(VariantImage)(_, attribute, value)
    if value is not UNSET and not all(isinstance(i.src, str) and i.src for i in value):
        raise ValueError(f"{attribute.name} must each name the src URL of a product image")


def _category(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is UNSET:
        return
    if not isinstance(value, GoogleProductCategory) or (value.code is None and not value.name):
        raise ValueError(f"{attribute.name} must be a GoogleProductCategory with a code or name")


@attrs.frozen(kw_only=True)
class PatchVariant:
    """Body of ``PATCH .../variants/{id}``, or a ``PatchProduct.variants`` entry.

    In a ``PatchProduct``, an entry with ``id`` updates that variant and one without
    creates a variant.

    >>> PatchVariant(inventory_quantity=12).sku
    UNSET
    """

    id: str | UnsetType = attrs.field(default=UNSET, validator=text, metadata={WIRE: "_id"})
    sku: str | UnsetType = attrs.field(default=UNSET, validator=text)
    title: str | UnsetType = attrs.field(default=UNSET, validator=any_text)
    inventory_quantity: int | UnsetType = attrs.field(
        default=UNSET, validator=non_negative_int, metadata={WIRE: "inventoryQuantity"}
    )
    retail_price: Decimal | UnsetType = attrs.field(default=UNSET, validator=non_negative_decimal)
    barcode: str | UnsetType = attrs.field(default=UNSET, validator=any_text)
    barcode_type: str | UnsetType = attrs.field(default=UNSET, validator=one_of(*BARCODE_TYPES))
    weight: Decimal | UnsetType = attrs.field(default=UNSET, validator=non_negative_decimal)
    weight_units: str | UnsetType = attrs.field(default=UNSET, validator=one_of(*WEIGHT_UNITS))
    dimensions: Dimensions | UnsetType = attrs.field(default=UNSET, validator=_dimensions)
    images: tuple[VariantImage, ...] | UnsetType = attrs.field(
        default=UNSET, validator=_variant_images
    )
    attributes: tuple[Mapping[str, Any], ...] | UnsetType = attrs.field(
        default=UNSET, validator=json_objects
    )


@attrs.frozen(kw_only=True)
class PatchImage:
    """A ``PatchProduct.images`` entry: with ``id`` it updates, without it creates.

    ``source`` is required to create and cannot change; ``variant_ids`` replaces the whole
    list.
    """

    id: str | UnsetType = attrs.field(default=UNSET, validator=text, metadata={WIRE: "_id"})
    source: str | UnsetType = attrs.field(default=UNSET, validator=text)
    position: int | UnsetType = attrs.field(default=UNSET, validator=non_negative_int)
    variant_ids: tuple[str, ...] | UnsetType = attrs.field(default=UNSET, validator=texts)

    def __attrs_post_init__(self) -> None:
        if self.id is UNSET and self.source is UNSET:
            raise ValueError("a new image (no id) needs a source URL")


def _option_position(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not UNSET and (isinstance(value, bool) or value not in (1, 2, 3)):
        raise ValueError(f"{attribute.name} must be 1, 2 or 3, got {value!r}")


@attrs.frozen(kw_only=True)
class PatchOption:
    """A ``PatchProduct.options`` entry; ``position`` is 1, 2 or 3."""

    id: str | UnsetType = attrs.field(default=UNSET, validator=text, metadata={WIRE: "_id"})
    name: str | UnsetType = attrs.field(default=UNSET, validator=text)
    position: int | UnsetType = attrs.field(default=UNSET, validator=_option_position)


@attrs.frozen(kw_only=True)
class PatchProduct:
    """Body of ``PATCH /products/{id}``: only the fields given are changed."""

    title: str | UnsetType = attrs.field(default=UNSET, validator=text)
    active: bool | UnsetType = attrs.field(default=UNSET, validator=flag)
    body_html: str | UnsetType = attrs.field(default=UNSET, validator=any_text)
    vendor: str | UnsetType = attrs.field(default=UNSET, validator=any_text)
    tags: tuple[str, ...] | UnsetType = attrs.field(default=UNSET, validator=texts)
    google_product_category: GoogleProductCategory | UnsetType = attrs.field(
        default=UNSET, validator=_category
    )
    variants: tuple[PatchVariant, ...] | UnsetType = attrs.field(
        default=UNSET, validator=tuple_of(PatchVariant)
    )
    images: tuple[PatchImage, ...] | UnsetType = attrs.field(
        default=UNSET, validator=tuple_of(PatchImage)
    )
    options: tuple[PatchOption, ...] | UnsetType = attrs.field(
        default=UNSET, validator=tuple_of(PatchOption)
    )
    attributes: tuple[Mapping[str, Any], ...] | UnsetType = attrs.field(
        default=UNSET, validator=json_objects
    )


@attrs.frozen(kw_only=True)
class VariantCreate:
    """A variant of a new product (``ProductCreate.variants``)."""

    sku: str | UnsetType = attrs.field(default=UNSET, validator=text)
    title: str | UnsetType = attrs.field(default=UNSET, validator=any_text)
    inventory_quantity: int | UnsetType = attrs.field(
        default=UNSET, validator=non_negative_int, metadata={WIRE: "inventoryQuantity"}
    )
    barcode: str | UnsetType = attrs.field(default=UNSET, validator=any_text)
    barcode_type: str | UnsetType = attrs.field(default=UNSET, validator=one_of(*BARCODE_TYPES))
    option1: str | UnsetType = attrs.field(default=UNSET, validator=any_text)
    option2: str | UnsetType = attrs.field(default=UNSET, validator=any_text)
    option3: str | UnsetType = attrs.field(default=UNSET, validator=any_text)
    images: tuple[VariantImage, ...] | UnsetType = attrs.field(
        default=UNSET, validator=_variant_images
    )
    attributes: Mapping[str, Any] | UnsetType = attrs.field(default=UNSET, validator=json_object)


def _new_entries(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not UNSET and any(entry.id is not UNSET for entry in value):
        raise ValueError(f"{attribute.name} of a new product cannot carry ids")


@attrs.frozen(kw_only=True)
class ProductCreate:
    """Body of ``POST /products``: ``code``, ``title`` and at least one variant.

    >>> ProductCreate(code="TSHIRT-001", title="T-shirt", variants=(VariantCreate(sku="M"),)).code
    'TSHIRT-001'
    """

    code: str = attrs.field(validator=text)
    title: str = attrs.field(validator=text)
    variants: tuple[VariantCreate, ...] = attrs.field(validator=tuple_of(VariantCreate, at_least=1))
    active: bool | UnsetType = attrs.field(default=UNSET, validator=flag)
    body_html: str | UnsetType = attrs.field(default=UNSET, validator=any_text)
    vendor: str | UnsetType = attrs.field(default=UNSET, validator=any_text)
    tags: tuple[str, ...] | UnsetType = attrs.field(default=UNSET, validator=texts)
    images: tuple[PatchImage, ...] | UnsetType = attrs.field(
        default=UNSET, validator=[tuple_of(PatchImage), _new_entries]
    )
    options: tuple[PatchOption, ...] | UnsetType = attrs.field(
        default=UNSET, validator=[tuple_of(PatchOption), _new_entries]
    )
    google_product_category: GoogleProductCategory | UnsetType = attrs.field(
        default=UNSET, validator=_category
    )
    attributes: Mapping[str, Any] | UnsetType = attrs.field(default=UNSET, validator=json_object)
