"""The job queue on a real SQLite store: what the worker side does with jobs (the store's own contract is
tests/store/test_jobs.py; a worker process killed mid-job is tests/store/test_worker_crash.py)."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from bot.store.jobs import Job, job_key
from bot.store.sqlite import SqliteStore
from bot.workflow.jobs import MAX_ATTEMPTS, JobQueue


@pytest.fixture
def store(tmp_path: Path) -> SqliteStore:
    return SqliteStore(str(tmp_path / "state.db"))


def test_a_job_runs_once_with_its_arguments_and_leaves_the_store_empty(store: SqliteStore) -> None:
    ran: list[tuple[str, dict[str, Any]]] = []
    queue = JobQueue(store, instance="i1")
    queue.on("provision", lambda rid, args: ran.append((rid, args)))
    assert queue.enqueue("provision", "r1", lane="repo", retry=True)
    assert queue.wait_idle(10)
    assert ran == [("r1", {"retry": True, "attempt": 1})]
    assert store.waiting_jobs() == 0
    queue.shutdown()


def test_a_job_asked_for_while_it_runs_runs_once_more_and_sees_the_newest_state(store: SqliteStore) -> None:
    state = {"value": "approved"}
    seen: list[str] = []
    inside, go_on = threading.Event(), threading.Event()

    def tell(_: str, __: dict[str, Any]) -> None:
        seen.append(state["value"])
        if len(seen) == 1:
            inside.set()
            assert go_on.wait(10)

    queue = JobQueue(store, instance="i1")
    queue.on("progress", tell)
    queue.enqueue("progress", "r1")
    assert inside.wait(10)
    state["value"] = "pr_open"
    assert not queue.enqueue("progress", "r1")  # folded into the running one: it runs once more after
    assert not queue.enqueue("progress", "r1")
    go_on.set()
    assert queue.wait_idle(10)
    assert seen == ["approved", "pr_open"]
    queue.shutdown()


def test_a_failing_job_is_logged_and_dropped_for_reconcile_and_others_go_on(
    store: SqliteStore, caplog: pytest.LogCaptureFixture
) -> None:
    ran: list[str] = []

    def boom(_: str, __: dict[str, Any]) -> None:
        raise RuntimeError("GitHub said no")

    queue = JobQueue(store, instance="i1")
    queue.on("provision", boom)
    queue.on("progress", lambda rid, _: ran.append(rid))
    with caplog.at_level(logging.ERROR, logger="bot.workflow.jobs"):
        queue.enqueue("provision", "r1", lane="repo")
        queue.enqueue("progress", "r2")
        assert queue.wait_idle(10)
    assert ran == ["r2"]
    assert "job provision:r1 failed; reconcile will pick the request up" in caplog.text
    assert store.waiting_jobs() == 0


def test_a_job_that_kept_killing_its_workers_is_dropped_not_run_again(
    store: SqliteStore, caplog: pytest.LogCaptureFixture
) -> None:
    store.add_job(Job(job_key("provision", "r1"), "provision", "r1", "repo"), 0.0)
    for attempt in range(MAX_ATTEMPTS):  # every worker that took it died (its lease ran out)
        assert store.take_jobs(f"dead{attempt}", {"repo": 1}, 100.0 * attempt, 30.0)
    ran: list[str] = []
    queue = JobQueue(store, instance="i1", poll=0.05, clock=lambda: 10_000.0)
    queue.on("provision", lambda rid, _: ran.append(rid))
    with caplog.at_level(logging.ERROR, logger="bot.workflow.jobs"):
        queue.start()
        deadline = time.monotonic() + 10
        while store.waiting_jobs() and time.monotonic() < deadline:
            time.sleep(0.02)
    queue.shutdown()
    assert store.waiting_jobs() == 0 and ran == []
    assert f"taken {MAX_ATTEMPTS + 1} times without finishing" in caplog.text


def test_a_restarted_worker_takes_back_its_predecessors_jobs_at_once(store: SqliteStore) -> None:
    store.add_job(Job(job_key("remove", "r1"), "remove", "r1", "repo"), time.time())
    assert store.take_jobs("serve-a:old-worker", {"repo": 1}, time.time(), 3600.0)  # then it died
    ran = threading.Event()
    queue = JobQueue(store, instance="serve-a", poll=None)  # only what it is woken for, or takes back
    queue.on("remove", lambda rid, args: ran.set() if args["attempt"] == 2 else None)
    queue.start(release_predecessors=True)
    assert ran.wait(10)  # long before the hour-long lease would have run out
    queue.shutdown()


def test_a_slow_repository_job_does_not_hold_up_messages(store: SqliteStore) -> None:
    release = threading.Event()
    told = threading.Event()
    queue = JobQueue(store, instance="i1", lanes={"default": 2, "repo": 1})
    queue.on("provision", lambda rid, _: release.wait(10))
    queue.on("progress", lambda rid, _: told.set())
    queue.enqueue("provision", "r1", lane="repo")
    queue.enqueue("provision", "r2", lane="repo")  # waits: the repo lane is full
    queue.enqueue("progress", "r3")
    assert told.wait(10)  # the message went out while the repository work waited
    release.set()
    assert queue.wait_idle(10)
    queue.shutdown()


def test_a_server_side_queue_only_writes_the_job_and_wakes_the_worker(store: SqliteStore) -> None:
    woken: list[int] = []
    queue = JobQueue(store, instance="serve-a", run_here=False, wake=lambda: woken.append(1))
    queue.on("progress", lambda rid, _: pytest.fail("a server must not run jobs"))
    queue.enqueue("progress", "r1")
    assert woken == [1] and store.waiting_jobs() == 1
    assert [j.key for j in store.take_jobs("worker", {"default": 5}, time.time(), 30.0)] == ["progress:r1"]
