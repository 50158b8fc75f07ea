"""Fault injection for a sandbox: latency, errors, dropped connections, throttling.

Each sandbox names its endpoints ("targets") by subclassing ``Faults`` and setting
``KNOWN_TARGETS`` (every name a fault may aim at) and ``DEFAULT_TARGETS`` (the endpoints faults
apply to unless told otherwise). Two sources of faults, both applied only to requests for a
target they cover:

* Probabilities, for load tests: ``drop_rate``, then ``throttle_rate``, then ``error_rate`` are
  tried in that order, each with its own draw, so they never need to sum to 1.
  They apply to the endpoints in ``targets``.
* A deterministic script, for behaviour tests: ``inject(kind, count, target)`` queues one-shot
  faults that the next matching requests consume in order, before any probability is drawn.
  ``target=None`` matches any endpoint in ``targets`` at the time of the request; an explicit
  target matches that endpoint even when it is not in ``targets``.

Fault kinds and what the client sees (the API renders the JSON bodies in its own format):

========================  ==========================================================
``"error"``               503 with the API's error body
``"html"``                502 with an HTML error page (``Content-Type: text/html``)
``"invalid_json"``        200 with a truncated JSON body (the request is processed)
``"missing_fields"``      200 ``{"unexpected": true}`` instead of a non-empty body; an
                          empty 200 stays as it is (the request is processed)
``"drop"``                the connection is closed with no response, before processing
``"drop_after"``          the request is processed, then the connection is closed with
                          no response
``"partial"``             the request is processed, then the status line, the headers
                          (with the full ``Content-Length``) and half the body are sent
                          and the connection is closed
``"throttle"``            429 with the API's rate-limit headers
``"unauthorized"``        401, as if the credentials had been revoked
========================  ==========================================================

Latency (``latency`` plus a uniform ``[0, latency_jitter]``) is added to every request for an
endpoint in ``targets``.

Every knob is bounded, so no setting (in-process or through the admin API) can exhaust memory
or park requests for ever; a value outside its bound raises ``ValueError`` (400 from the admin
endpoint) and changes nothing:

* ``latency`` and ``latency_jitter``: 0 to 60 seconds each (``MAX_LATENCY``);
* ``error_rate``, ``drop_rate``, ``throttle_rate``: probabilities, 0 to 1;
* ``retry_after``: 0 to 3600 seconds (``MAX_RETRY_AFTER``);
* ``rate_limit`` (the limit a throttle fault advertises): 1 to 1,000,000
  (``MAX_ADVERTISED_LIMIT``);
* scripted faults: at most 10,000 queued in all (``MAX_SCRIPTED``), so one ``count`` is at
  most 10,000 too.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Iterable
from typing import Any, ClassVar, Final, Literal, cast, get_args

import attrs

from .._validate import attrs_check, non_negative_number, positive_int

__all__ = [
    "FAULT_KINDS",
    "MAX_ADVERTISED_LIMIT",
    "MAX_LATENCY",
    "MAX_RETRY_AFTER",
    "MAX_SCRIPTED",
    "FaultKind",
    "Faults",
]

FaultKind = Literal[
    "error",
    "html",
    "invalid_json",
    "missing_fields",
    "drop",
    "drop_after",
    "partial",
    "throttle",
    "unauthorized",
]
FAULT_KINDS: Final[frozenset[str]] = frozenset(get_args(FaultKind))
MAX_LATENCY: Final = 60.0
MAX_RETRY_AFTER: Final = 3600.0
MAX_ADVERTISED_LIMIT: Final = 1_000_000
MAX_SCRIPTED: Final = 10_000


_latency = attrs_check(non_negative_number, MAX_LATENCY)  # seconds
_retry_after = attrs_check(non_negative_number, MAX_RETRY_AFTER)  # seconds
_rate = attrs_check(non_negative_number, 1.0)  # a probability


def _check_advertised_limit(_: Any, attribute: attrs.Attribute[Any], value: int) -> None:
    positive_int(attribute.name, value, MAX_ADVERTISED_LIMIT)


def _check_count(count: object) -> int:
    return positive_int("count", count, MAX_SCRIPTED)


def _string_set(value: Iterable[str]) -> frozenset[str]:
    return frozenset(value)


def _default_targets(faults: Faults) -> frozenset[str]:
    return type(faults).DEFAULT_TARGETS


def _check_targets(faults: Faults, attribute: attrs.Attribute[Any], value: frozenset[str]) -> None:
    known = type(faults).KNOWN_TARGETS
    unknown = set(value) - known
    if unknown:
        raise ValueError(f"unknown fault targets {sorted(unknown)}; use {sorted(known)}")


def _check_target(target: str | None, known: frozenset[str]) -> None:
    if target is not None and target not in known:
        raise ValueError(f"unknown fault target {target!r}; use {sorted(known)}")


@attrs.define(kw_only=True)
class Faults:
    """Mutable fault settings, read by the sandbox on every request.

    Subclass it to name the endpoints of one API::

        class ShopFaults(Faults):
            KNOWN_TARGETS = frozenset({"login", "orders"})
            DEFAULT_TARGETS = frozenset({"orders"})

        faults = ShopFaults(latency=0.01, error_rate=0.05)
        faults.inject("drop")                   # the next "orders" request is dropped
        faults.inject("throttle", count=2, target="login")
    """

    KNOWN_TARGETS: ClassVar[frozenset[str]] = frozenset()
    DEFAULT_TARGETS: ClassVar[frozenset[str]] = frozenset()

    latency: float = attrs.field(
        default=0.0, validator=attrs_check(non_negative_number, MAX_LATENCY)
    )
    latency_jitter: float = attrs.field(
        default=0.0, validator=attrs_check(non_negative_number, MAX_LATENCY)
    )
    error_rate: float = attrs.field(default=0.0, validator=_rate)
    drop_rate: float = attrs.field(default=0.0, validator=_rate)
    throttle_rate: float = attrs.field(default=0.0, validator=_rate)
    retry_after: float = attrs.field(
        default=1.0, validator=attrs_check(non_negative_number, MAX_RETRY_AFTER)
    )
    rate_limit: int = attrs.field(default=100, validator=_check_advertised_limit)
    targets: frozenset[str] = attrs.field(
        default=attrs.Factory(_default_targets, takes_self=True),
        converter=_string_set,
        validator=_check_targets,
    )
    _script: deque[tuple[FaultKind, str | None]] = attrs.field(
        factory=deque, init=False, repr=False, eq=False
    )

    def inject(self, kind: FaultKind, count: int = 1, target: str | None = None) -> None:
        """Queue ``count`` one-shot faults of ``kind`` for the next matching requests."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; use {sorted(FAULT_KINDS)}")
        self._check_room(_check_count(count))
        _check_target(target, self.KNOWN_TARGETS)
        self._script.extend([(kind, target)] * count)

    def _check_room(self, count: int) -> None:
        if len(self._script) + count > MAX_SCRIPTED:
            raise ValueError(
                f"at most {MAX_SCRIPTED} scripted faults may be queued; "
                f"{len(self._script)} are queued already"
            )

    @property
    def scripted(self) -> tuple[tuple[FaultKind, str | None], ...]:
        """Return the queued one-shot faults as ``(kind, target)`` pairs, next first."""
        return tuple(self._script)

    def clear(self) -> None:
        """Drop every queued fault and set every rate and the latency to zero."""
        self._script.clear()
        self.latency = self.latency_jitter = 0.0
        self.error_rate = self.drop_rate = self.throttle_rate = 0.0

    def next_fault(self, target: str, rng: random.Random) -> FaultKind | None:
        """Decide the fault for one request to ``target``; consumes a matching scripted fault."""
        for index, (kind, wanted) in enumerate(self._script):
            if wanted == target or (wanted is None and target in self.targets):
                del self._script[index]
                return kind
        if target not in self.targets:
            return None
        if self.drop_rate and rng.random() < self.drop_rate:
            return "drop"
        if self.throttle_rate and rng.random() < self.throttle_rate:
            return "throttle"
        if self.error_rate and rng.random() < self.error_rate:
            return "error"
        return None

    def delay(self, target: str, rng: random.Random) -> float:
        """Return the seconds of latency to add to one request to ``target``."""
        if target not in self.targets or not (self.latency or self.latency_jitter):
            return 0.0
        jitter = rng.uniform(0.0, self.latency_jitter) if self.latency_jitter else 0.0
        return float(self.latency + jitter)

    def settings(self) -> dict[str, Any]:
        """Return the settable fields as JSON-ready values (targets sorted)."""
        return {
            "latency": self.latency,
            "latency_jitter": self.latency_jitter,
            "error_rate": self.error_rate,
            "drop_rate": self.drop_rate,
            "throttle_rate": self.throttle_rate,
            "retry_after": self.retry_after,
            "rate_limit": self.rate_limit,
            "targets": sorted(self.targets),
            "scripted": [{"kind": kind, "target": target} for kind, target in self._script],
        }

    def update(self, changes: dict[str, Any]) -> None:
        """Apply settings from a JSON object, all or nothing; ``inject`` holds scripted faults."""
        settable = {a.name for a in attrs.fields(type(self)) if a.init}
        unknown = set(changes) - {*settable, "inject"}
        if unknown:
            raise ValueError(f"unknown fault settings {sorted(unknown)}")
        fields = {name: value for name, value in changes.items() if name in settable}
        if "targets" in fields and not isinstance(fields["targets"], list | tuple | set):
            raise ValueError("targets must be a list of endpoint names")
        merged = attrs.evolve(self, **fields)  # validates everything before we change anything
        injections = _parse_injections(changes.get("inject", []), self.KNOWN_TARGETS)
        self._check_room(sum(count for _, count, _ in injections))
        for name in fields:
            setattr(self, name, getattr(merged, name))
        for kind, count, target in injections:
            self.inject(kind, count, target)


def _parse_injections(
    raw: object, known_targets: frozenset[str]
) -> list[tuple[FaultKind, int, str | None]]:
    if not isinstance(raw, list):
        raise ValueError("inject must be a list of {kind, count, target} objects")
    if len(raw) > MAX_SCRIPTED:
        raise ValueError(f"at most {MAX_SCRIPTED} scripted faults may be queued")
    parsed: list[tuple[FaultKind, int, str | None]] = []
    for item in raw:
        if not isinstance(item, dict) or set(item) - {"kind", "count", "target"}:
            raise ValueError("each inject item must be an object with kind, count, target")
        kind, count, target = item.get("kind"), item.get("count", 1), item.get("target")
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; use {sorted(FAULT_KINDS)}")
        _check_count(count)
        if target is not None and not isinstance(target, str):
            raise ValueError("target must be a string or null")
        _check_target(target, known_targets)
        parsed.append((cast(FaultKind, kind), count, target))
    return parsed
