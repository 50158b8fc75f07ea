"""The ``convious`` command: ``demo``, ``events validate|publish`` and ``sandbox``.

Every mistake on the command line ends in one line on stderr naming the flag as typed and
exit status 2; a sandbox that cannot listen (port in use, host that does not resolve) ends
in one line and exit status 1. No traceback either way.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeAlias

from convictional_async.core._options import VERSION
from convictional_async.core.sandbox import MAX_LATENCY, MAX_RATE_LIMIT
from convictional_async.core.sandbox._cli import (
    MAX_PORT,
    CannotListenError,
    host_type,
    integer_type,
    number_type,
    run_until_interrupted,
)

from ._batcher import DEFAULT_CLOSE_TIMEOUT, DEFAULT_LINGER, DEFAULT_MAX_BATCH_SIZE
from ._client import ConviousClient
from ._demo import REAL_CONCURRENCY, REAL_LOOKUPS, DemoOptions, main_demo
from ._lanes import MAX_BATCH_SIZE
from ._logs import keep_quiet
from ._publish import PublishSummary, format_publish, publish_file, validate_file

if TYPE_CHECKING:
    from .sandbox import Sandbox

DESCRIPTION = (
    "The Convious SDK's command line. 'demo' runs thousands of concurrent price lookups "
    "through the SDK, 'events' validates or publishes a JSON Lines file of inventory events, "
    "and 'sandbox' serves a local emulator of the Convious APIs."
)
MAX_LINGER = 60.0
"""The longest ``--linger`` accepted, in seconds."""
MAX_CLOSE_TIMEOUT = 3600.0
"""The longest ``--close-timeout`` accepted, in seconds."""
_DEMO = DemoOptions()
Commands: TypeAlias = "argparse._SubParsersAction[_Parser]"


_COMMANDS: dict[str, tuple[str, str]] = {
    "demo": (
        "run thousands of concurrent price lookups (embedded sandbox by default)",
        "Run concurrent price lookups through the SDK and print a summary. "
        "With --real, use CONVIOUS_CLIENT_ID / CONVIOUS_CLIENT_SECRET against the real API.",
    ),
    "events": (
        "validate or publish a JSON Lines file of inventory events",
        "Check or send a JSON Lines file of inventory events (one envelope "
        '{"type": ..., "payload": ...} per line).',
    ),
    "validate": (
        "check every line of FILE.jsonl",
        "Check every line of FILE.jsonl against the wire contract, reporting "
        "each invalid line, unknown field and price sent as a JSON number.",
    ),
    "publish": (
        "stream FILE.jsonl through the event batcher",
        "Validate FILE.jsonl, then stream it through the event batcher to the "
        "API named by CONVIOUS_CLIENT_ID / CONVIOUS_CLIENT_SECRET (and optionally "
        "CONVIOUS_INVENTORY_URL / CONVIOUS_IDENTITY_URL), or to an embedded sandbox with "
        "--sandbox. Events that fail are written to a file that can be published again.",
    ),
    "sandbox": (
        "run the Convious sandbox server until interrupted",
        "Serve the local Convious emulator (identity, inventory and pricer) "
        "with a starter catalogue, and print how to point a client at it.",
    ),
}
"""Each command's one-line help and its description."""


class CommandError(Exception):
    """A command that cannot run; ``main`` prints it as one line and exits with ``status``."""

    def __init__(self, message: str, *, status: int = 2) -> None:
        super().__init__(message)
        self.status = status


