"""Keeping credentials out of logs, reprs and error messages."""

from __future__ import annotations

import re
from collections.abc import Iterable

REDACTED = "[REDACTED]"

_SENSITIVE_QUERY = re.compile(
    r"(?i)([?&][^=&#]*(?:key|token|secret|password|signature|auth)[^=&#]*=)[^&#]*"
)
_USERINFO = re.compile(r"(?<=://)[^/@?#]+@")


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
    """Replace every occurrence of each (non-trivial) secret in ``text``.

    >>> redact_text("token abcdef123 rejected", ["abcdef123"])
    'token [REDACTED] rejected'
    """
    for secret in secrets:
        if len(secret) >= 4 and secret in text:
            text = text.replace(secret, REDACTED)
    return text
