"""Shared API handlers (reference 9.2): the caller, users, invitations, partners, webhooks.

Answers and choices:

* ``GET /auth/me``: ``{"user": User, "company": Company}``; the user's ``apiKey`` is left
  out (only ``POST /users/{id}/roll`` shows a key, the new one).
* ``PATCH /users/{userId}`` (``firstName``, ``lastName``) and ``POST /users/{userId}/roll``
  work on the caller's own user only (another id is 404); after a roll the old key is 401.
* ``POST /onboarding/user/invite``: ``{"user": {"firstName", "lastName", "email"}}``
  (``email`` required); answers 200 with an empty body.
* ``GET /partners``: ``{"data": [...]}``, 50 per page, ``completed`` (both sides onboarded)
  and ``showOnboardingStatus`` (``gettingStarted`` is null unless true).
  ``POST /partners``: a seller sends ``email`` and ``pricingId`` (one of its price lists), a
  buyer only ``email``; the invited company is created, not yet onboarded; an email already
  partnered is 409. ``PATCH /partners/{id}`` takes ``PartnerUpdate``; only a seller may set
  ``pricingId`` (``priceList`` is read as the same).
* ``POST /webhooks`` creates an inactive configuration and ``PATCH`` or ``PUT
  /webhooks/{id}`` (the method is undocumented) updates it; both answer the configuration,
  bare, with each secret's ``expiresDate`` but never the secret. ``limiterBurst`` may not
  exceed a non-zero ``limiterRate``. Topics are free strings like ``order.cancelled``.
"""

from __future__ import annotations

import re
from typing import Any, Final

from aiohttp import web

from ._accounts import Company, Partnership, User
from ._errors import ApiError
from ._http import call_of, json_reply, read_json
from ._ids import iso
from ._paging import bool_param, page_of
from ._shared_store import Invitation, Webhook, WebhookSecret
from ._state import SandboxState
from ._validation import MAX_NAME, Checker, as_object

__all__ = ["SharedHandlers"]

_EMAIL: Final = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_TOPIC: Final = re.compile(r"[a-z]+\.[A-Za-z]+")
_URL: Final = re.compile(r"https?://[^\s/]+\S*")
_STEPS: Final = (
    "connectShopify", "connectBigCommerce", "connectWooCommerce", "connectLightspeed",
    "connectStripe", "inviteTeam", "invitePartners", "activeProducts", "createdPriceList",
    "addPaymentMethod",
)  # fmt: skip


def user_view(user: User) -> dict[str, Any]:
    """Return a ``User`` without its API key."""
    return {
        "_id": user.id,
        "emails": [user.email],
        "firstName": user.first_name,
        "lastName": user.last_name,
        "created": iso(user.created),
        "updated": iso(user.updated),
    }


def company_view(company: Company) -> dict[str, Any]:
    """Return a ``Company``."""
    return {
        "_id": company.id,
        "url": company.url,
        "commerceType": company.commerce_type,
        "name": company.name,
        "contactEmail": company.contact_email,
        "created": iso(company.created),
        "updated": iso(company.created),
    }


def _getting_started(partnership: Partnership) -> dict[str, Any]:
    done = partnership.seller_onboarding_completed and partnership.buyer_onboarding_completed
    status = "completed" if done else "incomplete"
    steps = {step: {"required": step == "activeProducts", "status": status} for step in _STEPS}
    return {**steps, "signedUp": done, "requiredCount": 1, "doneCount": int(done)}


