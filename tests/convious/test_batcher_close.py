"""A ``close()`` that is cancelled or times out still hands back every undelivered event."""

from __future__ import annotations

import asyncio
import logging

import pytest

from convious import EventBatcher, EventNotDeliveredError, ProductRemoved, UndeliveredEventsError
from convious._spool import EventSpool


class SilentInventory:
    """Stands in for ``client.inventory``: every POST waits for an answer that never comes."""

    def __init__(self) -> None:
        self.calls = 0

    async def post_events(self, body: bytes) -> None:
        self.calls += 1
        await asyncio.Event().wait()


async def stop_closing(close: asyncio.Task[None], how: str) -> None:
    """Interrupt a running ``close()`` the way a caller's deadline would."""
    if how == "wait_for":
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(close, 0.01)
        return
    for _ in range(3):  # close() is now waiting for the batches in flight
        await asyncio.sleep(0)
    close.cancel()
    with pytest.raises(asyncio.CancelledError):
        await close


@pytest.mark.parametrize("how", ["cancel", "wait_for"])
async def test_the_next_close_raises_what_a_cancelled_close_left(how, caplog):
    inventory = SilentInventory()
    batcher = EventBatcher(inventory.post_events, max_batch_size=100, linger=0.0)
    await batcher.start()
    events = [ProductRemoved(product_reference=f"p{n}") for n in range(1000)]
    deliveries = [await batcher.send(event) for event in events]
    await asyncio.sleep(0)
    assert inventory.calls == 1  # the first batch of 100 is in flight, the rest queued
    with caplog.at_level(logging.WARNING, "convious.batcher"):
        await stop_closing(asyncio.create_task(batcher.close()), how)
    assert "1000 event(s)" in caplog.text
    assert all(isinstance(d.error, EventNotDeliveredError) for d in deliveries)
    with pytest.raises(UndeliveredEventsError) as caught:
        await batcher.close()
    assert caught.value.undelivered == events
    await batcher.close()  # reported once: a third close() has nothing more to say


async def test_a_cancelled_close_leaves_the_events_in_the_spool(tmp_path):
    path = tmp_path / "events.sqlite"
    batcher = EventBatcher(SilentInventory().post_events, linger=0.0, spool_path=path)
    await batcher.start()
    events = [ProductRemoved(product_reference=f"p{n}") for n in range(200)]
    for event in events:
        await batcher.send(event)
    await stop_closing(asyncio.create_task(batcher.close()), "cancel")
    with pytest.raises(UndeliveredEventsError) as caught:
        await batcher.close()
    assert caught.value.undelivered == events
    spool = EventSpool(path)
    try:
        assert len(spool) == 200
    finally:
        spool.close()
