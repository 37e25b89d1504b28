"""Lifetimes: the reminder before an environment expires, its removal at expiry, stale approvals."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from bot.domain import rules
from bot.domain.request import EnvironmentRequest
from bot.domain.states import State
from bot.domain.transitions import Change, step_to
from bot.workflow.ports import Deps
from bot.workflow.pull_requests import BOT
from bot.workflow.removal import EXPIRED, Removal


class Reminders(Protocol):
    """The one lifecycle message with buttons; implemented by the Slack layer."""

    def expiry_reminder(self, request: EnvironmentRequest, limit: datetime | None) -> None:
        """Tells the owner when the environment expires, with Extend and Delete now (once per expiry time)."""


class Expiry:
    """What reconcile does with a ``ready`` environment whose ``due_at`` has come, and stale approvals."""

    def __init__(self, deps: Deps, removal: Removal, reminders: Reminders) -> None:
        self.deps = deps
        self.removal = removal
        self.reminders = reminders

    def due(self, request: EnvironmentRequest) -> str | None:
        """Reminds, or expires; returns what it did (for the reconcile report)."""
        d = self.deps
        now = d.clock()
        if request.state != State.READY or request.expires_at is None:
            return None
        expires = request.expires_at
        if now >= expires:
            moved = self.removal.begin(
                request.id,
                actor=BOT,
                end_reason=EXPIRED,
                detail=f"lifetime ended {expires:%Y-%m-%d %H:%M} UTC",
            )
            if moved is None:
                return None
            self.deps.notifier.progress(moved)
            self.removal.advance(request.id)
            return "expired"
        remind_at = expires - timedelta(hours=d.policy.limits.reminder_hours_before_expiry)
        if now < remind_at:  # due early (e.g. set by an older rule): just put the date right
            self._reschedule(request, remind_at)
            return None
        template = d.policy.template(request.template_id)
        self.reminders.expiry_reminder(request, rules.lifetime_limit(request, template, d.policy))

        def step(current: EnvironmentRequest) -> Change | None:
            if current.state != State.READY or current.expires_at != expires:
                return None  # extended meanwhile: its new schedule stands
            return Change(current.with_changes(reminded_at=now, due_at=expires), None)

        d.store.apply(request.id, step)
        return "reminded"

    def _reschedule(self, request: EnvironmentRequest, due: datetime) -> None:
        expires = request.expires_at

        def step(current: EnvironmentRequest) -> Change | None:
            if current.state != State.READY or current.expires_at != expires:
                return None
            return Change(current.with_changes(due_at=due), None)

        self.deps.store.apply(request.id, step)

    def stale_approval(self, request: EnvironmentRequest) -> str | None:
        """Nobody decided within ``limits.approval_timeout_hours``: it expires; its requester is told."""
        d = self.deps
        if not rules.approval_expired(request, d.policy, d.clock()):
            return None
        hours = d.policy.limits.approval_timeout_hours
        expired = d.store.apply(
            request.id,
            step_to(
                State.EXPIRED,
                expected={State.PENDING_APPROVAL},
                actor=BOT,
                at=d.clock(),
                detail=f"no decision within {hours} hours",
                end_reason=f"nobody decided within {hours} hours",
            ),
        )
        if expired is None:
            return None
        d.notifier.progress(expired)
        d.notifier.tell_owner(
            expired,
            "approval-expired",
            f"⌛ Nobody decided on your request *{expired.display_name}* ({expired.id}) within "
            f"{hours} hours, so it has expired. Ask again with `/notebook new`, and perhaps tell "
            "an admin why it matters.",
        )
        return "approvals expired"
