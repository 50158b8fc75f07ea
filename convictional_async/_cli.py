"""The ``convictional`` command: ``convictional sandbox`` serves the local Convictional emulator.

Example::

    convictional sandbox --port 8080 --products 1000 --errors new
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .core._options import VERSION
from .core.sandbox import (
    add_server_arguments,
    fault_settings,
    run_until_interrupted,
)
from .core.sandbox._cli import CannotListenError

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="convictional", description=__doc__)
    parser.add_argument("--version", action="version", version=f"%(prog)s {VERSION}")
    commands = parser.add_subparsers(dest="command", required=True)
    sandbox = commands.add_parser(
        "sandbox",
        help="run the Convictional sandbox server until interrupted",
        description="Serve the local Convictional emulator (Seller, Shared and Buyer APIs).",
    )
    add_server_arguments(
        sandbox,
        default_port=8080,
        default_rate_limit=5,
        rate_limit_help="requests per API key per second; more get 429 (default 5)",
    )
    sandbox.add_argument("--no-rate-limit", action="store_true", help="turn the limit off")
    sandbox.add_argument("--seed", type=int, default=0)
    sandbox.add_argument("--products", type=int, default=300, help="seeded products")
    sandbox.add_argument("--sellers", type=int, default=4, help="seeded seller companies")
    sandbox.add_argument(
        "--errors",
        choices=("header", "new", "legacy"),
        default="header",
        help="error format: by Enable-New-Errors (default), always new, always legacy",
    )
    sandbox.add_argument(
        "--order-create-response",
        choices=("order", "envelope", "id_json", "id_text"),
        default="order",
        help="body of POST /buyer/orders",
    )
    sandbox.add_argument(
        "--duplicate-buyer-reference", choices=("conflict", "invalid", "allow"), default="conflict"
    )
    sandbox.add_argument(
        "--legacy-products", action="store_true", help="Seller products as before Aug 2022"
    )
    return parser


def _sandbox(args: argparse.Namespace) -> int:
    from .sandbox import Faults, Sandbox, SandboxConfig, serve

    config = SandboxConfig(
        seed=args.seed,
        products=args.products,
        sellers=args.sellers,
        rate_limit=None if args.no_rate_limit else args.rate_limit,
        errors=args.errors,
        order_create_response=args.order_create_response,
        duplicate_buyer_reference=args.duplicate_buyer_reference,
        legacy_products=args.legacy_products,
    )
    faults = Faults(**fault_settings(args))

    def ready(sandbox: Sandbox) -> None:
        print(f"Convictional sandbox listening on {sandbox.url}", flush=True)
        print(f"  buyer key:   {sandbox.buyer_key} (sandbox-only keys)", flush=True)
        for number, key in enumerate(sandbox.seller_keys, start=1):
            print(f"  seller {number} key: {key}", flush=True)
        print(f"  admin: {sandbox.url}/_sandbox/stats; Ctrl-C to stop", flush=True)

    run_until_interrupted(
        serve(config, host=args.host, port=args.port, faults=faults, on_ready=ready),
        prog="convictional sandbox",
        host=args.host,
        port=args.port,
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``convictional`` console script."""
    args = _parser().parse_args(argv)
    try:
        return _sandbox(args)
    except ValueError as exc:
        print(f"convictional: error: {exc}", file=sys.stderr)
        return 2
    except CannotListenError as exc:  # the port is in use, the host does not resolve
        print(exc, file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
