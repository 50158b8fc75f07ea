"""The command-line flags every ``... sandbox`` command shares, and running until Ctrl-C.

``add_server_arguments`` adds ``--host``, ``--port``, ``--latency``, ``--error-rate``,
``--drop-rate``, ``--throttle-rate`` and ``--rate-limit``, each typed and bounded so that a
bad value is one argparse error naming the flag; ``fault_settings`` turns the parsed fault
flags into ``Faults`` keyword arguments; ``run_until_interrupted`` serves until Ctrl-C, and
a sandbox that cannot listen (port in use, host that does not resolve) ends in one line.
``integer_type``, ``number_type`` and ``host_type`` are the argparse types, for any CLI.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import socket
from collections.abc import Callable, Coroutine
from typing import Any, TypedDict, TypeVar

from .._validate import integer, non_negative_number
from ._faults import MAX_LATENCY
from ._ratelimit import MAX_RATE_LIMIT

__all__ = [
    "MAX_PORT",
    "CannotListenError",
    "FaultFlags",
    "add_server_arguments",
    "fault_settings",
    "host_type",
    "integer_type",
    "listen_error",
    "number_type",
    "run_until_interrupted",
]

T = TypeVar("T")
MAX_PORT = 65_535


def _checked(convert: Callable[[str], T], check: Callable[[T], object], text: str) -> T:
    """``convert(text)``, refused by argparse (which names the flag) unless ``check`` passes."""
    try:
        value = convert(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    try:
        check(value)
    except ValueError as exc:  # the core's checks say "<name> must be ...": the name is ""
        raise argparse.ArgumentTypeError(str(exc).strip()) from None
    return value


def integer_type(low: int, high: int | None = None) -> Callable[[str], int]:
    """An argparse type: an integer from ``low`` to ``high``."""
    return lambda text: _checked(int, lambda value: integer("", value, low, high), text)


def number_type(high: float) -> Callable[[str], float]:
    """An argparse type: a number from 0 to ``high``."""
    return lambda text: _checked(float, lambda value: non_negative_number("", value, high), text)


def host_type(text: str) -> str:
    """An argparse type: a host name or address that can be looked up."""
    try:
        text.encode("idna")
    except UnicodeError:
        raise argparse.ArgumentTypeError(f"not a valid host name: {text!r}") from None
    return text


def listen_error(exc: OSError, prog: str, host: str, port: int) -> str:
    """One line saying why ``prog`` could not listen on ``host``:``port``."""
    prefix = f"{prog}: error: cannot listen on {host}:{port}"
    if isinstance(exc, socket.gaierror):
        return f"{prefix}: --host {host!r} does not resolve to an address"
    if exc.errno == errno.EADDRINUSE:
        return f"{prefix}: the port is in use (pick another --port, or --port 0 for a free one)"
    return f"{prefix}: {exc.strerror or exc}"


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
    share = number_type(1.0)
    parser.add_argument(
        "--host",
        type=host_type,
        default="127.0.0.1",
        help="address to listen on (default: %(default)s)",
    )
    parser.add_argument(
        "--port",
        type=integer_type(0, MAX_PORT),
        default=default_port,
        help="port to listen on, 0 for a free one (default: %(default)s)",
    )
    parser.add_argument(
        "--latency",
        type=number_type(MAX_LATENCY),
        default=0.0,
        help="seconds added per request (default: %(default)s)",
    )
    parser.add_argument(
        "--error-rate", type=share, default=0.0, help="share of 503 answers (default: %(default)s)"
    )
    parser.add_argument(
        "--drop-rate",
        type=share,
        default=0.0,
        help="share of dropped requests (default: %(default)s)",
    )
    parser.add_argument(
        "--throttle-rate",
        type=share,
        default=0.0,
        help="share of 429 answers (default: %(default)s)",
    )
    parser.add_argument(
        "--rate-limit",
        type=integer_type(1, MAX_RATE_LIMIT),
        default=default_rate_limit,
        help=rate_limit_help,
    )


def fault_settings(args: argparse.Namespace) -> FaultFlags:
    """Return the fault flags as keyword arguments for a ``Faults`` subclass."""
    return {
        "latency": args.latency,
        "error_rate": args.error_rate,
        "drop_rate": args.drop_rate,
        "throttle_rate": args.throttle_rate,
    }


class CannotListenError(Exception):
    """The sandbox could not listen; the message is one line for the user."""


def run_until_interrupted(
    serving: Coroutine[Any, Any, None], *, prog: str, host: str, port: int
) -> None:
    """Run ``serving`` in a new event loop until it ends or Ctrl-C is pressed; a server
    that cannot listen raises :class:`CannotListenError` (its message names the cause)."""
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(serving)
    except OSError as exc:
        raise CannotListenError(listen_error(exc, prog, host, port)) from None
