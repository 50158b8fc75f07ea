"""The typed error for a non-2xx response: the class for its status, its parsed error
messages and its ``Retry-After``, with every known secret scrubbed from it."""

from __future__ import annotations

import http
import time
from collections.abc import Callable
from typing import Any, Protocol

from ._errors import APIStatusError, status_error_class
from ._errors import normalize_error_body as normalize
from ._redact import redact_text
from ._response import Response
from ._retry import retry_after_seconds
from ._serialization import parse_json


class ErrorFactory(Protocol):
    """Builds the typed error for a non-2xx response (an API may have its own classes)."""

    def __call__(self, response: Response, *, secrets: tuple[str, ...] = ()) -> APIStatusError:
        """The error for ``response``, with every one of ``secrets`` scrubbed from it."""


def status_error(
    response: Response,
    *,
    secrets: tuple[str, ...] = (),
    classes: Callable[[int], type[APIStatusError]] = status_error_class,
    **extra: Any,
) -> APIStatusError:
    """The typed error for a non-2xx response, with any known secret scrubbed from it."""
    status = response.status
    text = redact_text(response.text, secrets) if secrets else response.text
    errors = normalize(parse_json(response.body))
    if secrets:
        errors = {
            redact_text(k, secrets): [redact_text(m, secrets) for m in v] for k, v in errors.items()
        }
    try:
        phrase = http.HTTPStatus(status).phrase
    except ValueError:
        phrase = "Unknown Status"
    return classes(status)(
        f"HTTP {status} {phrase}",
        status=status,
        request_id=response.request_id,
        method=response.method,
        url=response.url,
        errors=errors,
        body=text,
        retry_after=retry_after_seconds(response.headers, now=time.time()),
        **extra,
    )
