"""The shared async transport core: knows HTTP, retries, rate limits and errors, not any API.

Clients compose these pieces into one request pipeline::

    build request -> Auth -> RateLimiter -> Transport -> classify -> RetryPolicy -> decode
"""

from ._auth import APIKeyAuth, Auth
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
    PermissionDeniedError,
    RateLimitError,
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
from ._pipeline import Pipeline, status_error
from ._ratelimit import (
    LocalRateLimiter,
    RateLearner,
    RateLimit,
    RateLimiter,
    RateLimitHeaders,
    next_slot,
    shared_rate_limiter,
)
from ._redact import REDACTED, redact_text, redact_url
from ._response import Response
from ._retry import RetryPolicy, parse_retry_after, retry_after_seconds
from ._serialization import (
    decode_response,
    dumps,
    encode_model,
    make_converter,
    parse_json,
    to_camel,
)
from ._transport import DEFAULT_MAX_RESPONSE_BYTES, Timeout, Transport, translate_error

__all__ = [
    "DEFAULT_MAX_RESPONSE_BYTES",
    "REDACTED",
    "APIKeyAuth",
    "APIStatusError",
    "Auth",
    "AuthenticationError",
    "BadRequestError",
    "ClientMetrics",
    "Coalescer",
    "ConflictError",
    "ConnectError",
    "ConnectionLost",
    "DeadlineExceeded",
    "LocalRateLimiter",
    "NotFoundError",
    "PermissionDeniedError",
    "Pipeline",
    "RateLearner",
    "RateLimit",
    "RateLimitError",
    "RateLimitHeaders",
    "RateLimiter",
    "RequestTimeout",
    "Response",
    "ResponseDecodeError",
    "ResponseTooLarge",
    "RetryPolicy",
    "SDKError",
    "ServerError",
    "TLSError",
    "Timeout",
    "TokenRequestError",
    "Transport",
    "TransportError",
    "UnprocessableEntityError",
    "decode_response",
    "dumps",
    "encode_model",
    "make_converter",
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
    "to_camel",
    "translate_error",
]
