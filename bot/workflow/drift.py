"""Drift: a ready environment that Google no longer has (deleted in the console or by another tool; an idle
Dataproc cluster stops, it is not deleted). Its file must leave the infra repository, or the next
``terraform apply`` recreates it."""

from __future__ import annotations

import logging
import threading
from collections import Counter
from datetime import datetime, timedelta

from bot.cloud.base import CloudError
from bot.domain.request import EnvironmentRequest
from bot.domain.states import State
from bot.workflow.live import LiveStatus
from bot.workflow.ports import Deps
from bot.workflow.pull_requests import BOT
from bot.workflow.removal import DRIFT, Removal

log = logging.getLogger(__name__)

# When this many environments vanish in one pass, it is more likely a wrong project, a missing permission
# or an API outage than real drift: the bot then asks the admins instead of removing them all.
MASS_VANISHING = 3
MASS_FRACTION = 0.2


class Drift:
    """Checks every ready environment against the cloud, at most once per ``every`` per instance."""

    def __init__(
        self, deps: Deps, live: LiveStatus, removal: Removal, every: timedelta = timedelta(minutes=10)
    ) -> None:
        self.deps = deps
        self.live = live
        self.removal = removal
        self.every = every
        # Per instance only: it spares Google calls when reconcile runs every minute; a fresh process
        # (the CLI) simply checks everything once. Acting is a compare-and-set, so instances never act twice.
        self._checked: dict[str, datetime] = {}
        self._lock = threading.Lock()

    def _due(self, ready: list[EnvironmentRequest], now: datetime) -> list[EnvironmentRequest]:
        with self._lock:
            ids = {r.id for r in ready}
            self._checked = {k: v for k, v in self._checked.items() if k in ids}
            todo = [r for r in ready if r.id not in self._checked or now - self._checked[r.id] >= self.every]
            for r in todo:
                self._checked[r.id] = now
            return todo

    def run(self, actions: Counter[str]) -> int:
        """One drift check; returns how many environments it looked at."""
        d = self.deps
        todo = self._due(d.store.find(states=[State.READY]), d.clock())
        vanished = []
        for request in todo:
            try:
                status = self.live.status(request)
            except CloudError as e:
                log.warning("drift: cannot ask the cloud about %s: %s", request.id, e.message)
                continue
            if status.gone:
                vanished.append(request)
        if len(vanished) > MASS_VANISHING and len(vanished) > MASS_FRACTION * len(todo):
            first = vanished[0]
            d.notifier.alert_admins(
                first,
                f"drift-mass-{d.clock():%Y-%m-%d}",
                f"{len(vanished)} of {len(todo)} ready environments are missing in Google Cloud "
                f"(for example {first.env_name}). That looks like a wrong project or a missing "
                "permission rather than drift, so the bot removed none of them. Check the bot's "
                "credentials and `gcp.project`.",
            )
            actions["drift held back"] += len(vanished)
            return len(todo)
        for request in vanished:
            moved = self.removal.begin(
                request.id,
                actor=BOT,
                end_reason=DRIFT,
                detail="Google Cloud has no such environment any more",
            )
            if moved is not None:
                self.deps.notifier.progress(moved)
                self.removal.advance(request.id)
                actions["drift removed"] += 1
        return len(todo)
