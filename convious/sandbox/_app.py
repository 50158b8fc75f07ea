"""The ``aiohttp.web`` application emulating the Convious identity, inventory and pricer APIs.

One application serves all three hosts' paths: ``POST /oauth/token/``, ``POST /events`` and
``POST /api/price/rtp``. The kit's middleware (``convictional_async.core.sandbox``) stamps a
fresh ``X-Request-ID`` on every response (404s, 405s and faults included), records the request
and applies faults; ``_Handlers`` tells it how this API renders errors. Error bodies are JSON:
``{"error": "..."}``, plus ``"errors": {path: [messages]}`` for validation failures, and
``{"error": ..., "error_description": ...}`` from the token endpoint (RFC 6749 style).

Sandbox choices for undocumented behaviour: the token endpoint checks ``grant_type`` before
the client credentials (as oauthlib does); an event batch with any invalid event is rejected
whole (400) and nothing is applied; the API endpoints answer 415 unless the body is sent as
``application/json``; bodies over ``SandboxConfig.max_body_bytes`` get 413; a pricing request
for more than 20,000 prices gets 400 (``_validation``); with a rate limit set, requests above
it get 429 (see the package docstring). A client that disconnects mid-request is not an
error: it is logged at DEBUG only, and recorded with ``status=None`` when the sandbox notices
while handling the request.

The admin endpoints under ``/_sandbox/`` need no token and no ``Accept-Version``; they exist
for CLI users and are not part of the Convious API: ``GET /_sandbox/stats``,
``POST /_sandbox/revoke-tokens``, ``GET``/``POST /_sandbox/faults`` (a JSON object of
``Faults`` fields plus ``"inject": [{"kind", "count", "target"}]``),
``GET``/``POST /_sandbox/rate-limit`` (``{"rate_limit": N or null}``) and
``POST /_sandbox/reset`` (forgets products, tokens and counters and clears all faults; the
rate limit stays). Every ``POST`` there must be sent as ``application/json``, even with an
empty body.

Before anything else, every request passes the kit's guard: a ``Host`` naming this server
(else 421) and, for admin calls, no foreign ``Origin`` (else 403) and JSON (else 415).
"""

from __future__ import annotations

import binascii
import random
import secrets
from base64 import b64decode
from collections.abc import Mapping
from datetime import date
from typing import Any, Final
from urllib.parse import unquote_plus

import msgspec
from aiohttp import web

from convictional_async.core.sandbox import (
    ADMIN_PREFIX,
    AdminRoutes,
    FaultKind,
    SandboxMiddleware,
    recorded_status,
)

from ._config import SandboxConfig
from ._faults import Faults
from ._responses import (
    NO_STORE,
    invalid_client,
    json_response,
    rate_limited,
    throttled,
    unauthorized,
    validation_failed,
)
from ._rules import price_table
from ._state import RequestRecord, SandboxState, TokenStatus
from ._validation import validate_events, validate_price_request

__all__ = ["create_app"]

_TARGETS: Final = {"/oauth/token/": "token", "/api/price/rtp": "pricer", "/events": "events"}
_DECODE: Final = msgspec.json.Decoder().decode


