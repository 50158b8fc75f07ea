"""The main job (``convious demo``) and the ``convious`` command line."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest

from convious._cli import main
from convious._demo import DemoOptions, format_summary, plan_lookups, run_demo
from convious._report import _inventory_line


async def test_demo_rides_through_faults_and_a_revocation():
    options = DemoOptions(lookups=300, concurrency=50, error_rate=0.05, drop_rate=0.02)
    summary = await run_demo(options, progress=io.StringIO())
    assert (summary.succeeded, summary.failed) == (300, 0)
    assert summary.metrics["token_requests"] == 2  # first login + re-login after revocation
    assert summary.metrics["auth_replays"] >= 1
    assert summary.metrics["retries"] >= 1
    assert summary.server["token_requests"] == 2
    assert summary.prices > 300
    assert summary.events["catalogue"] == 6
    assert summary.events["delivered"] == summary.events["sent"] == 6 + summary.events["updates"]
    assert summary.events["updates"] >= 60
    scarcity = summary.scarcity
    assert (scarcity.product, scarcity.seats_before, scarcity.seats_after) == ("vip", 12, 1)
    assert scarcity.price_after > scarcity.price_before  # fewer seats, higher price
    text = format_summary(summary)
    assert f"vip on {scarcity.day}: EUR {scarcity.price_before:.2f} with 12 left, " in text
    assert "300 ok, 0 failed" in text
    assert "p99" in text
    assert "sample price" in text


def test_the_plan_is_reproducible_and_repeats_some_lookups():
    options = DemoOptions(lookups=400)
    first = plan_lookups(options, ["a", "b", "c"])
    assert first == plan_lookups(options, ["a", "b", "c"])
    assert len(set(first)) < len(first)  # some visitors reload: coalescing has work to do


def test_real_mode_needs_products_and_credentials(monkeypatch, capsys):
    with pytest.raises(ValueError, match="--products"):
        DemoOptions(real=True)
    monkeypatch.delenv("CONVIOUS_CLIENT_ID", raising=False)
    monkeypatch.delenv("CONVIOUS_CLIENT_SECRET", raising=False)
    assert main(["demo", "--real", "--products", "adult", "--lookups", "1"]) == 2
    assert "CONVIOUS_CLIENT_ID" in capsys.readouterr().err


def test_invalid_numbers_are_reported_not_raised(capsys):
    assert main(["demo", "--lookups", "0"]) == 2
    assert "argument --lookups: must be an integer >= 1" in capsys.readouterr().err


def test_the_console_script_runs_the_demo():
    result = subprocess.run(
        [sys.executable, "-m", "convious", "demo", "--lookups", "60", "--concurrency", "20"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "60 ok, 0 failed" in result.stdout


@pytest.mark.parametrize(
    ("environ", "quiet", "printed"),
    [
        ({}, False, "a batch was not accepted\n"),  # Python's last-resort handler
        ({}, True, ""),
        ({"CONVIOUS_LOG": "info"}, True, "WARNING convious._batcher: a batch was not accepted"),
    ],
)
def test_the_demo_keeps_sdk_warnings_off_the_terminal_unless_logging_is_set_up(
    environ, quiet, printed
):
    code = (
        "import logging, convious._logs as logs\n"
        + ("logs.keep_quiet()\n" if quiet else "")
        + "logging.getLogger('convious._batcher').warning('a batch was not accepted')\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "CONVIOUS_LOG"} | environ
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env
    )
    assert result.returncode == 0, result.stderr
    assert (printed in result.stderr) if printed else result.stderr == ""


def test_the_summary_counts_failed_batch_attempts():
    events = {"catalogue": 6, "updates": 4, "sent": 10, "delivered": 10, "batches": 3}
    assert _inventory_line(events).endswith("10 of 10 events delivered in 3 batches")
    events["retried"] = 1
    assert _inventory_line(events).endswith("in 3 batches (1 failed attempt retried)")
    events["retried"] = 2
    assert _inventory_line(events).endswith("in 3 batches (2 failed attempts retried)")
