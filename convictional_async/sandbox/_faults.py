"""Fault injection for the Convictional sandbox: the kit's ``Faults`` aimed at its routes.

Every route is a target, named ``"METHOD path"`` as in the route table (``ROUTE_TARGETS``),
e.g. ``"POST /buyer/orders"`` or ``"GET /buyer/products/{productId}"``; by default faults
apply to all of them. The kit documents the fault kinds and the bounds of every knob; on this
API ``"error"`` is a 503 and ``"unauthorized"`` a 401 in the request's error format, and
``"throttle"`` is the same 429 as the real rate limit (``X-Rate-Limit-Limit`` and
``X-Rate-Limit-Duration``; ``retry_after`` and ``rate_limit`` are not used, as the API
documents no ``Retry-After``).
"""

from __future__ import annotations

import attrs

from convictional_async.core.sandbox import Faults as KitFaults

from ._routes import ROUTE_TARGETS

__all__ = ["Faults"]


@attrs.define(kw_only=True)
class Faults(KitFaults):
    """Mutable fault settings, read by the Convictional sandbox on every request.

    Example::

        async with Sandbox() as sandbox:
            sandbox.faults.inject("drop_after", target="POST /buyer/orders")
            sandbox.faults.error_rate = 0.05
    """

    KNOWN_TARGETS = ROUTE_TARGETS
    DEFAULT_TARGETS = ROUTE_TARGETS
