"""Approvals reach the approvers: a pending request reminds the admins (card thread and DM with Approve /
Reject), escalates once before it expires, and the requester is told when it expires."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config.load import load_policy
from bot.domain.states import State
from bot.slack.ids import Action
from bot.store.sqlite import SqliteStore
from tests.support.harness import ADMIN, ALICE, Harness, running_bot
from tests.support.lifecycle_support import texts_to, wait_until


def reminders_to(bot: Harness, user_id: str) -> list[dict[str, object]]:
    return [m for m in bot.messages_to(user_id) if "still waits for a decision" in str(m.get("text"))]


def thread_replies(bot: Harness) -> list[dict[str, object]]:
    return [m for m in bot.messages_to(bot.policy.slack.admin_channel) if m.get("thread_ts")]


def test_a_pending_request_reminds_the_admins_once_in_the_thread_and_by_dm(bot_on_any_store: Harness) -> None:
    bot = bot_on_any_store  # SQLite, then the Firestore emulator
    bot.ask()
    request = bot.only_request()
    assert request.state == State.PENDING_APPROVAL
    bot.clock.advance(hours=3)
    assert bot.reconcile().actions["admins reminded"] == 0
    bot.clock.advance(hours=2)
    assert bot.reconcile().actions["admins reminded"] == 1
    (thread,) = thread_replies(bot)
    card = bot.store.get(request.id)
    assert card is not None and thread["thread_ts"] == card.slack.card_ts
    (dm,) = reminders_to(bot, ADMIN.id)
    blocks = json.dumps(dm["blocks"])
    assert Action.APPROVE.value in blocks and Action.REJECT.value in blocks
    assert not reminders_to(bot, ALICE.id)  # the requester is no approver of their own request

    bot.clock.advance(hours=1)
    assert bot.reconcile().actions["admins reminded"] == 0
    assert len(reminders_to(bot, ADMIN.id)) == 1
    assert [a.action for a in bot.store.audit_trail(request.id)].count("approval reminder") == 1


def test_an_admin_approves_from_the_reminder_dm(bot: Harness) -> None:
    bot.ask()
    request = bot.only_request()
    bot.clock.advance(hours=5)
    bot.reconcile()
    assert reminders_to(bot, ADMIN.id)
    before = len(bot.replies())
    bot.send.click(ADMIN.id, Action.APPROVE.value, request.id, channel="D0ADMIN1")
    wait_until(lambda: len(bot.replies()) > before)
    bot.settle()
    approved = bot.store.get(request.id)
    assert approved is not None and approved.state != State.PENDING_APPROVAL and approved.decided_by == ADMIN.id
    said = bot.replies()[-1]
    assert said.get("replace_original") is True and "You approved" in str(said.get("text"))


def test_it_escalates_once_before_it_expires_and_the_requester_hears_when_it_does(bot: Harness) -> None:
    bot.ask()
    request = bot.only_request()
    timeout = bot.policy.limits.approval_timeout_hours
    bot.clock.advance(hours=timeout - bot.policy.fleet.approval_escalation_hours + 1)
    report = bot.reconcile()
    assert report.actions["admins told it expires soon"] == 1
    assert any("Last call" in json.dumps(m["blocks"]) for m in reminders_to(bot, ADMIN.id))
    bot.clock.advance(hours=1)
    assert bot.reconcile().actions["admins told it expires soon"] == 0

    bot.clock.advance(hours=12)
    bot.reconcile()
    expired = bot.store.get(request.id)
    assert expired is not None and expired.state == State.EXPIRED
    assert any("has expired" in t for t in texts_to(bot, ALICE.id))


@pytest.fixture
def oncall_bot(tmp_path: Path, sqlite_store: SqliteStore) -> Iterator[Harness]:
    base = load_policy(None)
    policy = base.model_copy(update={"fleet": base.fleet.model_copy(update={"oncall_usergroup": "S0ONCALL"})})
    with running_bot(tmp_path, sqlite_store, policy=policy) as bot:
        bot.slack.state.usergroups["S0ONCALL"] = ["U0ADMIN2"]
        yield bot


def test_with_an_on_call_group_its_members_are_reminded(oncall_bot: Harness) -> None:
    bot = oncall_bot
    bot.ask()
    bot.clock.advance(hours=5)
    bot.reconcile()
    assert reminders_to(bot, "U0ADMIN2")
    assert not reminders_to(bot, ADMIN.id)  # the admins hear on the escalation, not before


def test_slack_refusing_the_thread_still_reaches_the_approvers_and_the_thread_comes_next_pass(bot: Harness) -> None:
    bot.ask()
    bot.clock.advance(hours=5)
    bot.slack.state.channel_errors[bot.policy.slack.admin_channel] = "not_in_channel"
    assert bot.reconcile().actions["admins reminded"] == 1
    assert reminders_to(bot, ADMIN.id) and not thread_replies(bot)
    del bot.slack.state.channel_errors[bot.policy.slack.admin_channel]
    bot.clock.advance(minutes=5)
    bot.reconcile()
    assert len(thread_replies(bot)) == 1 and len(reminders_to(bot, ADMIN.id)) == 1


def test_an_admin_rejects_from_the_reminder_dm_with_a_reason(bot: Harness) -> None:
    bot.ask()
    request = bot.only_request()
    bot.clock.advance(hours=5)
    bot.reconcile()
    opened = len(bot.slack.calls("views.open"))
    bot.send.click(ADMIN.id, Action.REJECT.value, request.id, channel="D0ADMIN1")
    calls = wait_until(lambda: bot.slack.calls("views.open")[opened:])
    assert calls and calls[-1].args["view"]["callback_id"] == "notebook_reject_reason"
    reason = {"reject_reason": {"type": "plain_text_input", "value": "Use the shared cluster"}}
    bot.send.submit_view(ADMIN.id, "notebook_reject_reason", reason, private_metadata=request.id)
    bot.settle()
    rejected = bot.store.get(request.id)
    assert rejected is not None and rejected.state == State.REJECTED and rejected.decided_by == ADMIN.id