class _Handlers:
    """The request handlers and the kit's ``EmulatedApi`` hooks, bound to one sandbox."""

    def __init__(self, config: SandboxConfig, state: SandboxState, faults: Faults) -> None:
        self.config = config
        self.state = state
        self.faults = faults
        self.rng = random.Random(config.seed)

    def begin(self, request: web.Request) -> str | None:
        """Count a request under its endpoint; the three API endpoints are fault targets."""
        target = _TARGETS.get(request.path) if request.method == "POST" else None
        self.state.count_request(target or _other(request.path))
        return target

    def error_response(
        self,
        request: web.Request,
        status: int,
        message: str,
        headers: Mapping[str, str] | None = None,
    ) -> web.Response:
        """Return ``{"error": message}`` with ``status``."""
        return json_response(status, {"error": message}, dict(headers) if headers else None)

    def throttle_response(self, request: web.Request) -> web.Response:
        """Return a throttle fault's 429 with ``Retry-After`` and ``X-RateLimit-*``."""
        return throttled(self.faults.retry_after, self.faults.rate_limit)

    def unauthorized_response(self, request: web.Request, target: str) -> web.Response:
        """Return 401 as if the token (or, at the token endpoint, the client) were refused."""
        return invalid_client() if target == "token" else unauthorized("Invalid token")

    def fault_injected(self, kind: FaultKind) -> None:
        """Count one injected fault in the stats."""
        self.state.faults_injected[kind] += 1

    def finish(self, request: web.Request, response: web.StreamResponse, request_id: str) -> None:
        """Record the request: method, path, status, request id and auth scheme only."""
        authorization = request.headers.get("Authorization")
        self.state.records.append(
            RequestRecord(
                method=request.method,
                path=request.path,
                status=recorded_status(response),
                request_id=request_id,
                accept_version=request.headers.get("Accept-Version"),
                authorization_scheme=authorization.partition(" ")[0] if authorization else None,
            )
        )

    async def token(self, request: web.Request) -> web.Response:
        """``POST /oauth/token/``: the OAuth2 client-credentials grant."""
        form = await request.post()
        if form.get("grant_type") != "client_credentials":
            return json_response(400, {"error": "unsupported_grant_type"}, NO_STORE)
        client_id, client_secret = _client_credentials(request.headers, form)
        expected = self.config.clients.get(client_id)
        if expected is None or not secrets.compare_digest(
            client_secret.encode(), expected.encode()
        ):
            return invalid_client()
        expires_in = self.config.token_expires_in
        body: dict[str, Any] = {
            "token_type": "Bearer",
            "access_token": self.state.issue_token(client_id, expires_in),
        }
        if expires_in is not None:
            body.update(expires_in=expires_in, scope="read write")
        return json_response(200, body, NO_STORE)

    def _refusal(self, request: web.Request) -> web.Response | None:
        checks = (self._auth_refusal, self._version_refusal)
        for check in checks if self.config.auth_checked_first else reversed(checks):
            refusal = check(request)
            if refusal is not None:
                return refusal
        return None

    def _auth_refusal(self, request: web.Request) -> web.Response | None:
        token = _bearer_token(request)
        if token is None:
            return unauthorized("Authentication credentials were not provided.")
        if self.state.check_token(token) is not TokenStatus.VALID:
            return unauthorized("Invalid token")
        return None

    def _rate_limit_refusal(self, request: web.Request) -> web.Response | None:
        """Count the request against its client's window; refuse it above the rate limit."""
        client_id = self.state.tokens[_bearer_token(request) or ""].client_id  # checked before
        wait = self.state.rate_limiter.admit(client_id)
        if wait is not None:
            self.state.rate_limited += 1
            return rate_limited(wait)
        self.state.requests_processed += 1
        return None

    def _version_refusal(self, request: web.Request) -> web.Response | None:
        version = request.headers.get("Accept-Version", "").strip()
        if not version:
            return json_response(400, {"error": "Accept-Version header is required"})
        if version not in self.config.api_versions:
            return json_response(400, {"error": f"Unsupported API version: {version}"})
        return None

    async def _read_api_body(self, request: web.Request) -> tuple[Any, web.Response | None]:
        """Check token, version and rate limit, then decode the JSON body; (body, refusal)."""
        refusal = self._refusal(request)
        if refusal is None:
            refusal = self._rate_limit_refusal(request)
        if refusal is not None:
            return None, refusal
        if request.content_type != "application/json":
            error = f"Unsupported media type {request.content_type!r}; send application/json"
            return None, json_response(415, {"error": error})
        try:
            return _DECODE(await request.read()), None
        except msgspec.DecodeError:
            return None, json_response(400, {"error": "Malformed JSON body"})

    async def prices(self, request: web.Request) -> web.Response:
        """``POST /api/price/rtp``: price every product for every requested day and time."""
        body, refusal = await self._read_api_body(request)
        if refusal is not None:
            return refusal
        config = self.config
        problems = validate_price_request(
            body, max_date_range_days=config.max_date_range_days, max_times=config.max_times
        )
        if problems:
            return validation_failed(problems)
        catalogue = self.state.products
        wanted = [
            (
                item["productReference"],
                item["numberOfItems"],
                catalogue.get(item["productReference"]),
            )
            for item in body["products"]
        ]
        missing = {
            f"products[{index}].productReference": [f"Unknown product {reference!r}."]
            for index, (reference, _, product) in enumerate(wanted)
            if product is None or product.removed
        }
        if missing and config.require_known_products:
            return validation_failed(missing)
        table = price_table(
            [(ref, count, p) for ref, count, p in wanted if p is not None and not p.removed],
            cookie_id=body["cookieId"],
            seed=config.seed,
            first=date.fromisoformat(body["dateFrom"]),
            last=date.fromisoformat(body["dateTo"]),
            times=body.get("times"),
        )
        return json_response(200, {"prices": table})

    async def events(self, request: web.Request) -> web.Response:
        """``POST /events``: validate the whole batch, then apply it in order."""
        body, refusal = await self._read_api_body(request)
        if refusal is not None:
            return refusal
        problems = validate_events(body)
        if problems:
            return validation_failed(problems)
        for event in body:
            self.state.apply_event(event)
        return web.Response(status=200)

    async def stats(self, request: web.Request) -> web.Response:
        """``GET /_sandbox/stats``: counters and the current fault settings."""
        return json_response(200, {**self.state.stats(), "faults": self.faults.settings()})

    async def revoke_tokens(self, request: web.Request) -> web.Response:
        """``POST /_sandbox/revoke-tokens``: revoke every live token."""
        return json_response(200, {"revoked": self.state.revoke_tokens()})

    async def reset(self, request: web.Request) -> web.Response:
        """``POST /_sandbox/reset``: forget products, tokens and counters; clear all faults."""
        self.state.reset()
        self.faults.clear()
        self.rng.seed(self.config.seed)
        return json_response(200, {"reset": True})


