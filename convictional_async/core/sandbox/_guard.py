"""A sandbox's guard against browsers: which ``Host`` and ``Origin`` headers it accepts.

Any web page can make a browser send requests to ``127.0.0.1``, and a DNS-rebinding page (its
own name re-pointed at 127.0.0.1) can even read the answers. So the kit's middleware applies
these checks (``guard_refusal``) before anything else:

* Every request, API and admin alike, must carry a ``Host`` naming this server: ``localhost``,
  a loopback address (127.0.0.0/8, ``::1``), the host the sandbox was asked to bind, or the
  local address the connection arrived on; and the port the connection arrived on (80 when
  the header has none). Anything else, or no ``Host`` at all, gets 421. A rebinding page
  sends its own name, so it is refused. Behind a port forward, send the sandbox's own port.
* Admin calls (``/_sandbox/...``) with an ``Origin`` other than the sandbox's own
  (``http://`` + the ``Host`` header) get 403; calls without ``Origin`` (curl, scripts) pass.
* Admin ``POST``s must be sent as ``Content-Type: application/json`` (415 otherwise), which
  refuses HTML forms and the other "simple" requests a browser sends cross-site unasked.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Final

from aiohttp import web

__all__ = [
    "ADMIN_PREFIX",
    "guard_refusal",
    "is_allowed_host",
    "is_same_origin",
    "local_address",
    "split_host",
]

ADMIN_PREFIX: Final = "/_sandbox/"

_NAME: Final = re.compile(r"[A-Za-z0-9._-]+")
_PORT: Final = re.compile(r"[0-9]{1,5}")
_HTTP_PORT: Final = 80

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def split_host(value: str) -> tuple[str, int | None] | None:
    """Return the lower-cased name and the port of a ``Host`` header, or None if malformed."""
    port_text: str | None
    if value.startswith("["):
        name, bracket, rest = value[1:].partition("]")
        if not bracket or not _is_ipv6(name) or (rest and not rest.startswith(":")):
            return None
        port_text = rest[1:] if rest else None
    else:
        name, colon, after = value.partition(":")
        if not _NAME.fullmatch(name):
            return None
        port_text = after if colon else None
    if port_text is None:
        return name.lower(), None
    if not _PORT.fullmatch(port_text) or not 0 < int(port_text) < 2**16:
        return None
    return name.lower(), int(port_text)


def is_allowed_host(host: str | None, *, local: tuple[str, int], bound_host: str) -> bool:
    """Return whether a ``Host`` header names this server, reached at ``local`` (ip, port)."""
    parsed = split_host(host) if host else None
    if parsed is None:
        return False
    name, port = parsed
    local_ip, local_port = local
    if (_HTTP_PORT if port is None else port) != local_port:
        return False
    address = _ip(name)
    if address is None:
        return name in ("localhost", bound_host.lower())
    return address.is_loopback or (
        not address.is_unspecified and address in (_ip(bound_host), _ip(local_ip))
    )


def is_same_origin(origin: str | None, *, host: str) -> bool:
    """Return whether an ``Origin`` header is absent or the sandbox's own ``http://`` origin."""
    return origin is None or origin.lower() == f"http://{host}".lower()


def local_address(request: web.Request) -> tuple[str, int] | None:
    """Return the (ip, port) the request's connection arrived on, or None if it is gone."""
    sockname = request.transport.get_extra_info("sockname") if request.transport else None
    if not isinstance(sockname, tuple) or len(sockname) < 2:
        return None
    return str(sockname[0]), int(sockname[1])


def guard_refusal(request: web.Request, *, bound_host: str) -> tuple[int, str] | None:
    """Return (status, message) refusing a foreign ``Host`` or a cross-site admin call."""
    host = request.headers.get("Host")
    local = local_address(request)
    if local is None or not is_allowed_host(host, local=local, bound_host=bound_host):
        return 421, "Unknown Host header: address the sandbox by its own host and port"
    if not request.path.startswith(ADMIN_PREFIX):
        return None
    if not is_same_origin(request.headers.get("Origin"), host=str(host)):
        return 403, "Cross-origin admin calls are refused"
    if request.method == "POST" and request.content_type != "application/json":
        return 415, "Admin calls must be sent as application/json, even with an empty body"
    return None


def _is_ipv6(text: str) -> bool:
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return True


def _ip(text: str) -> IPAddress | None:
    """Return ``text`` as an IP address (IPv4-mapped IPv6 as IPv4), or None if it is a name."""
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address
