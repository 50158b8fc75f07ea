"""The demo's workload: its catalogue, the lookup plan, ticket sales and the run itself.

Against the embedded sandbox (the default) it seeds a small ticketing catalogue, injects
the faults a real network has (some 503s, some dropped connections, a little latency),
revokes every token halfway through, and shows the SDK riding through all of it. With
``real=True`` it runs the same kind of lookups against the real Convious API using the
credentials in ``CONVIOUS_CLIENT_ID`` / ``CONVIOUS_CLIENT_SECRET``; nothing is published
to a real account.
"""

from __future__ import annotations

import asyncio
import random
import sys
import time
from collections.abc import Callable, Sequence
from contextlib import AsyncExitStack
from datetime import date, timedelta
from datetime import time as clock_time
from decimal import Decimal
from typing import TYPE_CHECKING, TextIO

import attrs

from convictional_async.core import AuthenticationError, SDKError, TokenRequestError

from ._client import ConviousClient
from ._demo_inventory import CATALOGUE, SCARCE_PRODUCT, Inventory, catalogue_events
from ._models import PriceRequest, PriceResult
from ._pricing import price_request
from ._progress import Progress
from ._report import DemoSummary, Scarcity, money, pacing

if TYPE_CHECKING:
    from .sandbox import Sandbox

REAL_LOOKUPS = 50
"""Lookups against the real API unless told otherwise."""
REAL_CONCURRENCY = 10
"""Lookups in flight against the real API unless told otherwise."""
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


@attrs.frozen(kw_only=True)
class Target:
    """Where the lookups go: a client, the references it may price, and a sandbox if local."""

    client: ConviousClient
    references: tuple[str, ...]
    description: str
    sandbox: Sandbox | None = None


async def _open_target(stack: AsyncExitStack, options: DemoOptions) -> Target:
    """Open the client (and the embedded sandbox unless ``options.real``)."""
    if options.real:
        client = ConviousClient.from_env()
        target = Target(
            client=client, references=options.products, description=str(client.pricer_url)
        )
    else:
        from .sandbox import Faults, Sandbox

        faults = Faults(
            latency=options.latency,
            latency_jitter=options.latency,
            error_rate=options.error_rate,
            drop_rate=options.drop_rate,
        )
        sandbox = await stack.enter_async_context(Sandbox(faults=faults))
        target = Target(
            client=ConviousClient(**sandbox.client_options()),
            references=options.products or tuple(e.product_reference for e in CATALOGUE),
            description=f"the embedded sandbox at {sandbox.url}",
            sandbox=sandbox,
        )
    await stack.enter_async_context(target.client)
    return target


async def _seed_inventory(stack: AsyncExitStack, target: Target, seed: int) -> Inventory:
    """Publish the catalogue through a batcher that then carries the ticket sales."""
    batcher = await stack.enter_async_context(target.client.inventory.batcher(linger=0.02))
    for event in catalogue_events():
        await batcher.send(event)
    await batcher.flush()  # the catalogue is in place before the first lookup
    return Inventory(batcher, seed)


class Lookups:
    """Runs the planned lookups, ``concurrency`` at a time, and keeps what they returned."""

    def __init__(
        self,
        *,
        client: ConviousClient,
        concurrency: int,
        bar: Progress,
        halfway: Callable[[], object] | None,
        inventory: Inventory | None,
    ) -> None:
        self._client = client
        self._semaphore = asyncio.Semaphore(concurrency)
        self._bar = bar
        self._halfway = halfway
        self._inventory = inventory
        self.results: list[PriceResult] = []
        self.latencies_ms: list[float] = []
        self.errors: dict[str, int] = {}
        self.login_error: str | None = None
        self._revoke_at = -1

    async def run(self, requests: Sequence[PriceRequest]) -> float:
        """Run every lookup; return the wall time in seconds."""
        self._revoke_at = len(requests) // 2 if self._halfway is not None else -1
        started = time.perf_counter()
        await asyncio.gather(*(self._lookup(i, request) for i, request in enumerate(requests)))
        return time.perf_counter() - started

    async def _lookup(self, index: int, request: PriceRequest) -> None:
        async with self._semaphore:
            worked = await self._price(request)
            self._bar.advance(failed=not worked)
            if self._bar.finished == self._revoke_at and self._halfway is not None:
                self._halfway()
            if self._inventory is not None and index % 5 == 0:
                await self._inventory.sell(request.date_from)

    async def _price(self, request: PriceRequest) -> bool:
        """Look up one request; return whether it worked."""
        started = time.perf_counter()
        try:
            self.results.append(await self._client.pricing.send(request))
        except SDKError as exc:
            self._failed(exc)
            return False
        self.latencies_ms.append((time.perf_counter() - started) * 1000.0)
        return True

    def _failed(self, exc: SDKError) -> None:
        self.errors[type(exc).__name__] = self.errors.get(type(exc).__name__, 0) + 1
        if isinstance(exc, AuthenticationError | TokenRequestError) and self.login_error is None:
            self.login_error = f"{type(exc).__name__}: {exc}"

    def sample(self) -> tuple[tuple[str, str, str], ...]:
        """The prices of the first result, for the summary."""
        if not self.results:
            return ()
        first = self.results[0].prices[0]
        when = first.price_date.isoformat() + (
            f" {first.price_time.isoformat('minutes')}" if first.price_time else " (all day)"
        )
        return tuple((p.product_reference, when, money(p.price)) for p in first.products)


