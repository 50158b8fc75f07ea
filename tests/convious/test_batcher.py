"""EventBatcher against the in-process sandbox: order, no loss, backpressure, isolation."""

from __future__ import annotations

import asyncio
import gc
import warnings
from datetime import date
from decimal import Decimal

import pytest
from msgspec.structs import force_setattr

from convious import (
    BufferFullError,
    ConviousClient,
    EventNotDeliveredError,
    EventRejectedError,
    Pricing,
    ProductAvailabilityChanged,
    ProductCreated,
    ProductRemoved,
    RetryPolicy,
    UndeliveredEventsError,
)
from convious.sandbox import Sandbox

DAY = date(2026, 12, 1)
FAST = RetryPolicy(max_retries=1, backoff_initial=0.001, backoff_max=0.005)


def created(reference: str) -> ProductCreated:
    return ProductCreated(
        product_reference=reference,
        name=reference.title(),
        availability=100,
        pricing=Pricing(max_accepted_price=Decimal("20.00")),
    )


def availability(reference: str, value: int) -> ProductAvailabilityChanged:
    return ProductAvailabilityChanged(
        product_reference=reference, event_date=DAY, availability=value
    )


@pytest.fixture
async def sandbox():
    async with Sandbox() as sandbox:
        yield sandbox


@pytest.fixture
async def client(sandbox):
    async with ConviousClient(**sandbox.client_options(), retry=FAST) as client:
        yield client


def applied(sandbox, reference: str) -> list[int]:
    return [
        e["payload"]["availability"]
        for e in sandbox.state.event_log
        if e["type"] == "ProductAvailabilityChanged"
        and e["payload"]["productReference"] == reference
    ]


async def test_send_resolves_once_the_batch_is_accepted(sandbox, client):
    async with client.inventory.batcher(linger=0.01) as batcher:
        delivery = await batcher.send(created("adult"))
        assert not delivery.done()
        await delivery
        assert delivery.done()
        assert delivery.error is None
    assert sandbox.state.products["adult"].availability == 100


async def test_publish_sends_chunks_in_order(sandbox, client):
    events = [created("adult"), *(availability("adult", n) for n in range(9))]
    assert await client.inventory.publish(events, max_batch_size=4) == 10
    assert sandbox.state.requests_by_endpoint["events"] == 3
    assert applied(sandbox, "adult") == list(range(9))


async def test_publish_validates_everything_before_sending(sandbox, client):
    with pytest.raises(ValueError, match=r"events\[1\]"):
        await client.inventory.publish([created("a"), {"type": "ProductRemoved"}])
    assert sandbox.state.requests_by_endpoint["events"] == 0


@pytest.mark.parametrize("lanes", [1, 4])
async def test_per_product_order_survives_5xx_and_dropped_connections(sandbox, client, lanes):
    sandbox.faults.update({"error_rate": 0.2, "drop_rate": 0.1})
    products = [f"p{i}" for i in range(6)]
    await client.inventory.publish([created(p) for p in products])
    async with client.inventory.batcher(
        max_batch_size=7,
        linger=0.001,
        lanes=lanes,
        retry=FAST,  # the faults, not the backoff
    ) as batcher:
        for n in range(60):
            for product in products:
                await batcher.send(availability(product, n))
    assert batcher.failed_attempts + client.metrics.retries > 0  # the faults did bite
    for product in products:
        assert applied(sandbox, product) == list(range(60))


async def test_nothing_is_lost_on_close(sandbox, client):
    await client.inventory.publish([created("adult")])
    batcher = client.inventory.batcher(max_batch_size=100, linger=60.0)
    await batcher.start()
    deliveries = [await batcher.send(availability("adult", n)) for n in range(1000)]
    assert sandbox.state.events_accepted == 1  # linger is long: nothing sent yet
    await batcher.close()
    assert all(d.done() and d.error is None for d in deliveries)
    assert applied(sandbox, "adult") == list(range(1000))
    assert batcher.pending == 0


async def test_flush_waits_for_queued_and_in_flight_batches(sandbox, client):
    await client.inventory.publish([created("adult")])
    sandbox.faults.update({"latency": 0.05})
    async with client.inventory.batcher(max_batch_size=10, linger=60.0) as batcher:
        deliveries = [await batcher.send(availability("adult", n)) for n in range(25)]
        await asyncio.sleep(0.01)  # the two full batches are in flight now
        await batcher.flush()
        assert all(d.done() for d in deliveries)
        assert len(applied(sandbox, "adult")) == 25


async def test_backpressure_bounds_the_buffer(sandbox, client):
    await client.inventory.publish([created("adult")])
    sandbox.faults.update({"latency": 0.02})
    async with client.inventory.batcher(max_batch_size=5, max_buffer=10, linger=0.001) as batcher:
        for n in range(10):
            batcher.send_nowait(availability("adult", n))
        with pytest.raises(BufferFullError):
            batcher.send_nowait(availability("adult", 10))
        peak = 0

        async def producer():
            nonlocal peak
            for n in range(10, 60):
                await batcher.send(availability("adult", n))
                peak = max(peak, batcher.pending)

        await asyncio.wait_for(producer(), 10)
    assert peak <= 10
    assert applied(sandbox, "adult") == list(range(60))


