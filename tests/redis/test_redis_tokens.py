"""RedisTokenCache on a real Redis: one login among many callers, stale tokens, the lock."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis

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
