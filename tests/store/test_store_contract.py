"""What the workflow relies on from a store, checked on SQLite and on Firestore (the real emulator) alike."""

from __future__ import annotations

import inspect
import json
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest

from bot.domain.errors import IllegalTransition
from bot.domain.request import AuditRecord, EnvironmentRequest
from bot.domain.states import TRANSITIONS, State
from bot.domain.transitions import Change, Step, move, step_to, step_update
from bot.store.base import AlreadyExists, Store
from tests.store.conftest import Backend
from tests.store.examples import a_full_request, a_request, at, submitted

HERE = Path(__file__).resolve().parent
T = TypeVar("T")


def added(store: Store, request: EnvironmentRequest) -> EnvironmentRequest:
    store.add(request, submitted(request))
    stored = store.get(request.id)
    assert stored is not None
    return stored


def approve(actor: str, seconds: float = 10) -> Step:
    return step_to(State.APPROVED, expected={State.PENDING_APPROVAL}, actor=actor, at=at(seconds), decided_by=actor)


# --- adding and reading -------------------------------------------------------------------------------


def test_a_request_comes_back_with_every_field_as_it_was_stored(store: Store) -> None:
    full, plain = a_full_request(), a_request()
    store.add(full, submitted(full))
    store.add(plain, submitted(plain))

    assert store.get(full.id) == full.with_changes(version=1)
    assert store.get(plain.id) == plain.with_changes(version=1)
    assert store.get("rnothere22") is None


def test_ids_and_keys_that_are_awkward_for_a_database_are_kept_as_given(store: Store) -> None:
    for request_id in ("a/b", "..", "__x__", "100%", "."):
        request = a_request(request_id)
        assert added(store, request) == request.with_changes(version=1)
        assert [a.request_id for a in store.audit_trail(request_id)] == [request_id]
    assert store.claim("delivery/../__1__", at(0)) is True
    assert store.claim("delivery/../__1__", at(1)) is False


def test_adding_a_request_whose_id_is_taken_is_refused_and_changes_nothing(store: Store) -> None:
    first = added(store, a_request("rtaken2345"))
    impostor = a_request("rtaken2345", owner_user_id="U0MALLORY", created_at=at(5))

    with pytest.raises(AlreadyExists):
        store.add(impostor, submitted(impostor))

    assert store.get("rtaken2345") == first
    assert store.audit_trail("rtaken2345") == [submitted(first)]


# --- moving -------------------------------------------------------------------------------------------


def test_an_approval_moves_the_request_bumps_its_version_and_appends_one_audit_record(store: Store) -> None:
    added(store, a_request())

    moved = store.apply("r2b3c4d5e6", approve("U0ADMIN1"))

    assert moved is not None
    assert (moved.state, moved.version, moved.decided_by) == (State.APPROVED, 2, "U0ADMIN1")
    assert store.get("r2b3c4d5e6") == moved
    trail = store.audit_trail("r2b3c4d5e6")
    assert [(a.action, a.actor, a.at) for a in trail] == [
        ("submitted", "U0ALICE", at(0)),
        ("pending_approval->approved", "U0ADMIN1", at(10)),
    ]


def test_a_change_without_a_state_change_bumps_the_version_and_writes_no_audit_record(store: Store) -> None:
    added(store, a_request())

    changed = store.apply(
        "r2b3c4d5e6", step_update(expected={State.PENDING_APPROVAL}, at=at(3), slack=a_full_request().slack)
    )

    assert changed is not None and changed.version == 2 and changed.slack.dm_ts == "1700000000.000100"
    assert store.get("r2b3c4d5e6") == changed
    assert len(store.audit_trail("r2b3c4d5e6")) == 1


def test_a_second_approval_click_finds_the_request_moved_on_and_writes_nothing(store: Store) -> None:
    added(store, a_request())
    first = store.apply("r2b3c4d5e6", approve("U0ADMIN1"))

    assert store.apply("r2b3c4d5e6", approve("U0ADMIN2", seconds=11)) is None

    assert store.get("r2b3c4d5e6") == first
    assert len(store.audit_trail("r2b3c4d5e6")) == 2


