"""What the infrastructure pipeline reports back (DESIGN §4): the plan on a pull request's head commit and the
apply on the merged commit, as the commit statuses ``notebook-bot/plan`` and ``notebook-bot/apply``.

- With ``repo.merge: when_checks_pass`` the bot merges an approved pull request (creation or removal) once
  its plan passed; a failed plan moves the request to ``failed`` with Terraform's error (Retry pushes the
  files again, so the plan runs again); a refused merge is left for a person, the admins told once.
- A failed apply moves the request to ``failed`` with Terraform's error at once, instead of when readiness
  times out an hour later. Retry goes back to waiting for the cloud and ignores the failure it acted on; the
  apply runs again when the run is re-run (the admins get its link) or the next merge applies the root.

The status webhook and reconcile both come here; everything is read back from the repository, so a
replayed or forged-but-signed event cannot move a request the real statuses do not.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from bot.domain.request import EnvironmentRequest
from bot.domain.states import State
from bot.domain.transitions import Change, note
from bot.infra.base import APPLY, PLAN, CommitStatus, MergeRefused, PullRequest
from bot.infra.webhook import StatusEvent
from bot.workflow.ports import Deps, plain
from bot.workflow.pull_request_events import PullRequestEvents
from bot.workflow.pull_requests import BOT, PLAN_FAILED, fail, is_removal, parse_branch, pull_request_title
from bot.workflow.removal import MERGED_AT

log = logging.getLogger(__name__)
APPLY_FAILED = "the apply failed"
# Where the request waits on its pull request's plan, by the pull request's purpose.
_WAITING = {"create": State.PR_OPEN, "remove": State.DELETING}


class Checks:
    """Reads the pipeline's statuses and acts on them; every move is a compare-and-set, every message once."""

    def __init__(self, deps: Deps, events: PullRequestEvents) -> None:
        self.deps = deps
        self.events = events

    def status_reported(self, event: StatusEvent) -> None:
        """The ``status`` webhook: a plan finished on one of our branches, or an apply on a merged commit."""
        if event.context == PLAN:
            # GitHub names at most 10 branches holding the commit, none when there are more: then the one
            # listing of open pull requests says whose head it is.
            branches = event.branches or tuple(
                pr.branch for pr in self.deps.repo.open_pull_requests() if pr.head_sha == event.sha
            )
            for branch in branches:
                self.plan_reported(branch)
        elif event.context == APPLY:
            self.apply_reported(event.sha)

    # -- the plan, and the bot's merge -----------------------------------------------------------------

    def plan_reported(self, branch: str) -> EnvironmentRequest | None:
        """The status webhook named one of our branches: look at its pull request's plan."""
        parsed = parse_branch(self.deps.policy, branch)
        request = self.deps.store.get(parsed[0]) if parsed else None
        if request is None:
            return None
        pr = self.deps.repo.find_pull_request(branch)
        if pr is None or pr.state != "open":
            return request
        return self.pull_request_open(request, pr)

    def pull_request_open(self, request: EnvironmentRequest, pr: PullRequest) -> EnvironmentRequest | None:
        """A pull request of ours is open at ``pr.head_sha``: merge it once its plan passed
        (``repo.merge: when_checks_pass``), stop on a failed plan, wait while it runs."""
        d = self.deps
        ref = request.pull_request
        if d.policy.repo.merge != "when_checks_pass" or not self._waits_on(request, pr):
            return request
        assert ref is not None
        if ref.merge_refused:  # told once; a person merges it
            return request
        status = d.repo.commit_status(pr.head_sha, PLAN) if pr.head_sha else None
        if status is None or status.state == "pending":
            return request
        if status.failed:
            return self._plan_failed(request, pr, status)
        return self._merge(request, pr)

    def _waits_on(self, request: EnvironmentRequest, pr: PullRequest) -> bool:
        ref = request.pull_request
        return (
            ref is not None
            and ref.branch == pr.branch
            and (not ref.number or ref.number == pr.number)
            and request.state == _WAITING.get(ref.purpose)
            and MERGED_AT not in request.options
        )

    def _merge(self, request: EnvironmentRequest, pr: PullRequest) -> EnvironmentRequest | None:
        d = self.deps
        purpose = "remove" if is_removal((parse_branch(d.policy, pr.branch) or ("", ""))[1]) else "create"
        try:
            merged = d.repo.merge_pull_request(
                pr,
                method=d.policy.repo.merge_method,
                title=f"{pull_request_title(request, purpose)} (#{pr.number})",
                message=f"Merged by notebook-bot once its plan passed (repo.merge: when_checks_pass). "
                f"Request {request.id}.",
            )
        except MergeRefused as e:
            # Another instance (or a person) may have merged or closed it a moment ago: that is no refusal.
            now = d.repo.find_pull_request(pr.branch)
            if now is not None and now.state != "open":
                return self.events.pull_request_changed(now)
            return self._merge_refused(request, pr, e.reason)
        self._record(request, merged_by=BOT, action="merged by the bot", detail=f"its plan passed: {pr.url}")
        return self.events.pull_request_changed(merged)

    def _merge_refused(self, request: EnvironmentRequest, pr: PullRequest, reason: str) -> EnvironmentRequest | None:
        d = self.deps
        recorded = self._record(request, merge_refused=reason, action="merge refused", detail=reason)
        if recorded is not None:
            d.notifier.progress(recorded)
            d.notifier.alert_admins(
                recorded,
                f"merge-refused-{pr.number}",
                f"I did not merge <{pr.url}|pull request #{pr.number}> for *{plain(request.display_name)}* "
                f"(`{request.id}`, {plain(request.owner_email)}): {plain(reason)}. It needs a person: merge it "
                "on GitHub (the bot follows it from there), or close it to cancel.",
            )
        return recorded or d.store.get(request.id)

    def _record(
        self, request: EnvironmentRequest, *, action: str, detail: str, merged_by: str = "", merge_refused: str = ""
    ) -> EnvironmentRequest | None:
        """Marks the request's pull request merged by the bot, or its merge refused (audited), if it still waits."""
        d = self.deps
        now, seen = d.clock(), request.pull_request

        def step(current: EnvironmentRequest) -> Change | None:
            ref = current.pull_request
            if current.state != request.state or ref is None or seen is None or ref.branch != seen.branch:
                return None
            marked = replace(
                ref, merged_by=merged_by or ref.merged_by, merge_refused=merge_refused or ref.merge_refused
            )
            new = current.with_changes(pull_request=marked)
            return Change(new, note(current, actor=BOT, at=now, action=action, detail=detail))

        return d.store.apply(request.id, step)

    def _plan_failed(
        self, request: EnvironmentRequest, pr: PullRequest, status: CommitStatus
    ) -> EnvironmentRequest | None:
        key = f"plan:{status.id or pr.head_sha}"
        return self._failed(request, request.state, PLAN_FAILED, status, key)

    # -- the apply -------------------------------------------------------------------------------------

    def apply_reported(self, sha: str) -> list[EnvironmentRequest]:
        """The status webhook said an apply finished on commit ``sha``: for the requests merged there, a
        failure fails them; a success has the cloud asked at once (the URL need not wait for the next poll)."""
        d = self.deps
        found = []
        for request in d.store.find(states=[State.APPLYING, State.DELETING]):
            ref = request.pull_request
            if ref is None or ref.merge_sha != sha:
                continue
            status = self._apply_status(request)
            after = self._apply_failed(request, status) if status is not None else None
            if after is None and status is not None and status.state == "success":
                steps = self.events.provisioning.check_ready, self.events.removal.advance
                after = (steps[0] if request.state == State.APPLYING else steps[1])(request.id)
            found.append(after or request)
        return found

    def apply_failed(self, request: EnvironmentRequest) -> EnvironmentRequest | None:
        """The request, ``failed``, if the apply of its merged commit failed (a failure not acted on yet);
        None otherwise (no report, success, still running: readiness goes on as before)."""
        status = self._apply_status(request)
        return self._apply_failed(request, status) if status is not None else None

    def _apply_status(self, request: EnvironmentRequest) -> CommitStatus | None:
        ref = request.pull_request
        if ref is None or not ref.merge_sha or request.state not in (State.APPLYING, State.DELETING):
            return None
        if request.state == State.DELETING and MERGED_AT not in request.options:
            return None
        return self.deps.repo.commit_status(ref.merge_sha, APPLY)

    def _apply_failed(self, request: EnvironmentRequest, status: CommitStatus) -> EnvironmentRequest | None:
        ref = request.pull_request
        if ref is None or not status.failed:
            return None
        return self._failed(request, request.state, APPLY_FAILED, status, f"apply:{status.id or ref.merge_sha}")

    # -- both ------------------------------------------------------------------------------------------

    def _failed(
        self, request: EnvironmentRequest, state: State, what: str, status: CommitStatus, key: str
    ) -> EnvironmentRequest | None:
        d = self.deps
        ref = request.pull_request
        if ref is None or ref.reported == key:  # acted on already; a Retry went past it
            return None
        error = status.description.strip() or f"{status.context} says {status.state}, without a message"
        run = f" · <{status.target_url}|the run>" if status.target_url.startswith("https://") else ""
        failed = fail(
            d,
            request,
            state,
            f"{what}: {error}",
            for_admins=run,
            pull_request=replace(ref, reported=key),
        )
        if failed is not None:
            doing = "removing" if state == State.DELETING else "creating"
            d.notifier.tell_owner(
                failed,
                f"pipeline-{key}",
                f"⚠️ The infrastructure pipeline failed while {doing} *{plain(failed.display_name)}*: "
                f"{plain(error)}. The admins were told and can retry it.",
            )
        return failed
