"""The main job: thousands of concurrent price lookups through the SDK, with a summary.

Against the embedded sandbox (the default) it seeds a small ticketing catalogue, injects
the faults a real network has (some 503s, some dropped connections, a little latency),
revokes every token halfway through, and shows the SDK riding through all of it. With
``real=True`` it runs the same kind of lookups against the real Convious API using the
credentials in ``CONVIOUS_CLIENT_ID`` / ``CONVIOUS_CLIENT_SECRET``.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from contextlib import AsyncExitStack
from datetime import date, timedelta
from datetime import time as clock_time
from decimal import Decimal
from typing import Any, TextIO

import attrs

from convictional_async.core import RateLimit, SDKError

from ._batcher import EventBatcher
from ._client import ConviousClient
from ._events import Pricing, ProductAvailabilityChanged, ProductCreated
from ._models import PriceRequest, PriceResult
from ._pricing import price_request
from ._progress import Progress

CATALOGUE: tuple[tuple[str, str, str, str, int | None], ...] = (
    # reference, name, min accepted, max accepted, availability (None: unlimited)
    ("adult", "Adult day ticket", "12.50", "24.00", 400),
    ("child", "Child day ticket", "8.00", "15.00", 300),
    ("senior", "Senior day ticket", "10.00", "19.00", None),
    ("family", "Family pass (2+2)", "40.00", "72.00", 60),
    ("evening", "Evening entry", "9.00", "16.00", None),
    ("vip", "VIP guided tour", "45.00", "90.00", 12),
)
VIP_SEATS = next(count for ref, _, _, _, count in CATALOGUE if ref == "vip")
SLOTS = tuple(clock_time(h, m) for h, m in ((10, 0), (11, 30), (13, 0), (14, 30), (16, 0)))


@attrs.frozen(kw_only=True)
class DemoOptions:
    """What the demo runs."""

    lookups: int = 3000
    concurrency: int = 200
    real: bool = False
    products: tuple[str, ...] = ()
    error_rate: float = 0.02
    drop_rate: float = 0.005
    latency: float = 0.002
    revoke_halfway: bool = True
    seed: int = 7
    timezone: str = "Europe/Amsterdam"

    def __attrs_post_init__(self) -> None:
        if self.lookups < 1 or self.concurrency < 1:
            raise ValueError("lookups and concurrency must be at least 1")
        if self.real and not self.products:
            raise ValueError("the real API needs --products: references from your catalogue")


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
    scarcity: tuple[str, str, str] | None = None
    pauses: int = 0
    """Times a 429 (or an exhausted window) paused every request of the credential."""
    pacing: str = "off"
    """The limiter's pacing at the end: off, or the rate in force."""

    @property
    def throughput(self) -> float:
        """Lookups per second."""
        return (self.succeeded + self.failed) / self.wall_seconds if self.wall_seconds else 0.0

    def percentile(self, q: float) -> float:
        """A latency percentile in milliseconds."""
        if not self.latencies_ms:
            return 0.0
        if len(self.latencies_ms) == 1:
            return self.latencies_ms[0]
        return statistics.quantiles(self.latencies_ms, n=1000, method="inclusive")[
            min(998, max(0, round(q * 1000) - 1))
        ]


def plan_lookups(options: DemoOptions, references: Sequence[str]) -> list[PriceRequest]:
    """A reproducible mix of visitor lookups: calendars, single days, carts of 1-3 products.

    About one lookup in twenty repeats a recent one exactly (a visitor reloading the
    page), which is what the SDK's coalescing of identical in-flight lookups is for.
    """
    rng = random.Random(options.seed)
    start = date.today() + timedelta(days=1)
    planned: list[PriceRequest] = []
    for index in range(options.lookups):
        if planned and rng.random() < 0.05:
            planned.append(planned[max(0, len(planned) - rng.randint(1, 20))])
            continue
        first = start + timedelta(days=rng.randrange(60))
        span = rng.choice((1, 1, 1, 7, 14, 30))
        times = None if rng.random() < 0.4 else sorted(rng.sample(SLOTS, rng.randint(1, 3)))
        cart = rng.sample(list(references), min(len(references), rng.randint(1, 3)))
        planned.append(
            price_request(
                cookie_id=f"visitor-{index % 997}",
                date_from=first,
                date_to=first + timedelta(days=span - 1),
                timezone=options.timezone,
                products=[(reference, rng.randint(1, 4)) for reference in cart],
                times=times,
                ip=f"198.51.100.{rng.randrange(1, 255)}",
            )
        )
    return planned


