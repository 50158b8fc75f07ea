"""Every endpoint the sandbox serves (reference 9.1 to 9.3), who may call it and its handler.

Each route is ``(method, path, access, handler)``: ``access`` is ``"buyer"`` or
``"seller"`` (the account type its key must belong to, else 403) or ``"any"``; ``handler``
names a method of a handler group (``products``, ``orders``, ``prices``, ``shared``,
``documents``, ``buyer``). ``"METHOD path"`` is
also the route's fault target (``Faults``). The legacy endpoints of reference 9.4 are not
served.
"""

from __future__ import annotations

from typing import Final, Literal

__all__ = ["ROUTES", "ROUTE_TARGETS", "Access", "route_key"]

Access = Literal["buyer", "seller", "any"]

ROUTES: Final[tuple[tuple[str, str, Access, str], ...]] = (
    # Seller API
    ("GET", "/products", "any", "products.list_products"),
    ("GET", "/products/{productId}", "any", "products.get_product"),
    ("POST", "/products", "seller", "products.create_product"),
    ("PATCH", "/products/{productId}", "seller", "products.patch_product"),
    ("DELETE", "/products/{productId}", "seller", "products.delete_product"),
    ("DELETE", "/products/{productId}/images/{imageId}", "seller", "products.delete_image"),
    ("PATCH", "/products/{productId}/variants/{variantId}", "seller", "products.patch_variant"),
    ("GET", "/orders", "seller", "orders.list_orders"),
    ("GET", "/orders/{orderId}", "seller", "orders.get_order"),
    ("PATCH", "/orders/{orderId}", "seller", "orders.patch_order"),
    ("POST", "/orders/{orderId}/cancel", "seller", "orders.cancel_order"),
    ("POST", "/orders/{orderId}/items/{itemId}/cancel", "seller", "orders.cancel_item"),
    ("POST", "/orders/{orderId}/fulfillments", "seller", "orders.fulfil"),
    ("POST", "/orders/{orderId}/invoices", "seller", "orders.invoice"),
    ("POST", "/orders/{orderId}/refund", "seller", "orders.refund"),
    ("GET", "/prices/{priceId}", "seller", "prices.get_price"),
    ("POST", "/prices", "seller", "prices.create_price"),
    ("PUT", "/prices/{priceId}", "seller", "prices.replace_price"),
    ("DELETE", "/prices/{priceId}", "seller", "prices.delete_price"),
    ("POST", "/prices/upload", "seller", "prices.upload"),
    ("GET", "/templates/price", "seller", "prices.template"),
    # Shared API
    ("GET", "/auth/me", "any", "shared.me"),
    ("PATCH", "/users/{userId}", "any", "shared.update_user"),
    ("POST", "/users/{userId}/roll", "any", "shared.roll_key"),
    ("POST", "/onboarding/user/invite", "any", "shared.invite_user"),
    ("GET", "/partners", "any", "shared.list_partners"),
    ("POST", "/partners", "any", "shared.create_partner"),
    ("PATCH", "/partners/{partnerId}", "any", "shared.update_partner"),
    ("GET", "/documents", "any", "documents.list_documents"),
    ("GET", "/documents/{documentId}", "any", "documents.get_document"),
    ("POST", "/documents", "any", "documents.upload_document"),
    ("POST", "/sftp", "any", "documents.create_sftp"),
    ("PATCH", "/sftp/{username}", "any", "documents.change_sftp_password"),
    ("DELETE", "/sftp/{username}", "any", "documents.delete_sftp"),
    ("POST", "/webhooks", "any", "shared.create_webhook"),
    ("PATCH", "/webhooks/{webhookId}", "any", "shared.update_webhook"),
    ("PUT", "/webhooks/{webhookId}", "any", "shared.update_webhook"),
    # Buyer API
    ("GET", "/buyer/products", "buyer", "buyer.list_products"),
    ("GET", "/buyer/products/{productId}", "buyer", "buyer.get_product"),
    ("GET", "/buyer/products/{productId}/variants", "buyer", "buyer.product_variants"),
    ("POST", "/buyer/orders", "buyer", "buyer.create_order"),
    ("GET", "/buyer/orders", "buyer", "buyer.list_orders"),
    ("GET", "/buyer/orders/{orderId}", "buyer", "buyer.get_order"),
    ("POST", "/buyer/orders/{orderId}/cancel", "buyer", "buyer.cancel_order"),
    (
        "POST",
        "/buyer/orders/{orderId}/seller-orders/{sellerOrderId}/items/{itemId}/cancel",
        "buyer",
        "buyer.cancel_item",
    ),
    (
        "POST",
        "/buyer/orders/{orderId}/seller-orders/{sellerOrderId}/refunds",
        "buyer",
        "buyer.refund",
    ),
)

ROUTE_TARGETS: Final[frozenset[str]] = frozenset(f"{m} {p}" for m, p, _, _ in ROUTES)


def route_key(method: str, canonical: str) -> str:
    """Return the ``"METHOD path"`` key of a route."""
    return f"{method} {canonical}"
