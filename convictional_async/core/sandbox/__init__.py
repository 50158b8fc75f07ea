"""The sandbox kit: the API-free parts of every local API emulator in this distribution.

A sandbox is an ``aiohttp.web`` application for one API. The kit gives it, without knowing
that API:

* ``SandboxMiddleware``: the ``Host``/``Origin`` guard (``guard_refusal``), fault injection
  (``Faults``: latency, 503, HTML 502, broken JSON, drops before or after processing, partial
  replies, 429, 401), a fresh ``X-Request-ID`` on every response and request recording, with
  quiet client disconnects; the API supplies its error bodies and records (``EmulatedApi``);
* ``FixedWindowLimiter``: a server-side rate limit in whole-second windows per key;
* ``AdminRoutes``: ``/_sandbox/faults`` and ``/_sandbox/rate-limit``, with bounded knobs;
* ``SandboxServer``, ``ApiSandbox`` and ``serve_until_cancelled``: the in-process runner and
  what every API's sandbox object has (settings, faults, state, rate limit);
* ``add_server_arguments`` and friends: the ``sandbox`` command's shared flags.

It imports nothing from any API package. Example::

    class ShopFaults(Faults):
        KNOWN_TARGETS = DEFAULT_TARGETS = frozenset({"orders"})

    middleware = SandboxMiddleware(shop_api, faults=ShopFaults(), rng=random.Random(0),
                                   bound_host="127.0.0.1", name="shop")
    app = web.Application(middlewares=[middleware.handle])
"""

from ._admin import AdminRoutes, admin_error, read_admin_object
from ._cli import (
    CannotListenError,
    FaultFlags,
    add_server_arguments,
    fault_settings,
    run_until_interrupted,
)
from ._faults import (
    FAULT_KINDS,
    MAX_ADVERTISED_LIMIT,
    MAX_LATENCY,
    MAX_RETRY_AFTER,
    MAX_SCRIPTED,
    FaultKind,
    Faults,
)
from ._guard import (
    ADMIN_PREFIX,
    guard_refusal,
    is_allowed_host,
    is_same_origin,
    local_address,
    split_host,
)
from ._middleware import EmulatedApi, SandboxMiddleware
from ._ratelimit import MAX_RATE_LIMIT, FixedWindowLimiter, check_rate_limit
from ._records import MAX_RECORDS, RequestRecord, new_request_id, recorded_status
from ._server import ApiSandbox, SandboxServer, serve_until_cancelled
from ._wire import Dropped, PartialReply, bad_gateway_html, broken_json, drop, partial_reply

__all__ = [
    "ADMIN_PREFIX",
    "FAULT_KINDS",
    "MAX_ADVERTISED_LIMIT",
    "MAX_LATENCY",
    "MAX_RATE_LIMIT",
    "MAX_RECORDS",
    "MAX_RETRY_AFTER",
    "MAX_SCRIPTED",
    "AdminRoutes",
    "ApiSandbox",
    "CannotListenError",
    "Dropped",
    "EmulatedApi",
    "FaultFlags",
    "FaultKind",
    "Faults",
    "FixedWindowLimiter",
    "PartialReply",
    "RequestRecord",
    "SandboxMiddleware",
    "SandboxServer",
    "add_server_arguments",
    "admin_error",
    "bad_gateway_html",
    "broken_json",
    "check_rate_limit",
    "drop",
    "fault_settings",
    "guard_refusal",
    "is_allowed_host",
    "is_same_origin",
    "local_address",
    "new_request_id",
    "partial_reply",
    "read_admin_object",
    "recorded_status",
    "run_until_interrupted",
    "serve_until_cancelled",
    "split_host",
]
