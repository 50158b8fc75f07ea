"""The demo's catalogue and its ticket sales, sent as inventory events through a batcher."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

from ._batcher import EventBatcher
from ._events import Pricing, ProductAvailabilityChanged, ProductCreated

SCARCE_PRODUCT = "vip"
"""The product the demo nearly sells out, to show the price rise."""


def _product(reference: str, name: str, low: str, high: str, seats: int | None) -> ProductCreated:
    pricing = Pricing(min_accepted_price=Decimal(low), max_accepted_price=Decimal(high))
    return ProductCreated(
        product_reference=reference, name=name, availability=seats, pricing=pricing
    )


CATALOGUE: tuple[ProductCreated, ...] = (
    _product("adult", "Adult day ticket", "12.50", "24.00", 400),
    _product("child", "Child day ticket", "8.00", "15.00", 300),
    _product("senior", "Senior day ticket", "10.00", "19.00", None),
    _product("family", "Family pass (2+2)", "40.00", "72.00", 60),
    _product("evening", "Evening entry", "9.00", "16.00", None),
    _product(SCARCE_PRODUCT, "VIP guided tour", "45.00", "90.00", 12),
)
"""The demo's products; availability None is unlimited."""


def catalogue_events() -> list[ProductCreated]:
    """The demo catalogue as ``ProductCreated`` events."""
    return list(CATALOGUE)


class Inventory:
    """Tickets selling during the demo: availability updates through an EventBatcher."""

    def __init__(self, batcher: EventBatcher, seed: int) -> None:
        self.batcher = batcher
        self._rng = random.Random(seed)
        self._left = {e.product_reference: e.availability for e in CATALOGUE if e.availability}
        self._by_day: dict[tuple[str, date], int] = {}
        self.updates = 0

    def left(self, reference: str, day: date) -> int:
        """Seats of ``reference`` left on ``day``, as last sent."""
        return self._by_day.get((reference, day), self._left[reference])

    async def sell(self, day: date) -> None:
        """Some tickets for one product on ``day`` were sold: send the new availability."""
        reference = self._rng.choice(sorted(self._left))
        await self.set(reference, day, max(0, self.left(reference, day) - self._rng.randint(1, 3)))

    async def set(self, reference: str, day: date, left: int) -> None:
        """Send the availability of ``reference`` on ``day``."""
        self._by_day[(reference, day)] = left
        self.updates += 1
        await self.batcher.send(
            ProductAvailabilityChanged(
                product_reference=reference, event_date=day, availability=left
            )
        )

    def counts(self) -> dict[str, int]:
        """What went through the batcher, for the summary."""
        return {
            "catalogue": len(CATALOGUE),
            "updates": self.updates,
            "sent": len(CATALOGUE) + self.updates,
            "delivered": self.batcher.delivered,
            "batches": self.batcher.batches,
            "retried": self.batcher.failed_attempts,
        }