def catalogue_events() -> list[ProductCreated]:
    """The demo catalogue as ``ProductCreated`` events."""
    return [
        ProductCreated(
            product_reference=reference,
            name=name,
            availability=availability,
            pricing=Pricing(min_accepted_price=Decimal(low), max_accepted_price=Decimal(high)),
        )
        for reference, name, low, high, availability in CATALOGUE
    ]


class Inventory:
    """Tickets selling during the demo: availability updates through an EventBatcher."""

    def __init__(self, batcher: EventBatcher, seed: int) -> None:
        self.batcher = batcher
        self._rng = random.Random(seed)
        self._left = {ref: count for ref, _, _, _, count in CATALOGUE if count is not None}
        self._by_day: dict[tuple[str, date], int] = {}
        self.updates = 0

    async def sell(self, day: date) -> None:
        """Some tickets for one product on ``day`` were sold: send the new availability."""
        reference = self._rng.choice(sorted(self._left))
        left = self._by_day.get((reference, day), self._left[reference])
        await self.set(reference, day, max(0, left - self._rng.randint(1, 3)))

    async def set(self, reference: str, day: date, left: int) -> None:
        """Send the availability of ``reference`` on ``day``."""
        self._by_day[(reference, day)] = left
        self.updates += 1
        await self.batcher.send(
            ProductAvailabilityChanged(
                product_reference=reference, event_date=day, availability=left
            )
        )


async def run_demo(options: DemoOptions, *, progress: TextIO | None = None) -> DemoSummary:
    """Run the workload and return its summary."""
    async with AsyncExitStack() as stack:
        sandbox: Any = None
        inventory: Inventory | None = None
        if options.real:
            client = ConviousClient.from_env()
            references: Sequence[str] = options.products
            target = str(client.pricer_url)
        else:
            from .sandbox import Faults, Sandbox

            faults = Faults(
                latency=options.latency,
                latency_jitter=options.latency,
                error_rate=options.error_rate,
                drop_rate=options.drop_rate,
            )
            sandbox = await stack.enter_async_context(Sandbox(faults=faults))
            references = options.products or tuple(entry[0] for entry in CATALOGUE)
            client = ConviousClient(**sandbox.client_options())
            target = f"the embedded sandbox at {sandbox.url}"
        await stack.enter_async_context(client)
        if sandbox is not None:  # never publish events to a real account from a demo
            batcher = await stack.enter_async_context(client.inventory.batcher(linger=0.02))
            for event in catalogue_events():
                await batcher.send(event)
            await batcher.flush()  # the catalogue is in place before the first lookup
            inventory = Inventory(batcher, options.seed)
        requests = plan_lookups(options, references)
        bar = Progress(len(requests), progress or sys.stderr)
        revoke_at = len(requests) // 2 if sandbox is not None and options.revoke_halfway else -1
        return await _run(client, requests, options, bar, target, sandbox, revoke_at, inventory)
    raise AssertionError("unreachable")  # pragma: no cover


async def _scarce_price(client: ConviousClient, day: date, timezone: str) -> Decimal:
    result = await client.pricing.get_prices(
        cookie_id="demo-scarcity",
        date_from=day,
        date_to=day,
        timezone=timezone,
        products=[("vip", 1)],
    )
    return result.price("vip", day)