def test_a_step_on_a_request_that_does_not_exist_creates_nothing(store: Store) -> None:
    assert store.apply("rmissing22", approve("U0ADMIN1")) is None
    assert store.get("rmissing22") is None
    assert store.audit_trail("rmissing22") == []


@pytest.mark.parametrize("from_state", list(State), ids=lambda s: s.value)
def test_every_move_from_a_state_is_allowed_or_refused_as_the_state_machine_says(
    store: Store, from_state: State
) -> None:
    for to_state in State:
        request_id = f"r{from_state.value}-{to_state.value}"
        before = added(store, a_request(request_id, state=from_state))
        trail_before = store.audit_trail(request_id)

        def go(request: EnvironmentRequest, to: State = to_state) -> Change:
            return move(request, to, actor="U0ADMIN1", at=at(20))

        if to_state in TRANSITIONS[from_state]:
            after = store.apply(request_id, go)
            assert after is not None and (after.state, after.version) == (to_state, 2)
            assert store.get(request_id) == after
            assert store.audit_trail(request_id)[-1].action == f"{from_state.value}->{to_state.value}"
            assert len(store.audit_trail(request_id)) == len(trail_before) + 1
        else:
            with pytest.raises(IllegalTransition):
                store.apply(request_id, go)
            assert store.get(request_id) == before
            assert store.audit_trail(request_id) == trail_before


# --- finding ------------------------------------------------------------------------------------------


@pytest.fixture
def fleet(store: Store) -> Store:
    """Six requests of two owners in several states, added out of order; ``c`` and ``d`` share a time."""
    for request_id, owner, state, created, due in [
        ("rd", "U0BOB", State.READY, 30, 500),
        ("ra", "U0ALICE", State.PENDING_APPROVAL, 10, 300),
        ("rf", "U0ALICE", State.DELETED, 50, None),
        ("rc", "U0ALICE", State.READY, 30, 100),
        ("rb", "U0BOB", State.PENDING_APPROVAL, 20, None),
        ("re", "U0ALICE", State.APPLYING, 40, 200),
    ]:
        request = a_request(
            request_id,
            owner_user_id=owner,
            state=state,
            created_at=at(created),
            due_at=None if due is None else at(due),
        )
        store.add(request, submitted(request))
    return store


def ids(requests: list[EnvironmentRequest]) -> list[str]:
    return [r.id for r in requests]


def test_everything_is_found_oldest_first_with_ties_broken_by_id(fleet: Store) -> None:
    assert ids(fleet.find()) == ["ra", "rb", "rc", "rd", "re", "rf"]


def test_a_person_finds_their_own_requests_oldest_first(fleet: Store) -> None:
    assert ids(fleet.find(owner_user_id="U0ALICE")) == ["ra", "rc", "re", "rf"]
    assert ids(fleet.find(owner_user_id="U0NOBODY")) == []


def test_requests_are_found_by_state(fleet: Store) -> None:
    assert ids(fleet.find(states=[State.READY])) == ["rc", "rd"]
    assert ids(fleet.find(states=[State.READY, State.PENDING_APPROVAL, State.READY])) == [
        "ra",
        "rb",
        "rc",
        "rd",
    ]
    assert ids(fleet.find(states=[])) == []


def test_a_persons_active_requests_are_found_for_the_quota(fleet: Store) -> None:
    active = [State.PENDING_APPROVAL, State.APPROVED, State.PR_OPEN, State.APPLYING, State.READY]
    assert ids(fleet.find(owner_user_id="U0ALICE", states=active)) == ["ra", "rc", "re"]


def test_requests_due_are_found_soonest_due_first_and_those_without_a_due_date_never(fleet: Store) -> None:
    assert ids(fleet.find(due_before=at(300))) == ["rc", "re", "ra"]
    assert ids(fleet.find(due_before=at(1000), states=[State.READY])) == ["rc", "rd"]
    assert ids(fleet.find(due_before=at(250), owner_user_id="U0ALICE")) == ["rc", "re"]
    assert ids(fleet.find(due_before=at(99))) == []


