"""The ``aiohttp.web`` application emulating the Convictional Seller, Shared and Buyer APIs.

Two middlewares. The kit's (outer) guards ``Host``/``Origin``, injects faults, stamps a fresh
``X-Request-ID`` and records every request. This API's (inner), for every route of
``_routes``, in this order:

1. ``Authorization`` must be a known API key, raw (no scheme): else 401, not counted;
2. the rate limit: ``SandboxConfig.rate_limit`` requests per key per whole second of the
   clock (a key's user, so a rolled key keeps its bucket); above it 429, not processed;
3. the account type: a buyer key on a Seller route or the reverse is 403;
4. the order lifecycle advances by the clock (``_lifecycle.advance``);
5. the handler; an ``ApiError`` becomes the request's error format (``_errors``).

Every reply carries ``Convictional-Version`` (``_versions``) and, with the rate limit on,
``X-Rate-Limit-Limit`` and ``X-Rate-Limit-Duration: 1``. Unknown paths are 404 without
authentication. Admin endpoints (no key): ``/_sandbox/faults``, ``/_sandbox/rate-limit`` (the
kit's), ``GET /_sandbox/stats`` and ``POST /_sandbox/reset`` (rebuilds the seeded world and
clears faults; the rate limit stays).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Final

import attrs
from aiohttp import web
from aiohttp.typedefs import Handler

from convictional_async.core.sandbox import (
    ADMIN_PREFIX,
    AdminRoutes,
    FaultKind,
    SandboxMiddleware,
    recorded_status,
)

from ._buyer import BuyerHandlers
from ._documents import DocumentHandlers
from ._errors import ApiError, error_body, error_status
from ._faults import Faults
from ._http import CALL, Call, json_reply
from ._lifecycle import advance
from ._prices import PriceHandlers
from ._routes import ROUTES, Access, route_key
from ._seller_orders import SellerOrderHandlers
from ._seller_products import SellerProductHandlers
from ._shared import SharedHandlers
from ._state import RequestRecord, SandboxState
from ._versions import resolve_version

__all__ = ["create_app"]

_ACCESS: Final[dict[str, Access]] = {route_key(m, p): access for m, p, access, _ in ROUTES}
_BUCKET_SECONDS: Final = "1"
_DEFAULT_LIMIT: Final = 5


@attrs.frozen
class _Info:
    """What the app knows of a request before authenticating it."""

    route: str | None
    version: str
    new_errors: bool
    enveloped: bool


_INFO: Final = web.RequestKey("convictional.info", _Info)


class ConvictionalApi:
    """The kit's ``EmulatedApi`` hooks and this API's own middleware, for one sandbox."""

    def __init__(self, state: SandboxState, faults: Faults) -> None:
        self.state = state
        self.faults = faults
        self.rng = random.Random(state.config.seed)

    def _info(self, request: web.Request) -> _Info:
        return request[_INFO]

    def begin(self, request: web.Request) -> str | None:
        """Note the route, version and error format; count the request under its route."""
        config = self.state.config
        route = request.match_info.route
        key = route_key(route.method, route.resource.canonical) if route.resource else None
        key = key if key in _ACCESS else None
        new = config.errors == "new" or (
            config.errors == "header"
            and request.headers.get("Enable-New-Errors", "").strip().lower() == "true"
        )
        request[_INFO] = _Info(
            route=key,
            version=resolve_version(request.headers.get("Accept"), pinned=config.pinned_version),
            new_errors=new,
            enveloped=request.path.startswith("/buyer/"),
        )
        admin = request.path.startswith(ADMIN_PREFIX)
        self.state.requests_by_target[key or ("admin" if admin else "other")] += 1
        return key

    def render(self, request: web.Request, error: ApiError) -> web.Response:
        """Return ``error`` in the request's error format."""
        info = self._info(request)
        body = error_body(error.problems, new=info.new_errors, enveloped=info.enveloped)
        status = error_status(error, new=info.new_errors)
        return json_reply(body, status=status, headers=error.headers or None)

    def error_response(
        self,
        request: web.Request,
        status: int,
        message: str,
        headers: Mapping[str, str] | None = None,
    ) -> web.Response:
        """Return an error not tied to a parameter, in the request's format."""
        return self.render(request, ApiError(status, {"general": [message]}, headers=headers))

    def throttle_response(self, request: web.Request) -> web.Response:
        """Return the 429 of the rate limit, with its headers."""
        limit = self.state.limiter.limit or _DEFAULT_LIMIT
        headers = {"X-Rate-Limit-Limit": str(limit), "X-Rate-Limit-Duration": _BUCKET_SECONDS}
        return self.render(
            request, ApiError(429, {"general": ["rate limit exceeded"]}, headers=headers)
        )

    def unauthorized_response(self, request: web.Request, target: str) -> web.Response:
        """Return the 401 of an unknown key."""
        return self.render(request, ApiError.general(401, "unauthorized"))

    def fault_injected(self, kind: FaultKind) -> None:
        """Count one injected fault."""
        self.state.faults_injected[kind] += 1

    def finish(self, request: web.Request, response: web.StreamResponse, request_id: str) -> None:
        """Stamp ``Convictional-Version`` and the rate-limit headers; record the request."""
        info = self._info(request)
        response.headers["Convictional-Version"] = info.version
        limit = self.state.limiter.limit
        if limit is not None:
            response.headers["X-Rate-Limit-Limit"] = str(limit)
            response.headers["X-Rate-Limit-Duration"] = _BUCKET_SECONDS
        call: Call | None = request.get(CALL)
        account = (
            None if call is None else f"{call.user.company.commerce_type}:{call.user.company.id}"
        )
        self.state.records.append(
            RequestRecord(
                method=request.method,
                path=request.path,
                status=recorded_status(response),
                request_id=request_id,
                account=account,
                version=info.version,
                new_errors=info.new_errors,
            )
        )

    @web.middleware
    async def handle(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Authenticate, rate-limit and authorize an API call, then answer its errors."""
        info = self._info(request)
        if info.route is None:
            return await handler(request)
        try:
            request[CALL] = self._admit(request, info.route, info.version)
            advance_all(self.state)
            return await handler(request)
        except ApiError as error:
            return self.render(request, error)

    def _admit(self, request: web.Request, route: str, version: str) -> Call:
        key = request.headers.get("Authorization", "").strip()
        user = self.state.user_by_key(key) if key else None
        if user is None:
            hint = " (send the raw API key, with no scheme)" if " " in key else ""
            raise ApiError.general(401, f"unauthorized{hint}")
        if self.state.limiter.admit(user.id) is not None:
            self.state.rate_limited += 1
            raise ApiError.general(429, "rate limit exceeded")
        access = _ACCESS[route]
        if access != "any" and user.company.commerce_type != access:
            raise ApiError.general(403, f"forbidden: this endpoint is for {access} accounts")
        return Call(user=user, version=version)

    async def stats(self, request: web.Request) -> web.Response:
        """``GET /_sandbox/stats``: counters and the current fault settings."""
        return web.json_response({**self.state.stats(), "faults": self.faults.settings()})

    async def reset(self, request: web.Request) -> web.Response:
        """``POST /_sandbox/reset``: rebuild the seeded world, clear faults and counters."""
        self.state.reset()
        self.faults.clear()
        self.rng.seed(self.state.config.seed)
        return web.json_response({"reset": True})


def advance_all(state: SandboxState) -> None:
    """Move every seller order along as far as the clock allows."""
    config = state.config
    if (
        config.auto_post_after is None
        and config.auto_fulfil_after is None
        and config.auto_invoice_after is None
    ):
        return
    now = state.now()
    for order in state.seller_orders.values():
        advance(order, now=now, config=config, ids=state.ids)


def create_app(state: SandboxState, faults: Faults, *, host: str = "127.0.0.1") -> web.Application:
    """Build the sandbox application around the given state and faults.

    ``host`` is the host the server binds; ``Host`` headers may name it (the kit's guard).
    """
    api = ConvictionalApi(state, faults)
    kit = SandboxMiddleware(api, faults=faults, rng=api.rng, bound_host=host, name="Convictional")
    app = web.Application(
        middlewares=[kit.handle, api.handle], client_max_size=state.config.max_body_bytes
    )
    groups = {
        "products": SellerProductHandlers(state),
        "orders": SellerOrderHandlers(state),
        "prices": PriceHandlers(state),
        "shared": SharedHandlers(state),
        "documents": DocumentHandlers(state),
        "buyer": BuyerHandlers(state),
    }
    for method, path, _, name in ROUTES:
        group, _, attribute = name.partition(".")
        app.router.add_route(method, path, getattr(groups[group], attribute))
    AdminRoutes(faults, state.limiter).add_to(app)
    app.router.add_get(f"{ADMIN_PREFIX}stats", api.stats)
    app.router.add_post(f"{ADMIN_PREFIX}reset", api.reset)
    return app
