"""Shared fixtures. The aioresponses workaround for aiohttp >= 3.14 lives here and only here."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any
from unittest import mock

import aioresponses.core
import pytest
from aiohttp import ClientResponse, web
from yarl import URL

from convictional_async.core.sandbox._server import _forget_served_apps as forget_served_apps


class _CompatClientResponse(ClientResponse):
    """aiohttp 3.14 made ``stream_writer`` a required keyword of ``ClientResponse``.

    aioresponses 0.7.9 (the latest) does not pass it (pnuckowski/aioresponses#289; the
    fix, PR #288, is unmerged), so every mocked request fails with a ``TypeError``. This
    supplies the stand-in that PR #288 uses. Limitation: mocked bodies must stay under
    64 KiB (the second 3.14 breakage, PR #292), which every mocked test here does.
    """

    def __init__(self, method: str, url: Any, **kwargs: Any) -> None:
        kwargs.setdefault("stream_writer", mock.Mock(output_size=0))
        super().__init__(method, url, **kwargs)


_NEEDS_SHIM = "stream_writer" in inspect.signature(ClientResponse.__init__).parameters


@pytest.fixture
def mock_http() -> Iterator[aioresponses.aioresponses]:
    """aioresponses, made to work on aiohttp 3.14; unmatched URLs fail the request."""
    with (
        mock.patch.object(
            aioresponses.core,
            "ClientResponse",
            _CompatClientResponse if _NEEDS_SHIM else ClientResponse,
        ),
        aioresponses.aioresponses() as mocked,
    ):
        yield mocked


@pytest.fixture
async def serve() -> AsyncIterator[Callable[..., Awaitable[URL]]]:
    """``await serve(app)``: run an ``aiohttp.web`` app on 127.0.0.1 for this test; its base
    URL. Slow handlers do not hold up the teardown (shutdown_timeout 0.01 s)."""
    runners: list[web.AppRunner] = []

    async def start(app: web.Application) -> URL:
        runner = web.AppRunner(app, shutdown_timeout=0.01)
        await runner.setup()
        runners.append(runner)
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        return URL(f"http://127.0.0.1:{runner.addresses[0][1]}")

    yield start
    for runner in reversed(runners):
        await runner.cleanup()


@pytest.fixture(params=["direct", "session.request"])
def aiohttp_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test on both of the transport's ways into aiohttp: its direct path below
    ``ClientSession.request`` (on its own session) and ``session.request`` itself."""
    from convictional_async.core import _transport

    if request.param == "session.request":
        monkeypatch.setattr(_transport, "_DIRECT", False)
    elif not _transport._DIRECT:
        pytest.skip("this aiohttp release has no direct path")
    return str(request.param)


@pytest.fixture(autouse=True)
def _forget_served_apps() -> Iterator[None]:
    """Let each test's servers be freed when it ends, sandboxes or not (the plain
    ``aiohttp.web`` apps of ``serve`` included): aiohttp's module-level middleware cache
    would keep up to 1,024 of them alive, and every full garbage collection walk them all.
    The sandbox kit's ``stop()`` does the same for sandboxes."""
    yield
    forget_served_apps()
