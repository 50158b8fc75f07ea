"""The demo's report: what a run did (``DemoSummary``) and its printed summary."""

from __future__ import annotations

import statistics
from decimal import Decimal
from typing import Any

import attrs

from convictional_async.core import RateLimit


@attrs.frozen(kw_only=True)
class Scarcity:
    """The price of one product on one day, before and after its seats nearly sold out."""

    product: str
    day: str
    price_before: Decimal
    seats_before: int
    price_after: Decimal
    seats_after: int


@attrs.frozen(kw_only=True)
class DemoSummary:
    """What happened, for the printed summary and for tests."""

    target: str
    succeeded: int
    failed: int
    errors: dict[str, int]
    prices: int
    wall_seconds: float
    latencies_ms: tuple[float, ...]
    metrics: dict[str, int | float]
    server: dict[str, Any]
    sample: tuple[tuple[str, str, str], ...]
    events: dict[str, int] = attrs.field(factory=dict)
    scarcity: Scarcity | None = None
    pauses: int = 0
    """Times a 429 (or an exhausted window) paused every request of the credential."""
    pacing: str = "off"
    """The limiter's pacing at the end: off, or the rate in force."""
    login_error: str | None = None
    """The first error that refused this client's credentials, if any did."""

    @property
    def throughput(self) -> float:
        """Successful lookups per second."""
        return self.succeeded / self.wall_seconds if self.wall_seconds else 0.0

    def percentile(self, q: float) -> float:
        """A latency percentile of the successful lookups, in milliseconds."""
        if not self.latencies_ms:
            return 0.0
        if len(self.latencies_ms) == 1:
            return self.latencies_ms[0]
        return statistics.quantiles(self.latencies_ms, n=1000, method="inclusive")[
            min(998, max(0, round(q * 1000) - 1))
        ]


def money(value: Decimal) -> str:
    """A price as the summary shows it."""
    return f"EUR {value:.2f}"


def pacing(limit: RateLimit | None) -> str:
    """The limiter's pacing as the summary shows it."""
    return "off" if limit is None else f"{limit.per_second:,.1f} requests/s"


def format_summary(summary: DemoSummary) -> str:
    """The human-readable summary."""
    lines = [
        f"Convious price lookups against {summary.target}",
        f"  lookups          {summary.succeeded:,} ok, {summary.failed:,} failed"
        + (f" {summary.errors}" if summary.errors else ""),
        f"  prices returned  {summary.prices:,} (per product, day and start time)",
        f"  wall time        {summary.wall_seconds:.2f} s ({summary.throughput:,.0f} lookups/s)",
        _latency_line(summary),
        *_traffic_lines(summary),
    ]
    if summary.events:
        lines.append(_inventory_line(summary.events))
    if summary.scarcity is not None:
        lines.append(_scarcity_line(summary.scarcity))
    if summary.server:
        lines.append(f"  sandbox saw      {_server_line(summary.server)}")
    for reference, when, price in summary.sample:
        lines.append(f"  sample price     {reference} on {when}: {price} per item")
    return "\n".join(lines)


def _latency_line(summary: DemoSummary) -> str:
    if not summary.latencies_ms:
        return "  latency          n/a (no lookup succeeded)"
    return (
        f"  latency          p50 {summary.percentile(0.5):.1f} ms, p90 "
        f"{summary.percentile(0.9):.1f} ms, p99 {summary.percentile(0.99):.1f} ms"
    )


def _traffic_lines(summary: DemoSummary) -> list[str]:
    m = summary.metrics
    lines = [
        f"  HTTP requests    {m['attempts']:,} to the API, {m['token_requests']} token request(s)",
    ]
    if summary.login_error is not None:
        lines.append(f"  login failed     {summary.login_error}")
    return [
        *lines,
        f"  retries          {m['retries']:,} (after 5xx responses and dropped connections)",
        f"  401 replays      {m['auth_replays']:,} (one re-login, then each rejected call "
        f"replayed once)",
        f"  coalesced        {m['coalesced']:,} identical lookups answered by one already in "
        f"flight",
        f"  rate limit       {m['rate_limited']:,} 429s received, {summary.pauses:,} pause(s), "
        f"{m['limiter_wait_seconds']:.2f} s waited in the limiter over "
        f"{m['limiter_waits']:,} request(s); pacing {summary.pacing}",
    ]


def _inventory_line(events: dict[str, int]) -> str:
    return (
        f"  inventory        {events['catalogue']} products, then {events['updates']:,} "
        f"availability updates, through the batcher: {events['delivered']:,} of "
        f"{events['sent']:,} events delivered in {events['batches']:,} batches"
        f"{_retried(events.get('retried', 0))}"
    )


def _retried(attempts: int) -> str:
    """How many batch attempts failed and were sent again (nothing when none did)."""
    if not attempts:
        return ""
    return f" ({attempts:,} failed attempt{'s' if attempts != 1 else ''} retried)"


def _scarcity_line(scarcity: Scarcity) -> str:
    return (
        f"  scarcity         {scarcity.product} on {scarcity.day}: "
        f"{money(scarcity.price_before)} with {scarcity.seats_before} left, "
        f"{money(scarcity.price_after)} with {scarcity.seats_after} left"
    )


def _server_line(stats: dict[str, Any]) -> str:
    requests = stats.get("requests_by_endpoint") or {}
    parts = [
        f"{count:,} {endpoint} requests"
        for endpoint, count in sorted(requests.items())
        if endpoint != "token"
    ]
    parts.append(f"{stats.get('token_requests', 0)} token requests")
    faults = stats.get("faults_injected") or {}
    if isinstance(faults, dict) and faults:
        parts.append("faults injected: " + ", ".join(f"{k} {v}" for k, v in sorted(faults.items())))
    return "; ".join(parts)
