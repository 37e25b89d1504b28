"""Lifetimes: one reminder before expiry with Extend and Delete now, removal at expiry, stale approvals."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

from bot.domain.states import State
from bot.slack.ids import Action
from tests.support.harness import ALICE, Harness
from tests.support.lifecycle_support import click, say, texts_to


def reminders(bot: Harness) -> list[dict[str, object]]:
    return [m for m in bot.messages_to(ALICE.id) if "expires on" in str(m.get("text"))]


def race(bot: Harness, passes: int = 2) -> None:
    """Reconcile passes started together, as on several instances behind Cloud Scheduler."""
    start = threading.Barrier(passes)

    def one() -> None:
        start.wait()
        bot.app.reconciler.run_once()

    threads = [threading.Thread(target=one) for _ in range(passes)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    bot.settle()


def test_the_owner_is_reminded_once_before_expiry_with_extend_and_delete_now(bot: Harness) -> None:
    env = bot.ready()
    bot.clock.advance(days=27)
    bot.reconcile()
    assert not reminders(bot)  # 48 hours before, not earlier
    bot.clock.advance(days=1, minutes=1)
    bot.reconcile()
    bot.clock.advance(hours=1)
    bot.reconcile()
    (reminder,) = reminders(bot)
    blocks = json.dumps(reminder["blocks"])
    assert Action.EXTEND.value in blocks and Action.DELETE.value in blocks and "Delete now" in blocks
    assert bot.store.get(env.id).reminded_at is not None


def test_two_reconcile_passes_racing_send_the_reminder_once(bot_on_any_store: Harness) -> None:
    bot = bot_on_any_store
    bot.ready()
    bot.clock.advance(days=28, minutes=1)
    race(bot)
    assert len(reminders(bot)) == 1


def test_extend_keeps_it_longer_but_not_beyond_the_policys_lifetime(bot: Harness) -> None:
    env = bot.ready()
    ready_at = env.ready_at
    bot.clock.advance(days=28, minutes=1)
    bot.reconcile()
    (reply,) = click(bot, ALICE.id, Action.EXTEND.value, env.id)
    extended = bot.store.get(env.id)
    assert extended.expires_at == ready_at + timedelta(days=60)  # + the template's default lifetime (30 days)
    assert "kept until" in reply and extended.reminded_at is None
    bot.clock.advance(minutes=1)
    (reply,) = say(bot, ALICE.id, "extend churn-model 45")
    assert bot.store.get(env.id).expires_at == ready_at + timedelta(days=90)  # cut to lifetime_days.max
    bot.clock.advance(minutes=1)
    (reply,) = say(bot, ALICE.id, "extend churn-model")
    assert "the most the policy allows (90 days" in reply
    extends = [a for a in bot.store.audit_trail(env.id) if a.action == "extend"]
    assert len(extends) == 2 and all(a.actor == ALICE.id for a in extends)
    # An extension earns its own reminder before the new expiry.
    bot.clock.advance(days=60)
    bot.reconcile()
    assert len(reminders(bot)) == 2


def test_at_expiry_the_bot_opens_the_removal_itself_and_says_so(bot_on_any_store: Harness) -> None:
    bot = bot_on_any_store
    env = bot.ready()
    bot.clock.advance(days=30, minutes=1)
    race(bot)  # several instances: still one removal pull request, one message
    expiring = bot.store.get(env.id)
    assert expiring.state == State.DELETING and expiring.end_reason == "expired"
    assert expiring.pull_request.purpose == "remove"
    told = [t for t in texts_to(bot, ALICE.id) if "reached the end of its lifetime" in t]
    assert len(told) == 1
    (moved,) = [a for a in bot.store.audit_trail(env.id) if a.action == "ready->deleting"]
    assert moved.actor == "notebook-bot" and "lifetime ended" in moved.detail
    bot.merge(expiring)
    bot.clock.advance(minutes=6)
    bot.reconcile()
    assert bot.store.get(env.id).state == State.DELETED


def test_delete_now_in_the_reminder_opens_the_confirmation(bot: Harness) -> None:
    env = bot.ready()
    bot.clock.advance(days=28, minutes=1)
    bot.reconcile()
    click(bot, ALICE.id, Action.DELETE.value, env.id, replies=0)
    (opened,) = bot.slack.wait_for("views.open")
    assert opened.args["view"]["private_metadata"] == env.id


def test_an_approval_nobody_decides_expires_and_the_requester_is_told(bot: Harness) -> None:
    bot.ask()
    request = bot.only_request()
    bot.clock.advance(hours=71)
    bot.reconcile()
    assert bot.store.get(request.id).state == State.PENDING_APPROVAL
    bot.clock.advance(hours=1)
    race(bot)
    expired = bot.store.get(request.id)
    assert expired.state == State.EXPIRED
    told = [t for t in texts_to(bot, ALICE.id) if "Nobody decided" in t]
    assert len(told) == 1
    cards = [c.args for c in bot.slack.calls("chat.update") if c.args.get("channel") == "C0ADMINS"]
    assert "Expired without a decision" in json.dumps(cards[-1]["blocks"])
    # A late click changes nothing.
    bot.approve(request.id)
    assert bot.store.get(request.id).state == State.EXPIRED
