"""Slow work after the ack: a thread pool. Losing it in a crash loses nothing, because the store has the
request and reconcile drives it forward; this only makes the happy path fast."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from bot.workflow.priority import lower_this_thread

log = logging.getLogger(__name__)


class BackgroundWork:
    """Bounded thread pools that log failures and can be waited on (tests, demo, shutdown).

    Work that may block for long runs in a lane of its own, so that it never holds up the messages people
    are waiting for: ``repo`` (opening pull requests waits for GitHub's write pacing) and ``wait``
    (following a start or stop until Google says it is done).
    """

    def __init__(self, workers: int = 16, repo_workers: int = 4, wait_workers: int = 8) -> None:
        # Below the server's priority: on a busy machine the acks get the CPU before the work after them.
        lanes = {"default": workers, "repo": repo_workers, "wait": wait_workers}
        self._pools = {
            lane: ThreadPoolExecutor(
                max_workers=n, thread_name_prefix="work" if lane == "default" else lane, initializer=lower_this_thread
            )
            for lane, n in lanes.items()
        }
        self._pending: set[Future[object]] = set()
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)

    def submit(self, name: str, fn: Callable[[], object], lane: str = "default") -> None:
        def run() -> object:
            try:
                return fn()
            except Exception:
                log.exception("background work %s failed; reconcile will pick it up", name)
                return None

        future = self._pools[lane].submit(run)
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._done)

    def _done(self, future: Future[object]) -> None:
        with self._lock:
            self._pending.discard(future)
            if not self._pending:
                self._idle.notify_all()

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Waits until no work is pending (work may queue more work). True if it became idle."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while self._pending:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(left)
        return True

    def shutdown(self) -> None:
        for pool in self._pools.values():
            pool.shutdown(wait=True)


class Inline:
    """Runs work at once, in the caller's thread (CLI commands such as reconcile)."""

    def submit(self, name: str, fn: Callable[[], object], lane: str = "default") -> None:
        try:
            fn()
        except Exception:
            log.exception("work %s failed; the next reconcile will retry it", name)


class TrackedExecutor(ThreadPoolExecutor):
    """A thread pool that knows when it is idle (Bolt's listeners run here, partly after their ack)."""

    def __init__(self, max_workers: int, thread_name_prefix: str) -> None:
        super().__init__(max_workers=max_workers, thread_name_prefix=thread_name_prefix)
        self._running = 0
        self._cond = threading.Condition()

    def submit(self, fn: Callable[..., object], /, *args: object, **kwargs: object) -> Future[object]:  # type: ignore[override]
        with self._cond:
            self._running += 1
        future = super().submit(fn, *args, **kwargs)
        future.add_done_callback(self._finished)
        return future

    def _finished(self, _: Future[object]) -> None:
        with self._cond:
            self._running -= 1
            self._cond.notify_all()

    def wait_idle(self, timeout: float = 30.0) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: self._running == 0, timeout)
