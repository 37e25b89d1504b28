"""Jobs on the SQLite store (see ``bot.store.jobs``), in its inbox file: each call is one ``BEGIN IMMEDIATE``
transaction there."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractContextManager
from typing import Protocol

from bot.domain.request import iso
from bot.store.base import Claim
from bot.store.group_writes import GroupWrites, Write
from bot.store.jobs import Job, job_from, job_record

InboxWrite = Callable[[str, tuple[object, ...]], list[tuple[object, ...]]]


class _Transactions(Protocol):
    def _inbox_transaction(self) -> AbstractContextManager[sqlite3.Connection]: ...

    def _inbox_write(self, sql: str, args: tuple[object, ...]) -> list[tuple[object, ...]]: ...

    def _inbox_read(self, sql: str, args: tuple[object, ...]) -> list[tuple[object, ...]]: ...

    @property
    def _group(self) -> GroupWrites: ...


class SqliteJobs:
    """Mixed into :class:`bot.store.sqlite.SqliteStore`."""

    def add_job(self: _Transactions, job: Job, now: float, claim: Claim | None = None) -> bool:
        """Adds ``job``, due at once: True if it was not there. A job already waiting keeps its place (with
        the newest arguments); one being worked on is marked to run once more when it ends."""
        # The server writes it before its ack: together with the other writes of that moment (group_writes).
        body = json.dumps(job_record(job))
        if claim is None:
            return self._group.ask("job", job.key, job.lane, now, body)
        until, at = str(iso(claim.until)), str(iso(claim.at))
        return self._group.ask("job", job.key, job.lane, now, body, claim.key, until, at)

    def take_jobs(self: _Transactions, holder: str, room: Mapping[str, int], now: float, lease: float) -> list[Job]:
        """Takes up to ``room[lane]`` due jobs of each lane for ``holder``, until ``now + lease``; oldest first.
        Due: waiting, or taken by a holder whose lease ran out."""
        lanes = [(lane, count) for lane, count in room.items() if count > 0]
        if not lanes:
            return []
        due = " UNION ALL ".join(
            ["SELECT key FROM (SELECT key FROM jobs WHERE lane=? AND not_before<=? ORDER BY not_before LIMIT ?)"]
            * len(lanes)
        )
        args = tuple(value for lane, count in lanes for value in (lane, now, count))
        # A look that takes no lock first (the worker looks after every job it ends, and most looks find
        # nothing): the server's writes to the inbox never wait behind an empty look.
        if not self._inbox_read(f"SELECT EXISTS ({due})", args)[0][0]:
            return []
        rows = self._inbox_write(
            f"UPDATE jobs SET holder=?, not_before=?, attempts=attempts+1 WHERE key IN ({due}) "  # noqa: S608 - placeholders only
            "RETURNING attempts, body",
            (holder, now + lease, *args),
        )
        return [job_from({**json.loads(str(body)), "attempts": int(str(attempts))}) for attempts, body in rows]

    def renew_jobs(self: _Transactions, holder: str, keys: Iterable[str], until: float) -> None:
        """Extends ``holder``'s lease on the jobs it is still working on."""
        with self._inbox_transaction() as db:
            db.executemany(
                "UPDATE jobs SET not_before=? WHERE key=? AND holder=?", [(until, key, holder) for key in keys]
            )

    def finish_job(self: _Transactions, key: str, holder: str, now: float) -> bool:
        """Ends ``holder``'s work on the job: removes it, or, if it was asked for again meanwhile, makes it
        due again (True). A job whose lease ``holder`` lost is left to its new holder."""
        # Each statement is atomic by itself: a job asked for again between the two is due again by the second.
        [(removed,)] = self._inbox_write("DELETE FROM jobs WHERE key=? AND holder=? AND again=0", (key, holder))
        if removed:
            return False
        [(again,)] = self._inbox_write(
            "UPDATE jobs SET holder='', again=0, attempts=0, not_before=? WHERE key=? AND holder=? AND again<>0",
            (now, key, holder),
        )
        return bool(again)

    def release_jobs(self: _Transactions, holder_prefix: str, now: float) -> int:
        """Makes due at once the jobs held by holders whose name starts with ``holder_prefix`` (a worker
        that died and was restarted gives back what its predecessor held). Returns how many."""
        with self._inbox_transaction() as db:
            cur = db.execute(
                "UPDATE jobs SET holder='', not_before=? WHERE holder<>'' AND substr(holder, 1, ?)=?",
                (now, len(holder_prefix), holder_prefix),
            )
            return int(cur.rowcount)

    def waiting_jobs(self: _Transactions) -> int:
        """How many jobs are in the store, waiting or being worked on."""
        return int(str(self._inbox_read("SELECT COUNT(*) FROM jobs", ())[0][0]))  # a read: it takes no lock


def write_jobs(statement: InboxWrite, group: list[Write]) -> None:
    """Adds a group of jobs (values: key, lane, now, body; the claim's values after them, already written)
    in one statement: True for each that was not there before (the first of the group asking for a key).
    Asked again, a job keeps its place and takes the newest body; one being worked on is marked to run once
    more (``again``)."""
    # Rows of one statement are upserted in order: a key twice in the group is asked for twice (asks 1, 2).
    rows = statement(
        f"INSERT INTO jobs (key, lane, not_before, body) VALUES {','.join(['(?, ?, ?, ?)'] * len(group))} "  # noqa: S608 - placeholders only
        "ON CONFLICT (key) DO UPDATE SET again = again OR (holder <> '' AND not_before > excluded.not_before), "
        "body = excluded.body, asks = asks + 1 RETURNING key, asks",
        tuple(value for write in group for value in write.values[:4]),
    )
    asks: dict[str, list[int]] = {}
    for key, count in rows:
        asks.setdefault(str(key), []).append(int(str(count)))
    for counts in asks.values():
        counts.sort(reverse=True)
    for write in group:
        write.result = asks[str(write.values[0])].pop() == 1
