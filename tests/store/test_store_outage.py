"""When Firestore stops answering, every call says so within seconds, nothing is half-written, and the
same step goes through once it is back."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot.domain.request import EnvironmentRequest
from bot.domain.states import State
from bot.domain.transitions import Change, step_to
from bot.store.base import StoreUnavailable
from tests.store.examples import a_request, at, submitted
from tests.support.firestore import FirestoreEmulator, unique_project

pytestmark = [pytest.mark.firestore, pytest.mark.slow]


def unavailable(call: Callable[[], object]) -> None:
    """The call says the store is unavailable. (That it gives up instead of hanging is the store's retry
    budget; a hang fails the test loudly through its timeout, not through a timed assertion.)"""
    with pytest.raises(StoreUnavailable):
        call()


@pytest.mark.timeout(240)
def test_a_database_outage_fails_calls_quickly_writes_nothing_and_the_step_succeeds_after_restart(
    restartable_firestore_emulator: FirestoreEmulator, tmp_path: Path
) -> None:
    emulator = restartable_firestore_emulator
    project = unique_project()
    store = emulator.store(project)  # the production retry budget
    request = a_request("routage234")
    store.add(request, submitted(request))
    approve = step_to(State.APPROVED, expected={State.PENDING_APPROVAL}, actor="U0ADMIN1", at=at(10))
    # The emulator keeps data in memory: a snapshot taken as it goes down plays the durable database.
    snapshot: list[Path] = []

    def approve_as_the_database_goes_away(current: EnvironmentRequest) -> Change | None:
        if not snapshot:
            snapshot.append(emulator.export(project, tmp_path / "export"))
            emulator.stop()
        return approve(current)

    # The outage strikes between the read and the write of the approval.
    unavailable(lambda: store.apply(request.id, approve_as_the_database_goes_away))
    unavailable(lambda: store.apply(request.id, approve))
    unavailable(lambda: store.get(request.id))
    second = a_request("routage567")
    unavailable(lambda: store.add(second, submitted(second)))

    emulator.start(import_data=snapshot[0])

    # Nothing of the failed approval was written: not the state, not the audit record.
    assert store.get(request.id) == request.with_changes(version=1)
    assert store.audit_trail(request.id) == [submitted(request)]
    approved = store.apply(request.id, approve)
    assert approved is not None and (approved.state, approved.version) == (State.APPROVED, 2)
    assert [a.action for a in store.audit_trail(request.id)] == ["submitted", "pending_approval->approved"]
    store.add(second, submitted(second))
    assert store.get(second.id) == second.with_changes(version=1)
    store.close()
