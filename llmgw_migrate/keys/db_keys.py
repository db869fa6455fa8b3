"""The key rows of a LiteLLM database, streamed to the planner by a reader thread.

While the planner works on one batch, the thread has already asked the server for the next (psycopg
waits for the socket without holding the GIL), so the server's share of the read overlaps the planning
instead of adding to it. Only the reader thread touches the connection until the stream ends; then the
connection is closed, also when the planner stops early. Rows become SourceKey records in the thread.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any

from llmgw_migrate.keys.source import SourceKey

BATCH = 5_000  # rows a FETCH: small enough that the server's work on the next batch overlaps early
_AHEAD = 4  # batches fetched ahead of the planner at most: memory stays flat


class KeyStream:
    """Iterable once: SourceKey records in the query's order. The reader starts at once, so the server
    sorts and sends the first rows while the caller is still setting up (imports, teams, catalog)."""

    def __init__(
        self,
        conn: Any,
        sql: str,
        on_error: Callable[[BaseException], BaseException],
        close: Callable[[], None],
    ) -> None:
        self._conn, self._sql, self._on_error, self._close = conn, sql, on_error, close
        self._used = False
        self._batches: queue.Queue[list[SourceKey] | BaseException | None] = queue.Queue(maxsize=_AHEAD)
        self._stop = threading.Event()
        self._reader = threading.Thread(target=self._produce, name="llmgw-keys", daemon=True)
        self._reader.start()

    def __iter__(self) -> Iterator[SourceKey]:
        if self._used:
            raise RuntimeError("the key rows of a database are read once")
        self._used = True
        try:
            while True:
                item = self._batches.get()
                if item is None:
                    return
                if isinstance(item, BaseException):
                    raise self._on_error(item) from None
                yield from item
        finally:
            self.close()

    def close(self) -> None:
        """Stop the reader (also when the rows were never read) and close the connection."""
        self._used = True
        self._stop.set()
        while self._reader.is_alive():  # unblock a reader waiting on a full queue, then let it finish
            try:
                self._batches.get(timeout=0.05)
            except queue.Empty:
                pass
        if self._conn is not None:
            self._conn = None
            self._close()

    def _produce(self) -> None:
        batches = self._batches
        try:
            with self._conn.cursor(name="llmgw_keys") as cur:
                cur.itersize = BATCH
                cur.execute(self._sql)
                while not self._stop.is_set():
                    rows = cur.fetchmany(BATCH)
                    if not rows:
                        break
                    batches.put(SourceKey.from_rows(rows))
            batches.put(None)
        except BaseException as exc:  # handed to the planner's thread, which raises it
            batches.put(exc)
