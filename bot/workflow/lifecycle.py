"""An environment's life after it is ready: look at it, start, stop, extend, delete; expiry and drift.

``Lifecycle`` is what the Slack layer calls; it checks on the server who may do what (``rules.may_manage``)
and audits every action. Reconcile gets its steps through ``install``.
"""

from __future__ import annotations

import re
from datetime import timedelta

from bot.domain import fleet, rules
from bot.domain.errors import NotFound, Refused
from bot.domain.notices import ChangedMeanwhile, DecidedMeanwhile, NothingToDelete, NotYours
from bot.domain.people import Person
from bot.domain.request import AuditRecord, EnvironmentRequest
from bot.domain.states import FINAL, State
from bot.domain.transitions import Change, note, step_to
from bot.workflow.drift import Drift
from bot.workflow.expiry import Expiry, Reminders
from bot.workflow.governance import Governance, ListFilter
from bot.workflow.live import EnvironmentView, LiveStatus
from bot.workflow.ports import Deps
from bot.workflow.power import Power, Tell, Waiting
from bot.workflow.provisioning import Provisioning
from bot.workflow.reconcile import Reconciler, ReconcileReport
from bot.workflow.removal import REMOVE, Removal

_REQUEST_ID = re.compile(r"^r[a-z2-9]{9}$")


