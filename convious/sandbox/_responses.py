"""The Convious sandbox's canned HTTP responses: JSON bodies, auth refusals and 429s.

Faults on the wire (drops, partial replies, HTML pages, broken JSON) come from the kit.
"""

from __future__ import annotations

from typing import Any, Final

import msgspec
from aiohttp import web

from ._validation import Problems, first_message

__all__ = [
    "NO_STORE",
    "invalid_client",
    "json_response",
    "rate_limited",
    "throttled",
    "unauthorized",
    "validation_failed",
]

NO_STORE: Final = {"Cache-Control": "no-store", "Pragma": "no-cache"}
_ENCODE: Final = msgspec.json.Encoder().encode


def json_response(status: int, data: Any, headers: dict[str, str] | None = None) -> web.Response:
    """Return ``data`` encoded as a JSON response."""
    return web.Response(
        status=status, body=_ENCODE(data), content_type="application/json", headers=headers
    )


def validation_failed(problems: Problems) -> web.Response:
    """Return 400 ``{"error": <first message>, "errors": {path: [messages]}}``."""
    return json_response(400, {"error": first_message(problems), "errors": problems})


def unauthorized(message: str) -> web.Response:
    """Return the API's 401 with ``{"error": message}``."""
    return json_response(401, {"error": message}, {"WWW-Authenticate": 'Bearer realm="api"'})


def invalid_client() -> web.Response:
    """Return the token endpoint's 401 for missing or wrong client credentials."""
    body = {"error": "invalid_client", "error_description": "Client authentication failed"}
    return json_response(401, body, NO_STORE)


def throttled(retry_after: float, limit: int) -> web.Response:
    """Return 429 with ``Retry-After`` and the ``X-RateLimit-*`` headers."""
    wait = str(int(retry_after)) if float(retry_after).is_integer() else f"{retry_after:g}"
    headers = {
        "Retry-After": wait,
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": wait,
    }
    return json_response(429, {"error": "Request was throttled."}, headers)


def rate_limited(wait: int) -> web.Response:
    """Return the server-side rate limit's 429, with ``Retry-After`` in whole seconds."""
    unit = "second" if wait == 1 else "seconds"
    error = f"Request was throttled. Expected available in {wait} {unit}."
    return json_response(429, {"error": error}, {"Retry-After": str(wait)})
