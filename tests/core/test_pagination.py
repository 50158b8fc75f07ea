"""Pagination: the pure next-page function (no event loop) and the iterators on top of it."""

from __future__ import annotations

import contextlib
import gc
import weakref

import attrs
import pytest

from convictional_async.core import SDKError
from convictional_async.core._pagination import (
    Page,
    PageCursor,
    PaginationError,
    fingerprint,
    first_page,
    iter_items,
    iter_pages,
    next_page,
)

ORIGIN = "https://api.example.com"
LINK = f"{ORIGIN}/buyer/products?page=1&limit=2"


def cursor(**changes) -> PageCursor:
    return PageCursor(**{"origin": ORIGIN, "limit": 2, **changes})


# --- first_page -------------------------------------------------------------------------


def test_the_first_page_asks_for_page_zero_at_the_maximum_limit_by_default():
    start = first_page(origin=ORIGIN, max_limit=250)
    assert start.request == {"page": 0, "limit": 250}


def test_the_first_page_can_start_later_with_a_smaller_limit():
    assert first_page(origin=ORIGIN, max_limit=250, limit=25, start=3).request == {
        "page": 3,
        "limit": 25,
    }


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"limit": 0}, "limit must be an integer from 1 to 250"),
        ({"limit": 251}, "limit must be an integer from 1 to 250"),
        ({"limit": True}, "limit must be"),
        ({"limit": 2.0}, "limit must be"),
        ({"start": -1}, "start must be"),
        ({"max_limit": 0}, "max_limit must be"),
        ({"origin": "ftp://api.example.com"}, "origin must be"),
        ({"origin": "api.example.com"}, "origin must be"),
        ({"origin": "https://user:pw@api.example.com"}, "origin must be"),
        ({"origin": "https://api.example.com:99999"}, "origin must be"),
    ],
)
def test_bad_arguments_are_value_errors(options, match):
    with pytest.raises(ValueError, match=match):
        first_page(**{"origin": ORIGIN, "max_limit": 250, **options})


# --- next_page: where the next page is ---------------------------------------------------


def test_a_next_link_is_followed_while_has_more():
    following = next_page(cursor(), Page(items=("a", "b"), has_more=True, next_url=LINK))
    assert following is not None
    assert following.request == LINK
    assert following.index == 1


def test_has_more_false_ends_even_with_a_full_page_and_a_link():
    assert next_page(cursor(), Page(items=("a", "b"), has_more=False, next_url=LINK)) is None


def test_has_more_without_a_link_asks_for_the_next_page_number():
    following = next_page(cursor(index=4), Page(items=("a",), has_more=True, next_url=""))
    assert following is not None
    assert following.request == {"page": 5, "limit": 2}


def test_after_following_links_a_missing_link_falls_back_to_the_page_number():
    linked = next_page(cursor(), Page(items=("a", "b"), has_more=True, next_url=LINK))
    assert linked is not None
    following = next_page(linked, Page(items=("c", "d"), has_more=True))
    assert following is not None
    assert following.request == {"page": 2, "limit": 2}


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        (("a", "b"), {"page": 1, "limit": 2}),
        (("a", "b", "c"), {"page": 1, "limit": 2}),
        (("a",), None),
        ((), None),
    ],
    ids=["full", "overfull", "short", "empty"],
)
def test_without_has_more_a_full_page_continues_and_a_short_or_empty_one_ends(items, expected):
    following = next_page(cursor(), Page(items=items))
    assert (following.request if following else None) == expected


def test_a_link_without_has_more_is_followed():
    following = next_page(cursor(), Page(items=("a",), next_url=LINK))
    assert following is not None
    assert following.request == LINK


def test_an_empty_last_page_ends():
    assert next_page(cursor(index=3), Page(items=(), has_more=False)) is None
    assert next_page(cursor(index=3), Page(items=(), next_url="")) is None


def test_a_path_only_link_is_resolved_on_the_origin():
    following = next_page(cursor(), Page(items=("a", "b"), has_more=True, next_url="/x?page=1"))
    assert following is not None
    assert following.request == f"{ORIGIN}/x?page=1"


@pytest.mark.parametrize(
    "link",
    [
        "https://API.example.com:443/buyer/products?page=1",
        "HTTPS://api.example.com/buyer/products?page=1",
    ],
)
def test_links_on_the_same_origin_in_another_spelling_are_followed(link):
    following = next_page(cursor(), Page(items=("a", "b"), has_more=True, next_url=link))
    assert following is not None
    assert following.request == link


