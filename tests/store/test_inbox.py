"""The SQLite store's inbox: what the server writes before it acks (replay claims, jobs) lives in a file of its
own beside the state file, so that a burst's acks never wait for the worker's transactions on the requests.
A state file written by an earlier version, with those tables in it, has their rows moved once."""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.store.jobs import Job, job_key
from bot.store.sqlite import SqliteStore, inbox_path

NOW = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


def test_the_inbox_is_a_file_beside_the_state_file(tmp_path: Path) -> None:
    assert inbox_path(str(tmp_path / "state.db")) == str(tmp_path / "state-inbox.db")
    store = SqliteStore(str(tmp_path / "state.db"))
    assert store.add_job(Job(job_key("provision", "r1"), "provision", "r1", "repo", {}), 1.0)
    assert store.claim_until("slack-request:v0=abc", NOW, NOW + timedelta(minutes=6))
    inbox = sqlite3.connect(tmp_path / "state-inbox.db")
    assert inbox.execute("SELECT key FROM jobs").fetchall() == [("provision:r1",)]
    assert inbox.execute("SELECT key FROM expiring_claims").fetchall() == [("slack-request:v0=abc",)]
    state_tables = {row[0] for row in sqlite3.connect(tmp_path / "state.db").execute("SELECT name FROM sqlite_master")}
    assert "requests" in state_tables and not {"jobs", "expiring_claims"} & state_tables


def test_an_ack_does_not_wait_for_a_transaction_on_the_requests(tmp_path: Path) -> None:
    """Another process (the worker) holds the state file's write lock: the server still claims and enqueues."""
    path = tmp_path / "state.db"
    store = SqliteStore(str(path))
    worker = sqlite3.connect(path, isolation_level=None)
    worker.execute("BEGIN IMMEDIATE")  # held, as a slow transaction of the worker's would
    try:
        done = threading.Event()

        def ack() -> None:
            store.claim_until("slack-request:v0=1", NOW, NOW + timedelta(minutes=6))
            store.add_job(Job(job_key("slack-lazy", "x"), "slack-lazy", "x", "listeners", {}), time.time())
            done.set()

        threading.Thread(target=ack, daemon=True).start()
        assert done.wait(5)
    finally:
        worker.execute("ROLLBACK")


def test_claims_and_jobs_of_an_earlier_version_move_to_the_inbox_once(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    old = sqlite3.connect(path)
    old.executescript(
        """
        CREATE TABLE expiring_claims (key TEXT PRIMARY KEY, until TEXT NOT NULL);
        CREATE TABLE jobs (key TEXT PRIMARY KEY, lane TEXT NOT NULL, not_before REAL NOT NULL,
            holder TEXT NOT NULL DEFAULT '', attempts INTEGER NOT NULL DEFAULT 0,
            again INTEGER NOT NULL DEFAULT 0, asks INTEGER NOT NULL DEFAULT 1, body TEXT NOT NULL);
        """
    )
    body = '{"key": "provision:r7", "kind": "provision", "request_id": "r7", "lane": "repo", "args": {"retry": true}}'
    old.execute("INSERT INTO jobs (key, lane, not_before, body) VALUES ('provision:r7', 'repo', 5.0, ?)", (body,))
    until = (NOW + timedelta(minutes=6)).isoformat()
    old.execute("INSERT INTO expiring_claims VALUES ('slack-request:v0=old', ?)", (until,))
    old.commit()
    old.close()

    store = SqliteStore(str(path))
    [job] = store.take_jobs("w1", {"repo": 5}, 10.0, 30.0)
    assert (job.key, job.request_id, job.args) == ("provision:r7", "r7", {"retry": True})
    assert not store.claim_until("slack-request:v0=old", NOW, NOW + timedelta(minutes=6))  # still a replay
    again = SqliteStore(str(path))  # a second start finds nothing left to move
    assert again.waiting_jobs() == 1
