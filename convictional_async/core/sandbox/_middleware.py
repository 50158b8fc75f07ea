"""The kit's middleware: guard, faults, request ids and recording around any emulated API.

For every request, in this order:

1. ``api.begin(request)`` counts the request and names its fault target (None: no faults);
2. the guard (``_guard``): a ``Host`` naming this server (else 421) and, for admin calls, no
   foreign ``Origin`` (else 403) and JSON (else 415);
3. for a fault target: latency, then the next fault (``_faults``), else the handler;
4. an ``HTTPException`` (404, 405, 413, ...) becomes the API's error body, keeping ``Allow``;
   a client that disconnects mid-request is logged at DEBUG only and recorded as cut; any
   other exception is logged and answered 500;
5. a fresh ``X-Request-ID`` on the response, whatever it is;
6. ``api.finish(request, response, request_id)`` stamps the API's own headers and records it.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Mapping
from typing import Final, Protocol

from aiohttp import web
from aiohttp.typedefs import Handler

from ._faults import FaultKind, Faults
from ._guard import guard_refusal
from ._records import new_request_id
from ._wire import bad_gateway_html, broken_json, drop, partial_reply

__all__ = ["EmulatedApi", "SandboxMiddleware"]

_log = logging.getLogger(__name__)
_UNEXPECTED: Final = b'{"unexpected": true}'


class EmulatedApi(Protocol):
    """What the kit's middleware needs from the API a sandbox emulates."""

    def begin(self, request: web.Request) -> str | None:
        """Count a request as it arrives; return its fault target, or None for no faults."""

    def error_response(
        self,
        request: web.Request,
        status: int,
        message: str,
        headers: Mapping[str, str] | None = None,
    ) -> web.Response:
        """Render an error the way the API does."""

    def throttle_response(self, request: web.Request) -> web.Response:
        """Render the API's 429 for a throttle fault."""

    def unauthorized_response(self, request: web.Request, target: str) -> web.Response:
        """Render the API's 401 for an unauthorized fault at ``target``."""

    def fault_injected(self, kind: FaultKind) -> None:
        """Count one injected fault."""

    def finish(self, request: web.Request, response: web.StreamResponse, request_id: str) -> None:
        """Stamp the API's headers on the response and record the request."""


class SandboxMiddleware:
    """An ``aiohttp`` middleware wrapping one emulated API in the kit's behaviour.

    Example::

        middleware = SandboxMiddleware(api, faults=faults, rng=random.Random(0), bound_host=host)
        app = web.Application(middlewares=[middleware.handle])
    """

    def __init__(
        self, api: EmulatedApi, *, faults: Faults, rng: random.Random, bound_host: str, name: str
    ) -> None:
        self._api = api
        self._faults = faults
        self._rng = rng
        self._bound_host = bound_host
        self._name = name

    @web.middleware
    async def handle(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Guard, apply faults, stamp ``X-Request-ID``, count and record every request."""
        api = self._api
        target = api.begin(request)
        response: web.StreamResponse
        try:
            refusal = guard_refusal(request, bound_host=self._bound_host)
            if refusal is not None:
                response = api.error_response(request, *refusal)
            elif target is None:
                response = await handler(request)
            else:
                response = await self._with_faults(request, handler, target)
        except web.HTTPException as exc:
            allow = exc.headers.get("Allow")
            headers = {"Allow": allow} if allow else None
            response = api.error_response(request, exc.status, exc.reason, headers)
        except ConnectionError:
            _log.debug("The client left during %s %s", request.method, request.path)
            response = drop(request)
        except Exception:
            _log.exception("Unhandled error in the %s sandbox", self._name)
            response = api.error_response(request, 500, "Internal sandbox error")
        request_id = new_request_id()
        response.headers["X-Request-ID"] = request_id
        api.finish(request, response, request_id)
        return response

    async def _with_faults(
        self, request: web.Request, handler: Handler, target: str
    ) -> web.StreamResponse:
        delay = self._faults.delay(target, self._rng)
        if delay:
            await asyncio.sleep(delay)
        fault = self._faults.next_fault(target, self._rng)
        if fault is None:
            return await handler(request)
        self._api.fault_injected(fault)
        before = self._before(request, fault, target)
        if before is not None:
            return before
        return self._after(request, fault, await handler(request))

    def _before(
        self, request: web.Request, fault: FaultKind, target: str
    ) -> web.StreamResponse | None:
        """Return the answer of a fault that replaces processing, or None to process."""
        if fault == "drop":
            return drop(request)
        if fault == "error":
            return self._api.error_response(request, 503, "Service temporarily unavailable")
        if fault == "html":
            return bad_gateway_html()
        if fault == "throttle":
            return self._api.throttle_response(request)
        if fault == "unauthorized":
            return self._api.unauthorized_response(request, target)
        return None

    @staticmethod
    def _after(
        request: web.Request, fault: FaultKind, response: web.StreamResponse
    ) -> web.StreamResponse:
        """Spoil a processed request's answer as ``fault`` says."""
        if fault == "drop_after":
            return drop(request)
        if fault == "partial":
            return partial_reply(request, response)
        if response.status != 200:
            return response
        if fault == "invalid_json":
            return broken_json(response)
        body = response.body if isinstance(response, web.Response) else None
        if not body:  # missing_fields: an empty success has no fields to miss
            return response
        return web.Response(status=200, body=_UNEXPECTED, content_type="application/json")