def test_a_limit_keeps_the_first_requests_in_order(fleet: Store) -> None:
    assert ids(fleet.find(limit=2)) == ["ra", "rb"]
    assert ids(fleet.find(states=[State.READY, State.APPLYING], limit=2)) == ["rc", "rd"]
    assert ids(fleet.find(due_before=at(1000), limit=1)) == ["rc"]
    assert ids(fleet.find(owner_user_id="U0ALICE", due_before=at(1000), limit=2)) == ["rc", "re"]


# --- the audit trail ----------------------------------------------------------------------------------


def note(request_id: str, seconds: float, action: str, detail: str = "") -> AuditRecord:
    return AuditRecord(request_id, at(seconds), "U0ALICE", action, "ready", "ready", detail)


def test_the_audit_trail_of_a_request_is_its_own_records_oldest_first(store: Store) -> None:
    for record in [
        note("r1", 30, "stop"),
        note("r2", 5, "start"),
        note("r1", 10, "start"),
        note("r1", 20, "x"),
    ]:
        store.record(record)

    assert store.audit_trail("r1") == [note("r1", 10, "start"), note("r1", 20, "x"), note("r1", 30, "stop")]
    assert store.audit_trail("r3") == []


def test_the_same_event_recorded_twice_is_kept_once_as_first_written(store: Store) -> None:
    store.record(note("r1", 10, "stop", detail="idle"))
    store.record(note("r1", 10, "stop", detail="rewritten"))

    assert [a.detail for a in store.audit_trail("r1")] == ["idle"]


def test_a_move_retried_after_its_audit_record_was_written_still_moves_and_keeps_one_record(
    store: Store,
) -> None:
    added(store, a_request())
    step = approve("U0ADMIN1")
    change = step(a_request())
    assert isinstance(change, Change) and change.audit is not None
    store.record(change.audit)

    moved = store.apply("r2b3c4d5e6", step)

    assert moved is not None and moved.state is State.APPROVED
    assert [a.action for a in store.audit_trail("r2b3c4d5e6")] == ["submitted", "pending_approval->approved"]


def test_a_store_offers_no_way_to_change_or_delete_audit_records(store: Store) -> None:
    offered = {name for name, _ in inspect.getmembers(store, callable) if not name.startswith("_")}
    assert offered == {
        "add",
        "get",
        "apply",
        "find",
        "audit_trail",
        "record",
        "claim",
        "release",
        "claim_until",
        "directory_entries",
        "save_directory_entry",
        "directory_by_handle",
        "take_lease",
        "drop_lease",
        "reserve_slot",
        "add_job",
        "take_jobs",
        "renew_jobs",
        "finish_job",
        "release_jobs",
        "waiting_jobs",
        "ping",
        "close",
    }


def test_the_embedded_database_itself_refuses_to_edit_or_delete_audit_records(tmp_path: Path) -> None:
    from bot.store.sqlite import SqliteStore

    store = SqliteStore(str(tmp_path / "state.db"))
    store.record(note("r1", 10, "stop"))
    store.close()
    db = sqlite3.connect(tmp_path / "state.db")
    try:
        for sql in ("UPDATE audit SET body = '{}'", "DELETE FROM audit"):
            with pytest.raises(sqlite3.DatabaseError, match="append-only"):
                db.execute(sql)
    finally:
        db.close()


# --- once-only keys -----------------------------------------------------------------------------------


def test_a_key_is_claimed_once_until_it_is_released(store: Store) -> None:
    assert store.claim("github-delivery-1", at(0)) is True
    assert store.claim("github-delivery-1", at(1)) is False
    assert store.claim("github-delivery-2", at(1)) is True

    store.release("github-delivery-1")

    assert store.claim("github-delivery-1", at(2)) is True
    store.release("never-claimed")


def test_twenty_deliveries_of_one_webhook_at_once_are_handled_once(store: Store) -> None:
    results = run_together(20, lambda i: store.claim("github-delivery-9", at(i)))
    assert sorted(r is True for r in results) == [False] * 19 + [True]


# --- keys that matter for a while (a signed request inside its replay window) ----------------------


