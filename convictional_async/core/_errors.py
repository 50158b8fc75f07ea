"""The SDK's one exception tree, shared by every API client.

::

    SDKError                        base of everything this SDK raises on purpose
    ├── TransportError              no usable HTTP response arrived
    │   ├── ConnectError            could not connect; the request was never sent
    │   │   └── TLSError            TLS handshake or certificate failure (not retried)
    │   ├── RequestTimeout          timed out after the request may have reached the server
    │   │   └── DeadlineExceeded    the call's total deadline passed (queue, limiter, retries)
    │   └── ConnectionLost          the connection broke mid-exchange (may have reached it)
    ├── APIStatusError              the server answered with a non-2xx status
    │   ├── BadRequestError         400
    │   ├── AuthenticationError     401
    │   ├── PermissionDeniedError   403
    │   ├── NotFoundError           404
    │   ├── ConflictError           409
    │   ├── UnprocessableEntityError 422
    │   ├── RateLimitError          429 (``retry_after`` in seconds, if the server said)
    │   └── ServerError             5xx
    ├── ResponseDecodeError         a 2xx response whose body is not what the API promises
    │   └── ResponseTooLarge        the body is larger than the client's cap on bytes read
    ├── TokenRequestError           the OAuth2 token endpoint refused or garbled a token
    ├── ClientClosedError           the client was closed before or during the call
    ├── PaginationError             pages that make no progress or point to another origin
    └── RedisUnavailableError       Redis, holding the shared budget or token, did not answer

Every error that came with a response carries ``status``, ``request_id`` (the
``X-Request-ID`` header), ``method``, ``url``, the normalized ``errors`` mapping
(``{field: [messages]}``, with messages not tied to a field under ``"general"``) and
``body``, a truncated excerpt of the response body. No error ever carries a request
header or a request body, so credentials cannot leak through them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ._redact import redact_url

BODY_EXCERPT_LIMIT = 2048
"""How many characters of a response body an error keeps."""

GENERAL = "general"
"""The ``errors`` key for messages that are not tied to one field."""


class SDKError(Exception):
    """Base class of every error this SDK raises on purpose."""


class TransportError(SDKError):
    """No usable HTTP response arrived (connection, timeout or protocol failure)."""

    def __init__(self, message: str, *, method: str = "", url: str = "") -> None:
        self.method = method
        self.url = redact_url(url)
        where = f" ({method} {self.url})" if method else ""
        super().__init__(f"{message}{where}")

    @property
    def request_may_have_been_sent(self) -> bool:
        """Whether the server may have received (and acted on) the request."""
        return True


class ConnectError(TransportError):
    """Could not connect to the server; the request was never sent."""

    @property
    def request_may_have_been_sent(self) -> bool:
        """A connection that was never established carried no request."""
        return False


class TLSError(ConnectError):
    """The TLS handshake or certificate check failed; retrying will not help."""


class RequestTimeout(TransportError):
    """The request timed out; it may have reached the server."""


class DeadlineExceeded(RequestTimeout):
    """The call's total deadline passed: queueing, limiter waits, token fetch and retries
    included. ``sent`` says whether any attempt of the call had been sent by then."""

    def __init__(self, message: str, *, sent: bool, method: str = "", url: str = "") -> None:
        self.sent = sent
        super().__init__(message, method=method, url=url)

    @property
    def request_may_have_been_sent(self) -> bool:
        """Only if an attempt had gone out before the deadline passed."""
        return self.sent


class ConnectionLost(TransportError):
    """The connection broke before a complete response arrived."""


class _ResponseError(SDKError):
    """Shared fields of errors raised for a received response."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        request_id: str | None,
        method: str = "",
        url: str = "",
        errors: Mapping[str, Sequence[str]] | None = None,
        body: str = "",
    ) -> None:
        self.status = status
        self.request_id = request_id
        self.method = method
        self.url = redact_url(url)
        self.errors: dict[str, list[str]] = {k: list(v) for k, v in (errors or {}).items()}
        self.body = body[:BODY_EXCERPT_LIMIT]
        super().__init__(self._describe(message))

    def _describe(self, message: str) -> str:
        parts = [message]
        if self.method:
            parts.append(f"from {self.method} {self.url}")
        parts.append(f"(status {self.status}, request id {self.request_id or 'n/a'})")
        details = "; ".join(
            f"{msgs[0] if field == GENERAL else f'{field}: {msgs[0]}'}"
            + (f" (+{len(msgs) - 1} more)" if len(msgs) > 1 else "")
            for field, msgs in self.errors.items()
            if msgs
        )
        if details:
            parts.append(f"- {details}")
        return " ".join(parts)


