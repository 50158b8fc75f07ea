"""In-memory state of the Convious sandbox: catalogue, tokens, counters and recent requests.

Event semantics (ordering and unknown products are undocumented; these are the sandbox's
choices): events apply in batch order; ``ProductCreated`` replaces any product with the same
reference, clearing its removed flag and availability overrides; events for a reference the
sandbox has never seen change nothing and are counted in ``events_for_unknown_products``;
``ProductPricingChanged`` and ``ProductAvailabilityChanged`` still apply to removed products;
an omitted optional key means the same as an explicit ``null`` (``ProductPricingChanged``
replaces the whole pricing, so an omitted ``minAcceptedPrice`` removes the minimum).

Bounds: the token store keeps at most ``MAX_TOKENS`` (10,000) tokens. Issuing a token first
evicts the oldest tokens while they are expired (a sandbox gives every token the same
lifetime, so the oldest expire first), then, at the cap, the oldest token whatever its state.
An evicted token is unknown: a request with it gets the same 401 as an expired or revoked
one. ``records`` keeps the last ``MAX_RECORDS`` requests and ``event_log`` the last
``MAX_EVENT_LOG`` events.
"""

from __future__ import annotations

import enum
import secrets
import time as _time
from collections import Counter, deque
from collections.abc import Callable, Mapping
from datetime import date, time
from decimal import Decimal
from typing import Any, Final

import attrs

from convictional_async.core.sandbox import MAX_RECORDS, FixedWindowLimiter
from convictional_async.core.sandbox import RequestRecord as KitRequestRecord

__all__ = ["IssuedToken", "Product", "RequestRecord", "SandboxState", "TokenStatus"]

MAX_TOKENS: Final = 10_000
MAX_EVENT_LOG: Final = 200_000
_EVENT_TYPES: Final = frozenset(
    {"ProductCreated", "ProductPricingChanged", "ProductRemoved", "ProductAvailabilityChanged"}
)


@attrs.define(kw_only=True)
class Product:
    """One catalogue entry, as built from ``ProductCreated`` and later events."""

    reference: str
    name: str
    max_accepted_price: Decimal
    min_accepted_price: Decimal | None = None
    average_target_price: Decimal | None = None
    box_office_price: Decimal | None = None
    availability: int | None = None
    by_date: dict[date, int] = attrs.field(factory=dict)
    by_date_time: dict[tuple[date, time], int] = attrs.field(factory=dict)
    removed: bool = False


@attrs.define(kw_only=True)
class IssuedToken:
    """An access token handed out by the token endpoint."""

    client_id: str
    issued_at: float
    expires_at: float | None
    revoked: bool = False


class TokenStatus(enum.Enum):
    """Outcome of checking a bearer token."""

    VALID = "valid"
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    REVOKED = "revoked"


@attrs.frozen(slots=True)
class RequestRecord(KitRequestRecord):
    """What the sandbox saw of one request; ``status`` is None for a dropped connection.

    ``authorization_scheme`` is the first word of the ``Authorization`` header (``"Bearer"``,
    ``"Basic"``), or None when the header was absent; the credentials are never recorded.
    """

    accept_version: str | None
    authorization_scheme: str | None


def _decimal(value: Decimal | str) -> Decimal:
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(value)
    except ArithmeticError:
        raise ValueError(f"{value!r} is not a decimal number") from None


def _to_decimal(value: Decimal | str | None) -> Decimal | None:
    return None if value is None else _decimal(value)