async def test_a_rejected_batch_is_split_to_isolate_the_bad_event(sandbox, client):
    await client.inventory.publish([created("adult"), created("child")])
    bad = availability("child", 1)
    force_setattr(
        bad, "availability", -5
    )  # an event the server rejects but this client let through
    rejected: list[EventRejectedError] = []
    batcher = client.inventory.batcher(max_batch_size=50, linger=60.0, on_error=rejected.append)
    await batcher.start()
    good = [await batcher.send(availability("adult", n)) for n in range(20)]
    doomed = await batcher.send(bad)
    more = [await batcher.send(availability("adult", n)) for n in range(20, 40)]
    with pytest.raises(UndeliveredEventsError) as caught:
        await batcher.close()
    assert caught.value.undelivered == []
    assert [r.event for r in caught.value.rejected] == [bad]
    assert [r.event for r in rejected] == [bad]
    assert rejected[0].status == 400
    assert rejected[0].request_id
    assert "availability" in str(rejected[0])
    with pytest.raises(EventRejectedError):
        await doomed
    assert all(d.error is None for d in good + more)
    assert applied(sandbox, "adult") == list(range(40))


async def test_close_hands_back_what_could_not_be_delivered(sandbox, client):
    sandbox.faults.update({"error_rate": 1.0})  # the inventory never accepts anything
    batcher = client.inventory.batcher(linger=0.001, close_timeout=0.3)
    await batcher.start()
    events = [ProductRemoved(product_reference=f"p{i}") for i in range(5)]
    deliveries = [await batcher.send(e) for e in events]
    with pytest.raises(UndeliveredEventsError, match="5 event") as caught:
        await batcher.close()
    assert caught.value.undelivered == events
    for delivery in deliveries:
        with pytest.raises(EventNotDeliveredError, match="503"):
            await delivery
    with pytest.raises(RuntimeError, match="closed"):
        await batcher.send(events[0])
    await batcher.close()  # idempotent


async def test_waiting_senders_are_released_when_the_batcher_closes(sandbox, client):
    sandbox.faults.update({"error_rate": 1.0})
    batcher = client.inventory.batcher(max_buffer=2, linger=0.001, close_timeout=0.1)
    await batcher.start()
    await batcher.send(ProductRemoved(product_reference="a"))
    await batcher.send(ProductRemoved(product_reference="b"))
    blocked = asyncio.create_task(batcher.send(ProductRemoved(product_reference="c")))
    await asyncio.sleep(0.01)
    assert not blocked.done()
    with pytest.raises(UndeliveredEventsError):
        await batcher.close()
    with pytest.raises(RuntimeError, match="closed"):
        await blocked


async def test_closing_the_client_first_hands_events_back_at_once(sandbox):
    client = ConviousClient(**sandbox.client_options())
    batcher = client.inventory.batcher(linger=60.0, close_timeout=30.0)
    await batcher.start()
    events = [ProductRemoved(product_reference=f"p{i}") for i in range(3)]
    for event in events:
        await batcher.send(event)
    await client.aclose()  # the wrong order: the batcher can no longer send
    with pytest.raises(UndeliveredEventsError) as caught:
        async with asyncio.timeout(5):  # not the 30 s close_timeout
            await batcher.close()
    assert caught.value.undelivered == events
    assert "client is closed" in str(batcher._sender.last_error)


async def test_batches_respect_the_byte_limit(sandbox, client):
    await client.inventory.publish([created("adult")])
    async with client.inventory.batcher(
        max_batch_size=1000, max_batch_bytes=2000, linger=60.0
    ) as batcher:
        for n in range(100):
            await batcher.send(availability("adult", n))
    sizes = [len(b) for b in sandbox.state.event_log]  # events, not bodies: check request count
    assert len(sizes) == 101
    # ~110 bytes per event: 2000 bytes hold 18, so 100 events need at least 6 requests.
    assert sandbox.state.requests_by_endpoint["events"] >= 1 + 6


async def test_invalid_sends_are_value_errors_and_lose_nothing(sandbox, client):
    async with client.inventory.batcher() as batcher:
        with pytest.raises(ValueError, match="not an inventory event"):
            await batcher.send({"type": "ProductRemoved"})  # type: ignore[arg-type]
        assert batcher.pending == 0


@pytest.mark.parametrize(
    ("option", "value"),
    [("max_batch_size", 0), ("max_buffer", -1), ("lanes", 1.5), ("linger", -0.1), ("on_error", 3)],
)
def test_invalid_batcher_options_are_value_errors(option, value):
    client = ConviousClient("id", "secret")
    with pytest.raises(ValueError, match=option):
        client.inventory.batcher(**{option: value})


async def test_a_forgotten_batcher_warns(sandbox, client):
    batcher = client.inventory.batcher()
    await batcher.start()
    for worker in batcher._workers:  # what tearing down the event loop does to its workers
        worker.task.cancel()
    for _ in range(3):  # the cancellations, then the workers' done callbacks
        await asyncio.sleep(0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        del batcher, worker
        gc.collect()
    assert any(
        issubclass(w.category, ResourceWarning) and "never closed" in str(w.message) for w in caught
    )
