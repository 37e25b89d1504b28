"""Told without asking: an idle shutdown, an environment left running long, a start or stop that settled, an
approval nobody has decided on. Reconcile runs these through its ``on``/``each_pass`` hooks; each message is
sent once (the Slack side claims it) and each one sent is audited."""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from functools import partial
from typing import Protocol

from bot.cloud.base import ACTIVE, STOPPED, CloudError
from bot.domain import fleet
from bot.domain.fleet import IDLE, OUTSIDE, Power
from bot.domain.request import EnvironmentRequest
from bot.domain.states import State
from bot.domain.transitions import Change, note
from bot.workflow.live import LiveStatus
from bot.workflow.ports import Deps
from bot.workflow.power import Power as PowerSwitch
from bot.workflow.pull_requests import BOT
from bot.workflow.reconcile import Reconciler, ReconcileReport

log = logging.getLogger(__name__)


class Nudges(Protocol):
    """The messages of this module; implemented by the Slack layer. Each returns True when it sent (once)."""

    def idle_stopped(self, request: EnvironmentRequest, seen: Power) -> bool:
        """Tells the owner Google stopped it after its idle minutes, what it costs stopped, Start / Delete."""

    def running_long(self, request: EnvironmentRequest, seen: Power, hours: int) -> bool:
        """Tells the owner it has run for more than ``hours``, with its running cost."""

    def power_changed(self, request: EnvironmentRequest, seen: Power) -> None:
        """Updates the owner's message with the new power state (after a start or stop settled)."""

    def approval_reminder(self, request: EnvironmentRequest, *, escalation: bool) -> bool:
        """Reminds the admins (card thread and DMs with Approve / Reject); ``escalation`` is the last call."""


