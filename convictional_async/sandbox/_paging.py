"""Offset pagination and response envelopes (reference section 6), as pure functions.

``page`` is zero-based (default 0) and ``limit`` is 1 to 250; anything else is a validation
error on that parameter. Envelopes:

* Buyer lists: ``{"data": [...], "hasMore", "next", "previous", "error": []}``;
* Shared ``GET /documents``: the same without ``"error"`` (``ResponseMetaData`` plus data);
* Seller ``GET /products`` and Shared ``GET /partners``: ``{"data": [...]}`` only.

``next`` and ``previous`` are absolute URLs (the request's own, with ``page`` changed and every
other parameter kept), or ``""`` when there is no next or previous page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final, TypeVar

from yarl import URL

from ._errors import ApiError

__all__ = ["MAX_LIMIT", "Page", "bool_param", "page_of", "paged_envelope"]

MAX_LIMIT: Final = 250
_MAX_DIGITS: Final = 9

T = TypeVar("T")


class Page:
    """One page of a list: its items and whether more follow."""

    def __init__(self, items: list[Any], *, page: int, limit: int, has_more: bool) -> None:
        self.items = items
        self.page = page
        self.limit = limit
        self.has_more = has_more


def _int_param(query: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or len(raw) > _MAX_DIGITS or not low <= int(raw) <= high:
        raise ApiError.invalid(name, f"must be an integer from {low} to {high}")
    return int(raw)


def bool_param(query: Mapping[str, str], name: str) -> bool | None:
    """Return a ``true``/``false`` query parameter, None when absent, else a validation error."""
    raw = query.get(name)
    if raw is None or raw == "":
        return None
    if raw.lower() not in ("true", "false"):
        raise ApiError.invalid(name, "must be true or false")
    return raw.lower() == "true"


def page_of(items: Sequence[T], query: Mapping[str, str], *, default_limit: int) -> Page:
    """Return the page of ``items`` that ``page`` and ``limit`` in ``query`` ask for."""
    page = _int_param(query, "page", 0, 0, 10**_MAX_DIGITS - 1)
    limit = _int_param(query, "limit", default_limit, 1, MAX_LIMIT)
    start = page * limit
    chosen = list(items[start : start + limit])
    return Page(chosen, page=page, limit=limit, has_more=start + limit < len(items))


def paged_envelope(url: URL, page: Page, data: list[Any], *, error_key: bool) -> dict[str, Any]:
    """Return ``{"data", "hasMore", "next", "previous"}`` (plus ``"error": []``) for a page."""
    envelope: dict[str, Any] = {
        "data": data,
        "hasMore": page.has_more,
        "next": _link(url, page, page.page + 1) if page.has_more else "",
        "previous": _link(url, page, page.page - 1) if page.page > 0 else "",
    }
    if error_key:
        envelope["error"] = []
    return envelope


def _link(url: URL, page: Page, number: int) -> str:
    query = {key: value for key, value in url.query.items() if key not in ("page", "limit")}
    return str(url.with_query({**query, "page": str(number), "limit": str(page.limit)}))
