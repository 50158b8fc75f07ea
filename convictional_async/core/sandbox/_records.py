"""Request recording and request ids: what a sandbox remembers of each request it saw.

Each emulated API subclasses ``RequestRecord`` with the fields it cares about (never a
credential) and keeps the last ``MAX_RECORDS`` records, e.g. in a ``deque(maxlen=MAX_RECORDS)``.
"""

from __future__ import annotations

import uuid
from typing import Final

import attrs
from aiohttp import web

from ._wire import Dropped

__all__ = ["MAX_RECORDS", "RequestRecord", "new_request_id", "recorded_status"]

MAX_RECORDS: Final = 10_000


@attrs.frozen(slots=True)
class RequestRecord:
    """What a sandbox saw of one request; ``status`` is None when the connection was cut."""

    method: str
    path: str
    status: int | None
    request_id: str


def new_request_id() -> str:
    """Return a fresh request id for the ``X-Request-ID`` header."""
    return str(uuid.uuid4())


def recorded_status(response: web.StreamResponse) -> int | None:
    """Return the status a client received, or None if the sandbox cut the connection."""
    return None if isinstance(response, Dropped) else response.status
