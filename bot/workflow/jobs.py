"""Work after the ack, durable: named jobs in the store, run by a worker under a lease.

The server only writes a job (``enqueue``) and wakes the worker; the worker (``notebook-bot worker``, which
``serve`` starts beside itself at a lower priority) takes due jobs from the store and runs each one's
handler. A job is a name and a request id, never a closure, so any worker of any instance can run it:
a worker that dies mid-job loses nothing — its successor gives back what it held at once, and another
instance's worker takes it when the lease (kept alive while the job runs) runs out. Every handler is safe
to run twice, as every step of the workflow is.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from bot.store.base import Claim, Store
from bot.store.jobs import Job, job_key
from bot.workflow.priority import lower_this_thread

log = logging.getLogger(__name__)

Handler = Callable[[str, dict[str, Any]], object]
# A job taken more often than this kept killing its worker: it is dropped (reconcile still drives the request).
MAX_ATTEMPTS = 5
LEASE_SECONDS = 30.0
ATTEMPT = "attempt"  # in every handler's args: 1 the first time; more after a worker died running the job
# default: new messages; repo: pull requests (GitHub's write pacing); updates: messages updated in place, each
# of which may sleep until its turn under Slack's chat.update budget (a sleeping thread costs next to nothing).
# listeners: the listeners' work after their ack, under serve (bot/slack/lazy_jobs.py).
DEFAULT_LANES: Mapping[str, int] = {"default": 8, "repo": 4, "updates": 16, "listeners": 16}


class JobQueue:
    """Enqueues jobs in the store and, where ``run_here``, runs them in lanes of threads below the server's
    priority (``repo``: work that may wait for GitHub's write pacing, so that it never holds up messages).

    ``inline``: no store and no threads, each job runs at once in the caller's thread (CLI commands).
    ``wake``: called after each enqueue, to wake a worker in another process.
    ``poll``: how often to look for jobs nobody woke this worker for (another instance's, or a dead worker's
    whose lease ran out); None looks only when woken.
    """

    def __init__(
        self,
        store: Store,
        *,
        instance: str,
        run_here: bool = True,
        inline: bool = False,
        wake: Callable[[], None] | None = None,
        worker_problem: Callable[[], str | None] | None = None,
        lanes: Mapping[str, int] = DEFAULT_LANES,
        lease: float = LEASE_SECONDS,
        poll: float | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.instance = instance
        self.holder = f"{instance}:{uuid.uuid4().hex[:8]}"
        self.run_here = run_here and not inline
        self.inline = inline
        self._wake_other = wake
        self._worker_problem = worker_problem
        self._lanes = dict(lanes)
        self._lease = lease
        self._poll = poll
        self._clock = clock
        self._handlers: dict[str, Handler] = {}
        self._cond = threading.Condition()
        self._due = threading.Event()
        self._stop = threading.Event()
        self._pending: Counter[str] = Counter()  # enqueued here and not yet done here (wait_idle)
        self._running: dict[str, int] = {}  # key -> pending count when taken
        self._busy: Counter[str] = Counter()  # running jobs per lane
        self._pools: dict[str, ThreadPoolExecutor] = {}
        self._started = False

    # -- the server side ---------------------------------------------------------------------------------

    def on(self, kind: str, handler: Handler) -> None:
        """Registers what a job of ``kind`` does: ``handler(request_id, args)``."""
        self._handlers[kind] = handler

    def enqueue(
        self, kind: str, request_id: str, lane: str = "default", *, claim: Claim | None = None, **args: Any
    ) -> bool:
        """Asks for the job, durably (in the store before this returns): True if it was not already asked
        for. Asking again for a waiting job changes nothing; for a running one, runs it once more after.
        ``claim``: the replay claim of the Slack request the job comes from, taken with the job (False, and
        no job, for a request seen before)."""
        if self.inline:
            if claim is not None and not self.store.claim_until(claim.key, claim.at, claim.until):
                return False
            self._call(Job(job_key(kind, request_id), kind, request_id, lane, args))
            return True
        job = Job(job_key(kind, request_id), kind, request_id, lane if lane in self._lanes else "default", args)
        if not self.run_here:
            added = self.store.add_job(job, self._clock(), claim)
            if self._wake_other is not None:
                self._wake_other()
            return added
        with self._cond:  # counted first: a runner may take it the moment it is in the store
            self._pending[job.key] += 1
        try:
            added = self.store.add_job(job, self._clock(), claim)
        except BaseException:
            self._uncount(job.key)
            raise
        if claim is not None and not added:  # a request seen before: no job was added
            self._uncount(job.key)
            return False
        self._ensure_started()
        self._due.set()
        return added

    def _uncount(self, key: str) -> None:
        with self._cond:
            self._pending[key] -= 1
            if self._pending[key] <= 0:
                del self._pending[key]
            self._cond.notify_all()

    def problem(self) -> str | None:
        """Why the jobs enqueued here may not be running now (the worker process keeps dying), or None."""
        return self._worker_problem() if self._worker_problem else None

    # -- the worker side ---------------------------------------------------------------------------------

    def start(self, *, release_predecessors: bool = False) -> JobQueue:
        """Starts taking jobs. ``release_predecessors``: first give back at once the jobs an earlier worker
        of this instance held when it died (their leases would otherwise have to run out)."""
        if release_predecessors:
            released = self.store.release_jobs(f"{self.instance}:", self._clock())
            if released:
                log.warning("took back %d job(s) a previous worker left unfinished", released)
        self._ensure_started()
        self._due.set()
        return self

    def wake(self) -> None:
        """Someone enqueued a job: look now."""
        self._due.set()

    def _ensure_started(self) -> None:
        with self._cond:
            if self._started:
                return
            self._started = True
            for lane, size in self._lanes.items():
                self._pools[lane] = ThreadPoolExecutor(
                    size, thread_name_prefix=f"job-{lane}", initializer=lower_this_thread
                )
        threading.Thread(target=self._take_loop, name="jobs", daemon=True).start()
        threading.Thread(target=self._renew_loop, name="jobs-lease", daemon=True).start()

    def _take_loop(self) -> None:
        lower_this_thread()
        while not self._stop.is_set():
            self._due.clear()
            with self._cond:
                room = {lane: size - self._busy[lane] for lane, size in self._lanes.items()}
            try:
                taken = (
                    self.store.take_jobs(self.holder, room, self._clock(), self._lease)
                    if any(n > 0 for n in room.values())
                    else []
                )
            except Exception:
                log.warning("could not take jobs from the store; trying again shortly", exc_info=True)
                self._stop.wait(1.0)
                continue
            for job in taken:
                with self._cond:
                    self._busy[job.lane] += 1
                    self._running[job.key] = self._pending[job.key]
                try:
                    self._pools[job.lane].submit(self._run, job)
                except RuntimeError:  # shutting down: shutdown() gives back what was taken and not run
                    return
            if not taken:
                self._due.wait(self._poll)

    def _run(self, job: Job) -> None:
        try:
            if job.attempts > MAX_ATTEMPTS:
                log.error(
                    "job %s dropped: taken %d times without finishing; reconcile drives it", job.key, job.attempts
                )
            else:
                self._call(job)
        finally:
            try:
                again = self.store.finish_job(job.key, self.holder, self._clock())
            except Exception:  # its lease runs out and the job is taken again
                log.warning("could not mark job %s finished; it will run again", job.key, exc_info=True)
                again = True
            with self._cond:
                self._busy[job.lane] -= 1
                counted = self._running.pop(job.key, 0)
                if not again:
                    self._pending[job.key] -= counted
                    if self._pending[job.key] <= 0:
                        del self._pending[job.key]
                self._cond.notify_all()
            self._due.set()

    def _call(self, job: Job) -> None:
        handler = self._handlers.get(job.kind)
        if handler is None:
            log.error("job %s has no handler in this version; reconcile drives the request", job.key)
            return
        try:
            handler(job.request_id, {**job.args, ATTEMPT: job.attempts})
        except Exception:
            log.exception("job %s failed; reconcile will pick the request up", job.key)

    def _renew_loop(self) -> None:
        while not self._stop.wait(self._lease / 3):
            with self._cond:
                keys = list(self._running)
            if keys:
                try:
                    self.store.renew_jobs(self.holder, keys, self._clock() + self._lease)
                except Exception:
                    log.warning("could not renew the lease on %d running job(s)", len(keys), exc_info=True)

    # -- waiting (tests, the demo, shutdown) -------------------------------------------------------------

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Waits until every job enqueued in this process has run (here, or by another worker on the same
        store: then the store has none left). True if it did in time."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._pending or self._running:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                if not self._cond.wait(min(left, 0.05)) and not self._running and self.store.waiting_jobs() == 0:
                    self._pending.clear()  # another worker on this store ran them
            return True

    def shutdown(self) -> None:
        """Stops taking jobs, lets the running ones finish, and gives back at once any taken but not run."""
        self._stop.set()
        self._due.set()
        for pool in self._pools.values():
            pool.shutdown(wait=True)
        if self._started and not self.inline:
            try:
                self.store.release_jobs(self.holder, self._clock())
            except Exception:  # their lease runs out instead
                log.warning("could not give back the jobs this worker took last", exc_info=True)
