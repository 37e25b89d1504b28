"""Asking for an environment and deciding on it: submit, approve, reject, cancel."""

from __future__ import annotations

from datetime import datetime

from bot.config.policy import Template
from bot.domain import rules
from bot.domain.errors import InvalidInput, NotFound, Refused
from bot.domain.people import Person
from bot.domain.request import AuditRecord, EnvironmentRequest, new_request_id
from bot.domain.states import State
from bot.domain.transitions import note, step_to
from bot.pricing.quote import CostDecision, cost_decision, quote
from bot.workflow import tell
from bot.workflow.ports import Deps
from bot.workflow.provisioning import PROVISION_GRACE, Provisioning
from bot.workflow.rendering import team_labels
from renderers import environment_name

POLICY = "policy"
# the actor of what the policy decides by itself


class Requests:
    """The services behind ``/notebook new`` and the Approve / Reject buttons."""

    def __init__(self, deps: Deps, provisioning: Provisioning) -> None:
        self.deps = deps
        self.provisioning = provisioning

    def submit(self, person: Person, form: rules.RequestForm, *, by: Person | None = None) -> EnvironmentRequest:
        """Validates and stores a new request (durable before anything is said), then notifies after the ack.

        ``by`` is an admin asking on ``person``'s behalf: the environment is the person's, their identity
        rules, templates and quota apply, and the audit names the admin.
        Raises Refused (identity, quota) or InvalidInput (field -> problem); nothing is stored then.
        """
        d = self.deps
        refusal = rules.on_behalf_refusal(by, person, d.policy) if by else rules.identity_refusal(person, d.policy)
        if refusal:
            raise Refused(refusal)
        existing = d.store.find(owner_user_id=person.user_id)
        problems = rules.form_problems(form, person, d.policy, existing)
        if problems:
            raise InvalidInput(problems)
        template = d.policy.template(form.template_id)
        assert template is not None  # form_problems checked it
        quota = rules.quota_refusal(template, d.policy, existing)
        if quota:
            raise Refused(quota)
        costs = self._cost_decision(template, form)
        if costs.verdict == "refuse":
            raise InvalidInput({"template": costs.reason})
        now = d.clock()
        request_id = new_request_id()
        assert person.email is not None  # identity_refusal checked it
        options: dict[str, object] = {"labels": team_labels(person, d.policy)}
        if form.worker_count is not None:
            options["worker_count"] = form.worker_count
        if form.zone is not None:
            options["zone"] = form.zone
        request = EnvironmentRequest(
            id=request_id,
            owner_user_id=person.user_id,
            owner_email=person.email,
            owner_name=person.name,
            team_id=person.team_id,
            template_id=template.id,
            kind=template.kind,
            display_name=form.display_name,
            reason=form.reason,
            idle_minutes=form.idle_minutes or d.policy.bound(template, "idle_minutes").default,
            lifetime_days=form.lifetime_days or d.policy.bound(template, "lifetime_days").default,
            env_name=environment_name(person.email, request_id, template.kind),
            created_at=now,
            updated_at=now,
            options=options,
            requested_by=by.user_id if by is not None else None,
        )
        d.store.add(
            request,
            AuditRecord(
                request_id,
                now,
                by.user_id if by else person.user_id,
                "submitted",
                None,
                State.PENDING_APPROVAL.value,
                f"template {template.id}" + (f", on behalf of {person.email}" if by else ""),
            ),
        )
        self._recheck_quota(request, template)
        if self._auto_approved(template, person, costs):
            approved = d.store.apply(
                request_id,
                step_to(
                    State.APPROVED,
                    expected={State.PENDING_APPROVAL},
                    actor=POLICY,
                    at=now,
                    detail=f"approved by policy ({costs.reason})" if costs.verdict == "auto" else "approved by policy",
                    decided_by=POLICY,
                    due_at=now + PROVISION_GRACE,
                ),
            )
            request = approved or request
        self._after_submit(request)
        return request

    def _cost_decision(self, template: Template, form: rules.RequestForm) -> CostDecision:
        """What the policy's cost limits say about this request's estimate (costs.* in the policy)."""
        estimate = quote(
            self.deps.policy,
            template,
            idle_minutes=form.idle_minutes,
            lifetime_days=form.lifetime_days,
            worker_count=form.worker_count,
        )
        return cost_decision(estimate, self.deps.policy)

    def _auto_approved(self, template: Template, person: Person, costs: CostDecision) -> bool:
        # A GPU that needs an admin still needs one, however cheap; above the cost threshold an admin decides.
        if template.gpu is not None and self.deps.policy.approval.gpu_requires_admin:
            return False
        if costs.verdict == "approval":
            return False
        return costs.verdict == "auto" or rules.auto_approved(template, person, self.deps.policy)

    def _recheck_quota(self, request: EnvironmentRequest, template: Template) -> None:
        """The quota again, now that the request is stored: two submissions at the same moment both passed
        the first check, but each sees the other here. One that finds itself over the limit withdraws
        (both may, which errs on the side of the limit), before anything is rendered or said."""
        d = self.deps
        others = [r for r in d.store.find(owner_user_id=request.owner_user_id) if r.id != request.id]
        quota = rules.quota_refusal(template, d.policy, others)
        if quota is None:
            return
        d.store.apply(
            request.id,
            step_to(
                State.CANCELLED,
                expected={State.PENDING_APPROVAL},
                actor=POLICY,
                at=d.clock(),
                detail=f"over the limit: {quota}",
                end_reason="over the limit",
            ),
        )
        raise Refused(quota)

    def _after_submit(self, request: EnvironmentRequest) -> None:
        d = self.deps

        # Two independent sends: if one fails the other still goes, and reconcile resends the missing one.
        d.jobs.enqueue(tell.RECEIVED, request.id)
        if request.state == State.PENDING_APPROVAL:
            d.jobs.enqueue(tell.CARD, request.id)
        if request.state == State.APPROVED:
            self.provisioning.provision_later(request.id)

    def offered_templates(self, person: Person) -> list[Template]:
        """The templates this person may ask for now; Refused (said before any form) if there is none."""
        d = self.deps
        refusal = rules.identity_refusal(person, d.policy)
        if refusal:
            raise Refused(refusal)
        templates = rules.templates_for(person, d.policy)
        if not templates:
            raise Refused("No template is offered to you yet. Ask an admin to give you access to one.")
        existing = d.store.find(owner_user_id=person.user_id)
        within = [t for t in templates if rules.quota_refusal(t, d.policy, existing) is None]
        if not within:
            raise Refused(rules.quota_refusal(templates[0], d.policy, existing) or "You are at your limit.")
        return within

    def owners(self) -> dict[str, str]:
        """Everyone who has asked for an environment: their email -> their Slack user id."""
        return {r.owner_email: r.owner_user_id for r in self.deps.store.find()}

    def pending_approvals(self, person: Person) -> int | None:
        """How many requests wait for an admin's decision, for an admin; None for anyone else."""
        if not rules.is_admin(person, self.deps.policy):
            return None
        return len(self.deps.store.find(states=[State.PENDING_APPROVAL]))

    def decided_at(self, request: EnvironmentRequest) -> datetime | None:
        """When the request stopped waiting for a decision (its audit trail says), if it did."""
        for record in self.deps.store.audit_trail(request.id):
            if record.from_state == State.PENDING_APPROVAL.value and record.to_state not in (
                None,
                State.PENDING_APPROVAL.value,
            ):
                return record.at
        return None

    def rejectable(self, request_id: str, admin: Person) -> EnvironmentRequest:
        """The request, before the reject dialog opens: only an admin who may decide on it gets it, and a
        refusal is on the audit trail as the rejection itself would be (the state may have moved on since:
        the caller says who decided first)."""
        return self._decidable(request_id, admin, "reject")

    def _decidable(self, request_id: str, admin: Person, action: str) -> EnvironmentRequest:
        d = self.deps
        request = d.store.get(request_id)
        if request is None:
            raise NotFound(f"There is no request {request_id}.")
        refusal = rules.decision_refusal(request, admin, d.policy)
        if refusal:
            d.store.record(note(request, actor=admin.user_id, at=d.clock(), action=f"{action} refused", detail=refusal))
            raise Refused(refusal)
        return request

    def approve(self, request_id: str, admin: Person) -> tuple[EnvironmentRequest, bool]:
        """Approves once, whoever clicks how often: (request, True) for the one click that won."""
        d = self.deps
        current = self._decidable(request_id, admin, "approve")
        approved = d.store.apply(
            request_id,
            step_to(
                State.APPROVED,
                expected={State.PENDING_APPROVAL},
                actor=admin.user_id,
                at=d.clock(),
                detail=f"approved by {admin.name or admin.user_id}",
                decided_by=admin.user_id,
                due_at=d.clock() + PROVISION_GRACE,
            ),
        )
        if approved is None:
            return d.store.get(request_id) or current, False

        d.notifier.progress(approved)
        self.provisioning.provision_later(approved.id)
        return approved, True

    def reject(self, request_id: str, admin: Person, reason: str) -> tuple[EnvironmentRequest, bool]:
        """Rejects once, with the reason the requester will read."""
        d = self.deps
        current = self._decidable(request_id, admin, "reject")
        reason = reason.strip() or "no reason given"
        rejected = d.store.apply(
            request_id,
            step_to(
                State.REJECTED,
                expected={State.PENDING_APPROVAL},
                actor=admin.user_id,
                at=d.clock(),
                detail=reason,
                decided_by=admin.user_id,
                decision_reason=reason,
            ),
        )
        if rejected is None:
            now = d.store.get(request_id) or current
            # Too late (someone decided first): nothing changes, but the attempt is on the record.
            d.store.record(
                note(
                    now, actor=admin.user_id, at=d.clock(), action="reject too late", detail=f"it was {now.state.label}"
                )
            )
            return now, False

        d.jobs.enqueue(tell.REJECTED, request_id)
        return rejected, True
