"""The ``aiohttp.web`` application emulating the Convious identity, inventory and pricer APIs.

One application serves all three hosts' paths: ``POST /oauth/token/``, ``POST /events`` and
``POST /api/price/rtp``. A middleware stamps a fresh ``X-Request-ID`` on every response (404s,
405s and faults included), records the request and applies faults. Error bodies are JSON:
``{"error": "..."}``, plus ``"errors": {path: [messages]}`` for validation failures, and
``{"error": ..., "error_description": ...}`` from the token endpoint (RFC 6749 style).

Sandbox choices for undocumented behaviour: the token endpoint checks ``grant_type`` before
the client credentials (as oauthlib does); an event batch with any invalid event is rejected
whole (400) and nothing is applied; the API endpoints answer 415 unless the body is sent as
``application/json``; bodies over ``SandboxConfig.max_body_bytes`` get 413; a pricing request
for more than 20,000 prices gets 400 (``_validation``); with a rate limit set, requests above
it get 429 (``_ratelimit``). A client that disconnects mid-request is not an error: it is
logged at DEBUG only, and recorded with ``status=None`` when the sandbox notices while
handling the request.

The admin endpoints under ``/_sandbox/`` need no token and no ``Accept-Version``; they exist
for CLI users and are not part of the Convious API: ``GET /_sandbox/stats``,
``POST /_sandbox/revoke-tokens``, ``GET``/``POST /_sandbox/faults`` (a JSON object of
``Faults`` fields plus ``"inject": [{"kind", "count", "target"}]``),
``GET``/``POST /_sandbox/rate-limit`` (``{"rate_limit": N or null}``) and
``POST /_sandbox/reset`` (forgets products, tokens and counters and clears all faults; the
rate limit stays). Every ``POST`` there must be sent as ``application/json``, even with an
empty body.

Before anything else, every request passes the guard of ``_guard``: a ``Host`` naming this
server (else 421) and, for admin calls, no foreign ``Origin`` (else 403) and JSON (else 415).
"""

from __future__ import annotations

import asyncio
import binascii
import logging
import random
import secrets
import uuid
from base64 import b64decode
from collections.abc import Mapping
from datetime import date
from typing import Any, Final
from urllib.parse import unquote_plus

import msgspec
from aiohttp import web
from aiohttp.typedefs import Handler

