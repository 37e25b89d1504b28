"""The worker process: the work after the ack, beside the server and below its priority.

``notebook-bot serve`` starts ``notebook-bot worker`` as a child process (``WorkerProcess``), restarts it
if it dies, and wakes it through its stdin each time a job is enqueued. The worker takes jobs from the
store (``bot/workflow/jobs.py``), so the server's interpreter only acknowledges, and a worker that dies
loses nothing: its successor gives back at once what it held.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import IO

from bot.workflow.priority import BACKGROUND_NICENESS

log = logging.getLogger(__name__)

INSTANCE_ENV = "NOTEBOOK_BOT_INSTANCE"  # set by serve for its worker: whose jobs a restarted worker takes back
RESTART_BACKOFF = (1.0, 30.0)  # seconds before restarting a worker that died: first, at most


class WorkerProcess:
    """``notebook-bot worker`` as a child of this process, kept running until ``stop``."""

    def __init__(self, instance: str, args: list[str] | None = None) -> None:
        self.instance = instance
        self._args = args or []
        self._process: subprocess.Popen[bytes] | None = None
        self._stdin: IO[bytes] | None = None
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self.restarts = 0
        self._last_exit: tuple[float, int] | None = None  # when the worker last stopped, and its exit code
        self._deaths = 0

    def start(self) -> WorkerProcess:
        self._spawn()
        threading.Thread(target=self._supervise, name="worker-supervisor", daemon=True).start()
        return self

    def _spawn(self) -> None:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "worker", *self._args],
            stdin=subprocess.PIPE,
            env={**os.environ, INSTANCE_ENV: self.instance},
        )
        assert process.stdin is not None
        with contextlib.suppress(OSError):  # below the server from its first instruction, imports included
            os.setpriority(os.PRIO_PROCESS, process.pid, BACKGROUND_NICENESS)
        os.set_blocking(process.stdin.fileno(), False)  # a wake-up never blocks an ack
        with self._lock:
            self._process, self._stdin = process, process.stdin

    @property
    def pid(self) -> int | None:
        with self._lock:
            return self._process.pid if self._process else None

    def _supervise(self) -> None:
        delay = RESTART_BACKOFF[0]
        while not self._stopping.is_set():
            with self._lock:
                process = self._process
            assert process is not None
            started = time.monotonic()
            code = process.wait()
            if self._stopping.is_set():
                return
            self._last_exit = (time.monotonic(), code)
            self._deaths += 1
            if time.monotonic() - started > 60:
                delay = RESTART_BACKOFF[0]  # it had been running fine: this is a new problem
            log.error(
                "the worker stopped (exit %s); starting it again in %.0f s — nothing it held is lost", code, delay
            )
            if self._stopping.wait(delay):
                return
            delay = min(delay * 2, RESTART_BACKOFF[1])
            self.restarts += 1
            self._spawn()

    def problem(self, within: float = 300.0) -> str | None:
        """What ``/healthz`` says while the worker has been dying lately (None when it has not)."""
        last = self._last_exit
        if last is None or time.monotonic() - last[0] > within:
            return None
        return (
            f"the worker process stopped {self._deaths} time(s) lately "
            f"(last exit {last[1]}, {time.monotonic() - last[0]:.0f} s ago); serve restarts it, and its jobs wait "
            "in the store"
        )

    def wake(self) -> None:
        """A job was enqueued: one byte on the worker's stdin (dropped if the pipe is full: it is awake)."""
        with self._lock:
            stdin = self._stdin
        if stdin is None:
            return
        # Full: it has wake-ups to read. Gone: restarting, and its successor looks at once.
        with contextlib.suppress(OSError):
            os.write(stdin.fileno(), b"\n")

    def stop(self, timeout: float = 10.0) -> None:
        """Asks the worker to finish what it is doing and stop (SIGTERM), then kills it after ``timeout``."""
        self._stopping.set()
        with self._lock:
            process = self._process
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def read_wakeups(wake: Callable[[], None], stop: Callable[[], None]) -> None:
    """In the worker: calls ``wake`` for each wake-up on stdin, and ``stop`` when the server is gone (EOF)."""
    fd = sys.stdin.fileno()
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            chunk = b""
        if not chunk:
            stop()
            return
        wake()
