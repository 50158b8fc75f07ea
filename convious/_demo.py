"""``convious demo``: run the workload (``_workload``) and print its report (``_report``)."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable

from ._report import DemoSummary, format_summary
from ._workload import REAL_CONCURRENCY, REAL_LOOKUPS, DemoOptions, plan_lookups, run_demo

__all__ = [
    "REAL_CONCURRENCY",
    "REAL_LOOKUPS",
    "DemoOptions",
    "DemoSummary",
    "format_summary",
    "main_demo",
    "plan_lookups",
    "run_demo",
]


def main_demo(options: DemoOptions, *, out: Callable[[str], None] = print) -> int:
    """Run the demo from a command line; the exit status is 0 only if every lookup worked."""
    mode = "the real Convious API" if options.real else "the embedded sandbox"
    print(
        f"Running {options.lookups:,} price lookups, {options.concurrency} at a time, "
        f"against {mode}...",
        file=sys.stderr,
    )
    summary = asyncio.run(run_demo(options))
    out(format_summary(summary))
    return 0 if summary.failed == 0 else 1
