"""A canned HTTP/1.1 keep-alive responder for the benchmarks, run in its own process.

The server is a raw ``asyncio.Protocol`` with a sans-I/O request parser
(:class:`RequestParser`), so it spends as little CPU as possible and none of it in the
client process being measured. :class:`Responder` starts it as a subprocess bound to an
ephemeral port on 127.0.0.1, optionally pinned to one CPU. The child exits when its
stdin reaches end-of-file, which happens when the parent stops it or dies, so it never
outlives the benchmark.

Routes (every response carries ``Content-Type``, ``Content-Length`` and ``X-Request-ID``):

* ``POST /oauth/token/`` -> 200, a Bearer token valid for ten hours;
* ``POST /api/price/rtp`` -> 200, the canned pricing body given to :class:`Responder`;
* ``POST /events`` -> 200, empty body;
* anything else -> 404.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import resource
import select
import signal
import socket
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Self

TOKEN_BODY = b'{"token_type":"Bearer","access_token":"bench-token","expires_in":36000}'
NOT_FOUND_BODY = b'{"detail":"Not found."}'
BAD_REQUEST_BODY = b'{"detail":"Bad request."}'
MAX_HEAD_BYTES = 64 * 1024
BACKLOG = 4096
_REASONS = {200: b"OK", 400: b"Bad Request", 404: b"Not Found"}


class BadRequest(ValueError):
    """The bytes received are not an HTTP/1.1 request this responder understands."""


@dataclass(frozen=True, slots=True)
class Request:
    """One parsed request: what the router needs, nothing more."""

    method: bytes
    path: bytes
    keep_alive: bool
    body: bytes


def parse_head(head: bytes) -> tuple[bytes, bytes, bool, int]:
    """A request head (without the blank line) -> method, path, keep-alive, body length.

    >>> parse_head(b"POST /events?x=1 HTTP/1.1\\r\\nContent-Length: 2")
    (b'POST', b'/events', True, 2)
    """
    lines = head.split(b"\r\n")
    parts = lines[0].split(b" ")
    if len(parts) != 3 or not parts[2].startswith(b"HTTP/1."):
        raise BadRequest(f"bad request line {lines[0]!r}")
    method, target, version = parts
    keep_alive = version != b"HTTP/1.0"
    length = 0
    for line in lines[1:]:
        name, sep, value = line.partition(b":")
        if not sep:
            raise BadRequest(f"bad header line {line!r}")
        name = name.strip().lower()
        if name == b"content-length":
            value = value.strip()
            if not value.isdigit():
                raise BadRequest(f"bad Content-Length {value!r}")
            length = int(value)
        elif name == b"connection":
            tokens = {token.strip() for token in value.lower().split(b",")}
            if b"close" in tokens:
                keep_alive = False
            elif b"keep-alive" in tokens:
                keep_alive = True
        elif name == b"transfer-encoding":
            raise BadRequest("chunked request bodies are not supported")
    return method, target.partition(b"?")[0], keep_alive, length


class RequestParser:
    """Turns a byte stream into requests, however it is split or pipelined.

    >>> parser = RequestParser()
    >>> parser.feed(b"POST /events HTTP/1.1\\r\\nContent-Len")
    []
    >>> [r.path for r in parser.feed(b"gth: 2\\r\\n\\r\\n{}GET / HTTP/1.1\\r\\n\\r\\n")]
    [b'/events', b'/']
    """

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._scan_from = 0
        self._head: tuple[bytes, bytes, bool, int] | None = None

    def feed(self, data: bytes) -> list[Request]:
        """Add received bytes; return every request now complete, in order."""
        buffer = self._buffer
        buffer += data
        requests: list[Request] = []
        while True:
            head = self._head
            if head is None:
                end = buffer.find(b"\r\n\r\n", self._scan_from)
                if end < 0:
                    if len(buffer) > MAX_HEAD_BYTES:
                        raise BadRequest("request head too large")
                    self._scan_from = max(0, len(buffer) - 3)
                    return requests
                head = self._head = parse_head(bytes(buffer[:end]))
                del buffer[: end + 4]
                self._scan_from = 0
            method, path, keep_alive, length = head
            if len(buffer) < length:
                return requests
            body = bytes(buffer[:length])
            del buffer[:length]
            self._head = None
            requests.append(Request(method, path, keep_alive, body))


def _response_parts(status: int, body: bytes) -> tuple[bytes, bytes]:
    status_line = b"HTTP/1.1 %d %s\r\n" % (status, _REASONS[status])
    headers = b"Content-Type: application/json\r\nContent-Length: %d\r\n" % len(body)
    return status_line + headers + b"X-Request-ID: bench-", body


class Router:
    """Serialized responses for each route, built once."""

    def __init__(self, pricing_body: bytes) -> None:
        self._routes: Mapping[tuple[bytes, bytes], tuple[bytes, bytes]] = {
            (b"POST", b"/oauth/token/"): _response_parts(200, TOKEN_BODY),
            (b"POST", b"/api/price/rtp"): _response_parts(200, pricing_body),
            (b"POST", b"/events"): _response_parts(200, b""),
        }
        self._not_found = _response_parts(404, NOT_FOUND_BODY)
        self.bad_request = _response_parts(400, BAD_REQUEST_BODY)
        self._next_id = 0

    def respond(self, request: Request) -> bytes:
        """The full response bytes for ``request``."""
        head, body = self._routes.get((request.method, request.path), self._not_found)
        return self.render(head, body, keep_alive=request.keep_alive)

    def render(self, head: bytes, body: bytes, *, keep_alive: bool) -> bytes:
        """Head + a fresh request id (+ ``Connection: close``) + body."""
        self._next_id += 1
        close = b"" if keep_alive else b"\r\nConnection: close"
        return b"%s%d%s\r\n\r\n%s" % (head, self._next_id, close, body)


class ResponderProtocol(asyncio.Protocol):
    """One keep-alive connection: parse, answer in order, close when asked."""

    def __init__(self, router: Router, latency: float = 0.0) -> None:
        self._router = router
        self._latency = latency
        self._parser = RequestParser()
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Remember the transport."""
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        """Answer every request completed by ``data`` with a single write."""
        transport = self._transport
        if transport is None or transport.is_closing():
            return
        router = self._router
        try:
            requests = self._parser.feed(data)
        except BadRequest:
            head, body = router.bad_request
            transport.write(router.render(head, body, keep_alive=False))
            transport.close()
            return
        if not requests:
            return
        if len(requests) == 1:
            answer = router.respond(requests[0])
        else:
            answer = b"".join(router.respond(request) for request in requests)
        if self._latency:  # a slow backend: answer later (one request at a time per connection)
            asyncio.get_running_loop().call_later(
                self._latency, self._send, answer, requests[-1].keep_alive
            )
        else:
            self._send(answer, requests[-1].keep_alive)

    def _send(self, answer: bytes, keep_alive: bool) -> None:
        transport = self._transport
        if transport is None or transport.is_closing():
            return
        transport.write(answer)
        if not keep_alive:
            transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        """Forget the transport."""
        self._transport = None


