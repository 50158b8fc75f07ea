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
    ClientMetrics,
    ConnectError,
    ConnectionLost,
    RateLimit,
    RateLimitError,
    RequestTimeout,
    ResponseDecodeError,
    RetryPolicy,
    SDKError,
    ServerError,
    Timeout,
    TokenRequestError,
    TransportError,
)

from ._auth import ClientCredentialsAuth
from ._client import (
    DEFAULT_API_VERSION,
    DEFAULT_IDENTITY_URL,
    DEFAULT_INVENTORY_URL,
    DEFAULT_PRICER_URL,
    ConviousClient,
)
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
    "ClientCredentialsAuth",
    "ClientMetrics",
    "ConnectError",
    "ConnectionLost",
    "ConviousClient",
    "PriceRequest",
    "PriceResult",
    "PricingAPI",
    "ProductPrice",
    "ProductQuantity",
    "RateLimit",
    "RateLimitError",
    "RequestTimeout",
    "ResponseDecodeError",
    "RetryPolicy",
    "SDKError",
    "ServerError",
    "TimedPrice",
    "Timeout",
    "TokenRequestError",
    "TransportError",
    "price_request",
]
