"""Leases and paced slots on the SQLite store (see ``bot.store.coordination``)."""

from __future__ import annotations

import json
import sqlite3
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from typing import Protocol

from bot.domain.request import iso
from bot.store.coordination import Limits, next_slot

SCHEMA = """
CREATE TABLE IF NOT EXISTS leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL, until TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS slots (key TEXT PRIMARY KEY, body TEXT NOT NULL);
"""


class _Transactions(Protocol):
    def _transaction(self) -> AbstractContextManager[sqlite3.Connection]: ...


class SqliteCoordination:
    """Mixed into :class:`bot.store.sqlite.SqliteStore`: each call is one ``BEGIN IMMEDIATE`` transaction."""

    def take_lease(self: _Transactions, name: str, holder: str, now: datetime, ttl: timedelta) -> bool:
        """Takes (or renews) the lease ``name`` for ``holder`` until ``now + ttl``: True unless another
        holder has it and it has not run out."""
        with self._transaction() as db:
            row = db.execute("SELECT holder, until FROM leases WHERE name=?", (name,)).fetchone()
            if row is not None and row[0] != holder and str(row[1]) > str(iso(now)):
                return False
            db.execute(
                "INSERT INTO leases (name, holder, until) VALUES (?, ?, ?) "
                "ON CONFLICT(name) DO UPDATE SET holder=excluded.holder, until=excluded.until",
                (name, holder, iso(now + ttl)),
            )
            return True

    def drop_lease(self: _Transactions, name: str, holder: str) -> None:
        """Gives the lease back, if ``holder`` still has it."""
        with self._transaction() as db:
            db.execute("DELETE FROM leases WHERE name=? AND holder=?", (name, holder))

    def reserve_slot(self: _Transactions, key: str, not_before: float, spacing: float, limits: Limits = ()) -> float:
        """Reserves the next instant (epoch seconds) at which one call counted under ``key`` may go out."""
        with self._transaction() as db:
            row = db.execute("SELECT body FROM slots WHERE key=?", (key,)).fetchone()
            slot, record = next_slot(json.loads(row[0]) if row else None, not_before, spacing, limits)
            db.execute(
                "INSERT INTO slots (key, body) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET body=excluded.body",
                (key, json.dumps(record)),
            )
            return slot
