"""The Convictional API's errors: one class per meaningful status, each also a core class.

::

    SDKError                                   (convictional_async.core)
    ├── TransportError, ResponseDecodeError, PaginationError, ...   (core, unchanged)
    └── ConvictionalError                      anything the Convictional API itself refused
        └── ConvictionalAPIError               a non-2xx reply (also core.APIStatusError)
            ├── ValidationError                400 or 422 (core.BadRequestError and
            │                                  core.UnprocessableEntityError)
            ├── AuthenticationError            401: key missing, wrong or rolled (final)
            ├── PermissionDeniedError          403
            ├── NotFoundError                  404
            ├── ConflictError                  409
            ├── UnsupportedMediaTypeError      415
            ├── RateLimitError                 429 (retried by the client first)
            └── ServerError                    5xx

Each class also derives from the matching core class (``NotFoundError`` from
``convictional_async.core.NotFoundError``...), so code that catches the core's classes
keeps working. Every error carries ``status``, ``request_id`` (``X-Request-ID``),
``convictional_version`` (the ``Convictional-Version`` header), and ``errors``: the
field errors of all three body shapes the API uses (``{"error": "msg"}``,
``{"error": [{"message": "msg"}]}``, ``{"errors": {"field": ["msg"]}}``) as
``{field: [messages]}``, with messages not tied to a field under ``"general"``.
"""

from __future__ import annotations

from typing import Any

from . import core
from .core import Response

VERSION_HEADER = "Convictional-Version"
"""The response header naming the API version that answered."""


class ConvictionalError(core.SDKError):
    """Base of the errors specific to the Convictional API."""


class ConvictionalAPIError(ConvictionalError, core.APIStatusError):
    """The Convictional API answered with a non-2xx status.

    >>> try:
    ...     raise NotFoundError("HTTP 404 Not Found", status=404, request_id="r-1",
    ...                         convictional_version="2022-03-03")
    ... except core.NotFoundError as error:
    ...     print(error.request_id, error.convictional_version)
    r-1 2022-03-03
    """

    def __init__(
        self, message: str, *, convictional_version: str | None = None, **kwargs: Any
    ) -> None:
        self.convictional_version = convictional_version
        """The API version that answered (``Convictional-Version``), if the server said."""
        super().__init__(message, **kwargs)


class ValidationError(ConvictionalAPIError, core.BadRequestError, core.UnprocessableEntityError):
    """400 or 422: the request failed validation; ``errors`` says which fields."""


class AuthenticationError(ConvictionalAPIError, core.AuthenticationError):
    """401: the API key is missing, wrong or was rolled; there is nothing to refresh."""


class PermissionDeniedError(ConvictionalAPIError, core.PermissionDeniedError):
    """403: the key's account may not do this (a seller key on a Buyer endpoint, say)."""


class NotFoundError(ConvictionalAPIError, core.NotFoundError):
    """404: no such resource."""


class ConflictError(ConvictionalAPIError, core.ConflictError):
    """409: the request conflicts with the resource's state."""


class UnsupportedMediaTypeError(ConvictionalAPIError):
    """415: the body's ``Content-Type`` is not one the endpoint accepts."""


class RateLimitError(ConvictionalAPIError, core.RateLimitError):
    """429 after the client's own 429 budget (``RetryPolicy.max_rate_limit_wait``) ran out."""


class ServerError(ConvictionalAPIError, core.ServerError):
    """5xx: the server failed (a create may or may not have taken effect)."""


_CLASSES: dict[int, type[ConvictionalAPIError]] = {
    400: ValidationError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    415: UnsupportedMediaTypeError,
    422: ValidationError,
    429: RateLimitError,
}


def error_class(status: int) -> type[ConvictionalAPIError]:
    """The error class for a non-2xx status.

    >>> error_class(422).__name__, error_class(503).__name__, error_class(418).__name__
    ('ValidationError', 'ServerError', 'ConvictionalAPIError')
    """
    if status >= 500:
        return ServerError
    return _CLASSES.get(status, ConvictionalAPIError)


def convictional_error(response: Response, *, secrets: tuple[str, ...] = ()) -> core.APIStatusError:
    """The typed error for a non-2xx reply (the client's ``Pipeline(error_factory=...)``)."""
    return core.status_error(
        response,
        secrets=secrets,
        classes=error_class,
        convictional_version=response.headers.get(VERSION_HEADER),
    )
