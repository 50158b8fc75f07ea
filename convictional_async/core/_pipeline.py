"""The request pipeline, written once: auth -> rate limit -> send -> classify -> retry or raise.

Each step is a component handed in by the client (an :class:`Auth`, a
:class:`RateLimiter`, a :class:`RetryPolicy`, a :class:`Transport`); the pipeline only
orders them. Decoding the body into a model is the caller's last step.
"""

from __future__ import annotations

import asyncio
import copy
import enum
import logging
import random
import time
from asyncio import current_task
from collections.abc import Awaitable, Callable, Hashable, Mapping
from typing import Any, TypeVar, overload

import attrs
from yarl import URL

from ._auth import Auth
from ._client_closed import CallGuard
from ._coalesce import Coalescer
from ._errors import (
    DeadlineExceeded,
    ResponseDecodeError,
    SDKError,
    TransportError,
)
from ._metrics import ClientMetrics
from ._ratelimit import RateLimiter
from ._raw import capture
from ._redact import redact_text, redact_url
from ._response import Response
from ._retry import RetryPolicy
from ._status_errors import ErrorFactory, status_error
from ._transport import Transport
from ._validate import positive_number

_core_logger = logging.getLogger("convictional_async")
T = TypeVar("T")
E = TypeVar("E", bound=SDKError)


class _Default(enum.Enum):
    DEFAULT = enum.auto()


DEFAULT = _Default.DEFAULT
"""Sentinel: "not given", where ``None`` means "no limit"."""


def _header_map(headers: object) -> dict[str, str]:
    """``extra_headers=``: a mapping of header names to values, both non-empty-name strings
    without line breaks (which would split a header)."""
    if not isinstance(headers, Mapping):
        raise ValueError(f"extra_headers must be a mapping, got {type(headers).__name__}")
    for name, value in headers.items():
        if not isinstance(name, str) or not isinstance(value, str) or not name.strip():
            raise ValueError("extra_headers must map header names to strings")
        if any(c in name + value for c in "\r\n\0") or ":" in name:
            raise ValueError(f"extra_headers: header {name!r} has a line break, NUL or colon")
    return dict(headers)


