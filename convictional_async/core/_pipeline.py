"""The request pipeline, written once: auth -> rate limit -> send -> classify -> retry or raise.

Each step is a component handed in by the client (an :class:`Auth`, a
:class:`RateLimiter`, a :class:`RetryPolicy`, a :class:`Transport`); the pipeline only
orders them. Decoding the body into a model is the caller's last step.
"""

from __future__ import annotations

import asyncio
import http
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar, overload

from yarl import URL

from ._auth import Auth
from ._errors import APIStatusError, RateLimitError, TransportError, status_error_class
from ._errors import normalize_error_body as normalize
from ._metrics import ClientMetrics
from ._ratelimit import RateLimiter
from ._redact import redact_text, redact_url
from ._response import Response
from ._retry import RetryPolicy, parse_retry_after
from ._serialization import parse_json
from ._transport import Transport

_core_logger = logging.getLogger("convictional_async")
T = TypeVar("T")


def status_error(response: Response, *, secrets: tuple[str, ...] = ()) -> APIStatusError:
    """The typed error for a non-2xx response, with any known secret scrubbed from it."""
    status = response.status
    text = redact_text(response.text, secrets) if secrets else response.text
    errors = normalize(parse_json(response.body))
    if secrets:
        errors = {k: [redact_text(m, secrets) for m in v] for k, v in errors.items()}
    try:
        phrase = http.HTTPStatus(status).phrase
    except ValueError:
        phrase = "Unknown Status"
    cls = status_error_class(status)
    common = {
        "status": status,
        "request_id": response.request_id,
        "method": response.method,
        "url": response.url,
        "errors": errors,
        "body": text,
    }
    if cls is RateLimitError:
        retry_after = parse_retry_after(response.headers.get("Retry-After"), now=time.time())
        return RateLimitError(f"HTTP {status} {phrase}", retry_after=retry_after, **common)
    return cls(f"HTTP {status} {phrase}", **common)  # type: ignore[arg-type]


class Pipeline:
    """Sends one logical request through auth, rate limiting, retries and error mapping.

    ``secrets`` are scrubbed from errors on top of the auth's own (e.g. a client secret
    sent in the body of a token request).

    >>> pipeline = Pipeline(Transport(), retry=RetryPolicy(max_retries=2))
    >>> pipeline.retry.max_retries
    2
    """

    def __init__(
        self,
        transport: Transport,
        *,
        retry: RetryPolicy,
        auth: Auth | None = None,
        rate_limiter: RateLimiter | None = None,
        metrics: ClientMetrics | None = None,
        logger: logging.Logger | None = None,
        secrets: tuple[str, ...] = (),
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.transport = transport
        self.retry = retry
        self.auth = auth
        self.rate_limiter = rate_limiter
        self.metrics = metrics if metrics is not None else ClientMetrics()
        self._logger = logger or _core_logger
        self._secrets = secrets
        self._merged: dict[
            tuple[int, int], tuple[Mapping[str, str], Mapping[str, str], Mapping[str, str]]
        ] = {}
        self._sleep = sleep
        self._rand = rand

    @overload
    async def send(
        self,
        method: str,
        url: URL,
        *,
        headers: Mapping[str, str],
        body: bytes | None = None,
        idempotent: bool,
    ) -> Response: ...

    @overload
    async def send(
        self,
        method: str,
        url: URL,
        *,
        headers: Mapping[str, str],
        body: bytes | None = None,
        idempotent: bool,
        parse: Callable[[Response], T],
    ) -> T: ...

    async def send(
        self,
        method: str,
        url: URL,
        *,
        headers: Mapping[str, str],
        body: bytes | None = None,
        idempotent: bool,
        parse: Callable[[Response], Any] | None = None,
    ) -> Any:
        """Send until a 2xx arrives, the policy gives up, or an error is final.

        ``idempotent`` says whether repeating the operation is safe once it may have
        reached the server; a 429 and a failed connect are retried either way. ``parse``,
        if given, turns the 2xx response into the result (its errors propagate and are
        not retried): a hot path then needs no coroutine of its own around this one.
        """
        metrics = self.metrics
        metrics.requests += 1
        auth = self.auth
        limiter = self.rate_limiter
        attempt = 0
        replayed = False
        while True:
            credential = (auth.current() or await auth.authorize()) if auth is not None else None
            request_headers = self._with_credential(headers, credential) if credential else headers
            if limiter is not None and (wait := limiter.reserve()) is not None:
                await wait
            metrics.attempts += 1
            started = time.perf_counter()
            try:
                response = await self.transport.send(method, url, request_headers, body)
            except TransportError as exc:
                delay = self.retry.delay_after_error(
                    exc, attempt=attempt, idempotent=idempotent, rand=self._rand()
                )
                self._log(method, url, str(exc), started, attempt, None, delay)
                if delay is None:
                    metrics.failures += 1
                    raise
                await self._sleep(delay)
                attempt += 1
                metrics.retries += 1
                continue
            status = response.status
            if limiter is not None:
                limiter.observe(status, response.headers)
            if 200 <= status < 300:
                if self._logger.isEnabledFor(logging.DEBUG):
                    self._log(method, url, status, started, attempt, response.request_id, None)
                return response if parse is None else parse(response)
            if (
                status == 401
                and credential is not None
                and auth is not None
                and not replayed
                and await auth.refresh_after_unauthorized(credential)
            ):
                self._log(method, url, status, started, attempt, response.request_id, 0.0)
                replayed = True
                metrics.auth_replays += 1
                continue
            delay = self.retry.delay_after_status(
                status,
                response.headers,
                attempt=attempt,
                idempotent=idempotent,
                now=time.time(),
                rand=self._rand(),
            )
            self._log(method, url, status, started, attempt, response.request_id, delay)
            if delay is None:
                metrics.failures += 1
                secrets = self._secrets + auth.secrets() if auth else self._secrets
                raise status_error(response, secrets=secrets)
            await self._sleep(delay)
            attempt += 1
            metrics.retries += 1

    def _with_credential(
        self, headers: Mapping[str, str], credential: Mapping[str, str]
    ) -> Mapping[str, str]:
        """``headers`` plus the credential, reusing the merged mapping for a pair seen before
        (the transport prepares each mapping once)."""
        key = (id(headers), id(credential))
        entry = self._merged.get(key)
        if entry is not None and entry[0] is headers and entry[1] is credential:
            return entry[2]
        merged = {**headers, **credential}
        if len(self._merged) >= 32:
            self._merged.clear()
        self._merged[key] = (headers, credential, merged)
        return merged

    def _log(
        self,
        method: str,
        url: URL,
        outcome: int | str,
        started: float,
        attempt: int,
        request_id: str | None,
        retry_in: float | None,
    ) -> None:
        logger = self._logger
        if not logger.isEnabledFor(logging.DEBUG):
            return
        elapsed_ms = (time.perf_counter() - started) * 1000.0
        then = "" if retry_in is None else f"; retrying in {retry_in:.3f} s"
        logger.debug(
            "%s %s -> %s in %.1f ms (attempt %d, request id %s)%s",
            method,
            redact_url(str(url)),
            outcome,
            elapsed_ms,
            attempt + 1,
            request_id or "n/a",
            then,
        )
