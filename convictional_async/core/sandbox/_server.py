"""Running a sandbox application on a local TCP port, in-process or until cancelled.

``SandboxServer`` owns the ``aiohttp`` runner: ``async with`` (or ``start()``/``stop()``)
binds the host and port (port 0 picks a free one), ``url`` and ``port`` tell where it listens,
and ``stop()`` closes open connections without waiting for slow requests and is safe to call
twice. Each sandbox subclasses it and builds its application in ``create_app()``;
``ApiSandbox`` adds what every API's sandbox has: its settings, faults, state and rate limit.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from types import TracebackType
from typing import Final, Generic, Self, TypeVar

from aiohttp import web, web_app

from ._faults import Faults
from ._ratelimit import FixedWindowLimiter

__all__ = ["ApiSandbox", "SandboxServer", "serve_until_cancelled"]

_SHUTDOWN_TIMEOUT: Final = 0.5

ServerT = TypeVar("ServerT", bound="SandboxServer")
ConfigT = TypeVar("ConfigT")
FaultsT = TypeVar("FaultsT", bound=Faults)
StateT = TypeVar("StateT")


def _forget_served_apps() -> None:
    """Let a stopped sandbox be freed.

    aiohttp caches every (handler, applications) pair it has served in a module-level
    ``lru_cache`` of 1,024 entries (``aiohttp.web_app._cached_build_middleware``), which
    keeps a stopped sandbox, with its whole catalogue, alive until 1,024 others have
    pushed it out: a test suite that starts a sandbox per test grows by each. Emptying the
    cache frees them; servers still running rebuild their entries on their next request.
    """
    cache = getattr(web_app, "_cached_build_middleware", None)
    clear = getattr(cache, "cache_clear", None)
    if clear is not None:
        clear()


class SandboxServer:
    """A sandbox application served on ``host``:``port`` while running.

    Example::

        class ShopSandbox(SandboxServer):
            def create_app(self) -> web.Application:
                return build_shop_app(bound_host=self.host)

        async with ShopSandbox(host="127.0.0.1", port=0) as sandbox:
            print(sandbox.url)
    """

    def __init__(self, *, host: str, port: int) -> None:
        self._host = host
        self._port = port
        self._runner: web.AppRunner | None = None
        self._url: str | None = None

    @property
    def host(self) -> str:
        """The host the sandbox binds."""
        return self._host

    @property
    def url(self) -> str:
        """The base URL the sandbox listens on, e.g. ``http://127.0.0.1:54321``."""
        if self._url is None:
            raise RuntimeError(
                f"the sandbox is not running; use 'async with {type(self).__name__}()'"
            )
        return self._url

    @property
    def port(self) -> int:
        """The TCP port the sandbox listens on."""
        return int(self.url.rpartition(":")[2])

    def create_app(self) -> web.Application:
        """Build the application to serve; subclasses implement it."""
        raise NotImplementedError

    async def start(self) -> None:
        """Start serving; the real port is known once this returns."""
        if self._runner is not None:
            raise RuntimeError("the sandbox is already running")
        runner = web.AppRunner(
            self.create_app(), access_log=None, shutdown_timeout=_SHUTDOWN_TIMEOUT
        )
        await runner.setup()
        try:
            await web.TCPSite(runner, self._host, self._port).start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        port = runner.addresses[0][1]
        host = f"[{self._host}]" if ":" in self._host else self._host
        self._url = f"http://{host}:{port}"

    async def stop(self) -> None:
        """Stop serving and close open connections; safe to call twice."""
        runner, self._runner, self._url = self._runner, None, None
        if runner is not None:
            await runner.cleanup()
            _forget_served_apps()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()


class ApiSandbox(SandboxServer, Generic[ConfigT, FaultsT, StateT]):
    """A sandbox of one API: immutable settings, live faults and state, a server-side limit.

    Example::

        class ShopSandbox(ApiSandbox[ShopConfig, ShopFaults, ShopState]):
            def __init__(self, config: ShopConfig) -> None:
                state = ShopState(config)
                super().__init__(config, ShopFaults(), state, state.limiter,
                                 host="127.0.0.1", port=0)
    """

    def __init__(
        self,
        config: ConfigT,
        faults: FaultsT,
        state: StateT,
        limiter: FixedWindowLimiter,
        *,
        host: str,
        port: int,
    ) -> None:
        super().__init__(host=host, port=port)
        self._config = config
        self._faults = faults
        self._state = state
        self._limiter = limiter

    @property
    def config(self) -> ConfigT:
        """The immutable settings of this sandbox."""
        return self._config

    @property
    def faults(self) -> FaultsT:
        """The live fault settings; change them at any time."""
        return self._faults

    @property
    def state(self) -> StateT:
        """The live state of the emulated API: its data, counters and request records."""
        return self._state

    @property
    def rate_limit(self) -> int | None:
        """API requests per key in each 1-second window, or None when the limit is off."""
        return self._limiter.limit

    @rate_limit.setter
    def rate_limit(self, value: int | None) -> None:
        self._limiter.limit = value


async def serve_until_cancelled(
    server: ServerT, on_ready: Callable[[ServerT], object] | None = None
) -> None:
    """Run ``server`` until cancelled; ``on_ready`` is called with it once it listens."""
    async with server:
        if on_ready is not None:
            on_ready(server)
        await asyncio.Event().wait()
