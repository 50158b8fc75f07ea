"""``ConvictionalClient``: one session, one key and one shared 5 requests/s budget."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, ParamSpec, TypeVar

from yarl import URL

from . import _raw
from ._errors import convictional_error
from ._raw import RawResponse
from ._resources_buyer import BuyerAPI
from ._resources_common import Requester
from ._resources_seller import SellerAPI
from ._resources_shared import SharedAPI
from .core import (
    DEFAULT_MAX_RESPONSE_BYTES,
    APIKeyAuth,
    ClientMetrics,
    Pipeline,
    RateLimit,
    RateLimiter,
    RetryPolicy,
    Timeout,
    Transport,
    limiter_for,
)
from .core._base_client import BaseClient
from .core._client_closed import CallGuard
from .core._options import base_url as base_url_option
from .core._options import timeout_option, user_agent
from .core._validate import positive_int

if TYPE_CHECKING:
    import aiohttp

T = TypeVar("T")
P = ParamSpec("P")

DEFAULT_BASE_URL = "https://api.convictional.com"
DEFAULT_RATE_LIMIT = RateLimit(max_requests=5, period=1)
"""The documented limit: 5 requests per second per API key, across all endpoints."""
DEFAULT_MAX_CONNECTIONS = 10
MAX_CONNECTIONS = 10_000
"""The largest ``max_connections`` accepted."""
MAX_RESPONSE_BYTES = 2**30
"""The largest ``max_response_bytes`` accepted (1 GiB)."""
_API_VERSION = re.compile(r"\d{4}-\d{2}-\d{2}")
_API_KEY = re.compile(r"[\x21-\x7e]{1,512}")

logger = logging.getLogger("convictional_async.client")


USER_AGENT = user_agent("convictional")


def _accept(api_version: object) -> str:
    if api_version is None:
        return "application/json"
    if not isinstance(api_version, str) or not _API_VERSION.fullmatch(api_version):
        raise ValueError(f"api_version must be a date such as '2022-03-03', got {api_version!r}")
    return f"application/vnd.convictional.{api_version}"


def key_fingerprint(base_url: URL, api_key: str) -> str:
    """The rate limiter's key for an API key on a host: a hash, never the key itself."""
    digest = hashlib.sha256(f"{base_url.host}:{base_url.port}\0{api_key}".encode()).hexdigest()
    return f"convictional:{digest[:32]}"


