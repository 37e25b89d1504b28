"""Moving a request between states: pure functions that return the new request and its audit record."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.domain.errors import IllegalTransition
from bot.domain.request import AuditRecord, EnvironmentRequest
from bot.domain.states import State, can_move


@dataclass(frozen=True)
class Change:
    """What a store writes atomically: the request's new form and, usually, one audit record."""

    request: EnvironmentRequest
    audit: AuditRecord | None


# A step reads the current request inside the store's transaction and says what to write, or None for
# "nothing to do" (the request is no longer where this step expected it: somebody else got there first).
Step = Callable[[EnvironmentRequest], Change | None]


def move(
    request: EnvironmentRequest, to: State, *, actor: str, at: datetime, detail: str = "", **changes: Any
) -> Change:
    """The request in state ``to``, with the audit record of the move. Refuses moves the machine forbids."""
    if not can_move(request.state, to):
        raise IllegalTransition(request.state, to)
    new = request.with_changes(state=to, updated_at=at, **changes)
    audit = AuditRecord(
        request_id=request.id,
        at=at,
        actor=actor,
        action=f"{request.state.value}->{to.value}",
        from_state=request.state.value,
        to_state=to.value,
        detail=detail,
    )
    return Change(new, audit)


def step_to(
    to: State, *, expected: Iterable[State], actor: str, at: datetime, detail: str = "", **changes: Any
) -> Step:
    """A compare-and-set step: move to ``to`` only if the request is still in one of ``expected``."""
    allowed = frozenset(expected)

    def step(request: EnvironmentRequest) -> Change | None:
        if request.state not in allowed:
            return None
        return move(request, to, actor=actor, at=at, detail=detail, **changes)

    return step


def step_update(*, expected: Iterable[State], at: datetime, **changes: Any) -> Step:
    """A step that changes fields but not the state (for example, where a message was posted)."""
    allowed = frozenset(expected)

    def step(request: EnvironmentRequest) -> Change | None:
        if request.state not in allowed:
            return None
        return Change(request.with_changes(updated_at=at, **changes), None)

    return step


def note(request: EnvironmentRequest, *, actor: str, at: datetime, action: str, detail: str = "") -> AuditRecord:
    """An audit record for something done to an environment that is not a move (start, stop, extend)."""
    state = request.state.value
    return AuditRecord(request.id, at, actor, action, state, state, detail)