async def _run(
    client: ConviousClient,
    requests: list[PriceRequest],
    options: DemoOptions,
    bar: Progress,
    target: str,
    sandbox: Any,
    revoke_at: int,
    inventory: Inventory | None,
) -> DemoSummary:
    semaphore = asyncio.Semaphore(options.concurrency)
    latencies: list[float] = []
    errors: dict[str, int] = {}
    results: list[PriceResult] = []
    day = date.today() + timedelta(days=1)
    before = await _scarce_price(client, day, options.timezone) if inventory else None

    async def lookup(index: int, request: PriceRequest) -> None:
        async with semaphore:
            started = time.perf_counter()
            try:
                results.append(await client.pricing.send(request))
            except SDKError as exc:
                errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
            else:
                latencies.append((time.perf_counter() - started) * 1000.0)
            finally:
                bar.advance()
                if bar.done == revoke_at:
                    sandbox.revoke_tokens()
            if inventory is not None and index % 5 == 0:
                await inventory.sell(request.date_from)

    started = time.perf_counter()
    await asyncio.gather(*(lookup(i, request) for i, request in enumerate(requests)))
    wall = time.perf_counter() - started
    scarcity: tuple[str, str, str] | None = None
    events: dict[str, int] = {}
    if inventory is not None and before is not None:
        await inventory.set("vip", day, 1)
        await inventory.batcher.flush()
        after = await _scarce_price(client, day, options.timezone)
        scarcity = (day.isoformat(), _money(before), _money(after))
        await inventory.batcher.close()
        events = {
            "catalogue": len(CATALOGUE),
            "updates": inventory.updates,
            "sent": len(CATALOGUE) + inventory.updates,
            "delivered": inventory.batcher.delivered,
            "batches": inventory.batcher.batches,
        }
    sample: list[tuple[str, str, str]] = []
    if results:
        first = results[0].prices[0]
        when = first.price_date.isoformat() + (
            f" {first.price_time.isoformat('minutes')}" if first.price_time else " (all day)"
        )
        sample = [(p.product_reference, when, _money(p.price)) for p in first.products]
    return DemoSummary(
        target=target,
        succeeded=len(results),
        failed=sum(errors.values()),
        errors=errors,
        prices=sum(len(timed.products) for result in results for timed in result.prices),
        wall_seconds=wall,
        latencies_ms=tuple(latencies),
        metrics=client.metrics.as_dict(),
        server=sandbox.state.stats() if sandbox is not None else {},
        sample=tuple(sample),
        events=events,
        scarcity=scarcity,
        pauses=getattr(client.rate_limiter, "pauses", 0),
        pacing=_pacing(client.rate_limiter.limit),
    )


def _pacing(limit: RateLimit | None) -> str:
    return "off" if limit is None else f"{limit.per_second:,.1f} requests/s"


def _money(value: Decimal) -> str:
    return f"EUR {value:.2f}"


def format_summary(summary: DemoSummary) -> str:
    """The human-readable summary."""
    m = summary.metrics
    lines = [
        f"Convious price lookups against {summary.target}",
        f"  lookups          {summary.succeeded:,} ok, {summary.failed:,} failed"
        + (f" {summary.errors}" if summary.errors else ""),
        f"  prices returned  {summary.prices:,} (per product, day and start time)",
        f"  wall time        {summary.wall_seconds:.2f} s ({summary.throughput:,.0f} lookups/s)",
        f"  latency          p50 {summary.percentile(0.5):.1f} ms, p90 "
        f"{summary.percentile(0.9):.1f} ms, p99 {summary.percentile(0.99):.1f} ms",
        f"  HTTP requests    {m['attempts']:,} to the API, {m['token_requests']} token request(s)",
        f"  retries          {m['retries']:,} (after 5xx responses and dropped connections)",
        f"  401 replays      {m['auth_replays']:,} (one re-login, then each rejected call "
        f"replayed once)",
        f"  coalesced        {m['coalesced']:,} identical lookups answered by one already in "
        f"flight",
        f"  rate limit       {m['rate_limited']:,} 429s received, {summary.pauses:,} pause(s), "
        f"{m['limiter_wait_seconds']:.2f} s waited in the limiter over "
        f"{m['limiter_waits']:,} request(s); pacing {summary.pacing}",
    ]
    if summary.events:
        e = summary.events
        lines.append(
            f"  inventory        {e['catalogue']} products, then {e['updates']:,} availability "
            f"updates, through the batcher: {e['delivered']:,} of {e['sent']:,} events "
            f"delivered in {e['batches']:,} batches"
        )
    if summary.scarcity is not None:
        day, before, after = summary.scarcity
        lines.append(f"  scarcity         vip on {day}: {before} with 12 left, {after} with 1 left")
    if summary.server:
        lines.append(f"  sandbox saw      {_server_line(summary.server)}")
    for reference, when, price in summary.sample:
        lines.append(f"  sample price     {reference} on {when}: {price} per item")
    return "\n".join(lines)


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
