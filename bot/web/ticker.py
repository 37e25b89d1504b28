"""Runs reconcile every N seconds in the background (Socket Mode and single-VM installs have no scheduler)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class Ticker:
    def __init__(self, fn: Callable[[], object], every: float) -> None:
        self.fn = fn
        self.every = every
        self._stop = threading.Event()

    def start(self) -> Ticker:
        threading.Thread(target=self._run, name="reconcile-ticker", daemon=True).start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            try:
                self.fn()
            except Exception:
                log.exception("scheduled reconcile failed; the next one will try again")

    def stop(self) -> None:
        self._stop.set()
