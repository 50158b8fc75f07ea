"""Fixtures for the kit tests: a running shop sandbox and a plain aiohttp session."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from kit_shop import ShopSandbox


@pytest.fixture
async def shop() -> AsyncIterator[ShopSandbox]:
    async with ShopSandbox() as running:
        yield running


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as client:
        yield client
