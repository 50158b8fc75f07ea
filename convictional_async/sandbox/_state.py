"""In-memory state of the Convictional sandbox: accounts, catalogue, orders and counters.

Everything is seeded from ``SandboxConfig`` (``_accounts``, ``_catalogue``) and rebuilt the
same way by ``reset()``. Collections grown through the API are bounded: at most
``MAX_ORDERS`` buyer orders, ``MAX_PRODUCTS`` products and ``MAX_OBJECTS`` of each other kind
(price lists, partners, documents, SFTP users, webhooks); past a bound the API answers a
validation error and stores nothing. ``records`` keeps the last ``MAX_RECORDS`` requests.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Final

import attrs

from convictional_async.core.sandbox import MAX_RECORDS, FixedWindowLimiter
from convictional_async.core.sandbox import RequestRecord as KitRequestRecord

from ._accounts import Company, Partnership, User
from ._catalogue import PriceList, Product, Variant, seed_products
from ._config import MAX_PRODUCTS, SandboxConfig
from ._errors import ApiError
from ._ids import IdFactory
from ._orders import BuyerOrder, SellerOrder
from ._shared_store import Document, Invitation, SftpUser, Webhook

__all__ = ["MAX_OBJECTS", "MAX_ORDERS", "RequestRecord", "SandboxState"]

MAX_ORDERS: Final = 10_000
MAX_OBJECTS: Final = 1_000
_SEED_TIME: Final = datetime(2021, 1, 1, 9, 0, tzinfo=UTC)


@attrs.frozen(slots=True)
class RequestRecord(KitRequestRecord):
    """What the sandbox saw of one request; never the API key.

    ``account`` is ``"buyer"`` or ``"seller"`` plus the company id (None when unauthenticated),
    ``version`` the API version served, ``new_errors`` whether errors used the new format.
    """

    account: str | None
    version: str
    new_errors: bool


class SandboxState:
    """The mutable world of one Convictional sandbox.

    Example::

        state = SandboxState(SandboxConfig(products=10))
        state.buyer_user.api_key  # the buyer's key
    """

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.limiter = FixedWindowLimiter(clock=config.clock, limit=config.rate_limit)
        self.records: deque[RequestRecord] = deque(maxlen=MAX_RECORDS)
        self.requests_by_target: Counter[str] = Counter()
        self.faults_injected: Counter[str] = Counter()
        self.rate_limited = 0
        self._seed()

    def _seed(self) -> None:
        config = self.config
        self.ids = IdFactory(config.seed)
        self.companies: dict[str, Company] = {}
        self.users: dict[str, User] = {}
        self._keys: dict[str, User] = {}
        buyer = self.add_company("Sandbox Retail", "buyer")
        sellers = [
            self.add_company(f"Sandbox Seller {n}", "seller") for n in range(1, config.sellers + 1)
        ]
        self.buyer = buyer
        self.sellers = sellers
        self.price_lists: dict[str, PriceList] = {}
        self.partnerships: dict[str, Partnership] = {}
        self._pairs: dict[tuple[str, str], Partnership] = {}
        for seller in sellers:
            default = self.add_price_list(seller, "Default", _SEED_TIME)
            self.add_partnership(buyer, seller, pricing_id=default.id, when=_SEED_TIME)
        self.products: dict[str, Product] = {}
        self._variants: dict[str, tuple[Product, Variant]] = {}
        for product in seed_products(
            self.ids, seed=config.seed, seller_ids=[s.id for s in sellers], count=config.products
        ):
            self.add_product(product)
        self.orders: dict[str, BuyerOrder] = {}
        self.seller_orders: dict[str, SellerOrder] = {}
        self.documents: dict[str, Document] = {}
        self.sftp_users: dict[str, SftpUser] = {}
        self.webhooks: dict[str, Webhook] = {}
        self.invitations: dict[str, Invitation] = {}

    def reset(self) -> None:
        """Rebuild the seeded world and forget counters and records; the rate limit stays."""
        self.records.clear()
        self.requests_by_target.clear()
        self.faults_injected.clear()
        self.rate_limited = 0
        self.limiter.clear()
        self._seed()

    def now(self) -> datetime:
        """Return the sandbox clock's current time."""
        return datetime.fromtimestamp(self.config.clock(), UTC)

    # Accounts

    def add_company(self, name: str, kind: str, *, when: datetime = _SEED_TIME) -> Company:
        """Create a company (``kind`` is buyer or seller) with one user and API key."""
        self.check_room(self.companies, "companies")
        slug = name.lower().replace(" ", "-")
        company = Company(
            id=self.ids.object_id(),
            name=name,
            commerce_type="buyer" if kind == "buyer" else "seller",
            contact_email=f"hello@{slug}.example",
            url=f"https://{slug}.example",
            created=when,
        )
        self.companies[company.id] = company
        user = User(
            id=self.ids.object_id(),
            company=company,
            email=f"api@{slug}.example",
            first_name="Sandbox",
            last_name=name.rpartition(" ")[2],
            api_key=self.ids.api_key(),
            created=when,
            updated=when,
        )
        self.users[user.id] = user
        self._keys[user.api_key] = user
        return company

    def user_by_key(self, key: str) -> User | None:
        """Return the user whose API key this is, or None."""
        return self._keys.get(key)

    def users_of(self, company: Company) -> Iterator[User]:
        """Yield the users of ``company``."""
        return (user for user in self.users.values() if user.company is company)

    @property
    def buyer_user(self) -> User:
        """The seeded buyer's user."""
        return next(self.users_of(self.buyer))

    @property
    def seller_users(self) -> list[User]:
        """The seeded sellers' users, in seller order."""
        return [next(self.users_of(seller)) for seller in self.sellers]

    def roll_key(self, user: User) -> str:
        """Give ``user`` a new API key; the old one stops working at once."""
        del self._keys[user.api_key]
        user.api_key = self.ids.api_key()
        user.updated = self.now()
        self._keys[user.api_key] = user
        return user.api_key

    def add_partnership(
        self, buyer: Company, seller: Company, *, pricing_id: str | None, when: datetime
    ) -> Partnership:
        """Partner ``buyer`` with ``seller``."""
        self.check_room(self.partnerships, "partners")
        partnership = Partnership(
            id=self.ids.object_id(),
            buyer=buyer,
            seller=seller,
            pricing_id=pricing_id,
            created=when,
            updated=when,
        )
        self.partnerships[partnership.id] = partnership
        self._pairs[(buyer.id, seller.id)] = partnership
        return partnership

    def partnership(self, buyer: Company, seller: Company) -> Partnership | None:
        """Return the active partnership of ``buyer`` and ``seller``, or None."""
        partnership = self._pairs.get((buyer.id, seller.id))
        return partnership if partnership is not None and partnership.active else None

    # Catalogue

    def check_product_room(self, count: int) -> None:
        """Refuse ``count`` more products past ``MAX_PRODUCTS``."""
        if len(self.products) + count > MAX_PRODUCTS:
            raise ApiError.general(422, f"the sandbox holds at most {MAX_PRODUCTS} products")

    def add_product(self, product: Product) -> None:
        """Store a product and index its variants."""
        self.check_product_room(1)
        self.products[product.id] = product
        self.index_variants(product)

    def index_variants(self, product: Product) -> None:
        """Index the variants of ``product`` (after adding some)."""
        for variant in product.variants:
            self._variants[variant.id] = (product, variant)

    def remove_product(self, product: Product) -> None:
        """Delete a product and its variants."""
        del self.products[product.id]
        for variant in product.variants:
            self._variants.pop(variant.id, None)

    def variant(self, variant_id: str) -> tuple[Product, Variant] | None:
        """Return the product and variant with this variant id, or None."""
        return self._variants.get(variant_id)

    def visible_to(self, product: Product, buyer: Company) -> bool:
        """Return whether ``buyer`` may see and order ``product``."""
        seller = self.companies[product.company_id]
        return product.active and self.partnership(buyer, seller) is not None

    def buyer_prices(
        self, buyer: Company, product: Product, variant: Variant
    ) -> tuple[Decimal, Decimal]:
        """Return (basePrice, retailPrice) of ``variant`` for ``buyer`` (``_catalogue``)."""
        partnership = self.partnership(buyer, self.companies[product.company_id])
        price_list = self.price_lists.get(partnership.pricing_id or "") if partnership else None
        entry = price_list.entry(variant.sku) if price_list else None
        if entry is None:
            return variant.base_price, variant.retail_price
        base = entry.price if entry.price is not None else variant.base_price
        retail = entry.retail_price if entry.retail_price is not None else variant.retail_price
        return base, retail

    def add_price_list(self, seller: Company, name: str, when: datetime) -> PriceList:
        """Create an empty price list for ``seller``."""
        self.check_room(self.price_lists, "price lists")
        price_list = PriceList(
            id=self.ids.object_id(), company_id=seller.id, name=name, created=when, updated=when
        )
        self.price_lists[price_list.id] = price_list
        return price_list

    # Bounds

    @staticmethod
    def check_room(collection: dict[str, Any], what: str) -> None:
        """Refuse to grow ``collection`` past ``MAX_OBJECTS``."""
        if len(collection) >= MAX_OBJECTS:
            raise ApiError.general(422, f"the sandbox holds at most {MAX_OBJECTS} {what}")

    def stats(self) -> dict[str, Any]:
        """Return the counters as JSON-ready values."""
        return {
            "requests_by_target": dict(self.requests_by_target),
            "faults_injected": dict(self.faults_injected),
            "rate_limit": self.limiter.limit,
            "rate_limited": self.rate_limited,
            "products": len(self.products),
            "orders": len(self.orders),
            "seller_orders": len(self.seller_orders),
            "recorded_requests": len(self.records),
        }