class ConvictionalClient(BaseClient):
    """Async client for the Convictional (Modern Dropship) API: ``.buyer``, ``.seller``,
    ``.shared``.

    Use it as an async context manager, one per event loop, for the life of your app::

        async with ConvictionalClient(api_key="...") as client:
            async for product in client.buyer.products.list():
                print(product.id, product.variants[0].base_price)
            me = await client.shared.me()

    The key is sent as-is in ``Authorization`` (a 401 is final). ``api_version`` pins an
    API version (``Accept: application/vnd.convictional.2022-03-03``); without it the
    account's pinned version answers. ``new_errors`` sends ``Enable-New-Errors: true``.

    Requests are paced to ``rate_limit`` (5 per second) with every other client in this
    process that uses the same key on the same host; ``rate_limiter`` replaces that
    shared in-process limiter (with one shared across processes, say) and is never closed
    by the client. 429s are retried without using up ``retry.max_retries``; reads are
    retried after 5xx replies and dropped connections, creates are not (an order create
    reconciles instead: see ``buyer.orders.create``). ``timeout`` is a :class:`Timeout`,
    or a number of seconds: the deadline of each whole call, waits and retries included
    (``timeout=5`` is ``Timeout(deadline=5)``, other limits at their defaults).
    ``max_response_bytes`` caps a response body; ``session`` shares your
    ``aiohttp.ClientSession``, which the client never closes. Every argument is checked
    here, before anything is created: ``ValueError`` names the one out of bounds.

    After :meth:`aclose` every call raises :class:`ClientClosedError`, and calls still in
    flight when it runs end with that error at once.
    """

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        api_version: str | None = None,
        rate_limit: RateLimit | None = DEFAULT_RATE_LIMIT,
        rate_limiter: RateLimiter | None = None,
        retry: RetryPolicy | None = None,
        timeout: Timeout | float | None = None,
        session: aiohttp.ClientSession | None = None,
        new_errors: bool = True,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        if not isinstance(api_key, str) or not _API_KEY.fullmatch(api_key):
            raise ValueError("api_key must be 1-512 printable ASCII characters without spaces")
        self.base_url = base_url_option("base_url", base_url)
        """The API's base URL (Buyer paths add ``/buyer``)."""
        self.api_version = api_version
        """The pinned API version, or ``None`` for the account's pinned one."""
        accept = _accept(api_version)
        if not isinstance(new_errors, bool):
            raise ValueError("new_errors must be True or False")
        positive_int("max_connections", max_connections, MAX_CONNECTIONS)
        positive_int("max_response_bytes", max_response_bytes, MAX_RESPONSE_BYTES)
        if getattr(session, "closed", False) is True:
            raise ValueError("session is closed: pass an open aiohttp.ClientSession")
        if rate_limit is not None and not isinstance(rate_limit, RateLimit):
            raise ValueError("rate_limit must be a RateLimit or None")
        if rate_limiter is not None and rate_limit not in (None, DEFAULT_RATE_LIMIT):
            raise ValueError("give rate_limit or rate_limiter, not both")
        if rate_limiter is not None and not all(
            callable(getattr(rate_limiter, name, None)) for name in ("reserve", "observe")
        ):
            raise ValueError("rate_limiter must have reserve() and observe() (see RateLimiter)")
        retry = retry if retry is not None else RetryPolicy()
        if not isinstance(retry, RetryPolicy):
            raise ValueError("retry must be a RetryPolicy")
        self.metrics = ClientMetrics()
        """Counters of what this client has sent (requests, retries, 429s, waits...)."""
        self._transport = Transport(
            timeout=timeout_option(timeout),
            max_connections=max_connections,
            user_agent=USER_AGENT,
            session=session,
            max_response_bytes=max_response_bytes,
        )
        self.timeout = self._transport.timeout
        """The time limits in force; ``timeout.deadline`` bounds each call."""
        self.rate_limiter: RateLimiter = limiter_for(
            key_fingerprint(self.base_url, api_key),
            rate_limiter,
            rate_limit,
            max_pause=retry.max_retry_after,
        )
        """The limiter shared by every client in this process using this key on this host."""
        self._guard = CallGuard(type(self).__name__)
        pipeline = Pipeline(
            self._transport,
            guard=self._guard,
            retry=retry,
            auth=APIKeyAuth(api_key),
            rate_limiter=self.rate_limiter,
            metrics=self.metrics,
            logger=logger,
            error_factory=convictional_error,
        )
        self._headers = {"Accept": accept}
        if new_errors:
            self._headers["Enable-New-Errors"] = "true"
        self._attach(pipeline)

    def _attach(self, pipeline: Pipeline) -> None:
        """Build the endpoint groups on ``pipeline``."""
        self._pipeline = pipeline
        requester = Requester(pipeline, self.base_url, self._headers)
        self.buyer = BuyerAPI(requester, retry=pipeline.retry, deadline=pipeline.deadline)
        """Buyer (retailer) endpoints: ``products``, ``orders``."""
        self.seller = SellerAPI(requester)
        """Seller (supplier) endpoints: ``products``, ``orders``, ``prices``."""
        self.shared = SharedAPI(requester)
        """Endpoints for every account: ``me()``, ``users``, ``partners``, ``documents``,
        ``sftp``, ``webhooks``."""

    def __repr__(self) -> str:
        return f"ConvictionalClient(base_url='{self.base_url}', api_version={self.api_version!r})"

    async def with_raw_response(
        self, call: Callable[P, Awaitable[T]], *args: P.args, **kwargs: P.kwargs
    ) -> RawResponse[T]:
        """Run a client method; its result with the status, headers, request id and
        ``Convictional-Version`` of its (last) successful response.

        Usage::

            raw = await client.with_raw_response(client.buyer.orders.get, order_id)
            print(raw.status, raw.request_id, raw.convictional_version, raw.parsed.id)
        """
        return await _raw.with_raw_response(call, *args, **kwargs)
