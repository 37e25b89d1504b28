"""The App Home stays true: it is published again whenever the owner's environments change."""

from __future__ import annotations

import json
import threading
from typing import Any

from bot.domain.states import State
from bot.slack.home import HomeRefresh
from bot.slack.ids import Action, View
from tests.support.harness import ALICE, Harness
from tests.support.lifecycle_support import open_home


def _buttons(call: Any, request_id: str) -> list[str]:
    blocks = call.args["view"]["blocks"]
    return [
        e["text"]["text"]
        for b in blocks
        if b["type"] == "actions"
        for e in b["elements"]
        if e.get("value") == request_id
    ]


def test_after_a_delete_from_home_its_old_buttons_are_gone(bot: Harness) -> None:
    env = bot.ready(ALICE)
    open_home(bot.send, ALICE.id)
    bot.settle()
    assert _buttons(bot.slack.calls("views.publish")[-1], env.id) == ["Open", "Stop", "Extend", "Delete"]

    bot.send.click_in_home(ALICE.id, Action.DELETE.value, env.id)
    bot.slack.wait_for("views.open")
    bot.settle()
    assert bot.send.submit_view(ALICE.id, View.CONFIRM_DELETE.value, {}, private_metadata=env.id).status == 200
    bot.settle()
    assert bot.store.get(env.id).state == State.DELETING  # type: ignore[union-attr]
    last = bot.slack.calls("views.publish")[-1]
    assert last.args["user_id"] == ALICE.id
    assert _buttons(last, env.id) == [] and "being deleted" in json.dumps(last.args["view"])


def test_a_change_nobody_clicked_for_reaches_the_home_too(bot: Harness) -> None:
    bot.ask(ALICE)
    request = bot.only_request(ALICE)
    bot.approve(request.id)
    published = [c for c in bot.slack.calls("views.publish") if c.args["user_id"] == ALICE.id]
    assert published and "pull request open" in json.dumps(published[-1].args["view"])


def test_changes_during_a_publish_fold_into_one_more() -> None:
    started, release = threading.Event(), threading.Event()
    published: list[str] = []
    jobs: list[Any] = []

    def publish(user: str) -> None:
        published.append(user)
        if len(published) == 1:
            started.set()
            assert release.wait(5)

    refresh = HomeRefresh(publish, lambda name, fn: jobs.append(fn))
    refresh.changed("U1")
    refresh.changed("U1")  # still queued: folds into the first
    assert len(jobs) == 1
    first = threading.Thread(target=jobs.pop())
    first.start()
    assert started.wait(5)
    for _ in range(5):  # five changes while the first publish is in flight
        refresh.changed("U1")
        while jobs:
            jobs.pop()()
    release.set()
    first.join(5)
    assert published == ["U1", "U1"]
