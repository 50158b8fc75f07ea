"""A progress display for long command-line jobs (demo lookups, event publishing)."""

from __future__ import annotations

import time
from typing import TextIO


class Progress:
    """A one-line progress bar on a terminal, or a line per quarter elsewhere."""

    def __init__(self, total: int, stream: TextIO, *, unit: str = "lookups") -> None:
        self._total = max(total, 1)
        self._unit = unit
        self._stream = stream
        self._tty = stream.isatty()
        self._started = time.perf_counter()
        self._last_quarter = 0
        self._last_draw = 0.0
        self.done = 0

    def advance(self) -> None:
        """Count one finished item and redraw when due."""
        self.done += 1
        now = time.perf_counter()
        if self._tty:
            if now - self._last_draw >= 0.1 or self.done == self._total:
                self._last_draw = now
                filled = 30 * self.done // self._total
                rate = self.done / max(now - self._started, 1e-9)
                self._stream.write(
                    f"\r  [{'#' * filled}{'.' * (30 - filled)}] "
                    f"{self.done}/{self._total} {self._unit}  {rate:,.0f}/s"
                )
                if self.done == self._total:
                    self._stream.write("\n")
                self._stream.flush()
        elif (quarter := 4 * self.done // self._total) > self._last_quarter:
            self._last_quarter = quarter
            self._stream.write(f"  {self.done}/{self._total} {self._unit} done\n")
            self._stream.flush()
