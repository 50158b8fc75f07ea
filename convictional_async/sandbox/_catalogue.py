"""The catalogue: sellers' products, variants and price lists, and its seeded start.

Seeding is deterministic from the seed: product ``i`` belongs to seller ``i % sellers``, has 1
to 3 variants (sizes), a wholesale ``basePrice`` from 4.00 to 250.00 and an MSRP
``retailPrice`` 30 % to 90 % above it (whole dollars), stock from 0 to 500 and a creation date
in 2021. Every seller starts with one empty ``Default`` price list, assigned to its buyer
partnership.

What a buyer pays (``basePrice`` in Buyer payloads) is the entry for the variant's SKU in the
price list of the partnership, else the variant's own ``basePrice``; its ``retailPrice`` the
entry's ``retailPrice``, else the variant's.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Final

import attrs

from ._ids import IdFactory

__all__ = [
    "CENT",
    "Image",
    "PriceEntry",
    "PriceList",
    "Product",
    "Variant",
    "seed_products",
]

CENT: Final = Decimal("0.01")
_ADJECTIVES: Final = (
    "Classic", "Everyday", "Organic", "Vintage", "Compact", "Deluxe", "Rugged", "Linen",
    "Recycled", "Heritage", "Modern", "Travel",
)  # fmt: skip
_NOUNS: Final = (
    "Tote Bag", "Water Bottle", "T-Shirt", "Hoodie", "Notebook", "Candle", "Backpack",
    "Sneakers", "Mug", "Scarf", "Desk Lamp", "Yoga Mat", "Beanie", "Wallet",
)  # fmt: skip
_SIZES: Final = ("S", "M", "L")
_EPOCH: Final = datetime.fromisoformat("2021-01-04T09:00:00+00:00")


@attrs.define(kw_only=True, eq=False)
class Variant:
    """One sellable variant (size, colour...) of a product."""

    id: str
    legacy_id: int
    sku: str
    title: str
    inventory: int
    base_price: Decimal
    retail_price: Decimal
    barcode: str = ""
    barcode_type: str = "upc"
    options: tuple[str | None, str | None, str | None] = (None, None, None)
    weight: Decimal = Decimal("0.5")
    weight_units: str = "kg"
    image_sources: list[str] = attrs.field(factory=list)
    attributes: dict[str, Any] = attrs.field(factory=dict)


@attrs.define(kw_only=True, eq=False)
class Image:
    """A product image at a public URL."""

    id: str
    source: str
    position: int
    variant_ids: list[str] = attrs.field(factory=list)


@attrs.define(kw_only=True, eq=False)
class Product:
    """A seller's product; buyers see it when it is active and the seller is a partner."""

    id: str
    company_id: str
    code: str
    title: str
    created: datetime
    updated: datetime
    variants: list[Variant]
    vendor: str = ""
    body_html: str = ""
    tags: list[str] = attrs.field(factory=list)
    active: bool = True
    images: list[Image] = attrs.field(factory=list)
    option_names: list[tuple[str, str]] = attrs.field(factory=list)  # (option id, name)
    google_category: tuple[int, str] = (0, "")
    attributes: dict[str, Any] = attrs.field(factory=dict)

    def variant(self, variant_id: str) -> Variant | None:
        """Return the variant with this id, or None."""
        return next((v for v in self.variants if v.id == variant_id), None)


@attrs.define(kw_only=True, eq=False)
class PriceEntry:
    """One SKU's price in a price list."""

    sku: str
    price: Decimal | None = None
    markup: Decimal | None = None
    markup_type: str = "fixed"
    retail_price: Decimal | None = None


@attrs.define(kw_only=True, eq=False)
class PriceList:
    """A seller's price list; a partnership's ``pricingId`` names the one its buyer gets."""

    id: str
    company_id: str
    name: str
    created: datetime
    updated: datetime
    currency: str = "USD"
    conversion: Decimal = Decimal(1)
    markup: Decimal = Decimal(0)
    rounding: Decimal = Decimal(0)
    apply_to_new_products: bool = True
    discount_rate: Decimal = Decimal(0)
    discount_type: str = "percent"
    entries: list[PriceEntry] = attrs.field(factory=list)

    def entry(self, sku: str) -> PriceEntry | None:
        """Return the entry for ``sku``, or None."""
        return next((e for e in self.entries if e.sku == sku), None)


def seed_products(ids: IdFactory, *, seed: int, seller_ids: list[str], count: int) -> list[Product]:
    """Return ``count`` deterministic products spread over the sellers."""
    rng = random.Random(f"convictional-catalogue-{seed}")
    return [
        _seed_product(ids, rng, index, seller_ids[index % len(seller_ids)])
        for index in range(count)
    ]


def _seed_product(ids: IdFactory, rng: random.Random, index: int, seller_id: str) -> Product:
    title = f"{rng.choice(_ADJECTIVES)} {rng.choice(_NOUNS)} {index + 1}"
    code = f"P{index + 1:05d}"
    created = _EPOCH + timedelta(hours=index * 7, seconds=rng.randrange(3600))
    sizes = _SIZES[: rng.randint(1, 3)]
    base = Decimal(rng.randrange(400, 25_000)) * CENT
    retail = (base * Decimal(rng.randint(130, 190)) / 100).quantize(Decimal(1))
    variants = [
        Variant(
            id=ids.object_id(),
            legacy_id=ids.legacy_id(),
            sku=f"{code}-{size}",
            title=size if len(sizes) > 1 else "Default Title",
            inventory=rng.randrange(0, 501),
            base_price=base,
            retail_price=retail,
            barcode=f"{rng.randrange(10**11, 10**12)}",
            options=(size if len(sizes) > 1 else "Default Title", None, None),
        )
        for size in sizes
    ]
    image = Image(
        id=ids.object_id(),
        source=f"https://images.example.com/{code.lower()}.png",
        position=1,
    )
    return Product(
        id=ids.object_id(),
        company_id=seller_id,
        code=code,
        title=title,
        created=created,
        updated=created,
        variants=variants,
        vendor=title.split()[0] + " Goods",
        body_html=f"<p>{title}, from the sandbox catalogue.</p>",
        tags=[title.split()[1].lower(), "sandbox"],
        images=[image],
        option_names=[(ids.object_id(), "Size" if len(sizes) > 1 else "Title")],
    )
