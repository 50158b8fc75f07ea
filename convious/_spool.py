"""A crash-safe local spool of events, in SQLite (stdlib ``sqlite3``).

An event is committed before the batcher's ``send()`` returns, and deleted once the batch
holding it was accepted (or it was rejected and reported). A new batcher on the same file
re-sends what a crashed process left behind first, in the order it was sent.

* **Durability.** WAL journal with ``synchronous=FULL``: every commit is fsynced before
  ``send()`` returns, so an acknowledged event survives the process being killed and the
  machine losing power (on storage that honours fsync). The price is one fsync per
  ``send()``, taken on the event loop. What nothing here survives is damage to the files
  themselves (a disk fault, an edit): SQLite ignores a write-ahead log from its first
  damaged frame on, and a damaged database is refused with :class:`SpoolCorruptError`.
* **One owner.** An open spool holds SQLite's exclusive lock (``locking_mode=EXCLUSIVE``)
  until it is closed or its process dies; a second opener, in this process or another,
  gets :class:`SpoolLockedError`.
* **Quarantine.** A stored row that no longer decodes as an event is moved, once, to the
  ``quarantine`` table (``seq``, ``body``, ``reason``), logged and counted; the rest is
  re-sent as usual.

Every ``sqlite3`` error is translated in :func:`spool_error` into a
:class:`~convious.SpoolError` (``SpoolLockedError``, ``SpoolCorruptError``; the tree is
in :mod:`convious._errors`).
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from ._errors import SpoolCorruptError, SpoolError, SpoolLockedError

logger = logging.getLogger("convious.spool")

T = TypeVar("T")

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY AUTOINCREMENT, body BLOB)",
    "CREATE TABLE IF NOT EXISTS quarantine"
    " (seq INTEGER PRIMARY KEY, body BLOB, reason TEXT NOT NULL)",
)
_LOCKED = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})
_CORRUPT = frozenset({sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB})


def spool_error(path: str, exc: sqlite3.Error) -> SpoolError:
    """The typed error for what SQLite said about the spool at ``path``."""
    code = getattr(exc, "sqlite_errorcode", 0) & 0xFF  # the primary result code
    if code in _LOCKED:
        return SpoolLockedError(
            path, "in use by another batcher (in this process or another); one spool, one owner"
        )
    if code in _CORRUPT:
        return SpoolCorruptError(path, f"not a readable event spool ({exc}); move it aside")
    return SpoolError(path, str(exc))


class EventSpool:
    """Events waiting for delivery, keyed by an increasing sequence number.

    >>> import json
    >>> spool = EventSpool(":memory:")
    >>> spool.add(b'{"type": "ProductRemoved"}')
    1
    >>> spool.recover(json.loads)
    [(1, b'{"type": "ProductRemoved"}', {'type': 'ProductRemoved'})]
    >>> spool.remove([1]); spool.close()
    """

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self.quarantined = 0
        """Rows this spool moved to the quarantine table."""
        with self._translated():
            self._db = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False, timeout=0
            )
        try:
            with self._translated():
                self._prepare()
        except BaseException:
            self._db.close()
            raise

    def __repr__(self) -> str:
        return f"EventSpool({self.path!r})"

    @contextmanager
    def _translated(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            raise spool_error(self.path, exc) from exc

    def _prepare(self) -> None:
        """Lock the file for good, check it, and create the tables it lacks."""
        db = self._db
        db.execute("PRAGMA locking_mode=EXCLUSIVE")
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.execute("BEGIN EXCLUSIVE")  # takes the lock now; EXCLUSIVE mode never lets it go
        db.execute("COMMIT")
        problems = [row for (row,) in db.execute("PRAGMA quick_check")]
        if problems != ["ok"]:
            raise SpoolCorruptError(self.path, "; ".join(problems[:3]))
        for statement in _SCHEMA:
            db.execute(statement)

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        with self._translated():
            self._db.execute("BEGIN")
            try:
                yield
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def add(self, body: bytes) -> int:
        """Store one encoded event durably; return its sequence number."""
        with self._translated():
            cursor = self._db.execute("INSERT INTO events (body) VALUES (?)", (body,))
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def remove(self, sequence_numbers: Iterable[int]) -> None:
        """Forget delivered (or rejected and reported) events, in one transaction."""
        with self._transaction():
            self._db.executemany(
                "DELETE FROM events WHERE seq = ?", ((n,) for n in sequence_numbers)
            )

    def recover(self, decode: Callable[[bytes], T]) -> list[tuple[int, bytes, T]]:
        """Every stored event as ``(seq, body, decode(body))``, oldest first.

        A row ``decode`` refuses (``ValueError``), or whose body is ``NULL``, is moved to
        the quarantine table, logged once and counted in ``quarantined``.
        """
        with self._translated():
            rows = self._db.execute(  # CAST: a body stored as TEXT comes back as its bytes
                "SELECT seq, CAST(body AS BLOB) FROM events ORDER BY seq"
            ).fetchall()
        good: list[tuple[int, bytes, T]] = []
        bad: list[tuple[int, str]] = []
        for seq, body in rows:
            try:
                if body is None:
                    raise ValueError("not an encoded event: NULL")
                good.append((seq, body, decode(body)))
            except ValueError as exc:
                bad.append((seq, str(exc)))
        if bad:
            self._quarantine(bad)
        return good

    def _quarantine(self, rows: list[tuple[int, str]]) -> None:
        with self._transaction():
            for seq, reason in rows:
                self._db.execute(
                    "INSERT INTO quarantine (seq, body, reason)"
                    " SELECT seq, body, ? FROM events WHERE seq = ?",
                    (reason, seq),
                )
                self._db.execute("DELETE FROM events WHERE seq = ?", (seq,))
        self.quarantined += len(rows)
        first_seq, first_reason = rows[0]
        logger.warning(
            "event spool %s: moved %d undecodable event(s) to its quarantine table and "
            "re-sends the rest (first: seq %d, %s)",
            self.path,
            len(rows),
            first_seq,
            first_reason,
        )

    def __len__(self) -> int:
        with self._translated():
            (count,) = self._db.execute("SELECT COUNT(*) FROM events").fetchone()
        return int(count)

    def close(self) -> None:
        """Close the database and release its lock; the file (and its events) stays."""
        with self._translated():
            self._db.close()
