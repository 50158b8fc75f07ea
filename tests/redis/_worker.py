"""One process of a cross-process test: ``python _worker.py '<json task>'``; prints JSON.

Each worker waits at a barrier in Redis (``<barrier>:ready`` / ``<barrier>:go``) so that
all of them start at the same moment. Kinds of task:

* ``rate``: ``count`` concurrent GETs to ``url`` through a ``RedisRateLimiter`` bound to
  ``key`` at ``rate`` requests/s;
* ``token``: one ``RedisTokenCache.fetch`` for ``key`` whose login asks the sandbox's token
  endpoint (``stale``: the token a server rejected); ``hang``: log in never (print
  ``locked`` once the lock is held, then wait to be killed);
* ``client``: ``count`` price lookups through a ``ConviousClient`` (``options``) sharing a
  ``RedisRateLimiter`` at ``rate`` requests/s and a ``RedisTokenCache``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import sys
import time
from typing import Any

import aiohttp
from redis.asyncio import Redis
from yarl import URL

from convictional_async.core import APIKeyAuth, Pipeline, RateLimit, RetryPolicy, Transport
from convictional_async.redis import CachedToken, RedisRateLimiter, RedisTokenCache


async def barrier(redis: Redis, name: str) -> None:
    await redis.incr(f"{name}:ready")
    if await redis.blpop([f"{name}:go"], timeout=30) is None:
        raise SystemExit("the barrier was never released")


async def rate(task: dict[str, Any], redis: Redis) -> dict[str, Any]:
    limit = RateLimit(max_requests=task["rate"], period=1.0)
    limiter = RedisRateLimiter(redis, limit=limit).for_credential(task["key"])
    transport = Transport()
    pipeline = Pipeline(
        transport, retry=RetryPolicy(), auth=APIKeyAuth("k-1"), rate_limiter=limiter
    )
    await barrier(redis, task["barrier"])
    try:
        responses = await asyncio.gather(
            *(
                pipeline.send("GET", URL(task["url"]) / "items", headers={}, idempotent=True)
                for _ in range(task["count"])
            )
        )
    finally:
        await transport.aclose()
        await limiter.aclose()
    return {
        "statuses": [r.status for r in responses],
        "round_trips": limiter.round_trips,
        "throttled": limiter.throttled,
    }


async def token(task: dict[str, Any], redis: Redis) -> dict[str, Any]:
    cache = RedisTokenCache(redis, lock_ttl=task.get("lock_ttl", 10.0))

    async def login() -> CachedToken:
        if task.get("hang"):
            print("locked", flush=True)
            await asyncio.sleep(3600)
        form = {
            "grant_type": "client_credentials",
            "client_id": task["client_id"],
            "client_secret": task["client_secret"],
        }
        async with (
            aiohttp.ClientSession() as session,
            session.post(task["token_url"], data=form) as response,
        ):
            body = await response.json()
        return CachedToken(body["access_token"])

    if not task.get("hang"):
        await barrier(redis, task["barrier"])
    started = time.monotonic()
    try:
        got = await cache.fetch(task["key"], login, stale=task.get("stale"))
    finally:
        await cache.aclose()
    return {
        "token": got.access_token,
        "logins": cache.logins,
        "waited": time.monotonic() - started,
    }


async def client(task: dict[str, Any], redis: Redis) -> dict[str, Any]:
    from convious import ConviousClient

    limiter = RedisRateLimiter(redis, limit=RateLimit(max_requests=task["rate"], period=1.0))
    cache = RedisTokenCache(redis)
    async with ConviousClient(
        **task["options"], rate_limiter=limiter, token_cache=cache, coalesce=False
    ) as convious:
        await barrier(redis, task["barrier"])
        day = dt.date(2030, 1, 1)
        await asyncio.gather(
            *(
                convious.pricing.get_prices(
                    cookie_id=f"c-{n}",
                    date_from=day,
                    date_to=day,
                    timezone="Europe/Amsterdam",
                    products=[("adult", 1)],
                )
                for n in range(task["count"])
            )
        )
        metrics = convious.metrics
    await limiter.aclose()
    await cache.aclose()
    return {
        "token_requests": metrics.token_requests,
        "rate_limited": metrics.rate_limited,
        "auth_replays": metrics.auth_replays,
    }


async def main(task: dict[str, Any]) -> None:
    redis = Redis.from_url(task["redis"])
    try:
        kinds = {"rate": rate, "token": token, "client": client}
        result = await kinds[task["kind"]](task, redis)
    finally:
        await redis.aclose()
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    asyncio.run(main(json.loads(sys.argv[1])))
