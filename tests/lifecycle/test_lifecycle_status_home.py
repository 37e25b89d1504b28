"""What owners see: ``/notebook status`` and the App Home tab, with live state from the cloud."""

from __future__ import annotations

import json
from datetime import timedelta

from bot.domain.request import AuditRecord, EnvironmentRequest
from bot.domain.states import State
from bot.slack.ids import Action, View
from tests.support.harness import ADMIN, ALICE, Harness
from tests.support.lifecycle_support import ScriptedCloud, open_home, say, wait_until


def published(bot: Harness, count: int = 1) -> dict[str, object]:
    calls = wait_until(
        lambda: bot.slack.calls("views.publish") if len(bot.slack.calls("views.publish")) >= count else None
    )
    assert calls, "no Home tab was published"
    return calls[-1].args  # type: ignore[no-any-return]


def test_status_shows_live_state_url_template_expiry_pr_and_buttons(bot: Harness) -> None:
    env = bot.ready()
    (reply,) = say(bot, ALICE.id, "status")
    assert "Google says *ACTIVE*" in reply
    assert env.url in reply and "CPU notebook" in reply and "kept until" in reply and "PR #" in reply
    for action in (Action.OPEN, Action.STOP, Action.EXTEND, Action.DELETE):
        assert f'"action_id": "{action.value}"' in reply


def test_status_after_a_stop_offers_start(bot: Harness) -> None:
    bot.ready()
    say(bot, ALICE.id, "stop churn-model")
    (reply,) = say(bot, ALICE.id, "status")
    assert "Google says *STOPPED*" in reply
    assert f'"action_id": "{Action.START.value}"' in reply and f'"action_id": "{Action.STOP.value}"' not in reply


def test_when_google_does_not_answer_status_shows_the_stored_state_and_says_so(
    scripted: tuple[Harness, ScriptedCloud],
) -> None:
    bot, cloud = scripted
    bot.ready()
    cloud.failing = True
    bot.clock.advance(minutes=5)  # past the status cache
    (reply,) = say(bot, ALICE.id, "status")
    assert "*ready*" in reply and "Google Cloud did not answer" in reply


def test_opening_home_publishes_my_environments_with_their_buttons(bot: Harness) -> None:
    env = bot.ready()
    open_home(bot.send, ALICE.id)
    args = published(bot)
    assert args["user_id"] == ALICE.id
    view = args["view"]
    assert view["type"] == "home" and view["callback_id"] == View.HOME.value
    text = json.dumps(view)
    assert "churn-model" in text and "ACTIVE" in text and env.url in text
    assert Action.NEW.value in text and Action.STOP.value in text and Action.EXTEND.value in text


def test_home_asks_google_once_per_environment_however_often_it_is_opened(
    scripted: tuple[Harness, ScriptedCloud],
) -> None:
    bot, cloud = scripted
    bot.ready()
    bot.clock.advance(minutes=1)  # what reconcile learnt while making it ready is no longer fresh
    bot.settle()
    before = cloud.calls["status"]
    already = len(bot.slack.calls("views.publish"))  # the Home follows the request as it moves
    for n in range(1, 4):
        open_home(bot.send, ALICE.id)
        published(bot, already + n)
    assert cloud.calls["status"] - before == 1


def test_new_notebook_in_home_opens_the_request_form(bot: Harness) -> None:
    bot.send.click_in_home(ALICE.id, Action.NEW.value, "new")
    (opened,) = bot.slack.wait_for("views.open")
    assert opened.args["view"]["callback_id"] == View.NEW_REQUEST.value


def test_home_stays_within_slacks_100_blocks_with_many_environments(bot: Harness) -> None:
    now = bot.clock()
    for i in range(80):
        request = EnvironmentRequest(
            id=f"rbulk{i:05d}",
            owner_user_id=ALICE.id,
            owner_email=ALICE.email or "",
            owner_name=ALICE.name,
            team_id="T0DEMO",
            template_id="cpu-small",
            kind="workbench",
            display_name=f"nb-{i}",
            reason="",
            idle_minutes=60,
            lifetime_days=30,
            env_name=f"nb-alice-{i}",
            created_at=now + timedelta(seconds=i),
            updated_at=now,
            state=State.PENDING_APPROVAL if i % 2 else State.REJECTED,
        )
        bot.store.add(request, AuditRecord(request.id, now, ALICE.id, "submitted"))
    open_home(bot.send, ALICE.id)
    view = published(bot)["view"]
    assert len(view["blocks"]) <= 100  # type: ignore[index]
    assert "more not shown" in json.dumps(view)
    (reply,) = say(bot, ALICE.id, "status")
    assert reply.count('"type": "divider"') <= 16  # a message holds at most 50 blocks


def test_an_admins_home_counts_the_requests_waiting_for_approval(bot: Harness) -> None:
    bot.ask()
    open_home(bot.send, ADMIN.id)
    assert "1 request(s) wait for approval" in json.dumps(published(bot)["view"])