class SharedHandlers:
    """The Shared API's handlers (documents and SFTP live in ``_documents``)."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state

    def _own_user(self, request: web.Request) -> User:
        user = call_of(request).user
        if request.match_info["userId"] != user.id:
            raise ApiError.not_found("user")
        return user

    async def me(self, request: web.Request) -> web.Response:
        """``GET /auth/me``."""
        user = call_of(request).user
        return json_reply({"user": user_view(user), "company": company_view(user.company)})

    async def update_user(self, request: web.Request) -> web.Response:
        """``PATCH /users/{userId}``: ``firstName``, ``lastName``."""
        user = self._own_user(request)
        check = Checker(as_object(await read_json(request)))
        first = check.text("firstName", max_length=MAX_NAME, empty=False)
        last = check.text("lastName", max_length=MAX_NAME, empty=False)
        check.raise_if_any()
        user.first_name = first or user.first_name
        user.last_name = last or user.last_name
        user.updated = self.state.now()
        return json_reply({"firstName": user.first_name, "lastName": user.last_name})

    async def roll_key(self, request: web.Request) -> web.Response:
        """``POST /users/{userId}/roll``: a new API key; the old one stops working."""
        return json_reply({"apiKey": self.state.roll_key(self._own_user(request))})

    async def invite_user(self, request: web.Request) -> web.Response:
        """``POST /onboarding/user/invite``: answers 200 with an empty body."""
        company = call_of(request).user.company
        check = Checker(as_object(await read_json(request)))
        raw = check.obj("user", required=True)
        nested = check.nested(raw or {}, "user")
        email = nested.text("email", required=raw is not None, max_length=MAX_NAME)
        if email is not None and not _EMAIL.fullmatch(email):
            nested.add("email", "must be an email address")
        first = nested.text("firstName", max_length=MAX_NAME) or ""
        last = nested.text("lastName", max_length=MAX_NAME) or ""
        check.raise_if_any()
        self.state.check_room(self.state.invitations, "invitations")
        invitation = Invitation(
            id=self.state.ids.object_id(),
            company=company,
            first_name=first,
            last_name=last,
            email=email or "",
            created=self.state.now(),
        )
        self.state.invitations[invitation.id] = invitation
        return web.Response(status=200)

    def _partner_view(
        self, partnership: Partnership, viewer: Company, *, onboarding: bool
    ) -> dict[str, Any]:
        shipped = [
            (o.shipped_date - o.created).total_seconds() / 3600
            for o in self.state.seller_orders.values()
            if o.seller is partnership.seller
            and o.buyer_order.buyer is partnership.buyer
            and o.shipped_date is not None
        ]
        return {
            "_id": partnership.id,
            "pricingId": partnership.pricing_id,
            "sellerCompanyObjectId": partnership.seller.id,
            "buyerCompanyObjectId": partnership.buyer.id,
            "companyId": partnership.other(viewer).id,
            "created": iso(partnership.created),
            "updated": iso(partnership.updated),
            "averageShipTime": round(sum(shipped) / len(shipped), 2) if shipped else 0,
            "averageReturnRate": 0,
            "sellerAssignedCode": partnership.seller_assigned_code,
            "buyerAssignedCode": partnership.buyer_assigned_code,
            "sellerName": partnership.seller.name if viewer is partnership.buyer else "",
            "buyerName": partnership.buyer.name if viewer is partnership.seller else "",
            "metafields": dict(partnership.metafields),
            "sellerOnboardingCompleted": partnership.seller_onboarding_completed,
            "buyerOnboardingCompleted": partnership.buyer_onboarding_completed,
            "gettingStarted": _getting_started(partnership) if onboarding else None,
            "active": partnership.active,
            "billing": partnership.billing,
        }

    async def list_partners(self, request: web.Request) -> web.Response:
        """``GET /partners``: ``{"data": [Partner, ...]}``."""
        viewer = call_of(request).user.company
        completed = bool_param(request.query, "completed")
        onboarding = bool(bool_param(request.query, "showOnboardingStatus"))
        partnerships = [
            p
            for p in self.state.partnerships.values()
            if viewer in (p.buyer, p.seller)
            and (
                completed is None
                or (p.seller_onboarding_completed and p.buyer_onboarding_completed) is completed
            )
        ]
        page = page_of(partnerships, request.query, default_limit=50)
        data = [self._partner_view(p, viewer, onboarding=onboarding) for p in page.items]
        return json_reply({"data": data})

    def _pricing_id(self, check: Checker, viewer: Company, key: str) -> str | None:
        pricing_id = check.text(key, max_length=MAX_NAME)
        price_list = self.state.price_lists.get(pricing_id or "")
        if pricing_id is not None and (price_list is None or price_list.company_id != viewer.id):
            check.add(key, "is not one of your price lists")
        return pricing_id

    async def create_partner(self, request: web.Request) -> web.Response:
        """``POST /partners``: invite a partner by email."""
        viewer = call_of(request).user.company
        check = Checker(as_object(await read_json(request)))
        email = check.text("email", required=True, max_length=MAX_NAME)
        if email is not None and not _EMAIL.fullmatch(email):
            check.add("email", "must be an email address")
        pricing_id = None
        if viewer.commerce_type == "seller":
            pricing_id = self._pricing_id(check, viewer, "pricingId")
            if pricing_id is None:
                check.add("pricingId", "is required for sellers")
        check.raise_if_any()
        assert email is not None  # checked above
        taken = any(
            p.other(viewer).contact_email == email
            for p in self.state.partnerships.values()
            if viewer in (p.buyer, p.seller)
        )
        if taken:
            raise ApiError(409, {"email": ["is already a partner"]})
        now = self.state.now()
        kind = "buyer" if viewer.commerce_type == "seller" else "seller"
        invited = self.state.add_company(email.partition("@")[2], kind, when=now)
        invited.contact_email = email
        buyer, seller = (viewer, invited) if kind == "seller" else (invited, viewer)
        partnership = self.state.add_partnership(buyer, seller, pricing_id=pricing_id, when=now)
        if kind == "seller":
            partnership.seller_onboarding_completed = False
        else:
            partnership.buyer_onboarding_completed = False
        return json_reply(self._partner_view(partnership, viewer, onboarding=False))

    async def update_partner(self, request: web.Request) -> web.Response:
        """``PATCH /partners/{partnerId}``: ``PartnerUpdate``."""
        viewer = call_of(request).user.company
        partnership = self.state.partnerships.get(request.match_info["partnerId"])
        if partnership is None or viewer not in (partnership.buyer, partnership.seller):
            raise ApiError.not_found("partner")
        body = as_object(await read_json(request))
        check = Checker(body)
        values: dict[str, Any] = {
            "active": check.boolean("active"),
            "billing": check.boolean("billing"),
            "seller_assigned_code": check.text("sellerAssignedCode", max_length=MAX_NAME),
            "buyer_assigned_code": check.text("buyerAssignedCode", max_length=MAX_NAME),
            "metafields": check.obj("metafields"),
        }
        for key in ("pricingId", "priceList"):
            if key in body and viewer.commerce_type != "seller":
                check.add(key, "only the seller sets the price list")
            elif key in body:
                values["pricing_id"] = self._pricing_id(check, viewer, key)
        check.raise_if_any()
        for name, value in values.items():
            if value is not None:
                setattr(partnership, name, value)
        partnership.updated = self.state.now()
        return json_reply(self._partner_view(partnership, viewer, onboarding=False))

    async def create_webhook(self, request: web.Request) -> web.Response:
        """``POST /webhooks``: a new, inactive configuration."""
        company = call_of(request).user.company
        check = Checker(as_object(await read_json(request)))
        now = self.state.now()
        webhook = Webhook(
            id=self.state.ids.object_id(),
            company=company,
            target_url="",
            topics=[],
            secrets=[],
            created=now,
            updated=now,
        )
        _apply_webhook(check, webhook, creating=True)
        check.raise_if_any()
        self.state.check_room(self.state.webhooks, "webhooks")
        self.state.webhooks[webhook.id] = webhook
        return json_reply(_webhook_view(webhook))

    async def update_webhook(self, request: web.Request) -> web.Response:
        """``PATCH``/``PUT /webhooks/{webhookId}``: change fields, including ``active``."""
        company = call_of(request).user.company
        webhook = self.state.webhooks.get(request.match_info["webhookId"])
        if webhook is None or webhook.company is not company:
            raise ApiError.not_found("webhook")
        check = Checker(as_object(await read_json(request)))
        scratch = Webhook(**{name: getattr(webhook, name) for name in _WEBHOOK_FIELDS})
        _apply_webhook(check, scratch, creating=False)
        active = check.boolean("active")
        check.raise_if_any()
        for name in _WEBHOOK_FIELDS:
            setattr(webhook, name, getattr(scratch, name))
        webhook.active = webhook.active if active is None else active
        webhook.updated = self.state.now()
        return json_reply(_webhook_view(webhook))


_WEBHOOK_FIELDS: Final = (
    "id", "company", "target_url", "topics", "secrets", "created", "updated", "active",
    "limiter_rate", "limiter_burst",
)  # fmt: skip


def _apply_webhook(check: Checker, webhook: Webhook, *, creating: bool) -> None:
    """Read the configuration fields of a webhook body into ``webhook``."""
    url = check.text("targetUrl", required=creating, max_length=2000)
    if url is not None and not _URL.fullmatch(url):
        check.add("targetUrl", "must be an http or https URL")
    elif url is not None:
        webhook.target_url = url
    topics = check.strings("topics", max_items=50)
    if topics is not None and (not topics or not all(_TOPIC.fullmatch(t) for t in topics)):
        check.add("topics", "must hold at least 1 topic like order.cancelled")
    elif topics is not None:
        webhook.topics = topics
    elif creating:
        check.add("topics", "is required")
    secrets = check.array("secrets", required=creating, min_items=1, max_items=5)
    if secrets is not None:
        webhook.secrets = _secrets(check, secrets)
    rate = check.integer("limiterRate", low=0, high=10_000)
    burst = check.integer("limiterBurst", low=0, high=10_000)
    webhook.limiter_rate = webhook.limiter_rate if rate is None else rate
    webhook.limiter_burst = webhook.limiter_burst if burst is None else burst
    if webhook.limiter_rate and webhook.limiter_burst > webhook.limiter_rate:
        check.add("limiterBurst", "must not exceed limiterRate")


def _secrets(check: Checker, raw: list[Any]) -> list[WebhookSecret]:
    secrets = []
    for _, _, nested in check.objects("secrets", raw):
        secret = nested.text("secret", required=True, max_length=256)
        if secret is not None and len(secret) < 8:
            nested.add("secret", "must be at least 8 characters")
        expires = nested.datetime_text("expiresDate", nullable=True)
        secrets.append(WebhookSecret(secret=secret or "", expires=expires))
    return secrets


def _webhook_view(webhook: Webhook) -> dict[str, Any]:
    return {
        "id": webhook.id,
        "targetUrl": webhook.target_url,
        "topics": list(webhook.topics),
        "active": webhook.active,
        "limiterRate": webhook.limiter_rate,
        "limiterBurst": webhook.limiter_burst,
        "secrets": [{"expiresDate": s.expires} for s in webhook.secrets],
        "created": iso(webhook.created),
        "updated": iso(webhook.updated),
    }
