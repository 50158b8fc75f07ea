"""Backends shared across processes and hosts, on Redis (the optional ``[redis]`` extra).

Nothing here is imported by the rest of the SDK except the redis-free :mod:`._tokencache`
protocol; the public entry point is :mod:`convictional_async.redis`.
"""
