"""The embedded store: one SQLite file. Transactions are ``BEGIN IMMEDIATE`` so writers queue, not race."""

from __future__ import annotations

import itertools
import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from bot.domain.request import AuditRecord, EnvironmentRequest, iso, parse_iso
from bot.domain.states import State
from bot.domain.transitions import Step
from bot.store.base import AlreadyExists, DirectoryEntry, StoreUnavailable
from bot.store.group_writes import GroupWrites, Write
from bot.store.sqlite_coordination import SCHEMA as COORDINATION_SCHEMA
from bot.store.sqlite_coordination import SqliteCoordination
from bot.store.sqlite_jobs import InboxWrite, SqliteJobs, write_jobs

_SCHEMA = """
CREATE TABLE IF NOT EXISTS requests (
    id TEXT PRIMARY KEY,
    owner_user_id TEXT NOT NULL,
    state TEXT NOT NULL,
    created_at TEXT NOT NULL,
    due_at TEXT,
    version INTEGER NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS requests_owner ON requests (owner_user_id, created_at);
CREATE INDEX IF NOT EXISTS requests_state ON requests (state, created_at);
CREATE INDEX IF NOT EXISTS requests_due ON requests (state, due_at);
CREATE TABLE IF NOT EXISTS audit (
    key TEXT PRIMARY KEY,
    request_id TEXT NOT NULL,
    at TEXT NOT NULL,
    seq INTEGER NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_request ON audit (request_id, at, seq);
CREATE TABLE IF NOT EXISTS claims (key TEXT PRIMARY KEY, at TEXT NOT NULL);
-- Slack's directory as last seen (users, user groups), shared by every process on this file.
CREATE TABLE IF NOT EXISTS directory (
    key TEXT PRIMARY KEY,
    fetched_at TEXT NOT NULL,
    handle TEXT,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS directory_handle ON directory (handle);
-- The audit trail is append-only: the database itself refuses edits and deletions.
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
"""


# The inbox: what the server writes before it acks (replay claims, jobs), in a file of its own (``inbox_path``),
# so that its writes never queue behind the worker's transactions on the requests.
_INBOX_SCHEMA = """
-- taker: which claim wrote the row (a group's claims are one statement; see _write_claims).
CREATE TABLE IF NOT EXISTS expiring_claims (key TEXT PRIMARY KEY, until TEXT NOT NULL, taker TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS expiring_claims_until ON expiring_claims (until);
-- Work after the ack (bot/store/jobs.py): waiting when holder is '', taken until not_before otherwise.
CREATE TABLE IF NOT EXISTS jobs (
    key TEXT PRIMARY KEY,
    lane TEXT NOT NULL,
    not_before REAL NOT NULL,
    holder TEXT NOT NULL DEFAULT '',
    attempts INTEGER NOT NULL DEFAULT 0,
    again INTEGER NOT NULL DEFAULT 0,
    asks INTEGER NOT NULL DEFAULT 1,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_due ON jobs (lane, not_before);
"""
_MOVED_TO_INBOX = {  # tables an earlier version kept in the state file: their rows move once
    "expiring_claims": "key, until",
    "jobs": "key, lane, not_before, holder, attempts, again, body",
}


def inbox_path(path: str) -> str:
    """The inbox's file beside the state file: ``state.db`` -> ``state-inbox.db``."""
    if path == ":memory:":
        return path
    file = Path(path)
    return str(file.with_name(f"{file.stem}-inbox{file.suffix}"))


_APPEND = "INSERT OR IGNORE INTO audit (key, request_id, at, seq, body) VALUES (?, ?, ?, ?, ?)"
_SWEEP_EVERY = 256  # replay claims taken between two deletions of the expired ones


