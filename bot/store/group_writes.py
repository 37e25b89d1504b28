"""Writes asked for at the same moment, written together (group commit).

The ack path writes twice per Slack request: the replay claim (before Bolt sees the request) and the job its
listener leaves for the worker. Under a burst each write queued for the store's write lock, and each holder
had to win the interpreter back after every SQLite call before letting the next one in: milliseconds per
write, and every ack behind them. Here the first write to arrive is written at once; those arriving meanwhile
wait, and the next writer writes all of them — claims and jobs alike — in one transaction of a few
statements, however many there are.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

MAX_TOGETHER = 200  # writes in one transaction (a few values each; SQLite allows thousands)


class Write:
    """One write: its kind ("claim", "job"), its values, and its answer once written."""

    __slots__ = ("done", "error", "finished", "kind", "lead", "result", "values")

    def __init__(self, kind: str, values: tuple[str | float, ...]) -> None:
        self.kind, self.values = kind, values
        self.done = threading.Event()
        self.lead = False  # this asker writes the next group
        self.finished = False
        self.result = False
        self.error: BaseException | None = None


class GroupWrites:
    """``ask(kind, *values)`` with ``write(group)`` setting each write's ``result``, one group at a time."""

    def __init__(self, write: Callable[[list[Write]], None]) -> None:
        self._write = write
        self._lock = threading.Lock()
        self._queue: list[Write] = []
        self._writing = False

    def ask(self, kind: str, *values: str | float) -> bool:
        """Queues the write and returns its result once its group is written (raises what the write raised)."""
        write = Write(kind, values)
        with self._lock:
            self._queue.append(write)
            if not self._writing:
                self._writing = write.lead = True
        while not write.finished:
            if write.lead:
                self._write_next(write)
            else:
                write.done.wait()
                write.done.clear()
        if write.error is not None:
            raise write.error
        return write.result

    def _write_next(self, writer: Write) -> None:
        with self._lock:
            group, self._queue = self._queue[:MAX_TOGETHER], self._queue[MAX_TOGETHER:]
        try:
            self._write(group)
        except BaseException as e:  # every write of the group fails as its own write would have
            for write in group:
                write.error = e
        with self._lock:
            following = self._queue[0] if self._queue else None
            if following is not None:
                following.lead = True  # it writes the next group, its own among them
            else:
                self._writing = False
        for write in group:
            write.finished = True
            write.lead = False
            if write is not writer:
                write.done.set()
        if following is not None:
            following.done.set()
