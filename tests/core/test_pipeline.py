"""The request pipeline against mocked HTTP (aioresponses through the ``mock_http`` fixture)."""

from __future__ import annotations

import logging

import aiohttp
import pytest
from yarl import URL

from convictional_async.core import (
    APIKeyAuth,
    AuthenticationError,
    BadRequestError,
    ConnectError,
    ConnectionLost,
    LocalRateLimiter,
    Pipeline,
    RateLimitError,
    ResponseDecodeError,
    RetryPolicy,
    SDKError,
    ServerError,
    Transport,
)

URL_ = URL("https://api.example.test/things")


class FakeAuth:
    """Hands out numbered credentials; a refresh moves to the next one."""

    def __init__(self, refresh: bool = True):
        self.generation = 1
        self.headers = {"Authorization": "Bearer secret-token-1"}
        self.refreshes = 0
        self.refresh = refresh

    def current(self):
        return self.headers

    async def authorize(self):
        return self.headers

    async def refresh_after_unauthorized(self, used):
        if not self.refresh:
            return False
        if used is self.headers:
            self.refreshes += 1
            self.generation += 1
            self.headers = {"Authorization": f"Bearer secret-token-{self.generation}"}
        return True

    def secrets(self):
        return ("secret-token-1", "secret-token-2")


@pytest.fixture
async def transport():
    transport = Transport()
    yield transport
    await transport.aclose()


def make_pipeline(transport, *, auth=None, limiter=None, max_retries=3):
    sleeps: list[float] = []

    async def fake_sleep(delay: float) -> None:
        sleeps.append(delay)

    pipeline = Pipeline(
        transport,
        retry=RetryPolicy(max_retries=max_retries, backoff_initial=0.1, jitter=0.0),
        auth=auth,
        rate_limiter=limiter,
        sleep=fake_sleep,
        rand=lambda: 0.0,
    )
    return pipeline, sleeps


async def test_success_returns_the_response(mock_http, transport):
    mock_http.post(str(URL_), status=200, body=b'{"ok": true}', headers={"X-Request-ID": "r1"})
    pipeline, _ = make_pipeline(transport)
    response = await pipeline.send("POST", URL_, headers={}, body=b"{}", idempotent=True)
    assert (response.status, response.body, response.request_id) == (200, b'{"ok": true}', "r1")
    assert pipeline.metrics.attempts == 1


async def test_parse_turns_the_2xx_response_into_the_result_and_is_not_retried(
    mock_http, transport
):
    mock_http.post(str(URL_), status=503)
    mock_http.post(str(URL_), status=200, body=b"42", headers={"X-Request-ID": "r2"})
    mock_http.post(str(URL_), status=200, body=b"oops", headers={"X-Request-ID": "r3"})
    pipeline, sleeps = make_pipeline(transport)
    parsed = await pipeline.send(
        "POST", URL_, headers={}, body=b"{}", idempotent=True, parse=lambda r: int(r.body)
    )
    assert (parsed, sleeps) == (42, [0.1])  # parse sees only the 2xx response

    def strict(response):
        raise response.decode_error("not a number")

    with pytest.raises(ResponseDecodeError) as caught:
        await pipeline.send("POST", URL_, headers={}, body=b"{}", idempotent=True, parse=strict)
    assert (caught.value.status, caught.value.request_id) == (200, "r3")
    assert pipeline.metrics.attempts == 3  # the parse failure was final


async def test_5xx_is_retried_with_backoff_when_idempotent(mock_http, transport):
    mock_http.post(str(URL_), status=503)
    mock_http.post(str(URL_), status=502)
    mock_http.post(str(URL_), status=200, body=b"{}")
    pipeline, sleeps = make_pipeline(transport)
    response = await pipeline.send("POST", URL_, headers={}, body=b"{}", idempotent=True)
    assert response.status == 200
    assert sleeps == [0.1, 0.2]
    assert (pipeline.metrics.attempts, pipeline.metrics.retries) == (3, 2)


async def test_5xx_is_not_retried_when_not_idempotent(mock_http, transport):
    mock_http.post(str(URL_), status=500, body=b'{"error": "boom"}', headers={"X-Request-ID": "r5"})
    pipeline, sleeps = make_pipeline(transport)
    with pytest.raises(ServerError) as caught:
        await pipeline.send("POST", URL_, headers={}, body=b"{}", idempotent=False)
    assert sleeps == []
    assert caught.value.status == 500
    assert caught.value.request_id == "r5"
    assert caught.value.errors == {"general": ["boom"]}