class SqliteStore(SqliteCoordination, SqliteJobs):
    """A Store on one SQLite file (and its inbox beside it), safe for many threads and several processes on
    one machine."""

    def __init__(self, path: str) -> None:
        self.path = path
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._seq = 0
        self._seq_lock = threading.Lock()
        # Writers in this process queue here rather than in SQLite's busy handler, which sleeps in
        # growing steps (up to 100 ms) and made a click wait behind background writes. Other processes
        # still serialise through SQLite's own lock.
        self._write_lock = threading.Lock()
        self._inbox_lock = threading.Lock()  # the inbox's writers, apart: the ack path never waits for the others
        self._group = GroupWrites(self._write_group)  # a burst's replay claims and jobs, written together
        self._claims_since_sweep = 0
        self._taker, self._takers = f"{uuid.uuid4().hex[:12]}:", itertools.count()  # names this store's claims
        try:
            db = self._connection()
            # executescript manages its own transaction; every statement is IF NOT EXISTS, so it may run again
            _waiting(lambda: db.executescript(_SCHEMA + COORDINATION_SCHEMA))
            inbox = self._inbox()
            _waiting(lambda: inbox.executescript(_INBOX_SCHEMA))
            self._move_to_inbox(db)
        except sqlite3.Error as e:
            raise StoreUnavailable(str(e)) from e

    def _move_to_inbox(self, db: sqlite3.Connection) -> None:
        """Moves the replay claims and jobs an earlier version kept in the state file, in one transaction
        (processes starting together: the first moves them, the others find nothing left)."""

        def old_tables(on: sqlite3.Connection) -> list[str]:
            tables = {str(row[0]) for row in on.execute("SELECT name FROM main.sqlite_master WHERE type='table'")}
            return [table for table in _MOVED_TO_INBOX if table in tables]

        if self.path == ":memory:" or not old_tables(db):
            return
        _waiting(lambda: db.execute("ATTACH DATABASE ? AS inbox", (inbox_path(self.path),)))
        try:
            with self._transaction() as tx:
                for table in old_tables(tx):
                    columns = _MOVED_TO_INBOX[table]
                    tx.execute(f"INSERT OR IGNORE INTO inbox.{table} ({columns}) SELECT {columns} FROM main.{table}")  # noqa: S608 - constant names
                    tx.execute(f"DROP TABLE main.{table}")
        finally:
            db.execute("DETACH DATABASE inbox")

    def _connection(self) -> sqlite3.Connection:
        return self._connected("db", self.path)

    def _inbox(self) -> sqlite3.Connection:
        return self._connected("inbox", inbox_path(self.path))

    def _connected(self, name: str, path: str) -> sqlite3.Connection:
        """This thread's connection to ``path``, opened on first use."""
        db: sqlite3.Connection | None = getattr(self._local, name, None)
        if db is None:
            # timeout=0: waiting for another process's write is ours (``_waiting``), in steps of a fraction of a
            # millisecond; SQLite's own busy handler sleeps 1, 2, 5, 10... ms, and a burst's acks would sleep
            # behind the worker.
            db = sqlite3.connect(path, timeout=0, isolation_level=None, check_same_thread=False)
            _waiting(lambda: db.execute("PRAGMA journal_mode=WAL"))  # another process may be writing
            db.execute("PRAGMA synchronous=NORMAL")
            setattr(self._local, name, db)
        return db

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._write_lock, self._begin(self._connection) as db:
            yield db

    @contextmanager
    def _inbox_transaction(self) -> Iterator[sqlite3.Connection]:
        with self._inbox_lock, self._begin(self._inbox) as db:
            yield db

    @staticmethod
    @contextmanager
    def _begin(connection: Callable[[], sqlite3.Connection]) -> Iterator[sqlite3.Connection]:
        try:
            db = connection()
            _waiting(lambda: db.execute("BEGIN IMMEDIATE"))
        except sqlite3.Error as e:
            raise StoreUnavailable(str(e)) from e
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        else:
            db.execute("COMMIT")

    def _statement(self, sql: str, args: tuple[object, ...]) -> sqlite3.Cursor:
        """One write statement, atomic by itself (autocommit): one trip through SQLite where a transaction
        takes four. Under load each trip may wait for the interpreter, and the write lock is held meanwhile,
        so the other writes on the ack path (send-once claims, audit notes) are single statements; replay claims
        and jobs are written in groups (``group_writes``)."""
        with self._write_lock:
            try:
                db = self._connection()
                return _waiting(lambda: db.execute(sql, args))
            except sqlite3.Error as e:
                raise StoreUnavailable(str(e)) from e

    def _inbox_write(self, sql: str, args: tuple[object, ...]) -> list[tuple[object, ...]]:
        """One write statement on the inbox (autocommit): its rows (``RETURNING``), or ``[(rowcount,)]``."""
        with self._inbox_lock:
            try:
                db = self._inbox()
                cursor = _waiting(lambda: db.execute(sql, args))
                rows: list[tuple[object, ...]] = cursor.fetchall() if cursor.description else [(cursor.rowcount,)]
                return rows
            except sqlite3.Error as e:
                raise StoreUnavailable(str(e)) from e

    def _inbox_read(self, sql: str, args: tuple[object, ...]) -> list[tuple[object, ...]]:
        """A read on the inbox: never waits for a writer (WAL)."""
        return self._query(sql, args, self._inbox)

    def _write(self, db: sqlite3.Connection, request: EnvironmentRequest, *, insert: bool) -> None:
        row = (
            request.owner_user_id,
            request.state.value,
            iso(request.created_at),
            iso(request.due_at),
            request.version,
            json.dumps(request.to_record()),
            request.id,
        )
        if insert:
            db.execute(
                "INSERT INTO requests (owner_user_id, state, created_at, due_at, version, body, id) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                row,
            )
        else:
            db.execute(
                "UPDATE requests SET owner_user_id=?, state=?, created_at=?, due_at=?, version=?, body=? WHERE id=?",
                row,
            )

    def _append(self, db: sqlite3.Connection, audit: AuditRecord) -> None:
        db.execute(_APPEND, self._audit_row(audit))

    def _audit_row(self, audit: AuditRecord) -> tuple[object, ...]:
        with self._seq_lock:
            self._seq += 1
            seq = self._seq
        return (audit.key, audit.request_id, iso(audit.at), seq, json.dumps(audit.to_record()))

    def add(self, request: EnvironmentRequest, audit: AuditRecord) -> None:
        with self._transaction() as db:
            if db.execute("SELECT 1 FROM requests WHERE id=?", (request.id,)).fetchone():
                raise AlreadyExists(request.id)
            self._write(db, request.with_changes(version=1), insert=True)
            self._append(db, audit)

    def get(self, request_id: str) -> EnvironmentRequest | None:
        row = self._query("SELECT body FROM requests WHERE id=?", (request_id,))
        return EnvironmentRequest.from_record(json.loads(str(row[0][0]))) if row else None

    def apply(self, request_id: str, step: Step) -> EnvironmentRequest | None:
        with self._transaction() as db:
            row = db.execute("SELECT body FROM requests WHERE id=?", (request_id,)).fetchone()
            if row is None:
                return None
            current = EnvironmentRequest.from_record(json.loads(row[0]))
            change = step(current)
            if change is None:
                return None
            new = change.request.with_changes(version=current.version + 1)
            self._write(db, new, insert=False)
            if change.audit is not None:
                self._append(db, change.audit)
            return new

    def find(
        self,
        *,
        owner_user_id: str | None = None,
        states: Iterable[State] | None = None,
        due_before: datetime | None = None,
        limit: int | None = None,
    ) -> list[EnvironmentRequest]:
        where, args = [], []
        if owner_user_id is not None:
            where.append("owner_user_id=?")
            args.append(owner_user_id)
        if states is not None:
            wanted = [s.value for s in states]
            if not wanted:
                return []
            where.append(f"state IN ({','.join('?' * len(wanted))})")
            args.extend(wanted)
        order = "created_at, id"
        if due_before is not None:
            where.append("due_at IS NOT NULL AND due_at <= ?")
            args.append(str(iso(due_before)))
            order = "due_at, id"
        sql = "SELECT body FROM requests" + (" WHERE " + " AND ".join(where) if where else "")  # noqa: S608 - only fixed column names; values are bound parameters
        sql += f" ORDER BY {order}" + (f" LIMIT {int(limit)}" if limit else "")
        return [EnvironmentRequest.from_record(json.loads(str(r[0]))) for r in self._query(sql, tuple(args))]

    def audit_trail(self, request_id: str) -> list[AuditRecord]:
        rows = self._query("SELECT body FROM audit WHERE request_id=? ORDER BY at, seq", (request_id,))
        return [AuditRecord.from_record(json.loads(str(r[0]))) for r in rows]

    def record(self, audit: AuditRecord) -> None:
        self._statement(_APPEND, self._audit_row(audit))

    def claim(self, key: str, at: datetime) -> bool:
        return self._statement("INSERT OR IGNORE INTO claims (key, at) VALUES (?, ?)", (key, iso(at))).rowcount == 1

    def release(self, key: str) -> None:
        self._statement("DELETE FROM claims WHERE key=?", (key,))

    def claim_until(self, key: str, at: datetime, until: datetime) -> bool:
        return self._group.ask("claim", key, str(iso(until)), str(iso(at)))

    def _write_group(self, group: list[Write]) -> None:
        """Writes a group of replay claims and jobs: one statement for the claims, one for the jobs. Each
        statement is a trip out of the interpreter and back, which under a burst may wait for the others:
        a few per group, never one per write or per row. A statement that fails fails its own writes.

        A job that comes with its request's claim (``add_job(..., claim)``) is written only if the claim is
        taken: the claims go first, in the same statement as the others."""
        claims = [write for write in group if write.kind == "claim"]
        jobs = [write for write in group if write.kind == "job"]
        theirs = {id(job): Write("claim", job.values[4:]) for job in jobs if len(job.values) > 4}
        self._write_kind(self._write_claims, [*claims, *theirs.values()])
        for job in jobs:
            claim = theirs.get(id(job))
            if claim is not None and not claim.result:  # a replay (False), or the claim's write failed
                job.error = claim.error
        self._write_kind(write_jobs, [job for job in jobs if id(job) not in theirs or theirs[id(job)].result])

    def _write_kind(self, write: Callable[[InboxWrite, list[Write]], None], writes: list[Write]) -> None:
        if not writes:
            return
        try:
            write(self._inbox_write, writes)
        except BaseException as e:
            for one in writes:
                one.error = e

    def _write_claims(self, statement: InboxWrite, group: list[Write]) -> None:
        """A key held by a claim not yet past its until (or asked for twice in the group) is not taken again;
        the others are, past ones replaced. Values of a claim: key, until, at."""
        at = min(str(write.values[2]) for write in group)  # the earliest "now" of the group: never too early
        firsts: dict[str, Write] = {}
        for write in group:
            firsts.setdefault(str(write.values[0]), write)
        takers = {f"{self._taker}{next(self._takers)}": write for write in firsts.values()}
        [(taken,)] = statement(
            "INSERT INTO expiring_claims (key, until, taker) VALUES "  # noqa: S608 - placeholders only
            f"{','.join(['(?, ?, ?)'] * len(takers))} ON CONFLICT (key) DO UPDATE SET until=excluded.until, "
            "taker=excluded.taker WHERE expiring_claims.until <= ?",
            (*(value for taker, write in takers.items() for value in (*write.values[:2], taker)), at),
        )
        if taken == len(takers):  # all of them: the usual case, in one statement
            won = list(takers.values())
        else:  # a replay among them: which rows are this group's
            rows = self._inbox_read(
                f"SELECT taker FROM expiring_claims WHERE taker IN ({','.join('?' * len(takers))})",  # noqa: S608 - placeholders only
                tuple(takers),
            )
            won = [takers[str(row[0])] for row in rows]
        with self._seq_lock:
            self._claims_since_sweep = (self._claims_since_sweep + len(group)) % _SWEEP_EVERY
            sweep = self._claims_since_sweep < len(group)
        if sweep:  # the claims past their until go now and then
            statement("DELETE FROM expiring_claims WHERE until <= ?", (at,))
        for write in won:
            write.result = True

    def directory_entries(self, keys: Iterable[str]) -> dict[str, DirectoryEntry]:
        wanted = list(dict.fromkeys(keys))
        if not wanted:
            return {}
        rows = self._query(
            f"SELECT key, fetched_at, handle, body FROM directory WHERE key IN ({','.join('?' * len(wanted))})",  # noqa: S608 - placeholders only
            tuple(wanted),
        )
        return {str(r[0]): _entry(r) for r in rows}

    def save_directory_entry(self, entry: DirectoryEntry) -> bool:
        # Only a newer answer replaces a stored one: a slow lookup must not undo a change event.
        cur = self._statement(
            "INSERT INTO directory (key, fetched_at, handle, body) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (key) DO UPDATE SET fetched_at=excluded.fetched_at, handle=excluded.handle, "
            "body=excluded.body WHERE excluded.fetched_at >= directory.fetched_at",
            (entry.key, iso(entry.fetched_at), entry.handle, json.dumps(entry.body)),
        )
        return cur.rowcount == 1

    def directory_by_handle(self, handle: str) -> list[DirectoryEntry]:
        rows = self._query("SELECT key, fetched_at, handle, body FROM directory WHERE handle=? ORDER BY key", (handle,))
        return [_entry(r) for r in rows]

    def ping(self) -> None:
        self._query("SELECT 1", ())

    def close(self) -> None:
        for name in ("db", "inbox"):
            db = getattr(self._local, name, None)
            if db is not None:
                db.close()
                setattr(self._local, name, None)

    def _query(
        self, sql: str, args: tuple[object, ...], connection: Callable[[], sqlite3.Connection] | None = None
    ) -> list[tuple[object, ...]]:
        try:
            db = (connection or self._connection)()
            return _waiting(lambda: db.execute(sql, args).fetchall())
        except sqlite3.Error as e:
            raise StoreUnavailable(str(e)) from e


_T = TypeVar("_T")
BUSY_WAIT = 30.0  # seconds another process may hold the database before a write gives up


def _waiting(step: Callable[[], _T]) -> _T:
    """Runs ``step``, again while another process holds the database: short sleeps, growing to 2 ms."""
    deadline, pause = time.monotonic() + BUSY_WAIT, 0.0001
    while True:
        try:
            return step()
        except sqlite3.OperationalError as e:
            if ("locked" not in str(e) and "busy" not in str(e)) or time.monotonic() > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.002)


def _entry(row: tuple[object, ...]) -> DirectoryEntry:
    fetched_at = parse_iso(str(row[1]))
    assert fetched_at is not None
    handle = None if row[2] is None else str(row[2])
    return DirectoryEntry(key=str(row[0]), fetched_at=fetched_at, handle=handle, body=json.loads(str(row[3])))
