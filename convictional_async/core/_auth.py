"""The authentication protocol the request pipeline composes, and a static API-key auth."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol


class Auth(Protocol):
    """Supplies credentials for each attempt and reacts to a 401.

    ``authorize`` returns the headers to add. The pipeline hands the same mapping back
    to ``refresh_after_unauthorized`` when the server answers 401, so an implementation
    can tell whether the credential that failed is still the current one (then it
    refreshes) or was already replaced by a concurrent caller (then it just says replay).
    """

    def current(self) -> Mapping[str, str] | None:
        """The credential headers if they are usable now without any I/O, else ``None``.

        The pipeline's fast path: ``authorize()`` is awaited only when this says no.
        """

    async def authorize(self) -> Mapping[str, str]:
        """Headers carrying the current credential (may fetch one first)."""

    async def refresh_after_unauthorized(self, used: Mapping[str, str]) -> bool:
        """Called after a 401 for a request sent with ``used``; ``True`` means replay once."""

    def secrets(self) -> tuple[str, ...]:
        """Values to scrub from anything the SDK shows (error bodies, messages)."""


class APIKeyAuth:
    """A static API key sent in a header; a 401 is final, since there is nothing to refresh.

    >>> auth = APIKeyAuth("k-123")
    >>> auth
    APIKeyAuth(header='Authorization')
    """

    def __init__(self, api_key: str, *, header: str = "Authorization", prefix: str = "") -> None:
        if not isinstance(api_key, str) or not api_key.strip():
            raise ValueError("api_key must be a non-empty string")
        self._header = header
        self._headers = {header: f"{prefix}{api_key}"}
        self._key = api_key

    def __repr__(self) -> str:
        return f"APIKeyAuth(header={self._header!r})"

    def current(self) -> Mapping[str, str]:
        """The key header; always usable."""
        return self._headers

    async def authorize(self) -> Mapping[str, str]:
        """The key header; never changes."""
        return self._headers

    async def refresh_after_unauthorized(self, used: Mapping[str, str]) -> bool:
        """A static key cannot be refreshed: let the 401 surface."""
        return False

    def secrets(self) -> tuple[str, ...]:
        """The key itself."""
        return (self._key,)
