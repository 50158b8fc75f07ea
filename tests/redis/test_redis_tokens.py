"""RedisTokenCache on a real Redis: one login among many callers, stale tokens, the lock."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
import redis.exceptions
from redis.asyncio import Redis
from redis_support import RedisServer

from convictional_async.redis import CachedToken, RedisTokenCache


class CountingLogin:
    """A fake login that takes a moment and hands out numbered tokens."""

    def __init__(self, *, renew_in: float | None = None, fail: bool = False) -> None:
        self.calls = 0
        self.renew_in = renew_in
        self.fail = fail

    async def __call__(self) -> CachedToken:
        self.calls += 1
        await asyncio.sleep(0.05)
        if self.fail:
            raise RuntimeError("the token endpoint refused")
        return CachedToken(f"token-{self.calls}", renew_in=self.renew_in)


class UnsteadyRedis(Redis):
    """A real client whose scripts can be held before they reach Redis (``gate``), fail
    once (``fail_next``), or run in Redis with their reply lost (``lose_replies``): a
    stalled or broken network at a chosen moment."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.gate = asyncio.Event()
        self.gate.set()
        self.fail_next = False
        self.lose_replies = False
        self.reply_lost = asyncio.Event()

    async def evalsha(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        await self.gate.wait()
        if self.fail_next:
            self.fail_next = False
            raise redis.exceptions.ConnectionError("the connection broke")
        reply = await super().evalsha(*args, **kwargs)
        if self.lose_replies:
            self.reply_lost.set()
            await asyncio.Event().wait()
        return reply


@pytest.fixture
async def unsteady(redis_server: RedisServer) -> AsyncIterator[UnsteadyRedis]:
    client = UnsteadyRedis.from_url(redis_server.url)
    yield client
    await client.aclose()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"prefix": "{x}"}, "prefix must be"),
        ({"ttl": 0}, "ttl must be"),
        ({"lock_ttl": -1}, "lock_ttl must be"),
        ({"on_redis_error": "retry"}, "on_redis_error must be"),
    ],
)
def test_invalid_options_raise_value_error(options, message):
    with pytest.raises(ValueError, match=message):
        RedisTokenCache(Redis(port=1), **options)


async def test_invalid_keys_raise_before_any_traffic():
    cache = RedisTokenCache(Redis(port=1))
    with pytest.raises(ValueError, match="key must be"):
        await cache.fetch("a b", CountingLogin())
    with pytest.raises(ValueError, match="stale must be"):
        await cache.fetch("c:1", CountingLogin(), stale=b"x")  # type: ignore[arg-type]


async def test_many_callers_starting_cold_cause_exactly_one_login(redis_client, prefix):
    login = CountingLogin()
    caches = [RedisTokenCache(redis_client, prefix=prefix) for _ in range(4)]
    tokens = await asyncio.gather(*(c.fetch("c:1", login) for c in caches for _ in range(3)))
    assert login.calls == 1
    assert {t.access_token for t in tokens} == {"token-1"}
    assert sum(c.logins for c in caches) == 1
    keys = sorted(k.decode() for k in await redis_client.keys(f"{prefix}:*"))
    assert keys == [f"{prefix}:{{c:1}}:token"]  # the lock is gone


async def test_a_rejected_token_leads_to_exactly_one_more_login(redis_client, prefix):
    login = CountingLogin()
    caches = [RedisTokenCache(redis_client, prefix=prefix) for _ in range(3)]
    first = await caches[0].fetch("c:1", login)
    again = await asyncio.gather(
        *(c.fetch("c:1", login, stale=first.access_token) for c in caches for _ in range(2))
    )
    assert login.calls == 2
    assert {t.access_token for t in again} == {"token-2"}
    # A caller still holding the older rejected token gets the newer one, no login.
    late = await caches[1].fetch("c:1", login, stale=first.access_token)
    assert late.access_token == "token-2"
    assert login.calls == 2


async def test_a_failed_login_releases_the_lock_for_the_next_caller(redis_client, prefix):
    cache = RedisTokenCache(redis_client, prefix=prefix, lock_ttl=30)
    with pytest.raises(RuntimeError):
        await cache.fetch("c:1", CountingLogin(fail=True))
    await cache.aclose()
    assert await redis_client.exists(f"{prefix}:{{c:1}}:token-lock") == 0
    assert (await cache.fetch("c:1", CountingLogin())).access_token == "token-1"


