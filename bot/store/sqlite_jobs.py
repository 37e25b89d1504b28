"""Jobs on the SQLite store (see ``bot.store.jobs``): each call is one ``BEGIN IMMEDIATE`` transaction."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping
from contextlib import AbstractContextManager
from typing import Protocol

from bot.store.group_writes import GroupWrites, Write
from bot.store.jobs import Job, job_from, job_record


class _Transactions(Protocol):
    def _transaction(self) -> AbstractContextManager[sqlite3.Connection]: ...

    @property
    def _group(self) -> GroupWrites: ...


class SqliteJobs:
    """Mixed into :class:`bot.store.sqlite.SqliteStore`."""

    def add_job(self: _Transactions, job: Job, now: float) -> bool:
        """Adds ``job``, due at once: True if it was not there. A job already waiting keeps its place (with
        the newest arguments); one being worked on is marked to run once more when it ends."""
        # The server writes it before its ack: together with the other writes of that moment (group_writes).
        return self._group.ask("job", job.key, job.lane, now, json.dumps(job_record(job)))

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


def write_jobs(db: sqlite3.Connection, group: list[Write]) -> None:
    """Adds a group of jobs (values: key, lane, now, body) in two statements: True for each that was not
    there before (the first of the group asking for a key). Asked again, a job keeps its place and takes the
    newest body; one being worked on is marked to run once more (``again``)."""
    keys = list(dict.fromkeys(str(write.values[0]) for write in group))
    (there_json,) = db.execute(
        f"SELECT json_group_array(key) FROM jobs WHERE key IN ({','.join('?' * len(keys))})",  # noqa: S608 - placeholders only
        keys,
    ).fetchone()
    there = set(json.loads(there_json))
    # Rows of one statement are upserted in order: a key twice in the group is asked for twice.
    db.execute(
        f"INSERT INTO jobs (key, lane, not_before, body) VALUES {','.join(['(?, ?, ?, ?)'] * len(group))} "  # noqa: S608 - placeholders only
        "ON CONFLICT (key) DO UPDATE SET again = again OR (holder <> '' AND not_before > excluded.not_before), "
        "body = excluded.body",
        tuple(value for write in group for value in write.values),
    )
    for write in group:
        key = str(write.values[0])
        write.result = key not in there
        there.add(key)