def raise_open_file_limit() -> None:
    """Raise this process's soft limit on open files to the hard limit (for many sockets)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard and (hard == resource.RLIM_INFINITY or soft < hard):
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def benchmark_cpus() -> tuple[int, int] | None:
    """(responder CPU, client CPU) when this process may use two CPUs or more, else None."""
    allowed = sorted(os.sched_getaffinity(0))
    if len(allowed) < 2:
        return None
    return allowed[0], allowed[1]


async def _serve(pricing_body: bytes, latency: float) -> None:
    loop = asyncio.get_running_loop()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    router = Router(pricing_body)
    server = await loop.create_server(
        lambda: ResponderProtocol(router, latency), sock=sock, backlog=BACKLOG
    )
    stop = loop.create_future()

    def parent_gone() -> None:
        # Anything more on stdin, or end-of-file (the parent closed it or died): stop.
        with contextlib.suppress(OSError):
            os.read(sys.stdin.fileno(), 4096)
        if not stop.done():
            stop.set_result(None)

    loop.add_reader(sys.stdin.fileno(), parent_gone)
    print(sock.getsockname()[1], flush=True)
    try:
        await stop
    finally:
        loop.remove_reader(sys.stdin.fileno())
        server.close()
        await server.wait_closed()


def child_main() -> None:
    """Entry point of the responder process: read the config line from stdin, serve."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops us
    config = json.loads(sys.stdin.buffer.readline())
    if config["cpu"] is not None:
        os.sched_setaffinity(0, {config["cpu"]})
    raise_open_file_limit()
    asyncio.run(_serve(base64.b64decode(config["pricing_body"]), config.get("latency", 0.0)))


class Responder:
    """The responder process, as a context manager that yields its base URL.

    >>> with Responder(pricing_body=b'{"prices":[]}', cpu=None) as responder:  # doctest: +SKIP
    ...     responder.base_url
    'http://127.0.0.1:40123'
    """

    def __init__(
        self,
        *,
        pricing_body: bytes = b'{"prices":[]}',
        cpu: int | None,
        timeout: float = 10.0,
        latency: float = 0.0,
    ) -> None:
        self.pricing_body = pricing_body
        self.latency = latency
        """Seconds every answer waits before it is sent (a slow backend)."""
        self.cpu = cpu
        self.port: int | None = None
        self._timeout = timeout
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``, once started."""
        if self.port is None:
            raise RuntimeError("the responder is not running")
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Spawn the process and wait until it listens."""
        process = self._process = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        assert process.stdin is not None
        assert process.stdout is not None
        try:
            config = {
                "cpu": self.cpu,
                "pricing_body": base64.b64encode(self.pricing_body).decode(),
                "latency": self.latency,
            }
            process.stdin.write(json.dumps(config).encode() + b"\n")
            process.stdin.flush()
            ready, _, _ = select.select([process.stdout], [], [], self._timeout)
            line = process.stdout.readline() if ready else b""
            if not line.strip().isdigit():
                raise RuntimeError(f"the responder did not start (it said {line!r})")
            self.port = int(line)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Close its stdin so it exits, then make sure it did; safe to call twice."""
        process, self._process = self._process, None
        self.port = None
        if process is None:
            return
        try:
            if process.stdin is not None:
                with contextlib.suppress(OSError):
                    process.stdin.close()
            try:
                process.wait(timeout=5.0)
            except subprocess.TimeoutExpired:
                process.terminate()
                try:
                    process.wait(timeout=2.0)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        finally:
            if process.stdout is not None:
                process.stdout.close()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


if __name__ == "__main__":
    child_main()
