"""Replay claims and jobs asked for at the same moment are written together and still taken once each: many
threads, some claiming the same key or asking for the same job, on a real SQLite file (the Firestore store
writes one by one)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.store.group_writes import GroupWrites, Write
from bot.store.jobs import Job, job_key
from bot.store.sqlite import SqliteStore

NOW = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


def test_claims_asked_at_once_are_each_taken_once(tmp_path: Path) -> None:
    store = SqliteStore(str(tmp_path / "state.db"))
    keys = [f"slack-request:{i % 40}" for i in range(120)]  # each key asked for three times
    results: list[bool] = [False] * len(keys)
    start = threading.Barrier(len(keys))

    def claim(i: int) -> None:
        start.wait()
        results[i] = store.claim_until(keys[i], NOW, NOW + timedelta(minutes=5))

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(len(keys))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    won = sorted(keys[i] for i, first in enumerate(results) if first)
    assert won == sorted(set(keys))  # one winner per key, none lost
    assert not store.claim_until("slack-request:7", NOW + timedelta(minutes=1), NOW + timedelta(minutes=6))
    assert store.claim_until("slack-request:7", NOW + timedelta(minutes=5), NOW + timedelta(minutes=10))  # past


def test_a_group_that_cannot_be_written_fails_each_of_its_writes() -> None:
    entered, go_on = threading.Event(), threading.Event()
    calls: list[int] = []

    def write(group: list[Write]) -> None:
        calls.append(len(group))
        if len(calls) == 1:  # the first writer holds on while the others queue behind it
            entered.set()
            assert go_on.wait(10)
            for one in group:
                one.result = True
            return
        raise OSError("disk I/O error")

    claims = GroupWrites(write)
    errors: list[BaseException] = []
    first = threading.Thread(target=lambda: claims.ask("claim", "a", "u", "t"))
    first.start()
    assert entered.wait(10)

    def later(key: str) -> None:
        try:
            claims.ask("claim", key, "u", "t")
        except OSError as e:
            errors.append(e)

    queued = [threading.Thread(target=later, args=(k,)) for k in ("b", "c", "d")]
    for t in queued:
        t.start()
    while len(claims._queue) < 3:  # all three wait behind the first writer
        threading.Event().wait(0.01)
    go_on.set()
    first.join(10)
    for t in queued:
        t.join(10)
    assert calls == [1, 3]  # the three that waited were written together
    assert len(errors) == 3


@pytest.mark.parametrize("n", [1, 250])
def test_a_group_larger_than_one_transaction_takes_is_split(tmp_path: Path, n: int) -> None:
    store = SqliteStore(str(tmp_path / "state.db"))
    assert all(store.claim_until(f"k{i}", NOW, NOW + timedelta(minutes=5)) for i in range(n))


def test_claims_and_jobs_asked_at_once_are_written_together_each_once(tmp_path: Path) -> None:
    """A burst's acks: each claims its request and asks for a job; some jobs are asked for by several acks
    (the same request's card), and a job already being worked on is to run once more."""
    store = SqliteStore(str(tmp_path / "state.db"))
    running = Job(job_key("progress", "r-running"), "progress", "r-running", "updates", {})
    assert store.add_job(running, 1.0)
    [taken] = store.take_jobs("w1", {"updates": 1}, 2.0, 30.0)
    groups: list[list[str]] = []
    write_group = store._write_group

    def counted(group: list[Write]) -> None:
        groups.append([one.kind for one in group])
        write_group(group)

    store._group = GroupWrites(counted)
    n = 60
    claimed: list[bool] = [False] * n
    added: list[bool] = [False] * n
    start = threading.Barrier(n)

    def ack(i: int) -> None:
        start.wait()
        claimed[i] = store.claim_until(f"slack-request:{i}", NOW, NOW + timedelta(minutes=5))
        request_id = "r-running" if i == 0 else f"r{i % 20}"  # r0..r19, each asked for about three times
        added[i] = store.add_job(Job(job_key("progress", request_id), "progress", request_id, "updates", {"i": i}), 3.0)

    threads = [threading.Thread(target=ack, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert all(claimed)
    assert sum(added) == 20  # r0..r19 once each; r-running was there already
    assert sum(len(group) for group in groups) == 2 * n
    assert len(groups) < 2 * n  # some writes waited and went together
    assert any({"claim", "job"} <= set(group) for group in groups)  # claims and jobs in one transaction
    assert store.waiting_jobs() == 21
    assert store.finish_job(taken.key, "w1", 4.0)  # asked for while it ran: due again
    due = store.take_jobs("w2", {"updates": 50}, 5.0, 30.0)
    assert sorted(job.request_id for job in due) == sorted(["r-running", *(f"r{i}" for i in range(20))])
    assert {job.args["i"] % 20 for job in due if job.request_id != "r-running"} == set(range(20))  # its own body