async def test_retries_give_up_after_max_retries(mock_http, transport):
    for _ in range(3):
        mock_http.post(str(URL_), status=503)
    pipeline, sleeps = make_pipeline(transport, max_retries=2)
    with pytest.raises(ServerError):
        await pipeline.send("POST", URL_, headers={}, body=b"{}", idempotent=True)
    assert len(sleeps) == 2
    assert pipeline.metrics.failures == 1


async def test_429_is_retried_even_when_not_idempotent_and_pauses_the_limiter(mock_http, transport):
    mock_http.post(str(URL_), status=429, headers={"Retry-After": "0"})
    mock_http.post(str(URL_), status=200, body=b"{}")
    limiter = LocalRateLimiter()
    pipeline, sleeps = make_pipeline(transport, limiter=limiter)
    response = await pipeline.send("POST", URL_, headers={}, body=b"{}", idempotent=False)
    assert response.status == 200
    assert sleeps == [0.0]


async def test_429_beyond_max_retry_after_raises_rate_limit_error(mock_http, transport):
    mock_http.post(str(URL_), status=429, headers={"Retry-After": "3600", "X-Request-ID": "r429"})
    pipeline, _ = make_pipeline(transport)
    with pytest.raises(RateLimitError) as caught:
        await pipeline.send("POST", URL_, headers={}, body=b"{}", idempotent=True)
    assert caught.value.retry_after == 3600.0
    assert caught.value.request_id == "r429"


async def test_429s_never_use_up_max_retries(mock_http, transport):
    for _ in range(5):
        mock_http.post(str(URL_), status=429, headers={"Retry-After": "1"})
    mock_http.post(str(URL_), status=200, body=b"{}")
    pipeline, sleeps = make_pipeline(transport, max_retries=0)
    response = await pipeline.send("POST", URL_, headers={}, body=b"{}", idempotent=True)
    assert response.status == 200
    assert sleeps == [1.0] * 5
    assert pipeline.metrics.rate_limited == 5


async def test_429s_stop_when_their_time_budget_is_spent(mock_http, transport):
    for _ in range(5):
        mock_http.post(str(URL_), status=429, headers={"Retry-After": "2", "X-Request-ID": "rl"})
    sleeps: list[float] = []

    async def fake_sleep(delay: float) -> None:
        sleeps.append(delay)

    pipeline = Pipeline(
        transport,
        retry=RetryPolicy(max_rate_limit_wait=5.0, jitter=0.0),
        sleep=fake_sleep,
        rand=lambda: 0.0,
    )
    with pytest.raises(RateLimitError) as caught:
        await pipeline.send("POST", URL_, headers={}, body=b"{}", idempotent=True)
    assert sleeps == [2.0, 2.0]  # a third wait would pass the 5 s budget
    assert (caught.value.status, caught.value.request_id) == (429, "rl")


async def test_a_retry_that_cannot_start_before_the_deadline_is_not_waited_for(
    mock_http, transport
):
    mock_http.post(str(URL_), status=503, headers={"Retry-After": "30"})
    pipeline, sleeps = make_pipeline(transport)
    with pytest.raises(ServerError):
        await pipeline.send("POST", URL_, headers={}, body=b"{}", idempotent=True, deadline=5.0)
    assert sleeps == []


async def test_the_limiter_is_asked_after_a_connection_slot_is_held(mock_http):
    """A paced request leaves at its slot, not whenever a pool slot frees up."""
    transport = Transport(max_connections=1)
    order: list[str] = []
    mock_http.get(str(URL_), status=200, body=b"{}", repeat=True)

    def ready():
        order.append(f"ready free={transport._gate.free}")
        return

    try:
        await transport.send("GET", URL_, {}, None, ready=ready)
    finally:
        await transport.aclose()
    assert order == ["ready free=0"]


async def test_4xx_is_final(mock_http, transport):
    mock_http.post(str(URL_), status=400, body=b'{"errors": {"general": ["bad"]}}')
    pipeline, sleeps = make_pipeline(transport)
    with pytest.raises(BadRequestError, match="bad"):
        await pipeline.send("POST", URL_, headers={}, body=b"{}", idempotent=True)
    assert sleeps == []


async def test_connection_refused_is_retried_then_raised(transport):
    closed_port = URL("http://127.0.0.1:9/unreachable")  # discard port: nothing listens
    pipeline, sleeps = make_pipeline(transport, max_retries=2)
    with pytest.raises(ConnectError):
        await pipeline.send("POST", closed_port, headers={}, body=b"{}", idempotent=False)
    assert len(sleeps) == 2


async def test_dropped_connection_is_retried_only_when_idempotent(mock_http, transport):
    mock_http.post(str(URL_), exception=aiohttp.ServerDisconnectedError())
    mock_http.post(str(URL_), status=200, body=b"{}")
    pipeline, sleeps = make_pipeline(transport)
    assert (
        await pipeline.send("POST", URL_, headers={}, body=b"{}", idempotent=True)
    ).status == 200
    mock_http.post(str(URL_), exception=aiohttp.ServerDisconnectedError())
    with pytest.raises(ConnectionLost):
        await pipeline.send("POST", URL_, headers={}, body=b"{}", idempotent=False)
    assert len(sleeps) == 1


