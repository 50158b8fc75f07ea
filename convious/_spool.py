"""A crash-safe local spool of events, in SQLite (stdlib ``sqlite3``).

An event is written (and committed) before the batcher's ``send()`` returns, and deleted
once the batch holding it was accepted or it was rejected and reported. A new batcher on
the same file finds what a crashed process left behind and re-sends it first, in the
order it was sent. WAL mode with ``synchronous=NORMAL``: a commit survives the process
crashing, though not the machine losing power before the OS writes it out.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path


class EventSpool:
    """Events waiting for delivery, keyed by an increasing sequence number.

    >>> spool = EventSpool(":memory:")
    >>> spool.add(b'{"type": "ProductRemoved"}')
    1
    >>> list(spool.pending())
    [(1, b'{"type": "ProductRemoved"}')]
    >>> spool.remove([1]); spool.close()
    """

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY AUTOINCREMENT, body BLOB)"
        )

    def __repr__(self) -> str:
        return f"EventSpool({self.path!r})"

    def add(self, body: bytes) -> int:
        """Store one encoded event durably; return its sequence number."""
        cursor = self._db.execute("INSERT INTO events (body) VALUES (?)", (body,))
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def remove(self, sequence_numbers: Iterable[int]) -> None:
        """Forget delivered (or rejected and reported) events, in one transaction."""
        self._db.execute("BEGIN")
        try:
            self._db.executemany(
                "DELETE FROM events WHERE seq = ?", ((n,) for n in sequence_numbers)
            )
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def pending(self) -> Iterator[tuple[int, bytes]]:
        """Every stored event, oldest first."""
        yield from self._db.execute("SELECT seq, body FROM events ORDER BY seq")

    def __len__(self) -> int:
        (count,) = self._db.execute("SELECT COUNT(*) FROM events").fetchone()
        return int(count)

    def close(self) -> None:
        """Close the database; the file (and anything undelivered in it) stays."""
        self._db.close()