class Lifecycle:
    """The services behind status, start, stop, extend, delete, list, audit, retry; their reconcile steps."""

    def __init__(
        self,
        deps: Deps,
        provisioning: Provisioning,
        reminders: Reminders,
        *,
        removal: Removal | None = None,
        waiting: Waiting | None = None,
        status_ttl: timedelta = timedelta(seconds=30),
    ) -> None:
        self.deps = deps
        self.live = LiveStatus(deps, status_ttl)
        self.removal = removal or Removal(deps)
        self.power = Power(deps, self.live, waiting)
        self.expiry = Expiry(deps, self.removal, reminders)
        self.drift = Drift(deps, self.live, self.removal)
        self.governance = Governance(deps, provisioning, self.removal)

    def list_all(self, admin: Person, words: list[str]) -> tuple[list[EnvironmentRequest], ListFilter]:
        return self.governance.list_all(admin, words)

    def audit(self, admin: Person, request_id: str) -> tuple[EnvironmentRequest, list[AuditRecord]]:
        return self.governance.audit(admin, request_id)

    def retry(self, admin: Person, request_id: str) -> EnvironmentRequest:
        return self.governance.retry(admin, request_id)

    # -- finding -------------------------------------------------------------------------------------

    def find(self, person: Person, ref: str) -> EnvironmentRequest:
        """The environment ``ref`` names: a request id, or the short name of one of the person's own."""
        d = self.deps
        ref = ref.strip()
        found = d.store.get(ref) if _REQUEST_ID.match(ref) else None
        if found is None:
            mine = [
                r for r in d.store.find(owner_user_id=person.user_id) if r.display_name == ref and r.state not in FINAL
            ]
            found = mine[-1] if mine else None
        if found is None:
            raise NotFound(f"You have no environment called `{ref}`. `/notebook status` lists yours.")
        return found

    def managed(self, person: Person, ref: str, action: str) -> EnvironmentRequest:
        """``find``, and refuse (audited) unless the person owns it or is an admin."""
        d = self.deps
        request = self.find(person, ref)
        if not rules.may_manage(person, request, d.policy):
            d.store.record(
                note(
                    request,
                    actor=person.user_id,
                    at=d.clock(),
                    action=f"{action} refused",
                    detail="neither its owner nor an admin",
                )
            )
            raise Refused(NotYours(request.display_name, request.owner_user_id, action))
        return request

    def live_ones(self, person: Person) -> list[EnvironmentRequest]:
        """The person's environments that have not ended (from the store alone: no cloud call)."""
        return [r for r in self.deps.store.find(owner_user_id=person.user_id) if r.state not in FINAL]

    def overview(self, person: Person) -> list[EnvironmentView]:
        """The person's environments, live ones first (newest first within each group), with cloud state."""
        mine = self.deps.store.find(owner_user_id=person.user_id)
        ordered = sorted(mine, key=lambda r: (r.state in FINAL, -r.created_at.timestamp()))
        return self.live.views(ordered)

    # -- the owner's actions ---------------------------------------------------------------------------

    def start(self, person: Person, ref: str, tell: Tell) -> None:
        self.power.switch(person, self.managed(person, ref, "start"), "start", tell)

    def stop(self, person: Person, ref: str, tell: Tell) -> None:
        self.power.switch(person, self.managed(person, ref, "stop"), "stop", tell)

    def extend(self, person: Person, ref: str, days: int | None = None) -> EnvironmentRequest:
        """Keeps it longer within the policy (see ``rules.extension``); audited with the old and new dates."""
        d = self.deps
        request = self.managed(person, ref, "extend")
        now = d.clock()
        decision = rules.extension(request, d.policy.template(request.template_id), d.policy, now, days)
        if decision.until is None:
            raise Refused(decision.refusal or "It cannot be extended.")
        until, was = decision.until, request.expires_at
        reminder = timedelta(hours=d.policy.limits.reminder_hours_before_expiry)

        def step(current: EnvironmentRequest) -> Change | None:
            if current.state != State.READY or current.expires_at != was:
                return None
            new = current.with_changes(
                expires_at=until, reminded_at=None, due_at=max(now, until - reminder), updated_at=now
            )
            return Change(
                new,
                note(
                    current,
                    actor=person.user_id,
                    at=now,
                    action="extend",
                    detail=f"kept until {until:%Y-%m-%d %H:%M} UTC (was {was:%Y-%m-%d %H:%M})",
                ),
            )

        extended = d.store.apply(request.id, step)
        if extended is None:
            raise Refused(ChangedMeanwhile(request.display_name))
        return extended

    def delete_refusal(self, request: EnvironmentRequest) -> NothingToDelete | None:
        """Why this environment cannot be deleted now, or None."""
        s = request.state
        if fleet.may_delete(request):  # the same rule chooses the Delete button
            return None
        name = request.display_name
        if s == State.DELETING:
            return NothingToDelete(name, s, being_deleted=True)
        return NothingToDelete(name, s, in_review=s not in FINAL)

    def deletable(self, person: Person, ref: str) -> EnvironmentRequest:
        """The environment, checked before the confirmation dialog opens (and again when it is submitted)."""
        request = self.managed(person, ref, "delete")
        refusal = self.delete_refusal(request)
        if refusal:
            raise Refused(refusal)
        return request

    def delete(self, person: Person, ref: str) -> EnvironmentRequest:
        """Withdraws a pending request, or starts the removal pull request (after the ack)."""
        d = self.deps
        request = self.deletable(person, ref)
        by = "its owner" if person.user_id == request.owner_user_id else f"admin {person.name or person.user_id}"
        if request.state == State.PENDING_APPROVAL:
            cancelled = d.store.apply(
                request.id,
                step_to(
                    State.CANCELLED,
                    expected={State.PENDING_APPROVAL},
                    actor=person.user_id,
                    at=d.clock(),
                    detail=f"withdrawn by {by}",
                    end_reason=f"withdrawn by {by}",
                ),
            )
            if cancelled is None:
                raise Refused(DecidedMeanwhile(request.display_name))
            d.notifier.progress(cancelled)
            return cancelled
        moved = self.removal.begin(
            request.id,
            actor=person.user_id,
            detail=f"delete asked by {by}",
            end_reason=f"deleted by {person.name or person.user_id}",
            expected={request.state},
        )
        if moved is None:
            raise Refused(ChangedMeanwhile(request.display_name))
        self.live.forget(request.id)
        d.notifier.progress(moved)
        # The removal pull request may wait for GitHub's write pacing: the repo lane keeps messages flowing.
        d.jobs.enqueue(REMOVE, request.id, lane="repo")
        return moved

    # -- reconcile -------------------------------------------------------------------------------------

    def install(self, reconciler: Reconciler) -> None:
        """Adds the lifecycle's steps to reconcile: stale approvals, reminders and expiry, removals, drift."""
        reconciler.on(State.PENDING_APPROVAL, self._stale_approval)
        reconciler.on(State.READY, self._expiry)
        reconciler.on(State.DELETING, self._removal)
        reconciler.each_pass(self._drift)

    def _stale_approval(self, request: EnvironmentRequest, report: ReconcileReport) -> None:
        did = self.expiry.stale_approval(request)
        if did:
            report.actions[did] += 1

    def _expiry(self, request: EnvironmentRequest, report: ReconcileReport) -> None:
        did = self.expiry.due(request)
        if did:
            report.actions[did] += 1

    def _removal(self, request: EnvironmentRequest, report: ReconcileReport) -> None:
        after = self.removal.advance(request.id)
        if after is not None and after.state != request.state:
            report.actions[f"removals {after.state.label}"] += 1

    def _drift(self, report: ReconcileReport) -> None:
        report.looked_at += self.drift.run(report.actions)
