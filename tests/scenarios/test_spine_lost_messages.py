"""A message Slack failed to take is sent again by reconcile, once; nothing acknowledged is lost."""

from __future__ import annotations

from bot.domain.states import State
from tests.support.harness import ADMIN, ALICE, Harness


def test_a_card_and_dm_that_slack_refused_are_sent_by_the_next_reconcile(bot: Harness) -> None:
    bot.slack.state.failing["chat.postMessage"] = 2
    bot.ask(ALICE)
    request = bot.only_request(ALICE)
    assert bot.slack.calls("chat.postMessage") == []  # both refused by Slack
    assert len(bot.slack.calls("chat.postMessage:failed")) == 2

    bot.reconcile()  # too soon: the first try may still be on its way
    assert bot.slack.calls("chat.postMessage") == []

    bot.clock.advance(minutes=3)
    report = bot.reconcile()
    assert report.actions["messages sent again"] == 2
    assert len(bot.messages_to(ALICE.id)) == 1 and len(bot.messages_to("C0ADMINS")) == 1
    bot.clock.advance(hours=2)
    bot.reconcile()
    assert len(bot.slack.calls("chat.postMessage")) == 2  # not again

    bot.approve(request.id, ADMIN)  # the resent card works like the first one would have
    assert bot.store.get(request.id).state == State.PR_OPEN  # type: ignore[union-attr]


def test_a_lost_ready_message_is_sent_again(bot: Harness) -> None:
    bot.ask(ALICE)
    request = bot.only_request(ALICE)
    bot.approve(request.id, ADMIN)
    bot.merge(request)
    bot.slack.state.failing["chat.postMessage"] = 1
    bot.reconcile()
    ready = bot.store.get(request.id)
    assert ready is not None and ready.state == State.READY and ready.slack.ready_ts is None
    assert not [m for m in bot.messages_to(ALICE.id) if "Open JupyterLab" in str(m["blocks"])]
    bot.clock.advance(minutes=3)
    bot.reconcile()
    bot.reconcile()
    urls = [m for m in bot.messages_to(ALICE.id) if "Open JupyterLab" in str(m["blocks"])]
    assert len(urls) == 1


def test_a_card_still_queued_is_not_sent_twice_but_one_lost_in_a_crash_is(bot: Harness) -> None:
    bot.slack.state.failing["chat.postMessage"] = 2
    bot.ask(ALICE)
    request = bot.only_request(ALICE)
    # Another instance has claimed the card and is still waiting for its turn to post it (a burst).
    assert bot.store.claim(f"msg:{request.id}:card", bot.clock())
    bot.clock.advance(minutes=3)
    bot.reconcile()
    assert len(bot.messages_to(ALICE.id)) == 1  # the DM nobody had claimed is sent
    assert bot.messages_to("C0ADMINS") == []  # the queued card is left to its sender
    bot.clock.advance(minutes=40)  # that sender never posted: it crashed
    bot.reconcile()
    bot.reconcile()
    assert len(bot.messages_to("C0ADMINS")) == 1


def test_records_from_before_the_message_refs_existed_are_not_taken_for_lost_messages(bot: Harness) -> None:
    from bot.domain.request import EnvironmentRequest

    ready = bot.ready(ALICE)
    record = ready.to_record()
    del record["slack"]["ready_ts"]  # as an older version stored it
    assert EnvironmentRequest.from_record(record).slack.ready_ts is not None
