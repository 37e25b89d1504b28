"""From approval to a running environment: render, pull request, merge, apply, ready."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from bot.cloud.base import CloudError
from bot.domain.errors import TryAgainLater
from bot.domain.notices import CreationClosed
from bot.domain.request import EnvironmentRequest, PullRequestRef
from bot.domain.states import State
from bot.domain.transitions import note, step_to, step_update
from bot.infra.base import FileChange, PullRequest
from bot.workflow.ports import Deps
from bot.workflow.pull_requests import (
    BOT,
    OpenedHook,
    after_opening,
    branch_for,
    fail,
    pull_request_body,
    pull_request_title,
    retry_later,
    with_merge_sha,
)
from bot.workflow.rendering import cloud_environment, render
from renderers import RenderError

log = logging.getLogger(__name__)
READINESS_POLL = timedelta(seconds=30)
# An approval opens its pull request at once, in the background; reconcile steps in only after this long,
# so that it does not open the same pull request a second time while the first is on its way.
PROVISION_GRACE = timedelta(minutes=2)
PROVISION = "provision"  # the job that renders an approved request and opens its pull request


class Provisioning:
    """Drives an approved request to ``ready``. Every step is idempotent and safe to run twice."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        # Called when a pull request was opened or pushed to (wiring sets it: the bot's merge follows it).
        self.on_opened: OpenedHook | None = None
        deps.jobs.on(PROVISION, self._provision_job)

    def _provision_job(self, request_id: str, args: dict[str, Any]) -> None:
        # A second attempt follows a worker that died: its pull request may be open already, unrecorded.
        self.provision(request_id, retry=bool(args.get("retry")) or int(args.get("attempt") or 1) > 1)

    def provision_later(self, request_id: str, *, retry: bool = False) -> bool:
        """Opens the pull request after the ack: a job in the lane that may wait for GitHub's pacing.

        A request whose job is already waiting (in any instance) is not queued twice: reconcile passes come
        every few minutes, and a burst of approvals may take longer than that to pace through. False then.
        """
        return self.deps.jobs.enqueue(PROVISION, request_id, lane="repo", retry=retry)

    def provision(self, request_id: str, *, retry: bool = False) -> EnvironmentRequest | None:
        """Renders the environment and opens its pull request; retried with backoff when the repo fails.

        On a retry (reconcile) the pull request may already exist from an attempt that crashed before
        recording it, and may even be merged with its branch deleted since: look it up first, so that
        nothing is opened twice.
        """
        d = self.deps
        request = d.store.get(request_id)
        if request is None or request.state != State.APPROVED:
            return request
        change = self._change(request)
        if isinstance(change, str):
            return fail(d, request, State.APPROVED, change)
        try:
            pr = (d.repo.find_pull_request(change.branch) if retry else None) or d.repo.open_pull_request(change)
        except TryAgainLater as e:
            return retry_later(d, request, State.APPROVED, e.message)
        opened = d.store.apply(
            request_id,
            step_to(
                State.PR_OPEN,
                expected={State.APPROVED},
                actor=BOT,
                at=d.clock(),
                detail=pr.url,
                pull_request=PullRequestRef(pr.number, pr.url, pr.branch),
                files=tuple(change.files),
                attempts=0,
                last_error=None,
                due_at=None,
            ),
        )
        if opened is None:
            return d.store.get(request_id)
        d.notifier.progress(opened)
        if pr.state != "open":  # a retry found the pull request already merged or closed
            return self.pull_request_changed(opened, pr)
        after_opening(self.on_opened, opened, pr)  # its plan may have passed already (the local one's at once)
        return opened

    def _change(self, request: EnvironmentRequest) -> FileChange | str:
        """The pull request's files, rendered as an approval renders them; or why they cannot be."""
        d = self.deps
        template = d.policy.template(request.template_id)
        if template is None:
            return f"template {request.template_id} is no longer in the policy"
        try:
            rendered = render(request, template, d.policy)
        except RenderError as e:
            return f"the environment could not be rendered: {e}"
        repo = d.policy.repo
        return FileChange(
            branch=branch_for(d.policy, request),
            title=pull_request_title(request, "create"),
            body=pull_request_body(request, "create"),
            files={f.path: f.content for f in rendered.files},
            labels=tuple(repo.labels),
            reviewers=tuple(repo.reviewers),
            team_reviewers=tuple(repo.team_reviewers),
        )

    def push_again(self, request_id: str) -> EnvironmentRequest | None:
        """Retry after a failed plan: renders the files again and pushes them as a new commit on the same
        branch, so that the plan runs again on the new head (and the bot merges once it passes)."""
        d = self.deps
        request = d.store.get(request_id)
        if request is None or request.state != State.PR_OPEN or request.pull_request is None:
            return request
        change = self._change(request)
        if isinstance(change, str):
            return fail(d, request, State.PR_OPEN, change)
        try:
            found = d.repo.find_pull_request(change.branch)
            if found is not None and found.state != "open":  # merged or closed by a person meanwhile
                return self.pull_request_changed(request, found)
            pr = d.repo.push_to_pull_request(change)
        except TryAgainLater as e:
            return fail(d, request, State.PR_OPEN, f"could not push the files again: {e.message}")
        d.store.record(note(request, actor=BOT, at=d.clock(), action="pushed again", detail=pr.head_sha))
        after_opening(self.on_opened, request, pr)
        return d.store.get(request_id)

    def pull_request_changed(self, request: EnvironmentRequest, pr: PullRequest) -> EnvironmentRequest | None:
        """The request's creation pull request was merged or closed (webhook or reconcile, through
        ``PullRequestEvents``; or found so by a retry)."""
        d = self.deps
        request_id = request.id
        known = request.pull_request
        if known is not None and known.purpose == "create" and known.number and known.number != pr.number:
            log.warning("ignoring pull request #%s of %s: the request's is #%s", pr.number, pr.branch, known.number)
            return request
        # A failed plan stops the bot, not a person: merged or closed by hand, the request follows it.
        under_review = {State.PR_OPEN} | ({State.FAILED} if request.failed_from == State.PR_OPEN else set())
        if pr.state == "merged":
            applying = d.store.apply(
                request_id,
                with_merge_sha(
                    pr,
                    step_to(
                        State.APPLYING,
                        expected=under_review,
                        actor=BOT,
                        at=d.clock(),
                        detail=f"merged {pr.url}",
                        due_at=d.clock(),
                        failed_from=None,
                        last_error=None,
                    ),
                ),
            )
            if applying is not None:
                d.notifier.progress(applying)
                return self.check_ready(request_id)
        elif pr.state == "closed":
            cancelled = d.store.apply(
                request_id,
                step_to(
                    State.CANCELLED,
                    expected=under_review,
                    actor=BOT,
                    at=d.clock(),
                    detail=f"pull request closed without merging: {pr.url}",
                    end_reason="pull request closed",
                ),
            )
            if cancelled is not None:
                d.notifier.progress(cancelled)
                d.notifier.tell_owner(cancelled, "cancelled", CreationClosed(cancelled.display_name))
                return cancelled
        return d.store.get(request_id)

    def check_ready(self, request_id: str) -> EnvironmentRequest | None:
        """Asks the cloud whether the environment is up; when it is, tells the user its URL."""
        d = self.deps
        request = d.store.get(request_id)
        if request is None or request.state != State.APPLYING:
            return request
        now = d.clock()
        limit = timedelta(minutes=d.policy.limits.readiness_timeout_minutes)
        try:
            status = d.cloud.status(cloud_environment(request, d.policy))
        except CloudError as e:
            if not e.retriable:
                return retry_later(d, request, State.APPLYING, e.message)
            if now - request.updated_at > limit:  # Google busy all along: the timeout still holds
                return fail(d, request, State.APPLYING, f"not ready {limit} after the merge ({e.message})")
            return request
        if not status.ready:
            if now - request.updated_at > limit:
                return fail(
                    d, request, State.APPLYING, f"not ready {limit} after the merge (cloud says {status.state})"
                )
            return d.store.apply(
                request_id,
                step_update(expected={State.APPLYING}, at=request.updated_at, due_at=now + READINESS_POLL),
            )
        reminder = timedelta(hours=d.policy.limits.reminder_hours_before_expiry)
        expires = now + timedelta(days=request.lifetime_days)
        ready = d.store.apply(
            request_id,
            step_to(
                State.READY,
                expected={State.APPLYING},
                actor=BOT,
                at=now,
                detail=status.url or "",
                url=status.url,
                console_url=console_url(request, d.policy.gcp.project, cloud_location(request, d)),
                ready_at=now,
                expires_at=expires,
                due_at=max(now, expires - reminder),
                attempts=0,
                last_error=None,
            ),
        )
        if ready is not None:
            d.notifier.progress(ready)
            d.notifier.ready(ready)
        return ready


def cloud_location(request: EnvironmentRequest, d: Deps) -> str:
    return cloud_environment(request, d.policy).location


def console_url(request: EnvironmentRequest, project: str, location: str) -> str:
    """Where the owner opens the environment once in the Cloud console (managed EUC consent)."""
    if request.kind == "dataproc":
        return (
            f"https://console.cloud.google.com/dataproc/clusters/{request.env_name}/monitoring"
            f"?region={location}&project={project}"
        )
    return (
        f"https://console.cloud.google.com/vertex-ai/workbench/instances/{location}/{request.env_name}"
        f"?project={project}"
    )
