"""A progress display for long command-line jobs (demo lookups, event publishing)."""

from __future__ import annotations

import time
from typing import TextIO


class Progress:
    """A one-line progress bar on a terminal, or a line per quarter elsewhere.

    Items that failed are counted apart: ``2/3 events done, 1 failed``, never ``3/3 done``.
    """

    def __init__(self, total: int, stream: TextIO, *, unit: str = "lookups") -> None:
        self._total = max(total, 1)
        self._unit = unit
        self._stream = stream
        self._tty = stream.isatty()
        self._started = time.perf_counter()
        self._last_quarter = 0
        self._last_draw = 0.0
        self.finished = 0
        """Items that ended, whether they worked or failed."""
        self.failed = 0
        """Items that failed."""

    @property
    def done(self) -> int:
        """Items that worked."""
        return self.finished - self.failed

    def advance(self, *, failed: bool = False) -> None:
        """Count one finished item (``failed`` if it did not work) and redraw when due."""
        self.finished += 1
        self.failed += failed
        if self._tty:
            self._draw_bar()
        elif (quarter := 4 * self.finished // self._total) > self._last_quarter:
            self._last_quarter = quarter
            self._stream.write(f"  {self._counts()}\n")
            self._stream.flush()

    def _counts(self) -> str:
        failed = f", {self.failed} failed" if self.failed else ""
        return f"{self.done}/{self._total} {self._unit} done{failed}"

    def _draw_bar(self) -> None:
        now = time.perf_counter()
        last = self.finished == self._total
        if now - self._last_draw < 0.1 and not last:
            return
        self._last_draw = now
        filled = 30 * self.finished // self._total
        rate = self.finished / max(now - self._started, 1e-9)
        self._stream.write(
            f"\r  [{'#' * filled}{'.' * (30 - filled)}] {self._counts()}  {rate:,.0f}/s"
        )
        if last:
            self._stream.write("\n")
        self._stream.flush()
