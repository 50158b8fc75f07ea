"""Fault injection for the Convious sandbox: the kit's ``Faults`` aimed at its endpoints.

Targets are the three endpoints, ``"token"``, ``"pricer"`` and ``"events"`` (``FAULT_TARGETS``);
probabilities and untargeted scripted faults apply to ``{"pricer", "events"}`` by default.
The kit (``convictional_async.core.sandbox``) documents the two sources of faults, the bounds
of every knob and the fault kinds; on this API they look like this:

========================  ==========================================================
``"error"``               503 ``{"error": "Service temporarily unavailable"}``
``"html"``                502 with an HTML error page (``Content-Type: text/html``)
``"invalid_json"``        200 with a truncated JSON body (the request is processed)
``"missing_fields"``      200 ``{"unexpected": true}`` from the pricer; for events the
                          normal empty 200 (the request is processed)
``"drop"``                the connection is closed with no response
``"drop_after"``          the request is processed, then the connection is closed
``"partial"``             the request is processed, then half the reply is sent and
                          the connection is closed (an events reply, being empty, is
                          dropped instead)
``"throttle"``            429 with ``Retry-After`` and ``X-RateLimit-*`` headers
``"unauthorized"``        401, as if the token had been revoked (``invalid_client`` from
                          the token endpoint)
========================  ==========================================================
"""

from __future__ import annotations

from typing import Final

import attrs

from convictional_async.core.sandbox import (
    FAULT_KINDS,
    MAX_ADVERTISED_LIMIT,
    MAX_LATENCY,
    MAX_RETRY_AFTER,
    MAX_SCRIPTED,
    FaultKind,
)
from convictional_async.core.sandbox import Faults as KitFaults

__all__ = [
    "FAULT_KINDS",
    "FAULT_TARGETS",
    "MAX_ADVERTISED_LIMIT",
    "MAX_LATENCY",
    "MAX_RETRY_AFTER",
    "MAX_SCRIPTED",
    "FaultKind",
    "Faults",
]

FAULT_TARGETS: Final[frozenset[str]] = frozenset({"token", "pricer", "events"})


@attrs.define(kw_only=True)
class Faults(KitFaults):
    """Mutable fault settings, read by the Convious sandbox on every request.

    Example::

        faults = Faults(latency=0.01, error_rate=0.05)
        async with Sandbox(faults=faults) as sandbox:
            faults.inject("drop")            # the next pricer/events request is dropped
            faults.inject("throttle", count=2, target="pricer")
    """

    KNOWN_TARGETS = FAULT_TARGETS
    DEFAULT_TARGETS = frozenset({"pricer", "events"})
