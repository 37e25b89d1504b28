"""Removing an environment: a pull request that deletes its files, then waiting until the cloud has none.

Every way an environment ends (its owner or an admin deletes it, its lifetime ends, it vanished from the
cloud) goes through here: ``begin`` moves it to ``deleting`` (atomically, once), ``advance`` opens the removal
pull request or follows it, and ``pull_request_changed`` reacts to its merge or close.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import replace
from datetime import timedelta

from bot.cloud.base import CloudError
from bot.domain.errors import TryAgainLater
from bot.domain.notices import Deleted, Link, RemovalClosed, RemovalOpened
from bot.domain.request import EndReason, EnvironmentRequest, PullRequestRef
from bot.domain.states import State
from bot.domain.transitions import Change, move, note, step_to, step_update
from bot.infra.base import FileChange, PullRequest
from bot.workflow.ports import Deps
from bot.workflow.pull_requests import (
    BOT,
    OpenedHook,
    after_opening,
    fail,
    pull_request_body,
    pull_request_title,
    removal_branch,
    retry_later,
)
from bot.workflow.rendering import cloud_environment

log = logging.getLogger(__name__)

# Webhooks are the fast path; these are how often reconcile looks when they are lost.
PULL_REQUEST_POLL = timedelta(minutes=5)
GONE_POLL = timedelta(minutes=1)


REMOVE = "remove"  # the job that moves a removal on: its pull request, the wait for the cloud


class Removal:
    """Drives ``deleting`` to ``deleted``. Each step is a compare-and-set; each message is sent once."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        # Called when a removal pull request was opened or pushed to (wiring sets it: the bot's merge).
        self.on_opened: OpenedHook | None = None
        deps.jobs.on(REMOVE, lambda request_id, _: self.advance(request_id))

    def begin(
        self,
        request_id: str,
        *,
        actor: str,
        detail: str,
        end_reason: str,
        expected: Iterable[State] = (State.READY,),
    ) -> EnvironmentRequest | None:
        """Moves it to ``deleting`` with a removal pull request still to open; None if it lost a race."""
        d = self.deps
        now = d.clock()
        allowed = frozenset(expected)

        def step(current: EnvironmentRequest) -> Change | None:
            if current.state not in allowed:
                return None
            pending = PullRequestRef(0, "", removal_branch(current, d.policy), "remove")
            return move(
                current,
                State.DELETING,
                actor=actor,
                at=now,
                detail=detail,
                end_reason=end_reason,
                pull_request=pending,
                due_at=now,
                attempts=0,
                last_error=None,
                failed_from=None,
                removal_merged_at=None,
            )

        # No message here: a listener calls this before its ack; callers tell people afterwards.
        return d.store.apply(request_id, step)

    def advance(self, request_id: str) -> EnvironmentRequest | None:
        """Whatever the deletion waits on next: opening its pull request, the merge, or the cloud."""
        d = self.deps
        request = d.store.get(request_id)
        if request is None or request.state != State.DELETING:
            return request
        ref = request.pull_request
        if ref is None or ref.purpose != "remove":
            return request  # cannot happen: begin() always writes the removal's (pending) pull request
        if request.removal_merged_at is not None:
            return self.check_gone(request)
        if ref.number == 0 and not request.files:  # never rendered: nothing to remove from the repository
            return self.check_gone(self._mark_merged(request))
        # A retry, or a failed removal's branch used again, may have a pull request already (its answer was
        # lost, or it was opened before the failure), merged or not by now: look before opening one.
        pr = d.repo.find_pull_request(ref.branch)
        if pr is None or (pr.state == "open" and ref.number == 0):  # opening is idempotent by branch
            return self.open_pull_request(request)
        if pr.state == "open":
            return d.store.apply(
                request_id,
                step_update(expected={State.DELETING}, at=request.updated_at, due_at=d.clock() + PULL_REQUEST_POLL),
            )
        return self.pull_request_changed(request, pr)

    def open_pull_request(self, request: EnvironmentRequest) -> EnvironmentRequest | None:
        d = self.deps
        assert request.pull_request is not None
        repo = d.policy.repo
        change = FileChange(
            branch=request.pull_request.branch,
            title=pull_request_title(request, "remove"),
            body=pull_request_body(request, "remove"),
            deletions=request.files,
            labels=tuple(repo.labels),
            reviewers=tuple(repo.reviewers),
            team_reviewers=tuple(repo.team_reviewers),
        )
        try:
            pr = d.repo.open_pull_request(change)
        except TryAgainLater as e:
            return retry_later(d, request, State.DELETING, e.message)
        now = d.clock()
        pending = request.pull_request

        def step(current: EnvironmentRequest) -> Change | None:
            if current.state != State.DELETING or current.pull_request != pending:
                return None  # another pass recorded it first
            new = current.with_changes(
                pull_request=PullRequestRef(pr.number, pr.url, pr.branch, "remove"),
                updated_at=now,
                attempts=0,
                last_error=None,
                due_at=now + PULL_REQUEST_POLL,
            )
            return Change(new, note(current, actor=BOT, at=now, action="removal pull request opened", detail=pr.url))

        opened = d.store.apply(request.id, step)
        if opened is not None:
            d.notifier.progress(opened)
            d.notifier.tell_owner(
                opened,
                f"removal-{pr.branch}",
                RemovalOpened(opened.display_name, opened.end_reason or "", Link(pr.url, pr.number), opened.expires_at),
            )
        current = opened or d.store.get(request.id)
        if current is not None and pr.state != "open":  # a retry found it already merged or closed
            return self.pull_request_changed(current, pr)
        if opened is not None:
            after_opening(self.on_opened, opened, pr)
        return current

    def push_again(self, request_id: str) -> EnvironmentRequest | None:
        """Retry after the removal's plan failed: a new (empty) commit on its branch runs the plan again."""
        d = self.deps
        request = d.store.get(request_id)
        ref = request.pull_request if request is not None else None
        if request is None or request.state != State.DELETING or ref is None or request.removal_merged_at is not None:
            return request
        change = FileChange(branch=ref.branch, title=pull_request_title(request, "remove"), body="Run the plan again.")
        try:
            pr = d.repo.push_to_pull_request(change)
        except TryAgainLater as e:
            return retry_later(d, request, State.DELETING, e.message)
        d.store.record(note(request, actor=BOT, at=d.clock(), action="pushed again", detail=pr.head_sha))
        after_opening(self.on_opened, request, pr)
        return d.store.get(request_id)

    def pull_request_changed(self, request: EnvironmentRequest, pr: PullRequest) -> EnvironmentRequest | None:
        """The removal pull request was merged (wait for the cloud) or closed (the environment stays)."""
        d = self.deps
        ref = request.pull_request
        if request.state != State.DELETING or ref is None or ref.branch != pr.branch:
            return request  # an event about an older removal, or one already handled
        if pr.state == "merged":
            return self.check_gone(self._mark_merged(request, pr.url, pr.merge_sha))
        if pr.state != "closed":
            return request
        now = d.clock()
        due = now + timedelta(hours=d.policy.limits.reminder_hours_before_expiry)
        if request.expires_at is not None and request.expires_at > now:
            reminder = request.expires_at - timedelta(hours=d.policy.limits.reminder_hours_before_expiry)
            due = max(now, reminder)
        if request.ready_at is None:  # deleted while being created: wait for it to come up, as before
            back = d.store.apply(
                request.id,
                step_to(
                    State.APPLYING,
                    expected={State.DELETING},
                    actor=BOT,
                    at=now,
                    due_at=now,
                    detail=f"removal pull request closed without merging: {pr.url}",
                    end_reason=None,
                    pull_request=PullRequestRef(pr.number, pr.url, pr.branch, "remove"),
                    removal_merged_at=None,
                ),
            )
            if back is not None:
                d.notifier.progress(back)
            return back
        kept = d.store.apply(
            request.id,
            step_to(
                State.READY,
                expected={State.DELETING},
                actor=BOT,
                at=now,
                detail=f"removal pull request closed without merging: {pr.url}",
                end_reason=None,
                due_at=due,
                pull_request=PullRequestRef(pr.number, pr.url, pr.branch, "remove"),
                removal_merged_at=None,
            ),
        )
        if kept is not None:
            d.notifier.progress(kept)
            past_expiry = kept.expires_at is not None and kept.expires_at <= now
            closed = RemovalClosed(kept.display_name, Link(pr.url, pr.number), past_expiry)
            d.notifier.tell_owner(kept, f"removal-closed-{pr.branch}", closed)
        return kept or d.store.get(request.id)

    def _mark_merged(self, request: EnvironmentRequest, url: str = "", merge_sha: str = "") -> EnvironmentRequest:
        if request.removal_merged_at is not None:
            return request
        d = self.deps
        now = d.clock()

        def step(current: EnvironmentRequest) -> Change | None:
            if current.state != State.DELETING or current.removal_merged_at is not None:
                return None
            ref = current.pull_request
            if ref is not None and merge_sha:  # where the removal's apply reports
                ref = replace(ref, merge_sha=merge_sha)
            new = current.with_changes(removal_merged_at=now, pull_request=ref, updated_at=now, due_at=now)
            return Change(
                new,
                note(current, actor=BOT, at=now, action="removal merged", detail=url or "no files to remove"),
            )

        return d.store.apply(request.id, step) or d.store.get(request.id) or request

    def check_gone(self, request: EnvironmentRequest) -> EnvironmentRequest | None:
        """After the merge: ``deleted`` once the cloud has no such environment; ``failed`` if it stays."""
        d = self.deps
        now = d.clock()
        if request.state != State.DELETING:
            return request
        try:
            status = d.cloud.status(cloud_environment(request, d.policy))
        except CloudError as e:
            if not e.retriable:
                return retry_later(d, request, State.DELETING, e.message)
            return d.store.apply(
                request.id,
                step_update(expected={State.DELETING}, at=request.updated_at, due_at=now + GONE_POLL),
            )
        if not status.gone:
            merged_at = request.removal_merged_at or request.updated_at
            limit = timedelta(minutes=d.policy.limits.readiness_timeout_minutes)
            if now - merged_at > limit:
                return fail(
                    d,
                    request,
                    State.DELETING,
                    f"still {status.state} in Google Cloud {limit} after its removal was "
                    "merged; check the infrastructure pipeline's apply",
                )
            return d.store.apply(
                request.id,
                step_update(expected={State.DELETING}, at=request.updated_at, due_at=now + GONE_POLL),
            )
        deleted = d.store.apply(
            request.id,
            step_to(
                State.DELETED,
                expected={State.DELETING},
                actor=BOT,
                at=now,
                detail="the cloud confirms it is gone",
                due_at=None,
                last_error=None,
            ),
        )
        if deleted is not None:
            d.notifier.progress(deleted)
            gone = Deleted(deleted.display_name, vanished=deleted.end_reason == EndReason.VANISHED)
            d.notifier.tell_owner(deleted, "deleted", gone)
        return deleted or d.store.get(request.id)
