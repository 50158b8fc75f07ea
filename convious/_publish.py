"""``convious events validate|publish FILE.jsonl``: check and stream a file of events."""

from __future__ import annotations

import collections
import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

import attrs

from convictional_async.core import SDKError

from ._batcher import DEFAULT_CLOSE_TIMEOUT, DEFAULT_LINGER, DEFAULT_MAX_BATCH_SIZE
from ._client import ConviousClient
from ._delivery import Delivery
from ._errors import EventNotDeliveredError, UndeliveredEventsError
from ._events import (
    EVENT_TYPES,
    MAX_EVENT_LINE_BYTES,
    Event,
    Pricing,
    decode_event,
    iter_events,
    write_events,
)
from ._progress import Progress

_PAYLOAD_FIELDS = {kind.__name__: frozenset(kind.__struct_encode_fields__) for kind in EVENT_TYPES}
_PRICING_FIELDS = frozenset(Pricing.__struct_encode_fields__)


@attrs.frozen(kw_only=True)
class Validation:
    """What a JSON Lines file of events holds."""

    counts: dict[str, int]
    problems: list[str]

    @property
    def total(self) -> int:
        """How many valid events."""
        return sum(self.counts.values())


def validate_file(path: str | Path, *, limit: int = 20) -> Validation:
    """Check every line; keep the first ``limit`` problems (with line numbers)."""
    counts: collections.Counter[str] = collections.Counter()
    problems: list[str] = []
    with Path(path).open("rb") as lines:
        number = 0
        while line := lines.readline(MAX_EVENT_LINE_BYTES + 1):
            number += 1
            if len(line) > MAX_EVENT_LINE_BYTES:
                while line and not line.endswith(b"\n"):  # skip the rest, never held whole
                    line = lines.readline(MAX_EVENT_LINE_BYTES + 1)
                problem = f"longer than {MAX_EVENT_LINE_BYTES} bytes"
            elif not line.strip():
                continue
            else:
                try:
                    kind = type(decode_event(line)).__name__
                except ValueError as exc:
                    problem = str(exc)
                else:
                    if not (problem := "; ".join(contract_problems(line))):
                        counts[kind] += 1
                        continue
            if len(problems) < limit:
                problems.append(f"line {number}: {problem}")
            else:
                problems[-1] = f"... and more invalid lines after line {number - 1}"
    return Validation(counts=dict(counts), problems=problems)


def contract_problems(line: bytes) -> list[str]:
    """What the wire contract forbids in a decodable event: unknown fields, number prices."""
    envelope = json.loads(line, parse_float=Decimal)
    problems = [_unknown(key) for key in envelope if key not in ("type", "payload")]
    payload: dict[str, Any] = envelope["payload"]
    fields = _PAYLOAD_FIELDS[envelope["type"]]
    problems += [_unknown(f"payload.{key}") for key in payload if key not in fields]
    pricing = payload.get("pricing")
    if isinstance(pricing, dict):
        for key, value in pricing.items():
            where = f"payload.pricing.{key}"
            if key not in _PRICING_FIELDS:
                problems.append(_unknown(where))
            elif isinstance(value, int | Decimal) and not isinstance(value, bool):
                problems.append(f'{where} is the JSON number {value}; send it as "{value}"')
    return problems


def _unknown(field: str) -> str:
    return f"unknown field {field!r}"


@attrs.frozen(kw_only=True)
class PublishSummary:
    """What ``publish_file`` achieved."""

    total: int
    accepted: int
    rejected: int
    undelivered: int
    batches: int
    failed_path: Path | None
    error: str | None = None
    """Why the first event that failed did (secrets scrubbed), or None."""

    @property
    def complete(self) -> bool:
        """Whether the API accepted every event."""
        return self.accepted == self.total


async def publish_file(
    path: str | Path,
    client: ConviousClient,
    *,
    failed_path: str | Path,
    max_batch_size: int = DEFAULT_MAX_BATCH_SIZE,
    linger: float = DEFAULT_LINGER,
    close_timeout: float = DEFAULT_CLOSE_TIMEOUT,
    progress: TextIO | None = None,
) -> PublishSummary:
    """Stream a validated file through an ``EventBatcher``; write failures to ``failed_path``.

    Raises ``ValueError`` (sending nothing) if any line of the file is invalid.
    """
    check = validate_file(path)
    if check.problems:
        raise ValueError(
            f"{path} has invalid events; nothing was sent:\n  " + "\n  ".join(check.problems)
        )
    try:
        await client.login()  # wrong credentials: say so now, not after close_timeout
    except SDKError as exc:
        write_events(failed_path, iter_events(path))
        return PublishSummary(
            total=check.total,
            accepted=0,
            rejected=0,
            undelivered=check.total,
            batches=0,
            failed_path=Path(failed_path),
            error=f"login failed: {exc}",
        )
    tally = _Tally(Progress(check.total, progress or sys.stderr, unit="events"))
    failed: list[Event] = []
    rejected = undelivered = 0
    batcher = client.inventory.batcher(
        max_batch_size=max_batch_size, linger=linger, close_timeout=close_timeout
    )
    try:
        async with batcher:
            for event in iter_events(path):
                (await batcher.send(event)).add_done_callback(tally.finished)
    except UndeliveredEventsError as exc:
        failed = [error.event for error in exc.rejected] + exc.undelivered
        rejected, undelivered = len(exc.rejected), len(exc.undelivered)
    written = None
    if failed:
        written = Path(failed_path)
        write_events(written, failed)
    return PublishSummary(
        total=check.total,
        accepted=batcher.delivered,
        rejected=rejected,
        undelivered=undelivered,
        batches=batcher.batches,
        failed_path=written,
        error=tally.error,
    )


class _Tally:
    """Counts finished deliveries on a progress display and keeps the first failure."""

    def __init__(self, bar: Progress) -> None:
        self._bar = bar
        self.error: str | None = None

    def finished(self, delivery: Delivery) -> None:
        """Count one delivery that ended."""
        error = delivery.error
        self._bar.advance(failed=error is not None)
        if error is not None and self.error is None:
            if isinstance(error, EventNotDeliveredError) and error.last_error is not None:
                error = error.last_error
            self.error = str(error)


def format_publish(summary: PublishSummary, target: str) -> str:
    """The human-readable summary of a publish."""
    if summary.complete:
        headline = f"Published to {target}"
    else:
        missing = summary.total - summary.accepted
        headline = f"Publishing to {target} failed: {missing:,} of {summary.total:,} not accepted"
    lines = [
        headline,
        f"  accepted     {summary.accepted:,} event(s) in {summary.batches:,} batch(es)",
        f"  rejected     {summary.rejected:,} (refused by the API)",
        f"  undelivered  {summary.undelivered:,} (not accepted before the batcher closed)",
    ]
    if summary.error is not None:
        lines.append(f"  error        {summary.error}")
    if summary.failed_path is not None:
        lines.append(
            f"  failed events written to {summary.failed_path} "
            f"(replay with: convious events publish {summary.failed_path})"
        )
    return "\n".join(lines)
