"""Convictional models used by every API group: addresses, measures, users, partners, documents.

Server models (decoded from responses) are lenient: every field the reference does not
promise is optional, the spellings of older API versions are accepted, and fields the
class does not declare are kept in ``extra``. Request models (bodies) leave fields that
were not given at ``UNSET`` and check their values on construction (``ValueError``).
Models hold no serialization code: field metadata only names the JSON spellings.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, NewType

import attrs

from ._models_validators import any_text, flag, json_object, text, texts, tuple_of
from .core._serialization import ALIASES, EXTRA, UNSET, WIRE, UnsetType

StrOrIntId = NewType("StrOrIntId", str)
"""An id some API versions send as a JSON number: always a ``str`` in Python."""


def wire(name: str, *aliases: str | tuple[str, ...]) -> dict[str, Any]:
    """Field metadata: the JSON name of a field, then other names responses may use."""
    return {WIRE: name, ALIASES: aliases}


def extra_field() -> Any:
    """The ``extra`` field of a server model: response fields the model does not declare."""
    return attrs.field(factory=dict, metadata={EXTRA: True})


ID = wire("id", "_id")
"""``id`` (Buyer payloads, Seller products since Aug 2022), or the older ``_id``."""
OBJECT_ID = wire("_id", "id")
"""``_id`` (Seller and Shared v2021 models), or ``id``."""
CREATED = wire("created", "createdAt")
UPDATED = wire("updated", "updatedAt")


@attrs.frozen(kw_only=True)
class Address:
    """A postal address: an order's ship-to or bill-to, or a new order's ``address``.

    >>> Address(name="Kevin McCallister", address_one="671 Lincoln Avenue", city="Winnetka",
    ...         state="IL", country="US", zip="60093").city
    'Winnetka'
    """

    name: str | None = None
    address_one: str | None = None
    address_two: str | None = None
    city: str | None = None
    state: str | None = None
    country: str | None = None
    zip: str | None = None
    company: str | None = None
    phone_number: str | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class Dimensions:
    """A parcel's size; ``units`` is ``"cm"`` or ``"in"`` (``""`` when not set)."""

    length: Decimal | None = None
    width: Decimal | None = None
    height: Decimal | None = None
    units: str | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class GoogleProductCategory:
    """A Google product category; ``code`` 0 with ``name`` "" means uncategorised."""

    code: int | None = None
    name: str | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class Deleted:
    """The answer to a DELETE: the id of what was deleted."""

    deleted: str
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class CreatedId:
    """The answer to a create that returns only an id (a fulfillment, a price upload)."""

    id: str = attrs.field(metadata=ID)
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class User:
    """A user of the API; ``api_key`` is a secret and stays out of ``repr``."""

    id: str = attrs.field(metadata=OBJECT_ID)
    emails: tuple[str, ...] = ()
    first_name: str | None = None
    last_name: str | None = None
    api_key: str | None = attrs.field(default=None, repr=False)
    created_at: datetime | None = attrs.field(default=None, metadata=CREATED)
    updated_at: datetime | None = attrs.field(default=None, metadata=UPDATED)
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class Company:
    """A buyer's or a seller's company (``commerce_type`` says which)."""

    id: str = attrs.field(metadata=OBJECT_ID)
    url: str | None = None
    commerce_type: str | None = None
    name: str | None = None
    contact_email: str | None = None
    created_at: datetime | None = attrs.field(default=None, metadata=CREATED)
    updated_at: datetime | None = attrs.field(default=None, metadata=UPDATED)
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class CurrentUser:
    """``GET /auth/me``: who the API key belongs to."""

    user: User
    company: Company
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class OnboardingStep:
    """One onboarding step: ``status`` is ``completed``, ``incomplete`` or ``skipped``."""

    required: bool | None = None
    status: str | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class GettingStarted:
    """A partner's onboarding progress."""

    connect_shopify: OnboardingStep | None = None
    connect_big_commerce: OnboardingStep | None = None
    connect_woo_commerce: OnboardingStep | None = None
    connect_lightspeed: OnboardingStep | None = None
    connect_stripe: OnboardingStep | None = None
    invite_team: OnboardingStep | None = None
    invite_partners: OnboardingStep | None = None
    active_products: OnboardingStep | None = None
    created_price_list: OnboardingStep | None = None
    add_payment_method: OnboardingStep | None = None
    signed_up: bool | None = None
    required_count: int | None = None
    done_count: int | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class Partner:
    """A trading relationship between a buyer and a seller."""

    id: str = attrs.field(metadata=OBJECT_ID)
    pricing_id: str | None = None
    company_id: str | None = None
    seller_company_object_id: str | None = None
    buyer_company_object_id: str | None = None
    seller_assigned_code: str | None = None
    buyer_assigned_code: str | None = None
    seller_name: str | None = None
    buyer_name: str | None = None
    average_ship_time: Decimal | None = None
    """Hours, over the last 30 days."""
    average_return_rate: Decimal | None = None
    """A fraction from 0 to 1."""
    metafields: Mapping[str, Any] = attrs.field(factory=dict)
    seller_onboarding_completed: bool | None = None
    buyer_onboarding_completed: bool | None = None
    getting_started: GettingStarted | None = None
    created_at: datetime | None = attrs.field(default=None, metadata=CREATED)
    updated_at: datetime | None = attrs.field(default=None, metadata=UPDATED)
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class PartnerCreate:
    """Body of ``POST /partners``: sellers give ``pricing_id``, buyers only ``email``."""

    email: str = attrs.field(validator=text)
    pricing_id: str | UnsetType = attrs.field(default=UNSET, validator=text)