async def test_a_login_cancelled_before_its_token_is_stored_shares_it_and_frees_the_lock(
    unsteady, redis_client, prefix
):
    cache = RedisTokenCache(unsteady, prefix=prefix, lock_ttl=30)
    answered = asyncio.Event()

    async def login() -> CachedToken:  # the token endpoint answers; Redis is held up
        unsteady.gate.clear()
        answered.set()
        return CachedToken("token-1", renew_in=60)

    fetch = asyncio.ensure_future(cache.fetch("c:1", login))
    await answered.wait()
    fetch.cancel()  # while the token is on its way to Redis
    with pytest.raises(asyncio.CancelledError):
        await fetch
    unsteady.gate.set()
    await cache.aclose()
    assert await redis_client.exists(f"{prefix}:{{c:1}}:token-lock") == 0
    others = CountingLogin()
    async with asyncio.timeout(3):
        token = await RedisTokenCache(redis_client, prefix=prefix).fetch("c:1", others)
    assert token.access_token == "token-1"
    assert others.calls == 0  # one login between them, cancellation or not


async def test_a_caller_cancelled_after_taking_the_lock_unseen_frees_it(
    unsteady, redis_client, prefix
):
    """The lock script ran in Redis but its reply never came: the caller, cancelled, does
    not know it holds the lock, and releases it all the same (only if it is its own)."""
    cache = RedisTokenCache(unsteady, prefix=prefix, lock_ttl=30)
    lock = f"{prefix}:{{c:1}}:token-lock"
    login = CountingLogin()
    unsteady.lose_replies = True
    fetch = asyncio.ensure_future(cache.fetch("c:1", login))
    async with asyncio.timeout(5):
        await unsteady.reply_lost.wait()
    assert await redis_client.exists(lock) == 1
    unsteady.lose_replies = False
    fetch.cancel()
    with pytest.raises(asyncio.CancelledError):
        await fetch
    await cache.aclose()
    assert await redis_client.exists(lock) == 0
    assert login.calls == 0


async def test_a_cancelled_caller_never_releases_a_lock_another_holds(
    unsteady, redis_client, prefix
):
    lock = f"{prefix}:{{c:1}}:token-lock"
    await redis_client.set(lock, "another-process", px=30_000)
    cache = RedisTokenCache(unsteady, prefix=prefix)
    unsteady.lose_replies = True
    fetch = asyncio.ensure_future(cache.fetch("c:1", CountingLogin()))
    async with asyncio.timeout(5):
        await unsteady.reply_lost.wait()  # told to wait for the other holder, unseen
    unsteady.lose_replies = False
    fetch.cancel()
    with pytest.raises(asyncio.CancelledError):
        await fetch
    await cache.aclose()
    assert await redis_client.get(lock) == b"another-process"


async def test_a_token_that_could_not_be_stored_does_not_hold_the_others_up(
    unsteady, redis_client, prefix, caplog
):
    cache = RedisTokenCache(unsteady, prefix=prefix, lock_ttl=30)

    async def login() -> CachedToken:  # the token endpoint answers; storing it then fails
        unsteady.fail_next = True
        return CachedToken("token-1", renew_in=60)

    with caplog.at_level(logging.WARNING, logger="convictional_async.redis"):
        mine = await cache.fetch("c:1", login)
    assert mine.access_token == "token-1"  # used here ...
    assert "not shared" in caplog.text
    await cache.aclose()
    assert await redis_client.exists(f"{prefix}:{{c:1}}:token-lock") == 0
    others = CountingLogin()
    async with asyncio.timeout(3):
        theirs = await RedisTokenCache(redis_client, prefix=prefix).fetch("c:1", others)
    assert theirs.access_token == "token-1"  # ... and the next caller logs in at once
    assert others.calls == 1


async def test_a_lock_nobody_releases_holds_callers_up_only_until_it_expires(redis_client, prefix):
    await redis_client.set(f"{prefix}:{{c:1}}:token-lock", "dead-process", px=300)
    login = CountingLogin()
    cache = RedisTokenCache(redis_client, prefix=prefix, max_poll=0.05)
    async with asyncio.timeout(3):
        token = await cache.fetch("c:1", login)
    assert token.access_token == "token-1"
    assert login.calls == 1


async def test_the_token_lives_in_redis_as_long_as_it_may_be_used_capped_by_ttl(
    redis_client, prefix
):
    cache = RedisTokenCache(redis_client, prefix=prefix, ttl=100)
    mine = await cache.fetch("short", CountingLogin(renew_in=30))
    assert mine.renew_in == 30
    assert 29_000 < await redis_client.pttl(f"{prefix}:{{short}}:token") <= 30_000
    forever = await cache.fetch("forever", CountingLogin(renew_in=None))
    assert forever.renew_in == 100
    theirs = await RedisTokenCache(redis_client, prefix=prefix).fetch("short", CountingLogin())
    assert theirs.access_token == "token-1"
    assert 29 < theirs.renew_in <= 30  # what is left of it, on Redis's clock


def test_a_cached_token_hides_the_token_in_its_repr():
    assert "secret-token" not in repr(CachedToken("secret-token", renew_in=5.0))
    with pytest.raises(ValueError, match="renew_in must be"):
        CachedToken("t", renew_in=0)
