"""API versions: which one a request gets from its ``Accept`` header (reference section 4).

``Accept: application/vnd.convictional.YYYY-MM-DD`` asks for a dated version. The sandbox
serves ``2021-01-01`` and ``2022-03-03`` and answers with ``Convictional-Version`` set to the
version used:

* no version in ``Accept`` (e.g. ``application/json``), or a malformed date: the pinned
  version (``SandboxConfig.pinned_version``);
* a date before the oldest version (a removed version): it "falls forward" to the oldest;
* any other date: the newest version released on or before it (sandbox choice).

The only version-gated difference is the Seller ``Order`` resource (``_views``).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Final

__all__ = ["VERSIONS", "resolve_version"]

VERSIONS: Final = ("2021-01-01", "2022-03-03")
_MEDIA_TYPE: Final = re.compile(r"application/vnd\.convictional\.(\d{4}-\d{2}-\d{2})", re.I)


def resolve_version(accept: str | None, *, pinned: str) -> str:
    """Return the version a request with this ``Accept`` header is served."""
    match = _MEDIA_TYPE.search(accept or "")
    if match is None:
        return pinned
    try:
        asked = date.fromisoformat(match.group(1))
    except ValueError:
        return pinned
    served = VERSIONS[0]
    for version in VERSIONS:
        if date.fromisoformat(version) <= asked:
            served = version
    return served