def _other(path: str) -> str:
    return "admin" if path.startswith(ADMIN_PREFIX) else "other"


def _bearer_token(request: web.Request) -> str | None:
    """Return the token of an ``Authorization: Bearer`` header, or None for another scheme."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def _client_credentials(headers: Mapping[str, str], form: Mapping[str, object]) -> tuple[str, str]:
    """Return the client id and secret from HTTP Basic, else from the form body."""
    scheme, _, encoded = headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic":
        client_id, client_secret = form.get("client_id"), form.get("client_secret")
        if isinstance(client_id, str) and isinstance(client_secret, str):
            return client_id, client_secret
        return "", ""
    try:
        decoded = b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return "", ""
    client_id, _, client_secret = decoded.partition(":")  # RFC 6749 2.3.1: form-encoded parts
    return unquote_plus(client_id), unquote_plus(client_secret)


def create_app(
    config: SandboxConfig, state: SandboxState, faults: Faults, *, host: str = "127.0.0.1"
) -> web.Application:
    """Build the sandbox application around the given config, state and faults.

    ``host`` is the host the server binds; ``Host`` headers may name it (the kit's guard).
    """
    handlers = _Handlers(config, state, faults)
    middleware = SandboxMiddleware(
        handlers, faults=faults, rng=handlers.rng, bound_host=host, name="Convious"
    )
    app = web.Application(middlewares=[middleware.handle], client_max_size=config.max_body_bytes)
    app.router.add_post("/oauth/token/", handlers.token)
    app.router.add_post("/api/price/rtp", handlers.prices)
    app.router.add_post("/events", handlers.events)
    app.router.add_get("/_sandbox/stats", handlers.stats)
    app.router.add_post("/_sandbox/revoke-tokens", handlers.revoke_tokens)
    AdminRoutes(faults, state.rate_limiter).add_to(app)
    app.router.add_post("/_sandbox/reset", handlers.reset)
    return app
