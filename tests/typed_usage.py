"""Public API usage that ``mypy --strict`` must accept (checked by test_static_checks.py).

Not collected by pytest: it is here to be type-checked, the way a user's code would be.
"""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

from convious import (
    ConviousClient,
    Delivery,
    EventBatcher,
    PriceResult,
    Pricing,
    ProductAvailabilityChanged,
    ProductCreated,
    RateLimit,
    RetryPolicy,
    Timeout,
    UndeliveredEventsError,
)
from convious.analytics import render_snippet
from convious.sandbox import Faults, Sandbox


async def lookups() -> Decimal:
    async with (
        Sandbox(faults=Faults(error_rate=0.1)) as sandbox,
        ConviousClient(
            **sandbox.client_options(),
            timeout=Timeout(total=5.0),
            retry=RetryPolicy(max_retries=2),
            rate_limit=RateLimit(max_requests=50),
        ) as client,
    ):
        result: PriceResult = await client.pricing.get_prices(
            cookie_id="c",
            date_from=date(2026, 12, 1),
            date_to=date(2026, 12, 1),
            timezone="UTC",
            products=[("adult", 1)],
            times=[time(10)],
        )
        return result.price("adult", date(2026, 12, 1), time(10))


async def events(client: ConviousClient) -> list[str]:
    await client.inventory.publish(
        [
            ProductCreated(
                product_reference="adult",
                name="Adult",
                pricing=Pricing(max_accepted_price=Decimal("18.00")),
            )
        ]
    )
    batcher: EventBatcher = client.inventory.batcher(linger=0.01)
    try:
        async with batcher:
            delivery: Delivery = await batcher.send(
                ProductAvailabilityChanged(
                    product_reference="adult", event_date=date(2026, 12, 1), availability=3
                )
            )
            await delivery
    except UndeliveredEventsError as exc:
        return [event.product_reference for event in exc.undelivered]
    return [render_snippet("account", "cookie")]
