"""The admin endpoints every sandbox shares: fault settings and the server-side rate limit.

They live under ``/_sandbox/``, need no credentials and are not part of any emulated API:

* ``GET``/``POST /_sandbox/faults``: the ``Faults`` settings; a ``POST`` takes a JSON object of
  fields plus ``"inject": [{"kind", "count", "target"}]``, applied all or nothing;
* ``GET``/``POST /_sandbox/rate-limit``: ``{"rate_limit": N or null}``.

Answers are JSON; a bad value gets 400 ``{"error": ...}`` and changes nothing. The guard of
``_guard`` already refused cross-origin calls and ``POST``s that are not JSON.
"""

from __future__ import annotations

import json
from typing import Any, Final

from aiohttp import web

from ._faults import Faults
from ._guard import ADMIN_PREFIX
from ._ratelimit import FixedWindowLimiter, check_rate_limit

__all__ = ["AdminRoutes", "admin_error", "read_admin_object"]

_RATE_LIMIT_SHAPE: Final = 'a JSON object {"rate_limit": N or null}'


def admin_error(status: int, message: str) -> web.Response:
    """Return an admin endpoint's JSON error ``{"error": message}``."""
    return web.json_response({"error": message}, status=status)


async def read_admin_object(
    request: web.Request, expected: str
) -> tuple[dict[str, Any], web.Response | None]:
    """Decode an admin call's JSON object body; return (object, refusal)."""
    try:
        body = json.loads(await request.read())
    except (ValueError, RecursionError):
        return {}, admin_error(400, "Malformed JSON body")
    if not isinstance(body, dict):
        return {}, admin_error(400, f"Expected {expected}")
    return body, None


class AdminRoutes:
    """The shared admin handlers, bound to one sandbox's faults and rate limiter.

    Example::

        AdminRoutes(faults, limiter).add_to(app)
    """

    def __init__(self, faults: Faults, limiter: FixedWindowLimiter) -> None:
        self._faults = faults
        self._limiter = limiter

    def add_to(self, app: web.Application) -> None:
        """Register the fault and rate-limit endpoints under ``/_sandbox/``."""
        app.router.add_get(f"{ADMIN_PREFIX}faults", self.get_faults)
        app.router.add_post(f"{ADMIN_PREFIX}faults", self.set_faults)
        app.router.add_get(f"{ADMIN_PREFIX}rate-limit", self.get_rate_limit)
        app.router.add_post(f"{ADMIN_PREFIX}rate-limit", self.set_rate_limit)

    async def get_faults(self, request: web.Request) -> web.Response:
        """``GET /_sandbox/faults``: the current fault settings."""
        return web.json_response(self._faults.settings())

    async def set_faults(self, request: web.Request) -> web.Response:
        """``POST /_sandbox/faults``: change fault settings and queue scripted faults."""
        changes, refusal = await read_admin_object(request, "a JSON object of fault settings")
        if refusal is not None:
            return refusal
        try:
            self._faults.update(changes)
        except ValueError as exc:
            return admin_error(400, str(exc))
        return web.json_response(self._faults.settings())

    async def get_rate_limit(self, request: web.Request) -> web.Response:
        """``GET /_sandbox/rate-limit``: the server-side rate limit (requests/s, or null)."""
        return web.json_response({"rate_limit": self._limiter.limit})

    async def set_rate_limit(self, request: web.Request) -> web.Response:
        """``POST /_sandbox/rate-limit``: set the limit from ``{"rate_limit": N or null}``."""
        change, refusal = await read_admin_object(request, _RATE_LIMIT_SHAPE)
        if refusal is not None:
            return refusal
        if set(change) != {"rate_limit"}:
            return admin_error(400, f"Expected {_RATE_LIMIT_SHAPE}")
        try:
            self._limiter.limit = check_rate_limit(change["rate_limit"])
        except ValueError as exc:
            return admin_error(400, str(exc))
        return await self.get_rate_limit(request)
