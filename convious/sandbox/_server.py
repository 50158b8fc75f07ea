"""Running the Convious sandbox on a local TCP port, in-process or from a CLI.

The kit's ``SandboxServer`` does the serving. ``Sandbox(rate_limit=N)`` (or
``serve(rate_limit=N)``, ``convious sandbox --rate-limit N``) turns on the server-side rate
limit (the kit's ``FixedWindowLimiter``); ``Sandbox.rate_limit`` changes it while the sandbox
runs. Requests must address the sandbox by its own host and port (the kit's guard).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TypedDict

from aiohttp import web

from convictional_async.core.sandbox import ApiSandbox, serve_until_cancelled

from ._app import create_app
from ._catalogue import add_starter_catalogue
from ._config import SandboxConfig
from ._faults import Faults
from ._state import Product, SandboxState


class ClientOptions(TypedDict):
    """Keyword arguments that point a ``ConviousClient`` at a sandbox."""

    identity_url: str
    inventory_url: str
    pricer_url: str
    client_id: str
    client_secret: str


__all__ = ["Sandbox", "serve"]


class Sandbox(ApiSandbox[SandboxConfig, Faults, SandboxState]):
    """A local, in-process emulator of the Convious identity, inventory and pricer APIs.

    Example::

        async with Sandbox() as sandbox:
            sandbox.add_product("adult", "Adult ticket", max_accepted_price="20.00")
            client = ConviousClient(**sandbox.client_options())
            ...
            sandbox.faults.inject("unauthorized")  # the next API call gets a 401
            sandbox.rate_limit = 5  # then at most 5 API requests per second per client
    """

    def __init__(
        self,
        config: SandboxConfig | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        faults: Faults | None = None,
        rate_limit: int | None = None,
    ) -> None:
        config = config if config is not None else SandboxConfig()
        state = SandboxState(clock=config.clock)
        faults = faults if faults is not None else Faults()
        super().__init__(config, faults, state, state.rate_limiter, host=host, port=port)
        self.rate_limit = rate_limit

    def create_app(self) -> web.Application:
        """Build the Convious application around this sandbox's config, state and faults."""
        return create_app(self._config, self._state, self._faults, host=self.host)

    def revoke_tokens(self) -> int:
        """Revoke every issued token, so clients get 401 and must log in again."""
        return self._state.revoke_tokens()

    def add_product(
        self,
        reference: str,
        name: str,
        *,
        max_accepted_price: Decimal | str,
        min_accepted_price: Decimal | str | None = None,
        average_target_price: Decimal | str | None = None,
        box_office_price: Decimal | str | None = None,
        availability: int | None = None,
    ) -> Product:
        """Create or replace a product, as a ``ProductCreated`` event would."""
        return self._state.add_product(
            reference,
            name,
            max_accepted_price=max_accepted_price,
            min_accepted_price=min_accepted_price,
            average_target_price=average_target_price,
            box_office_price=box_office_price,
            availability=availability,
        )

    def client_options(self) -> ClientOptions:
        """Return keyword arguments pointing an SDK client at this sandbox."""
        client_id, client_secret = self._config.first_client
        return {
            "identity_url": self.url,
            "inventory_url": self.url,
            "pricer_url": self.url,
            "client_id": client_id,
            "client_secret": client_secret,
        }


async def serve(
    config: SandboxConfig | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = 8080,
    faults: Faults | None = None,
    rate_limit: int | None = None,
    starter_catalogue: bool = True,
    on_ready: Callable[[Sandbox], object] | None = None,
) -> None:
    """Run a sandbox until cancelled; ``on_ready`` is called with it once it listens.

    It serves the starter catalogue (``STARTER_CATALOGUE``) unless ``starter_catalogue``
    is False.
    """
    sandbox = Sandbox(config, host=host, port=port, faults=faults, rate_limit=rate_limit)
    if starter_catalogue:
        add_starter_catalogue(sandbox.state)
    await serve_until_cancelled(sandbox, on_ready)
