"""``convious events validate|publish`` end to end (publish against the embedded sandbox)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from convious import (
    ConviousClient,
    Pricing,
    ProductAvailabilityChanged,
    ProductCreated,
    read_events,
    write_events,
)
from convious._cli import main
from convious._publish import publish_file, validate_file
from convious.sandbox import Sandbox, SandboxConfig

DAY = date(2026, 12, 1)


def catalogue(n: int = 3) -> list:
    events = [
        ProductCreated(
            product_reference=f"p{i}", name=f"P{i}", pricing=Pricing(max_accepted_price=Decimal(10))
        )
        for i in range(n)
    ]
    return events + [
        ProductAvailabilityChanged(product_reference=f"p{i % n}", event_date=DAY, availability=i)
        for i in range(300)
    ]


def test_validate_counts_and_reports_every_bad_line(tmp_path, capsys):
    good = tmp_path / "good.jsonl"
    write_events(good, catalogue())
    assert main(["events", "validate", str(good)]) == 0
    assert (
        "303 valid event(s) (300 ProductAvailabilityChanged, 3 ProductCreated)"
        in capsys.readouterr().out
    )
    bad = tmp_path / "bad.jsonl"
    bad.write_text(good.read_text() + '{"type": "Nope", "payload": {}}\nnot json\n')
    assert main(["events", "validate", str(bad)]) == 1
    captured = capsys.readouterr()
    assert "line 304" in captured.err
    assert "line 305" in captured.err


def test_publish_to_the_sandbox_prints_a_summary(tmp_path, capsys):
    path = tmp_path / "events.jsonl"
    write_events(path, catalogue())
    assert main(["events", "publish", str(path), "--sandbox", "--batch-size", "50"]) == 0
    out = capsys.readouterr().out
    assert "accepted     303 event(s) in 7 batch(es)" in out
    assert not (tmp_path / "events.failed.jsonl").exists()


def test_publish_refuses_an_invalid_file_and_sends_nothing(tmp_path, capsys):
    path = tmp_path / "events.jsonl"
    path.write_text('{"type": "ProductRemoved", "payload": {"productReference": ""}}\n')
    assert main(["events", "publish", str(path), "--sandbox"]) == 2
    assert "nothing was sent" in capsys.readouterr().err


async def test_rejected_events_are_written_to_a_replayable_file(tmp_path):
    events = catalogue()
    huge = ProductCreated(  # valid, but bigger than this server accepts in one request (413)
        product_reference="huge", name="x" * 256, pricing=Pricing(max_accepted_price=Decimal(1))
    )
    events.insert(10, huge)
    path, failed = tmp_path / "events.jsonl", tmp_path / "failed.jsonl"
    write_events(path, events)
    config = SandboxConfig(max_body_bytes=400)  # the huge event alone is about 460 bytes
    async with Sandbox(config) as sandbox, ConviousClient(**sandbox.client_options()) as client:
        summary = await publish_file(path, client, failed_path=failed, linger=0.001)
    assert (summary.accepted, summary.rejected, summary.undelivered) == (303, 1, 0)
    assert summary.failed_path == failed
    assert read_events(failed) == [huge]  # replayable as it is


def test_publish_needs_real_credentials_without_sandbox(tmp_path, monkeypatch, capsys):
    path = tmp_path / "events.jsonl"
    write_events(path, catalogue(1))
    monkeypatch.delenv("CONVIOUS_CLIENT_ID", raising=False)
    monkeypatch.delenv("CONVIOUS_CLIENT_SECRET", raising=False)
    assert main(["events", "publish", str(path)]) == 2
    assert "CONVIOUS_CLIENT_ID" in capsys.readouterr().err


def test_missing_file_is_a_clear_error(tmp_path, capsys):
    assert main(["events", "validate", str(tmp_path / "nope.jsonl")]) == 2
    assert "no such file" in capsys.readouterr().err


@pytest.mark.parametrize("count", [0, 1])
def test_round_trip_helpers(tmp_path, count):
    path = tmp_path / "e.jsonl"
    write_events(path, catalogue(1)[:count])
    assert len(read_events(path)) == count


def test_validate_reports_an_overlong_line_without_reading_it_whole(tmp_path):
    path = tmp_path / "events.jsonl"
    write_events(path, catalogue(1))
    with path.open("ab") as file:
        file.write(b"x" * (3 * 65536) + b"\n")  # three times the line limit
    write_events(tmp_path / "tail.jsonl", catalogue(1)[:1])
    with path.open("ab") as file:
        file.write((tmp_path / "tail.jsonl").read_bytes())
    validation = validate_file(path)
    assert validation.counts == {"ProductCreated": 2, "ProductAvailabilityChanged": 300}
    assert validation.problems == ["line 302: longer than 65536 bytes"]
