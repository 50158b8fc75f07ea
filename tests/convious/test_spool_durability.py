"""What a spool keeps: every acknowledged send through a SIGKILL; typed errors for bad files."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sqlite3
import sys
import textwrap

import pytest

from convious import EventBatcher, SDKError
from convious._spool import EventSpool, SpoolCorruptError, SpoolError

KILLED_PRODUCER = textwrap.dedent(
    """
    import asyncio, sys, time
    from datetime import date
    from convious import EventBatcher, ProductAvailabilityChanged

    class Unreachable:  # no batch is ever accepted: every event stays in the spool
        async def post_events(self, body):
            await asyncio.Event().wait()

    async def main():
        batcher = EventBatcher(Unreachable().post_events, spool_path=sys.argv[1], linger=0.0)
        count = int(sys.argv[2])
        for n in range(count):
            await batcher.send(ProductAvailabilityChanged(
                product_reference="adult", event_date=date(2026, 12, 1), availability=n))
        print(f"{count} sends returned", flush=True)
        time.sleep(30)  # the test kills this process long before

    asyncio.run(main())
    """
)


class RecordingInventory:
    def __init__(self) -> None:
        self.events: list[dict[str, object]] = []

    async def post_events(self, body: bytes) -> None:
        self.events.extend(json.loads(body))


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
async def test_every_acknowledged_send_survives_a_sigkill(tmp_path):
    path = tmp_path / "events.sqlite"
    count = 1000
    producer = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        KILLED_PRODUCER,
        str(path),
        str(count),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert producer.stdout is not None
    try:
        async with asyncio.timeout(60):
            line = await producer.stdout.readline()
            assert line == f"{count} sends returned\n".encode()
            producer.send_signal(signal.SIGKILL)  # right after the last send() returned
            assert await producer.wait() == -signal.SIGKILL
    finally:
        if producer.returncode is None:
            producer.kill()
            await producer.wait()
    inventory = RecordingInventory()
    async with EventBatcher(inventory.post_events, spool_path=path) as batcher:
        pass
    assert [e["payload"]["availability"] for e in inventory.events] == list(range(count))  # type: ignore[index]
    assert batcher.quarantined == 0


def test_the_spool_commits_with_a_full_sync_in_exclusive_wal_mode(tmp_path):
    spool = EventSpool(tmp_path / "events.sqlite")
    try:
        pragma = spool._db.execute
        assert pragma("PRAGMA journal_mode").fetchone() == ("wal",)
        assert pragma("PRAGMA synchronous").fetchone() == (2,)  # FULL: fsync every commit
        assert pragma("PRAGMA locking_mode").fetchone() == ("exclusive",)
    finally:
        spool.close()


@pytest.mark.parametrize(
    "content",
    [b"this is not a database, " * 400, b"SQLite format 3\x00" + b"\x00" * 50],
    ids=["garbage", "bare-header"],
)
def test_a_file_that_is_not_a_spool_is_a_typed_error_naming_it(tmp_path, content):
    path = tmp_path / "events.sqlite"
    path.write_bytes(content)
    with pytest.raises(SpoolCorruptError, match=re.escape(str(path))) as caught:
        EventSpool(path)
    assert isinstance(caught.value, SDKError)
    assert caught.value.path == str(path)


@pytest.mark.parametrize("keep", [0.1, 0.5, 0.9])
def test_a_truncated_spool_is_a_typed_error_naming_it(tmp_path, keep):
    path = tmp_path / "events.sqlite"
    EventSpool(path).close()
    with sqlite3.connect(path) as db:  # several pages of rows, in one transaction
        db.executemany("INSERT INTO events (body) VALUES (?)", [(b"x" * 100,)] * 1000)
    db.close()
    os.truncate(path, int(path.stat().st_size * keep))
    with pytest.raises(SpoolCorruptError, match=re.escape(str(path))):
        EventSpool(path)


def test_a_spool_path_that_cannot_be_opened_is_a_typed_error_naming_it(tmp_path):
    with pytest.raises(SpoolError, match=re.escape(str(tmp_path))):
        EventSpool(tmp_path)  # a directory


async def test_a_batcher_on_a_broken_spool_refuses_to_start_and_closes_cleanly(tmp_path):
    path = tmp_path / "events.sqlite"
    path.write_bytes(b"garbage" * 1000)
    batcher = EventBatcher(RecordingInventory().post_events, spool_path=path)
    with pytest.raises(SpoolCorruptError, match=re.escape(str(path))):
        await batcher.start()
    await batcher.close()
