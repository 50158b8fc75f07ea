"""ConviousClient processes sharing one Redis: one login, one re-login after a 401, one budget."""

from __future__ import annotations

import inspect

import pytest
from redis_support import RedisServer, run_workers

from convious import ConviousClient
from convious.sandbox import Sandbox

pytestmark = pytest.mark.skipif(
    "token_cache" not in inspect.signature(ConviousClient).parameters,
    reason="ConviousClient does not take token_cache= yet (issue 10: the _client.py change)",
)


async def test_client_processes_share_one_token_one_relogin_and_one_budget(
    redis_server: RedisServer, prefix
):
    async with Sandbox(rate_limit=5) as sandbox:
        sandbox.add_product("adult", "Adult ticket", max_accepted_price="20.00")
        task = {"kind": "client", "options": sandbox.client_options(), "count": 2, "rate": 5}
        cold = await run_workers(redis_server.url, [task] * 3, barrier=f"{prefix}:cold")
        assert sandbox.state.token_requests == 1
        sandbox.revoke_tokens()
        revoked = await run_workers(redis_server.url, [task] * 3, barrier=f"{prefix}:revoked")
        assert sandbox.state.token_requests == 2  # one re-login for all three processes
        assert sum(r["auth_replays"] for r in revoked) >= 1
        assert sandbox.state.rate_limited == 0
    assert sum(r["token_requests"] for r in cold + revoked) == 2
    assert all(r["rate_limited"] == 0 for r in cold + revoked)
