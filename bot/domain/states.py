"""The states of an environment request and the moves allowed between them (docs/architecture.md, "The states")."""

from __future__ import annotations

from enum import StrEnum


class State(StrEnum):
    PENDING_APPROVAL = "pending_approval"
    APPROVED = "approved"
    PR_OPEN = "pr_open"
    APPLYING = "applying"
    READY = "ready"
    DELETING = "deleting"
    DELETED = "deleted"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    FAILED = "failed"
    EXPIRED = "expired"

    @property
    def label(self) -> str:
        """The word a person reads for this state."""
        return _LABELS[self]


_LABELS = {
    State.PENDING_APPROVAL: "waiting for approval",
    State.APPROVED: "approved",
    State.PR_OPEN: "pull request open",
    State.APPLYING: "being created",
    State.READY: "ready",
    State.DELETING: "being deleted",
    State.DELETED: "deleted",
    State.REJECTED: "rejected",
    State.CANCELLED: "cancelled",
    State.FAILED: "failed",
    State.EXPIRED: "expired",
}

# `failed` is retriable: it goes back to the step that failed. `deleting -> ready` happens when a
# removal pull request is closed without merging (the environment is still there); `deleting -> applying`
# when that environment was deleted before it was ever ready (the bot goes back to waiting for it).
# `expired` is where an approval request ends when nobody decided in time; an environment whose lifetime
# ended is `deleted`, with ``EndReason.LIFETIME`` (bot/domain/request.py) as its end reason.
TRANSITIONS: dict[State, frozenset[State]] = {
    State.PENDING_APPROVAL: frozenset({State.APPROVED, State.REJECTED, State.CANCELLED, State.EXPIRED}),
    State.APPROVED: frozenset({State.PR_OPEN, State.FAILED, State.CANCELLED}),
    State.PR_OPEN: frozenset({State.APPLYING, State.CANCELLED, State.FAILED}),
    State.APPLYING: frozenset({State.READY, State.FAILED, State.DELETING}),
    State.READY: frozenset({State.DELETING}),
    State.DELETING: frozenset({State.DELETED, State.READY, State.APPLYING, State.FAILED}),
    State.FAILED: frozenset(
        {State.APPROVED, State.PR_OPEN, State.APPLYING, State.DELETING, State.CANCELLED, State.DELETED}
    ),
    State.DELETED: frozenset(),
    State.REJECTED: frozenset(),
    State.CANCELLED: frozenset(),
    State.EXPIRED: frozenset(),
}

FINAL = frozenset(s for s, nxt in TRANSITIONS.items() if not nxt)
# States in which an environment exists or is on its way to existing: they count against quotas. (Not
# ``ACTIVE``: that is what Google says of a running instance, ``bot.cloud.base.ACTIVE``.)
IN_USE = frozenset({State.PENDING_APPROVAL, State.APPROVED, State.PR_OPEN, State.APPLYING, State.READY})
# The progress a user sees in their DM, in order.
PROGRESS = (State.PENDING_APPROVAL, State.APPROVED, State.PR_OPEN, State.APPLYING, State.READY)


def can_move(from_state: State, to_state: State) -> bool:
    """Whether the state machine allows going from one state to the other."""
    return to_state in TRANSITIONS[from_state]
