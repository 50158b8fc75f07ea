"""A batcher's workers survive whatever a POST raises; a batcher that stops says so at once."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from convious import (
    BadRequestError,
    ConviousClient,
    EventBatcher,
    ProductRemoved,
    RetryPolicy,
    SDKError,
    ServerError,
    UndeliveredEventsError,
)
from convious._errors import BatcherStoppedError, SpoolError
from convious._lanes import Lane
from convious._spool import EventSpool

NO_WAIT = RetryPolicy(max_retries=0, backoff_initial=0.0, backoff_max=0.0)


def removed(n: int) -> ProductRemoved:
    return ProductRemoved(product_reference=f"p{n}")


class ScriptedInventory:
    """Stands in for ``client.inventory``: raises the scripted errors in turn, then accepts."""

    def __init__(self, *failures: BaseException) -> None:
        self.failures = list(failures)
        self.accepted: list[bytes] = []
        self.calls = 0

    async def post_events(self, body: bytes) -> None:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        self.accepted.append(body)


def batcher_on(inventory: ScriptedInventory, **options: object) -> EventBatcher:
    options = {"linger": 0.0, "retry": NO_WAIT, **options}
    return EventBatcher(inventory.post_events, **options)


@pytest.mark.parametrize(
    "error",
    [RecursionError("maximum recursion depth exceeded"), RuntimeError("boom"), KeyError("x")],
    ids=["RecursionError", "RuntimeError", "KeyError"],
)
async def test_an_unexpected_exception_from_the_post_is_a_failed_attempt(error):
    inventory = ScriptedInventory(error, error)
    async with batcher_on(inventory) as batcher:
        deliveries = [await batcher.send(removed(n)) for n in range(3)]
        await batcher.flush()  # raised RuntimeError("the batcher stopped delivering") before
        assert all(d.done() and d.error is None for d in deliveries)
        later = await batcher.send(removed(3))  # still accepted and delivered
    assert later.error is None
    assert batcher.failed_attempts == 2
    assert batcher.delivered == 4
    assert sum(len(json.loads(body)) for body in inventory.accepted) == 4


async def test_an_unexpected_exception_while_splitting_a_rejected_batch_is_retried():
    rejected = BadRequestError("bad batch", status=400, request_id="r1")
    inventory = ScriptedInventory(rejected, RecursionError("first half"))
    async with batcher_on(inventory, max_batch_size=10) as batcher:
        for n in range(10):
            batcher.send_nowait(removed(n))  # no await in between: one batch of 10
        await batcher.flush()
    # the 400 split the batch; the first half failed once, then both halves went through
    assert [len(json.loads(body)) for body in inventory.accepted] == [5, 5]
    assert batcher.delivered == 10
    assert batcher.failed_attempts == 1


async def test_while_closing_an_unexpected_exception_hands_the_lane_back_at_once():
    """Say the client was closed before the batcher: retrying until close_timeout is futile."""
    inventory = ScriptedInventory(*[RuntimeError("this client is closed")] * 100)
    batcher = batcher_on(inventory, linger=60.0, close_timeout=30.0)
    await batcher.start()
    events = [removed(n) for n in range(3)]
    for event in events:
        await batcher.send(event)
    with pytest.raises(UndeliveredEventsError) as caught:
        async with asyncio.timeout(5):  # not the 30 s close_timeout
            await batcher.close()
    assert caught.value.undelivered == events
    assert inventory.calls == 1


@contextlib.asynccontextmanager
async def inventory_server(
    events: Callable[[web.Request], Awaitable[web.Response]],
) -> AsyncIterator[dict[str, str]]:
    """A token endpoint and ``events`` for POST /events on 127.0.0.1; yields the URLs."""

    async def token(request: web.Request) -> web.Response:
        return web.json_response({"token_type": "Bearer", "access_token": "t", "expires_in": 60})

    app = web.Application()
    app.router.add_post("/oauth/token/", token)
    app.router.add_post("/events", events)
    async with TestServer(app, host="127.0.0.1") as server:
        base = str(server.make_url(""))
        yield {"identity_url": base, "inventory_url": base, "pricer_url": base}


class ScriptedEvents:
    """POST /events: the scripted answers in turn, then 200s, keeping what was accepted."""

    def __init__(self, *answers: web.Response) -> None:
        self.answers = list(answers)
        self.calls = 0
        self.received: list[object] = []

    async def handle(self, request: web.Request) -> web.Response:
        self.calls += 1
        if self.answers:
            return self.answers.pop(0)
        self.received.extend(await request.json())
        return web.Response(status=200)


async def test_a_deeply_nested_503_body_does_not_stop_the_batcher():
    """Finding 5 as measured: a 503 whose JSON body nests 100,000 levels deep, then a 200."""
    nested = "[" * 100_000 + "]" * 100_000
    events = ScriptedEvents(web.Response(status=503, text=nested, content_type="application/json"))
    async with (
        inventory_server(events.handle) as urls,
        ConviousClient("id", "secret", **urls, retry=NO_WAIT) as client,
        client.inventory.batcher(linger=0.0, retry=NO_WAIT) as batcher,
    ):
        for n in range(3):
            await batcher.send(removed(n))
    assert isinstance(batcher._sender.last_error, ServerError)
    assert batcher.failed_attempts == 1
    assert len(events.received) == 3


async def test_a_503s_retry_after_is_honoured_by_the_batcher():
    events = ScriptedEvents(web.Response(status=503, headers={"Retry-After": "5"}))
    waits: list[float] = []

    async def fake_sleep(delay: float) -> None:
        waits.append(delay)

    async with (
        inventory_server(events.handle) as urls,
        ConviousClient("id", "secret", **urls) as client,
    ):
        batcher = client.inventory.batcher(linger=0.0)
        batcher._sender.sleep = fake_sleep
        async with batcher:
            await (await batcher.send(removed(0)))
    assert (events.calls, waits) == (2, [5.0])


async def test_a_worker_that_dies_anyway_makes_send_refuse_at_once(monkeypatch):
    inventory = ScriptedInventory()
    batcher = batcher_on(inventory, linger=60.0)
    await batcher.start()

    def broken_take(lane, limits):
        raise MemoryError("no room for a batch")

    monkeypatch.setattr(Lane, "take", broken_take)
    events = [removed(n) for n in range(3)]
    for event in events:
        await batcher.send(event)
    with pytest.raises(BatcherStoppedError, match="no room for a batch") as stopped:
        await batcher.flush()
    assert isinstance(stopped.value, SDKError)
    with pytest.raises(BatcherStoppedError):
        await batcher.send(removed(9))  # refused at once, not accepted and never sent
    with pytest.raises(BatcherStoppedError):
        batcher.send_nowait(removed(9))
    with pytest.raises(UndeliveredEventsError) as caught:
        async with asyncio.timeout(5):
            await batcher.close()
    assert caught.value.undelivered == events
    assert inventory.calls == 0


async def test_a_worker_cancelled_from_outside_stops_the_batcher_instead_of_hanging_flush():
    inventory = ScriptedInventory()
    batcher = batcher_on(inventory, linger=60.0)
    await batcher.start()
    event = removed(0)
    await batcher.send(event)
    batcher._workers[0].task.cancel()  # what tearing down a loop does, or a stray cancel
    with pytest.raises(BatcherStoppedError, match="cancelled"):
        async with asyncio.timeout(5):
            await batcher.flush()
    with pytest.raises(BatcherStoppedError):
        await batcher.send(removed(1))
    with pytest.raises(UndeliveredEventsError) as caught:
        await batcher.close()
    assert caught.value.undelivered == [event]


async def test_a_spool_that_fails_to_forget_stops_the_batcher_and_keeps_the_events(tmp_path):
    path = tmp_path / "events.sqlite"
    batcher = batcher_on(ScriptedInventory(), linger=60.0, spool_path=path)
    await batcher.start()

    def disk_error(sequence_numbers):
        raise SpoolError(str(path), "disk I/O error")

    batcher._spool.remove = disk_error
    first = await batcher.send(removed(0))
    with pytest.raises(BatcherStoppedError, match="disk I/O error"):
        await batcher.flush()
    assert first.error is None  # the API accepted it; only forgetting it failed
    with pytest.raises(BatcherStoppedError):
        await batcher.send(removed(1))
    await batcher.close()  # nothing undelivered: close() is quiet
    spool = EventSpool(path)
    try:
        assert len(spool) == 1  # so the next batcher sends it again: at least once
    finally:
        spool.close()


class GatedInventory:
    """Holds every POST until the test opens the gate."""

    def __init__(self) -> None:
        self.gate = asyncio.Event()
        self.posts = 0

    async def post_events(self, body: bytes) -> None:
        await self.gate.wait()
        self.posts += 1


async def test_a_sender_cancelled_just_as_it_was_woken_passes_the_free_place_on():
    inventory = GatedInventory()
    batcher = EventBatcher(inventory.post_events, max_buffer=1, linger=0, close_timeout=1)
    await batcher.start()
    await batcher.send(removed(0))  # the buffer is full while this one is in flight
    first = asyncio.create_task(batcher.send(removed(1)))
    second = asyncio.create_task(batcher.send(removed(2)))
    for _ in range(5):
        await asyncio.sleep(0)  # both wait for room
    inventory.gate.set()
    while batcher.pending:  # noqa: ASYNC110 (the delivery wakes the first sender ...)
        await asyncio.sleep(0)
    first.cancel()  # ... which is cancelled before it resumes
    async with asyncio.timeout(2):
        await second  # the place it was given goes to the next sender
    await batcher.close()
    assert inventory.posts == 2
