"""Starting and stopping an environment from Slack: through the cloud API, audited, checked on the server."""

from __future__ import annotations

from bot.cloud.base import ACTIVE, STOPPED
from bot.slack.ids import Action
from bot.workflow.rendering import cloud_environment
from tests.support.harness import ADMIN, ALICE, BOB, Harness
from tests.support.lifecycle_support import ScriptedCloud, click, say, texts_to, wait_until


def cloud_state(bot: Harness, request_id: str) -> str:
    request = bot.store.get(request_id)
    assert request is not None
    return bot.app.deps.cloud.status(cloud_environment(request, bot.policy)).state


def test_the_owner_stops_and_starts_an_environment_by_name(bot: Harness) -> None:
    env = bot.ready()
    (reply,) = say(bot, ALICE.id, "stop churn-model")
    assert "churn-model* is stopped" in reply
    assert cloud_state(bot, env.id) == STOPPED

    bot.clock.advance(minutes=1)
    (reply,) = say(bot, ALICE.id, "start churn-model")
    assert "churn-model* is running" in reply
    assert cloud_state(bot, env.id) == ACTIVE
    actions = [(a.actor, a.action) for a in bot.store.audit_trail(env.id)]
    assert (ALICE.id, "stop") in actions and (ALICE.id, "start") in actions


def test_the_reply_comes_when_google_has_finished_not_before(
    scripted: tuple[Harness, ScriptedCloud], sleeps: list[float]
) -> None:
    bot, cloud = scripted
    bot.ready()
    cloud.settle_after = 3  # STOPPING for three more readings, as Google does for a minute or so
    first, done = say(bot, ALICE.id, "stop churn-model", replies=2)
    assert "Stopping *churn-model*" in first and "tell you when" in first
    assert "churn-model* is stopped" in done
    assert sleeps and all(s == 10 for s in sleeps)  # it polled on the injected timer


def test_a_start_that_never_settles_says_so_within_the_bound(
    scripted: tuple[Harness, ScriptedCloud], sleeps: list[float]
) -> None:
    bot, cloud = scripted
    bot.ready()
    say(bot, ALICE.id, "stop churn-model")
    cloud.settle_after = 50
    first, late = say(bot, ALICE.id, "start churn-model", replies=2)
    assert "Starting" in first
    assert "still STARTING" in late
    assert len(sleeps) == 5  # the bound: max_polls


def test_someone_else_cannot_stop_or_start_my_environment(bot: Harness) -> None:
    env = bot.ready()
    (reply,) = say(bot, BOB.id, f"stop {env.id}")
    assert "belongs to <@U0ALICE>" in reply
    (reply,) = click(bot, BOB.id, Action.STOP.value, env.id)
    assert "only its owner or a notebook admin" in reply
    assert cloud_state(bot, env.id) == ACTIVE
    refused = [a for a in bot.store.audit_trail(env.id) if a.action == "stop refused"]
    assert refused and refused[0].actor == BOB.id


def test_bob_cannot_guess_alices_environment_by_name(bot: Harness) -> None:
    bot.ready()
    (reply,) = say(bot, BOB.id, "stop churn-model")
    assert "You have no environment called `churn-model`" in reply


def test_an_admin_may_stop_anyones_environment_and_it_is_audited(bot: Harness) -> None:
    env = bot.ready()
    (reply,) = click(bot, ADMIN.id, Action.STOP.value, env.id)
    assert "is stopped" in reply
    (stop,) = [a for a in bot.store.audit_trail(env.id) if a.action == "stop"]
    assert stop.actor == ADMIN.id and "for alice@example.com" in stop.detail


def test_stop_from_the_home_tab_answers_by_dm_and_refreshes_home(bot: Harness) -> None:
    env = bot.ready()
    published = len(bot.slack.calls("views.publish"))
    bot.send.click_in_home(ALICE.id, Action.STOP.value, env.id)
    wait_until(lambda: len(bot.slack.calls("views.publish")) > published)
    assert any("is stopped" in t for t in texts_to(bot, ALICE.id))
    home = bot.slack.calls("views.publish")[-1].args["view"]
    assert Action.START.value in str(home) and "STOPPED" in str(home)


def test_only_a_ready_environment_can_be_stopped(bot: Harness) -> None:
    bot.ask()
    (reply,) = say(bot, ALICE.id, "stop churn-model")
    assert "waiting for approval" in reply and "only a ready environment" in reply


def test_stop_without_a_name_says_how(bot: Harness) -> None:
    (reply,) = say(bot, ALICE.id, "stop")
    assert "/notebook stop NAME" in reply
