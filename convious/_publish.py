"""``convious events validate|publish FILE.jsonl``: check and stream a file of events."""

from __future__ import annotations

import collections
import sys
from pathlib import Path
from typing import TextIO

import attrs

from ._batcher import UndeliveredEventsError
from ._client import ConviousClient
from ._events import MAX_EVENT_LINE_BYTES, Event, decode_event, iter_events, write_events
from ._progress import Progress


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
                    counts[type(decode_event(line)).__name__] += 1
                    continue
                except ValueError as exc:
                    problem = str(exc)
            if len(problems) < limit:
                problems.append(f"line {number}: {problem}")
            else:
                problems[-1] = f"... and more invalid lines after line {number - 1}"
    return Validation(counts=dict(counts), problems=problems)


@attrs.frozen(kw_only=True)
class PublishSummary:
    """What ``publish_file`` achieved."""

    accepted: int
    rejected: int
    undelivered: int
    batches: int
    failed_path: Path | None


async def publish_file(
    path: str | Path,
    client: ConviousClient,
    *,
    failed_path: str | Path,
    max_batch_size: int = 500,
    linger: float = 0.05,
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
    bar = Progress(check.total, progress or sys.stderr, unit="events")
    failed: list[Event] = []
    rejected = undelivered = 0
    batcher = client.inventory.batcher(max_batch_size=max_batch_size, linger=linger)
    try:
        async with batcher:
            for event in iter_events(path):
                delivery = await batcher.send(event)
                delivery.add_done_callback(lambda _: bar.advance())
    except UndeliveredEventsError as exc:
        failed = [error.event for error in exc.rejected] + exc.undelivered
        rejected, undelivered = len(exc.rejected), len(exc.undelivered)
    written = None
    if failed:
        written = Path(failed_path)
        write_events(written, failed)
    return PublishSummary(
        accepted=batcher.delivered,
        rejected=rejected,
        undelivered=undelivered,
        batches=batcher.batches,
        failed_path=written,
    )


def format_publish(summary: PublishSummary, target: str) -> str:
    """The human-readable summary of a publish."""
    lines = [
        f"Published to {target}",
        f"  accepted     {summary.accepted:,} event(s) in {summary.batches:,} batch(es)",
        f"  rejected     {summary.rejected:,} (refused by the API)",
        f"  undelivered  {summary.undelivered:,} (not accepted before the batcher closed)",
    ]
    if summary.failed_path is not None:
        lines.append(
            f"  failed events written to {summary.failed_path} "
            f"(replay with: convious events publish {summary.failed_path})"
        )
    return "\n".join(lines)