# --- next_page: refusing to loop or wander -----------------------------------------------


@pytest.mark.parametrize(
    "link",
    [
        "https://evil.example.net/buyer/products?page=1",
        "http://api.example.com/buyer/products?page=1",
        "https://api.example.com:8443/buyer/products?page=1",
        "//evil.example.net/buyer/products?page=1",
        "https://api.example.com@evil.example.net/x",
        "https://user@api.example.com/x",
        "javascript:alert(1)",
        "?page=1",
        "buyer/products?page=1",
        "https://api.example.com:notaport/x",
    ],
)
def test_a_link_off_the_origin_is_never_followed(link):
    with pytest.raises(PaginationError, match="refusing to follow"):
        next_page(cursor(), Page(items=("a", "b"), has_more=True, next_url=link))


def test_the_refusal_redacts_secrets_in_the_link():
    link = "https://evil.example.net/x?api_key=s3cr3t-value"
    with pytest.raises(PaginationError) as caught:
        next_page(cursor(), Page(items=("a",), has_more=True, next_url=link))
    assert "s3cr3t-value" not in str(caught.value)


def test_the_same_next_link_twice_is_an_error():
    linked = next_page(cursor(), Page(items=("a", "b"), has_more=True, next_url=LINK))
    assert linked is not None
    with pytest.raises(PaginationError, match="repeats a page already fetched"):
        next_page(linked, Page(items=("c", "d"), has_more=True, next_url=LINK))


def test_a_cycle_of_links_is_an_error():
    second = f"{ORIGIN}/p?page=2"
    state = next_page(cursor(), Page(items=("a", "b"), has_more=True, next_url=LINK))
    assert state is not None
    state = next_page(state, Page(items=("c", "d"), has_more=True, next_url=second))
    assert state is not None
    with pytest.raises(PaginationError, match="repeats a page already fetched"):
        next_page(state, Page(items=("e", "f"), has_more=True, next_url=LINK))


def test_an_empty_page_that_claims_more_is_an_error():
    with pytest.raises(PaginationError, match="page 2 is empty but the server says hasMore"):
        next_page(cursor(index=2), Page(items=(), has_more=True, next_url=LINK))


def test_the_same_items_as_the_page_before_is_an_error():
    state = next_page(cursor(), Page(items=("a", "b"), has_more=True))
    assert state is not None
    with pytest.raises(PaginationError, match="page 1 repeats the items of an earlier page"):
        next_page(state, Page(items=("a", "b"), has_more=True))


def test_a_server_ignoring_the_page_parameter_is_caught_without_has_more():
    state = next_page(cursor(), Page(items=("a", "b")))
    assert state is not None
    with pytest.raises(PaginationError, match="repeats the items"):
        next_page(state, Page(items=("a", "b")))


def test_overlapping_but_different_pages_are_progress():
    state = next_page(cursor(), Page(items=("a", "b"), has_more=True))
    assert state is not None
    assert next_page(state, Page(items=("b", "c"), has_more=True)) is not None


def test_items_are_compared_by_the_given_key():
    first = ({"id": 1, "seen": 1}, {"id": 2, "seen": 1})
    again = ({"id": 1, "seen": 2}, {"id": 2, "seen": 2})
    state = next_page(cursor(), Page(items=first), item_key=lambda item: item["id"])
    assert state is not None
    with pytest.raises(PaginationError, match="repeats the items"):
        next_page(state, Page(items=again), item_key=lambda item: item["id"])
    assert fingerprint(Page(items=first)) != fingerprint(Page(items=again))


def test_pagination_error_is_an_sdk_error():
    assert issubclass(PaginationError, SDKError)


def test_next_page_is_pure():
    start = cursor()
    page = Page(items=("a", "b"), has_more=True, next_url=LINK)
    assert next_page(start, page) == next_page(start, page)
    assert start == cursor()


# --- the async iterators ------------------------------------------------------------------


