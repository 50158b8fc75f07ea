"""``ConviousClient``: one session, one token and one rate budget for the Convious APIs."""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from yarl import URL

from convictional_async.core import (
    DEFAULT_MAX_RESPONSE_BYTES,
    ClientMetrics,
    Pipeline,
    RateLimit,
    RateLimiter,
    RetryPolicy,
    Timeout,
    TokenCache,
    Transport,
    limiter_for,
)
from convictional_async.core._base_client import BaseClient
from convictional_async.core._client_closed import CallGuard
from convictional_async.core._options import base_url as base_url_option
from convictional_async.core._options import timeout_option, user_agent
from convictional_async.core._raw import RawResponse
from convictional_async.core._validate import positive_int

from ._auth import DEFAULT_LEEWAY, MAX_TOKEN_LIFETIME, ClientCredentialsAuth
from ._batcher import DEFAULT_MAX_BATCH_SIZE
from ._inventory import InventoryAPI
from ._lanes import check_batch_size
from ._pricing import PricingAPI

P = ParamSpec("P")
T = TypeVar("T")

if TYPE_CHECKING:
    import aiohttp

DEFAULT_IDENTITY_URL = "https://identity.convious.com"
DEFAULT_INVENTORY_URL = "https://inventory.convious.com"
DEFAULT_PRICER_URL = "https://pricer.convious.com"
DEFAULT_API_VERSION = "1.0.0"
MAX_CONNECTIONS = 10_000
"""The largest ``max_connections`` accepted."""
MAX_RESPONSE_BYTES = 2**30
"""The largest ``max_response_bytes`` accepted (1 GiB)."""
MAX_CREDENTIAL_LENGTH = 4096
"""The longest ``client_id`` or ``client_secret`` accepted, in characters."""
_API_VERSION = re.compile(r"[\x21-\x7e]{1,64}")

logger = logging.getLogger("convious")


USER_AGENT = user_agent("convious")


def _check_credentials(client_id: object, client_secret: object) -> None:
    for name, value in (("client_id", client_id), ("client_secret", client_secret)):
        if not isinstance(value, str) or not value.strip() or len(value) > MAX_CREDENTIAL_LENGTH:
            raise ValueError(f"{name} must be a non-empty string of at most 4,096 characters")


def _check_leeway(value: object) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not 0 <= value <= MAX_TOKEN_LIFETIME
    ):
        raise ValueError(f"token_leeway must be a number from 0 to 86,400 s, got {value!r}")


def _endpoint(base: URL, path: str) -> URL:
    return URL(f"{str(base).rstrip('/')}/{path}")


