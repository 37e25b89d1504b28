"""Jobs on the SQLite store (see ``bot.store.jobs``): each call is one ``BEGIN IMMEDIATE`` transaction."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping
from contextlib import AbstractContextManager
from typing import Protocol

from bot.store.jobs import Job, job_from, job_record


class _Transactions(Protocol):
    def _transaction(self) -> AbstractContextManager[sqlite3.Connection]: ...

    def _statement_row(self, sql: str, args: tuple[object, ...]) -> tuple[object, ...] | None: ...


class SqliteJobs:
    """Mixed into :class:`bot.store.sqlite.SqliteStore`."""

    def add_job(self: _Transactions, job: Job, now: float) -> bool:
        """Adds ``job``, due at once: True if it was not there. A job already waiting keeps its place (with
        the newest arguments); one being worked on is marked to run once more when it ends."""
        # One statement (the server writes it before its ack): asks counts the asks since the job was added.
        row = self._statement_row(
            "INSERT INTO jobs (key, lane, not_before, body) VALUES (?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET "
            "again = again OR (holder <> '' AND not_before > ?), body = excluded.body, asks = asks + 1 "
            "RETURNING asks",
            (job.key, job.lane, now, json.dumps(job_record(job)), now),
        )
        return row is not None and int(str(row[0])) == 1

    def take_jobs(self: _Transactions, holder: str, room: Mapping[str, int], now: float, lease: float) -> list[Job]:
        """Takes up to ``room[lane]`` due jobs of each lane for ``holder``, until ``now + lease``; oldest first.
        Due: waiting, or taken by a holder whose lease ran out."""
        taken: list[Job] = []
        with self._transaction() as db:
            for lane, count in room.items():
                if count <= 0:
                    continue
                rows = db.execute(
                    "SELECT key, attempts, body FROM jobs WHERE lane=? AND not_before<=? ORDER BY not_before LIMIT ?",
                    (lane, now, count),
                ).fetchall()
                for key, attempts, body in rows:
                    db.execute(
                        "UPDATE jobs SET holder=?, not_before=?, attempts=? WHERE key=?",
                        (holder, now + lease, int(attempts) + 1, key),
                    )
                    taken.append(job_from({**json.loads(body), "attempts": int(attempts) + 1}))
        return taken

    def renew_jobs(self: _Transactions, holder: str, keys: Iterable[str], until: float) -> None:
        """Extends ``holder``'s lease on the jobs it is still working on."""
        with self._transaction() as db:
            db.executemany(
                "UPDATE jobs SET not_before=? WHERE key=? AND holder=?", [(until, key, holder) for key in keys]
            )

    def finish_job(self: _Transactions, key: str, holder: str, now: float) -> bool:
        """Ends ``holder``'s work on the job: removes it, or, if it was asked for again meanwhile, makes it
        due again (True). A job whose lease ``holder`` lost is left to its new holder."""
        with self._transaction() as db:
            row = db.execute("SELECT again FROM jobs WHERE key=? AND holder=?", (key, holder)).fetchone()
            if row is None:
                return False
            if row[0]:
                db.execute("UPDATE jobs SET holder='', again=0, attempts=0, not_before=? WHERE key=?", (now, key))
                return True
            db.execute("DELETE FROM jobs WHERE key=?", (key,))
            return False

    def release_jobs(self: _Transactions, holder_prefix: str, now: float) -> int:
        """Makes due at once the jobs held by holders whose name starts with ``holder_prefix`` (a worker
        that died and was restarted gives back what its predecessor held). Returns how many."""
        with self._transaction() as db:
            cur = db.execute(
                "UPDATE jobs SET holder='', not_before=? WHERE holder<>'' AND substr(holder, 1, ?)=?",
                (now, len(holder_prefix), holder_prefix),
            )
            return int(cur.rowcount)

    def waiting_jobs(self: _Transactions) -> int:
        """How many jobs are in the store, waiting or being worked on."""
        with self._transaction() as db:
            return int(db.execute("SELECT COUNT(*) FROM jobs").fetchone()[0])
