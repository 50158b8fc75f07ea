"""Reading Seller product bodies: ``Product`` (create), ``PatchProduct`` and ``PatchVariant``.

Rules (reference 10.1 to 10.3) and sandbox choices:

* create: ``code``, ``title`` and at least one variant are required; ``code`` is unique per
  seller; a variant without ``sku`` gets ``<code>-<n>``; products are active unless
  ``active: false`` is sent; ``basePrice`` (the seller's default wholesale price) and
  ``retailPrice`` default to 0;
* stock may be sent as ``inventoryQuantity`` or ``inventory_quantity`` (both are accepted in
  requests, section 15); a negative value is refused with "must be greater than 0", the
  vendor's own message;
* ``barcodeType`` is ``upc``, ``gtin-13``, ``gtin-14``, ``ean-8`` or ``gtin`` (stored as
  ``gtin-13``); ``weightUnits`` is ``g``, ``kg``, ``lb``, ``oz`` or ``t``;
* patch: entries with ``_id`` update, entries without create (variants, images, options); an
  image ``source`` is required on create, unique on the product and immutable; a variant's
  ``images[].src`` must be one of the product's image sources;
* ``bodyHtml`` is stored as sent (not sanitized).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Final

from ._accounts import Company
from ._catalogue import Image, Product, Variant
from ._state import SandboxState
from ._validation import MAX_NAME, Checker

__all__ = ["apply_product_patch", "apply_variant_patch", "product_from_body"]

_BARCODE_TYPES: Final = ("upc", "gtin-13", "gtin-14", "ean-8", "gtin")
_WEIGHT_UNITS: Final = ("g", "kg", "lb", "oz", "t")
_MAX_INVENTORY: Final = 10_000_000
_MAX_VARIANTS: Final = 100


def _variant_fields(check: Checker) -> dict[str, Any]:
    """Return the variant fields present in a body, validated (``_id`` excluded)."""
    inventory_key = (
        "inventory_quantity" if "inventory_quantity" in check.body else "inventoryQuantity"
    )
    fields: dict[str, Any] = {
        "sku": check.text("sku", max_length=MAX_NAME, empty=False),
        "title": check.text("title", max_length=MAX_NAME),
        "inventory": check.integer(
            inventory_key, low=0, high=_MAX_INVENTORY, below="must be greater than 0"
        ),
        "barcode": check.text("barcode", max_length=64),
        "barcode_type": check.choice("barcodeType", _BARCODE_TYPES),
        "base_price": check.money("basePrice"),
        "retail_price": check.money("retailPrice"),
        "weight": check.money("weight"),
        "weight_units": check.choice("weightUnits", _WEIGHT_UNITS),
        "attributes": check.obj("attributes"),
    }
    if fields["barcode_type"] == "gtin":
        fields["barcode_type"] = "gtin-13"
    options = [check.text(f"option{n}", max_length=MAX_NAME) for n in (1, 2, 3)]
    if any(f"option{n}" in check.body for n in (1, 2, 3)):
        fields["options"] = (options[0], options[1], options[2])
    sources = check.array("images", max_items=50)
    if sources is not None:
        if all(isinstance(s, dict) and isinstance(s.get("src"), str) for s in sources):
            fields["image_sources"] = [s["src"] for s in sources]
        else:
            check.add("images", "must be a list of {src} objects")
    return {key: value for key, value in fields.items() if value is not None}


def _check_sources(check: Checker, product: Product, fields: dict[str, Any]) -> None:
    known = {image.source for image in product.images}
    if any(src not in known for src in fields.get("image_sources", [])):
        check.add("images", "each src must be the source of an image of the product")


def _new_variant(state: SandboxState, code: str, number: int, fields: dict[str, Any]) -> Variant:
    values = {
        "sku": f"{code}-{number}",
        "title": "Default Title",
        "inventory": 0,
        "base_price": Decimal(0),
        "retail_price": Decimal(0),
        **fields,
    }
    return Variant(id=state.ids.object_id(), legacy_id=state.ids.legacy_id(), **values)


def _images(state: SandboxState, check: Checker, product: Product, raw: list[Any]) -> None:
    """Create or update images from a list of ``{_id?, source, position, variantIds}``."""
    for _, entry, image_check in check.objects("images", raw):
        position = image_check.integer("position", low=0, high=1000)
        variant_ids = image_check.strings("variantIds")
        image_id = entry.get("_id")
        if image_id is None:
            source = image_check.text("source", required=True, max_length=2000, empty=False)
            if source and any(image.source == source for image in product.images):
                image_check.add("source", "must be unique on the product")
            elif source:
                product.images.append(
                    Image(
                        id=state.ids.object_id(),
                        source=source,
                        position=position or len(product.images) + 1,
                        variant_ids=variant_ids or [],
                    )
                )
            continue
        image = next((i for i in product.images if i.id == image_id), None)
        if image is None:
            image_check.add("_id", "is not an image of this product")
        elif "source" in entry and entry["source"] != image.source:
            image_check.add("source", "is immutable; delete the image and create a new one")
        else:
            image.position = position if position is not None else image.position
            image.variant_ids = variant_ids if variant_ids is not None else image.variant_ids


def _options(state: SandboxState, check: Checker, product: Product, raw: list[Any]) -> None:
    """Create or rename options from ``{_id?, name, position}`` entries."""
    for index, entry, option_check in check.objects("options", raw):
        name = option_check.text("name", required=True, max_length=MAX_NAME)
        option_id = entry.get("_id")
        if name is None:
            continue
        if option_id is None:
            if len(product.option_names) >= 3:
                check.add(f"options[{index}]", "a product has at most 3 options")
            else:
                product.option_names.append((state.ids.object_id(), name))
            continue
        positions = [n for n, (oid, _) in enumerate(product.option_names) if oid == option_id]
        if not positions:
            check.add(f"options[{index}]._id", "is not an option of this product")
        else:
            product.option_names[positions[0]] = (option_id, name)


def product_from_body(state: SandboxState, seller: Company, body: dict[str, Any]) -> Product:
    """Validate a ``Product`` body and return the new product (not yet stored)."""
    check = Checker(body)
    code = check.text("code", required=True, max_length=MAX_NAME, empty=False)
    raw_variants = check.array("variants", required=True, min_items=1, max_items=_MAX_VARIANTS)
    if code and any(p.company_id == seller.id and p.code == code for p in state.products.values()):
        check.add("code", "must be unique among the seller's products")
    now = state.now()
    product = Product(
        id=state.ids.object_id(),
        company_id=seller.id,
        code=code or "",
        title="",
        created=now,
        updated=now,
        variants=[],
    )
    _scalars(check, product, creating=True)
    for key, apply in (("images", _images), ("options", _options)):
        raw = check.array(key, max_items=50)
        if raw:
            apply(state, check, product, raw)
    for index, _, variant_check in check.objects("variants", raw_variants):
        fields = _variant_fields(variant_check)
        _check_sources(variant_check, product, fields)
        product.variants.append(_new_variant(state, product.code, index + 1, fields))
    check.raise_if_any()
    return product


def _scalars(check: Checker, product: Product, *, creating: bool) -> None:
    """Apply the scalar fields of a create or patch body to ``product``."""
    active = check.boolean("active")
    title = check.text("title", required=creating, max_length=MAX_NAME, empty=False)
    values: dict[str, Any] = {
        "body_html": check.text("bodyHtml", max_length=100_000),
        "vendor": check.text("vendor", max_length=MAX_NAME),
        "tags": check.strings("tags"),
        "attributes": check.obj("attributes"),
        "active": active,
        "title": title,
    }
    category = check.obj("googleProductCategory")
    if category is not None:
        nested = check.nested(category, "googleProductCategory")
        code = nested.integer("code", low=0, high=10**6)
        name = nested.text("name", max_length=MAX_NAME)
        values["google_category"] = (code or 0, name or "")
    for name, value in values.items():
        if value is not None:
            setattr(product, name, value)


def apply_product_patch(state: SandboxState, product: Product, body: dict[str, Any]) -> None:
    """Apply a ``PatchProduct`` body, all or nothing."""
    check = Checker(body)
    scratch = Product(**{f: getattr(product, f) for f in _PRODUCT_FIELDS})
    scratch.images = [Image(**vars_of(image)) for image in product.images]
    scratch.option_names = list(product.option_names)
    scratch.tags = list(product.tags)
    _scalars(check, scratch, creating=False)
    for key, apply in (("images", _images), ("options", _options)):
        raw = check.array(key, max_items=50)
        if raw:
            apply(state, check, scratch, raw)
    updates: list[tuple[Variant | None, dict[str, Any]]] = []
    raw_variants = check.array("variants", max_items=_MAX_VARIANTS)
    for _, entry, variant_check in check.objects("variants", raw_variants):
        fields = _variant_fields(variant_check)
        _check_sources(variant_check, scratch, fields)
        variant = product.variant(entry["_id"]) if "_id" in entry else None
        if "_id" in entry and variant is None:
            variant_check.add("_id", "is not a variant of this product")
        updates.append((variant, fields))
    check.raise_if_any()
    for name in _PRODUCT_FIELDS:
        setattr(product, name, getattr(scratch, name))
    for variant, fields in updates:
        if variant is None:
            product.variants.append(
                _new_variant(state, product.code, len(product.variants) + 1, fields)
            )
        else:
            _set_variant(variant, fields)
    product.updated = state.now()
    state.index_variants(product)


def apply_variant_patch(
    state: SandboxState, product: Product, variant: Variant, body: dict[str, Any]
) -> None:
    """Apply a ``PatchVariant`` body to one variant, all or nothing."""
    check = Checker(body)
    if "_id" in body and body["_id"] != variant.id:
        check.add("_id", "is immutable")
    fields = _variant_fields(check)
    _check_sources(check, product, fields)
    check.raise_if_any()
    _set_variant(variant, fields)
    product.updated = state.now()


def _set_variant(variant: Variant, fields: dict[str, Any]) -> None:
    for name, value in fields.items():
        setattr(variant, name, value)


def vars_of(image: Image) -> dict[str, Any]:
    """Return an image's fields as keyword arguments (for a scratch copy)."""
    return {
        "id": image.id,
        "source": image.source,
        "position": image.position,
        "variant_ids": list(image.variant_ids),
    }


_PRODUCT_FIELDS: Final = (
    "id",
    "company_id",
    "code",
    "title",
    "created",
    "updated",
    "variants",
    "vendor",
    "body_html",
    "tags",
    "active",
    "images",
    "option_names",
    "google_category",
    "attributes",
)
