"""Async client for the Convious dynamic-pricing API.

>>> from convious import ConviousClient  # doctest: +SKIP
>>> async with ConviousClient(client_id="...", client_secret="...") as client:  # doctest: +SKIP
...     result = await client.pricing.get_prices(...)

``convious.sandbox`` is a local emulator of the whole API for tests and demos.
"""

from convictional_async.core import (
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    ClientClosedError,
    ClientMetrics,
    ConflictError,
    ConnectError,
    ConnectionLost,
    DeadlineExceeded,
    LocalRateLimiter,
    NotFoundError,
    PaginationError,
    PermissionDeniedError,
    RateLimit,
    RateLimiter,
    RateLimitError,
    RedisUnavailableError,
    RequestTimeout,
    ResponseDecodeError,
    ResponseTooLarge,
    RetryPolicy,
    SDKError,
    ServerError,
    Timeout,
    TLSError,
    TokenRequestError,
    TransportError,
    UnprocessableEntityError,
)
from convictional_async.core._options import VERSION as __version__

from ._auth import ClientCredentialsAuth
from ._batcher import EventBatcher
from ._client import (
    DEFAULT_API_VERSION,
    DEFAULT_IDENTITY_URL,
    DEFAULT_INVENTORY_URL,
    DEFAULT_PRICER_URL,
    ConviousClient,
)
from ._delivery import Delivery
from ._errors import (
    BatcherStoppedError,
    BufferFullError,
    EventNotDeliveredError,
    EventRejectedError,
    PublishError,
    SpoolCorruptError,
    SpoolError,
    SpoolLockedError,
    UndeliveredEventsError,
)
from ._events import (
    Event,
    Pricing,
    ProductAvailabilityChanged,
    ProductCreated,
    ProductPricingChanged,
    ProductRemoved,
    iter_events,
    read_events,
    write_events,
)
from ._inventory import InventoryAPI
from ._logs import configure_from_env as _configure_logging
from ._models import PriceRequest, PriceResult, ProductPrice, ProductQuantity, TimedPrice
from ._pricing import PricingAPI, price_request

__all__ = [
    "DEFAULT_API_VERSION",
    "DEFAULT_IDENTITY_URL",
    "DEFAULT_INVENTORY_URL",
    "DEFAULT_PRICER_URL",
    "APIStatusError",
    "AuthenticationError",
    "BadRequestError",
    "BatcherStoppedError",
    "BufferFullError",
    "ClientClosedError",
    "ClientCredentialsAuth",
    "ClientMetrics",
    "ConflictError",
    "ConnectError",
    "ConnectionLost",
    "ConviousClient",
    "DeadlineExceeded",
    "Delivery",
    "Event",
    "EventBatcher",
    "EventNotDeliveredError",
    "EventRejectedError",
    "InventoryAPI",
    "LocalRateLimiter",
    "NotFoundError",
    "PaginationError",
    "PermissionDeniedError",
    "PriceRequest",
    "PriceResult",
    "Pricing",
    "PricingAPI",
    "ProductAvailabilityChanged",
    "ProductCreated",
    "ProductPrice",
    "ProductPricingChanged",
    "ProductQuantity",
    "ProductRemoved",
    "PublishError",
    "RateLimit",
    "RateLimitError",
    "RateLimiter",
    "RedisUnavailableError",
    "RequestTimeout",
    "ResponseDecodeError",
    "ResponseTooLarge",
    "RetryPolicy",
    "SDKError",
    "ServerError",
    "SpoolCorruptError",
    "SpoolError",
    "SpoolLockedError",
    "TLSError",
    "TimedPrice",
    "Timeout",
    "TokenRequestError",
    "TransportError",
    "UndeliveredEventsError",
    "UnprocessableEntityError",
    "__version__",
    "iter_events",
    "price_request",
    "read_events",
    "write_events",
]

_configure_logging()  # CONVIOUS_LOG=debug|info: the SDK's logs on stderr