def test_a_key_claimed_for_a_while_is_refused_until_then_and_free_after(store: Store) -> None:
    assert store.claim_until("slack-request:v0=abc", at(0), at(360)) is True
    assert store.claim_until("slack-request:v0=abc", at(1), at(361)) is False
    assert store.claim_until("slack-request:v0=abc", at(359), at(719)) is False
    assert store.claim_until("slack-request:v0=def", at(1), at(361)) is True
    assert store.claim_until("slack-request:v0=abc", at(360), at(720)) is True  # the window is over
    assert store.claim_until("slack-request:v0=abc", at(361), at(721)) is False


def test_a_replayed_request_claimed_by_many_instances_at_once_is_taken_once(backend: Backend) -> None:
    stores = [backend.open() for _ in range(4)]
    results = run_together(20, lambda i: stores[i % 4].claim_until("slack-request:v0=same", at(i), at(300)))
    assert sorted(r is True for r in results) == [False] * 19 + [True]


def test_an_expired_claim_taken_over_by_many_at_once_is_taken_once(store: Store) -> None:
    assert store.claim_until("slack-request:v0=old", at(0), at(10)) is True
    results = run_together(10, lambda i: store.claim_until("slack-request:v0=old", at(20), at(320)))
    assert sorted(r is True for r in results) == [False] * 9 + [True]


# --- concurrency: many instances, one winner ---------------------------------------------------------


def run_together(count: int, work: Callable[[int], T]) -> list[T | None]:
    """Runs ``work(i)`` on ``count`` threads released at the same moment; returns their results."""
    start = threading.Barrier(count)
    results: list[T | None] = [None] * count
    errors: list[BaseException] = []

    def run(i: int) -> None:
        start.wait()
        try:
            results[i] = work(i)
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    return results


def test_twenty_admins_approving_at_once_make_one_approval_that_another_instance_sees(
    backend: Backend,
) -> None:
    store = backend.open()
    added(store, a_request())

    # Each click has its own instant: a second winner would leave a second audit record.
    results = run_together(20, lambda i: store.apply("r2b3c4d5e6", approve(f"U0ADMIN{i}", 10 + i / 1000)))

    winners = [r for r in results if r is not None]
    assert len(winners) == 1
    winner = winners[0]
    assert isinstance(winner, EnvironmentRequest)
    other_instance = backend.open()
    assert other_instance.get("r2b3c4d5e6") == winner
    assert winner.version == 2
    approvals = [a for a in other_instance.audit_trail("r2b3c4d5e6") if a.to_state == "approved"]
    assert [a.actor for a in approvals] == [winner.decided_by]


@pytest.mark.slow
def test_two_processes_approving_the_same_requests_at_once_make_one_approval_each(
    backend: Backend, child_env: dict[str, str]
) -> None:
    store = backend.open()
    request_ids = [f"rproc{n}" for n in range(5)]
    for request_id in request_ids:
        added(store, a_request(request_id))

    processes = [
        subprocess.Popen(
            [sys.executable, str(HERE / "approve_concurrently.py"), str(ordinal), "4", *request_ids],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=child_env,
            text=True,
        )
        for ordinal in (1, 2)
    ]
    for process in processes:
        assert process.stdout is not None and process.stdout.readline().strip() == "ready"
    for process in processes:
        assert process.stdin is not None
        process.stdin.write("go\n")
        process.stdin.flush()
    outputs = [process.communicate(timeout=120)[0] for process in processes]
    assert [process.returncode for process in processes] == [0, 0]

    won = [json.loads(output.strip().splitlines()[-1]) for output in outputs]
    for request_id in request_ids:
        winners = won[0][request_id] + won[1][request_id]
        assert len(winners) == 1, (request_id, winners)
        stored = store.get(request_id)
        assert stored is not None and (stored.state, stored.version) == (State.APPROVED, 2)
        assert stored.decided_by == winners[0]
        assert [a.actor for a in store.audit_trail(request_id) if a.to_state == "approved"] == winners


def test_a_store_that_answers_pings(store: Store) -> None:
    store.ping()
