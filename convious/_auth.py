"""OAuth2 client credentials for Convious, from authlib's sans-I/O pieces.

The token request is built with ``prepare_token_request`` and ``ClientAuth`` (the
credentials go in the form body, ``client_secret_post``, as Convious documents) and sent
through the SDK's own pipeline; the response becomes an authlib ``OAuth2Token``.

* The token is cached per client. However many calls need one at the same moment,
  exactly one token request is sent, and every waiter shares its outcome (success or
  failure). It runs in its own task, so a cancelled caller leaves the others waiting
  for it, never stuck.
* The reply is checked before it is used: the access token must be an RFC 6750
  ``b64token`` of at most :data:`MAX_ACCESS_TOKEN_LENGTH` characters (anything else
  could not be sent in a header), or the login fails with ``TokenRequestError``.
* When the server sends ``expires_in``, the token is renewed before it runs out, by a
  leeway capped at a tenth of its lifetime (a 59 s token is not "always expired"). A
  lifetime outside :data:`MIN_TOKEN_LIFETIME`..:data:`MAX_TOKEN_LIFETIME` is clamped
  into it, and an unusable one (not a number, not finite, not > 0) ignored, each with
  a warning.
* On a 401 from an API call, the pipeline asks :meth:`refresh_after_unauthorized`: one
  re-login shared by every caller that saw the same token rejected, then one replay.
* With a ``token_cache`` (a :class:`TokenCache`, such as ``RedisTokenCache``), the token
  is shared with every process using the same cache and credential: a login (and a
  re-login after a 401) happens in one of them and the others get its token.
* Logins that keep failing are backed off, for every caller at once. When tokens
  younger than :data:`FRESH_TOKEN_AGE` are rejected twice in a row, or the token
  endpoint refuses twice in a row, the next login waits for a cool-down
  (:data:`COOLDOWN_START`, doubling up to :data:`COOLDOWN_CAP`). Meanwhile API calls
  get the 401 as ``AuthenticationError``, or the last refusal as ``TokenRequestError``,
  without a new token request.
* Every secret (the client secret and the access token, in every encoding) is
  scrubbed from the errors raised here.
"""

from __future__ import annotations

import asyncio
import logging
import math
import re
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from authlib.oauth2.auth import ClientAuth
from authlib.oauth2.rfc6749 import OAuth2Token
from authlib.oauth2.rfc6749.parameters import prepare_token_request
from yarl import URL

from convictional_async.core import (
    APIStatusError,
    CachedToken,
    ClientMetrics,
    Pipeline,
    Response,
    TokenCache,
    TokenRequestError,
    parse_json,
    redact_text,
)

logger = logging.getLogger("convious.auth")

DEFAULT_LEEWAY = 60.0
MIN_TOKEN_LIFETIME = 1.0
"""Seconds: a shorter ``expires_in`` is taken as this (no token request per call)."""
MAX_TOKEN_LIFETIME = 86400.0
"""Seconds: a longer ``expires_in`` is taken as this (the token is renewed daily)."""
MAX_ACCESS_TOKEN_LENGTH = 8192
"""Characters: a longer access token is refused (it would not fit in a header)."""
FRESH_TOKEN_AGE = 10.0
"""Seconds: a token rejected younger than this counts as a failed login."""
COOLDOWN_START = 1.0
"""Seconds: the first cool-down after logins keep failing; each next one doubles."""
COOLDOWN_CAP = 60.0
"""Seconds: the longest cool-down between failing logins."""

_FORM = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
_B64TOKEN = re.compile(r"[A-Za-z0-9._~+/-]+=*")
_SHOWN_LIMIT = 512
"""Characters of a server's error text kept in an error (after redaction)."""


def refresh_deadline(obtained_at: float, expires_in: float | None, leeway: float) -> float | None:
    """When (on the same clock as ``obtained_at``) to renew a token, or ``None`` for never.

    The leeway is capped at a tenth of the lifetime.

    >>> refresh_deadline(100.0, 36000, 60.0)
    36040.0
    >>> refresh_deadline(0.0, 59, 60.0)
    53.1
    >>> refresh_deadline(0.0, None, 60.0) is None
    True
    """
    if expires_in is None:
        return None
    return obtained_at + expires_in - min(leeway, expires_in / 10.0)


