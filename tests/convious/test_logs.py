"""``CONVIOUS_LOG=debug|info`` turns on the SDK's logging when ``convious`` is imported."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from convious._logs import LOGGERS, configure_from_env

LOOKUP = """
import asyncio, datetime
from convious import ConviousClient
from convious.sandbox import Sandbox

async def main():
    async with Sandbox() as sandbox:
        sandbox.add_product("ticket-adult", "Adult", max_accepted_price="20.00")
        async with ConviousClient(**sandbox.client_options()) as client:
            day = datetime.date(2026, 12, 1)
            await client.pricing.get_prices(
                cookie_id="c-1", date_from=day, date_to=day,
                timezone="Europe/Amsterdam", products=[("ticket-adult", 1)])
    print("looked up")

asyncio.run(main())
"""


def run_lookup(log: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CONVIOUS_LOG"}
    if log is not None:
        env["CONVIOUS_LOG"] = log
    return subprocess.run(
        [sys.executable, "-c", LOOKUP],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )


@pytest.fixture
def clean_loggers() -> Iterator[None]:
    saved = {
        name: (logging.getLogger(name).level, logging.getLogger(name).handlers[:])
        for name in LOGGERS
    }
    yield
    for name, (level, handlers) in saved.items():
        logging.getLogger(name).setLevel(level)
        logging.getLogger(name).handlers[:] = handlers


def test_debug_logs_every_attempt_on_stderr_without_the_secret() -> None:
    result = run_lookup("debug")
    assert result.returncode == 0, result.stderr
    assert "looked up" in result.stdout
    assert "DEBUG convious: POST http://127.0.0.1:" in result.stderr
    assert "/oauth/token/ -> 200" in result.stderr
    assert "/api/price/rtp -> 200" in result.stderr
    assert "sandbox-secret" not in result.stderr


def test_info_leaves_out_debug_records() -> None:
    result = run_lookup("INFO")
    assert result.returncode == 0, result.stderr
    assert "DEBUG" not in result.stderr


@pytest.mark.parametrize("value", [None, "", "verbose"])
def test_unset_or_unknown_configures_nothing(value: str | None) -> None:
    result = run_lookup(value)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


@pytest.mark.usefixtures("clean_loggers")
def test_applying_twice_attaches_one_handler() -> None:
    assert configure_from_env({"CONVIOUS_LOG": "debug"}) == logging.DEBUG
    before = [len(logging.getLogger(name).handlers) for name in LOGGERS]
    assert configure_from_env({"CONVIOUS_LOG": "info"}) == logging.INFO
    assert [len(logging.getLogger(name).handlers) for name in LOGGERS] == before
    assert all(logging.getLogger(name).level == logging.INFO for name in LOGGERS)
    assert configure_from_env({}) is None
