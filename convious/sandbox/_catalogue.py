"""The starter catalogue a standalone sandbox serves: the README's products and a few more.

``convious sandbox`` seeds it unless given ``--empty``, so the README quick start (which
prices ``ticket-adult`` and ``ticket-child``) works against it as written. An in-process
``Sandbox()`` starts empty; call ``add_starter_catalogue(sandbox.state)`` to seed one.
``POST /_sandbox/reset`` forgets these products like any other.
"""

from __future__ import annotations

from typing import Final

import attrs

from ._state import SandboxState

__all__ = ["STARTER_CATALOGUE", "StarterProduct", "add_starter_catalogue"]


@attrs.frozen(kw_only=True)
class StarterProduct:
    """One product of the starter catalogue (prices as decimal strings)."""

    reference: str
    name: str
    min_accepted_price: str
    max_accepted_price: str
    availability: int | None
    """Seats per day, or None for unlimited."""


STARTER_CATALOGUE: Final = (
    StarterProduct(
        reference="ticket-adult",
        name="Adult day ticket",
        min_accepted_price="12.50",
        max_accepted_price="24.00",
        availability=400,
    ),
    StarterProduct(
        reference="ticket-child",
        name="Child day ticket",
        min_accepted_price="8.00",
        max_accepted_price="15.00",
        availability=300,
    ),
    StarterProduct(
        reference="ticket-senior",
        name="Senior day ticket",
        min_accepted_price="10.00",
        max_accepted_price="19.00",
        availability=None,
    ),
    StarterProduct(
        reference="ticket-family",
        name="Family pass (2+2)",
        min_accepted_price="40.00",
        max_accepted_price="72.00",
        availability=60,
    ),
)


def add_starter_catalogue(state: SandboxState) -> tuple[str, ...]:
    """Add every starter product to ``state``; return their references."""
    for product in STARTER_CATALOGUE:
        state.add_product(
            product.reference,
            product.name,
            min_accepted_price=product.min_accepted_price,
            max_accepted_price=product.max_accepted_price,
            availability=product.availability,
        )
    return tuple(product.reference for product in STARTER_CATALOGUE)
