"""Settings of the Convictional sandbox, including its switches for undocumented behaviour.

The world (all deterministic from ``seed``):

* ``sellers``: seller companies, one user and API key each (1 to 50);
* ``products``: seeded products spread over the sellers (0 to 20,000), 1 to 3 variants each,
  all active and all partnered with the one buyer company.

Where the reference (section 15) says the behaviour is unknown, a switch picks it:

* ``order_create_response``: the body of ``POST /buyer/orders``: ``"order"`` (the default, a
  bare ``BuyerOrder``), ``"envelope"`` (``{"data": order, "error": []}``), ``"id_json"`` (the
  id as a JSON string) or ``"id_text"`` (the id as ``text/plain``);
* ``legacy_products``: ``True`` serves Seller products as before 3 Aug 2022 (a bare array, a
  bare object, ``_id``, ``inventory_quantity``, ``created``/``updated``); ``False`` (default)
  as after (``{"data": ...}``, ``id``, ``inventoryQuantity``, ``createdAt``/``updatedAt``);
* ``rate_limit``: requests per API key per 1-second bucket: ``5`` (default, strict), any other
  1 to 100,000, or ``None`` (off);
* ``errors``: ``"header"`` (default: the new format only with ``Enable-New-Errors: true``),
  ``"new"`` (always, as since 17 Oct 2022) or ``"legacy"`` (never);
* ``duplicate_buyer_reference``: a second order with the same ``buyerReference`` from the same
  buyer gets ``"conflict"`` (409, default), ``"invalid"`` (a validation error on
  ``buyerReference``) or is ``"allow"``-ed;
* ``pinned_version``: the API version used when ``Accept`` names none;
* ``require_tracking``: fulfillments without ``trackingCode`` are rejected (the buyer
  "requires tracking information").

The order lifecycle can also advance on its own, in seconds of ``clock`` (``None``: never):
``auto_post_after`` (default 0: seller orders are posted at once; ``None``: posted when the
seller first reads them), ``auto_fulfil_after`` (after creation, every open item is shipped by
"Sandbox Post") and ``auto_invoice_after`` (after shipping, an invoice without taxes).

``clock`` returns Unix seconds; it stamps every date and drives the rate-limit buckets and the
lifecycle. Inject a fake one in tests.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Final, Literal

import attrs

from convictional_async.core._validate import (
    attrs_check,
    integer,
    non_negative_int,
    non_negative_number,
    positive_int,
)
from convictional_async.core.sandbox import check_rate_limit

from ._versions import VERSIONS

__all__ = [
    "MAX_PRODUCTS",
    "MAX_SELLERS",
    "DuplicateReference",
    "ErrorFormat",
    "OrderCreateResponse",
    "SandboxConfig",
]

MAX_PRODUCTS: Final = 20_000
MAX_SELLERS: Final = 50
_MAX_DELAY: Final = 30 * 24 * 3600.0

OrderCreateResponse = Literal["order", "envelope", "id_json", "id_text"]
ErrorFormat = Literal["header", "new", "legacy"]
DuplicateReference = Literal["conflict", "invalid", "allow"]


def _one_of(*choices: str) -> Callable[[Any, attrs.Attribute[Any], str], None]:
    def check(_: Any, attribute: attrs.Attribute[Any], value: str) -> None:
        if value not in choices:
            raise ValueError(f"{attribute.name} must be one of {list(choices)}, not {value!r}")

    return check


def _check_bool(_: Any, attribute: attrs.Attribute[Any], value: bool) -> None:
    if not isinstance(value, bool):
        raise ValueError(f"{attribute.name} must be a bool")


def _check_seed(_: Any, attribute: attrs.Attribute[Any], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("seed must be an int")


def _check_delay(_: Any, attribute: attrs.Attribute[Any], value: float | None) -> None:
    if value is not None:
        non_negative_number(attribute.name, value, _MAX_DELAY)


def _check_rate_limit(_: Any, attribute: attrs.Attribute[Any], value: int | None) -> None:
    check_rate_limit(value)


def _check_clock(_: Any, attribute: attrs.Attribute[Any], value: Callable[[], float]) -> None:
    if not callable(value):
        raise ValueError("clock must be a callable returning Unix seconds")


@attrs.frozen(kw_only=True)
class SandboxConfig:
    """Immutable settings of one Convictional sandbox.

    Example::

        config = SandboxConfig(products=1234, rate_limit=None, errors="new")
        async with Sandbox(config) as sandbox:
            ...
    """

    seed: int = attrs.field(default=0, validator=_check_seed)
    sellers: int = attrs.field(default=4, validator=attrs_check(positive_int, MAX_SELLERS))
    products: int = attrs.field(default=300, validator=attrs_check(non_negative_int, MAX_PRODUCTS))
    rate_limit: int | None = attrs.field(default=5, validator=_check_rate_limit)
    errors: ErrorFormat = attrs.field(
        default="header", validator=_one_of("header", "new", "legacy")
    )
    order_create_response: OrderCreateResponse = attrs.field(
        default="order", validator=_one_of("order", "envelope", "id_json", "id_text")
    )
    legacy_products: bool = attrs.field(default=False, validator=_check_bool)
    duplicate_buyer_reference: DuplicateReference = attrs.field(
        default="conflict", validator=_one_of("conflict", "invalid", "allow")
    )
    pinned_version: str = attrs.field(default=VERSIONS[-1], validator=_one_of(*VERSIONS))
    require_tracking: bool = attrs.field(default=False, validator=_check_bool)
    auto_post_after: float | None = attrs.field(default=0.0, validator=_check_delay)
    auto_fulfil_after: float | None = attrs.field(default=None, validator=_check_delay)
    auto_invoice_after: float | None = attrs.field(default=None, validator=_check_delay)
    max_body_bytes: int = attrs.field(
        default=8 * 1024 * 1024, validator=attrs_check(integer, 1024, 64 * 1024 * 1024)
    )
    clock: Callable[[], float] = attrs.field(
        default=time.time, validator=_check_clock, eq=False, repr=False
    )