async def _scarce_price(client: ConviousClient, day: date, timezone: str) -> Decimal:
    result = await client.pricing.get_prices(
        cookie_id="demo-scarcity",
        date_from=day,
        date_to=day,
        timezone=timezone,
        products=[(SCARCE_PRODUCT, 1)],
    )
    return result.price(SCARCE_PRODUCT, day)


class ScarcityCheck:
    """The scarce product's price tomorrow, before the lookups and after a near sell-out."""

    def __init__(self, target: Target, inventory: Inventory, timezone: str) -> None:
        self._client = target.client
        self._inventory = inventory
        self._timezone = timezone
        self._day = date.today() + timedelta(days=1)
        self._before: tuple[Decimal, int] | None = None

    async def start(self) -> None:
        """Note the price and the seats left now."""
        price = await _scarce_price(self._client, self._day, self._timezone)
        self._before = (price, self._inventory.left(SCARCE_PRODUCT, self._day))

    async def finish(self) -> Scarcity:
        """Sell all seats but one, then price it again."""
        assert self._before is not None, "start() first"
        await self._inventory.set(SCARCE_PRODUCT, self._day, 1)
        await self._inventory.batcher.flush()
        price = await _scarce_price(self._client, self._day, self._timezone)
        return Scarcity(
            product=SCARCE_PRODUCT,
            day=self._day.isoformat(),
            price_before=self._before[0],
            seats_before=self._before[1],
            price_after=price,
            seats_after=self._inventory.left(SCARCE_PRODUCT, self._day),
        )


async def run_demo(options: DemoOptions, *, progress: TextIO | None = None) -> DemoSummary:
    """Run the workload and return its summary."""
    async with AsyncExitStack() as stack:
        target = await _open_target(stack, options)
        sandbox = target.sandbox
        inventory = check = None
        if sandbox is not None:  # never publish events to a real account from a demo
            inventory = await _seed_inventory(stack, target, options.seed)
            check = ScarcityCheck(target, inventory, options.timezone)
            await check.start()
        requests = plan_lookups(options, target.references)
        lookups = Lookups(
            client=target.client,
            concurrency=options.concurrency,
            bar=Progress(len(requests), progress or sys.stderr),
            halfway=sandbox.revoke_tokens if sandbox and options.revoke_halfway else None,
            inventory=inventory,
        )
        wall = await lookups.run(requests)
        scarcity = await check.finish() if check is not None else None
        if inventory is not None:
            await inventory.batcher.close()
        return _summary(target, lookups, wall=wall, inventory=inventory, scarcity=scarcity)
    raise AssertionError("unreachable")  # pragma: no cover


def _summary(
    target: Target,
    lookups: Lookups,
    *,
    wall: float,
    inventory: Inventory | None,
    scarcity: Scarcity | None,
) -> DemoSummary:
    client = target.client
    return DemoSummary(
        target=target.description,
        succeeded=len(lookups.results),
        failed=sum(lookups.errors.values()),
        errors=lookups.errors,
        prices=sum(len(timed.products) for r in lookups.results for timed in r.prices),
        wall_seconds=wall,
        latencies_ms=tuple(lookups.latencies_ms),
        metrics=client.metrics.as_dict(),
        server=target.sandbox.state.stats() if target.sandbox is not None else {},
        sample=lookups.sample(),
        events=inventory.counts() if inventory is not None else {},
        scarcity=scarcity,
        pauses=getattr(client.rate_limiter, "pauses", 0),
        pacing=pacing(client.rate_limiter.limit),
        login_error=lookups.login_error,
    )