async def test_401_refreshes_once_and_replays_once(mock_http, transport):
    mock_http.post(str(URL_), status=401)
    mock_http.post(str(URL_), status=200, body=b"{}")
    auth = FakeAuth()
    pipeline, sleeps = make_pipeline(transport, auth=auth)
    assert (
        await pipeline.send("POST", URL_, headers={}, body=b"{}", idempotent=False)
    ).status == 200
    assert auth.refreshes == 1
    assert sleeps == []
    sent = [call.kwargs["headers"]["Authorization"] for call in mock_http.requests[("POST", URL_)]]
    assert sent == ["Bearer secret-token-1", "Bearer secret-token-2"]
    assert pipeline.metrics.auth_replays == 1


async def test_second_401_after_replay_raises_without_secrets(mock_http, transport):
    mock_http.post(str(URL_), status=401, body=b'{"error": "secret-token-1 revoked"}')
    mock_http.post(str(URL_), status=401, body=b'{"error": "secret-token-2 revoked"}')
    auth = FakeAuth()
    pipeline, _ = make_pipeline(transport, auth=auth)
    with pytest.raises(AuthenticationError) as caught:
        await pipeline.send("POST", URL_, headers={}, body=b"{}", idempotent=True)
    assert auth.refreshes == 1
    assert "secret-token" not in str(caught.value)
    assert "secret-token" not in caught.value.body


async def test_static_key_401_is_final(mock_http, transport):
    mock_http.get(str(URL_), status=401, body=b'{"error": "unauthorized"}')
    pipeline, _ = make_pipeline(transport, auth=APIKeyAuth("k-abcdef"))
    with pytest.raises(AuthenticationError, match="unauthorized"):
        await pipeline.send("GET", URL_, headers={}, idempotent=True)
    sent = mock_http.requests[("GET", URL_)][0].kwargs["headers"]
    assert sent["Authorization"] == "k-abcdef"


async def test_debug_log_has_each_attempt_and_no_secret(mock_http, transport, caplog):
    mock_http.post(str(URL_), status=503, headers={"X-Request-ID": "first"})
    mock_http.post(str(URL_), status=200, body=b"{}", headers={"X-Request-ID": "second"})
    pipeline, _ = make_pipeline(transport, auth=FakeAuth())
    with caplog.at_level(logging.DEBUG, logger="convictional_async"):
        await pipeline.send("POST", URL_, headers={}, body=b'{"x": 1}', idempotent=True)
    lines = [r.getMessage() for r in caplog.records if r.name == "convictional_async"]
    assert len(lines) == 2
    assert "POST https://api.example.test/things -> 503" in lines[0]
    assert "attempt 1, request id first" in lines[0]
    assert "retrying in" in lines[0]
    assert "attempt 2, request id second" in lines[1]
    assert all("secret-token" not in line for line in caplog.text.splitlines())


class ReplacedTokenAuth:
    """Sends one token, but already holds the next one when the reply arrives."""

    def current(self):
        return {"Authorization": "Bearer old-token-123456"}

    async def authorize(self):
        return self.current()

    async def refresh_after_unauthorized(self, used):
        return False

    def secrets(self):
        return ("new-token-654321",)


async def test_the_credential_an_attempt_used_is_scrubbed_even_after_it_was_replaced(
    mock_http, transport
):
    echo = b'{"error": "bad token old-token-123456 (Bearer old-token-123456)"}'
    mock_http.post(str(URL_), status=400, body=echo)
    pipeline = Pipeline(transport, retry=RetryPolicy.never(), auth=ReplacedTokenAuth())
    with pytest.raises(BadRequestError) as caught:
        await pipeline.send("POST", URL_, headers={}, body=b"{}", idempotent=True)
    error = caught.value
    for text in (str(error), repr(error), error.body, str(error.errors)):
        assert "old-token-123456" not in text


async def test_a_secret_echoed_as_an_error_field_name_is_scrubbed(mock_http, transport):
    mock_http.post(str(URL_), status=422, body=b'{"errors": {"secret-token-1": ["bad key"]}}')
    pipeline, _ = make_pipeline(transport, auth=FakeAuth(refresh=False))
    with pytest.raises(SDKError) as caught:
        await pipeline.send("POST", URL_, headers={}, body=b"{}", idempotent=True)
    assert "secret-token-1" not in str(caught.value)
    assert "secret-token-1" not in str(caught.value.errors)
