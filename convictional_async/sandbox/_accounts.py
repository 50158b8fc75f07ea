"""Companies, their users (one API key each) and the partnerships between them.

A company is a buyer or a seller (``commerceType``). The seeded world has one buyer company,
``Sandbox Retail``, and ``SandboxConfig.sellers`` seller companies, ``Sandbox Seller 1`` and
on; every company has one user whose key authenticates it, and the buyer is partnered with
every seller. IDs double as the legacy ``companyId`` and the ``*CompanyObjectId`` values.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

import attrs

__all__ = ["CommerceType", "Company", "Partnership", "User"]

CommerceType = Literal["buyer", "seller"]


@attrs.define(kw_only=True, eq=False)
class Company:
    """A buyer or seller company."""

    id: str
    name: str
    commerce_type: CommerceType
    contact_email: str
    url: str
    created: datetime


@attrs.define(kw_only=True, eq=False)
class User:
    """A user of a company; ``api_key`` is never shown in a repr."""

    id: str
    company: Company
    email: str
    first_name: str
    last_name: str
    api_key: str = attrs.field(repr=False)
    created: datetime
    updated: datetime


@attrs.define(kw_only=True, eq=False)
class Partnership:
    """A buyer-seller relationship; ``pricing_id`` names the seller's price list for it."""

    id: str
    buyer: Company
    seller: Company
    created: datetime
    updated: datetime
    pricing_id: str | None = None
    active: bool = True
    billing: bool = True
    seller_assigned_code: str = ""
    buyer_assigned_code: str = ""
    seller_onboarding_completed: bool = True
    buyer_onboarding_completed: bool = True
    metafields: dict[str, Any] = attrs.field(factory=dict)

    def other(self, company: Company) -> Company:
        """Return the partner of ``company`` in this partnership."""
        return self.seller if company is self.buyer else self.buyer
