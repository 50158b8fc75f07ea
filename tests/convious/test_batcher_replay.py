"""What a consumer of the inventory can see when the batcher sends a batch again.

These tests pin down the module docstring's "At least once" paragraph: a replay re-applies
a whole batch in order (so a product can briefly show an older state from that batch),
a later batch for a product never overtakes an earlier one in this client, and an attempt
the client gave up on can still be applied by the server after its retry.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from datetime import date

from aiohttp import web

from convious import (
    ConnectionLost,
    ConviousClient,
    EventBatcher,
    Pricing,
    ProductAvailabilityChanged,
    ProductCreated,
    ProductRemoved,
    RetryPolicy,
    Timeout,
)

NO_WAIT = RetryPolicy(max_retries=0, backoff_initial=0.0, backoff_max=0.0)


def availability(reference: str, value: int) -> ProductAvailabilityChanged:
    return ProductAvailabilityChanged(
        product_reference=reference, event_date=date(2026, 12, 1), availability=value
    )


def created(reference: str) -> ProductCreated:
    return ProductCreated(
        product_reference=reference, name="Child", pricing=Pricing(max_accepted_price=5)
    )


class ForgetfulInventory:
    """Applies every batch, but loses the answer to the batches listed in ``lose``."""

    def __init__(self, lose: set[int]) -> None:
        self.lose = lose
        self.calls = 0
        self.seen: dict[str, list[object]] = {}  # every state each product went through

    async def post_events(self, body: bytes) -> None:
        self.calls += 1
        for event in json.loads(body):
            payload = event["payload"]
            kind = event["type"]
            state = payload["availability"] if kind == "ProductAvailabilityChanged" else kind
            self.seen.setdefault(payload["productReference"], []).append(state)
        if self.calls in self.lose:
            raise ConnectionLost("the answer was lost")


async def test_a_replayed_batch_briefly_shows_an_older_state_from_that_batch():
    inventory = ForgetfulInventory(lose={1})
    batcher = EventBatcher(inventory.post_events, linger=60.0, retry=NO_WAIT)
    async with batcher:
        await batcher.send(availability("adult", 5))
        await batcher.send(availability("adult", 6))
        await batcher.send(created("child"))
        await batcher.send(ProductRemoved(product_reference="child"))
        await batcher.flush()
    # applied, answer lost, applied again: 6 -> 5 for a moment, then 6 for good
    assert inventory.seen["adult"] == [5, 6, 5, 6]
    # a product created and removed in the batch exists again for a moment
    assert inventory.seen["child"] == ["ProductCreated", "ProductRemoved"] * 2


async def test_a_later_batch_for_a_product_never_overtakes_a_replay():
    inventory = ForgetfulInventory(lose=set(range(1, 1000, 2)))  # every batch is replayed
    batcher = EventBatcher(
        inventory.post_events,
        max_batch_size=10,  # more than the 8 products: every batch repeats some product
        linger=0.0,
        lanes=4,
        retry=NO_WAIT,
    )
    products = [f"p{n}" for n in range(8)]
    async with batcher:
        for value in range(30):
            for product in products:
                await batcher.send(availability(product, value))
    assert batcher.failed_attempts == batcher.batches
    steps_back = []
    for product in products:
        seen = inventory.seen[product]
        assert seen[-1] == 29
        first_seen = [seen.index(value) for value in range(30)]
        assert first_seen == sorted(first_seen)  # each value first appears in send order
        steps_back += [a - b for a, b in itertools.pairwise(seen) if b < a]
    # the replays stepped back, never further than the 10-event batch they repeat
    assert steps_back
    assert max(steps_back) <= 10 - 1


async def test_an_attempt_the_client_gave_up_on_can_still_be_applied_after_its_retry():
    gate = asyncio.Event()
    late = asyncio.Event()
    state: dict[str, int] = {}
    requests = 0

    async def token(request: web.Request) -> web.Response:
        return web.json_response({"token_type": "Bearer", "access_token": "t", "expires_in": 60})

    async def events(request: web.Request) -> web.Response:
        nonlocal requests
        requests += 1
        batch = await request.json()
        first = requests == 1
        if first:
            await gate.wait()  # this one is slow: the client times out and retries
        for event in batch:
            state[event["payload"]["productReference"]] = event["payload"]["availability"]
        if first:
            late.set()
        return web.Response(status=200)

    app = web.Application()
    app.router.add_post("/oauth/token/", token)
    app.router.add_post("/events", events)
    runner = web.AppRunner(app)  # like most servers, it finishes a request the client left
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        base = f"http://127.0.0.1:{runner.addresses[0][1]}"
        urls = {"identity_url": base, "inventory_url": base, "pricer_url": base}
        retry = RetryPolicy(max_retries=2, backoff_initial=0.0, backoff_max=0.0)
        async with (
            ConviousClient(
                "id", "secret", **urls, retry=retry, timeout=Timeout(total=0.3)
            ) as client,
            client.inventory.batcher(linger=0.0) as batcher,
        ):
            await (await batcher.send(availability("adult", 1)))
            await (await batcher.send(availability("adult", 2)))
            assert state == {"adult": 2}
            assert requests >= 3  # the abandoned attempt, its retry, the second batch
            gate.set()  # the abandoned first attempt finally goes through
            async with asyncio.timeout(5):
                await late.wait()
    finally:
        await runner.cleanup()
    assert state == {"adult": 1}  # stale until the product's next event
