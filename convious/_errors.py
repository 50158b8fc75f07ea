"""Every error class Convious adds to the SDK's tree, and where each sits in it.

The core's classes (from :mod:`convictional_async.core`, drawn in full in its
``_errors`` module) are shown for orientation; the Convious ones are defined here::

    SDKError                          core: base of everything the SDK raises on purpose
    ├── TransportError                core: ConnectError (TLSError), RequestTimeout
    │                                 (DeadlineExceeded), ConnectionLost
    ├── APIStatusError                core: one class per status: BadRequestError (400),
    │                                 AuthenticationError (401), PermissionDeniedError (403),
    │                                 NotFoundError (404), ConflictError (409),
    │                                 UnprocessableEntityError (422), RateLimitError (429),
    │                                 ServerError (5xx)
    ├── ResponseDecodeError           core: and ResponseTooLarge
    ├── TokenRequestError             core: the identity server refused or garbled a token
    ├── ClientClosedError             core: also a RuntimeError
    ├── PaginationError               core (Convictional only)
    ├── RedisUnavailableError         core: the shared rate budget or token cache
    ├── PublishError                  publish() stopped part-way (accepted, unsent)
    ├── EventRejectedError            the API refused this event (isolated by splitting)
    ├── EventNotDeliveredError        the batcher closed before this event was delivered
    ├── UndeliveredEventsError        close(): what was not delivered, and what was rejected
    ├── BatcherStoppedError           a lane worker stopped; close() hands its events back
    ├── BufferFullError               send_nowait() found the buffer full
    └── SpoolError                    the event spool file cannot be used (``path``)
        ├── SpoolLockedError          another batcher has it open
        └── SpoolCorruptError         not a readable SQLite database
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from convictional_async.core import APIStatusError, SDKError

if TYPE_CHECKING:
    from ._events import Event


def describe(event: Event) -> str:
    """An event in a message: its type and product, never its whole payload."""
    return f"{type(event).__name__} for {event.product_reference!r}"


class PublishError(SDKError):
    """``publish()`` stopped part-way: ``accepted`` events went through, ``unsent`` did not.

    The chunk that failed is the start of ``unsent``; ``__cause__`` says why it failed.
    """

    def __init__(self, accepted: int, unsent: list[Event], cause: SDKError) -> None:
        self.accepted = accepted
        self.unsent = unsent
        super().__init__(
            f"publish stopped after {accepted} accepted event(s); {len(unsent)} not sent: {cause}"
        )


class EventRejectedError(SDKError):
    """The API rejected this event (isolated from its batch by splitting)."""

    def __init__(self, event: Event, cause: APIStatusError) -> None:
        self.event = event
        self.status = cause.status
        self.request_id = cause.request_id
        self.errors = cause.errors
        super().__init__(f"event rejected: {describe(event)}: {cause}")


class EventNotDeliveredError(SDKError):
    """The batcher closed before this event could be delivered."""

    def __init__(self, event: Event, last_error: BaseException | None) -> None:
        self.event = event
        self.last_error = last_error
        why = f" (last error: {last_error})" if last_error else ""
        super().__init__(f"event not delivered before the batcher closed: {describe(event)}{why}")


class UndeliveredEventsError(SDKError):
    """Raised by ``close()``: some accepted events were not delivered.

    ``undelivered`` were never accepted by the API (send them again, or let a spool do
    it); ``rejected`` were refused by the API and will not succeed as they are.
    """

    def __init__(self, undelivered: list[Event], rejected: list[EventRejectedError]) -> None:
        self.undelivered = undelivered
        self.rejected = rejected
        super().__init__(
            f"{len(undelivered)} event(s) not delivered and {len(rejected)} rejected by the API"
        )


class BatcherStoppedError(SDKError):
    """A lane worker stopped on an unexpected error; ``close()`` hands back what is left.

    ``__cause__`` is the error that stopped it.
    """

    def __init__(self, cause: BaseException) -> None:
        super().__init__(
            f"the batcher stopped delivering ({cause!r}); close() hands back its events"
        )


class BufferFullError(SDKError):
    """``send_nowait()`` found the buffer full; ``await send()`` waits for room instead."""


class SpoolError(SDKError):
    """The event spool at ``path`` cannot be used; the message says why."""

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        super().__init__(f"event spool {path}: {message}")


class SpoolLockedError(SpoolError):
    """Another batcher, in this process or another, has this spool open."""


class SpoolCorruptError(SpoolError):
    """The spool file is not a readable SQLite database (garbage, truncated, damaged)."""