class SandboxState:
    """The mutable world of one sandbox: products, tokens and what clients did.

    Example::

        state = SandboxState()
        state.add_product("adult", "Adult ticket", max_accepted_price="20.00", availability=50)
        state.apply_event({"type": "ProductRemoved", "payload": {"productReference": "adult"}})
    """

    def __init__(self, *, clock: Callable[[], float] = _time.monotonic) -> None:
        self._clock = clock
        self.products: dict[str, Product] = {}
        self.tokens: dict[str, IssuedToken] = {}
        self.token_requests = 0
        self.requests_by_endpoint: Counter[str] = Counter()
        self.events_accepted = 0
        self.events_for_unknown_products = 0
        self.faults_injected: Counter[str] = Counter()
        self.rate_limiter = FixedWindowLimiter(clock=clock)
        self.rate_limited = 0
        """Requests answered 429 by the server-side rate limit (not by throttle faults)."""
        self.requests_processed = 0
        """Pricer and events requests admitted past the token, version and rate-limit checks."""
        self.records: deque[RequestRecord] = deque(maxlen=MAX_RECORDS)
        self.event_log: deque[Mapping[str, Any]] = deque(maxlen=MAX_EVENT_LOG)
        """Every applied event (``{"type", "payload"}`` as received), oldest first."""

    def reset(self) -> None:
        """Forget every product, token, counter and record; the rate limit stays."""
        self.products.clear()
        self.tokens.clear()
        self.token_requests = self.events_accepted = self.events_for_unknown_products = 0
        self.rate_limited = self.requests_processed = 0
        self.rate_limiter.clear()
        self.requests_by_endpoint.clear()
        self.faults_injected.clear()
        self.records.clear()
        self.event_log.clear()

    def add_product(
        self,
        reference: str,
        name: str,
        *,
        max_accepted_price: Decimal | str,
        min_accepted_price: Decimal | str | None = None,
        average_target_price: Decimal | str | None = None,
        box_office_price: Decimal | str | None = None,
        availability: int | None = None,
    ) -> Product:
        """Create or replace a product, as a ``ProductCreated`` event would."""
        if not reference or not name:
            raise ValueError("reference and name must be non-empty")
        top = _decimal(max_accepted_price)
        low = _to_decimal(min_accepted_price)
        average = _to_decimal(average_target_price)
        box_office = _to_decimal(box_office_price)
        for price in (top, low, average, box_office):
            if price is not None and (not price.is_finite() or price < 0):
                raise ValueError("prices must be finite and non-negative")
        if low is not None and low > top:
            raise ValueError("min_accepted_price must not exceed max_accepted_price")
        if availability is not None and (
            isinstance(availability, bool) or not isinstance(availability, int) or availability < 0
        ):
            raise ValueError("availability must be None (unlimited) or an int >= 0")
        product = Product(
            reference=reference,
            name=name,
            max_accepted_price=top,
            min_accepted_price=low,
            average_target_price=average,
            box_office_price=box_office,
            availability=availability,
        )
        self.products[reference] = product
        return product

    def count_request(self, endpoint: str) -> None:
        """Count one request to ``endpoint`` (``"token"``, ``"pricer"``, ``"events"``, ...)."""
        self.requests_by_endpoint[endpoint] += 1
        if endpoint == "token":
            self.token_requests += 1

    def apply_event(self, event: Mapping[str, Any]) -> None:
        """Apply one validated event (wire shape: ``{"type": ..., "payload": {...}}``)."""
        kind, payload = event["type"], event["payload"]
        if kind not in _EVENT_TYPES:
            raise ValueError(f"unknown event type {kind!r}")
        self.events_accepted += 1
        self.event_log.append(event)
        reference = payload["productReference"]
        if kind == "ProductCreated":
            pricing = payload["pricing"]
            self.add_product(
                reference,
                payload["name"],
                max_accepted_price=pricing["maxAcceptedPrice"],
                min_accepted_price=pricing.get("minAcceptedPrice"),
                average_target_price=pricing.get("averageTargetPrice"),
                box_office_price=pricing.get("boxOfficePrice"),
                availability=payload.get("availability"),
            )
            return
        product = self.products.get(reference)
        if product is None:
            self.events_for_unknown_products += 1
            return
        if kind == "ProductRemoved":
            product.removed = True
        elif kind == "ProductPricingChanged":
            pricing = payload["pricing"]
            product.max_accepted_price = _decimal(pricing["maxAcceptedPrice"])
            product.min_accepted_price = _to_decimal(pricing.get("minAcceptedPrice"))
            product.average_target_price = _to_decimal(pricing.get("averageTargetPrice"))
            product.box_office_price = _to_decimal(pricing.get("boxOfficePrice"))
        else:  # ProductAvailabilityChanged
            day = date.fromisoformat(payload["eventDate"])
            start = payload.get("startTime")
            if start is None:
                product.by_date[day] = payload["availability"]
            else:
                product.by_date_time[(day, time.fromisoformat(start))] = payload["availability"]

    def issue_token(self, client_id: str, expires_in: int | None) -> str:
        """Create and remember a new access token for ``client_id``, evicting old ones."""
        token = secrets.token_urlsafe(32)
        now = self._clock()
        self._evict_tokens(now)
        expires_at = None if expires_in is None else now + expires_in
        self.tokens[token] = IssuedToken(client_id=client_id, issued_at=now, expires_at=expires_at)
        return token

    def _evict_tokens(self, now: float) -> None:
        """Drop the oldest tokens while they are expired or the store is full."""
        while self.tokens:
            oldest, issued = next(iter(self.tokens.items()))
            expired = issued.expires_at is not None and now >= issued.expires_at
            if not expired and len(self.tokens) < MAX_TOKENS:
                return
            del self.tokens[oldest]

    def check_token(self, token: str) -> TokenStatus:
        """Return whether ``token`` may be used now."""
        issued = self.tokens.get(token)
        if issued is None:
            return TokenStatus.UNKNOWN
        if issued.revoked:
            return TokenStatus.REVOKED
        if issued.expires_at is not None and self._clock() >= issued.expires_at:
            return TokenStatus.EXPIRED
        return TokenStatus.VALID

    def revoke_tokens(self) -> int:
        """Revoke every live token, so clients must log in again; return how many."""
        revoked = 0
        for issued in self.tokens.values():
            if not issued.revoked:
                issued.revoked = True
                revoked += 1
        return revoked

    def stats(self) -> dict[str, Any]:
        """Return the counters as JSON-ready values."""
        return {
            "token_requests": self.token_requests,
            "tokens_issued": len(self.tokens),
            "requests_by_endpoint": dict(self.requests_by_endpoint),
            "events_accepted": self.events_accepted,
            "events_for_unknown_products": self.events_for_unknown_products,
            "faults_injected": dict(self.faults_injected),
            "rate_limit": self.rate_limiter.limit,
            "rate_limited": self.rate_limited,
            "requests_processed": self.requests_processed,
            "products": sum(1 for product in self.products.values() if not product.removed),
            "products_removed": sum(1 for product in self.products.values() if product.removed),
            "recorded_requests": len(self.records),
        }