def token_lifetime(expires_in: object) -> float | None:
    """A token reply's ``expires_in`` as seconds within the bounds, or ``None`` (no expiry).

    >>> token_lifetime(3600), token_lifetime("600"), token_lifetime(None) is None
    (3600.0, 600.0, True)
    """
    if expires_in is None:
        return None
    seconds = _positive_seconds(expires_in)
    if seconds is None:
        logger.warning("ignoring an unusable expires_in in the token response")
        return None
    if not MIN_TOKEN_LIFETIME <= seconds <= MAX_TOKEN_LIFETIME:
        bounded = min(max(seconds, MIN_TOKEN_LIFETIME), MAX_TOKEN_LIFETIME)
        logger.warning("the token response's expires_in is out of bounds; using %g s", bounded)
        return bounded
    return float(seconds)


def _positive_seconds(value: object) -> int | float | None:
    """``value`` as a finite number > 0 (an int may be huge), or ``None``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return None
    if isinstance(value, int | float) and 0 < value < math.inf:
        return value
    return None


def is_bearer_token(value: object) -> bool:
    """Whether ``value`` can be sent as ``Authorization: Bearer <value>`` (RFC 6750).

    >>> is_bearer_token("eyJ0.x-y_z~+/=="), is_bearer_token("a\\r\\nb"), is_bearer_token("=a")
    (True, False, False)
    """
    return (
        isinstance(value, str)
        and 0 < len(value) <= MAX_ACCESS_TOKEN_LENGTH
        and _B64TOKEN.fullmatch(value) is not None
    )


def _shown(value: object, secrets: Iterable[str]) -> str:
    """A server-sent value as it may appear in an error: secrets scrubbed, then cut short."""
    return redact_text(str(value), secrets)[:_SHOWN_LIMIT]


def parse_token_response(response: Response, secrets: tuple[str, ...]) -> OAuth2Token:
    """Turn a 2xx token response into an ``OAuth2Token``, or raise ``TokenRequestError``.

    The body of a 2xx token response is never quoted in an error: it may hold a token.
    """

    def fail(message: str, **kwargs: Any) -> TokenRequestError:
        return TokenRequestError(
            message,
            status=response.status,
            request_id=response.request_id,
            method=response.method,
            url=response.url,
            **kwargs,
        )

    document = parse_json(response.body)
    if not isinstance(document, dict):
        raise fail("the token endpoint returned a body that is not a JSON object")
    access_token = document.get("access_token")
    hidden = (*secrets, access_token) if isinstance(access_token, str) else secrets
    if document.get("error"):
        error = _shown(document["error"], hidden)
        description = document.get("error_description")
        description = _shown(description, hidden) if description else None
        raise fail(
            f"the token endpoint returned an error: {error}",
            error=error,
            error_description=description,
            errors={"general": [f"{error}: {description}" if description else error]},
        )
    if not isinstance(access_token, str) or not access_token:
        raise fail("the token endpoint's response has no access_token")
    if not is_bearer_token(access_token):
        raise fail(
            "the token endpoint's access_token is not a bearer token (RFC 6750 b64token "
            f"characters, at most {MAX_ACCESS_TOKEN_LENGTH})"
        )
    token_type = document.get("token_type", "Bearer")
    if not isinstance(token_type, str) or token_type.lower() != "bearer":
        raise fail(f"unsupported token type {_shown(token_type, hidden)[:32]!r}; expected Bearer")
    params = {k: v for k, v in document.items() if k not in ("expires_in", "expires_at")}
    lifetime = token_lifetime(document.get("expires_in"))
    if lifetime is not None:
        params["expires_in"] = lifetime
    return OAuth2Token(params)


def _cooldown(failures: int) -> float:
    """The wait before the next login after ``failures`` (>= 1) failed ones beyond the first."""
    return min(COOLDOWN_CAP, COOLDOWN_START * 2.0 ** min(failures - 1, 32))


class ClientCredentialsAuth:
    """Bearer tokens from the client-credentials grant, cached and renewed as needed.

    >>> from convictional_async.core import Pipeline, RetryPolicy, Transport
    >>> auth = ClientCredentialsAuth("id-1", "s3cret", token_url=URL("http://127.0.0.1/t/"),
    ...     pipeline=Pipeline(Transport(), retry=RetryPolicy()))
    >>> auth
    ClientCredentialsAuth(client_id='id-1', token_url='http://127.0.0.1/t/')
    """

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        *,
        token_url: URL,
        pipeline: Pipeline,
        metrics: ClientMetrics | None = None,
        leeway: float = DEFAULT_LEEWAY,
        auth_method: str = "client_secret_post",
        token_cache: TokenCache | None = None,
        cache_key: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        for name, value in (("client_id", client_id), ("client_secret", client_secret)):
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"{name} must be a non-empty string")
        if isinstance(leeway, bool) or not isinstance(leeway, int | float) or leeway < 0:
            raise ValueError(f"leeway must be a number >= 0, got {leeway!r}")
        if token_cache is not None and not cache_key:
            raise ValueError("a token_cache needs the credential's cache_key")
        self.client_id = client_id
        self._secret = client_secret
        self._client_auth = ClientAuth(client_id, client_secret, auth_method)
        self._token_url = token_url
        self._pipeline = pipeline
        self._metrics = metrics if metrics is not None else ClientMetrics()
        self._leeway = float(leeway)
        self._clock = clock
        self._cache = token_cache
        self._cache_key = cache_key or ""
        self._access_token: str | None = None
        self._headers: Mapping[str, str] | None = None
        self._refresh_at: float | None = None
        self._fetching: asyncio.Task[Mapping[str, str]] | None = None
        self._obtained_at = -math.inf
        self._rejected: Mapping[str, str] | None = None  # the last token a 401 rejected
        self._rejections = 0  # tokens rejected in a row, none of which had worked a while
        self._relogin_not_before = -math.inf
        self._refusals = 0  # token requests refused in a row
        self._last_refusal: TokenRequestError | None = None
        self._login_not_before = -math.inf

    def __repr__(self) -> str:
        return f"ClientCredentialsAuth(client_id={self.client_id!r}, token_url='{self._token_url}')"

    def current(self) -> Mapping[str, str] | None:
        """The cached token's header if it is not due for renewal, else ``None``."""
        headers = self._headers
        if headers is not None and (self._refresh_at is None or self._clock() < self._refresh_at):
            return headers
        return None

    async def authorize(self) -> Mapping[str, str]:
        """``Authorization: Bearer ...`` for the cached token, fetching one if needed."""
        return self.current() or await self._renew(self._headers)

    async def refresh_after_unauthorized(self, used: Mapping[str, str]) -> bool:
        """Forget the rejected token (once for all who used it) and log in again.

        ``False`` (the 401 stands) while fresh tokens keep being rejected and the
        cool-down since the last rejection has not ended.
        """
        current = self._headers
        if current is not None and current is not used:
            return True  # a newer token is already in place: replay with it
        now = self._clock()
        if used is not self._rejected:
            self._rejected = used
            self._note_rejection(now)
        if now < self._relogin_not_before:
            return False
        if self._headers is used:
            # New callers must not be handed the rejected token while the login runs.
            self._headers = None
        await self._renew(used)
        return True

    def secrets(self) -> tuple[str, ...]:
        """The client secret and the current access token."""
        token = self._access_token
        return (self._secret, token) if token else (self._secret,)

    def forget_token(self) -> None:
        """Drop the cached token; the next call logs in again."""
        self._access_token = self._headers = self._refresh_at = None

    def _note_rejection(self, now: float) -> None:
        """Count a newly rejected token; a second young one in a row starts a cool-down."""
        fresh = now - self._obtained_at < FRESH_TOKEN_AGE
        self._rejections = self._rejections + 1 if fresh else 1
        if self._rejections > 1:
            wait = _cooldown(self._rejections - 1)
            self._relogin_not_before = now + wait
            logger.warning(
                "%d new tokens in a row were rejected for client %s; next login in %.1f s",
                self._rejections,
                self.client_id,
                wait,
            )

    async def _renew(self, stale: Mapping[str, str] | None) -> Mapping[str, str]:
        current = self._headers
        if current is not None and current is not stale:
            return current  # another caller already replaced the stale token
        task = self._fetching
        if task is None:
            if self._last_refusal is not None and self._clock() < self._login_not_before:
                raise self._cooling_down(self._last_refusal)
            task = self._fetching = asyncio.ensure_future(self._login(stale))
            task.add_done_callback(self._login_done)
        return await asyncio.shield(task)

    def _login_done(self, task: asyncio.Task[Mapping[str, str]]) -> None:
        if self._fetching is task:
            self._fetching = None
        if not task.cancelled():
            task.exception()  # a failure nobody awaited any more is not "never retrieved"

    async def _login(self, stale: Mapping[str, str] | None = None) -> Mapping[str, str]:
        try:
            if self._cache is None:
                token = await self._fresh_token()
            else:
                rejected = stale["Authorization"].removeprefix("Bearer ") if stale else None
                token = await self._cache.fetch(self._cache_key, self._fresh_token, stale=rejected)
        except TokenRequestError as refusal:
            self._note_refusal(refusal)
            raise
        self._refusals = 0
        self._access_token = token.access_token
        self._headers = {"Authorization": f"Bearer {token.access_token}"}
        self._obtained_at = now = self._clock()
        self._refresh_at = None if token.renew_in is None else now + token.renew_in
        logger.debug(
            "obtained a token for client %s (renew in %s s)", self.client_id, token.renew_in
        )
        return self._headers

    async def _fresh_token(self) -> CachedToken:
        """Ask the token endpoint for a token; it is due for renewal a leeway before it expires."""
        self._metrics.token_requests += 1
        token = await self._request_token()
        expires_in = token.get("expires_in")  # a float from token_lifetime, or absent
        expires_in = expires_in if isinstance(expires_in, float) else None
        return CachedToken(
            str(token["access_token"]), renew_in=refresh_deadline(0.0, expires_in, self._leeway)
        )

    async def _request_token(self) -> OAuth2Token:
        headers, body = dict(_FORM), prepare_token_request("client_credentials")
        _, headers, body = self._client_auth.prepare(  # type: ignore[no-untyped-call]
            "POST", str(self._token_url), headers, body
        )
        try:
            response = await self._pipeline.send(
                "POST", self._token_url, headers=headers, body=body.encode(), idempotent=True
            )
        except APIStatusError as exc:
            refusal = self._refused(exc)
        else:
            return parse_token_response(response, (self._secret,))
        # Raised outside the handler, so the pipeline's error (scrubbed only of the
        # pipeline's own secrets) is not attached as its context.
        raise refusal

    def _note_refusal(self, refusal: TokenRequestError) -> None:
        """Count a refused login; a second one in a row starts a cool-down."""
        self._refusals += 1
        self._last_refusal = refusal
        if self._refusals > 1:
            wait = _cooldown(self._refusals - 1)
            self._login_not_before = self._clock() + wait
            logger.warning(
                "the token endpoint refused %d logins in a row for client %s; next in %.1f s",
                self._refusals,
                self.client_id,
                wait,
            )

    def _cooling_down(self, last: TokenRequestError) -> TokenRequestError:
        """The last refusal again, raised without asking the token endpoint."""
        wait = self._login_not_before - self._clock()
        return TokenRequestError(
            f"authentication failed: the token endpoint refused the last {self._refusals} "
            f"logins; not asking again for {wait:.1f} s",
            error=last.error,
            error_description=last.error_description,
            status=last.status,
            request_id=last.request_id,
            method=last.method,
            url=last.url,
            errors=last.errors,
            body=last.body,
        )

    def _refused(self, exc: APIStatusError) -> TokenRequestError:
        """The token endpoint's refusal, with the client secret scrubbed from all of it."""
        secrets = self.secrets()
        oauth = parse_json(exc.body.encode()) if exc.body else None
        error = oauth.get("error") if isinstance(oauth, dict) else None
        description = oauth.get("error_description") if isinstance(oauth, dict) else None
        return TokenRequestError(
            f"authentication failed: the token endpoint answered {exc.status}",
            error=_shown(error, secrets) if error else None,
            error_description=_shown(description, secrets) if description else None,
            status=exc.status,
            request_id=exc.request_id,
            method=exc.method,
            url=exc.url,
            errors={
                redact_text(field, secrets): [redact_text(m, secrets) for m in messages]
                for field, messages in exc.errors.items()
            },
            body=redact_text(exc.body, secrets),
        )

    async def aclose(self) -> None:
        """Stop a token request still in flight and forget the token."""
        task, self._fetching = self._fetching, None
        if task is not None and not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        self.forget_token()
