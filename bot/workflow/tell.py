"""The jobs that tell people what happened, run after the ack by the worker (``bot/workflow/jobs.py``).

Each job names a request, not a snapshot of it: the worker reads the request as it is when the job runs,
so a message that waited behind a burst says the newest state, and several asks for the same update
fold into one. Updates in place (``progress``) have a lane of their own: each may wait for its turn under
Slack's ``chat.update`` budget (about 50 a minute in the admin channel), and neither the pull requests nor
the new messages people wait for (the URL) wait behind them.
"""

from __future__ import annotations

from typing import Any

from bot.domain.notices import NotApproved, Notice
from bot.domain.request import EnvironmentRequest
from bot.workflow.ports import Deps, Jobs, Notifier

RECEIVED = "received"  # the requester's progress message
CARD = "card"  # the approval card in the admin channel
PROGRESS = "progress"  # the progress message and the card, updated to the current state
REJECTED = "rejected"  # the update, and the requester told why
UPDATES_LANE = "updates"


class TellingLater:
    """The workflow's notifier: updates in place become ``progress`` jobs (a step of the workflow never
    waits for Slack's update budget); every other message goes out at once, as before."""

    def __init__(self, notifier: Notifier, jobs: Jobs) -> None:
        self.now = notifier
        self.jobs = jobs

    def request_received(self, request: EnvironmentRequest) -> None:
        self.now.request_received(request)

    def approval_needed(self, request: EnvironmentRequest) -> None:
        self.now.approval_needed(request)

    def progress(self, request: EnvironmentRequest) -> None:
        self.jobs.enqueue(PROGRESS, request.id, lane=UPDATES_LANE)

    def ready(self, request: EnvironmentRequest) -> None:
        self.now.ready(request)

    def tell_owner(self, request: EnvironmentRequest, key: str, notice: Notice) -> None:
        self.now.tell_owner(request, key, notice)

    def alert_admins(self, request: EnvironmentRequest, key: str, notice: Notice) -> None:
        self.now.alert_admins(request, key, notice)

    def resend_missing(self, request: EnvironmentRequest) -> int:
        return self.now.resend_missing(request)


def register(deps: Deps, notifier: Notifier) -> None:
    """Registers the telling jobs with ``deps.jobs``; ``notifier`` is the one that sends at once."""

    def on(kind: str, tell: Any) -> None:
        def handler(request_id: str, _: dict[str, Any]) -> None:
            request = deps.store.get(request_id)
            if request is not None:
                tell(request)

        deps.jobs.on(kind, handler)

    on(RECEIVED, notifier.request_received)
    on(CARD, notifier.approval_needed)
    on(PROGRESS, notifier.progress)

    def rejected(request: Any) -> None:
        notifier.progress(request)
        reason = request.decision_reason or "no reason given"
        notifier.tell_owner(request, "rejected", NotApproved(request.display_name, request.id, reason))

    on(REJECTED, rejected)
