"""What every flow that goes through a pull request shares: branch names, pull request bodies, retrying
later with backoff, and failing (with the admins told). Creation and removal both build on this module;
it imports neither of them."""

from __future__ import annotations

import dataclasses
import logging
from datetime import timedelta

from bot.config.policy import Policy
from bot.domain.request import EnvironmentRequest
from bot.domain.states import State
from bot.domain.transitions import Change, step_to, step_update
from bot.infra.base import RETRY_PROMISE
from bot.workflow.ports import Deps, failure_key, failure_text

log = logging.getLogger(__name__)
BOT = "notebook-bot"


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8... minutes between retries, at most an hour."""
    return timedelta(minutes=min(60, 2 ** max(0, attempts - 1)))


def branch_for(policy: Policy, request: EnvironmentRequest, purpose: str = "create") -> str:
    """The request's branch: ``<prefix><id>`` to create it, ``<prefix><id>-remove`` to remove it."""
    suffix = "" if purpose == "create" else f"-{purpose}"
    return f"{policy.repo.branch_prefix}{request.id}{suffix}"


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


def pull_request_body(request: EnvironmentRequest, purpose: str) -> str:
    """The table a reviewer reads on the pull request."""
    verb = "Creates" if purpose == "create" else "Removes"
    approver = request.decided_by or "-"
    return "\n".join(
        [
            f"{verb} the notebook environment `{request.env_name}` for {request.owner_email}.",
            "",
            "| | |",
            "|---|---|",
            f"| Request | `{request.id}` |",
            f"| Owner | {request.owner_email} (Slack <@{request.owner_user_id}>) |",
            f"| Template | `{request.template_id}` ({request.kind}) |",
            f"| Name | `{request.display_name}` |",
            f"| Idle shutdown | {request.idle_minutes} min |",
            f"| Lifetime | {request.lifetime_days} days |",
            f"| Approved by | {approver} |",
            "",
            "Opened by notebook-bot. `/notebook audit " + request.id + "` in Slack shows its history.",
        ]
    )


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


def fail(d: Deps, request: EnvironmentRequest, state: State, reason: str) -> EnvironmentRequest | None:
    """Moves the request from ``state`` to ``failed`` (retriable) and tells the owner and the admins once."""
    to_failed = step_to(
        State.FAILED,
        expected={state},
        actor=BOT,
        at=d.clock(),
        detail=reason,
        failed_from=state,
        last_error=reason,
        due_at=None,
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
        d.notifier.alert_admins(failed, failure_key(failed), failure_text(failed, reason))
    return failed
