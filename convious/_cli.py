"""The ``convious`` command: ``convious demo`` (the main job) and ``convious sandbox``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from convictional_async.core._options import VERSION

from ._client import ConviousClient
from ._demo import DemoOptions, main_demo
from ._publish import PublishSummary, format_publish, publish_file, validate_file


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="convious", description=__doc__)
    parser.add_argument("--version", action="version", version=f"%(prog)s {VERSION}")
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser(
        "demo",
        help="run thousands of concurrent price lookups (embedded sandbox by default)",
        description="Run concurrent price lookups through the SDK and print a summary. "
        "With --real, use CONVIOUS_CLIENT_ID / CONVIOUS_CLIENT_SECRET against the real API.",
    )
    demo.add_argument("--lookups", type=int, default=None, help="default 3000 (50 with --real)")
    demo.add_argument("--concurrency", type=int, default=None, help="default 200 (10 with --real)")
    demo.add_argument("--real", action="store_true", help="use the real Convious API")
    demo.add_argument(
        "--products",
        default=os.environ.get("CONVIOUS_DEMO_PRODUCTS", ""),
        help="comma-separated product references (required with --real; "
        "default $CONVIOUS_DEMO_PRODUCTS)",
    )
    demo.add_argument("--error-rate", type=float, default=0.02, help="sandbox 503 rate")
    demo.add_argument("--drop-rate", type=float, default=0.005, help="sandbox dropped connections")
    demo.add_argument("--latency", type=float, default=0.002, help="sandbox latency in seconds")
    demo.add_argument("--no-revoke", action="store_true", help="do not revoke tokens halfway")
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("-v", "--verbose", action="store_true", help="log every HTTP attempt")

    events = commands.add_parser("events", help="validate or publish a JSON Lines file of events")
    actions = events.add_subparsers(dest="action", required=True)
    validate = actions.add_parser("validate", help="check every line of FILE.jsonl")
    validate.add_argument("file", type=Path)
    publish = actions.add_parser(
        "publish",
        help="stream FILE.jsonl through the event batcher",
        description="Validate FILE.jsonl, then stream it through the event batcher to the "
        "API named by CONVIOUS_CLIENT_ID / CONVIOUS_CLIENT_SECRET (and optionally "
        "CONVIOUS_INVENTORY_URL / CONVIOUS_IDENTITY_URL), or to an embedded sandbox with "
        "--sandbox. Events that fail are written to a file that can be published again.",
    )
    publish.add_argument("file", type=Path)
    publish.add_argument("--sandbox", action="store_true", help="publish to an embedded sandbox")
    publish.add_argument("--failed", type=Path, default=None, help="default FILE.failed.jsonl")
    publish.add_argument("--batch-size", type=int, default=500)
    publish.add_argument("--linger", type=float, default=0.05)

    sandbox = commands.add_parser(
        "sandbox",
        help="run the Convious sandbox server until interrupted",
        description="Serve the local Convious emulator (identity, inventory and pricer).",
    )
    sandbox.add_argument("--host", default="127.0.0.1")
    sandbox.add_argument("--port", type=int, default=8080)
    sandbox.add_argument("--expires-in", type=int, default=None, help="token lifetime (s)")
    sandbox.add_argument("--latency", type=float, default=0.0)
    sandbox.add_argument("--error-rate", type=float, default=0.0)
    sandbox.add_argument("--drop-rate", type=float, default=0.0)
    sandbox.add_argument("--throttle-rate", type=float, default=0.0)
    sandbox.add_argument(
        "--rate-limit",
        type=int,
        default=None,
        help="API requests per second per client; more get 429 (default: no limit)",
    )
    return parser


def _demo(args: argparse.Namespace) -> int:
    if args.verbose:
        logging.basicConfig(level=logging.DEBUG, format="%(name)s: %(message)s")
    lookups, concurrency = args.lookups, args.concurrency
    options = DemoOptions(
        lookups=(50 if args.real else 3000) if lookups is None else lookups,
        concurrency=(10 if args.real else 200) if concurrency is None else concurrency,
        real=args.real,
        products=tuple(p.strip() for p in args.products.split(",") if p.strip()),
        error_rate=args.error_rate,
        drop_rate=args.drop_rate,
        latency=args.latency,
        revoke_halfway=not args.no_revoke,
        seed=args.seed,
    )
    return main_demo(options)


def _events(args: argparse.Namespace) -> int:
    if not args.file.is_file():
        raise ValueError(f"no such file: {args.file}")
    if args.action == "validate":
        check = validate_file(args.file)
        for problem in check.problems:
            print(f"{args.file}: {problem}", file=sys.stderr)
        kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(check.counts.items())) or "none"
        print(f"{check.total:,} valid event(s) ({kinds}); {len(check.problems)} problem(s)")
        return 1 if check.problems else 0
    failed = args.failed or args.file.with_name(args.file.stem + ".failed.jsonl")
    summary, target = asyncio.run(_publish(args, failed))
    print(format_publish(summary, target))
    return 0 if summary.failed_path is None else 1


async def _publish(args: argparse.Namespace, failed: Path) -> tuple[PublishSummary, str]:
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
        )
        return summary, target
    raise AssertionError("unreachable")  # pragma: no cover


def _sandbox(args: argparse.Namespace) -> int:
    from .sandbox import Faults, Sandbox, SandboxConfig, serve

    config = SandboxConfig(token_expires_in=args.expires_in)
    faults = Faults(
        latency=args.latency,
        error_rate=args.error_rate,
        drop_rate=args.drop_rate,
        throttle_rate=args.throttle_rate,
    )

    def ready(sandbox: Sandbox) -> None:
        options = sandbox.client_options()
        print(f"Convious sandbox listening on {sandbox.url}", flush=True)
        print(
            f"  client_id={options['client_id']} client_secret={options['client_secret']} "
            "(sandbox-only credentials)",
            flush=True,
        )
        print(f"  admin: {sandbox.url}/_sandbox/stats; Ctrl-C to stop", flush=True)

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(
            serve(
                config,
                host=args.host,
                port=args.port,
                faults=faults,
                rate_limit=args.rate_limit,
                on_ready=ready,
            )
        )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``convious`` console script."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "demo":
            return _demo(args)
        if args.command == "events":
            return _events(args)
        return _sandbox(args)
    except ValueError as exc:
        print(f"convious: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
