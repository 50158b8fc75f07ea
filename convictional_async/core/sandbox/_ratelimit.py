"""A sandbox's server-side rate limit: fixed one-second windows per key.

Windows are whole seconds of the sandbox's clock: ``[k, k + 1)``. Each key (a client
credential, an API key) may make ``limit`` requests in each window; ``admit`` counts one
request and answers None (go ahead) or the whole seconds until the window ends, at least 1
(so always 1). Refused requests do not count against the next window. ``limit=None`` admits
everything. Which requests count, which key they count against and what the 429 looks like
is the emulated API's business.

The limit is 1 to 100,000 requests per second (``MAX_RATE_LIMIT``) or ``None``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Final

from .._validate import positive_int

__all__ = ["MAX_RATE_LIMIT", "FixedWindowLimiter", "check_rate_limit"]

MAX_RATE_LIMIT: Final = 100_000


def check_rate_limit(value: object) -> int | None:
    """Return ``value`` if it is ``None`` or an int from 1 to ``MAX_RATE_LIMIT``, else raise."""
    return None if value is None else positive_int("rate_limit", value, MAX_RATE_LIMIT)


class FixedWindowLimiter:
    """Admit at most ``limit`` requests per key in each whole second of ``clock``.

    Example::

        limiter = FixedWindowLimiter(clock=time.monotonic, limit=5)
        wait = limiter.admit("sandbox-client")  # None: go ahead; else seconds to wait
    """

    def __init__(self, *, clock: Callable[[], float], limit: int | None = None) -> None:
        self._clock = clock
        self._limit = check_rate_limit(limit)
        self._windows: dict[str, tuple[int, int]] = {}

    @property
    def limit(self) -> int | None:
        """Requests per key per second, or ``None`` for no limit."""
        return self._limit

    @limit.setter
    def limit(self, value: int | None) -> None:
        self._limit = check_rate_limit(value)

    def admit(self, key: str) -> int | None:
        """Count one request for ``key``; return None if admitted, else seconds to wait (>= 1)."""
        if self._limit is None:
            return None
        now = self._clock()
        window = math.floor(now)
        start, count = self._windows.get(key, (window, 0))
        if start != window:
            count = 0
        if count >= self._limit:
            return max(1, math.ceil(window + 1 - now))
        self._windows[key] = (window, count + 1)
        return None

    def clear(self) -> None:
        """Forget every window's count; the limit stays."""
        self._windows.clear()
