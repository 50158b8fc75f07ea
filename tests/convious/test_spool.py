"""Crash safety: the SQLite spool keeps what a crashed process accepted and re-sends it first."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import date
from decimal import Decimal

import pytest

from convious import (
    ConviousClient,
    Pricing,
    ProductAvailabilityChanged,
    ProductCreated,
    RetryPolicy,
    UndeliveredEventsError,
)
from convious._spool import EventSpool
from convious.sandbox import Sandbox

DAY = date(2026, 12, 1)

CRASHING_PRODUCER = textwrap.dedent(
    """
    import asyncio, os, sys
    from datetime import date
    from convious import ConviousClient, ProductAvailabilityChanged

    async def main():
        nowhere = "http://127.0.0.1:9"  # nothing listens: no event can be delivered
        client = ConviousClient("id", "secret", identity_url=nowhere, inventory_url=nowhere,
                                pricer_url=nowhere)
        batcher = client.inventory.batcher(spool_path=sys.argv[1], linger=0.001)
        await batcher.start()
        for n in range(50):
            await batcher.send(ProductAvailabilityChanged(
                product_reference="adult", event_date=date(2026, 12, 1), availability=n))
        print("accepted 50", flush=True)
        os._exit(17)  # a crash: no close(), no cleanup, no flush

    asyncio.run(main())
    """
)


def applied(sandbox) -> list[int]:
    return [
        e["payload"]["availability"]
        for e in sandbox.state.event_log
        if e["type"] == "ProductAvailabilityChanged"
    ]


@pytest.fixture
def crashed_spool(tmp_path):
    """A spool left by a producer that accepted 50 events and then crashed."""
    spool = tmp_path / "events.sqlite"
    crashed = subprocess.run(
        [sys.executable, "-c", CRASHING_PRODUCER, str(spool)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert crashed.returncode == 17, crashed.stderr
    assert "accepted 50" in crashed.stdout
    return spool


async def test_a_new_batcher_resends_what_a_crashed_process_left_in_order(crashed_spool):
    spool = crashed_spool
    left = EventSpool(spool)
    assert len(left) == 50
    left.close()

    async with Sandbox() as sandbox:
        sandbox.add_product("adult", "Adult", max_accepted_price="20.00")
        async with (
            ConviousClient(**sandbox.client_options()) as client,
            client.inventory.batcher(spool_path=spool, linger=0.001) as batcher,
        ):
            for n in range(50, 60):
                await batcher.send(
                    ProductAvailabilityChanged(
                        product_reference="adult", event_date=DAY, availability=n
                    )
                )
    assert applied(sandbox) == list(range(60))  # the leftovers first, then the new ones
    remaining = EventSpool(spool)
    assert len(remaining) == 0
    remaining.close()


async def test_events_not_delivered_at_close_stay_in_the_spool(tmp_path):
    spool = tmp_path / "events.sqlite"
    async with Sandbox() as sandbox:
        sandbox.faults.update({"error_rate": 1.0})
        options = sandbox.client_options()
        async with ConviousClient(**options, retry=RetryPolicy.never()) as client:
            batcher = client.inventory.batcher(spool_path=spool, linger=0.001, close_timeout=0.2)
            await batcher.start()
            await batcher.send(
                ProductCreated(
                    product_reference="a", name="A", pricing=Pricing(max_accepted_price=Decimal(5))
                )
            )
            with pytest.raises(UndeliveredEventsError):
                await batcher.close()
        kept = EventSpool(spool)
        assert len(kept) == 1
        kept.close()
        sandbox.faults.clear()
        async with (
            ConviousClient(**options) as client,
            client.inventory.batcher(spool_path=spool),
        ):
            pass  # starting re-sends the leftover; closing waits for it
        assert sandbox.state.products["a"].max_accepted_price == Decimal(5)
