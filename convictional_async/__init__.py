"""convictional-async: async clients for the Convictional and Convious APIs.

The shared transport core lives in :mod:`convictional_async.core`; the Convious pricing
client in the :mod:`convious` package. The Convictional client (``ConvictionalClient``
with ``.buyer`` / ``.seller`` / ``.shared``) is built on the same core and is not part of
this release yet.
"""

from .core import (
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    ConnectError,
    ConnectionLost,
    DeadlineExceeded,
    NotFoundError,
    PermissionDeniedError,
    RateLimit,
    RateLimitError,
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

__version__ = "0.1.0"

__all__ = [
    "APIStatusError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "ConnectError",
    "ConnectionLost",
    "DeadlineExceeded",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimit",
    "RateLimitError",
    "RequestTimeout",
    "ResponseDecodeError",
    "ResponseTooLarge",
    "RetryPolicy",
    "SDKError",
    "ServerError",
    "TLSError",
    "Timeout",
    "TokenRequestError",
    "TransportError",
    "UnprocessableEntityError",
    "__version__",
]
