"""Replay claims asked for at the same moment are written together and still taken once each: many threads,
some claiming the same key, on a real SQLite file (the Firestore store claims one by one)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.store.group_claims import Ask, GroupClaims
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


def test_a_group_that_cannot_be_written_fails_each_of_its_claims() -> None:
    entered, go_on = threading.Event(), threading.Event()
    calls: list[int] = []

    def write(group: list[Ask]) -> None:
        calls.append(len(group))
        if len(calls) == 1:  # the first writer holds on while the others queue behind it
            entered.set()
            assert go_on.wait(10)
            for ask in group:
                ask.result = True
            return
        raise OSError("disk I/O error")

    claims = GroupClaims(write)
    errors: list[BaseException] = []
    first = threading.Thread(target=lambda: claims.claim("a", "u", "t"))
    first.start()
    assert entered.wait(10)

    def later(key: str) -> None:
        try:
            claims.claim(key, "u", "t")
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
