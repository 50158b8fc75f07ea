"""The browser side of pricing: the HTML that loads and starts Convious analytics.

Convious prices a visitor by the ``cookieId`` that its analytics script registered on
the page. **The same cookie id must be passed to** ``client.pricing.get_prices(cookie_id=...)``
**for that visitor**, or the pricer knows nothing about them. A typical server:

1. reads the visitor's cookie id from its own cookie, or creates one with
   :func:`new_cookie_id` and sets the cookie;
2. renders :func:`render_snippet` with it into every page (the script must be on every
   page);
3. looks up prices with the same cookie id.

>>> print(render_snippet("acme", "c-123"))
<script src="https://scripts.convious.com/analytics.js"></script>
<script>conviousPricing.init("acme", "c-123");</script>
"""

from __future__ import annotations

import html
import json
import secrets
from urllib.parse import urlsplit

DEFAULT_SCRIPT_URL = "https://scripts.convious.com/analytics.js"
"""Where the Convious docs load the script from."""

_UNSAFE_IN_SCRIPT = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026"}


def new_cookie_id() -> str:
    """A fresh, unguessable visitor cookie id (URL- and cookie-safe)."""
    return secrets.token_urlsafe(16)


def script_literal(value: str) -> str:
    """``value`` as a JavaScript string literal that is safe inside an HTML ``<script>``.

    JSON encoding handles quotes, backslashes, line terminators and non-ASCII
    characters; ``<``, ``>`` and ``&`` are escaped too, so no value can close the
    script element or open a comment.

    >>> script_literal('</script><script>alert(1)</script>')
    '"\\\\u003c/script\\\\u003e\\\\u003cscript\\\\u003ealert(1)\\\\u003c/script\\\\u003e"'
    """
    return json.dumps(value, ensure_ascii=True).translate(_UNSAFE_IN_SCRIPT)


def render_snippet(
    account_id: str,
    cookie_id: str,
    *,
    script_url: str = DEFAULT_SCRIPT_URL,
    nonce: str | None = None,
) -> str:
    """The ``<script>`` tags that load Convious analytics and call ``conviousPricing.init``.

    ``nonce`` adds a Content-Security-Policy nonce to both tags. Raises ``ValueError``
    for an empty account or cookie id, or a script URL that is not http(s).
    """
    for name, value in (("account_id", account_id), ("cookie_id", cookie_id)):
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"{name} must be a non-empty string, got {value!r}")
    parts = urlsplit(script_url) if isinstance(script_url, str) else None
    if parts is None or parts.scheme not in ("https", "http") or not parts.netloc:
        raise ValueError(f"script_url must be an absolute http(s) URL, got {script_url!r}")
    if nonce is not None and (not isinstance(nonce, str) or not nonce):
        raise ValueError("nonce must be a non-empty string or None")
    nonce_attribute = f' nonce="{html.escape(nonce, quote=True)}"' if nonce else ""
    return (
        f'<script src="{html.escape(script_url, quote=True)}"{nonce_attribute}></script>\n'
        f"<script{nonce_attribute}>conviousPricing.init("
        f"{script_literal(account_id)}, {script_literal(cookie_id)});</script>"
    )
