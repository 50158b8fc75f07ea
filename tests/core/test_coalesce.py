"""Single flight: identical concurrent calls share one execution; cancellation never spreads."""

from __future__ import annotations

import asyncio

import pytest

from convictional_async.core import ClientMetrics, Coalescer


async def test_identical_calls_share_one_execution():
    coalescer: Coalescer[str] = Coalescer(ClientMetrics())
    calls = 0
    gate = asyncio.Event()

    async def call(_: object) -> str:
        nonlocal calls
        calls += 1
        await gate.wait()
        return "result"

    tasks = [asyncio.create_task(coalescer.run("k", call, None)) for _ in range(50)]
    await asyncio.sleep(0)
    gate.set()
    assert await asyncio.gather(*tasks) == ["result"] * 50
    assert calls == 1
    assert coalescer.metrics.coalesced == 49
    assert coalescer.in_flight == 0


async def test_different_keys_run_separately():
    coalescer: Coalescer[str] = Coalescer()
    calls: list[str] = []

    async def call(key: str) -> str:
        calls.append(key)
        await asyncio.sleep(0)
        return key

    results = await asyncio.gather(*(coalescer.run(k, call, k) for k in "abc"))
    assert results == ["a", "b", "c"]
    assert sorted(calls) == ["a", "b", "c"]


async def test_an_error_reaches_every_waiter_then_the_key_is_free():
    coalescer: Coalescer[str] = Coalescer()
    gate = asyncio.Event()

    async def failing(_: object) -> str:
        await gate.wait()
        raise ValueError("boom")

    tasks = [asyncio.create_task(coalescer.run("k", failing, None)) for _ in range(3)]
    await asyncio.sleep(0)
    gate.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert all(isinstance(r, ValueError) for r in results)

    async def fine(_: object) -> str:
        return "ok"

    assert await coalescer.run("k", fine, None) == "ok"


async def test_a_cancelled_follower_does_not_affect_the_leader():
    coalescer: Coalescer[str] = Coalescer()
    gate = asyncio.Event()

    async def call(_: object) -> str:
        await gate.wait()
        return "done"

    leader = asyncio.create_task(coalescer.run("k", call, None))
    await asyncio.sleep(0)
    follower = asyncio.create_task(coalescer.run("k", call, None))
    await asyncio.sleep(0)
    follower.cancel()
    gate.set()
    assert await leader == "done"
    with pytest.raises(asyncio.CancelledError):
        await follower


async def test_a_cancelled_leader_hands_the_call_to_a_follower():
    coalescer: Coalescer[int] = Coalescer()
    started = 0
    gate = asyncio.Event()

    async def call(_: object) -> int:
        nonlocal started
        started += 1
        await gate.wait()
        return started

    leader = asyncio.create_task(coalescer.run("k", call, None))
    await asyncio.sleep(0)
    followers = [asyncio.create_task(coalescer.run("k", call, None)) for _ in range(3)]
    await asyncio.sleep(0)
    leader.cancel()
    for _ in range(3):  # let the leader unwind and a follower take over before finishing
        await asyncio.sleep(0)
    gate.set()
    assert await asyncio.gather(*followers) == [2, 2, 2]  # one follower re-ran it for all
    assert started == 2
    with pytest.raises(asyncio.CancelledError):
        await leader


async def test_a_pipeline_call_leading_inline_lands_its_flight_without_parse(mock_http):
    from yarl import URL

    from convictional_async.core import Pipeline, RetryPolicy, Transport

    url = URL("https://api.example.test/x")
    mock_http.get(str(url), status=200, body=b"{}")
    coalescer: Coalescer[object] = Coalescer()
    transport = Transport()
    try:
        pipeline = Pipeline(transport, retry=RetryPolicy())
        send = pipeline.send  # the untyped path: share without parse
        response = await send(
            "GET", url, headers={}, idempotent=True, share=coalescer, share_key="k"
        )
    finally:
        await transport.aclose()
    assert response.status == 200
    assert coalescer.in_flight == 0