@attrs.frozen(kw_only=True)
class PartnerUpdate:
    """Body of ``PATCH /partners/{id}``; ``billing`` means invoicing through Convictional."""

    active: bool | UnsetType = attrs.field(default=UNSET, validator=flag)
    billing: bool | UnsetType = attrs.field(default=UNSET, validator=flag)
    price_list: str | UnsetType = attrs.field(default=UNSET, validator=any_text)
    pricing_id: str | UnsetType = attrs.field(default=UNSET, validator=text)
    seller_assigned_code: str | UnsetType = attrs.field(default=UNSET, validator=any_text)
    buyer_assigned_code: str | UnsetType = attrs.field(default=UNSET, validator=any_text)
    metafields: Mapping[str, Any] | UnsetType = attrs.field(default=UNSET, validator=json_object)


@attrs.frozen(kw_only=True)
class CompanyViewer:
    """A company a document is shared with."""

    id: str | None = attrs.field(default=None, metadata=ID)
    name: str | None = None
    added_by_name: str | None = None
    added_by_email: str | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class Document:
    """A stored document's metadata (``size`` in bytes, ``file_type`` a MIME type)."""

    id: str = attrs.field(metadata=OBJECT_ID)
    user_id: str | None = None
    company_id: str | None = None
    shared_with_company: bool | None = None
    company_viewers: tuple[CompanyViewer, ...] = ()
    size: int | None = None
    file_name: str | None = None
    file_type: str | None = None
    deletable: bool | None = None
    tags: tuple[str, ...] = ()
    created_at: datetime | None = attrs.field(default=None, metadata=CREATED)
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class DocumentContent:
    """``GET /documents/{id}``: the file itself (base64 on the wire, bytes here)."""

    content: bytes = attrs.field(repr=False, metadata={WIRE: "bytes"})
    file_name: str | None = None
    file_type: str | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class PartnerViewAccess:
    """A partner allowed to see an uploaded document."""

    partner_id: str = attrs.field(validator=text)
    name: str | UnsetType = attrs.field(default=UNSET, validator=any_text)


def _content(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, bytes) or not value:
        raise ValueError(f"{attribute.name} must be non-empty bytes")


@attrs.frozen(kw_only=True)
class UploadDocument:
    """Body of ``POST /documents``: a file (sent base64-encoded) and who may see it."""

    file_name: str = attrs.field(validator=text)
    file_type: str = attrs.field(validator=text)
    content: bytes = attrs.field(repr=False, validator=_content, metadata={WIRE: "bytes"})
    shared_with_company: bool | UnsetType = attrs.field(default=UNSET, validator=flag)
    partners_with_view_access: tuple[PartnerViewAccess, ...] | UnsetType = attrs.field(
        default=UNSET, validator=tuple_of(PartnerViewAccess)
    )
    tags: tuple[str, ...] | UnsetType = attrs.field(default=UNSET, validator=texts)
