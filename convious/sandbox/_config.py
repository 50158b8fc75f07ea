"""Settings of the Convious sandbox, including its choices for undocumented behaviour.

Where the vendor documentation is silent (reference section 12), the sandbox picks a default
and lets you change it here:

* ``token_expires_in``: ``None`` (the default) sends the documented token response with no
  ``expires_in``, and tokens never expire; an ``int`` adds ``expires_in`` and
  ``"scope": "read write"`` and rejects the token after that many seconds.
* ``api_versions``: the ``Accept-Version`` values served; anything else is a 400.
* ``auth_checked_first``: when a request has both a bad token and a bad ``Accept-Version``,
  ``True`` answers 401, ``False`` answers 400.
* ``max_date_range_days`` / ``max_times``: limits on a pricing request (inclusive day count,
  number of ``times``).
* ``max_body_bytes``: request bodies above this size get 413 (the real limit is unknown).
* ``require_known_products``: ``True`` answers 400 when a pricing request names an unknown or
  removed product; ``False`` leaves such products out of each ``TimedPrice``.
* ``seed``: seeds the fault RNG and salts the per-visitor price variation.
* ``clock``: the monotonic clock used for token expiry and the rate-limit windows; inject a
  fake one in tests.
"""

from __future__ import annotations

import time
import types
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from convictional_async.core._validate import attrs_check, positive_int, string_set

__all__ = ["SandboxConfig"]


def _default_clients() -> Mapping[str, str]:
    return types.MappingProxyType({"sandbox-client": "sandbox-secret"})


def _freeze_clients(value: Mapping[str, str]) -> Mapping[str, str]:
    return types.MappingProxyType(dict(value))


def _check_clients(_: Any, attribute: attrs.Attribute[Any], value: Mapping[str, str]) -> None:
    if not value:
        raise ValueError("clients must hold at least one client_id -> client_secret pair")
    for client_id, secret in value.items():
        if not isinstance(client_id, str) or not client_id:
            raise ValueError("every client_id must be a non-empty string")
        if not isinstance(secret, str) or not secret:
            raise ValueError(f"the secret of client {client_id!r} must be a non-empty string")


def _versions(value: object) -> frozenset[str]:
    return string_set("api_versions", value)


def _check_versions(_: Any, attribute: attrs.Attribute[Any], value: frozenset[str]) -> None:
    if any(v.strip() != v for v in value):
        raise ValueError("api_versions must not have leading or trailing spaces")


def _check_seed(_: Any, attribute: attrs.Attribute[Any], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("seed must be an int")


def _check_bool(_: Any, attribute: attrs.Attribute[Any], value: bool) -> None:
    if not isinstance(value, bool):
        raise ValueError(f"{attribute.name} must be a bool")


def _check_clock(_: Any, attribute: attrs.Attribute[Any], value: Callable[[], float]) -> None:
    if not callable(value):
        raise ValueError("clock must be a callable returning monotonic seconds")


@attrs.frozen(kw_only=True)
class SandboxConfig:
    """Immutable settings of one sandbox instance.

    Example::

        config = SandboxConfig(clients={"my-id": "my-secret"}, token_expires_in=3600)
        async with Sandbox(config) as sandbox:
            ...
    """

    clients: Mapping[str, str] = attrs.field(
        factory=_default_clients,
        converter=_freeze_clients,
        validator=_check_clients,
        hash=False,
        repr=False,
    )
    token_expires_in: int | None = attrs.field(
        default=None, validator=attrs.validators.optional(attrs_check(positive_int))
    )
    api_versions: frozenset[str] = attrs.field(
        default=frozenset({"1.0.0"}),
        converter=_versions,
        validator=_check_versions,
    )
    auth_checked_first: bool = attrs.field(default=True, validator=_check_bool)
    max_date_range_days: int = attrs.field(default=366, validator=attrs_check(positive_int))
    max_times: int = attrs.field(default=48, validator=attrs_check(positive_int))
    max_body_bytes: int = attrs.field(default=10 * 1024 * 1024, validator=attrs_check(positive_int))
    require_known_products: bool = attrs.field(default=True, validator=_check_bool)
    seed: int = attrs.field(default=0, validator=_check_seed)
    clock: Callable[[], float] = attrs.field(
        default=time.monotonic, validator=_check_clock, eq=False, repr=False
    )

    @property
    def first_client(self) -> tuple[str, str]:
        """Return the first configured ``(client_id, client_secret)`` pair."""
        return next(iter(self.clients.items()))
