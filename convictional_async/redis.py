"""Scale-out on Redis: one rate budget and one token per credential across processes and hosts.

Needs the optional extra: ``pip install 'convictional-async[redis]'`` (redis-py's asyncio
client). Nothing else in the SDK imports this module or redis::

    from redis.asyncio import Redis
    from convictional_async.redis import RedisRateLimiter, RedisTokenCache

    redis = Redis.from_url("redis://localhost:6379/0")
    limiter = RedisRateLimiter(redis, limit=RateLimit(max_requests=5, period=1.0))
    tokens = RedisTokenCache(redis)
    async with ConviousClient(..., rate_limiter=limiter, token_cache=tokens) as client:
        ...
    await limiter.aclose()
    await tokens.aclose()
"""

from .core._errors import RedisUnavailableError
from .core._redis._ratelimit import RedisRateLimiter
from .core._redis._tokencache import CachedToken, TokenCache
from .core._redis._tokens import RedisTokenCache

__all__ = [
    "CachedToken",
    "RedisRateLimiter",
    "RedisTokenCache",
    "RedisUnavailableError",
    "TokenCache",
]
