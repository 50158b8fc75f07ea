"""Checks of client options shared by every client, and the package version.

Each raises ``ValueError`` naming the option, before anything is created.
"""

from __future__ import annotations

import importlib.metadata
import math

from yarl import URL

from ._transport import Timeout
from ._validate import brief

try:
    VERSION = importlib.metadata.version("convictional-async")
except importlib.metadata.PackageNotFoundError:  # a source tree that was never installed
    VERSION = "0+unknown"
"""The installed version of the distribution."""


def user_agent(api: str) -> str:
    """The ``User-Agent`` a client of ``api`` sends.

    >>> user_agent("convious").startswith("convictional-async/")
    True
    """
    return f"convictional-async/{VERSION} ({api})"


def base_url(name: str, value: object) -> URL:
    """An absolute http(s) URL without credentials, query or fragment (no trailing slash)."""
    if not isinstance(value, str | URL):
        raise ValueError(f"{name} must be a URL string, got {type(value).__name__}")
    url = URL(str(value).rstrip("/"))
    if url.scheme not in ("http", "https") or not url.host:
        raise ValueError(f"{name} must be an absolute http(s) URL, got {str(value)!r}")
    if url.user or url.password or url.query_string or url.fragment:
        raise ValueError(f"{name} must not carry credentials, a query or a fragment")
    return url


def timeout_option(value: object) -> Timeout | None:
    """``timeout=``: a :class:`Timeout`, or a number: the seconds one whole call may take.

    >>> timeout_option(5).deadline
    5
    """
    if value is None or isinstance(value, Timeout):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < math.inf:
        raise ValueError(
            f"timeout must be a Timeout or a number of seconds > 0, got {brief(value)}"
        )
    return Timeout(deadline=value)
