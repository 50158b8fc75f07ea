"""``convious events``: what the wire contract forbids is flagged, a failed publish says so."""

from __future__ import annotations

from pathlib import Path

import pytest

from convious._cli import main

CREATED = (
    '{"type": "ProductCreated", "payload": {"productReference": "a", "name": "A", '
    '"availability": 3, "pricing": {"minAcceptedPrice": null, "maxAcceptedPrice": %s, '
    '"averageTargetPrice": null, "boxOfficePrice": null}}}\n'
)


def test_validate_flags_a_price_sent_as_a_json_number(tmp_path: Path, capsys) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text(CREATED % '"18.50"' + CREATED % "18.5")
    assert main(["events", "validate", str(path)]) == 1
    captured = capsys.readouterr()
    assert (
        'line 2: payload.pricing.maxAcceptedPrice is the JSON number 18.5; send it as "18.5"'
        in captured.err
    )
    assert "line 1" not in captured.err
    assert "1 valid event(s) (1 ProductCreated); 1 problem(s)" in captured.out


@pytest.mark.parametrize(
    ("line", "field"),
    [
        (
            '{"type": "ProductRemoved", "payload": {"productReference": "a", "colour": 1}}',
            "payload.colour",
        ),
        ('{"type": "ProductRemoved", "payload": {"productReference": "a"}, "extra": 1}', "extra"),
        (
            '{"type": "ProductAvailabilityChanged", "payload": {"productReference": "a", '
            '"eventDate": "2026-12-01", "availabilty": 3, "availability": 4}}',
            "payload.availabilty",
        ),
        (
            (CREATED % '"1.00"').replace('"boxOfficePrice"', '"boxOffice": 1, "boxOfficePrice"'),
            "payload.pricing.boxOffice",
        ),
    ],
)
def test_validate_flags_unknown_fields(tmp_path: Path, capsys, line: str, field: str) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text(line.strip() + "\n")
    assert main(["events", "validate", str(path)]) == 1
    assert f"line 1: unknown field {field!r}" in capsys.readouterr().err


def test_publish_refuses_unknown_fields_and_sends_nothing(tmp_path: Path, capsys) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text('{"type": "ProductRemoved", "payload": {"productReference": "a", "x": 1}}\n')
    assert main(["events", "publish", str(path), "--sandbox"]) == 2
    err = capsys.readouterr().err
    assert "nothing was sent" in err
    assert "unknown field 'payload.x'" in err
