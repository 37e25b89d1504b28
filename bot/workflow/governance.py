"""What only admins do: list every environment, read a request's audit trail, retry what failed."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from bot.domain import rules
from bot.domain.errors import NotFound, Refused
from bot.domain.people import Person
from bot.domain.request import AuditRecord, EnvironmentRequest
from bot.domain.states import FINAL, State
from bot.domain.transitions import note, step_to
from bot.workflow.ports import Deps
from bot.workflow.provisioning import Provisioning
from bot.workflow.pull_requests import PLAN_FAILED
from bot.workflow.removal import Removal

_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_BY_LABEL = {s.label: s for s in State} | {s.value: s for s in State} | {"pending": State.PENDING_APPROVAL}


@dataclass(frozen=True)
class ListFilter:
    """``/notebook list`` arguments, parsed: states, owners and templates (each empty means any)."""

    states: frozenset[State] = frozenset()
    owners: frozenset[str] = frozenset()
    templates: frozenset[str] = frozenset()
    words: tuple[str, ...] = field(default=())

    def matches(self, r: EnvironmentRequest) -> bool:
        return (
            (not self.states or r.state in self.states)
            and (not self.owners or r.owner_user_id in self.owners)
            and (not self.templates or r.template_id in self.templates)
        )


def parse_list_filter(words: list[str], template_ids: set[str]) -> ListFilter:
    """Each word is a state (``ready``, ``pending``…), a user id (``U…``) or a template id. (The Slack layer
    turns a mention into the user id it names.)"""
    states: set[State] = set()
    owners: set[str] = set()
    templates: set[str] = set()
    for word in words:
        if _USER_ID.match(word):
            owners.add(word)
        elif word.lower() in _BY_LABEL:
            states.add(_BY_LABEL[word.lower()])
        elif word in template_ids:
            templates.add(word)
        else:
            choices = ", ".join(s.value for s in State)
            raise NotFound(
                f"`{word}` is not a state ({choices}), a @user or a template ({', '.join(sorted(template_ids))})."
            )
    return ListFilter(frozenset(states), frozenset(owners), frozenset(templates), tuple(words))


def plan_failed(request: EnvironmentRequest) -> bool:
    """Whether this failed request failed on its plan (Retry then pushes the files again)."""
    return (request.last_error or "").startswith(PLAN_FAILED)


def list_order(r: EnvironmentRequest) -> tuple[int, float]:
    """Pending approvals first (oldest first: they waited longest), then live ones, then ended ones."""
    if r.state == State.PENDING_APPROVAL:
        return 0, r.created_at.timestamp()
    return (2 if r.state in FINAL else 1), -r.created_at.timestamp()


RETRY = "retry"  # the job that runs a failed step again, after an admin's Retry


class Governance:
    def __init__(self, deps: Deps, provisioning: Provisioning, removal: Removal) -> None:
        self.deps = deps
        self.provisioning = provisioning
        self.removal = removal
        deps.jobs.on(RETRY, self._retry_job)

    def _admin(self, person: Person, what: str) -> None:
        if not rules.is_admin(person, self.deps.policy):
            raise Refused(f"Only notebook admins can {what}.")

    def list_all(self, admin: Person, words: list[str]) -> tuple[list[EnvironmentRequest], ListFilter]:
        """Every environment matching the filter, pending approvals first."""
        d = self.deps
        self._admin(admin, "list every environment")
        wanted = parse_list_filter(words, {t.id for t in d.policy.templates})
        states = list(wanted.states) or None
        found = [r for r in d.store.find(states=states) if wanted.matches(r)]
        return sorted(found, key=list_order), wanted

    def audit(self, admin: Person, request_id: str) -> tuple[EnvironmentRequest, list[AuditRecord]]:
        """A request and its whole audit trail (append-only, oldest first)."""
        d = self.deps
        request = d.store.get(request_id.strip())
        if not rules.is_admin(admin, d.policy):
            if request is not None:
                d.store.record(
                    note(
                        request,
                        actor=admin.user_id,
                        at=d.clock(),
                        action="audit refused",
                        detail="not an admin",
                    )
                )
            raise Refused("Only notebook admins can read the audit trail.")
        if request is None:
            raise NotFound(f"There is no request `{request_id}`.")
        return request, d.store.audit_trail(request.id)

    def retry(self, admin: Person, request_id: str) -> EnvironmentRequest:
        """Moves a failed request back to the step that failed and runs that step again (after the ack)."""
        d = self.deps
        request = d.store.get(request_id)
        if request is None:
            raise NotFound(f"There is no request `{request_id}`.")
        if not rules.is_admin(admin, d.policy):
            d.store.record(
                note(request, actor=admin.user_id, at=d.clock(), action="retry refused", detail="not an admin")
            )
            raise Refused("Only notebook admins can retry a failed request.")
        target = request.failed_from
        if request.state != State.FAILED or target is None:
            raise Refused(f"Request `{request.id}` is {request.state.label}, not failed: there is nothing to retry.")
        now = d.clock()
        moved = d.store.apply(
            request.id,
            step_to(
                target,
                expected={State.FAILED},
                actor=admin.user_id,
                at=now,
                detail=f"retry by {admin.name or admin.user_id} after: {request.last_error}",
                failed_from=None,
                attempts=0,
                last_error=None,
                due_at=now,
                removal_merged_at=None,  # the wait for the cloud restarts
            ),
        )
        if moved is None:
            raise Refused(f"Request `{request.id}` was retried by someone else already.")
        # Mostly repo work (a pull request to open or to look at): the lane that may wait for GitHub.
        replan = plan_failed(request)
        d.jobs.enqueue(RETRY, request.id, lane="repo", replan=replan)
        return moved

    def _retry_job(self, request_id: str, args: dict[str, Any]) -> None:
        request = self.deps.store.get(request_id)
        if request is not None:
            self._rerun(request, bool(args.get("replan")))

    def _rerun(self, request: EnvironmentRequest, replan: bool = False) -> None:
        """The failed step again. After a failed plan: the files pushed again, so the plan runs again. After
        a failed apply: back to waiting for the cloud (the failure already reported is not acted on again;
        re-running the apply is the pipeline's, from the run's link the admins got)."""
        d = self.deps
        d.notifier.progress(request)
        if request.state == State.APPROVED:
            self.provisioning.provision(request.id, retry=True)
        elif request.state == State.APPLYING:
            self.provisioning.check_ready(request.id)
        elif request.state == State.PR_OPEN and replan:
            self.provisioning.push_again(request.id)
        elif request.state == State.DELETING and replan:
            self.removal.push_again(request.id)
        elif request.state == State.DELETING:
            self.removal.advance(request.id)
        elif request.state == State.PR_OPEN and request.pull_request is not None:
            pr = d.repo.find_pull_request(request.pull_request.branch)
            if pr is not None and pr.state != "open":
                self.provisioning.pull_request_changed(request, pr)
