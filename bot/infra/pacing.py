"""Pacing of content-creating requests under a host's secondary rate limits.

GitHub allows about 80 content-creating requests a minute and 500 an hour per identity, and asks clients to
send them one at a time rather than concurrently. A :class:`Pacer` is shared by every thread that writes
with one identity: each write waits for its turn and its slot, then runs; a write refused with a rate limit
(``RateLimited``) pauses every writer for the time the host asked, then is sent again. Bursts wait; nothing
is dropped.

Every wait is bounded. A host may ask for any wait (``Retry-After: 99999999999`` has been seen): a pause never
lasts longer than ``max_pause``, and a write never sleeps longer than ``max_wait`` for one. A write that would
have to wait longer is handed back at once as ``RateLimited`` (its caller keeps the work and retries later),
so no thread sleeps for hours and the next write after the pause goes out.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

MINUTE = 60.0
HOUR = 3600.0
MAX_WAIT = 120.0  # the longest one write sleeps for a rate limit before handing the work back
MAX_PAUSE = 900.0  # the longest one refusal pauses every writer, whatever the host asked


class RateLimited(Exception):
    """Raised by a paced call when the host refused it for a rate limit; ``retry_after`` is in seconds."""

    def __init__(self, retry_after: float, detail: str = "") -> None:
        super().__init__(f"rate limited, retry after {retry_after:g} s {detail}".strip())
        self.retry_after = retry_after
        self.detail = detail


class _Turns:
    """A lock that hands turns out in arrival order (``threading.Lock`` does not): no write starves."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiting: deque[threading.Event] = deque()
        self._busy = False

    def __len__(self) -> int:
        return len(self._waiting)

    def __enter__(self) -> None:
        with self._lock:
            if not self._busy:
                self._busy = True
                return
            mine = threading.Event()
            self._waiting.append(mine)
        try:
            mine.wait()
        except BaseException:
            with self._lock:
                if mine in self._waiting:  # never given the turn: just leave the queue
                    self._waiting.remove(mine)
                    raise
            self._pass_on()  # given the turn while leaving: hand it to the next writer
            raise

    def __exit__(self, *exc: object) -> None:
        self._pass_on()

    def _pass_on(self) -> None:
        with self._lock:
            if self._waiting:
                self._waiting.popleft().set()
            else:
                self._busy = False


class Pacer:
    """Runs writes one at a time, no faster than ``per_minute`` / ``per_hour``, honouring ``Retry-After``.

    ``clock`` and ``sleep`` are injectable so tests run on a fake clock. ``min_interval`` (seconds between
    two writes) defaults to an even spread over the minute. ``max_rate_limit_waits`` bounds how many times
    one write is re-sent after rate-limit refusals before the last ``RateLimited`` is raised to the caller
    (who keeps the work and retries later). ``max_wait`` and ``max_pause`` bound every wait (module doc).
    """

    def __init__(
        self,
        per_minute: float = 80,
        per_hour: float = 500,
        *,
        min_interval: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        max_rate_limit_waits: int = 5,
        max_wait: float = MAX_WAIT,
        max_pause: float = MAX_PAUSE,
        shared: Callable[[float], float] | None = None,
    ) -> None:
        if per_minute <= 0 or per_hour <= 0:
            raise ValueError("rate limits must be positive")
        if not 0 <= max_wait <= max_pause:
            raise ValueError("max_wait must be between 0 and max_pause")
        self.per_minute = int(per_minute)
        self.per_hour = int(per_hour)
        self.min_interval = MINUTE / per_minute if min_interval is None else min_interval
        self.max_rate_limit_waits = max_rate_limit_waits
        self.max_wait = max_wait
        self.max_pause = max_pause
        self.clock = clock
        self._clock = clock
        self._sleep = sleep
        # Several instances write with one identity: given how long this process would wait, ``shared``
        # reserves the write's instant in the store and says how long to wait for it (SharedBudget.delay).
        self.shared = shared
        self._turns = _Turns()
        self._sent: deque[float] = deque(maxlen=max(self.per_minute, self.per_hour))
        self._paused_until = float("-inf")
        self.waited = 0.0
        self.rate_limit_waits: list[float] = []

    @classmethod
    def scaled(
        cls,
        factor: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> Pacer:
        """GitHub's limits multiplied by ``factor`` (for tests and benchmarks on a loopback server)."""
        return cls(80 * factor, 500 * factor, clock=clock, sleep=sleep)

    @property
    def backlog(self) -> int:
        """How many writes are waiting for their turn (not counting the one running)."""
        return len(self._turns)

    @property
    def paused_for(self) -> float:
        """Seconds until writes may go out again after a rate limit (0 when they may now)."""
        return max(0.0, self._paused_until - self._clock())

    def write(self, call: Callable[[], T]) -> T:
        """Runs ``call`` in its turn (arrival order) and slot; after a ``RateLimited``, waits as told (within
        ``max_wait``) and sends it again. Raises ``RateLimited`` without calling when the pause in force
        is longer than ``max_wait``."""
        with self._turns:
            waits = 0
            while True:
                self._refuse_during_a_long_pause()
                slot = self._wait_for_slot()
                self._sent.append(max(self._clock(), slot))
                try:
                    return call()
                except RateLimited as limited:
                    wait = self.bounded(limited.retry_after)
                    self._paused_until = max(self._paused_until, self._clock() + wait)
                    if waits >= self.max_rate_limit_waits or wait > self.max_wait:
                        raise RateLimited(wait, limited.detail) from limited
                    waits += 1
                    self.rate_limit_waits.append(wait)

    def bounded(self, seconds: float) -> float:
        """A wait the host asked for, as the pacer will honour it: between 0 and ``max_pause``."""
        if math.isnan(seconds):
            return self.max_pause
        return min(max(0.0, seconds), self.max_pause)

    def _refuse_during_a_long_pause(self) -> None:
        remaining = self.paused_for
        if remaining > self.max_wait:
            raise RateLimited(remaining, "(paused after an earlier rate limit)")

    def _wait_for_slot(self) -> float:
        now = self._clock()
        start = max(now, self._paused_until)
        if self._sent:
            start = max(start, self._sent[-1] + self.min_interval)
        if len(self._sent) >= self.per_minute:
            start = max(start, self._sent[-self.per_minute] + MINUTE)
        if len(self._sent) >= self.per_hour:
            start = max(start, self._sent[-self.per_hour] + HOUR)
        if self.shared is not None:
            wait = self.shared(start - now)
            if wait > self.max_wait:  # the instant is reserved and goes unused: the budget only gets safer
                raise RateLimited(wait, "(the write budget shared by every instance is spent for now)")
            start = now + wait
        if start > now:
            self.waited += start - now
            self._sleep(start - now)
        return start
