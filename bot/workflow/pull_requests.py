"""What every flow that goes through a pull request shares: branch names, pull request bodies, retrying
later with backoff, and failing (with the admins told). Creation and removal both build on this module;
it imports neither of them."""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

from bot.config.policy import Policy
from bot.domain.errors import TryAgainLater
from bot.domain.request import EnvironmentRequest
from bot.domain.states import State
from bot.domain.transitions import Change, Step, step_to, step_update
from bot.infra.base import RETRY_PROMISE, PullRequest
from bot.workflow.ports import Deps, failure_key, failure_text

log = logging.getLogger(__name__)
BOT = "notebook-bot"
# How a failure of the pipeline's plan starts its reason (Retry then pushes the files again).
PLAN_FAILED = "the plan failed"


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8... minutes between retries, at most an hour."""
    return timedelta(minutes=min(60, 2 ** max(0, attempts - 1)))


def branch_for(policy: Policy, request: EnvironmentRequest, purpose: str = "create") -> str:
    """The request's branch: ``<prefix><id>`` to create it, ``<prefix><id>-remove`` to remove it."""
    suffix = "" if purpose == "create" else f"-{purpose}"
    return f"{policy.repo.branch_prefix}{request.id}{suffix}"


def removal_branch(request: EnvironmentRequest, policy: Policy) -> str:
    """``…-remove`` the first time; ``…-remove-2``, ``-3``… after a removal pull request was closed unmerged,
    because a closed pull request keeps its branch name for good (opening is idempotent by branch)."""
    base = branch_for(policy, request, "remove")
    previous = request.pull_request
    if previous is None or previous.purpose != "remove" or not previous.branch.startswith(base):
        return base
    if request.state == State.FAILED and request.failed_from == State.DELETING:
        return previous.branch  # retrying a removal that failed: its pull request may exist; reuse it
    suffix = previous.branch.removeprefix(base).lstrip("-")
    return f"{base}-{int(suffix) + 1 if suffix.isdigit() else 2}"


def parse_branch(policy: Policy, branch: str) -> tuple[str, str] | None:
    """``(request id, purpose)`` of one of our branches (purpose ``""`` to create, ``remove``,
    ``remove-2``…), or None for a branch the bot did not name."""
    prefix = policy.repo.branch_prefix
    if not branch.startswith(prefix):
        return None
    request_id, _, purpose = branch.removeprefix(prefix).partition("-")
    return request_id, purpose


def is_removal(purpose: str) -> bool:
    """``-remove``, or ``-remove-2``… after a closed removal pull request."""
    return purpose == "remove" or purpose.startswith("remove-")


# Markdown's punctuation that can start a link, an image, HTML, emphasis, code, a table cell or an entity
# (an underscore inside a word, as in first_last@example.com, emphasises nothing: it stays as it is).
_MARKDOWN = re.compile(r"([\\`*{}\[\]<>|~&!]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9]))")
# GitHub mentions (@user, @org/team) start at an @ that does not follow a letter or digit.
_MENTION = re.compile(r"(?<![A-Za-z0-9])@")
# GitHub links bare URLs (scheme://…, www.…) by itself.
_AUTOLINK = re.compile(r"(?i)(://|\bwww\.)")
_ZERO_WIDTH_SPACE = "\u200b"


def github_plain(text: str, limit: int = 300) -> str:
    """People's words (a name, an email, a reason) in a pull request's title, body or commit message, shown
    as typed but inert: no @user or @org/team mention (a zero-width space after the @), no link (Markdown's
    link and HTML punctuation escaped, bare URLs broken), no HTML, one line (table cells stay cells)."""
    flat = " ".join("".join(c if c.isprintable() else " " for c in text).split())[:limit]
    flat = _MARKDOWN.sub(r"\\\1", flat)
    flat = _MENTION.sub("@" + _ZERO_WIDTH_SPACE, flat)
    return _AUTOLINK.sub(lambda m: m.group(1)[:-1] + _ZERO_WIDTH_SPACE + m.group(1)[-1], flat)


def pull_request_title(request: EnvironmentRequest, purpose: str) -> str:
    """``notebook: NAME for EMAIL (TEMPLATE)``, or ``notebook: remove NAME of EMAIL (WHY)``."""
    name, email = github_plain(request.display_name, 80), github_plain(request.owner_email, 120)
    if purpose == "create":
        return f"notebook: {name} for {email} ({github_plain(request.template_id, 60)})"
    return f"notebook: remove {name} of {email} ({github_plain(request.end_reason or '', 120)})"


