"""Running the Convictional sandbox on a local TCP port, in-process or from the CLI."""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from convictional_async.core.sandbox import ApiSandbox, serve_until_cancelled

from ._app import create_app
from ._config import SandboxConfig
from ._faults import Faults
from ._state import SandboxState

__all__ = ["Sandbox", "serve"]


class Sandbox(ApiSandbox[SandboxConfig, Faults, SandboxState]):
    """A local, in-process emulator of the Convictional Seller, Shared and Buyer APIs.

    Example::

        async with Sandbox() as sandbox:
            headers = {"Authorization": sandbox.buyer_key}
            async with session.get(f"{sandbox.url}/buyer/products", headers=headers) as r:
                ...
            sandbox.faults.inject("drop_after", target="POST /buyer/orders")
    """

    def __init__(
        self,
        config: SandboxConfig | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        faults: Faults | None = None,
    ) -> None:
        config = config if config is not None else SandboxConfig()
        state = SandboxState(config)
        faults = faults if faults is not None else Faults()
        super().__init__(config, faults, state, state.limiter, host=host, port=port)

    @property
    def buyer_key(self) -> str:
        """The API key of the seeded buyer (current, after any roll)."""
        return self._state.buyer_user.api_key

    @property
    def seller_key(self) -> str:
        """The API key of the first seeded seller."""
        return self._state.seller_users[0].api_key

    @property
    def seller_keys(self) -> tuple[str, ...]:
        """The API keys of every seeded seller, in seller order."""
        return tuple(user.api_key for user in self._state.seller_users)

    def create_app(self) -> web.Application:
        """Build the Convictional application around this sandbox's state and faults."""
        return create_app(self._state, self._faults, host=self.host)


async def serve(
    config: SandboxConfig | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = 8080,
    faults: Faults | None = None,
    on_ready: Callable[[Sandbox], object] | None = None,
) -> None:
    """Run a sandbox until cancelled; ``on_ready`` is called with it once it listens."""
    await serve_until_cancelled(Sandbox(config, host=host, port=port, faults=faults), on_ready)
