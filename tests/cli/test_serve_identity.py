"""Bolt's authorize step answers from the configured bot token: a cold instance acks without asking Slack who
it is, and learns its own ids (which Bolt uses to ignore the bot's own events) in the background afterwards."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

import pytest
from slack_bolt import BoltContext
from slack_bolt.error import BoltError

from bot.demo.slack_api import LoopbackSlack
from bot.slack.client import PooledWebClient
from bot.slack.identity import ASK_AGAIN_AFTER, BotIdentity
from tests.support.harness import ALICE, Harness
from tests.support.lifecycle_support import open_home, wait_until


class Later:
    """The warm-ups an identity scheduled, run when the test says (the server runs them after a listener)."""

    def __init__(self) -> None:
        self.pending: list[Callable[[], None]] = []

    def __call__(self, learn: Callable[[], None]) -> None:
        self.pending.append(learn)

    def run(self) -> None:
        pending, self.pending = self.pending, []
        for learn in pending:
            learn()


@pytest.fixture
def slack() -> Iterator[LoopbackSlack]:
    with LoopbackSlack() as server:
        yield server


def authorize(identity: BotIdentity, user: str = "U0ALICE"):  # type: ignore[no-untyped-def]
    return identity(context=BoltContext(), enterprise_id=None, team_id="T0DEMO", user_id=user)


def test_requests_are_authorized_with_the_configured_token_before_slack_is_asked(slack: LoopbackSlack) -> None:
    later = Later()
    identity = BotIdentity(PooledWebClient(token="xoxb-configured", base_url=slack.url), schedule=later)

    first, second = authorize(identity), authorize(identity, "U0BOB")

    assert first.bot_token == second.bot_token == "xoxb-configured"
    assert (first.team_id, first.user_id, second.user_id) == ("T0DEMO", "U0ALICE", "U0BOB")
    assert first.bot_user_id is None and first.bot_id is None
    assert slack.calls() == []  # nobody waited on Slack
    assert len(later.pending) == 1  # one warm-up for any number of requests


def test_the_bot_learns_its_own_ids_once_in_the_background_and_carries_them(slack: LoopbackSlack) -> None:
    later = Later()
    identity = BotIdentity(PooledWebClient(token="xoxb-configured", base_url=slack.url), schedule=later)
    authorize(identity)

    later.run()
    result = authorize(identity)

    assert (result.bot_user_id, result.bot_id, result.team_id) == ("UBOT", "BBOT", "T0DEMO")
    assert [c.method for c in slack.calls()] == ["auth.test"]
    assert later.pending == []  # known: never asked again


def test_a_token_slack_refuses_is_logged_by_name_and_asked_about_again_only_later(
    slack: LoopbackSlack, caplog: pytest.LogCaptureFixture
) -> None:
    slack.state.token_error = "invalid_auth"
    now = [100.0]
    later = Later()
    identity = BotIdentity(
        PooledWebClient(token="xoxb-revoked", base_url=slack.url), schedule=later, clock=lambda: now[0]
    )
    authorize(identity)

    with caplog.at_level(logging.ERROR, logger="bot.slack.identity"):
        later.run()
    assert "Slack refused SLACK_BOT_TOKEN in auth.test (invalid_auth)" in caplog.text
    assert "xoxb-revoked" not in caplog.text

    assert authorize(identity).bot_token == "xoxb-revoked"  # requests still go through; Slack calls say why
    assert later.pending == []
    now[0] += ASK_AGAIN_AFTER
    slack.state.token_error = None
    authorize(identity)
    later.run()
    assert authorize(identity).bot_user_id == "UBOT"


def test_a_slack_that_cannot_be_reached_is_asked_again_later(caplog: pytest.LogCaptureFixture) -> None:
    with LoopbackSlack() as gone:
        url = gone.url
    now = [0.0]
    later = Later()
    identity = BotIdentity(
        PooledWebClient(token="xoxb-t", base_url=url, timeout=2), schedule=later, clock=lambda: now[0]
    )
    authorize(identity)
    with caplog.at_level(logging.WARNING, logger="bot.slack.identity"):
        later.run()
    assert "could not ask Slack who the bot is" in caplog.text
    assert authorize(identity).bot_user_id is None and later.pending == []
    now[0] += ASK_AGAIN_AFTER
    authorize(identity)
    assert len(later.pending) == 1


def test_without_a_token_the_app_is_not_built(slack: LoopbackSlack) -> None:
    with pytest.raises(BoltError, match="SLACK_BOT_TOKEN"):
        BotIdentity(PooledWebClient(token=None, base_url=slack.url), schedule=Later())


def test_once_the_first_command_is_answered_the_bot_knows_who_it_is_and_ignores_its_own_events(
    bot: Harness,
) -> None:
    assert bot.send.command(ALICE.id, "help").status == 200
    bot.settle()  # the listener that answered is done, and the work queued after it
    assert [c.method for c in bot.slack.calls()] == ["auth.test"]

    assert open_home(bot.send, "UBOT").status == 200  # Slack echoes the bot's own events back to it
    assert bot.send.command(ALICE.id, "help").status == 200
    bot.settle()
    assert [c.method for c in bot.slack.calls()] == ["auth.test"]  # asked once; its own Home never drawn
    assert open_home(bot.send, ALICE.id).status == 200
    wait_until(lambda: bot.slack.calls("views.publish"), what="Alice's Home drawn")
