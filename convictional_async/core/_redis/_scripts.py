"""The Lua scripts: each is one atomic step on the Redis server, timed by Redis ``TIME`` alone.

Times are integer microseconds on the Redis server's clock. A rate limiter's state per
credential is one hash (``tat``: the next free slot, GCRA style; ``last``: when the last
request left; ``adv``/``adv_until``: an advertised spacing and when it lapses) and one
pause key whose value is the end of the pause and whose expiry is that same moment.

The rate scripts answer ``{now, at, verdict, interval, booked}``: ``verdict`` 0 means
leave now, 1 means everyone is paused until ``at`` (then reserve again), 2 means wait
until ``at`` and then call :data:`DEPART`; ``booked`` is the next free slot a
reservation left behind (0 if it booked none), which :data:`RELEASE` can undo.
"""

from __future__ import annotations

GO, PAUSED, WAIT = 0, 1, 2

_NOW = """
local t = redis.call('TIME')
local now = t[1] * 1000000 + t[2]
"""

_PAUSED = """
local paused = tonumber(redis.call('GET', KEYS[2]) or 0)
if paused > now then return {now, paused, 1, 0, 0} end
"""

# ARGV: the configured spacing (us, 0 for none), idle expiry (ms), tolerance (share of it).
_INTERVAL = """
local state = redis.call('HMGET', KEYS[1], 'tat', 'last', 'adv', 'adv_until')
local interval = tonumber(ARGV[1])
local advertised = tonumber(state[3] or 0)
if advertised > interval and tonumber(state[4] or 0) > now then interval = advertised end
if interval <= 0 then return {now, now, 0, 0, 0} end
local last = tonumber(state[2] or 0)
local earliest = last + interval - math.floor(interval * tonumber(ARGV[3]))
"""

RESERVE = (
    _NOW
    + _PAUSED
    + _INTERVAL
    + """
local tat = tonumber(state[1] or 0)
local start = math.max(tat, now)
redis.call('HSET', KEYS[1], 'tat', start + interval)
local verdict, at = 2, math.max(start, earliest)
if at <= now then
    redis.call('HSET', KEYS[1], 'last', now)
    verdict, at = 0, now
end
redis.call('PEXPIRE', KEYS[1], math.floor((start + interval - now) / 1000) + tonumber(ARGV[2]))
return {now, at, verdict, interval, start + interval}
"""
)
"""Take the next free slot; leave now if it is free and the spacing holds."""

DEPART = (
    _NOW
    + _PAUSED
    + _INTERVAL
    + """
if now < earliest then return {now, earliest, 2, interval, 0} end
redis.call('HSET', KEYS[1], 'last', now)
return {now, now, 0, interval, 0}
"""
)
"""At a booked slot: leave now unless a pause began or someone left too recently."""

# ARGV: the pause (us), idle expiry (ms).
PAUSE = (
    _NOW
    + """
local pause = tonumber(ARGV[1])
local ends = now + pause
if ends <= tonumber(redis.call('GET', KEYS[2]) or 0) then return 0 end
redis.call('SET', KEYS[2], ends, 'PX', math.floor(pause / 1000) + 1)
if ends > tonumber(redis.call('HGET', KEYS[1], 'tat') or 0) then
    redis.call('HSET', KEYS[1], 'tat', ends)
end
redis.call('PEXPIRE', KEYS[1], math.floor(pause / 1000) + tonumber(ARGV[2]))
return 1
"""
)
"""Hold everyone until ``now + pause``, unless a longer pause is already in force."""

# ARGV: the advertised spacing (us), for how long (ms), idle expiry (ms).
ADVERTISE = (
    _NOW
    + """
redis.call('HSET', KEYS[1], 'adv', ARGV[1], 'adv_until', now + tonumber(ARGV[2]) * 1000)
local ttl = redis.call('PTTL', KEYS[1])
if ttl < tonumber(ARGV[3]) then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
return 1
"""
)
"""Record the spacing a server advertised, for everyone, until it lapses."""

# ARGV: the next free slot the reservation left behind (us), the spacing it booked (us).
RELEASE = """
if tonumber(redis.call('HGET', KEYS[1], 'tat') or 0) == tonumber(ARGV[1]) then
    redis.call('HSET', KEYS[1], 'tat', tonumber(ARGV[1]) - tonumber(ARGV[2]))
    return 1
end
return 0
"""
"""Give an unused slot back if nobody booked one after it."""

# KEYS: the token, the lock. ARGV: the stale token ('' for none), lock value, lock expiry (ms).
FETCH_OR_LOCK = """
local token = redis.call('GET', KEYS[1])
if token and token ~= ARGV[1] then return {1, token, redis.call('PTTL', KEYS[1])} end
if redis.call('SET', KEYS[2], ARGV[2], 'NX', 'PX', ARGV[3]) then return {2, '', 0} end
return {0, '', redis.call('PTTL', KEYS[2])}
"""
"""The cached token (1, token, ms left), the lock for this caller (2), or wait (0, '', ms)."""

# KEYS: the token, the lock. ARGV: the token, its expiry (ms), lock value.
STORE_AND_UNLOCK = """
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
if redis.call('GET', KEYS[2]) == ARGV[3] then redis.call('DEL', KEYS[2]) end
return 1
"""
"""Store a new token and release the lock if this caller still holds it."""

# KEYS: the lock. ARGV: lock value.
UNLOCK = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
"""Release the lock only if this caller holds it (compare and delete)."""
