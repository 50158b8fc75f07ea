"""Identifiers, API keys and timestamps of the sandbox, deterministic from a seed.

IDs look like the real ones: 24 hex characters (``5aa180d29ad9340010459936``); API keys are
UUIDs (``18682ba6-3c6e-4d98-9d34-6e142bea4695``); variants also carry a legacy integer id.
Timestamps are RFC 3339 in UTC with milliseconds and ``Z``.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime

__all__ = ["IdFactory", "iso", "parse_rfc3339"]


class IdFactory:
    """Makes the sandbox's ids and keys from one seeded random generator.

    Example::

        ids = IdFactory(seed=0)
        ids.object_id()  # '8a3c...' (24 hex characters)
    """

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(f"convictional-ids-{seed}")
        self._legacy = 1000

    def object_id(self) -> str:
        """Return a new 24-hex-character object id."""
        return f"{self._rng.getrandbits(96):024x}"

    def api_key(self) -> str:
        """Return a new API key (a version 4 UUID)."""
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def legacy_id(self) -> int:
        """Return a new legacy integer id (for ``Variant.id`` and ``PriceList.variantId``)."""
        self._legacy += 1
        return self._legacy


def iso(moment: datetime | None) -> str | None:
    """Return ``moment`` as RFC 3339 with milliseconds and ``Z``, or None."""
    if moment is None:
        return None
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


def parse_rfc3339(text: object) -> datetime | None:
    """Return an aware datetime for an RFC 3339 string (``Z`` or an offset), else None."""
    if not isinstance(text, str) or len(text) > 40 or "T" not in text.upper():
        return None
    try:
        moment = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None
