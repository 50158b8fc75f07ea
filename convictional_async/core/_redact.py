"""Keeping credentials out of logs, reprs and error messages.

:func:`redact_text` finds a secret in every form a server may echo it back in: as
sent, form-encoded (``quote_plus``, or percent-encoded in any mix and either case of
hex digits, the way ``encodeURIComponent`` does it), JSON-escaped (``\\uXXXX``,
``\\/``...), HTML-escaped, and inside base64 (an HTTP Basic ``client_id:secret``
header, whatever the length of the part before the secret).
"""

from __future__ import annotations

import base64
import contextlib
import functools
import re
import string
from collections.abc import Iterable
from urllib.parse import quote_plus

REDACTED = "[REDACTED]"

_SENSITIVE_QUERY = re.compile(
    r"(?i)([?&][^=&#]*(?:key|token|secret|password|signature|auth)[^=&#]*=)[^&#]*"
)
_USERINFO = re.compile(r"(?<=://)[^/@?#]+@")

_MIN_SECRET_LENGTH = 4
"""Shorter "secrets" are not redacted: replacing them would mangle ordinary text."""

_AS_IS = frozenset(string.ascii_letters + string.digits + "-._~")
"""Characters that no encoding here changes (URL-unreserved, JSON- and HTML-safe)."""
_JSON_SHORT = {
    '"': '\\"',
    "\\": "\\\\",
    "/": "\\/",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
}
_HTML = {
    "&": ("&amp;",),
    "<": ("&lt;",),
    ">": ("&gt;",),
    '"': ("&quot;",),
    "'": ("&#x27;", "&#39;"),
}
_BASE64_RUN = re.compile(r"[A-Za-z0-9+/_-]+={0,2}")


def redact_url(url: str) -> str:
    """Hide user info and the values of credential-like query parameters in a URL.

    >>> redact_url("https://user:pw@api.example.com/x?api_key=abc&page=2")
    'https://[REDACTED]@api.example.com/x?api_key=[REDACTED]&page=2'
    """
    if not url or ("@" not in url and "=" not in url):
        return url
    url = _USERINFO.sub(f"{REDACTED}@", url)
    return _SENSITIVE_QUERY.sub(rf"\1{REDACTED}", url)


def redact_text(text: str, secrets: Iterable[str]) -> str:
    """Replace every occurrence of each (non-trivial) secret in ``text``, in any encoding.

    Meant for error paths: the first call with a new set of secrets compiles a pattern.

    >>> redact_text("token abcdef123 rejected", ["abcdef123"])
    'token [REDACTED] rejected'
    >>> redact_text("client_secret=s3cr%26t+x", ["s3cr&t x"])
    'client_secret=[REDACTED]'
    """
    key = tuple(sorted({s for s in secrets if isinstance(s, str) and len(s) >= _MIN_SECRET_LENGTH}))
    if not key or not text:
        return text
    encoded, in_base64 = _patterns(key)
    text = encoded.sub(REDACTED, text)
    if in_base64.search(text) is None:
        return text
    return _BASE64_RUN.sub(
        lambda run: REDACTED if in_base64.search(run.group()) else run.group(), text
    )


@functools.lru_cache(maxsize=64)
def _patterns(secrets: tuple[str, ...]) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """One pattern for the secrets in any text encoding, one for their base64 cores."""
    longest_first = sorted(secrets, key=len, reverse=True)
    encoded = "|".join("".join(map(_any_encoding, secret)) for secret in longest_first)
    cores = {core for secret in secrets for core in _base64_cores(secret)}
    in_base64 = "|".join(map(re.escape, sorted(cores, key=len, reverse=True)))
    return re.compile(encoded), re.compile(in_base64)


def _any_encoding(char: str) -> str:
    """A regex for one character of a secret, as sent or in any encoding it may come back in."""
    if char in _AS_IS:
        return re.escape(char)
    forms = [re.escape(char), "".join(f"%{_any_case(f'{byte:02X}')}" for byte in char.encode())]
    if char == " ":
        forms.append(r"\+")
    if char in _JSON_SHORT:
        forms.append(re.escape(_JSON_SHORT[char]))
    forms.append(_json_unicode_escape(char))
    forms.extend(map(re.escape, _HTML.get(char, ())))
    return f"(?:{'|'.join(forms)})"


def _json_unicode_escape(char: str) -> str:
    """A regex for ``char`` as JSON ``\\uXXXX`` escapes (a surrogate pair beyond the BMP)."""
    units = char.encode("utf-16-be").hex().upper()
    return "".join(rf"\\u{_any_case(units[i : i + 4])}" for i in range(0, len(units), 4))


def _any_case(hex_digits: str) -> str:
    return "".join(f"[{c}{c.lower()}]" if c.isalpha() else c for c in hex_digits)


def _base64_cores(secret: str) -> set[str]:
    """The base64 characters that encode only ``secret``'s bytes, at each alignment.

    Base64 of any text holding the secret (``client_id:secret``, say) contains one of
    these, in the standard or the URL-safe alphabet.
    """
    variants = {secret.encode(), quote_plus(secret).encode()}
    with contextlib.suppress(UnicodeEncodeError):
        variants.add(secret.encode("latin-1"))  # what authlib's HTTP Basic sends
    cores: set[str] = set()
    for data in variants:
        for offset in range(3):
            encoded = base64.b64encode(bytes(offset) + data).decode()
            core = encoded[-(-8 * offset // 6) : 8 * (offset + len(data)) // 6]
            cores.update((core, core.replace("+", "-").replace("/", "_")))
    return cores
