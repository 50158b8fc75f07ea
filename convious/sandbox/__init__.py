"""A faithful local emulator of the Convious API, for testing integrations without an account.

Built on the sandbox kit (``convictional_async.core.sandbox``), which supplies the guard, the
fault injection, request ids and recording, the rate limiter and the server runner.

Example::

    from convious.sandbox import Sandbox

    async with Sandbox() as sandbox:
        sandbox.add_product("adult", "Adult ticket", max_accepted_price="20.00")
        options = sandbox.client_options()  # identity/inventory/pricer URLs and credentials

A ``Sandbox()`` starts with no products; ``convious sandbox`` (``serve()``) starts with the
starter catalogue (``STARTER_CATALOGUE``: ``ticket-adult``, ``ticket-child``, ``ticket-senior``,
``ticket-family``) unless given ``--empty``.

What is emulated (one ``aiohttp.web`` app serves all three hosts' paths):

* Identity: ``POST /oauth/token/`` (trailing slash), ``grant_type=client_credentials`` with the
  credentials in the form body (``client_secret_post``) or HTTP Basic. Success is
  ``{"token_type": "Bearer", "access_token": ...}``; bad credentials are 401
  ``{"error": "invalid_client", ...}``; another grant is 400 ``unsupported_grant_type``.
* Inventory: ``POST /events``, a JSON array of ``ProductCreated``, ``ProductPricingChanged``,
  ``ProductRemoved`` and ``ProductAvailabilityChanged`` events, validated per the reference
  (``eventDate``, not the documented typo ``eventdate``); success is 200 with an empty body.
* Pricer: ``POST /api/price/rtp``; one ``TimedPrice`` per day x requested time (or per day with
  ``priceTime: null``), each listing every requested product with a per-item decimal-string
  price from a deterministic rule inside ``[minAcceptedPrice, maxAcceptedPrice]``
  (see ``_rules``).
* On both APIs: ``Authorization: Bearer`` (401 ``{"error": ...}`` when missing, unknown,
  expired or revoked) and ``Accept-Version`` (400 when missing or unsupported).
* Everywhere: a fresh ``X-Request-ID`` on every response; JSON error bodies
  ``{"error": "...", "errors": {"path": ["..."]}}``.
* Faults (``Faults``): latency, 503, 502 HTML, broken or incomplete JSON, connections dropped
  before or after processing or cut mid-reply, 429 with ``Retry-After``/``X-RateLimit-*``, and
  401 as if the token were revoked; by probability or as a deterministic script.
* An optional server-side rate limit (``Sandbox(rate_limit=N)``, off by default): N pricer and
  events requests per client credential per whole second of the clock; more get 429
  ``{"error": "Request was throttled. ..."}`` with ``Retry-After: 1`` and no
  ``X-RateLimit-*`` headers (Convious documents none), and are not processed. The limit is
  checked after the bearer token and ``Accept-Version`` (a 401 or 400 is not counted); the
  token endpoint is never limited.
* Admin endpoints under ``/_sandbox/`` (no auth needed): stats, revoke-tokens, faults,
  rate-limit, reset. Their ``POST``s must be sent as ``application/json``.
* A guard against browsers and DNS rebinding (the kit's): every request needs a ``Host`` that
  names the sandbox (localhost, a loopback address, the bound host or the connection's local
  address, with the bound port), else 421; an admin call with a foreign ``Origin`` gets 403.

Bounds (a larger value raises ``ValueError``, or gets 400 from the admin API or the pricer):

* a lookup asks for at most 20,000 prices (products x days x times), checked before any work;
* ``latency`` and ``latency_jitter`` at most 60 s each, ``retry_after`` at most 3600 s, the
  advertised ``rate_limit`` of throttle faults at most 1,000,000, at most 10,000 scripted
  faults queued; the server-side rate limit is 1 to 100,000 per second;
* at most 10,000 tokens are kept: expired ones are evicted first, then the oldest;
* a client that disconnects mid-request is logged at DEBUG only (it is not an error).

Configurable choices where the reference is silent (``SandboxConfig``; defaults first):

* Token lifetime: no ``expires_in`` and no expiry; or ``token_expires_in=N`` to send
  ``expires_in``/``scope`` and expire tokens after N seconds.
* 401 versus 400 when both the token and ``Accept-Version`` are bad: 401 first
  (``auth_checked_first``).
* Accepted versions: ``{"1.0.0"}``; any other value is 400 ``Unsupported API version``.
* Unknown or removed products in a pricing request: 400 (``require_known_products``), or
  left out of the response.
* Limits: 366 days per pricing request, 48 ``times``, 10 MiB per body.

Fixed choices, documented in the module that makes them: a batch with one invalid event is
rejected whole and nothing of it is applied (``_app``); events for never-seen products change
nothing, and an omitted optional key means ``null`` (``_state``); ``times: []`` is rejected,
send ``null`` (``_validation``); the API endpoints want ``Content-Type: application/json``
(415 otherwise); the token endpoint checks ``grant_type`` before the credentials.
"""

from convictional_async.core.sandbox import FixedWindowLimiter

from ._app import create_app
from ._catalogue import STARTER_CATALOGUE, StarterProduct, add_starter_catalogue
from ._config import SandboxConfig
from ._faults import FAULT_KINDS, FAULT_TARGETS, FaultKind, Faults
from ._server import ClientOptions, Sandbox, serve
from ._state import IssuedToken, Product, RequestRecord, SandboxState, TokenStatus

__all__ = [
    "FAULT_KINDS",
    "FAULT_TARGETS",
    "STARTER_CATALOGUE",
    "ClientOptions",
    "FaultKind",
    "Faults",
    "FixedWindowLimiter",
    "IssuedToken",
    "Product",
    "RequestRecord",
    "Sandbox",
    "SandboxConfig",
    "SandboxState",
    "StarterProduct",
    "TokenStatus",
    "add_starter_catalogue",
    "create_app",
    "serve",
]
