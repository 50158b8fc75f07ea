"""OAuth2 client credentials for Convious, from authlib's sans-I/O pieces.

The token request is built with ``prepare_token_request`` and ``ClientAuth`` (the
credentials go in the form body, ``client_secret_post``, as Convious documents) and sent
through the SDK's own pipeline; the response becomes an authlib ``OAuth2Token``.

* The token is cached per client. However many calls need one at the same moment,
  exactly one token request is sent, and every waiter shares its outcome (success or
  failure). It runs in its own task, so a cancelled caller leaves the others waiting
  for it, never stuck.
* When the server sends ``expires_in``, the token is renewed before it runs out, by a
  leeway capped at a tenth of its lifetime (a 59 s token is not "always expired").
* On a 401 from an API call, the pipeline asks :meth:`refresh_after_unauthorized`: one
  re-login shared by every caller that saw the same token rejected, then one replay.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable, Mapping
from typing import Any

from authlib.oauth2.auth import ClientAuth
from authlib.oauth2.rfc6749 import OAuth2Token
from authlib.oauth2.rfc6749.parameters import prepare_token_request
from yarl import URL

from convictional_async.core import (
    APIStatusError,
    ClientMetrics,
    Pipeline,
    Response,
    TokenRequestError,
    parse_json,
    redact_text,
)

logger = logging.getLogger("convious.auth")

DEFAULT_LEEWAY = 60.0
_FORM = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}


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
    if document.get("error"):
        error = str(document["error"])
        description = document.get("error_description")
        description = redact_text(str(description), secrets) if description else None
        raise fail(
            f"the token endpoint returned an error: {error}",
            error=error,
            error_description=description,
            errors={"general": [f"{error}: {description}" if description else error]},
        )
    access_token = document.get("access_token")
    if not isinstance(access_token, str) or not access_token:
        raise fail("the token endpoint's response has no access_token")
    token_type = document.get("token_type", "Bearer")
    if not isinstance(token_type, str) or token_type.lower() != "bearer":
        raise fail(f"unsupported token type {token_type!r}; expected Bearer")
    params = dict(document)
    expires_in = params.get("expires_in")
    if expires_in is not None and _lifetime(expires_in) is None:
        logger.warning("ignoring an unusable expires_in in the token response")
        del params["expires_in"]
    return OAuth2Token(params)


def _lifetime(value: Any) -> float | None:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return None
    return seconds if math.isfinite(seconds) and seconds > 0 else None


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
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        for name, value in (("client_id", client_id), ("client_secret", client_secret)):
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"{name} must be a non-empty string")
        if isinstance(leeway, bool) or not isinstance(leeway, int | float) or leeway < 0:
            raise ValueError(f"leeway must be a number >= 0, got {leeway!r}")
        self.client_id = client_id
        self._secret = client_secret
        self._client_auth = ClientAuth(client_id, client_secret, auth_method)
        self._token_url = token_url
        self._pipeline = pipeline
        self._metrics = metrics if metrics is not None else ClientMetrics()
        self._leeway = float(leeway)
        self._clock = clock
        self._token: OAuth2Token | None = None
        self._headers: Mapping[str, str] | None = None
        self._refresh_at: float | None = None
        self._fetching: asyncio.Task[Mapping[str, str]] | None = None

    def __repr__(self) -> str:
        return f"ClientCredentialsAuth(client_id={self.client_id!r}, token_url='{self._token_url}')"

    @property
    def has_token(self) -> bool:
        """Whether a token is cached now."""
        return self._headers is not None

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
        """Forget the rejected token (once for all who used it) and log in again."""
        if self._headers is used:
            # New callers must not be handed the rejected token while the login runs.
            self._headers = None
        await self._renew(used)
        return True

    def secrets(self) -> tuple[str, ...]:
        """The client secret and the current access token."""
        token = self._token.get("access_token") if self._token is not None else None
        return (self._secret, token) if isinstance(token, str) else (self._secret,)

    def forget_token(self) -> None:
        """Drop the cached token; the next call logs in again."""
        self._token = self._headers = self._refresh_at = None

    async def _renew(self, stale: Mapping[str, str] | None) -> Mapping[str, str]:
        current = self._headers
        if current is not None and current is not stale:
            return current  # another caller already replaced the stale token
        task = self._fetching
        if task is None:
            task = self._fetching = asyncio.ensure_future(self._login())
            task.add_done_callback(self._login_done)
        return await asyncio.shield(task)

    def _login_done(self, task: asyncio.Task[Mapping[str, str]]) -> None:
        if self._fetching is task:
            self._fetching = None
        if not task.cancelled():
            task.exception()  # a failure nobody awaited any more is not "never retrieved"

    async def _login(self) -> Mapping[str, str]:
        headers, body = dict(_FORM), prepare_token_request("client_credentials")
        _, headers, body = self._client_auth.prepare(  # type: ignore[no-untyped-call]
            "POST", str(self._token_url), headers, body
        )
        self._metrics.token_requests += 1
        try:
            response = await self._pipeline.send(
                "POST", self._token_url, headers=headers, body=body.encode(), idempotent=True
            )
        except APIStatusError as exc:
            raise self._refused(exc) from exc
        token = parse_token_response(response, (self._secret,))
        self._token = token
        self._headers = {"Authorization": f"Bearer {token['access_token']}"}
        expires_in = _lifetime(token.get("expires_in"))
        self._refresh_at = refresh_deadline(self._clock(), expires_in, self._leeway)
        logger.debug("obtained a token for client %s (expires in %s s)", self.client_id, expires_in)
        return self._headers

    def _refused(self, exc: APIStatusError) -> TokenRequestError:
        """The token endpoint's refusal, with the client secret scrubbed from all of it."""
        secrets = (self._secret,)
        oauth = parse_json(exc.body.encode()) if exc.body else None
        error = oauth.get("error") if isinstance(oauth, dict) else None
        description = oauth.get("error_description") if isinstance(oauth, dict) else None
        return TokenRequestError(
            f"authentication failed: the token endpoint answered {exc.status}",
            error=redact_text(str(error), secrets) if error else None,
            error_description=redact_text(str(description), secrets) if description else None,
            status=exc.status,
            request_id=exc.request_id,
            method=exc.method,
            url=exc.url,
            errors={k: [redact_text(m, secrets) for m in v] for k, v in exc.errors.items()},
            body=redact_text(exc.body, secrets),
        )

    async def aclose(self) -> None:
        """Stop a token request still in flight and forget the token."""
        task, self._fetching = self._fetching, None
        if task is not None and not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        self.forget_token()
