"""Counting a command's instructions with valgrind's callgrind tool.

CPU time on a shared virtual machine drifts by tens of percent from one run to the
next; the number of instructions a process executes does not. callgrind runs the
program on a synthetic CPU and counts every instruction it executes (``Ir``), so the
same program with the same inputs gives the same count to within a fraction of a
percent, whatever else the machine is doing. The price: the program runs about 50
times slower, and the count weighs every instruction alike (a cache miss costs what an
add costs), which is why the benchmarks report it beside CPU time, not instead of it.

To weigh memory too, the count runs with callgrind's cache simulation, and
:attr:`Counts.estimated_cycles` applies KCachegrind's cycle estimate to it:
instructions + 10 x first-level cache misses + 100 x last-level cache misses. The
simulated caches are not the real machine's, so this is a model of where a program's
time goes (pointer-chasing code such as a garbage collector's pass costs more than its
instructions say), still deterministic.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass

_LINE = re.compile(r"^==\d+== (Events|Collected) *: (.*?)\s*$", re.MULTILINE)
L1_MISSES = ("I1mr", "D1mr", "D1mw")
LL_MISSES = ("ILmr", "DLmr", "DLmw")


class CallgrindError(RuntimeError):
    """valgrind is missing, or the counted command failed.

    ``returncode`` and ``output`` (stdout) are the command's, when it ran and failed.
    """

    def __init__(self, message: str, *, returncode: int | None = None, output: str = "") -> None:
        super().__init__(message)
        self.returncode = returncode
        self.output = output


def valgrind_path() -> str | None:
    """Where ``valgrind`` is on ``PATH``, or None."""
    return shutil.which("valgrind")


@dataclass(frozen=True, slots=True)
class Counts:
    """What callgrind counted for one run."""

    instructions: int
    l1_misses: int
    """First-level misses: instruction fetches, data reads and data writes."""
    ll_misses: int
    """Last-level misses, the same three kinds."""

    @property
    def estimated_cycles(self) -> int:
        """KCachegrind's cycle estimate: Ir + 10 x L1 misses + 100 x LL misses."""
        return self.instructions + 10 * self.l1_misses + 100 * self.ll_misses


def parse_counts(log: str) -> Counts:
    """The counts from a callgrind log (``Events`` names the columns of ``Collected``).

    >>> parse_counts("==7== Events    : Ir I1mr D1mr D1mw ILmr DLmr DLmw\\n"
    ...              "==7== Collected : 1000 5 6 7 1 2 3\\n")
    Counts(instructions=1000, l1_misses=18, ll_misses=6)
    """
    lines: dict[str, list[str]] = {}
    for kind, values in _LINE.findall(log):
        if kind in lines:
            raise CallgrindError(f"more than one {kind!r} line in the callgrind log:\n{log}")
        lines[kind] = values.split()
    events, collected = lines.get("Events"), lines.get("Collected")
    if events is None or collected is None or len(events) != len(collected):
        raise CallgrindError(f"no 'Events' and 'Collected' lines that match in:\n{log}")
    counted = dict(zip(events, (int(value) for value in collected), strict=True))
    if "Ir" not in counted:
        raise CallgrindError(f"callgrind counted no instructions (Ir):\n{log}")
    return Counts(
        instructions=counted["Ir"],
        l1_misses=sum(counted.get(name, 0) for name in L1_MISSES),
        ll_misses=sum(counted.get(name, 0) for name in LL_MISSES),
    )


def count_instructions(command: Sequence[str], *, timeout: float) -> Counts:
    """Run ``command`` under callgrind (caches simulated) and return what it counted.

    The child's own output is captured and shown if it fails; no profile file is kept.
    """
    valgrind = valgrind_path()
    if valgrind is None:
        raise CallgrindError(
            "valgrind is not installed; instruction counts need it "
            "(Debian/Ubuntu: apt install valgrind)"
        )
    handle, log_path = tempfile.mkstemp(prefix="callgrind-", suffix=".log")
    os.close(handle)
    try:
        done = subprocess.run(
            [
                valgrind,
                "--tool=callgrind",
                "--cache-sim=yes",
                "--callgrind-out-file=/dev/null",
                f"--log-file={log_path}",
                *command,
            ],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        with open(log_path, encoding="utf-8", errors="replace") as file:
            log = file.read()
    finally:
        os.unlink(log_path)
    if done.returncode != 0:
        raise CallgrindError(
            f"{' '.join(command)} exited with {done.returncode} under callgrind:\n"
            f"{done.stdout}{done.stderr}",
            returncode=done.returncode,
            output=done.stdout,
        )
    return parse_counts(log)
