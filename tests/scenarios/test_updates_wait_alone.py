"""Updates in place wait for Slack's chat.update budget (about 50 a minute in the admin channel) in a lane of
their own: the pull request is opened, and its job done, while the card's update still waits for its turn."""

from __future__ import annotations

import sqlite3
import threading
import time
from typing import Any

from bot.slack.ids import Action
from bot.slack.update_budget import UpdateBudget
from bot.store.sqlite import inbox_path
from tests.support.harness import ADMIN, ALICE, Harness


def jobs_in(bot: Harness) -> list[str]:
    path = bot.store.path  # type: ignore[attr-defined]
    return [str(row[0]) for row in sqlite3.connect(inbox_path(path)).execute("SELECT key FROM jobs ORDER BY key")]


def test_a_pull_request_does_not_wait_for_the_cards_turn_under_slacks_update_budget(bot: Harness) -> None:
    turn_comes = threading.Event()
    waiting = threading.Event()

    def sleep_until_released(seconds: float) -> None:
        if seconds > 0:
            waiting.set()
            turn_comes.wait(30)

    bot.ask(ALICE)  # its messages sent
    request = bot.only_request(ALICE)
    notifier: Any = getattr(bot.app.deps.notifier, "now", bot.app.deps.notifier)  # the Slack notifier
    notifier.update_turn = UpdateBudget(bot.store, bot.app.deps.clock, per_minute=1, sleep=sleep_until_released).turn
    try:
        assert bot.send.click(ADMIN.id, Action.APPROVE.value, request.id).status == 200
        assert waiting.wait(15), "no update ever had to wait for its turn"
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and (jobs := jobs_in(bot)) != [f"progress:{request.id}"]:
            time.sleep(0.02)
        assert jobs == [f"progress:{request.id}"]  # the provision job is done; only the update waits
        opened = bot.store.get(request.id)
        assert opened is not None and opened.pull_request is not None
    finally:
        turn_comes.set()
    bot.settle()
    assert jobs_in(bot) == []
