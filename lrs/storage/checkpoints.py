"""WAL checkpoints off the SQLite writer's path.

With SQLite's automatic checkpoints, the COMMIT that crosses 1,000 WAL pages copies them into the
database file and waits for the disk to sync it, while every other write waits behind it. The group
writer turns those off on its connection; a thread of its own checkpoints PASSIVE-ly instead (no
lock on writers or readers), in parallel with the writes. A passive checkpoint cannot rewind a WAL
that is being appended to, so under sustained load the writer rewinds and truncates it itself,
between groups, once it passes `restart_bytes`: the file stays bounded and that checkpoint is short,
because the thread has already copied nearly everything.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import threading

from sqlalchemy import Engine

log = logging.getLogger(__name__)

INTERVAL_SECONDS = 0.25
RESTART_BYTES = 32 * 1024 * 1024


class WalCheckpointer:
    def __init__(
        self, path: str, *, interval: float = INTERVAL_SECONDS, restart_bytes: int = RESTART_BYTES
    ) -> None:
        self.path = path
        self.interval = interval
        self.restart_bytes = restart_bytes
        self._stop = threading.Event()
        # Two checkpoints of one process at once fail ("database table is locked"): take turns.
        self._one_at_a_time = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="wal-checkpoints", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None

    def wal_bytes(self) -> int:
        try:
            return os.path.getsize(f"{self.path}-wal")
        except OSError:
            return 0

    def bound(self, writer: Engine) -> None:
        """On the writer, between transactions: rewind a WAL grown past the bound."""
        if self.wal_bytes() <= self.restart_bytes:
            return
        try:
            # The driver's own connection: SQLAlchemy's would begin a transaction first, and
            # SQLite refuses to checkpoint from inside one.
            with self._one_at_a_time, contextlib.closing(writer.raw_connection()) as connection:
                cursor = connection.cursor()
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                cursor.fetchall()
        except Exception as err:  # the next group tries again; the thread keeps the WAL copied
            log.info("WAL restart deferred: %s", err)

    def _run(self) -> None:
        connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            connection.execute("PRAGMA busy_timeout=1000")
            while not self._stop.wait(self.interval):
                self._checkpoint(connection)
        finally:
            connection.close()

    def _checkpoint(self, connection: sqlite3.Connection) -> None:
        try:
            with self._one_at_a_time:
                connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except sqlite3.Error as err:
            log.info("WAL checkpoint skipped: %s", err)