class Pipeline:
    """Sends one logical request through auth, rate limiting, retries and error mapping.

    ``secrets`` are scrubbed from errors on top of the auth's own (e.g. a client secret
    sent in the body of a token request). ``error_factory`` builds the error for a final
    non-2xx response (default: :func:`status_error`, the core's classes).

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
        error_factory: ErrorFactory | None = None,
        guard: CallGuard | None = None,
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
        self._error_factory: ErrorFactory = error_factory or status_error
        self._ready_callback = self._ready  # bound once: the transport calls it per attempt
        self.guard = guard
        """Refuses calls once the client is closed and ends those in flight (optional)."""
        self._deadline = transport.timeout.deadline  # read once: Timeout is frozen
        self._extra: Mapping[str, str] = {}
        self._last_merged: tuple[
            Mapping[str, str] | None, Mapping[str, str] | None, Mapping[str, str]
        ] = (None, None, {})
        self._merged: dict[
            tuple[int, int],
            tuple[Mapping[str, str], Mapping[str, str] | None, Mapping[str, str]],
        ] = {}
        self._sleep = sleep
        self._rand = rand

    @property
    def deadline(self) -> float | None:
        """The seconds a call may take, waits and retries included (``None``: no limit)."""
        return self._deadline

    def with_options(
        self,
        *,
        timeout: float | _Default | None = DEFAULT,
        max_retries: int | None = None,
        extra_headers: Mapping[str, str] | None = None,
        retry: RetryPolicy | None = None,
    ) -> Pipeline:
        """A copy that shares every component (transport, auth, limiter, metrics, close
        guard) but bounds each call by ``timeout`` seconds (``None``: no deadline), retries
        at most ``max_retries`` times and adds ``extra_headers`` to every request;
        ``retry`` replaces the whole retry policy (``max_retries``, if given, applies to it).

        >>> pipeline = Pipeline(Transport(), retry=RetryPolicy())
        >>> quick = pipeline.with_options(timeout=2, max_retries=0)
        >>> quick.retry.max_retries, quick.transport is pipeline.transport
        (0, True)
        """
        if timeout is not DEFAULT and timeout is not None:
            timeout = positive_number("timeout", timeout)
        if retry is not None and not isinstance(retry, RetryPolicy):
            raise ValueError("retry must be a RetryPolicy")
        policy = retry or self.retry
        if max_retries is not None:  # RetryPolicy checks it
            policy = attrs.evolve(policy, max_retries=max_retries)
        extra = dict(self._extra)
        if extra_headers is not None:
            extra.update(_header_map(extra_headers))
        clone = copy.copy(self)
        if timeout is not DEFAULT:
            clone._deadline = timeout
        clone.retry = policy
        clone._extra = extra
        clone._merged = {}
        clone._last_merged = (None, None, {})
        clone._ready_callback = clone._ready
        return clone

    @overload
    async def send(
        self,
        method: str,
        url: URL,
        *,
        headers: Mapping[str, str],
        body: bytes | None = None,
        idempotent: bool,
        deadline: float | _Default | None = DEFAULT,
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
        deadline: float | _Default | None = DEFAULT,
        share: Coalescer[T] | None = None,
        share_key: Hashable = None,
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
        deadline: float | _Default | None = DEFAULT,
        share: Coalescer[Any] | None = None,
        share_key: Hashable = None,
    ) -> Any:
        """Send until a 2xx arrives, the policy gives up, or an error is final.

        ``idempotent`` says whether repeating the operation is safe once it may have
        reached the server; a 429 and a failed connect are retried either way, and 429s
        have their own time budget instead of using up ``max_retries``. ``parse``, if
        given, turns the 2xx response into the result (its errors propagate and are not
        retried): a hot path then needs no coroutine of its own around this one.
        ``deadline`` (seconds; default: the transport's ``timeout.deadline``) bounds the
        whole call, waits and retries included. ``share``: a :class:`Coalescer` this call
        leads under ``share_key`` (the caller checked that none runs), landed here with
        its outcome: a coalesced call with nobody to share with costs no extra coroutine.
        """
        # The loop is looked up once per call and handed on: on Linux each lookup (also
        # inside a bare current_task()) is a getpid() system call.
        loop = asyncio.get_running_loop()
        task = current_task(loop)
        guard = self.guard
        if guard is not None:  # inline, not a wrapper: no extra coroutine per call
            if guard.closed:
                raise guard.refused()
            guard.calls.add(task)
        if share is not None:
            share.lead(share_key)
        try:
            metrics = self.metrics
            metrics.requests += 1
            auth = self.auth
            limiter = self.rate_limiter
            ready = self._ready_callback if limiter is not None else None
            seconds = self._deadline if deadline is DEFAULT else deadline
            started = loop.time()
            expires = None if seconds is None else started + seconds
            attempt = 0
            throttles = 0
            throttle_wait = 0.0
            replayed = False
            while True:
                credential = None
                if auth is not None:
                    credential = auth.current() or await self._until(
                        auth.authorize(), expires, method, url, task
                    )
                request_headers = (
                    self._with_credential(headers, credential)
                    if credential or self._extra
                    else headers
                )
                metrics.attempts += 1
                if attempt or replayed or throttles:
                    started = loop.time()
                try:
                    response = await self.transport.send(
                        method,
                        url,
                        request_headers,
                        body,
                        deadline=expires,
                        ready=ready,
                        loop=loop,
                        task=task,
                    )
                except DeadlineExceeded:
                    self._log(method, url, "deadline passed", started, attempt, None, None)
                    metrics.failures += 1
                    metrics.deadlines_exceeded += 1
                    raise
                except TransportError as exc:
                    self._scrubbed(exc, credential)
                    delay = self.retry.delay_after_error(
                        exc, attempt=attempt, idempotent=idempotent, rand=self._rand()
                    )
                    self._log(method, url, str(exc), started, attempt, None, delay)
                    if delay is None or not self._time_left(expires, delay, loop):
                        metrics.failures += 1
                        raise
                    await self._sleep(delay)
                    attempt += 1
                    metrics.retries += 1
                    continue
                except ResponseDecodeError:
                    metrics.failures += 1
                    raise
                status = response.status
                if limiter is not None:
                    limiter.observe(status, response.headers)
                if 200 <= status < 300:
                    captured = capture.get()
                    if captured is not None:
                        captured.append(response)
                    if self._logger.isEnabledFor(logging.DEBUG):
                        self._log(method, url, status, started, attempt, response.request_id, None)
                    if parse is None:
                        if share is not None:
                            share.land(share_key, response, None)
                        return response
                    try:
                        result = parse(response)
                    except ResponseDecodeError as exc:
                        metrics.failures += 1
                        raise self._scrubbed(exc, credential) from exc.__cause__
                    if share is not None:
                        share.land(share_key, result, None)
                    return result
                if (
                    status == 401
                    and credential is not None
                    and auth is not None
                    and not replayed
                    and await self._until(
                        auth.refresh_after_unauthorized(credential), expires, method, url, task
                    )
                ):
                    self._log(method, url, status, started, attempt, response.request_id, 0.0)
                    replayed = True
                    metrics.auth_replays += 1
                    continue
                if status == 429:
                    metrics.rate_limited += 1
                    delay = self.retry.delay_after_throttle(
                        response.headers,
                        waited=throttle_wait,
                        throttles=throttles,
                        now=time.time(),
                        rand=self._rand(),
                    )
                    throttles += 1
                else:
                    delay = self.retry.delay_after_status(
                        status,
                        response.headers,
                        attempt=attempt,
                        idempotent=idempotent,
                        now=time.time(),
                        rand=self._rand(),
                    )
                self._log(method, url, status, started, attempt, response.request_id, delay)
                if delay is None or not self._time_left(expires, delay, loop):
                    metrics.failures += 1
                    raise self._error_factory(response, secrets=self._all_secrets(credential))
                await self._sleep(delay)
                metrics.retries += 1
                if status == 429:
                    throttle_wait += delay
                else:
                    attempt += 1
        except (asyncio.CancelledError, Exception) as exc:
            if guard is not None and guard.ending and (closed := guard.ended(task, exc)):
                if share is not None:
                    share.land(share_key, None, closed)
                raise closed from None
            if share is not None:
                share.land(share_key, None, exc)
            raise
        except BaseException as exc:  # KeyboardInterrupt, SystemExit: followers learn too
            if share is not None:
                share.land(share_key, None, exc)
            raise
        finally:
            if guard is not None:
                guard.calls.discard(task)
                if guard.ending:
                    guard.settle(task)  # a call that ended well although close() cancelled it

    def _ready(self) -> Awaitable[None] | None:
        """The rate limiter's go-ahead, called by the transport right before sending."""
        wait = self.rate_limiter.reserve()  # type: ignore[union-attr]
        return None if wait is None else self._limited(wait)

    async def _limited(self, wait: Awaitable[None]) -> None:
        started = time.monotonic()
        try:
            await wait
        finally:
            self.metrics.limiter_waits += 1
            self.metrics.limiter_wait_seconds += time.monotonic() - started

    async def _until(
        self,
        awaitable: Awaitable[T],
        expires: float | None,
        method: str,
        url: URL,
        task: asyncio.Task[Any] | None,
    ) -> T:
        """Await ``awaitable`` (a token fetch, say), but no later than ``expires``."""
        try:
            return await self.transport.within(awaitable, expires, method, url, task)
        except DeadlineExceeded:
            self.metrics.failures += 1
            self.metrics.deadlines_exceeded += 1
            raise

    @staticmethod
    def _time_left(expires: float | None, delay: float, loop: asyncio.AbstractEventLoop) -> bool:
        """Whether a retry after ``delay`` seconds could still start before the deadline."""
        return expires is None or loop.time() + delay < expires

    def _all_secrets(self, credential: Mapping[str, str] | None = None) -> tuple[str, ...]:
        """Everything to scrub: the pipeline's secrets, the auth's, and the credential this
        attempt was sent with (it may have been replaced since)."""
        auth = self.auth
        secrets = self._secrets + auth.secrets() if auth is not None else self._secrets
        if credential:  # the token or key itself (a scheme such as "Bearer" is no secret)
            secrets += tuple(value.split()[-1] for value in credential.values() if value.split())
        return secrets

    def _scrubbed(self, error: E, credential: Mapping[str, str] | None = None) -> E:
        """``error`` with every known secret removed from its message (and body)."""
        secrets = self._all_secrets(credential)
        if secrets:
            body = getattr(error, "body", None)
            if isinstance(body, str):
                error.body = redact_text(body, secrets)  # type: ignore[attr-defined]
            error.args = tuple(
                redact_text(arg, secrets) if isinstance(arg, str) else arg for arg in error.args
            )
        return error

    def _with_credential(
        self, headers: Mapping[str, str], credential: Mapping[str, str] | None
    ) -> Mapping[str, str]:
        """``headers`` plus the extra headers and the credential, reusing the merged mapping
        for a pair seen before (the transport prepares each mapping once)."""
        last = self._last_merged
        if last[0] is headers and last[1] is credential:  # the usual case: one API, one token
            return last[2]
        key = (id(headers), id(credential))
        entry = self._merged.get(key)
        if entry is not None and entry[0] is headers and entry[1] is credential:
            self._last_merged = entry
            return entry[2]
        merged = {**headers, **self._extra, **(credential or {})}
        if len(self._merged) >= 32:
            self._merged.clear()
        self._merged[key] = self._last_merged = (headers, credential, merged)
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
        elapsed_ms = (asyncio.get_running_loop().time() - started) * 1000.0
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