def pull_request_body(request: EnvironmentRequest, purpose: str) -> str:
    """The table a reviewer reads on the pull request (people's words through ``github_plain``)."""
    verb = "Creates" if purpose == "create" else "Removes"
    approver = github_plain(request.decided_by or "-")
    email = github_plain(request.owner_email)
    body = "\n".join(
        [
            f"{verb} the notebook environment `{request.env_name}` for {email}.",
            "",
            "| | |",
            "|---|---|",
            f"| Request | `{request.id}` |",
            f"| Owner | {email} (Slack {github_plain(request.owner_user_id)}) |",
            f"| Template | `{request.template_id}` ({request.kind}) |",
            f"| Name | {github_plain(request.display_name)} |",
            f"| Idle shutdown | {request.idle_minutes} min |",
            f"| Lifetime | {request.lifetime_days} days |",
            f"| Approved by | {approver} |",
            "",
            "Opened by notebook-bot. `/notebook audit " + request.id + "` in Slack shows its history.",
        ]
    )
    return body if purpose == "create" else body + f"\n\nWhy: {github_plain(request.end_reason or '')}."


def retry_later(d: Deps, request: EnvironmentRequest, state: State, reason: str) -> EnvironmentRequest | None:
    """Counts a failed attempt and schedules the next one (``backoff``); ``failed`` after the policy's
    ``limits.provisioning_attempts``."""
    attempts = request.attempts + 1
    if attempts >= d.policy.limits.provisioning_attempts:
        cause = reason.replace(RETRY_PROMISE, "").strip()  # no promise of a retry once it gave up
        return fail(d, request, state, f"gave up after {attempts} attempt{'s' * (attempts != 1)}: {cause}")
    log.warning("request %s: attempt %d failed (%s); retrying later", request.id, attempts, reason)
    return d.store.apply(
        request.id,
        step_update(
            expected={state},
            # updated_at keeps saying when the request entered this state: timeouts count from there.
            at=request.updated_at,
            attempts=attempts,
            last_error=reason,
            due_at=d.clock() + backoff(attempts),
        ),
    )


def fail(
    d: Deps,
    request: EnvironmentRequest,
    state: State,
    reason: str,
    *,
    for_admins: str = "",
    **changes: Any,
) -> EnvironmentRequest | None:
    """Moves the request from ``state`` to ``failed`` (retriable) and tells the owner and the admins once.

    ``for_admins`` is added to the admins' alert only (a link to the pipeline's run); ``changes`` are written
    with the move."""
    to_failed = step_to(
        State.FAILED,
        expected={state},
        actor=BOT,
        at=d.clock(),
        detail=reason,
        failed_from=state,
        last_error=reason,
        due_at=None,
        **changes,
    )

    def step(current: EnvironmentRequest) -> Change | None:
        change = to_failed(current)
        if change is None:
            return None
        # A new failure needs a new alert: forget the one about an earlier failure.
        fresh = dataclasses.replace(current.slack, alert_ts=None)
        return Change(change.request.with_changes(slack=fresh), change.audit)

    failed = d.store.apply(request.id, step)
    if failed is not None:
        d.notifier.progress(failed)
        d.notifier.alert_admins(failed, failure_key(failed), failure_text(failed, reason) + for_admins)
    return failed


def with_merge_sha(pr: PullRequest, step: Step) -> Step:
    """``step``, also recording on the request's pull request the commit its merge made (where the
    apply reports)."""

    def recorded(current: EnvironmentRequest) -> Change | None:
        change = step(current)
        ref = current.pull_request
        if change is None or ref is None or not pr.merge_sha or ref.branch != pr.branch:
            return change
        return Change(change.request.with_changes(pull_request=replace(ref, merge_sha=pr.merge_sha)), change.audit)

    return recorded


OpenedHook = Callable[[EnvironmentRequest, PullRequest], object]


def after_opening(hook: OpenedHook | None, request: EnvironmentRequest, pr: PullRequest) -> None:
    """Runs the hook set for a pull request just opened or pushed to (the bot's merge looks at its plan);
    the repository failing there changes nothing: reconcile looks at the plan again on its next pass."""
    if hook is None:
        return
    try:
        hook(request, pr)
    except TryAgainLater as e:
        log.warning("request %s: the pull request's plan was not looked at (%s); reconcile will", request.id, e.message)
