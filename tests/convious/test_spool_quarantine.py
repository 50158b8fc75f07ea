"""A spool row that no longer decodes is quarantined once; everything else is re-sent."""

from __future__ import annotations

import json
import logging
import sqlite3
from datetime import date

import pytest

from convious import EventBatcher, ProductAvailabilityChanged
from convious._events import decode_event, encode_event
from convious._spool import EventSpool


class RecordingInventory:
    """Stands in for ``client.inventory``: accepts every batch and keeps its events."""

    def __init__(self) -> None:
        self.events: list[dict[str, object]] = []

    async def post_events(self, body: bytes) -> None:
        self.events.extend(json.loads(body))


def availability(n: int) -> ProductAvailabilityChanged:
    return ProductAvailabilityChanged(
        product_reference="adult", event_date=date(2026, 12, 1), availability=n
    )


def spool_with(path, count: int) -> None:
    EventSpool(path).close()  # the schema; then the rows in one transaction, for speed
    with sqlite3.connect(path) as db:
        db.executemany(
            "INSERT INTO events (body) VALUES (?)",
            ((encode_event(availability(n)),) for n in range(count)),
        )
    db.close()


def spoil(path, seq: int, body: object) -> None:
    with sqlite3.connect(path) as db:
        db.execute("UPDATE events SET body = ? WHERE seq = ?", (body, seq))
    db.close()


def quarantine_rows(path) -> list[tuple[int, object, str]]:
    db = sqlite3.connect(path)
    try:
        return db.execute("SELECT seq, body, reason FROM quarantine ORDER BY seq").fetchall()
    finally:
        db.close()


def sent(inventory: RecordingInventory) -> list[int]:
    return [e["payload"]["availability"] for e in inventory.events]  # type: ignore[index]


async def test_one_bad_row_among_1000_is_quarantined_and_the_rest_re_sent(tmp_path, caplog):
    path = tmp_path / "events.sqlite"
    spool_with(path, 1000)
    spoil(path, 500, b'{"type": "ProductAvailabilityChanged", "payload": {')
    inventory = RecordingInventory()
    with caplog.at_level(logging.WARNING):
        async with EventBatcher(inventory.post_events, spool_path=path) as batcher:
            pass
    assert sent(inventory) == [n for n in range(1000) if n != 499]  # seq 500 held event 499
    assert batcher.quarantined == 1
    warnings = [r for r in caplog.records if "quarantine" in r.getMessage()]
    assert len(warnings) == 1
    assert str(path) in warnings[0].getMessage()
    [(seq, body, reason)] = quarantine_rows(path)
    assert (seq, body) == (500, b'{"type": "ProductAvailabilityChanged", "payload": {')
    assert "not a JSON event" in reason

    caplog.clear()
    again = RecordingInventory()
    with caplog.at_level(logging.WARNING):
        async with EventBatcher(again.post_events, spool_path=path) as batcher:
            pass  # the next start neither fails nor re-sends nor reports the row again
    assert again.events == []
    assert batcher.quarantined == 0
    assert "quarantine" not in caplog.text
    assert len(quarantine_rows(path)) == 1


@pytest.mark.parametrize(
    "body",
    [None, 42, "not json", b'{"type": "Nope", "payload": {}}', b"\xff\xfe"],
    ids=["null", "integer", "text", "unknown-type", "not-utf8"],
)
def test_the_spool_quarantines_any_row_the_decoder_refuses(tmp_path, body):
    path = tmp_path / "events.sqlite"
    spool_with(path, 3)
    spoil(path, 2, body)
    spool = EventSpool(path)
    try:
        recovered = spool.recover(decode_event)
        assert [(seq, event.availability) for seq, _, event in recovered] == [(1, 0), (3, 2)]
        assert spool.quarantined == 1
        assert len(spool) == 2
        assert spool.recover(decode_event) == recovered  # nothing more to quarantine
        assert spool.quarantined == 1
    finally:
        spool.close()
    [(seq, _, reason)] = quarantine_rows(path)
    assert seq == 2
    assert reason


def test_a_text_row_holding_a_valid_event_is_not_quarantined(tmp_path):
    path = tmp_path / "events.sqlite"
    spool_with(path, 1)
    spoil(path, 1, encode_event(availability(7)).decode())
    spool = EventSpool(path)
    try:
        [(seq, body, event)] = spool.recover(decode_event)
    finally:
        spool.close()
    assert (seq, body, event) == (1, encode_event(availability(7)), availability(7))
