"""Under serve, `/notebook` and Approve only acknowledge and leave their work to a job: their replay claim is
taken with the job, in the same write (one write before the ack, not two). A replay inside the window still
adds nothing, on each store; any other request is still claimed by the gate before Bolt sees it."""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest

from bot.demo.slack_events import trigger_id
from bot.slack.ids import Action
from bot.slack.lazy_jobs import LANE, claimed_with_their_job
from bot.store import sqlite as sqlite_module
from bot.store.base import Store
from bot.store.sqlite import SqliteStore, inbox_path
from bot.workflow.jobs import JobQueue
from tests.support.harness import ADMIN, ALICE, Harness, running_bot


@pytest.fixture
def served(tmp_path: Path, any_store: Store) -> Iterator[Harness]:
    """The bot as serve builds it: its jobs are left in the store for a worker (none runs here)."""
    with running_bot(tmp_path, any_store, jobs=lambda store: JobQueue(store, instance="server", run_here=False)) as bot:
        yield bot


def listeners_jobs(bot: Harness) -> list[str]:
    """The listeners' jobs waiting in the store (taken to be counted: nobody else runs them here)."""
    return [job.key for job in bot.store.take_jobs("probe", {LANE: 100}, time.time(), 60.0)]


def command(bot: Harness, text: str) -> bytes:
    form = {
        "team_id": "T0DEMO",
        "user_id": ALICE.id,
        "command": "/notebook",
        "text": text,
        "response_url": bot.slack.response_url(),
        "trigger_id": trigger_id(),
    }
    return urlencode(form).encode()


def click(bot: Harness, action: Action, value: str) -> bytes:
    payload = {
        "type": "block_actions",
        "team": {"id": "T0DEMO"},
        "user": {"id": ADMIN.id},
        "trigger_id": trigger_id(),
        "response_url": bot.slack.response_url(),
        "actions": [{"type": "button", "action_id": action.value, "block_id": "b", "value": value, "action_ts": "1"}],
    }
    return urlencode({"payload": json.dumps(payload)}).encode()


def test_a_replayed_command_adds_one_job_and_gets_the_same_ack(
    served: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    body, ts = command(served, "status"), int(time.time())
    with caplog.at_level(logging.INFO):
        answers = [served.send.post(body, timestamp=ts) for _ in range(3)]
    assert [(a.status, a.body) for a in answers] == [(200, b"")] * 3
    assert len(listeners_jobs(served)) == 1
    assert sum("a replay of a Slack request already handled" in r.getMessage() for r in caplog.records) == 2
    # The same command signed at another second is another request.
    assert served.send.post(body, timestamp=ts + 1).status == 200
    assert len(listeners_jobs(served)) == 1


def test_a_replayed_approve_click_adds_one_job(served: Harness) -> None:
    body, ts = click(served, Action.APPROVE, "r-any"), int(time.time())
    assert [served.send.post(body, timestamp=ts).status for _ in range(2)] == [200, 200]
    assert len(listeners_jobs(served)) == 1


def test_other_requests_are_still_claimed_before_bolt_sees_them(
    served: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    body, ts = click(served, Action.REJECT, "r-any"), int(time.time())
    with caplog.at_level(logging.INFO, logger="bot.web.routes"):
        assert [served.send.post(body, timestamp=ts).status for _ in range(2)] == [200, 200]
    assert [r.getMessage() for r in caplog.records if "without dispatching" in r.getMessage()] == [
        "answered /slack/events without dispatching: replay of a request already handled"
    ]
    assert listeners_jobs(served) == []


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"command": "/notebook", "text": "new"}, True),
        ({"command": "/other"}, False),
        ({"type": "block_actions", "actions": [{"action_id": Action.APPROVE.value}]}, True),
        ({"type": "block_actions", "actions": [{"action_id": Action.REJECT.value}]}, False),
        ({"type": "block_actions", "actions": []}, False),
        ({"type": "block_actions", "actions": ["approve"]}, False),
        ({"type": "view_submission", "actions": [{"action_id": Action.APPROVE.value}]}, False),
        ({}, False),
    ],
)
def test_which_requests_are_claimed_with_their_job(body: dict[str, object], expected: bool) -> None:
    assert claimed_with_their_job(body) is expected


def test_an_ack_that_answers_is_answered_from_the_requests_thread(served: Harness) -> None:
    """`/notebook help` is its ack's own text; under serve that ack runs in the request's thread (no listener
    pool, no wait for it), and the job is in the store before the answer goes out."""
    answer = served.send.post(command(served, "help"))
    assert answer.status == 200 and "/notebook new" in answer.body.decode()
    assert len(listeners_jobs(served)) == 1


def test_a_command_whose_job_cannot_be_stored_is_answered_in_words_and_a_click_is_not_acknowledged(
    tmp_path: Path, sqlite_store: SqliteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The inbox is held by another process for longer than a write may wait (shortened here from 30 s):
    `/notebook` tells the person nothing was done; Approve is not acknowledged, so Slack shows the click
    failed. Nothing is stored, and once the inbox is free the same command goes through."""
    monkeypatch.setattr(sqlite_module, "BUSY_WAIT", 0.3)
    with running_bot(
        tmp_path, sqlite_store, jobs=lambda store: JobQueue(store, instance="server", run_here=False)
    ) as bot:
        holder = sqlite3.connect(inbox_path(sqlite_store.path), isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            told = bot.send.post(command(bot, "status"))
            clicked = bot.send.post(click(bot, Action.APPROVE, "r-any"))
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert told.status == 200 and "cannot reach its database" in json.loads(told.body)["text"]
        assert clicked.status == 500
        assert listeners_jobs(bot) == []
        assert bot.send.post(command(bot, "status")).status == 200
        assert len(listeners_jobs(bot)) == 1
