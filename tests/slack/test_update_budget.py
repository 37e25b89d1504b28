"""Slack's chat.update budget (Tier 3, ~50 a minute per channel) is shared through the store: updates wait
their channel's turn, and an update of a message that already has one waiting folds into it."""

from __future__ import annotations

import itertools
import threading
from datetime import UTC, datetime
from pathlib import Path

from bot.slack.update_budget import UpdateBudget
from bot.store.sqlite import SqliteStore


def now() -> datetime:
    return datetime.now(UTC)


def test_updates_in_one_channel_from_two_instances_wait_their_turns(tmp_path: Path) -> None:
    waits: list[float] = []
    instances = [UpdateBudget(SqliteStore(str(tmp_path / "state.db")), now, sleep=waits.append) for _ in range(2)]
    for i in range(6):
        assert instances[i % 2].turn("C0ADMINS", f"17000000{i}.000100")
    # The first goes at once; each later one is reserved 1.2 s (60 s / 50) after the one before it.
    assert waits[0] < 0.5
    assert all(b - a > 1.0 for a, b in itertools.pairwise(waits)), waits
    assert instances[0].turn("D0ALICE", "1700000000.000200")  # another channel has a budget of its own
    assert waits[-1] < 0.5


def test_an_update_of_a_message_that_has_one_waiting_folds_into_it(tmp_path: Path) -> None:
    waiting, go_on = threading.Event(), threading.Event()

    def slow_sleep(_: float) -> None:
        waiting.set()
        assert go_on.wait(30), "the test never let the waiting update go"

    first = UpdateBudget(SqliteStore(str(tmp_path / "state.db")), now, sleep=slow_sleep)
    second = UpdateBudget(SqliteStore(str(tmp_path / "state.db")), now, sleep=lambda _: None)
    turns: list[bool] = []
    waiter = threading.Thread(target=lambda: turns.append(first.turn("C0ADMINS", "1700000000.000100")))
    waiter.start()
    assert waiting.wait(30)
    assert not second.turn("C0ADMINS", "1700000000.000100")  # folded: the waiting one sends the newest state
    assert second.turn("C0ADMINS", "1700000000.000999")  # another message of the channel still has its turn
    go_on.set()
    waiter.join(30)
    assert turns == [True]
    assert second.turn("C0ADMINS", "1700000000.000100")  # nothing waits any more: a new update goes
