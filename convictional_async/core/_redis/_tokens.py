"""``RedisTokenCache``: one access token per credential, shared by every process, in Redis.

Among all the processes asking for a credential's token at once, exactly one logs in:
it takes a lock (``SET NX PX`` with a random value only it knows), runs its login, stores
the token with an expiry and releases the lock with a compare-and-delete, all in Lua
(:mod:`._scripts`). The others poll (10 ms, doubling up to ``max_poll``) until the token
appears. A caller cancelled once its login has answered still stores the token and
releases the lock (in a task of its own); one cancelled or failing earlier, or unable to
store the token, releases the lock if it is still its own. Only a process that dies
holding the lock holds the others up, for at most the lock's expiry; one that is still
logging in when it expires may be joined by a second login. A token a server rejected
(``stale``) counts as missing, so a 401 anywhere leads to one new login for everyone.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from .._errors import RedisUnavailableError
from . import _scripts
from ._common import (
    DEFAULT_PREFIX,
    DEFAULT_TIMEOUT,
    Background,
    OnRedisError,
    RedisClient,
    check_client,
    check_name,
    check_policy,
    check_seconds,
    key_name,
    logger,
    text,
    within,
)
from ._tokencache import CachedToken, Login

DEFAULT_TTL = 3600.0
"""Seconds a token stays in Redis at most (a token without ``expires_in`` included)."""
DEFAULT_LOCK_TTL = 10.0
"""Seconds the login lock lasts if its holder never releases it."""
FIRST_POLL = 0.01
"""Seconds before a waiting process first looks for the token again."""


class RedisTokenCache:
    """A :class:`TokenCache` in Redis: one login per credential across processes and hosts.

    ::

        cache = RedisTokenCache(Redis.from_url("redis://localhost:6379/0"))
        async with ConviousClient(..., token_cache=cache) as client:
            ...
        await cache.aclose()

    The access token sits in Redis in clear text under ``{prefix}:{<fingerprint>}:token``
    for its lifetime (less the client's leeway) and never longer than ``ttl``: protect
    Redis as you protect the client secret. ``lock_ttl`` bounds how long a login may hold
    the others up. Each Redis call may take ``timeout`` seconds; when Redis fails,
    ``on_redis_error="fail"`` raises :class:`RedisUnavailableError` and ``"local"`` logs
    a warning and logs in from this process alone. Use it on one event loop (the loop of
    ``redis``).
    """

    def __init__(
        self,
        redis: RedisClient,
        *,
        prefix: str = DEFAULT_PREFIX,
        ttl: float = DEFAULT_TTL,
        lock_ttl: float = DEFAULT_LOCK_TTL,
        max_poll: float = 0.2,
        timeout: float = DEFAULT_TIMEOUT,
        on_redis_error: OnRedisError = "fail",
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        client = check_client(redis)
        self._prefix = check_name("prefix", prefix)
        self._ttl = check_seconds("ttl", ttl, minimum=0.001)
        self._lock_ms = round(check_seconds("lock_ttl", lock_ttl, minimum=0.001) * 1000)
        self._max_poll = check_seconds("max_poll", max_poll)
        self._timeout = check_seconds("timeout", timeout)
        self._on_redis_error = check_policy(on_redis_error)
        self._sleep = sleep
        self._scripts = {
            name: client.register_script(getattr(_scripts, name))
            for name in ("FETCH_OR_LOCK", "STORE_AND_UNLOCK", "UNLOCK")
        }
        self._background = Background()
        self.logins = 0
        """How many times this cache ran a login (in this process)."""

    def __repr__(self) -> str:
        return f"RedisTokenCache(prefix={self._prefix!r}, ttl={self._ttl:g})"

    async def fetch(self, key: str, login: Login, *, stale: str | None = None) -> CachedToken:
        """The shared token for ``key``: the cached one unless it is missing or is
        ``stale``; else the one this call logs in for, or that another process does."""
        keys = [key_name(self._prefix, check_name("key", key), "token")]
        keys.append(key_name(self._prefix, key, "token-lock"))
        if stale is not None and not isinstance(stale, str):
            raise ValueError("stale must be the rejected access token or None")
        holder = secrets.token_hex(16)
        poll = FIRST_POLL
        while True:
            try:
                found, token, ms = await self._fetch_or_lock(keys, stale or "", holder)
            except RedisUnavailableError as exc:
                if self._on_redis_error == "fail":
                    raise
                logger.warning("%s; logging in from this process alone", exc)
                return await self._login(login)
            if found == 1:
                return CachedToken(text(token), renew_in=int(ms) / 1000 if int(ms) > 0 else None)
            if found == 2:
                return await self._login_and_share(keys, login, holder)
            await self._sleep(max(0.001, min(poll, int(ms) / 1000)))
            poll = min(poll * 2, self._max_poll)

    async def _fetch_or_lock(self, keys: list[str], stale: str, holder: str) -> Any:
        """Run FETCH_OR_LOCK. If its reply is lost (the caller was cancelled, or Redis
        failed), the script may still have taken the lock: it is released (if still ours)."""
        try:
            return await self._run("FETCH_OR_LOCK", keys, stale, holder, self._lock_ms)
        except BaseException:
            self._background.start(self._unlock(keys[1], holder))
            raise

    async def _login(self, login: Login) -> CachedToken:
        self.logins += 1
        return await login()

    async def _login_and_share(self, keys: list[str], login: Login, holder: str) -> CachedToken:
        """Log in while holding the lock; store the token and release the lock."""
        try:
            token = await self._login(login)
        except BaseException:
            self._background.start(self._unlock(keys[1], holder))
            raise
        lifetime = min(token.renew_in or self._ttl, self._ttl)
        # Shared in a task of its own: a caller cancelled now still stores the token it
        # got and releases the lock, instead of holding everyone up for lock_ttl.
        sharing = self._share(keys, token.access_token, lifetime, holder)
        await asyncio.shield(self._background.start(sharing))
        return CachedToken(token.access_token, renew_in=lifetime)

    async def _share(self, keys: list[str], token: str, lifetime: float, holder: str) -> None:
        """Store the token and release the lock; if Redis fails, try to release the lock."""
        try:
            await self._run("STORE_AND_UNLOCK", keys, token, max(1, round(lifetime * 1000)), holder)
        except RedisUnavailableError as exc:
            logger.warning("%s; the new token is used here but not shared", exc)
            self._background.start(self._unlock(keys[1], holder))

    async def _unlock(self, lock: str, holder: str) -> None:
        await self._run("UNLOCK", [lock], holder)

    async def _run(self, name: str, keys: list[str], *args: str | int) -> Any:
        return await within(lambda: self._scripts[name](keys, args), self._timeout)

    async def aclose(self) -> None:
        """Finish releasing locks after failed logins. Does not close the Redis client."""
        await self._background.aclose()
