"""What every Convictional resource shares: safe path ids, query values, requests and pages.

Ids are interpolated into paths, so :func:`check_id` refuses anything that could change the
path (``/``, ``?``, ``#``, ``%``, ``\\``, ``.``/``..``, whitespace, control characters)
before any traffic. :class:`Requester` sends through the client's one pipeline with the
client's headers and records each successful response for ``with_raw_response``.
"""

from __future__ import annotations

import asyncio
import operator
import reprlib
import unicodedata
import uuid
from collections.abc import AsyncGenerator, Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

from yarl import URL

from . import _converter as wire
from ._converter import MAX_PAGE_LIMIT
from .core import (
    APIStatusError,
    Page,
    Pipeline,
    Response,
    ResponseDecodeError,
    SDKError,
    iter_items,
    parse_json,
    redact_text,
    to_camel,
)
from .core._pagination import PageRequest
from .core._pipeline import DEFAULT, _Default
from .core._validate import positive_int

T = TypeVar("T")

MAX_ID_LENGTH = 256
"""The longest id accepted in a path (real ids are 24 or 32 hex digits, or UUIDs)."""
_PATH_BREAKERS = frozenset("/?#%\\")


def check_id(name: str, value: object) -> str:
    """``value`` if it is safe to put in a URL path as one segment, else ``ValueError``."""
    if not isinstance(value, str) or not value:
        raise ValueError(f"{name} must be a non-empty string, got {reprlib.repr(value)}")
    if len(value) > MAX_ID_LENGTH:
        raise ValueError(f"{name} must be at most {MAX_ID_LENGTH} characters")
    if value in (".", "..") or any(
        char in _PATH_BREAKERS or char.isspace() or unicodedata.category(char)[0] in "CZ"
        for char in value
    ):
        raise ValueError(
            f"{name} must not be '.' or '..' nor contain '/', '?', '#', '%', '\\', "
            f"whitespace or control characters, got {reprlib.repr(value)}"
        )
    return value


def check_limit(limit: object) -> int:
    """A page size from 1 to 250, else ``ValueError``."""
    return positive_int("limit", limit, MAX_PAGE_LIMIT)


def wire_datetime(name: str, value: object) -> str:
    """An aware datetime as RFC 3339 in UTC (``...Z``), else ``ValueError``."""
    if not isinstance(value, datetime):
        raise ValueError(f"{name} must be a datetime, got {reprlib.repr(value)}")
    if value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (e.g. tzinfo=UTC), got a naive datetime")
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


class Query:
    """Query parameters, each checked for its kind and sent camelCase; ``None`` is left out.

    >>> Query().text("company_id", "c-1").flag("active", True).time("updated_min", None).params
    {'companyId': 'c-1', 'active': 'true'}
    """

    def __init__(self) -> None:
        self.params: dict[str, str] = {}

    def text(self, name: str, value: object) -> Query:
        """A non-empty string."""
        if value is not None:
            if not isinstance(value, str) or not value:
                raise ValueError(f"{name} must be a non-empty string, got {reprlib.repr(value)}")
            self.params[to_camel(name)] = value
        return self

    def flag(self, name: str, value: object) -> Query:
        """A bool, sent as ``true`` or ``false``."""
        if value is not None:
            if not isinstance(value, bool):
                raise ValueError(f"{name} must be True, False or None, got {reprlib.repr(value)}")
            self.params[to_camel(name)] = "true" if value else "false"
        return self

    def time(self, name: str, value: object) -> Query:
        """A timezone-aware datetime, sent as RFC 3339 in UTC."""
        if value is not None:
            self.params[to_camel(name)] = wire_datetime(name, value)
        return self

    def names(self, name: str, value: object) -> Query:
        """A non-empty sequence of strings without commas, sent comma-separated."""
        if value is not None:
            if (
                isinstance(value, str)
                or not isinstance(value, Sequence)
                or not value
                or not all(isinstance(item, str) and item and "," not in item for item in value)
            ):
                raise ValueError(
                    f"{name} must be a list of non-empty strings without commas, "
                    f"got {reprlib.repr(value)}"
                )
            self.params[to_camel(name)] = ",".join(value)
        return self


def multipart(fields: Mapping[str, str], *, file_name: str, content: bytes) -> tuple[bytes, str]:
    """A ``multipart/form-data`` body with text ``fields`` and one CSV ``file``.

    Returns the body and its ``Content-Type`` (with the boundary).
    """
    if not isinstance(content, bytes) or not content:
        raise ValueError("the CSV file must be non-empty bytes")
    if not isinstance(file_name, str) or not file_name or any(c in file_name for c in '"\r\n'):
        raise ValueError("file_name must be a non-empty string without quotes or line breaks")
    boundary = uuid.uuid4().hex
    parts = [*fields.values(), file_name]
    while boundary.encode() in content or any(boundary in part for part in parts):
        boundary = uuid.uuid4().hex
    lines: list[bytes] = []
    for name, value in fields.items():
        lines += [
            f"--{boundary}".encode(),
            f'Content-Disposition: form-data; name="{name}"'.encode(),
            b"",
            value.encode(),
        ]
    lines += [
        f"--{boundary}".encode(),
        f'Content-Disposition: form-data; name="file"; filename="{file_name}"'.encode(),
        b"Content-Type: text/csv",
        b"",
        content,
        f"--{boundary}--".encode(),
        b"",
    ]
    return b"\r\n".join(lines), f"multipart/form-data; boundary={boundary}"


