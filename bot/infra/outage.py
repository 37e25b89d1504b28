"""When the infrastructure repository cannot be written to: since when, why, and saying so once it lasts.

Each instance watches its own writes. A write that fails for a reason that will not go away by itself (a rate
limit, a refused permission, GitHub down) starts an outage; the next write that succeeds ends it. An outage
that lasts longer than ``after`` seconds is a setup problem: ``problem()`` says so for ``/healthz``, and the
admins are told (once per outage: the key names the hour it began, so instances that met the same outage
share it and the store's claims send it once).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

log = logging.getLogger(__name__)

Tell = Callable[[str, str], None]  # (once-key, text): tells the admins once per key
LONG_OUTAGE = 300.0  # "a few minutes": retries (1, 2, 4 minutes apart) have had their chance by then


class WriteOutage:
    """Tracks failed writes to one repository; thread-safe. ``clock`` is monotonic, ``wall`` is for words."""

    def __init__(
        self,
        repo: str,
        *,
        after: float = LONG_OUTAGE,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.repo = repo
        self.after = after
        self.tell: Tell | None = None
        self._clock = clock
        self._wall = wall
        self._lock = threading.Lock()
        self._since: float | None = None
        self._began: datetime | None = None
        self._reason = ""
        self._told = False

    def succeeded(self) -> None:
        """A write went through: any outage is over."""
        with self._lock:
            if self._since is not None:
                log.info("writes to %s work again", self.repo)
            self._since, self._began, self._reason, self._told = None, None, "", False

    def failed(self, reason: str) -> None:
        """A write failed for ``reason`` (one sentence naming the fix); tells the admins once it has lasted."""
        with self._lock:
            if self._since is None:
                self._since, self._began = self._clock(), self._wall()
            self._reason = reason
            text = self._problem()
            tell_now = text is not None and not self._told and self.tell is not None
            if tell_now:
                self._told = True
            key = f"repo-unwritable:{self.repo}:{self._began:%Y%m%dT%H}" if self._began else ""
        if tell_now and text is not None and self.tell is not None:
            try:
                self.tell(key, text)
            except Exception:  # telling must never break the write path; the next failure tries again
                log.exception("could not tell the admins that %s cannot be written to", self.repo)
                with self._lock:
                    self._told = False

    def problem(self) -> str | None:
        """What ``/healthz`` says while the outage has lasted longer than ``after``; None otherwise."""
        with self._lock:
            return self._problem()

    def _problem(self) -> str | None:
        if self._since is None or self._began is None:
            return None
        lasted = self._clock() - self._since
        if lasted < self.after:
            return None
        minutes = max(1, int(lasted // 60))
        return (
            f"the bot has not been able to write to {self.repo} for {minutes} min (since "
            f"{self._began:%H:%M} UTC), so no pull request can be opened: {self._reason}"
        )
