"""CSV in and out: ``POST /products`` as ``text/csv``, the price template and price upload.

The real column lists are unknown (reference section 15); the sandbox's:

* Products (``PRODUCT_COLUMNS``): a header row naming any of ``code``, ``title``, ``vendor``,
  ``bodyHtml``, ``tags`` (separated by ``|``), ``active`` (``true``/``false``), ``sku``,
  ``variantTitle``, ``inventoryQuantity``, ``barcode``, ``barcodeType``, ``option1`` to
  ``option3``, ``basePrice``, ``retailPrice``; ``code`` and ``title`` are required. Rows with
  the same ``code`` are variants of one product; each product follows the JSON rules
  (``_product_bodies``) and problems are reported as ``products[n].<field>``.
* Price template (``GET /templates/price``, ``PRICE_COLUMNS``): one row per variant of the
  seller: ``Variant ID``, ``SKU``, ``Product Title``, ``Variant Title``, ``Base Price``
  (read-only, filled in), then ``Price``, ``Markup``, ``Markup Type``, ``Retail Price``
  (blank).
* Price upload (``POST /prices/upload``): the template's header exactly, in order; read-only
  columns may be blank; ``SKU`` must be one of the seller's; the other columns are blank or
  numbers (``Markup Type``: ``fixed`` or ``percent``). Problems are ``rows[n].<column>``.

At most 20,000 rows per file.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from ._accounts import Company
from ._catalogue import PriceEntry, Product
from ._errors import ApiError, Problems
from ._product_bodies import product_from_body
from ._state import SandboxState
from ._validation import MAX_MONEY

__all__ = [
    "PRICE_COLUMNS",
    "PRODUCT_COLUMNS",
    "price_entries_from_csv",
    "price_template",
    "products_from_csv",
]

PRODUCT_COLUMNS: Final = (
    "code", "title", "vendor", "bodyHtml", "tags", "active", "sku", "variantTitle",
    "inventoryQuantity", "barcode", "barcodeType", "option1", "option2", "option3",
    "basePrice", "retailPrice",
)  # fmt: skip
PRICE_COLUMNS: Final = (
    "Variant ID", "SKU", "Product Title", "Variant Title", "Base Price", "Price", "Markup",
    "Markup Type", "Retail Price",
)  # fmt: skip
MAX_ROWS: Final = 20_000
_VARIANT_TEXT: Final = ("sku", "barcode", "barcodeType", "option1", "option2", "option3")


def _rows(text: str) -> Iterator[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text), restval="")
    for number, row in enumerate(reader):
        if number >= MAX_ROWS:
            raise ApiError.invalid("general", f"a file may hold at most {MAX_ROWS} rows")
        yield number, {key: (value or "").strip() for key, value in row.items() if key}


def _header(text: str) -> list[str]:
    first = next(csv.reader(io.StringIO(text)), [])
    return [name.strip() for name in first]


def _number(raw: str, problems: Problems, path: str) -> Any:
    if not raw:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or not 0 <= value <= MAX_MONEY:
        problems.setdefault(path, []).append(f"must be a number from 0 to {MAX_MONEY}")
        return None
    return int(value) if value == value.to_integral_value() and "." not in raw else value


def products_from_csv(state: SandboxState, seller: Company, text: str) -> list[Product]:
    """Validate a products CSV and return the new products (not yet stored)."""
    header = _header(text)
    unknown = [name for name in header if name not in PRODUCT_COLUMNS]
    missing = [name for name in ("code", "title") if name not in header]
    if unknown or missing:
        message = f"columns must be among {', '.join(PRODUCT_COLUMNS)}; code and title are required"
        raise ApiError.invalid("general", message)
    problems: Problems = {}
    bodies: dict[str, dict[str, Any]] = {}
    for number, row in _rows(text):
        body = bodies.setdefault(row.get("code", ""), _product_body(row))
        variant: dict[str, Any] = {key: row[key] for key in _VARIANT_TEXT if row.get(key)}
        if row.get("variantTitle"):
            variant["title"] = row["variantTitle"]
        for key in ("inventoryQuantity", "basePrice", "retailPrice"):
            value = _number(row.get(key, ""), problems, f"rows[{number}].{key}")
            if value is not None:
                variant[key] = value
        body["variants"].append(variant)
    if not bodies:
        raise ApiError.invalid("general", "the file holds no product rows")
    products = []
    for index, body in enumerate(bodies.values()):
        try:
            products.append(product_from_body(state, seller, body))
        except ApiError as error:
            for field, messages in error.problems.items():
                problems.setdefault(f"products[{index}].{field}", []).extend(messages)
    if problems:
        raise ApiError.invalid_many(problems)
    return products


def _product_body(row: dict[str, str]) -> dict[str, Any]:
    body: dict[str, Any] = {"code": row.get("code", ""), "title": row.get("title", "")}
    for key in ("vendor", "bodyHtml"):
        if row.get(key):
            body[key] = row[key]
    if row.get("tags"):
        body["tags"] = [tag.strip() for tag in row["tags"].split("|") if tag.strip()]
    if row.get("active"):
        body["active"] = {"true": True, "false": False}.get(row["active"].lower(), row["active"])
    body["variants"] = []
    return body


def price_template(state: SandboxState, seller: Company) -> str:
    """Return the price upload template: every variant of ``seller``, prices blank."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(PRICE_COLUMNS)
    for product in state.products.values():
        if product.company_id != seller.id:
            continue
        for variant in product.variants:
            writer.writerow(
                [variant.legacy_id, variant.sku, product.title, variant.title, variant.base_price]
                + [""] * 4
            )
    return out.getvalue()


def price_entries_from_csv(state: SandboxState, seller: Company, text: str) -> list[PriceEntry]:
    """Validate an uploaded price CSV and return its entries."""
    if tuple(_header(text)) != PRICE_COLUMNS:
        raise ApiError.invalid("file", f"the header must be exactly: {','.join(PRICE_COLUMNS)}")
    skus = {v.sku for p in state.products.values() if p.company_id == seller.id for v in p.variants}
    problems: Problems = {}
    entries = []
    for number, row in _rows(text):
        path = f"rows[{number}]"
        if row.get("SKU") not in skus:
            problems.setdefault(f"{path}.SKU", []).append("is not a SKU of this seller")
        kind = row.get("Markup Type") or "fixed"
        if kind not in ("fixed", "percent"):
            problems.setdefault(f"{path}.Markup Type", []).append("must be fixed or percent")
        price, markup, retail = (
            _number(row.get(column, ""), problems, f"{path}.{column}")
            for column in ("Price", "Markup", "Retail Price")
        )
        entries.append(
            PriceEntry(
                sku=row.get("SKU", ""),
                price=None if price is None else Decimal(price),
                markup=None if markup is None else Decimal(markup),
                markup_type=kind,
                retail_price=None if retail is None else Decimal(retail),
            )
        )
    if problems:
        raise ApiError.invalid_many(problems)
    return entries
