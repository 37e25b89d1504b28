"""The state machine of docs/architecture.md: every legal move works and is audited, every other move is refused."""

from __future__ import annotations

from itertools import pairwise, product

import pytest

from bot.domain.errors import IllegalTransition
from bot.domain.request import EnvironmentRequest
from bot.domain.states import FINAL, TRANSITIONS, State
from bot.domain.transitions import move, step_to
from tests.store.examples import T0, a_request

LEGAL = {(a, b) for a, nexts in TRANSITIONS.items() for b in nexts}


def request_in(state: State) -> EnvironmentRequest:
    return a_request(state=state)


def test_the_happy_path_is_a_chain_of_legal_moves() -> None:
    chain = [
        State.PENDING_APPROVAL,
        State.APPROVED,
        State.PR_OPEN,
        State.APPLYING,
        State.READY,
        State.DELETING,
        State.DELETED,
    ]
    assert all((a, b) in LEGAL for a, b in pairwise(chain))
    assert {State.DELETED, State.REJECTED, State.CANCELLED, State.EXPIRED} == FINAL


@pytest.mark.parametrize(("start", "end"), sorted(LEGAL))
def test_every_legal_move_changes_state_and_writes_one_audit_record(start: State, end: State) -> None:
    change = move(request_in(start), end, actor="U9", at=T0, detail="why")
    assert change.request.state == end
    assert change.audit is not None
    assert (change.audit.from_state, change.audit.to_state, change.audit.actor) == (
        start.value,
        end.value,
        "U9",
    )


@pytest.mark.parametrize(("start", "end"), sorted(set(product(State, State)) - LEGAL))
def test_every_other_move_is_refused(start: State, end: State) -> None:
    with pytest.raises(IllegalTransition):
        move(request_in(start), end, actor="U9", at=T0)


def test_a_compare_and_set_step_declines_when_someone_got_there_first() -> None:
    step = step_to(State.APPROVED, expected={State.PENDING_APPROVAL}, actor="U9", at=T0)
    assert step(request_in(State.PENDING_APPROVAL)) is not None
    assert step(request_in(State.APPROVED)) is None
    assert step(request_in(State.REJECTED)) is None


def test_a_request_survives_its_record_form() -> None:
    original = request_in(State.READY).with_changes(url="https://x", expires_at=T0, options={"zone": "z"})
    assert EnvironmentRequest.from_record(original.to_record()) == original
