"""A received HTTP response, fully read, detached from the connection."""

from __future__ import annotations

from collections.abc import Mapping

from ._errors import ResponseDecodeError

REQUEST_ID_HEADER = "X-Request-ID"


class Response:
    """Status, headers and body of one response, plus the request it answered.

    >>> Response(200, {"X-Request-ID": "r-1"}, b"{}", "GET", "https://x/").request_id
    'r-1'
    """

    __slots__ = ("_url", "body", "headers", "method", "status")

    def __init__(
        self, status: int, headers: Mapping[str, str], body: bytes, method: str, url: object
    ) -> None:
        self.status = status
        self.headers = headers
        self.body = body
        self.method = method
        self._url = url

    @property
    def url(self) -> str:
        """The URL that was requested (formatted only when asked for)."""
        return str(self._url)

    def __repr__(self) -> str:
        return f"<Response {self.status} {self.method} {self.url} request_id={self.request_id!r}>"

    @property
    def request_id(self) -> str | None:
        """The server's ``X-Request-ID``, which its support asks for."""
        return self.headers.get(REQUEST_ID_HEADER)

    @property
    def text(self) -> str:
        """The body as text (undecodable bytes replaced)."""
        return self.body.decode("utf-8", errors="replace")

    def decode_error(self, message: str, *, include_body: bool = True) -> ResponseDecodeError:
        """A :class:`ResponseDecodeError` for this response."""
        return ResponseDecodeError(
            message,
            status=self.status,
            request_id=self.request_id,
            method=self.method,
            url=self.url,
            body=self.text if include_body else "",
        )
