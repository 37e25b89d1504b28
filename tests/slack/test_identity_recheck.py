"""Who acts is checked again on every action, from the directory (kept current by Slack's change events, and
asked again once its short TTL has passed): a person who may no longer use the bot cannot act through what
they own or were once made admin of."""

from __future__ import annotations

from dataclasses import replace

from bot.domain.states import State
from bot.slack.ids import Action
from tests.slack.directory_support import slack_event
from tests.support.harness import ADMIN, ALICE, Harness
from tests.support.lifecycle_support import reply_texts


def turned_guest(h: Harness, user_id: str) -> None:
    user = replace(h.slack.state.users[user_id], is_restricted=True)  # never the shared SlackUser itself
    h.slack.state.users[user_id] = user
    slack_event(h.send, {"type": "user_change", "user": user.to_api()})
    h.settle()


def test_an_owner_turned_guest_can_no_longer_extend_stop_or_delete(bot: Harness) -> None:
    ready = bot.ready()
    bot.send.command(ALICE.id, "status")  # the directory knows her as a member
    bot.settle()
    turned_guest(bot, ALICE.id)
    said = len(bot.replies())

    bot.send.command(ALICE.id, "extend churn-model")
    bot.send.click(ALICE.id, Action.STOP.value, ready.id, channel="D0ALICE")
    bot.send.command(ALICE.id, "delete churn-model")
    bot.settle()

    answers = reply_texts(bot)[said:]
    assert len(answers) == 3 and all("Guest accounts cannot" in a for a in answers), answers
    assert bot.slack.calls("views.open") == []
    assert bot.store.get(ready.id) == ready


def test_an_owner_who_left_the_allowed_domain_is_refused_once_the_ttl_has_passed(bot: Harness) -> None:
    ready = bot.ready()
    # Her email changed in Slack, and no change event reached the bot.
    bot.slack.state.users[ALICE.id] = replace(ALICE, email="alice@elsewhere.org")
    bot.clock.advance(minutes=6)

    bot.send.click(ALICE.id, Action.EXTEND.value, ready.id, channel="D0ALICE")
    bot.settle()

    assert "elsewhere.org" in reply_texts(bot)[-1] and "not one this bot serves" in reply_texts(bot)[-1]
    current = bot.store.get(ready.id)
    assert current is not None and current.expires_at == ready.expires_at


def test_an_admin_turned_guest_can_no_longer_approve_or_reject(bot: Harness) -> None:
    bot.ask()
    pending = bot.only_request()
    bot.send.command(ADMIN.id, "list")  # the directory knows Olga as a member and an admin
    bot.settle()
    turned_guest(bot, ADMIN.id)

    bot.approve(pending.id)
    bot.send.click(ADMIN.id, Action.REJECT.value, pending.id)
    bot.settle()

    assert all("Guest accounts cannot" in t for t in reply_texts(bot)[-2:])
    assert bot.slack.calls("views.open") == []
    current = bot.store.get(pending.id)
    assert current is not None and current.state == State.PENDING_APPROVAL
