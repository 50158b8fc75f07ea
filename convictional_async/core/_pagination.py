"""Pagination for any API: a pure "which page next" function and async iterators on it.

A server says where the next page is in one of two ways, and :func:`next_page` reads
them in this order:

* ``has_more`` plus a ``next`` link: the link is followed while ``has_more`` is not
  ``False``, but only on the client's own origin (scheme, host and port);
* nothing (or ``has_more`` without a link): the next request is ``page + 1`` with the
  same ``limit``; without ``has_more``, a short or empty page is the last one.

A page that makes no progress ends in :class:`PaginationError` rather than a loop: a link
that was already followed, an empty page that claims more, or exactly the items of the
page before. :func:`iter_pages` holds one page at a time.
"""

from __future__ import annotations

import contextlib
from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Awaitable,
    Callable,
    Hashable,
    Mapping,
    Sequence,
)
from typing import Any, Generic, TypeVar
from urllib.parse import urljoin, urlsplit

import attrs

from ._errors import PaginationError
from ._redact import redact_url
from ._validate import non_negative_int, positive_int

T = TypeVar("T")

PageRequest = Mapping[str, int] | str
"""What to fetch: query parameters ``{"page": n, "limit": l}``, or an absolute URL."""

_DEFAULT_PORTS = {"http": 80, "https": 443}


@attrs.frozen(kw_only=True)
class Page(Generic[T]):
    """One page of results and what the server said about the next one.

    >>> Page(items=("a", "b"), has_more=True, next_url="https://api.example/x?page=1")
    Page(items=('a', 'b'), has_more=True, next_url='https://api.example/x?page=1')
    """

    items: Sequence[T]
    has_more: bool | None = None
    """``None`` when the server did not say (a bare JSON array)."""
    next_url: str | None = None
    """The absolute link to the next page; ``None`` (or ``""``) when there is none."""


@attrs.frozen(kw_only=True)
class PageCursor:
    """Where the next page is, plus what the progress checks remember of earlier pages."""

    origin: str
    limit: int
    index: int = 0
    url: str | None = None
    visited: frozenset[str] = attrs.field(default=frozenset(), repr=False)
    seen: frozenset[int] = attrs.field(default=frozenset(), repr=False)
    """Fingerprints of the pages fetched so far: a page seen before is no progress."""

    @property
    def request(self) -> PageRequest:
        """The argument for ``fetch_page``: the link to follow, or page and limit."""
        if self.url is not None:
            return self.url
        return {"page": self.index, "limit": self.limit}


def _origin_of(url: str) -> tuple[str, str, int] | None:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme, host = parts.scheme.lower(), (parts.hostname or "")
    if scheme not in _DEFAULT_PORTS or not host or parts.username or parts.password:
        return None
    return (scheme, host, port or _DEFAULT_PORTS[scheme])


def first_page(
    *, origin: str, max_limit: int, limit: int | None = None, start: int = 0
) -> PageCursor:
    """The cursor of the first page; ``limit`` defaults to ``max_limit``.

    Raises :class:`ValueError` for an ``origin`` that is not an http(s) URL, a ``limit``
    outside ``1..max_limit`` or a negative ``start``.
    """
    max_limit = positive_int("max_limit", max_limit)
    limit = positive_int("limit", max_limit if limit is None else limit, max_limit)
    start = non_negative_int("start", start)
    if not isinstance(origin, str) or _origin_of(origin) is None:
        raise ValueError(f"origin must be an http(s) URL with a host, got {origin!r}")
    return PageCursor(origin=origin, limit=limit, index=start)


def fingerprint(page: Page[Any], item_key: Callable[[Any], Hashable] = repr) -> int:
    """A hash of a page's items in order: equal pages have equal fingerprints."""
    return hash(tuple(item_key(item) for item in page.items))


def _link(cursor: PageCursor, next_url: str) -> str:
    """The absolute URL of a ``next`` link on the cursor's origin, or PaginationError."""
    is_path = next_url.startswith("/") and not next_url.startswith("//")
    url = urljoin(cursor.origin, next_url) if is_path else next_url
    if _origin_of(url) is None or _origin_of(url) != _origin_of(cursor.origin):
        raise PaginationError(
            f"refusing to follow a next link off {redact_url(cursor.origin)}: {redact_url(url)}"
        )
    if url == cursor.url or url in cursor.visited:
        raise PaginationError(f"the next link repeats a page already fetched: {redact_url(url)}")
    return url


def next_page(
    cursor: PageCursor, page: Page[Any], *, item_key: Callable[[Any], Hashable] = repr
) -> PageCursor | None:
    """The cursor after ``page``, or ``None`` when it was the last page.

    Raises :class:`PaginationError` when the page makes no progress (an empty page with
    ``has_more``, the same items as an earlier page, a link already followed) or links
    to another origin.
    """
    if page.has_more is False:
        return None
    if not page.items:
        if page.has_more:
            raise PaginationError(f"page {cursor.index} is empty but the server says hasMore")
        return None
    current = fingerprint(page, item_key)
    if current in cursor.seen:
        raise PaginationError(f"page {cursor.index} repeats the items of an earlier page")
    index = cursor.index + 1
    seen = cursor.seen | {current}
    if page.next_url:
        url = _link(cursor, page.next_url)
        visited = cursor.visited | {url}
        return attrs.evolve(cursor, index=index, url=url, visited=visited, seen=seen)
    if page.has_more is None and len(page.items) < cursor.limit:
        return None
    return attrs.evolve(cursor, index=index, url=None, seen=seen)


async def iter_pages(
    fetch_page: Callable[[PageRequest], Awaitable[Page[T]]],
    *,
    origin: str,
    max_limit: int,
    limit: int | None = None,
    start: int = 0,
    item_key: Callable[[Any], Hashable] = repr,
) -> AsyncGenerator[Page[T], None]:
    """Every page, fetched one at a time by ``fetch_page`` (see :func:`first_page`)."""
    cursor: PageCursor | None = first_page(
        origin=origin, max_limit=max_limit, limit=limit, start=start
    )
    while cursor is not None:
        page = await fetch_page(cursor.request)
        yield page
        cursor = next_page(cursor, page, item_key=item_key)
        del page  # only one page is alive while the next one is fetched


async def iter_items(
    fetch_page: Callable[[PageRequest], Awaitable[Page[T]]],
    *,
    origin: str,
    max_limit: int,
    limit: int | None = None,
    start: int = 0,
    item_key: Callable[[Any], Hashable] = repr,
) -> AsyncIterator[T]:
    """Every item of every page, in order (see :func:`iter_pages`).

    Usage, with ``fetch`` turning a :data:`PageRequest` into a :class:`Page`::

        async for product in iter_items(fetch, origin="https://api.example", max_limit=250):
            print(product)
    """
    pages = iter_pages(
        fetch_page, origin=origin, max_limit=max_limit, limit=limit, start=start, item_key=item_key
    )
    async with contextlib.aclosing(pages):
        async for page in pages:
            for item in page.items:
                yield item
            del page  # only one page is alive while the next one is fetched