class FakeServer:
    """Serves pages by request; records what was asked and, with ``count_alive``, how many
    pages are alive at each fetch (after a full garbage collection, which costs a walk of
    the whole heap: only the test that asserts the count asks for it)."""

    def __init__(self, pages: dict, *, max_calls: int = 20, count_alive: bool = False) -> None:
        self.pages = pages
        self.requests: list = []
        self.max_calls = max_calls
        self.count_alive = count_alive
        self.served: list[weakref.ref] = []
        self.alive_at_fetch: list[int] = []

    async def fetch(self, request):
        assert len(self.requests) < self.max_calls, "the iterator does not stop"
        if self.count_alive:
            gc.collect()
            self.alive_at_fetch.append(sum(ref() is not None for ref in self.served))
        self.requests.append(request)
        key = request if isinstance(request, str) else request["page"]
        page = attrs.evolve(self.pages[key])  # a fresh object the server does not keep
        self.served.append(weakref.ref(page))
        return page


async def test_iter_items_follows_links_then_page_numbers_in_order():
    server = FakeServer(
        {
            0: Page(items=("a", "b"), has_more=True, next_url=LINK),
            LINK: Page(items=("c", "d"), has_more=True, next_url=""),
            2: Page(items=("e",), has_more=False),
        }
    )
    got = [item async for item in iter_items(server.fetch, origin=ORIGIN, max_limit=2)]
    assert got == ["a", "b", "c", "d", "e"]
    assert server.requests == [{"page": 0, "limit": 2}, LINK, {"page": 2, "limit": 2}]


async def test_iter_items_on_bare_arrays_stops_at_a_short_page():
    server = FakeServer({0: Page(items=(1, 2, 3)), 1: Page(items=(4, 5, 6)), 2: Page(items=(7,))})
    got = [item async for item in iter_items(server.fetch, origin=ORIGIN, max_limit=3)]
    assert got == [1, 2, 3, 4, 5, 6, 7]
    assert len(server.requests) == 3


async def test_only_one_page_is_alive_while_the_next_is_fetched():
    server = FakeServer({n: Page(items=(f"{n}-a", f"{n}-b")) for n in range(4)}, count_alive=True)
    server.pages[4] = Page(items=())
    async for _item in iter_items(server.fetch, origin=ORIGIN, max_limit=2):
        pass
    assert server.alive_at_fetch == [0, 0, 0, 0, 0]


async def test_iter_pages_yields_a_page_before_judging_the_next_link():
    server = FakeServer({0: Page(items=("a",), has_more=True, next_url="https://evil.example/")})
    seen = []

    async def consume():
        async for page in iter_pages(server.fetch, origin=ORIGIN, max_limit=250):
            seen.append(page.items)

    with pytest.raises(PaginationError, match="refusing to follow"):
        await consume()
    assert seen == [("a",)]
    assert len(server.requests) == 1


async def test_a_server_that_repeats_a_page_ends_in_an_error_not_a_loop():
    server = FakeServer({n: Page(items=("same",), has_more=True) for n in range(20)})
    with pytest.raises(PaginationError, match="repeats the items"):
        async for _page in iter_pages(server.fetch, origin=ORIGIN, max_limit=250):
            pass
    assert len(server.requests) == 2


async def test_stopping_early_fetches_no_further_page():
    server = FakeServer({n: Page(items=(n, n + 0.5), has_more=True) for n in range(20)})
    items = iter_items(server.fetch, origin=ORIGIN, max_limit=2)
    async with contextlib.aclosing(items):
        async for item in items:
            if item == 1:
                break
    assert len(server.requests) == 2


async def test_invalid_arguments_raise_before_any_fetch():
    server = FakeServer({})
    with pytest.raises(ValueError, match="limit"):
        async for _item in iter_items(server.fetch, origin=ORIGIN, max_limit=250, limit=500):
            pass
    assert server.requests == []


async def test_fetch_errors_propagate_unchanged():
    async def failing(_request):
        raise ConnectionResetError("boom")

    with pytest.raises(ConnectionResetError, match="boom"):
        async for _item in iter_items(failing, origin=ORIGIN, max_limit=250):
            pass


def test_pages_that_cycle_end_in_an_error_not_a_loop():
    """A server ignoring ``page`` and alternating two pages: A, B, A is already no progress."""
    cursor = first_page(origin="https://api.example", max_limit=2)
    pages = [Page(items=("a1", "a2")), Page(items=("b1", "b2"))]
    for n in range(2):
        cursor = next_page(cursor, pages[n])
        assert cursor is not None
    with pytest.raises(PaginationError, match="earlier page"):
        next_page(cursor, pages[0])