def expect_success(response: Response) -> None:
    """Accept any 2xx body (often empty) that does not report an error."""
    document = parse_json(response.body)
    if isinstance(document, dict):
        wire.unwrap(response, document)


def scrub(error: SDKError, secrets: tuple[str, ...]) -> None:
    """Remove every one of ``secrets`` from an error's message, body and field errors."""
    if not secrets or not isinstance(error, APIStatusError | ResponseDecodeError):
        return
    error.body = redact_text(error.body, secrets)
    error.errors = {k: [redact_text(m, secrets) for m in v] for k, v in error.errors.items()}
    error.args = tuple(redact_text(a, secrets) if isinstance(a, str) else a for a in error.args)


class Requester:
    """Sends one resource call through the client's pipeline, with the client's headers.

    Usage::

        requester = Requester(pipeline, URL("https://api.convictional.com"), headers)
        product = await requester.get(BuyerProduct, "buyer", "products", product_id)
    """

    def __init__(self, pipeline: Pipeline, base_url: URL, headers: Mapping[str, str]) -> None:
        self.pipeline = pipeline
        self.base_url = base_url
        self._origin = str(base_url.origin())
        self._headers = dict(headers)
        self._by_type = {
            content_type: {**headers, "Content-Type": content_type}
            for content_type in ("application/json", "text/csv")
        }

    def url(self, *segments: str) -> URL:
        """The URL of a path below the base URL (segments already checked)."""
        return self.base_url.joinpath(*segments)

    async def call(
        self,
        method: str,
        url: URL,
        parse: Callable[[Response], T],
        *,
        body: bytes | None = None,
        content_type: str | None = None,
        idempotent: bool,
        deadline: float | _Default | None = DEFAULT,
        secrets: tuple[str, ...] = (),
    ) -> T:
        """Send a request; ``parse`` turns the 2xx reply into the result."""
        headers = self._headers
        if content_type is not None:
            headers = self._by_type.get(content_type) or {
                **self._headers,
                "Content-Type": content_type,
            }

        try:
            return await self.pipeline.send(
                method,
                url,
                headers=headers,
                body=body,
                idempotent=idempotent,
                parse=parse,
                deadline=deadline,
            )
        except SDKError as error:
            scrub(error, secrets)
            raise

    async def get(self, cls: type[T], *segments: str) -> T:
        """``GET`` one resource, bare or enveloped."""
        return await self.call(
            "GET", self.url(*segments), lambda r: wire.decode(r, cls), idempotent=True
        )

    async def get_all(self, cls: type[T], *segments: str) -> tuple[T, ...]:
        """``GET`` a short list that is not paginated, bare or enveloped."""
        return await self.call(
            "GET", self.url(*segments), lambda r: wire.decode_list(r, cls), idempotent=True
        )

    async def send_json(
        self,
        method: str,
        cls: type[T],
        segments: Sequence[str],
        body: Any,
        *,
        idempotent: bool,
        secrets: tuple[str, ...] = (),
    ) -> T:
        """Send a model as JSON; decode the reply as ``cls``."""
        return await self.call(
            method,
            self.url(*segments),
            lambda r: wire.decode(r, cls),
            body=None if body is None else wire.encode(body),
            content_type="application/json",
            idempotent=idempotent,
            secrets=secrets,
        )

    async def send_expecting_nothing(
        self, method: str, segments: Sequence[str], body: Any, *, idempotent: bool
    ) -> None:
        """Send a model as JSON (or nothing); accept any reply that reports no error."""
        await self.call(
            method,
            self.url(*segments),
            expect_success,
            body=None if body is None else wire.encode(body),
            content_type=None if body is None else "application/json",
            idempotent=idempotent,
        )

    async def send_maybe(
        self, method: str, cls: type[T], segments: Sequence[str], body: Any, *, idempotent: bool
    ) -> T | None:
        """Send a model as JSON; the reply's ``cls`` if it holds one (undocumented answers)."""
        return await self.call(
            method,
            self.url(*segments),
            lambda r: wire.decode_optional(r, cls),
            body=wire.encode(body),
            content_type="application/json",
            idempotent=idempotent,
        )

    def iterate(
        self,
        cls: type[T],
        segments: Sequence[str],
        params: Mapping[str, str],
        *,
        limit: int,
        expires: float | None = None,
    ) -> AsyncGenerator[T, None]:
        """Every item of a paginated list (page and limit, or the server's ``next`` link).

        ``expires`` (the loop's clock), if given, bounds all the pages together; otherwise
        each page has the client's deadline.
        """
        path = self.url(*segments)

        async def fetch(request: PageRequest) -> Page[T]:
            if isinstance(request, str):
                url = URL(request)
            else:
                url = path.with_query({**params, **{k: str(v) for k, v in request.items()}})
            deadline: float | _Default = DEFAULT
            if expires is not None:
                deadline = expires - asyncio.get_running_loop().time()
            return await self.call(
                "GET", url, lambda r: wire.decode_page(r, cls), idempotent=True, deadline=deadline
            )

        items = iter_items(
            fetch,
            origin=self._origin,
            max_limit=MAX_PAGE_LIMIT,
            limit=check_limit(limit),
            item_key=operator.attrgetter("id"),
        )
        return cast("AsyncGenerator[T, None]", items)  # iter_items is an async generator


class Resource:
    """A group of endpoints (``/products``, ``/orders``...) sending through one requester."""

    def __init__(self, requester: Requester) -> None:
        self._requester = requester