class ConviousClient(BaseClient):
    """Async client for the Convious pricing stack (identity, inventory and pricer).

    Use it as an async context manager, one per event loop, for the life of your app::

        async with ConviousClient(client_id="...", client_secret="...") as client:
            result = await client.pricing.get_prices(
                cookie_id="c-123", date_from=date(2018, 4, 1), date_to=date(2018, 4, 30),
                timezone="Europe/Amsterdam", products=[("ticket-adult", 2)])

    ``identity_url``, ``inventory_url`` and ``pricer_url`` default to the real hosts;
    point them at :class:`convious.sandbox.Sandbox` to test without an account.
    ``api_version`` is sent as ``Accept-Version`` on every inventory and pricer request
    (never to the token endpoint). ``rate_limit`` paces requests client-side (Convious
    documents no limit, so there is none by default: a 429 makes every request with this
    credential hold off, and the limiter then paces at about the rate the server
    accepted, probing upward while requests succeed). ``rate_limiter`` replaces the
    in-process limiter shared per credential with any :class:`RateLimiter` (one shared
    across processes, say); one with a ``for_credential(key)`` method (such as
    ``RedisRateLimiter``) is bound to this client's credential with it. ``token_cache``
    shares the token with other processes (``RedisTokenCache``). The client never closes
    a limiter or cache it was given. ``timeout`` is a :class:`Timeout`, or a number of
    seconds: the deadline of each whole call, waits and retries included (``timeout=5``
    is ``Timeout(deadline=5)``, other limits at their defaults; 60 s by default).
    ``max_response_bytes`` caps a response body. ``session`` lets you share your own
    ``aiohttp.ClientSession``, which the client then never closes. Every argument is
    checked here, before anything is created: ``ValueError`` names the one out of bounds.

    After :meth:`aclose` every call raises :class:`ClientClosedError`, and calls still in
    flight when it runs end with that error at once.
    """

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        *,
        identity_url: str = DEFAULT_IDENTITY_URL,
        inventory_url: str = DEFAULT_INVENTORY_URL,
        pricer_url: str = DEFAULT_PRICER_URL,
        api_version: str = DEFAULT_API_VERSION,
        timeout: Timeout | float | None = None,
        max_connections: int = 100,
        retry: RetryPolicy | None = None,
        rate_limit: RateLimit | None = None,
        rate_limiter: RateLimiter | None = None,
        token_cache: TokenCache | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        token_leeway: float = DEFAULT_LEEWAY,
        coalesce: bool = True,
        max_batch_size: int = DEFAULT_MAX_BATCH_SIZE,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        _check_credentials(client_id, client_secret)
        identity = base_url_option("identity_url", identity_url)
        self.inventory_url = base_url_option("inventory_url", inventory_url)
        self.pricer_url = base_url_option("pricer_url", pricer_url)
        self.identity_url = identity
        if not isinstance(api_version, str) or not _API_VERSION.fullmatch(api_version):
            raise ValueError("api_version must be 1-64 printable ASCII characters, e.g. '1.0.0'")
        positive_int("max_connections", max_connections, MAX_CONNECTIONS)
        positive_int("max_response_bytes", max_response_bytes, MAX_RESPONSE_BYTES)
        check_batch_size(max_batch_size)
        _check_leeway(token_leeway)
        if not isinstance(coalesce, bool):
            raise ValueError("coalesce must be True or False")
        if getattr(session, "closed", False) is True:
            raise ValueError("session is closed: pass an open aiohttp.ClientSession")
        if rate_limit is not None and not isinstance(rate_limit, RateLimit):
            raise ValueError("rate_limit must be a RateLimit or None")
        retry = retry if retry is not None else RetryPolicy()
        if not isinstance(retry, RetryPolicy):
            raise ValueError("retry must be a RetryPolicy")
        if rate_limiter is not None and rate_limit is not None:
            raise ValueError("give rate_limit or rate_limiter, not both")
        if rate_limiter is not None and not all(
            callable(getattr(rate_limiter, name, None)) for name in ("reserve", "observe")
        ):
            raise ValueError("rate_limiter must have reserve() and observe() (see RateLimiter)")
        if token_cache is not None and not callable(getattr(token_cache, "fetch", None)):
            raise ValueError("token_cache must have fetch() (see TokenCache)")
        self.api_version = api_version
        self.metrics = ClientMetrics()
        """Counters of what this client has sent (requests, retries, token requests...)."""
        fingerprint = hashlib.sha256(f"convious\0{identity}\0{client_id}".encode()).hexdigest()
        key = f"convious:{fingerprint[:32]}"
        self._transport = Transport(
            timeout=timeout_option(timeout),
            max_connections=max_connections,
            user_agent=USER_AGENT,
            session=session,
            max_response_bytes=max_response_bytes,
        )
        self.timeout = self._transport.timeout
        """The time limits in force; ``timeout.deadline`` bounds each call."""
        self._auth = ClientCredentialsAuth(
            client_id,
            client_secret,
            token_url=_endpoint(identity, "oauth/token/"),
            pipeline=Pipeline(
                self._transport, retry=retry, logger=logger, secrets=(client_secret,)
            ),
            metrics=self.metrics,
            leeway=token_leeway,
            token_cache=token_cache,
            cache_key=key,
        )
        self.rate_limiter: RateLimiter = limiter_for(
            key, rate_limiter, rate_limit, max_pause=retry.max_retry_after
        )
        """The limiter shared by every client in this process using the same credential
        (``rate_limiter.limit`` is the pacing in force, learned or configured)."""
        self._guard = CallGuard(type(self).__name__)
        self._pipeline = Pipeline(
            self._transport,
            guard=self._guard,
            retry=retry,
            auth=self._auth,
            rate_limiter=self.rate_limiter,
            metrics=self.metrics,
            logger=logger,
        )
        api_headers = {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Accept-Version": api_version,
        }
        self.pricing = PricingAPI(
            self._pipeline,
            url=_endpoint(self.pricer_url, "api/price/rtp"),
            headers=api_headers,
            coalesce=coalesce,
        )
        """Real-time price lookups."""
        self.inventory = InventoryAPI(
            self._pipeline,
            url=_endpoint(self.inventory_url, "events"),
            headers=api_headers,
            max_batch_size=max_batch_size,
            guard=self._guard,
        )
        """Inventory events: ``publish()`` now, or a long-running ``batcher()``."""

    def _attach(self, pipeline: Pipeline) -> None:
        """Rebind the APIs to ``pipeline`` (a :meth:`with_options` copy's)."""
        self._pipeline = pipeline
        self.pricing = self.pricing.with_pipeline(pipeline)
        self.inventory = self.inventory.with_pipeline(pipeline)

    @classmethod
    def from_env(cls, **options: Any) -> ConviousClient:
        """A client from ``CONVIOUS_CLIENT_ID`` / ``CONVIOUS_CLIENT_SECRET`` (and optional
        ``CONVIOUS_IDENTITY_URL``, ``CONVIOUS_INVENTORY_URL``, ``CONVIOUS_PRICER_URL``)."""
        missing = [
            n for n in ("CONVIOUS_CLIENT_ID", "CONVIOUS_CLIENT_SECRET") if not os.environ.get(n)
        ]
        if missing:
            raise ValueError(f"set {' and '.join(missing)} to use real credentials")
        for option in ("identity_url", "inventory_url", "pricer_url"):
            value = os.environ.get(f"CONVIOUS_{option.upper()}")
            if value and option not in options:
                options[option] = value
        return cls(
            os.environ["CONVIOUS_CLIENT_ID"], os.environ["CONVIOUS_CLIENT_SECRET"], **options
        )

    def __repr__(self) -> str:
        return (
            f"ConviousClient(client_id={self._auth.client_id!r}, "
            f"pricer_url='{self.pricer_url}', api_version={self.api_version!r})"
        )

    async def with_raw_response(
        self, call: Callable[P, Awaitable[T]], *args: P.args, **kwargs: P.kwargs
    ) -> RawResponse[T]:
        """Run a client method; its result with the status, headers and request id of its
        (last) successful response. Such a lookup is never coalesced with another.

        Usage::

            raw = await client.with_raw_response(client.pricing.get_prices, **lookup)
            print(raw.status, raw.request_id, raw.parsed)
        """
        return await RawResponse[T].of(functools.partial(call, *args, **kwargs))

    async def login(self) -> None:
        """Get a token now (a valid one already held is kept), so that wrong credentials
        fail here, with ``TokenRequestError`` or ``AuthenticationError``, rather than in
        the first call: for a start-up check, or before streaming events."""
        self._guard.check()
        await self._auth.authorize()

    async def _close_resources(self) -> None:
        """Stop any token request, then close the session (if the client made it)."""
        try:
            await self._auth.aclose()
        finally:
            await self._transport.aclose()
