"""The fault decision, without an event loop: script first, then probabilities per target."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

import pytest

from convious.sandbox import FAULT_KINDS, Faults


def rng() -> random.Random:
    return random.Random(0)


def test_no_faults_by_default() -> None:
    faults = Faults()
    generator = rng()
    assert {faults.next_fault(target, generator) for target in ("token", "pricer", "events")} == {
        None
    }
    assert faults.delay("pricer", generator) == 0.0


def test_script_is_consumed_in_order() -> None:
    faults = Faults()
    faults.inject("error", count=2)
    faults.inject("drop")
    generator = rng()
    assert [faults.next_fault("pricer", generator) for _ in range(4)] == [
        "error",
        "error",
        "drop",
        None,
    ]


def test_untargeted_script_skips_endpoints_outside_targets() -> None:
    faults = Faults()
    faults.inject("unauthorized")
    generator = rng()
    assert faults.next_fault("token", generator) is None
    assert faults.next_fault("events", generator) == "unauthorized"
    assert faults.scripted == ()


def test_targeted_script_waits_for_its_endpoint_even_outside_targets() -> None:
    faults = Faults()
    faults.inject("html", target="token")
    faults.inject("throttle", target="pricer")
    generator = rng()
    assert faults.next_fault("events", generator) is None
    assert faults.next_fault("pricer", generator) == "throttle"
    assert faults.next_fault("token", generator) == "html"
    assert faults.next_fault("token", generator) is None


@pytest.mark.parametrize("kind", sorted(FAULT_KINDS))
def test_every_kind_can_be_injected(kind: str) -> None:
    faults = Faults()
    faults.inject(kind)  # type: ignore[arg-type]
    assert faults.next_fault("pricer", rng()) == kind


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"error_rate": 1.0}, "error"),
        ({"drop_rate": 1.0}, "drop"),
        ({"throttle_rate": 1.0}, "throttle"),
    ],
)
def test_certain_rates(kwargs: dict[str, Any], expected: str) -> None:
    faults = Faults(**kwargs)
    generator = rng()
    assert {faults.next_fault("pricer", generator) for _ in range(20)} == {expected}
    assert faults.next_fault("token", generator) is None


def test_rates_are_roughly_honoured_and_deterministic() -> None:
    faults = Faults(error_rate=0.2)
    runs = []
    for _ in range(2):
        generator = random.Random(7)
        runs.append([faults.next_fault("pricer", generator) for _ in range(2000)])
    assert runs[0] == runs[1]
    assert 300 < Counter(runs[0])["error"] < 500


def test_drop_is_tried_before_throttle_before_error() -> None:
    faults = Faults(drop_rate=1.0, throttle_rate=1.0, error_rate=1.0)
    assert faults.next_fault("pricer", rng()) == "drop"
    faults.drop_rate = 0.0
    assert faults.next_fault("pricer", rng()) == "throttle"


def test_script_wins_over_rates() -> None:
    faults = Faults(error_rate=1.0)
    faults.inject("invalid_json")
    assert faults.next_fault("pricer", rng()) == "invalid_json"


def test_delay_with_jitter_stays_in_range() -> None:
    faults = Faults(latency=0.5, latency_jitter=0.25)
    generator = rng()
    delays = [faults.delay("events", generator) for _ in range(100)]
    assert all(0.5 <= delay <= 0.75 for delay in delays)
    assert len(set(delays)) > 1
    assert faults.delay("token", generator) == 0.0


def test_clear_removes_script_rates_and_latency() -> None:
    faults = Faults(latency=1.0, error_rate=0.5, drop_rate=0.5, throttle_rate=0.5)
    faults.inject("drop", count=3)
    faults.clear()
    assert faults.scripted == ()
    assert (faults.latency, faults.error_rate, faults.drop_rate, faults.throttle_rate) == (
        0,
        0,
        0,
        0,
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        {"error_rate": 1.5},
        {"drop_rate": -0.1},
        {"throttle_rate": True},
        {"latency": -1},
        {"retry_after": -1},
        {"rate_limit": 0},
        {"targets": {"pricer", "orders"}},
    ],
)
def test_invalid_settings_raise(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011
        Faults(**kwargs)  # type: ignore[arg-type]


def test_settings_are_validated_on_assignment() -> None:
    faults = Faults()
    with pytest.raises(ValueError, match="error_rate"):
        faults.error_rate = 2.0


@pytest.mark.parametrize(
    ("kind", "count", "target"),
    [("explode", 1, None), ("error", 0, None), ("error", 1, "orders"), ("error", True, None)],
)
def test_invalid_injections_raise(kind: str, count: int, target: str | None) -> None:
    with pytest.raises(ValueError):  # noqa: PT011
        Faults().inject(kind, count, target)  # type: ignore[arg-type]


def test_update_is_all_or_nothing() -> None:
    faults = Faults()
    with pytest.raises(ValueError, match="drop_rate"):
        faults.update({"error_rate": 0.5, "drop_rate": 3})
    assert faults.error_rate == 0.0
    with pytest.raises(ValueError, match="unknown fault settings"):
        faults.update({"explode": True})
    with pytest.raises(ValueError, match="kind"):
        faults.update({"error_rate": 0.5, "inject": [{"kind": "explode"}]})
    assert faults.error_rate == 0.0


def test_update_sets_fields_and_queues_injections() -> None:
    faults = Faults()
    faults.update(
        {
            "error_rate": 0.25,
            "targets": ["pricer", "token"],
            "inject": [{"kind": "drop", "count": 2, "target": "events"}],
        }
    )
    assert faults.error_rate == 0.25
    assert faults.targets == frozenset({"pricer", "token"})
    assert faults.scripted == (("drop", "events"), ("drop", "events"))
    assert faults.settings()["scripted"] == [{"kind": "drop", "target": "events"}] * 2
