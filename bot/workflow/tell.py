"""The jobs that tell people what happened, run after the ack by the worker (``bot/workflow/jobs.py``).

Each job names a request, not a snapshot of it: the worker reads the request as it is when the job runs,
so a message that waited behind a burst says the newest state, and several asks for the same update
fold into one."""

from __future__ import annotations

from typing import Any

from bot.domain.notices import NotApproved
from bot.workflow.ports import Deps

RECEIVED = "received"  # the requester's progress message
CARD = "card"  # the approval card in the admin channel
PROGRESS = "progress"  # the progress message and the card, updated to the current state
REJECTED = "rejected"  # the update, and the requester told why


def register(deps: Deps) -> None:
    """Registers the telling jobs with ``deps.jobs``."""

    def on(kind: str, tell: Any) -> None:
        def handler(request_id: str, _: dict[str, Any]) -> None:
            request = deps.store.get(request_id)
            if request is not None:
                tell(request)

        deps.jobs.on(kind, handler)

    on(RECEIVED, deps.notifier.request_received)
    on(CARD, deps.notifier.approval_needed)
    on(PROGRESS, deps.notifier.progress)

    def rejected(request: Any) -> None:
        deps.notifier.progress(request)
        reason = request.decision_reason or "no reason given"
        deps.notifier.tell_owner(request, "rejected", NotApproved(request.display_name, request.id, reason))

    on(REJECTED, rejected)
