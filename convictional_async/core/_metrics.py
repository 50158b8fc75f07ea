"""Counters a client keeps about its own traffic."""

from __future__ import annotations

import attrs


@attrs.define(kw_only=True)
class ClientMetrics:
    """What a client has done so far; cheap to keep, useful in summaries and tests.

    >>> metrics = ClientMetrics()
    >>> metrics.retries
    0
    """

    requests: int = 0
    """Logical API requests started (a retried request counts once)."""
    attempts: int = 0
    """HTTP attempts sent, retries and replays included (token requests excluded)."""
    retries: int = 0
    """Attempts that repeated a failed one after a backoff."""
    auth_replays: int = 0
    """Requests replayed once after a 401 and a fresh credential."""
    token_requests: int = 0
    """Requests sent to an OAuth2 token endpoint."""
    coalesced: int = 0
    """Calls answered by an identical request already in flight."""
    failures: int = 0
    """Logical requests that ended in an error."""
    rate_limited: int = 0
    """429 responses received."""
    limiter_waits: int = 0
    """Attempts that had to wait for the rate limiter (pacing or a pause)."""
    limiter_wait_seconds: float = 0.0
    """Total time attempts spent waiting for the rate limiter."""
    deadlines_exceeded: int = 0
    """Calls that ended because their total deadline passed."""

    def as_dict(self) -> dict[str, int | float]:
        """A snapshot of every counter."""
        return attrs.asdict(self)
