"""Told what happened without asking: an idle shutdown, a long run, a start or stop that settled, and the
only environment acted on without its name. Through the real Slack app against loopback Slack."""

from __future__ import annotations

import json

from bot.cloud.base import ACTIVE, STOPPED
from bot.domain import fleet
from bot.pricing.estimate import money
from bot.slack.costs import request_estimate
from bot.slack.ids import Action
from bot.workflow.rendering import cloud_environment
from tests.support.harness import ADMIN, ALICE, Harness
from tests.support.lifecycle_support import ScriptedCloud, click, say, texts_to, wait_until


def idle_shutdown(bot: Harness, cloud: ScriptedCloud, request_id: str) -> None:
    """Google stops the instance on its own, as its idle shutdown does (the bot is not asked)."""
    request = bot.store.get(request_id)
    assert request is not None
    cloud.stop(cloud_environment(request, bot.policy))


def dms(bot: Harness, user_id: str, containing: str) -> list[dict[str, object]]:
    return [m for m in bot.messages_to(user_id) if containing in str(m.get("text"))]


def test_an_idle_shutdown_tells_the_owner_once_with_start_and_delete(
    scripted: tuple[Harness, ScriptedCloud],
) -> None:
    bot, cloud = scripted
    env = bot.ready()
    idle_shutdown(bot, cloud, env.id)
    bot.clock.advance(minutes=10)
    report = bot.reconcile()
    assert report.actions["idle stops told"] == 1
    (dm,) = dms(bot, ALICE.id, "stopped after 180 idle minutes")
    blocks = json.dumps(dm["blocks"], ensure_ascii=False)
    assert Action.START.value in blocks and Action.DELETE.value in blocks
    estimate = request_estimate(env, bot.policy)  # what it costs while stopped, from the price table
    assert estimate is not None and estimate.priced
    assert f"Stopped, it costs about {money(estimate.stopped_monthly, estimate.currency)}/month" in blocks
    told = [a for a in bot.store.audit_trail(env.id) if a.action == "idle stop told"]
    assert len(told) == 1

    bot.clock.advance(minutes=10)
    again = bot.reconcile()
    assert again.actions["idle stops told"] == 0
    assert len(dms(bot, ALICE.id, "stopped after")) == 1  # once, however many passes
    stored = bot.store.get(env.id)
    assert stored is not None and fleet.stopped_for(stored, bot.clock()) is not None


def test_a_stop_through_the_bot_is_no_idle_shutdown_and_updates_the_owners_message(bot: Harness) -> None:
    env = bot.ready()
    updates = len(bot.slack.calls("chat.update"))
    (reply,) = click(bot, ADMIN.id, Action.STOP.value, env.id)
    assert "is stopped" in reply
    wait_until(lambda: len(bot.slack.calls("chat.update")) > updates)
    stored = bot.store.get(env.id)
    assert stored is not None
    last = bot.slack.calls("chat.update")[-1].args
    assert last["ts"] == stored.slack.ready_ts
    assert "Stopped by <@U0ADMIN1>" in json.dumps(last["blocks"]) and Action.START.value in json.dumps(last["blocks"])

    bot.clock.advance(minutes=10)
    report = bot.reconcile()
    assert report.actions["idle stops told"] == 0
    assert not dms(bot, ALICE.id, "idle minutes")


def test_a_long_run_earns_one_nudge(bot_on_any_store: Harness) -> None:
    bot = bot_on_any_store  # SQLite, then the Firestore emulator
    env = bot.ready()
    bot.clock.advance(hours=11)
    assert bot.reconcile().actions["running nudges"] == 0
    bot.clock.advance(hours=2)
    assert bot.reconcile().actions["running nudges"] == 1
    (dm,) = dms(bot, ALICE.id, "running for more than 12 hours")
    assert Action.STOP.value in json.dumps(dm["blocks"])
    estimate = request_estimate(env, bot.policy)
    assert estimate is not None
    hourly = money(estimate.running_hourly, estimate.currency)
    assert f"Running, it costs about {hourly}/hour" in json.dumps(dm["blocks"], ensure_ascii=False)
    bot.clock.advance(hours=2)
    assert bot.reconcile().actions["running nudges"] == 0
    assert len(dms(bot, ALICE.id, "running for more than")) == 1
    assert [a.action for a in bot.store.audit_trail(env.id)].count("running nudge") == 1


def test_stop_and_start_without_a_name_act_on_the_only_environment(bot: Harness) -> None:
    env = bot.ready()
    (reply,) = say(bot, ALICE.id, "stop")
    assert "churn-model* is stopped" in reply
    request = bot.store.get(env.id)
    assert request is not None
    assert bot.app.deps.cloud.status(cloud_environment(request, bot.policy)).state == STOPPED
    (reply,) = say(bot, ALICE.id, "start")
    assert "churn-model* is running" in reply
    assert bot.app.deps.cloud.status(cloud_environment(request, bot.policy)).state == ACTIVE


def test_without_a_name_and_two_environments_the_bot_asks_which(bot: Harness) -> None:
    bot.ready()
    bot.ready(name="second-one")
    (reply,) = say(bot, ALICE.id, "stop")
    assert "Which one?" in reply and "`churn-model`" in reply and "`second-one`" in reply
    assert not any("is stopped" in t for t in texts_to(bot, ALICE.id))


def test_an_idle_stop_dm_slack_refused_is_sent_on_a_later_pass_once(scripted: tuple[Harness, ScriptedCloud]) -> None:
    bot, cloud = scripted
    env = bot.ready()
    idle_shutdown(bot, cloud, env.id)
    bot.clock.advance(minutes=10)
    bot.slack.state.failing["chat.postMessage"] = 1  # Slack has a bad moment
    first = bot.reconcile()
    assert first.actions["idle stops told"] == 0 and first.errors
    assert not dms(bot, ALICE.id, "idle minutes")
    bot.clock.advance(minutes=6)
    assert bot.reconcile().actions["idle stops told"] == 1
    bot.clock.advance(minutes=6)
    assert bot.reconcile().actions["idle stops told"] == 0
    assert len(dms(bot, ALICE.id, "idle minutes")) == 1


def test_a_start_google_takes_time_over_updates_the_owners_message_when_it_is_running(
    scripted: tuple[Harness, ScriptedCloud],
) -> None:
    bot, cloud = scripted
    env = bot.ready()
    say(bot, ALICE.id, "stop")
    cloud.settle_after = 3  # STARTING for three more readings
    first, done = say(bot, ALICE.id, "start", replies=2)
    assert "Starting" in first and "is running" in done
    stored = bot.store.get(env.id)
    assert stored is not None
    last = [c.args for c in bot.slack.calls("chat.update") if c.args.get("ts") == stored.slack.ready_ts][-1]
    assert "Running since" in json.dumps(last["blocks"]) and "started by you" in json.dumps(last["blocks"])
    seen = fleet.power(stored)
    assert seen is not None and seen.state == ACTIVE and seen.by == ALICE.id