class _Parser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors are one line (no usage block, no exit here)."""

    def error(self, message: str) -> NoReturn:
        """Raise the error for ``main`` to print."""
        raise CommandError(f"{self.prog}: error: {message} (see {self.prog} --help)")


def _input_file(text: str) -> Path:
    """An argparse type: an existing file (not a directory)."""
    path = Path(text)
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a directory; give a .jsonl file")
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"no such file: {text}")
    return path


def _output_file(text: str) -> Path:
    """An argparse type: a file that can be written (not a directory)."""
    path = Path(text)
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a directory; give a file name")
    if not path.parent.is_dir():
        raise argparse.ArgumentTypeError(f"no such directory: {path.parent}")
    return path


_share = number_type(1.0)
_latency = number_type(MAX_LATENCY)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="convious", description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"%(prog)s {VERSION}")
    commands = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", help="one of:"
    )
    _add_demo(commands)
    _add_events(commands)
    _add_sandbox(commands)
    return parser


def _command(
    commands: Commands, name: str, *, run: Callable[[argparse.Namespace], int] | None = None
) -> _Parser:
    """Add a command (or an action of one) that ``run`` carries out."""
    help, description = _COMMANDS[name]
    parser = commands.add_parser(name, help=help, description=description)
    if run is not None:
        parser.set_defaults(run=run)
    return parser


def _option(parser: argparse.ArgumentParser, *flags: str, help: str, **options: Any) -> None:
    """Add an option whose help ends with its default (when it has one worth showing)."""
    default = options.get("default")
    if default is not None and default is not False and "(default:" not in help:
        help = f"{help} (default: %(default)s)"
    parser.add_argument(*flags, help=help, **options)


def _add_demo(commands: Commands) -> None:
    demo = _command(commands, "demo", run=_demo)
    _option(
        demo,
        "--lookups",
        type=integer_type(1),
        metavar="N",
        help=f"price lookups to run (default: {_DEMO.lookups}; {REAL_LOOKUPS} with --real)",
    )
    _option(
        demo,
        "--concurrency",
        type=integer_type(1),
        metavar="N",
        help=f"lookups in flight at once (default: {_DEMO.concurrency}; "
        f"{REAL_CONCURRENCY} with --real)",
    )
    _option(demo, "--real", action="store_true", help="use the real Convious API")
    _option(
        demo,
        "--products",
        default=os.environ.get("CONVIOUS_DEMO_PRODUCTS", ""),
        help="comma-separated product references, required with --real "
        "(default: $CONVIOUS_DEMO_PRODUCTS, else the demo catalogue)",
    )
    _add_rates(demo, error=_DEMO.error_rate, drop=_DEMO.drop_rate)
    _option(
        demo,
        "--latency",
        type=_latency,
        metavar="SECONDS",
        default=_DEMO.latency,
        help="seconds the sandbox adds to each request",
    )
    _option(demo, "--no-revoke", action="store_true", help="do not revoke tokens halfway")
    _option(demo, "--seed", type=int, default=_DEMO.seed, help="seed of the lookup plan")
    _option(
        demo,
        "-v",
        "--verbose",
        action="store_true",
        help="log every HTTP attempt and the SDK's warnings as they happen",
    )


def _add_events(commands: Commands) -> None:
    events = _command(commands, "events")
    actions = events.add_subparsers(dest="action", required=True, metavar="ACTION", help="one of:")
    validate = _command(actions, "validate", run=_validate)
    validate.add_argument("file", type=_input_file, help="the JSON Lines file of events")
    publish = _command(actions, "publish", run=_publish)
    publish.add_argument("file", type=_input_file, help="the JSON Lines file of events")
    _option(publish, "--sandbox", action="store_true", help="publish to an embedded sandbox")
    _option(
        publish,
        "--failed",
        type=_output_file,
        help="where failed events are written (default: FILE.failed.jsonl)",
    )
    _option(
        publish,
        "--batch-size",
        type=integer_type(1, MAX_BATCH_SIZE),
        metavar="N",
        default=DEFAULT_MAX_BATCH_SIZE,
        help="events per request at most",
    )
    _option(
        publish,
        "--linger",
        type=number_type(MAX_LINGER),
        metavar="SECONDS",
        default=DEFAULT_LINGER,
        help="seconds a batch waits to fill",
    )
    _option(
        publish,
        "--close-timeout",
        type=number_type(MAX_CLOSE_TIMEOUT),
        metavar="SECONDS",
        default=DEFAULT_CLOSE_TIMEOUT,
        help="seconds to keep retrying undelivered events after the last line",
    )


def _add_sandbox(commands: Commands) -> None:
    sandbox = _command(commands, "sandbox", run=_sandbox)
    _option(sandbox, "--host", type=host_type, default="127.0.0.1", help="address to listen on")
    _option(
        sandbox,
        "--port",
        type=integer_type(0, MAX_PORT),
        default=8080,
        help="TCP port, 0 for any free one",
    )
    _option(sandbox, "--empty", action="store_true", help="start with no products")
    _option(
        sandbox,
        "--expires-in",
        type=integer_type(1),
        metavar="SECONDS",
        help="token lifetime in seconds (default: tokens never expire)",
    )
    _option(
        sandbox,
        "--latency",
        type=_latency,
        metavar="SECONDS",
        default=0.0,
        help="seconds added to each request",
    )
    _add_rates(sandbox, error=0.0, drop=0.0, throttle=0.0)
    _option(
        sandbox,
        "--rate-limit",
        type=integer_type(1, MAX_RATE_LIMIT),
        metavar="N",
        help="API requests per second per client; more get 429 (default: no limit)",
    )


def _add_rates(parser: argparse.ArgumentParser, **defaults: float) -> None:
    """Add ``--error-rate``, ``--drop-rate`` (and ``--throttle-rate``): shares of requests."""
    answers = {"error": "503 answers", "drop": "dropped requests", "throttle": "429 answers"}
    for kind, default in defaults.items():
        help = f"share of {answers[kind]}"
        _option(parser, f"--{kind}-rate", type=_share, metavar="SHARE", default=default, help=help)


def _demo(args: argparse.Namespace) -> int:
    if args.verbose:
        logging.basicConfig(level=logging.DEBUG, format="%(name)s: %(message)s")
    else:
        # The demo injects faults on purpose; the SDK's warnings about them (a batch sent
        # again after a 503) are counted in the report, not printed between the progress
        # lines. CONVIOUS_LOG or --verbose shows them.
        keep_quiet()
    lookups, concurrency = (REAL_LOOKUPS, REAL_CONCURRENCY) if args.real else (None, None)
    options = DemoOptions(
        lookups=args.lookups or lookups or _DEMO.lookups,
        concurrency=args.concurrency or concurrency or _DEMO.concurrency,
        real=args.real,
        products=tuple(p.strip() for p in args.products.split(",") if p.strip()),
        error_rate=args.error_rate,
        drop_rate=args.drop_rate,
        latency=args.latency,
        revoke_halfway=not args.no_revoke,
        seed=args.seed,
    )
    return main_demo(options)


def _validate(args: argparse.Namespace) -> int:
    check = validate_file(args.file)
    for problem in check.problems:
        print(f"{args.file}: {problem}", file=sys.stderr)
    kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(check.counts.items())) or "none"
    print(f"{check.total:,} valid event(s) ({kinds}); {len(check.problems)} problem(s)")
    return 1 if check.problems else 0


def _publish(args: argparse.Namespace) -> int:
    summary, target = asyncio.run(_publish_to_target(args))
    print(format_publish(summary, target))
    return 0 if summary.complete else 1


async def _publish_to_target(args: argparse.Namespace) -> tuple[PublishSummary, str]:
    failed = args.failed or args.file.with_name(args.file.stem + ".failed.jsonl")
    async with contextlib.AsyncExitStack() as stack:
        if args.sandbox:
            from .sandbox import Sandbox

            sandbox = await stack.enter_async_context(Sandbox())
            client = ConviousClient(**sandbox.client_options())
            target = f"the embedded sandbox at {sandbox.url}"
        else:
            client = ConviousClient.from_env()
            target = str(client.inventory_url)
        await stack.enter_async_context(client)
        summary = await publish_file(
            args.file,
            client,
            failed_path=failed,
            max_batch_size=args.batch_size,
            linger=args.linger,
            close_timeout=args.close_timeout,
        )
        return summary, target
    raise AssertionError("unreachable")  # pragma: no cover


def _sandbox(args: argparse.Namespace) -> int:
    from .sandbox import Faults, SandboxConfig, serve

    config = SandboxConfig(token_expires_in=args.expires_in)
    faults = Faults(
        latency=args.latency,
        error_rate=args.error_rate,
        drop_rate=args.drop_rate,
        throttle_rate=args.throttle_rate,
    )
    serving = serve(
        config,
        host=args.host,
        port=args.port,
        faults=faults,
        rate_limit=args.rate_limit,
        starter_catalogue=not args.empty,
        on_ready=_print_banner,
    )
    try:
        run_until_interrupted(serving, prog="convious sandbox", host=args.host, port=args.port)
    except CannotListenError as exc:
        raise CommandError(str(exc), status=1) from None
    return 0


def _print_banner(sandbox: Sandbox) -> None:
    """Print where the sandbox listens and how to point a client at it."""
    options, url = sandbox.client_options(), sandbox.url
    products = ", ".join(sorted(sandbox.state.products)) or "none (--empty)"
    client_id, secret = options["client_id"], options["client_secret"]
    lines = [
        f"Convious sandbox listening on {url}",
        f"  products: {products}",
        f"  sandbox-only credentials: client_id={client_id} client_secret={secret}",
        "  point ConviousClient.from_env() at it:",
        f"    export CONVIOUS_CLIENT_ID={client_id} CONVIOUS_CLIENT_SECRET={secret}",
        f"    export CONVIOUS_IDENTITY_URL={url} CONVIOUS_INVENTORY_URL={url} "
        f"CONVIOUS_PRICER_URL={url}",
        f"  or pass identity_url={url!r}, inventory_url={url!r}, pricer_url={url!r}",
        f"  admin: {url}/_sandbox/stats; Ctrl-C to stop",
    ]
    print("\n".join(lines), flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``convious`` console script."""
    try:
        args = _parser().parse_args(argv)
        status: int = args.run(args)
    except CommandError as exc:
        print(exc, file=sys.stderr)
        return exc.status
    except ValueError as exc:
        print(f"convious: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a file that cannot be read or written
        print(f"convious: error: {exc}", file=sys.stderr)
        return 1
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
