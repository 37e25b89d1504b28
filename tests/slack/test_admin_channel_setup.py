"""An admin channel that refuses the bot is a setup problem told to people, never a silent retry."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from bot.config.load import load_policy
from bot.domain.states import State
from bot.store.sqlite import SqliteStore
from tests.support.harness import ADMIN, ADMIN2, ALICE, Harness, running_bot
from tests.support.lifecycle_support import FlakyRepo, texts_to


def _health(bot: Harness) -> tuple[int, dict[str, Any]]:
    with urllib.request.urlopen(bot.server.url + "/healthz", timeout=5) as resp:
        return resp.status, json.loads(resp.read())


def _progress_dm(bot: Harness, request_id: str) -> str:
    """The requester's progress message about a request as it stands now (posted, then updated in place)."""
    posted = [json.dumps(m.get("blocks")) for m in bot.messages_to(ALICE.id) if "submitted" in json.dumps(m)]
    updated = [
        json.dumps(c.args.get("blocks")) for c in bot.slack.calls("chat.update") if c.args["channel"] == "D0ALICE"
    ]
    return [b for b in posted + updated if request_id in b][-1]


@pytest.mark.parametrize("error", ["not_in_channel", "channel_not_found", "is_archived"])
def test_a_refused_admin_channel_is_told_to_every_admin_the_requester_and_healthz(bot: Harness, error: str) -> None:
    bot.slack.state.channel_errors["C0ADMINS"] = error
    bot.ask(ALICE)
    request = bot.only_request(ALICE)
    assert bot.slack.calls(f"chat.postMessage:{error}")  # the card was tried, and refused as Slack does

    for admin in (ADMIN, ADMIN2):
        (dm,) = texts_to(bot, admin.id)
        assert "<#C0ADMINS>" in dm and f"`{error}`" in dm and "/invite @notebook-bot" in dm
    told = texts_to(bot, ALICE.id)
    assert any("has not reached the admins yet" in t for t in told), told
    assert "has not reached the admins yet" in _progress_dm(
        bot, request.id
    ) and "An admin has been asked" not in _progress_dm(bot, request.id)

    status, report = _health(bot)
    assert status == 200 and report["status"] == "degraded"
    assert "C0ADMINS" in report["slack"] and error in report["slack"]

    # The same problem again (another request) does not DM the admins a second time.
    bot.ask(ALICE, name="second-one")
    assert len(texts_to(bot, ADMIN.id)) == 1

    # Someone fixes the channel: the next reconcile posts the waiting cards, and health recovers.
    del bot.slack.state.channel_errors["C0ADMINS"]
    bot.clock.advance(minutes=3)
    bot.reconcile()
    cards = bot.messages_to("C0ADMINS")
    assert len(cards) == 2 and request.id in json.dumps(cards)
    status, report = _health(bot)
    assert status == 200 and report == {"ok": True, "config": "ok", "store": "ok"}
    assert "An admin has been asked" in _progress_dm(bot, request.id)
    bot.approve(request.id, ADMIN)
    assert bot.store.get(request.id).state == State.PR_OPEN  # type: ignore[union-attr]


def test_a_failure_alert_the_channel_refuses_goes_out_once_it_works(tmp_path: Path, sqlite_store: SqliteStore) -> None:
    base = load_policy(None)
    policy = base.model_copy(update={"limits": base.limits.model_copy(update={"provisioning_attempts": 1})})
    repo = FlakyRepo(tmp_path / "infra", base_branch=policy.repo.base_branch)
    with running_bot(tmp_path, sqlite_store, policy=policy, repo=repo) as bot:
        bot.ask(ALICE)
        request = bot.only_request(ALICE)
        bot.slack.state.channel_errors["C0ADMINS"] = "is_archived"
        repo.failing = True
        bot.approve(request.id, ADMIN)
        failed = bot.store.get(request.id)
        assert failed is not None and failed.state == State.FAILED and failed.slack.alert_ts is None
        assert "unarchive it" in texts_to(bot, ADMIN.id)[0]
        del bot.slack.state.channel_errors["C0ADMINS"]
        bot.clock.advance(minutes=3)
        bot.reconcile()
        alerts = [m for m in bot.messages_to("C0ADMINS") if "Retry" in json.dumps(m.get("blocks"))]
        assert len(alerts) == 1
