"""Fixtures for the Convictional sandbox tests: a running sandbox, a fake clock, plain aiohttp."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest
from convictional_sandbox_api import Api, FakeClock

from convictional_async.sandbox import Sandbox, SandboxConfig


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as client:
        yield client


@pytest.fixture
async def sandbox(clock: FakeClock) -> AsyncIterator[Sandbox]:
    """A sandbox with the default world, no rate limit and a fake clock."""
    async with Sandbox(SandboxConfig(rate_limit=None, clock=clock)) as running:
        yield running


@pytest.fixture
def api(sandbox: Sandbox, session: aiohttp.ClientSession) -> Api:
    return Api(sandbox, session)


@pytest.fixture
def make_api(session: aiohttp.ClientSession) -> Callable[[Sandbox], Api]:
    """Build an ``Api`` helper for a sandbox the test starts itself."""
    return lambda sandbox: Api(sandbox, session)


@pytest.fixture
def make_sandbox(clock: FakeClock) -> Callable[..., Sandbox]:
    """Build a sandbox with the fake clock, no rate limit unless given, and other settings."""

    def build(**settings: Any) -> Sandbox:
        settings.setdefault("rate_limit", None)
        return Sandbox(SandboxConfig(clock=clock, **settings))

    return build
