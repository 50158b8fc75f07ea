"""The shared async transport core: knows HTTP, retries, rate limits and errors, not any API.

Clients compose these pieces into one request pipeline::

    build request -> Auth -> RateLimiter -> Transport -> classify -> RetryPolicy -> decode
"""

from ._auth import APIKeyAuth, Auth
from ._client_closed import CallGuard, ClientClosedError
from ._coalesce import Coalescer
from ._errors import (
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    ConnectError,
    ConnectionLost,
    DeadlineExceeded,
    NotFoundError,
    PaginationError,
    PermissionDeniedError,
    RateLimitError,
    RedisUnavailableError,
    RequestTimeout,
    ResponseDecodeError,
    ResponseTooLarge,
    SDKError,
    ServerError,
    TLSError,
    TokenRequestError,
    TransportError,
    UnprocessableEntityError,
    normalize_error_body,
    status_error_class,
)
from ._metrics import ClientMetrics
from ._pagination import Page, PageCursor, first_page, iter_items, iter_pages, next_page
from ._pipeline import Pipeline
from ._ratelimit import (
    LocalRateLimiter,
    RateLearner,
    RateLimit,
    RateLimiter,
    RateLimitHeaders,
    limiter_for,
    next_slot,
    shared_rate_limiter,
)
from ._redact import REDACTED, redact_text, redact_url
from ._redis._tokencache import CachedToken, TokenCache
from ._response import Response
from ._retry import RetryPolicy, parse_retry_after, retry_after_seconds
from ._serialization import (
    ALIASES,
    EXTRA,
    UNSET,
    WIRE,
    UnsetType,
    decode_json,
    decode_model,
    encode_model,
    make_converter,
    parse_json,
    structure_response,
    to_camel,
)
from ._status_errors import ErrorFactory, status_error
from ._transport import DEFAULT_MAX_RESPONSE_BYTES, Timeout, Transport, translate_error

__all__ = [
    "ALIASES",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "EXTRA",
    "REDACTED",
    "UNSET",
    "WIRE",
    "APIKeyAuth",
    "APIStatusError",
    "Auth",
    "AuthenticationError",
    "BadRequestError",
    "CachedToken",
    "CallGuard",
    "ClientClosedError",
    "ClientMetrics",
    "Coalescer",
    "ConflictError",
    "ConnectError",
    "ConnectionLost",
    "DeadlineExceeded",
    "ErrorFactory",
    "LocalRateLimiter",
    "NotFoundError",
    "Page",
    "PageCursor",
    "PaginationError",
    "PermissionDeniedError",
    "Pipeline",
    "RateLearner",
    "RateLimit",
    "RateLimitError",
    "RateLimitHeaders",
    "RateLimiter",
    "RedisUnavailableError",
    "RequestTimeout",
    "Response",
    "ResponseDecodeError",
    "ResponseTooLarge",
    "RetryPolicy",
    "SDKError",
    "ServerError",
    "TLSError",
    "Timeout",
    "TokenCache",
    "TokenRequestError",
    "Transport",
    "TransportError",
    "UnprocessableEntityError",
    "UnsetType",
    "decode_json",
    "decode_model",
    "encode_model",
    "first_page",
    "iter_items",
    "iter_pages",
    "limiter_for",
    "make_converter",
    "next_page",
    "next_slot",
    "normalize_error_body",
    "parse_json",
    "parse_retry_after",
    "redact_text",
    "redact_url",
    "retry_after_seconds",
    "shared_rate_limiter",
    "status_error",
    "status_error_class",
    "structure_response",
    "to_camel",
    "translate_error",
]
