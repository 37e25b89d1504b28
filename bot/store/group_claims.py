"""Claims asked for at the same moment, written together (group commit).

Every signed Slack request is claimed in the store before it is handled (a replay is answered once). Under a
burst each claim queued for the store's write lock, and each holder had to win the interpreter back before
letting the next one in: milliseconds per claim, and every ack behind them. Here the first claim to arrive
writes; those arriving meanwhile wait, and the next writer writes all of them in one transaction.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

MAX_TOGETHER = 200  # claims in one transaction (two values each; SQLite allows thousands)


class Ask:
    """One claim: its key, and the answer once written (True: the first claim of the key)."""

    __slots__ = ("at", "done", "error", "finished", "key", "lead", "result", "until")

    def __init__(self, key: str, until: str, at: str) -> None:
        self.key, self.until, self.at = key, until, at
        self.done = threading.Event()
        self.lead = False  # this asker writes the next group
        self.finished = False
        self.result = False
        self.error: BaseException | None = None


class GroupClaims:
    """``claim(key, until, at)`` with ``write(asks)`` setting each ask's ``result``, one group at a time."""

    def __init__(self, write: Callable[[list[Ask]], None]) -> None:
        self._write = write
        self._lock = threading.Lock()
        self._queue: list[Ask] = []
        self._writing = False

    def claim(self, key: str, until: str, at: str) -> bool:
        ask = Ask(key, until, at)
        with self._lock:
            self._queue.append(ask)
            if not self._writing:
                self._writing = ask.lead = True
        while not ask.finished:
            if ask.lead:
                self._write_next(ask)
            else:
                ask.done.wait()
                ask.done.clear()
        if ask.error is not None:
            raise ask.error
        return ask.result

    def _write_next(self, writer: Ask) -> None:
        with self._lock:
            group, self._queue = self._queue[:MAX_TOGETHER], self._queue[MAX_TOGETHER:]
        try:
            self._write(group)
        except BaseException as e:  # every claim of the group fails as its own write would have
            for ask in group:
                ask.error = e
        with self._lock:
            following = self._queue[0] if self._queue else None
            if following is not None:
                following.lead = True  # it writes the next group, its own among them
            else:
                self._writing = False
        for ask in group:
            ask.finished = True
            ask.lead = False
            if ask is not writer:
                ask.done.set()
        if following is not None:
            following.done.set()
