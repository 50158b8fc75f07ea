"""Counting a command's instructions with valgrind's callgrind tool.

CPU time on a shared virtual machine drifts by tens of percent from one run to the
next; the number of instructions a process executes does not. callgrind runs the
program on a synthetic CPU and counts every instruction it executes (``Ir``), so the
same program with the same inputs gives the same count to within a fraction of a
percent, whatever else the machine is doing. The price: the program runs about 50
times slower, and the count weighs every instruction alike (a cache miss costs what an
add costs), which is why the benchmarks report it beside CPU time, not instead of it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence

_COLLECTED = re.compile(r"^==\d+== Collected : (\d+)\s*$", re.MULTILINE)


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


def parse_collected(log: str) -> int:
    """The instruction count from a callgrind log.

    >>> parse_collected("==7== Events    : Ir\\n==7== Collected : 38831930\\n==7== \\n")
    38831930
    """
    found = _COLLECTED.findall(log)
    if len(found) != 1:
        raise CallgrindError(f"expected one 'Collected :' line in the callgrind log:\n{log}")
    return int(found[0])


def count_instructions(command: Sequence[str], *, timeout: float) -> int:
    """Run ``command`` under callgrind and return how many instructions it executed.

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
    return parse_collected(log)
