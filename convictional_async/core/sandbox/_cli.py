"""The command-line flags every ``... sandbox`` command shares, and running until Ctrl-C.

``add_server_arguments`` adds ``--host``, ``--port``, ``--latency``, ``--error-rate``,
``--drop-rate``, ``--throttle-rate`` and ``--rate-limit``; ``fault_settings`` turns the parsed
fault flags into ``Faults`` keyword arguments (so their bounds are checked there, raising
``ValueError``); ``run_until_interrupted`` serves until Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from collections.abc import Coroutine
from typing import Any, TypedDict

__all__ = ["FaultFlags", "add_server_arguments", "fault_settings", "run_until_interrupted"]


class FaultFlags(TypedDict):
    """The fault flags of a ``sandbox`` command, as ``Faults`` keyword arguments."""

    latency: float
    error_rate: float
    drop_rate: float
    throttle_rate: float


def add_server_arguments(
    parser: argparse.ArgumentParser,
    *,
    default_port: int,
    default_rate_limit: int | None,
    rate_limit_help: str,
) -> None:
    """Add the shared server and fault flags to a ``sandbox`` sub-command."""
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=default_port)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added per request")
    parser.add_argument("--error-rate", type=float, default=0.0, help="share of 503 answers")
    parser.add_argument("--drop-rate", type=float, default=0.0, help="share of dropped requests")
    parser.add_argument("--throttle-rate", type=float, default=0.0, help="share of 429 answers")
    parser.add_argument("--rate-limit", type=int, default=default_rate_limit, help=rate_limit_help)


def fault_settings(args: argparse.Namespace) -> FaultFlags:
    """Return the fault flags as keyword arguments for a ``Faults`` subclass."""
    return {
        "latency": args.latency,
        "error_rate": args.error_rate,
        "drop_rate": args.drop_rate,
        "throttle_rate": args.throttle_rate,
    }


def run_until_interrupted(serving: Coroutine[Any, Any, None]) -> None:
    """Run ``serving`` in a new event loop until it ends or Ctrl-C is pressed."""
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serving)
