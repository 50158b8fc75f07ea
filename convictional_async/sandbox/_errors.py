"""The two error formats of the Convictional API (reference section 7), as pure functions.

Handlers raise ``ApiError`` with problems keyed by field (``"general"`` when not tied to a
parameter); the app renders it for the request:

* new format (``Enable-New-Errors: true``, or ``SandboxConfig.errors="new"``):
  ``{"errors": {"field": ["message"], "general": ["message"]}}``, and validation errors are
  422;
* legacy format: ``{"error": "message"}``, several messages joined with ``"; "`` and prefixed
  with their field; on Buyer endpoints (which wrap everything in ``{"data": ..., "error":
  []}``) the list variant ``{"data": null, "error": [{"message": "..."}]}`` (sandbox choice);
  validation errors are 400.

Messages (the real new-format texts for 401/404/422 are unknown): 401 ``unauthorized``, 403
``forbidden: ...`` (a key of the wrong account type), 404 ``not found``, 409 for a duplicate,
415 for a body of the wrong media type, 429 ``rate limit exceeded``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["ApiError", "Problems", "error_body", "error_status"]

Problems = dict[str, list[str]]


class ApiError(Exception):
    """An error answer of the emulated API, rendered in the request's error format.

    Example::

        raise ApiError.invalid("inventoryQuantity", "must be greater than 0")
    """

    def __init__(
        self,
        status: int,
        problems: Mapping[str, list[str]],
        *,
        validation: bool = False,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(status, dict(problems))
        self.status = status
        self.problems: Problems = {key: list(messages) for key, messages in problems.items()}
        self.validation = validation
        self.headers = dict(headers or {})

    @classmethod
    def general(cls, status: int, message: str) -> ApiError:
        """Return an error not tied to a parameter."""
        return cls(status, {"general": [message]})

    @classmethod
    def invalid(cls, field: str, message: str) -> ApiError:
        """Return a validation error for one field (400, or 422 in the new format)."""
        return cls(400, {field: [message]}, validation=True)

    @classmethod
    def invalid_many(cls, problems: Problems) -> ApiError:
        """Return a validation error for several fields."""
        return cls(400, problems, validation=True)

    @classmethod
    def not_found(cls, what: str) -> ApiError:
        """Return 404 for a resource that does not exist or is not the caller's."""
        return cls(404, {"general": [f"{what} not found"]})


def error_status(error: ApiError, *, new: bool) -> int:
    """Return the HTTP status of ``error`` in the chosen format."""
    return 422 if error.validation and new else error.status


def error_body(problems: Problems, *, new: bool, enveloped: bool) -> dict[str, Any]:
    """Return the JSON body of an error in the new or the legacy format."""
    if new:
        return {"errors": problems}
    messages = [
        message if field == "general" else f"{field}: {message}"
        for field, field_messages in problems.items()
        for message in field_messages
    ]
    if enveloped:
        return {"data": None, "error": [{"message": message} for message in messages]}
    return {"error": "; ".join(messages)}
