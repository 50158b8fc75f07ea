"""A local emulator of the Convictional (Modern Dropship) API, for tests without an account.

Example::

    from convictional_async.sandbox import Sandbox, SandboxConfig

    async with Sandbox(SandboxConfig(rate_limit=None)) as sandbox:
        url, key = sandbox.url, sandbox.buyer_key   # send the key raw in Authorization
        sandbox.faults.inject("drop_after", target="POST /buyer/orders")

Built on the sandbox kit (``convictional_async.core.sandbox``: guard, faults, request ids,
recording, rate limiter, runner) and independent of the client: it imports only the kit and
its own contract code.

What is emulated (reference sections 2 to 9):

* Accounts: one buyer company and ``SandboxConfig.sellers`` seller companies, one user and
  API key each (``Sandbox.buyer_key``, ``seller_key``, ``seller_keys``), all partnered.
  ``Authorization`` is the raw key (no scheme); missing or unknown is 401; a key of the
  wrong account type for the route is 403.
* A catalogue seeded from ``SandboxConfig.seed`` (``products``, default 300), priced for the
  buyer by the partnership's price list.
* Orders split into seller orders by seller, moving through posted, fulfilled (shipped),
  invoiced (billed) and refunded by the Seller endpoints, or by the clock
  (``auto_*_after``); the cancellation rules of section 9.1.
* Rate limit: ``rate_limit`` (default 5) requests per key per 1-second bucket of the clock;
  more get 429; ``X-Rate-Limit-Limit`` and ``X-Rate-Limit-Duration`` on every reply.
* Errors: the legacy ``{"error": ...}`` format, or ``{"errors": {field: [...]}}`` (422 for
  validation) with ``Enable-New-Errors: true`` (``SandboxConfig.errors``).
* ``X-Request-ID`` and ``Convictional-Version`` on every reply; versions by
  ``Accept: application/vnd.convictional.YYYY-MM-DD``.
* Envelopes and pagination of section 6 (``page`` from 0, ``limit`` at most 250).
* Switches for what section 15 leaves unknown (``SandboxConfig``), and the kit's faults on
  every route (``Faults``), the Host/Origin guard and admin endpoints under ``/_sandbox/``.
"""

from ._app import create_app
from ._config import SandboxConfig
from ._faults import Faults
from ._routes import ROUTE_TARGETS
from ._server import Sandbox, serve
from ._state import RequestRecord, SandboxState

__all__ = [
    "ROUTE_TARGETS",
    "Faults",
    "RequestRecord",
    "Sandbox",
    "SandboxConfig",
    "SandboxState",
    "create_app",
    "serve",
]
