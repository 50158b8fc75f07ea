"""The transport's one-timer time limits (``_Timers``) against a real slow server."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp import web

from convictional_async.core import DeadlineExceeded, RequestTimeout, Timeout, Transport
from convictional_async.core._transport import _Timers

pytestmark = pytest.mark.usefixtures("aiohttp_path")


@pytest.fixture
async def slow_url(serve):
    async def handler(request: web.Request) -> web.Response:
        await asyncio.sleep(float(request.query.get("wait", "0")))
        return web.Response(body=b"{}")

    app = web.Application()
    app.router.add_get("/", handler)
    return await serve(app) / ""


async def test_the_attempt_limit_ends_a_slow_attempt_as_a_request_timeout(slow_url):
    transport = Transport(timeout=Timeout(total=0.05))
    try:
        with pytest.raises(RequestTimeout):
            await transport.send("GET", slow_url % {"wait": "2"}, {}, None)
        response = await transport.send("GET", slow_url, {}, None)  # usable afterwards
    finally:
        await transport.aclose()
    assert response.status == 200


async def test_the_call_deadline_ends_an_attempt_as_deadline_exceeded(slow_url):
    transport = Transport(timeout=Timeout(total=10))
    loop = asyncio.get_running_loop()
    try:
        with pytest.raises(DeadlineExceeded):
            await transport.send(
                "GET", slow_url % {"wait": "2"}, {}, None, deadline=loop.time() + 0.05
            )
    finally:
        await transport.aclose()


async def test_each_attempt_keeps_its_own_limit_and_the_timer_re_arms(slow_url):
    transport = Transport(timeout=Timeout(total=0.3))
    try:
        fast = [transport.send("GET", slow_url % {"wait": "0.01"}, {}, None) for _ in range(5)]
        slow = [transport.send("GET", slow_url % {"wait": "2"}, {}, None) for _ in range(3)]
        outcomes = await asyncio.gather(*fast, *slow, return_exceptions=True)
        later = await asyncio.gather(
            *(transport.send("GET", slow_url % {"wait": "2"}, {}, None) for _ in range(2)),
            return_exceptions=True,
        )
    finally:
        await transport.aclose()
    assert [getattr(o, "status", None) for o in outcomes[:5]] == [200] * 5
    assert all(isinstance(o, RequestTimeout) for o in outcomes[5:])
    assert all(isinstance(o, RequestTimeout) for o in later)


@pytest.mark.parametrize("cancelled", [None, "before", "after"])
async def test_a_cancellation_asked_for_as_the_limit_fires_still_wins(cancelled):
    loop = asyncio.get_running_loop()
    timers = _Timers(loop)
    outcome: list[str] = []

    async def attempt() -> None:
        task = asyncio.current_task()
        assert task is not None
        timers.add(task, loop.time() + 60)
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            outcome.append("timeout" if timers.timed_out(task) else "cancelled")
            raise
        finally:
            timers.discard(task)

    task = asyncio.ensure_future(attempt())
    await asyncio.sleep(0)
    timers._due[task] = loop.time()  # its limit is reached now
    if cancelled == "before":
        task.cancel()  # the caller's own cancellation, in the same loop iteration
    timers._fire()
    if cancelled == "after":
        task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert outcome == ["cancelled" if cancelled else "timeout"]
    assert not timers._due
    timers.close()


async def test_no_limit_registers_nothing(slow_url):
    transport = Transport(timeout=Timeout(total=None, deadline=None))
    try:
        response = await transport.send("GET", slow_url % {"wait": "0.01"}, {}, None)
        assert transport._timers is not None
        assert not transport._timers._due
    finally:
        await transport.aclose()
    assert response.status == 200


async def test_a_time_limit_swallowed_on_the_way_is_withdrawn():
    loop = asyncio.get_running_loop()
    timers = _Timers(loop)

    async def attempt() -> str:
        task = asyncio.current_task()
        assert task is not None
        timers.add(task, loop.time() + 60)
        try:
            try:
                await asyncio.sleep(60)
            except asyncio.CancelledError:
                return "swallowed"  # as a library might turn it into another outcome
        finally:
            timers.discard(task)

    task = asyncio.ensure_future(attempt())
    await asyncio.sleep(0)
    timers._due[task] = loop.time()
    timers._fire()
    assert await task == "swallowed"
    assert task.cancelling() == 0  # nothing left pending on the task
    assert not timers._expired
    timers.close()


async def test_a_request_queued_for_the_pool_ends_at_its_deadline_unsent(slow_url):
    transport = Transport(timeout=Timeout(total=5), max_connections=1)
    loop = asyncio.get_running_loop()
    try:
        holder = asyncio.ensure_future(transport.send("GET", slow_url % {"wait": "2"}, {}, None))
        await asyncio.sleep(0.05)  # it holds the only connection
        with pytest.raises(DeadlineExceeded) as caught:
            await transport.send("GET", slow_url, {}, None, deadline=loop.time() + 0.1)
        assert not caught.value.request_may_have_been_sent
        assert transport._timers is not None
        assert list(transport._timers._due) == [holder]  # the queued one left no entry
        holder.cancel()
        with pytest.raises(asyncio.CancelledError):
            await holder
        response = await transport.send("GET", slow_url, {}, None)  # its slot was freed
    finally:
        await transport.aclose()
    assert response.status == 200