class Nudging:
    """Watches ready environments' power state and pending approvals; tells people what happened."""

    def __init__(self, deps: Deps, live: LiveStatus, nudges: Nudges, every: timedelta = timedelta(minutes=5)) -> None:
        self.deps = deps
        self.live = live
        self.nudges = nudges
        self.every = every
        # Per instance, as drift does: spares Google calls when reconcile runs every minute.
        self._checked: dict[str, tuple[datetime, int]] = {}
        self._lock = threading.Lock()

    def install(self, reconciler: Reconciler, power: PowerSwitch) -> None:
        """Adds the power watch and the approval reminders to reconcile; follows starts and stops."""
        reconciler.each_pass(self._power_pass)
        reconciler.on(State.PENDING_APPROVAL, self._approval)
        power.settled = self.settled

    # -- power ---------------------------------------------------------------------------------------

    def settled(self, request: EnvironmentRequest, verb: str, actor: str) -> None:
        """A start or stop asked through the bot has settled: remember it and update the owner's message."""
        seen = Power(ACTIVE if verb == "start" else STOPPED, self.deps.clock(), actor)
        written = self._remember(request, seen, detail="")
        try:
            self.nudges.power_changed(written or request, seen)
        except Exception:  # cosmetic: the person who asked has had their reply already
            log.exception("could not update the owner's message of %s", request.id)

    def _power_pass(self, report: ReconcileReport) -> None:
        d = self.deps
        now = d.clock()
        for request in self._due(d.store.find(states=[State.READY]), now):
            report.looked_at += 1
            try:
                self.observe(request, report)
            except Exception as e:  # one environment must not stop the pass for the others
                log.exception("power watch of %s failed", request.id)
                report.errors.append(f"power watch of {request.id}: {e.__class__.__name__}")

    def _due(self, ready: list[EnvironmentRequest], now: datetime) -> list[EnvironmentRequest]:
        """Those not looked at within ``every``, or changed since (a start or stop through the bot)."""
        with self._lock:
            ids = {r.id for r in ready}
            self._checked = {k: v for k, v in self._checked.items() if k in ids}
            todo = []
            for r in ready:
                last = self._checked.get(r.id)
                if last is None or now - last[0] >= self.every or last[1] != r.version:
                    todo.append(r)
            for r in todo:
                self._checked[r.id] = (now, r.version)
            return todo

    def observe(self, request: EnvironmentRequest, report: ReconcileReport) -> None:
        """Compares Google's answer with what the bot last saw; tells the owner what changed on its own."""
        d = self.deps
        try:
            status = self.live.status(request)
        except CloudError:
            return  # drift and the next pass ask again
        seen = fleet.power(request)
        current = request
        if status.state in (ACTIVE, STOPPED) and (seen is None or seen.state != status.state):
            seen = self._cause(request, status.state, seen)
            what = "stopped by idle shutdown" if seen.by == IDLE else f"seen {status.state.lower()} ({seen.by})"
            written = self._remember(request, seen, detail=what)
            if written is None:
                return  # another pass or a click got there first
            current = written
        # Asked on every look while it stays stopped: a DM Slack refused goes out on a later pass (still once).
        if seen is not None and seen.state == STOPPED and seen.by == IDLE and self.nudges.idle_stopped(current, seen):
            told = f"owner told it stopped after {current.idle_minutes} idle minutes"
            self._audit(current, "idle stop told", told)
            report.actions["idle stops told"] += 1
        if seen is None or seen.state != ACTIVE:
            return
        hours = d.policy.fleet.running_nudge_hours
        if d.clock() - seen.since > timedelta(hours=hours) and self.nudges.running_long(current, seen, hours):
            self._audit(current, "running nudge", f"owner told it has run for more than {hours} hours")
            report.actions["running nudges"] += 1

    def _cause(self, request: EnvironmentRequest, state: str, before: Power | None) -> Power:
        """Who changed it: the last start or stop asked through the bot since the bot last looked, else
        Google itself (an idle shutdown) or someone outside the bot (a start in the console)."""
        verb = "stop" if state == STOPPED else "start"
        since = before.since if before else request.created_at
        asked = [a for a in self.deps.store.audit_trail(request.id) if a.action == verb and a.at >= since]
        if asked:
            return Power(state, asked[-1].at, asked[-1].actor)
        return Power(state, self.deps.clock(), IDLE if state == STOPPED else OUTSIDE)

    def _remember(self, request: EnvironmentRequest, seen: Power, detail: str) -> EnvironmentRequest | None:
        d = self.deps
        before = request.options.get(fleet.POWER)

        def step(current: EnvironmentRequest) -> Change | None:
            if current.state != State.READY or current.options.get(fleet.POWER) != before:
                return None
            audit = note(current, actor=BOT, at=d.clock(), action="power seen", detail=detail) if detail else None
            return Change(fleet.with_power(current, seen), audit)

        return d.store.apply(request.id, step)

    def _audit(self, request: EnvironmentRequest, action: str, detail: str) -> None:
        self.deps.store.record(note(request, actor=BOT, at=self.deps.clock(), action=action, detail=detail))

    # -- approvals -----------------------------------------------------------------------------------

    def _approval(self, request: EnvironmentRequest, report: ReconcileReport) -> None:
        d = self.deps
        age = d.clock() - request.created_at
        f, timeout = d.policy.fleet, timedelta(hours=d.policy.limits.approval_timeout_hours)
        if age >= timeout:
            return  # it expires in this pass (lifecycle's stale approvals); the requester is told there
        remind = timedelta(hours=f.approval_reminder_hours)
        if age < remind:
            return
        steps = [(False, "approval reminder", "admins reminded")]
        if age >= timeout - timedelta(hours=f.approval_escalation_hours):
            steps.append((True, "approval escalation", "admins told it expires soon"))
        for escalation, action, counted in steps:
            send = partial(self.nudges.approval_reminder, request, escalation=escalation)
            if send():
                hours = int(age.total_seconds() // 3600)
                self._audit(request, action, f"still pending after {hours} hours")
                report.actions[counted] += 1