from ._config import SandboxConfig
from ._faults import Faults
from ._guard import is_allowed_host, is_same_origin
from ._ratelimit import check_rate_limit
from ._responses import (
    NO_STORE,
    Dropped,
    bad_gateway_html,
    broken_json,
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

_log = logging.getLogger(__name__)
_TARGETS: Final = {"/oauth/token/": "token", "/api/price/rtp": "pricer", "/events": "events"}
_DECODE: Final = msgspec.json.Decoder().decode
_ADMIN_PREFIX: Final = "/_sandbox/"
_RATE_LIMIT_SHAPE: Final = 'a JSON object {"rate_limit": N or null}'


class _Handlers:
    """The request handlers, bound to one sandbox's config, state and faults."""

    def __init__(
        self, config: SandboxConfig, state: SandboxState, faults: Faults, host: str
    ) -> None:
        self.config = config
        self.state = state
        self.faults = faults
        self.host = host
        self.rng = random.Random(config.seed)

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Guard, apply faults, stamp ``X-Request-ID``, count and record every request."""
        target = _TARGETS.get(request.path) if request.method == "POST" else None
        self.state.count_request(target or _other(request.path))
        response: web.StreamResponse
        try:
            refusal = self._guard_refusal(request)
            if refusal is not None:
                response = refusal
            elif target is None:
                response = await handler(request)
            else:
                response = await self._with_faults(request, handler, target)
        except web.HTTPException as exc:
            allow = exc.headers.get("Allow")
            headers = {"Allow": allow} if allow else None
            response = json_response(exc.status, {"error": exc.reason}, headers)
        except ConnectionError:
            _log.debug("The client left during %s %s", request.method, request.path)
            response = _drop(request)
        except Exception:
            _log.exception("Unhandled error in the Convious sandbox")
            response = json_response(500, {"error": "Internal sandbox error"})
        request_id = str(uuid.uuid4())
        response.headers["X-Request-ID"] = request_id
        authorization = request.headers.get("Authorization")
        self.state.records.append(
            RequestRecord(
                method=request.method,
                path=request.path,
                status=None if isinstance(response, Dropped) else response.status,
                request_id=request_id,
                accept_version=request.headers.get("Accept-Version"),
                authorization_scheme=authorization.partition(" ")[0] if authorization else None,
            )
        )
        return response

    async def _with_faults(
        self, request: web.Request, handler: Handler, target: str
    ) -> web.StreamResponse:
        delay = self.faults.delay(target, self.rng)
        if delay:
            await asyncio.sleep(delay)
        fault = self.faults.next_fault(target, self.rng)
        if fault is None:
            return await handler(request)
        self.state.faults_injected[fault] += 1
        if fault == "drop":
            return _drop(request)
        if fault == "error":
            return json_response(503, {"error": "Service temporarily unavailable"})
        if fault == "html":
            return bad_gateway_html()
        if fault == "throttle":
            return throttled(self.faults.retry_after, self.faults.rate_limit)
        if fault == "unauthorized":
            return invalid_client() if target == "token" else unauthorized("Invalid token")
        # invalid_json and missing_fields: the request is processed, then its 200 is spoiled.
        response = await handler(request)
        if response.status != 200:
            return response
        if fault == "invalid_json":
            return broken_json(response)
        if target == "events":  # an events success has no fields to miss
            return response
        return json_response(200, {"unexpected": True})

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

    def _guard_refusal(self, request: web.Request) -> web.Response | None:
        """Refuse a foreign ``Host``, and cross-origin or non-JSON admin calls (``_guard``)."""
        host = request.headers.get("Host")
        local = _local_address(request)
        if local is None or not is_allowed_host(host, local=local, bound_host=self.host):
            error = "Unknown Host header: address the sandbox by its own host and port"
            return json_response(421, {"error": error})
        if not request.path.startswith(_ADMIN_PREFIX):
            return None
        if not is_same_origin(request.headers.get("Origin"), host=str(host)):
            return json_response(403, {"error": "Cross-origin admin calls are refused"})
        if request.method == "POST" and request.content_type != "application/json":
            error = "Admin calls must be sent as application/json, even with an empty body"
            return json_response(415, {"error": error})
        return None

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

    async def get_faults(self, request: web.Request) -> web.Response:
        """``GET /_sandbox/faults``: the current fault settings."""
        return json_response(200, self.faults.settings())

    async def set_faults(self, request: web.Request) -> web.Response:
        """``POST /_sandbox/faults``: change fault settings and queue scripted faults."""
        changes, refusal = await _read_admin_object(request, "a JSON object of fault settings")
        if refusal is not None:
            return refusal
        try:
            self.faults.update(changes)
        except ValueError as exc:
            return json_response(400, {"error": str(exc)})
        return json_response(200, self.faults.settings())

    async def get_rate_limit(self, request: web.Request) -> web.Response:
        """``GET /_sandbox/rate-limit``: the server-side rate limit (requests/s, or null)."""
        return json_response(200, {"rate_limit": self.state.rate_limiter.limit})

    async def set_rate_limit(self, request: web.Request) -> web.Response:
        """``POST /_sandbox/rate-limit``: set the limit from ``{"rate_limit": N or null}``."""
        change, refusal = await _read_admin_object(request, _RATE_LIMIT_SHAPE)
        if refusal is not None:
            return refusal
        if set(change) != {"rate_limit"}:
            return json_response(400, {"error": f"Expected {_RATE_LIMIT_SHAPE}"})
        try:
            self.state.rate_limiter.limit = check_rate_limit(change["rate_limit"])
        except ValueError as exc:
            return json_response(400, {"error": str(exc)})
        return await self.get_rate_limit(request)

    async def reset(self, request: web.Request) -> web.Response:
        """``POST /_sandbox/reset``: forget products, tokens and counters; clear all faults."""
        self.state.reset()
        self.faults.clear()
        self.rng.seed(self.config.seed)
        return json_response(200, {"reset": True})


def _other(path: str) -> str:
    return "admin" if path.startswith(_ADMIN_PREFIX) else "other"


def _drop(request: web.Request) -> Dropped:
    """Close the connection without an answer (if the client has not already gone)."""
    if request.transport is not None:
        request.transport.abort()
    return Dropped()


def _local_address(request: web.Request) -> tuple[str, int] | None:
    """Return the (ip, port) the request's connection arrived on, or None if it is gone."""
    sockname = request.transport.get_extra_info("sockname") if request.transport else None
    if not isinstance(sockname, tuple) or len(sockname) < 2:
        return None
    return str(sockname[0]), int(sockname[1])


def _bearer_token(request: web.Request) -> str | None:
    """Return the token of an ``Authorization: Bearer`` header, or None for another scheme."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


async def _read_admin_object(
    request: web.Request, expected: str
) -> tuple[dict[str, Any], web.Response | None]:
    """Decode an admin call's JSON object body; return (object, refusal)."""
    try:
        body = _DECODE(await request.read())
    except msgspec.DecodeError:
        return {}, json_response(400, {"error": "Malformed JSON body"})
    if not isinstance(body, dict):
        return {}, json_response(400, {"error": f"Expected {expected}"})
    return body, None


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

    ``host`` is the host the server binds; ``Host`` headers may name it (see ``_guard``).
    """
    handlers = _Handlers(config, state, faults, host)
    app = web.Application(middlewares=[handlers.middleware], client_max_size=config.max_body_bytes)
    app.router.add_post("/oauth/token/", handlers.token)
    app.router.add_post("/api/price/rtp", handlers.prices)
    app.router.add_post("/events", handlers.events)
    app.router.add_get("/_sandbox/stats", handlers.stats)
    app.router.add_post("/_sandbox/revoke-tokens", handlers.revoke_tokens)
    app.router.add_get("/_sandbox/faults", handlers.get_faults)
    app.router.add_post("/_sandbox/faults", handlers.set_faults)
    app.router.add_get("/_sandbox/rate-limit", handlers.get_rate_limit)
    app.router.add_post("/_sandbox/rate-limit", handlers.set_rate_limit)
    app.router.add_post("/_sandbox/reset", handlers.reset)
    return app
