"""convictional-async: async clients for the Convictional and Convious APIs.

``ConvictionalClient`` (with ``.buyer``, ``.seller`` and ``.shared``), its models and its
errors are imported on first use, so ``import convious`` (which uses the shared transport
core, :mod:`convictional_async.core`) never loads the Convictional client. The Convious
client lives in the :mod:`convious` package.

The error names shared with the core (``NotFoundError``, ``ServerError``...) are the
Convictional API's classes here; each derives from the core class of the same name.
``OrderItem`` is a line of a new buyer order (``BuyerOrderLine``); the Seller API's order
line is ``OrderLineItem``.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import typing

from .core import (
    APIStatusError,
    BadRequestError,
    ClientClosedError,
    ConnectError,
    ConnectionLost,
    DeadlineExceeded,
    PaginationError,
    RateLimit,
    RequestTimeout,
    ResponseDecodeError,
    ResponseTooLarge,
    RetryPolicy,
    SDKError,
    Timeout,
    TLSError,
    TokenRequestError,
    TransportError,
    UnprocessableEntityError,
)

if typing.TYPE_CHECKING:
    from ._client import (
        ConvictionalClient,
    )
    from ._errors import (
        AuthenticationError,
        ConflictError,
        ConvictionalAPIError,
        ConvictionalError,
        NotFoundError,
        PermissionDeniedError,
        RateLimitError,
        ServerError,
        UnsupportedMediaTypeError,
        ValidationError,
    )
    from ._models_account import (
        InvitedUser,
        RolledApiKey,
        SftpCredentials,
        SftpPassword,
        SftpStatus,
        UserInvite,
        UserName,
        UserUpdate,
        Webhook,
        WebhookCreate,
        WebhookSecret,
        WebhookUpdate,
    )
    from ._models_buyer_orders import (
        BuyerFulfillment,
        BuyerFulfillmentItem,
        BuyerOrder,
        BuyerOrderCancellation,
        BuyerOrderCreate,
        BuyerOrderItem,
        BuyerOrderLine,
        SellerOrder,
        SellerOrderItem,
    )
    from ._models_buyer_orders import BuyerOrderLine as OrderItem
    from ._models_buyer_products import (
        BuyerImage,
        BuyerProduct,
        BuyerVariant,
        VariantOption,
    )
    from ._models_orders import (
        Fulfillment,
        FulfillmentItem,
        FulfillmentLine,
        Invoice,
        InvoiceItem,
        Order,
        OrderCancellation,
        OrderFulfillment,
        OrderItemCancellation,
        OrderUpdate,
        Refund,
        RefundItem,
        RefundLine,
        SellerOrderInvoiceTax,
        SellerOrderRefund,
        Tax,
    )
    from ._models_orders import OrderItem as OrderLineItem
    from ._models_prices import (
        Price,
        PriceCreate,
        PriceListItem,
        PriceUpdate,
        PriceUpdateItem,
    )
    from ._models_products import (
        PatchImage,
        PatchOption,
        PatchProduct,
        PatchVariant,
        Product,
        ProductCreate,
        ProductImage,
        ProductOption,
        Variant,
        VariantCreate,
        VariantImage,
    )
    from ._models_shared import (
        Address,
        Company,
        CompanyViewer,
        CreatedId,
        CurrentUser,
        Deleted,
        Dimensions,
        Document,
        DocumentContent,
        GettingStarted,
        GoogleProductCategory,
        OnboardingStep,
        Partner,
        PartnerCreate,
        PartnerUpdate,
        PartnerViewAccess,
        UploadDocument,
        User,
    )
    from ._raw import (
        RawResponse,
    )

from .core._options import VERSION as __version__

_LAZY_MODULES: dict[str, tuple[str, ...]] = {
    "._client": ("ConvictionalClient",),
    "._raw": ("RawResponse",),
    "._errors": (
        "AuthenticationError",
        "ConflictError",
        "ConvictionalAPIError",
        "ConvictionalError",
        "NotFoundError",
        "PermissionDeniedError",
        "RateLimitError",
        "ServerError",
        "UnsupportedMediaTypeError",
        "ValidationError",
    ),
    "._models_account": (
        "InvitedUser",
        "RolledApiKey",
        "SftpCredentials",
        "SftpPassword",
        "SftpStatus",
        "UserInvite",
        "UserName",
        "UserUpdate",
        "Webhook",
        "WebhookCreate",
        "WebhookSecret",
        "WebhookUpdate",
    ),
    "._models_buyer_orders": (
        "BuyerFulfillment",
        "BuyerFulfillmentItem",
        "BuyerOrder",
        "BuyerOrderCancellation",
        "BuyerOrderCreate",
        "BuyerOrderItem",
        "BuyerOrderLine",
        "SellerOrder",
        "SellerOrderItem",
    ),
    "._models_buyer_products": (
        "BuyerImage",
        "BuyerProduct",
        "BuyerVariant",
        "VariantOption",
    ),
    "._models_orders": (
        "Fulfillment",
        "FulfillmentItem",
        "FulfillmentLine",
        "Invoice",
        "InvoiceItem",
        "Order",
        "OrderCancellation",
        "OrderFulfillment",
        "OrderItemCancellation",
        "OrderUpdate",
        "Refund",
        "Refund",
        "RefundItem",
        "RefundLine",
        "RefundLine",
        "SellerOrderInvoiceTax",
        "SellerOrderRefund",
        "Tax",
    ),
    "._models_prices": (
        "Price",
        "PriceCreate",
        "PriceListItem",
        "PriceUpdate",
        "PriceUpdateItem",
    ),
    "._models_products": (
        "PatchImage",
        "PatchOption",
        "PatchProduct",
        "PatchVariant",
        "Product",
        "ProductCreate",
        "ProductImage",
        "ProductOption",
        "Variant",
        "VariantCreate",
        "VariantImage",
    ),
    "._models_shared": (
        "Address",
        "Company",
        "CompanyViewer",
        "CreatedId",
        "CurrentUser",
        "Deleted",
        "Dimensions",
        "Document",
        "DocumentContent",
        "GettingStarted",
        "GoogleProductCategory",
        "OnboardingStep",
        "Partner",
        "PartnerCreate",
        "PartnerUpdate",
        "PartnerViewAccess",
        "UploadDocument",
        "User",
    ),
}
_ALIASES = {
    "OrderItem": ("._models_buyer_orders", "BuyerOrderLine"),
    "OrderLineItem": ("._models_orders", "OrderItem"),
}
_LAZY: dict[str, tuple[str, str]] = {
    **{name: (module, name) for module, names in _LAZY_MODULES.items() for name in names},
    **_ALIASES,
}


def __getattr__(name: str) -> typing.Any:
    """Import a Convictional name on first use (and keep it)."""
    try:
        module, attribute = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module, __name__), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


__all__ = [
    "APIStatusError",
    "Address",
    "AuthenticationError",
    "BadRequestError",
    "BuyerFulfillment",
    "BuyerFulfillmentItem",
    "BuyerImage",
    "BuyerOrder",
    "BuyerOrderCancellation",
    "BuyerOrderCreate",
    "BuyerOrderItem",
    "BuyerOrderLine",
    "BuyerProduct",
    "BuyerVariant",
    "ClientClosedError",
    "Company",
    "CompanyViewer",
    "ConflictError",
    "ConnectError",
    "ConnectionLost",
    "ConvictionalAPIError",
    "ConvictionalClient",
    "ConvictionalError",
    "CreatedId",
    "CurrentUser",
    "DeadlineExceeded",
    "Deleted",
    "Dimensions",
    "Document",
    "DocumentContent",
    "Fulfillment",
    "FulfillmentItem",
    "FulfillmentLine",
    "GettingStarted",
    "GoogleProductCategory",
    "InvitedUser",
    "Invoice",
    "InvoiceItem",
    "NotFoundError",
    "OnboardingStep",
    "Order",
    "OrderCancellation",
    "OrderFulfillment",
    "OrderItem",
    "OrderItemCancellation",
    "OrderLineItem",
    "OrderUpdate",
    "PaginationError",
    "Partner",
    "PartnerCreate",
    "PartnerUpdate",
    "PartnerViewAccess",
    "PatchImage",
    "PatchOption",
    "PatchProduct",
    "PatchVariant",
    "PermissionDeniedError",
    "Price",
    "PriceCreate",
    "PriceListItem",
    "PriceUpdate",
    "PriceUpdateItem",
    "Product",
    "ProductCreate",
    "ProductImage",
    "ProductOption",
    "RateLimit",
    "RateLimitError",
    "RawResponse",
    "Refund",
    "RefundItem",
    "RefundLine",
    "RequestTimeout",
    "ResponseDecodeError",
    "ResponseTooLarge",
    "RetryPolicy",
    "RolledApiKey",
    "SDKError",
    "SellerOrder",
    "SellerOrderInvoiceTax",
    "SellerOrderItem",
    "SellerOrderRefund",
    "ServerError",
    "SftpCredentials",
    "SftpPassword",
    "SftpStatus",
    "TLSError",
    "Tax",
    "Timeout",
    "TokenRequestError",
    "TransportError",
    "UnprocessableEntityError",
    "UnsupportedMediaTypeError",
    "UploadDocument",
    "User",
    "UserInvite",
    "UserName",
    "UserUpdate",
    "ValidationError",
    "Variant",
    "VariantCreate",
    "VariantImage",
    "VariantOption",
    "Webhook",
    "WebhookCreate",
    "WebhookSecret",
    "WebhookUpdate",
    "__version__",
]
