"""The batcher's accumulator, without an event loop: lanes, "is a batch due", "take a batch"."""

from __future__ import annotations

import json

import pytest

from convious._lanes import MAX_BATCH_SIZE, BatchLimits, Lane, check_batch_size, lane_index


def limits(size: int = 10, size_bytes: int = 1000, linger: float = 1.0) -> BatchLimits:
    return BatchLimits(max_batch_size=size, max_batch_bytes=size_bytes, linger=linger)


def event(n: int, pad: int = 0) -> bytes:
    return json.dumps({"n": n, "pad": "x" * pad}, separators=(",", ":")).encode()


def filled(lane: Lane[bytes], bodies: list[bytes], rules: BatchLimits, now: float = 0.0) -> None:
    for body in bodies:
        lane.add(body, len(body), now=now, limits=rules)


def queued(count: int, rules: BatchLimits) -> tuple[Lane[bytes], list[bytes]]:
    """A lane holding ``count`` small events, and their bodies."""
    lane: Lane[bytes] = Lane()
    bodies = [event(n) for n in range(count)]
    filled(lane, bodies, rules)
    return lane, bodies


def test_every_event_of_a_product_joins_one_lane_and_products_spread():
    assert {lane_index("adult", 8) for _ in range(10)} == {lane_index("adult", 8)}
    assert {lane_index(f"p{n}", 8) for n in range(200)} == set(range(8))
    assert lane_index("adult", 1) == 0


def test_the_first_event_and_the_one_that_fills_a_batch_wake_the_worker():
    rules = limits(size=3)
    lane: Lane[bytes] = Lane()
    assert [lane.add(event(n), len(event(n)), now=0.0, limits=rules) for n in range(4)] == [
        True,
        False,
        True,
        True,
    ]


def test_a_batch_is_due_when_the_oldest_event_has_lingered():
    rules = limits(linger=0.5)
    lane: Lane[bytes] = Lane()
    filled(lane, [event(0)], rules, now=10.0)
    filled(lane, [event(1)], rules, now=10.4)  # a later event does not restart the linger
    assert lane.due_in(rules, now=10.25, closing=False) == 0.25
    assert lane.due_in(rules, now=10.5, closing=False) == 0.0
    assert lane.due_in(rules, now=11.0, closing=False) == 0.0


@pytest.mark.parametrize(
    ("rules", "why"),
    [
        (limits(size=2, linger=60), "full by count"),
        (limits(size_bytes=20, linger=60), "full by bytes"),
    ],
)
def test_a_full_batch_is_due_at_once(rules, why):
    lane: Lane[bytes] = Lane()
    filled(lane, [event(0), event(1)], rules)
    assert lane.due_in(rules, now=0.0, closing=False) == 0.0, why


def test_a_flush_and_a_close_make_a_batch_due_at_once():
    rules = limits(linger=60)
    lane: Lane[bytes] = Lane()
    filled(lane, [event(0)], rules)
    assert lane.due_in(rules, now=0.0, closing=False) == 60
    assert lane.due_in(rules, now=0.0, closing=True) == 0.0
    lane.flush_target = lane.enqueued
    assert lane.due_in(rules, now=0.0, closing=False) == 0.0
    lane.resolved = lane.enqueued
    assert lane.due_in(rules, now=0.0, closing=False) == 60


def test_take_stays_within_the_count_and_in_order():
    rules = limits(size=3)
    lane, bodies = queued(7, rules)
    batches = [lane.take(rules) for _ in range(3)]
    assert batches == [bodies[0:3], bodies[3:6], bodies[6:7]]
    assert lane.queued_bytes == 0


@pytest.mark.parametrize("max_bytes", [2, 40, 100, 101, 500])
def test_take_stays_within_the_bytes_of_the_json_array(max_bytes):
    rules = limits(size=1000, size_bytes=max_bytes)
    lane: Lane[bytes] = Lane()
    bodies = [event(n, pad=n % 7) for n in range(50)]
    filled(lane, bodies, rules)
    taken: list[bytes] = []
    while lane.items:
        batch = lane.take(rules)
        array = b"[" + b",".join(batch) + b"]"
        assert len(batch) == 1 or len(array) <= max_bytes  # one event always leaves
        assert json.loads(array) == [json.loads(body) for body in batch]
        taken += batch
    assert taken == bodies
    assert lane.queued_bytes == 0


def test_a_backlog_behind_a_finished_batch_is_due_at_once():
    rules = limits(size=2, linger=5.0)
    lane: Lane[bytes] = Lane()
    filled(lane, [event(n) for n in range(3)], rules, now=100.0)
    assert lane.take(rules) == lane.in_flight
    lane.finished(now=101.0, limits=rules)
    assert lane.in_flight == []
    assert lane.due_in(rules, now=101.0, closing=False) == 0.0


def test_clear_hands_back_the_batch_in_flight_then_the_queue():
    rules = limits(size=2)
    lane, bodies = queued(5, rules)
    lane.take(rules)
    assert lane.clear() == bodies
    assert (list(lane.items), lane.in_flight, lane.queued_bytes) == ([], [], 0)


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("max_batch_size", 0),
        ("max_batch_size", MAX_BATCH_SIZE + 1),
        ("max_batch_size", True),
        ("max_batch_bytes", 1),
        ("max_batch_bytes", 2.5),
        ("linger", -0.1),
        ("linger", float("nan")),
    ],
)
def test_limits_out_of_bounds_are_value_errors_naming_the_option(option, value):
    options = {"max_batch_size": 10, "max_batch_bytes": 100, "linger": 0.0, option: value}
    with pytest.raises(ValueError, match=option):
        BatchLimits(**options)


def test_the_batch_size_check_is_the_one_publish_and_the_batcher_use():
    assert check_batch_size(MAX_BATCH_SIZE) == MAX_BATCH_SIZE
    with pytest.raises(ValueError, match="max_batch_size must be an integer from 1 to 100000"):
        check_batch_size("500")
