"""The core pipeline against hostile servers: every reply ends in a typed error, in bounded time."""

from __future__ import annotations

import asyncio

import pytest
from yarl import URL

from convictional_async.core import (
    APIKeyAuth,
    DeadlineExceeded,
    LocalRateLimiter,
    Pipeline,
    RateLimitError,
    ResponseDecodeError,
    ResponseTooLarge,
    RetryPolicy,
    SDKError,
    ServerError,
    Timeout,
    Transport,
)

from .conftest import DEADLINE, TOKEN, WAITED_DEADLINE

# The transport meets each hostile server on both of its ways into aiohttp (its direct path
# and session.request); the client-level hostile tests above the transport use the default.
pytestmark = pytest.mark.usefixtures("aiohttp_path")

KEY = "hostile-api-key-123"


def transport_with_deadline(deadline: float) -> Transport:
    return Transport(timeout=Timeout(total=30, deadline=deadline), max_response_bytes=1024 * 1024)


@pytest.fixture
async def transport():
    transport = transport_with_deadline(DEADLINE)
    yield transport
    await transport.aclose()


@pytest.fixture
async def waiting_transport():
    """A transport whose deadline the test waits out."""
    transport = transport_with_deadline(WAITED_DEADLINE)
    yield transport
    await transport.aclose()


def pipeline_for(transport, *, limiter=None, retry=None):
    return Pipeline(
        transport,
        retry=retry or RetryPolicy(backoff_initial=0.01, jitter=0.0),
        auth=APIKeyAuth(KEY),
        rate_limiter=limiter,
    )


async def get(pipeline, hostile, scenario, **kwargs):
    return await pipeline.send(
        "GET", URL(hostile.url(scenario)) / "x", headers={}, idempotent=True, **kwargs
    )


@pytest.mark.parametrize("scenario", ["trickle", "hang"])
async def test_the_deadline_bounds_the_whole_call(hostile, waiting_transport, scenario):
    pipeline = pipeline_for(waiting_transport)
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(DeadlineExceeded) as caught:
        await get(pipeline, hostile, scenario)
    assert loop.time() - started < 5  # 0.2 s deadline; without one: 30 s per attempt x 4
    assert caught.value.request_may_have_been_sent
    assert pipeline.metrics.deadlines_exceeded == 1


async def test_a_per_call_deadline_overrides_the_clients(hostile, transport):
    pipeline = pipeline_for(transport)
    with pytest.raises(DeadlineExceeded):
        await get(pipeline, hostile, "hang", deadline=0.1)


async def test_a_request_waiting_in_the_limiter_honours_its_deadline(hostile, waiting_transport):
    limiter = LocalRateLimiter()
    limiter.observe(429, {"Retry-After": "50"})  # paused for 50 s
    pipeline = pipeline_for(waiting_transport, limiter=limiter)
    with pytest.raises(DeadlineExceeded) as caught:
        await get(pipeline, hostile, "ok-token")
    assert not caught.value.request_may_have_been_sent
    assert hostile.hits["ok-token"] == 0


@pytest.mark.parametrize("scenario", ["huge", "huge-chunked", "gzip-bomb"])
async def test_bodies_over_the_cap_are_a_typed_error(hostile, transport, scenario):
    pipeline = pipeline_for(transport)
    with pytest.raises(ResponseTooLarge) as caught:
        await get(pipeline, hostile, scenario)
    assert caught.value.status == 200
    assert caught.value.request_id == "hostile-req-1"
    assert hostile.hits[scenario] == 1  # a deterministic answer is not retried


async def test_a_huge_error_body_is_read_only_as_a_prefix(hostile, transport):
    pipeline = pipeline_for(transport, retry=RetryPolicy(max_retries=1, backoff_initial=0.01))
    with pytest.raises(ServerError) as caught:
        await get(pipeline, hostile, "huge-error")
    assert caught.value.status == 503
    assert len(caught.value.body) <= 2048


@pytest.mark.parametrize(
    ("scenario", "error"),
    [("nested-503", ServerError), ("nested-400", SDKError), ("html-502", ServerError)],
)
async def test_hostile_error_bodies_give_typed_errors(hostile, transport, scenario, error):
    pipeline = pipeline_for(transport, retry=RetryPolicy(max_retries=1, backoff_initial=0.01))
    with pytest.raises(error) as caught:
        await get(pipeline, hostile, scenario)
    assert caught.value.request_id in ("hostile-req-1", None)


async def test_an_absurd_retry_after_fails_fast_and_pauses_the_credential_at_most_max_pause(
    hostile, transport
):
    limiter = LocalRateLimiter(max_pause=60.0)
    pipeline = pipeline_for(transport, limiter=limiter)
    with pytest.raises(RateLimitError) as caught:
        await get(pipeline, hostile, "absurd-retry-after")
    assert caught.value.retry_after == 999999
    assert 0 < limiter._blocked_until - asyncio.get_running_loop().time() <= 60.0


async def test_a_tiny_advertised_limit_is_floored(hostile, transport):
    limiter = LocalRateLimiter()
    pipeline = pipeline_for(transport, limiter=limiter)
    await get(pipeline, hostile, "tiny-limit")
    assert limiter.limit is not None
    assert limiter.limit.per_second >= 1 / 60


async def test_a_token_echoed_in_an_undecodable_body_is_redacted(hostile, transport):
    pipeline = pipeline_for(transport)

    def parse(response):
        raise response.decode_error("not JSON")

    with pytest.raises(ResponseDecodeError) as caught:
        await get(pipeline, hostile, "echo-token", parse=parse)
    for text in (str(caught.value), repr(caught.value), caught.value.body):
        assert KEY not in text
    assert TOKEN  # (the Convious client's variant is in test_hostile_convious.py)


@pytest.fixture
async def echoing_status_line():
    """A raw server that answers with an invalid status line quoting the request's key."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        key = next(
            line.split(b":", 1)[1].strip()
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"authorization:")
        )
        writer.write(b"HTTP/1.1 2X0 " + key + b"\r\nX-Echo: " + key + b"\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.close()
    await server.wait_closed()


async def test_a_malformed_reply_quoting_the_key_leaks_it_nowhere(echoing_status_line, transport):
    pipeline = pipeline_for(transport, retry=RetryPolicy.never())
    with pytest.raises(SDKError) as caught:
        await pipeline.send("GET", URL(echoing_status_line) / "x", headers={}, idempotent=True)
    error: BaseException | None = caught.value
    while error is not None:  # the error and everything chained to it
        assert KEY not in str(error)
        assert KEY not in repr(error)
        assert KEY not in repr(vars(error))
        error = error.__cause__ or error.__context__
