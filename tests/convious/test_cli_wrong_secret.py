"""With refused credentials, ``events publish`` and ``demo --real`` say what failed.

Each runs the console script in a subprocess against an in-process sandbox that knows the
client id but not the secret given.
"""

from __future__ import annotations

import asyncio
import os
import sys
from decimal import Decimal
from pathlib import Path

import attrs

from convious import Pricing, ProductCreated, write_events
from convious.sandbox import Sandbox

WRONG_SECRET = "not-the-secret"


@attrs.frozen
class Run:
    status: int | None
    stdout: str
    stderr: str
    url: str
    token_requests: int


async def run_with_wrong_secret(*argv: str) -> Run:
    """Run ``convious *argv`` with a wrong secret for every Convious URL of a sandbox."""
    async with Sandbox() as sandbox:
        urls = ("IDENTITY", "INVENTORY", "PRICER")
        env = {**os.environ, **{f"CONVIOUS_{name}_URL": sandbox.url for name in urls}}
        env.update(CONVIOUS_CLIENT_ID="sandbox-client", CONVIOUS_CLIENT_SECRET=WRONG_SECRET)
        process = await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "convious", *argv),
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(), 30)
        run = Run(
            process.returncode,
            out.decode(),
            err.decode(),
            sandbox.url,
            sandbox.state.token_requests,
        )
    assert WRONG_SECRET not in run.stdout + run.stderr
    return run


async def test_publish_says_what_failed(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    pricing = Pricing(max_accepted_price=Decimal(9))
    write_events(
        path,
        [ProductCreated(product_reference=f"p{i}", name="P", pricing=pricing) for i in range(3)],
    )
    # No --close-timeout: the login is checked first, so nothing waits the 30 s default.
    run = await run_with_wrong_secret("events", "publish", str(path))
    assert run.status == 1
    assert "Published to" not in run.stdout
    assert "3/3 events done" not in run.stderr
    assert f"Publishing to {run.url} failed: 3 of 3 not accepted" in run.stdout
    assert "error        login failed: authentication failed: the token endpoint" in run.stdout
    assert "invalid_client" in run.stdout
    assert (tmp_path / "events.failed.jsonl").read_text() == path.read_text()


async def test_demo_real_reports_the_refused_logins() -> None:
    run = await run_with_wrong_secret(
        "demo", "--real", "--products", "adult", "--lookups", "4", "--concurrency", "2"
    )
    assert run.status == 1
    assert "0 ok, 4 failed {'TokenRequestError': 4}" in run.stdout
    assert f"0 to the API, {run.token_requests} token request(s)" in run.stdout
    assert (
        "login failed     TokenRequestError: authentication failed: the token endpoint"
        in run.stdout
    )
    assert "latency          n/a (no lookup succeeded)" in run.stdout
    assert "(0 lookups/s)" in run.stdout
    assert "0/4 lookups done, 4 failed" in run.stderr
    assert "4/4 lookups done" not in run.stderr
