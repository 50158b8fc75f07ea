"""Fixtures shared by the Convious client tests: a sandbox with two products, and a client
on it that retries fast."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from convious import ConviousClient, RetryPolicy
from convious.sandbox import Faults, Sandbox

FAST_RETRY = RetryPolicy(max_retries=3, backoff_initial=0.001, backoff_max=0.01)


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox(faults=Faults(retry_after=0.01)) as sandbox:
        sandbox.add_product(
            "adult", "Adult", min_accepted_price="12.50", max_accepted_price="18.00"
        )
        sandbox.add_product("child", "Child", max_accepted_price="10.00", availability=5)
        yield sandbox


@pytest.fixture
async def client(sandbox: Sandbox) -> AsyncIterator[ConviousClient]:
    async with ConviousClient(**sandbox.client_options(), retry=FAST_RETRY) as client:
        yield client