class APIStatusError(_ResponseError):
    """The server answered with a non-2xx status.

    ``retry_after`` is how long the server asked to wait before trying again
    (``Retry-After``; a 429 or a 503 usually says), or ``None``.
    """

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kwargs)


class BadRequestError(APIStatusError):
    """400: the server rejected the request as malformed."""


class AuthenticationError(APIStatusError):
    """401: missing, wrong, expired or revoked credentials."""


class PermissionDeniedError(APIStatusError):
    """403: the credentials are valid but not allowed to do this."""


class NotFoundError(APIStatusError):
    """404: no such resource."""


class ConflictError(APIStatusError):
    """409: the request conflicts with the resource's current state."""


class UnprocessableEntityError(APIStatusError):
    """422: the request was well-formed but failed validation."""


class RateLimitError(APIStatusError):
    """429: too many requests; ``retry_after`` says how long the server asked to wait."""


class ServerError(APIStatusError):
    """5xx: the server failed."""


class ResponseDecodeError(_ResponseError):
    """A 2xx response whose body does not match what the API documents."""


class ResponseTooLarge(ResponseDecodeError):
    """A 2xx response body larger than the client's ``max_response_bytes`` (decompressed)."""


class TokenRequestError(_ResponseError):
    """The OAuth2 token endpoint did not issue a usable token.

    ``error`` and ``error_description`` hold the OAuth2 error fields when the server
    sent them (``invalid_client``, ``unsupported_grant_type``, ...).
    """

    def __init__(
        self,
        message: str,
        *,
        error: str | None = None,
        error_description: str | None = None,
        **kwargs: Any,
    ) -> None:
        self.error = error
        self.error_description = error_description
        super().__init__(message, **kwargs)


class PaginationError(SDKError):
    """A server's pages make no progress or point elsewhere, so iteration stopped."""


class RedisUnavailableError(SDKError):
    """Redis, which holds the shared rate budget or token, did not answer in time.

    Raised instead of sending a request when ``on_redis_error="fail"``; the request was
    not sent.
    """


_STATUS_CLASSES: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def status_error_class(status: int) -> type[APIStatusError]:
    """Map an HTTP status to the error class raised for it."""
    if status >= 500:
        return ServerError
    return _STATUS_CLASSES.get(status, APIStatusError)


def normalize_error_body(document: Any) -> dict[str, list[str]]:
    """Normalize any known error body shape into ``{field: [messages]}``.

    Understood shapes: ``{"errors": {field: [msg]}}`` (Convictional's current format),
    ``{"error": "msg"}``, ``{"error": [{"message": "msg"}]}`` (Convictional's legacy
    formats), ``{"error": "code", "error_description": "text"}`` (OAuth2) and
    ``{"detail": "msg"}`` (Django REST framework). Anything else gives ``{}``.

    >>> normalize_error_body({"errors": {"qty": ["must be > 0"]}})
    {'qty': ['must be > 0']}
    >>> normalize_error_body({"error": "invalid_client", "error_description": "bad secret"})
    {'general': ['invalid_client: bad secret']}
    """
    if not isinstance(document, dict):
        return {}
    result: dict[str, list[str]] = {}
    errors = document.get("errors")
    if isinstance(errors, dict):
        for field, messages in errors.items():
            result.setdefault(str(field), []).extend(_messages(messages))
    elif isinstance(errors, list):
        result.setdefault(GENERAL, []).extend(_messages(errors))
    general: list[str] = []
    error = document.get("error")
    description = document.get("error_description")
    if isinstance(error, str) and error:
        general.append(f"{error}: {description}" if isinstance(description, str) else error)
    elif isinstance(error, list | dict):
        general.extend(_messages(error))
    detail = document.get("detail")
    if isinstance(detail, str) and detail:
        general.append(detail)
    if general:
        result.setdefault(GENERAL, []).extend(general)
    return {field: msgs for field, msgs in result.items() if msgs}


def _messages(value: Any) -> list[str]:
    """Flatten one error value (a string, a list, ``{"message": ...}``) into strings."""
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, dict):
        message = value.get("message")
        return [str(message)] if message else []
    if isinstance(value, list):
        return [msg for item in value for msg in _messages(item)]
    if value is None:
        return []
    return [str(value)]
