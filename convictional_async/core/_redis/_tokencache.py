"""The ``TokenCache`` protocol: one access token per credential, shared by whoever holds it.

An OAuth2 client asks the cache for a token and hands it the login to run when there is
none; the cache makes sure that, among everyone sharing it, exactly one caller logs in
and the others get that caller's token. This module imports no backend.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

import attrs


def _renew_in(_: object, attribute: attrs.Attribute[float | None], value: float | None) -> None:
    if value is not None and (isinstance(value, bool) or not value > 0):
        raise ValueError(f"{attribute.name} must be a number > 0 or None, got {value!r}")


@attrs.frozen
class CachedToken:
    """An access token and how many seconds it may be used before it is renewed.

    >>> CachedToken("abc", renew_in=3540.0)
    CachedToken(renew_in=3540.0)
    """

    access_token: str = attrs.field(repr=False)
    renew_in: float | None = attrs.field(default=None, validator=_renew_in)
    """Seconds from now until the token is due for renewal (``None``: never)."""


Login = Callable[[], Awaitable[CachedToken]]
"""Asks the token endpoint for a new token (the cache calls it at most once per need)."""


class TokenCache(Protocol):
    """A token per credential ``key`` (a fingerprint, never the secret), shared by its users.

    ``fetch`` returns the cached token unless it is missing or is ``stale`` (the access
    token a server just rejected); then exactly one of the callers sharing the cache runs
    its ``login`` and stores the result, and the others wait for that token instead of
    logging in themselves. An error from ``login`` propagates to the caller that ran it.
    """

    async def fetch(self, key: str, login: Login, *, stale: str | None = None) -> CachedToken:
        """The shared token for ``key``: the cached one, or a new one from one ``login``."""

    async def aclose(self) -> None:
        """Finish background work and release what the cache holds."""
