"""Seller API price lists (reference 9.1, 10.5): get, create, replace, delete, CSV upload.

A ``Price`` answers with ``_id``, ``listName``, ``currencyName`` (``USD``, ``CAD``, ``EUR``,
``GBP`` or ``AUD``), ``conversion``, ``markup``, ``rounding``, ``applyToNewProducts``,
``discountRate``, ``discountType`` (``fixed`` or ``percent``) and ``list`` (entries ``sku``,
``price``, ``markup``, ``type``, ``retailPrice``, plus the numeric ``variantId`` and
``variantObjectId``); entries whose SKU is not one of the seller's are omitted. ``POST``
needs ``listName``; ``PUT`` replaces the fields it names (``list`` as a whole). A
partnership's ``pricingId`` picks the list its buyer is priced by (``_catalogue``).
``POST /prices/upload`` is ``multipart/form-data`` with ``name`` and a ``file`` in the
template's columns (``_csv``); it answers ``{"_id": ...}``. ``GET /templates/price`` answers
``text/csv``. At most 10,000 entries per list.
"""

from __future__ import annotations

from typing import Any, Final

from aiohttp import BodyPartReader, web

from ._catalogue import PriceEntry, PriceList
from ._csv import price_entries_from_csv, price_template
from ._errors import ApiError
from ._http import call_of, json_reply, read_json, reply_text
from ._ids import iso
from ._state import SandboxState
from ._validation import MAX_NAME, Checker, as_object

__all__ = ["PriceHandlers"]

_CURRENCIES: Final = ("USD", "CAD", "EUR", "GBP", "AUD")
_KINDS: Final = ("fixed", "percent")
_MAX_ENTRIES: Final = 10_000
_MAX_UPLOAD: Final = 4 * 1024 * 1024


class PriceHandlers:
    """The Seller API's price-list handlers, bound to one sandbox's state."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state

    def _price_list(self, request: web.Request) -> PriceList:
        seller = call_of(request).user.company
        price_list = self.state.price_lists.get(request.match_info["priceId"])
        if price_list is None or price_list.company_id != seller.id:
            raise ApiError.not_found("price list")
        return price_list

    def _view(self, price_list: PriceList) -> dict[str, Any]:
        variants = {
            v.sku: v
            for p in self.state.products.values()
            if p.company_id == price_list.company_id
            for v in p.variants
        }
        return {
            "_id": price_list.id,
            "listName": price_list.name,
            "currencyName": price_list.currency,
            "conversion": price_list.conversion,
            "markup": price_list.markup,
            "rounding": price_list.rounding,
            "applyToNewProducts": price_list.apply_to_new_products,
            "discountRate": price_list.discount_rate,
            "discountType": price_list.discount_type,
            "list": [
                {
                    "sku": entry.sku,
                    "price": entry.price,
                    "markup": entry.markup,
                    "type": entry.markup_type,
                    "retailPrice": entry.retail_price,
                    "variantId": variants[entry.sku].legacy_id,
                    "variantObjectId": variants[entry.sku].id,
                }
                for entry in price_list.entries
                if entry.sku in variants
            ],
            "custom": [],
            "created": iso(price_list.created),
            "updated": iso(price_list.updated),
            "companyId": price_list.company_id,
        }

    async def get_price(self, request: web.Request) -> web.Response:
        """``GET /prices/{priceId}``."""
        return json_reply(self._view(self._price_list(request)))

    async def create_price(self, request: web.Request) -> web.Response:
        """``POST /prices``: a new price list."""
        seller = call_of(request).user.company
        body = as_object(await read_json(request))
        check = Checker(body)
        check.text("listName", required=True, max_length=MAX_NAME, empty=False)
        check.raise_if_any()
        price_list = self.state.add_price_list(seller, body["listName"], self.state.now())
        try:
            _apply(price_list, body)
        except ApiError:
            del self.state.price_lists[price_list.id]
            raise
        return json_reply(self._view(price_list))

    async def replace_price(self, request: web.Request) -> web.Response:
        """``PUT /prices/{priceId}``: replace the fields the body names."""
        price_list = self._price_list(request)
        _apply(price_list, as_object(await read_json(request)))
        price_list.updated = self.state.now()
        return json_reply(self._view(price_list))

    async def delete_price(self, request: web.Request) -> web.Response:
        """``DELETE /prices/{priceId}``; partnerships priced by it fall back to base prices."""
        price_list = self._price_list(request)
        del self.state.price_lists[price_list.id]
        return json_reply({"deleted": price_list.id})

    async def upload(self, request: web.Request) -> web.Response:
        """``POST /prices/upload``: a price list from a ``multipart/form-data`` CSV."""
        seller = call_of(request).user.company
        if request.content_type != "multipart/form-data":
            raise ApiError.general(415, "send multipart/form-data with name and file")
        fields = await _form(request)
        check = Checker(fields)
        check.text("name", required=True, max_length=MAX_NAME, empty=False)
        check.text("file", required=True, max_length=_MAX_UPLOAD, empty=False)
        check.raise_if_any()
        entries = price_entries_from_csv(self.state, seller, fields["file"])
        price_list = self.state.add_price_list(seller, fields["name"], self.state.now())
        price_list.entries = entries
        return json_reply({"_id": price_list.id})

    async def template(self, request: web.Request) -> web.Response:
        """``GET /templates/price``: the CSV template of every variant."""
        seller = call_of(request).user.company
        return reply_text(price_template(self.state, seller), content_type="text/csv")


async def _form(request: web.Request) -> dict[str, str]:
    """Return the text of each part of a multipart body (at most 10 parts)."""
    fields: dict[str, str] = {}
    reader = await request.multipart()
    for _ in range(10):
        part = await reader.next()
        if part is None:
            break
        if not isinstance(part, BodyPartReader) or not part.name:
            raise ApiError.invalid("general", "each part must be a named form field")
        raw = await part.read(decode=True)
        try:
            fields[part.name] = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ApiError.invalid(part.name, "must be UTF-8 text") from None
    return fields


def _apply(price_list: PriceList, body: dict[str, Any]) -> None:
    """Apply the fields of a ``Price``/``PriceUpdate`` body, all or nothing."""
    check = Checker(body)
    values: dict[str, Any] = {
        "name": check.text("listName", max_length=MAX_NAME, empty=False),
        "currency": check.choice("currencyName", _CURRENCIES),
        "conversion": check.money("conversion"),
        "markup": check.money("markup"),
        "rounding": check.money("rounding"),
        "apply_to_new_products": check.boolean("applyToNewProducts"),
        "discount_rate": check.money("discountRate"),
        "discount_type": check.choice("discountType", _KINDS),
    }
    raw_entries = check.array("list", max_items=_MAX_ENTRIES)
    entries: list[PriceEntry] = []
    for _, _, entry in check.objects("list", raw_entries):
        entries.append(
            PriceEntry(
                sku=entry.text("sku", required=True, max_length=MAX_NAME) or "",
                price=entry.money("price"),
                markup=entry.money("markup"),
                markup_type=entry.choice("type", _KINDS) or "fixed",
                retail_price=entry.money("retailPrice"),
            )
        )
    check.raise_if_any()
    for name, value in values.items():
        if value is not None:
            setattr(price_list, name, value)
    if raw_entries is not None:
        price_list.entries = entries
