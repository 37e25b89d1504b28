"""The admins' fleet in App Home and ``/notebook list``: pages instead of a silent "…and N more", filters, rows
with the buttons their state allows, bulk actions behind a confirmation, several approvals at once. Through
the real Slack app: signed events and clicks, loopback Slack."""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import replace
from datetime import timedelta
from typing import Any

from bot.cloud.base import ACTIVE, STOPPED
from bot.domain import fleet
from bot.domain.fleet import Power
from bot.domain.request import AuditRecord, EnvironmentRequest
from bot.domain.states import State
from bot.slack.ids import Action, View
from bot.workflow.rendering import cloud_environment
from tests.support.harness import ADMIN, ALICE, BOB, Harness
from tests.support.lifecycle_support import open_home, reply_texts, say, texts_to, wait_until


def seed(
    bot: Harness, count: int, state: State = State.READY, prefix: str = "rseed", **changes: Any
) -> list[EnvironmentRequest]:
    """``count`` stored environments of Bob's (a fleet this size takes too long to click into being)."""
    now = bot.clock()
    made = []
    for i in range(count):
        request = EnvironmentRequest(
            id=(prefix + "".join("abcdefghjk"[int(c)] for c in f"{i:05d}"))[:10],
            owner_user_id=BOB.id,
            owner_email=BOB.email,
            owner_name=BOB.name,
            team_id="T0DEMO",
            template_id="cpu-small",
            kind="workbench",
            display_name=f"env-{i}",
            reason="",
            idle_minutes=180,
            lifetime_days=30,
            env_name=f"nb-bob-env-{i}",
            created_at=now - timedelta(minutes=count - i),
            updated_at=now,
            state=state,
            ready_at=now if state == State.READY else None,
            expires_at=now + timedelta(days=30) if state == State.READY else None,
            **changes,
        )
        bot.store.add(request, AuditRecord(request.id, now, "test", "seeded", None, state.value))
        made.append(request)
    return made


def published(bot: Harness, user_id: str, after: int) -> dict[str, Any]:
    calls = wait_until(lambda: [c for c in bot.slack.calls("views.publish")[after:] if c.args["user_id"] == user_id])
    assert calls, "the Home tab was not published"
    bot.settle()
    return dict([c for c in bot.slack.calls("views.publish") if c.args["user_id"] == user_id][-1].args["view"])


def home_of(bot: Harness, user_id: str) -> dict[str, Any]:
    before = len(bot.slack.calls("views.publish"))
    assert open_home(bot.send, user_id).status == 200
    return published(bot, user_id, before)


def act_in_home(bot: Harness, user_id: str, home: dict[str, Any], action: dict[str, Any], **view: Any) -> Any:
    """A click (button, select, check box) in the Home tab as Slack sends it: the view comes with it."""
    payload = {
        "type": "block_actions",
        "user": {"id": user_id, "team_id": bot.send.team_id},
        "trigger_id": secrets.token_hex(8),
        "container": {"type": "view", "view_id": "V0HOME"},
        "view": {
            "id": "V0HOME",
            "type": "home",
            "callback_id": View.HOME.value,
            "hash": "h",
            "private_metadata": home.get("private_metadata", ""),
            "blocks": [],
            **view,
        },
        "actions": [{"block_id": "b", "action_ts": str(time.time()), **action}],
    }
    before = len(bot.slack.calls("views.publish"))
    assert bot.send.interaction(payload).status == 200
    return before


def row_ids(view: dict[str, Any]) -> list[str]:
    return [b["block_id"].split(":")[1] for b in view["blocks"] if str(b.get("block_id", "")).startswith("fleet:r")]


def button(view: dict[str, Any], action_prefix: str) -> dict[str, Any]:
    for block in view["blocks"]:
        for element in block.get("elements") or []:
            if str(element.get("action_id", "")).startswith(action_prefix):
                return dict(element)
    raise AssertionError(f"no {action_prefix} in the view")


def test_a_big_fleet_is_paged_within_slacks_limits_and_next_shows_the_rest(bot: Harness) -> None:
    seed(bot, 40)
    view = home_of(bot, ADMIN.id)
    assert len(view["blocks"]) <= 100
    assert "Page 1 of 3 · 40 match" in json.dumps(view, ensure_ascii=False)
    assert "more not shown" not in json.dumps(view, ensure_ascii=False)
    first = row_ids(view)
    assert len(first) == bot.policy.fleet.page_size

    nxt = button(view, f"{Action.FLEET_PAGE.value}:next")
    before = act_in_home(bot, ADMIN.id, view, {"type": "button", "action_id": nxt["action_id"], "value": nxt["value"]})
    second = published(bot, ADMIN.id, before)
    assert "Page 2 of 3" in json.dumps(second, ensure_ascii=False)
    assert not set(row_ids(second)) & set(first)


def test_filters_narrow_the_fleet_and_rows_offer_what_their_state_allows(bot: Harness) -> None:
    ready = seed(bot, 2)
    stopped = replace(ready[1], id="rstoppedaa")
    stopped = fleet.with_power(stopped, Power(STOPPED, bot.clock() - timedelta(days=8), fleet.IDLE))
    bot.store.add(stopped, AuditRecord(stopped.id, bot.clock(), "test", "seeded", None, "ready"))
    failed = seed(bot, 1, State.FAILED, "rfail", failed_from=State.APPLYING, last_error="quota exceeded")[0]
    view = home_of(bot, ADMIN.id)
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    actions = lambda rid: [e["action_id"] for e in blocks[f"fleet:{rid}"]["elements"]]  # noqa: E731
    assert actions(ready[0].id) == ["stop", "extend", "delete"]
    assert actions(stopped.id) == ["start", "extend", "delete"]
    assert actions(failed.id) == ["delete", "retry"]

    before = act_in_home(
        bot,
        ADMIN.id,
        view,
        {"type": "static_select", "action_id": Action.FLEET_STOPPED.value, "selected_option": {"value": "7"}},
    )
    narrowed = published(bot, ADMIN.id, before)
    assert row_ids(narrowed) == [stopped.id]
    before = act_in_home(
        bot,
        ADMIN.id,
        narrowed,
        {"type": "static_select", "action_id": Action.FLEET_STATE.value, "selected_option": {"value": "failed"}},
    )
    assert row_ids(published(bot, ADMIN.id, before)) == []  # both filters hold: no failed one stopped 7 days


def test_people_who_are_not_admins_see_no_fleet(bot: Harness) -> None:
    seed(bot, 3)
    view = home_of(bot, ALICE.id)
    assert "Fleet" not in json.dumps(view, ensure_ascii=False) and not row_ids(view)


def test_bulk_stop_asks_first_then_stops_each_as_one_audited_action(bot_on_any_store: Harness) -> None:
    bot = bot_on_any_store  # SQLite, then the Firestore emulator
    first = bot.ready()
    second = bot.ready(user=BOB, name="bob-model")
    bot.clock.advance(hours=9)
    view = home_of(bot, ADMIN.id)
    bulk = button(view, Action.FLEET_BULK_STOP.value)
    assert bulk["text"]["text"] == "Stop 2 running > 8 h"
    opened = len(bot.slack.calls("views.open"))
    act_in_home(bot, ADMIN.id, view, {"type": "button", "action_id": bulk["action_id"], "value": "stop"})
    wait_until(lambda: len(bot.slack.calls("views.open")) > opened)
    modal = bot.slack.calls("views.open")[-1].args["view"]
    assert "Stop 2 environment(s) running for more than 8 hours" in json.dumps(modal, ensure_ascii=False)
    for request in (first, second):  # nothing happens before the confirmation
        assert bot.app.deps.cloud.status(cloud_environment(request, bot.policy)).state == ACTIVE

    bot.send.submit_view(ADMIN.id, View.CONFIRM_BULK.value, {}, private_metadata=modal["private_metadata"])
    wait_until(lambda: any("Bulk stop: 2 done" in t for t in texts_to(bot, ADMIN.id)))
    bot.settle()
    for request in (first, second):
        assert bot.app.deps.cloud.status(cloud_environment(request, bot.policy)).state == STOPPED
        trail = [(a.actor, a.action) for a in bot.store.audit_trail(request.id)]
        assert (ADMIN.id, "bulk stop") in trail and (ADMIN.id, "stop") in trail


def test_bulk_delete_takes_only_what_still_qualifies_when_confirmed(bot: Harness) -> None:
    first = bot.ready()
    second = bot.ready(user=BOB, name="bob-model")
    for user in (ALICE, BOB):
        say(bot, user.id, "stop")
    bot.clock.advance(days=31)
    view = home_of(bot, ADMIN.id)
    bulk = button(view, Action.FLEET_BULK_DELETE.value)
    act_in_home(bot, ADMIN.id, view, {"type": "button", "action_id": bulk["action_id"], "value": "delete"})
    modal = wait_until(lambda: bot.slack.calls("views.open"))[-1].args["view"]
    say(bot, BOB.id, "start")  # Bob came back while the dialog was open
    bot.send.submit_view(ADMIN.id, View.CONFIRM_BULK.value, {}, private_metadata=modal["private_metadata"])
    wait_until(lambda: any("Bulk delete: 1 done" in t for t in texts_to(bot, ADMIN.id)))
    bot.settle()
    deleted, kept = bot.store.get(first.id), bot.store.get(second.id)
    assert deleted is not None and deleted.state in (State.DELETING, State.DELETED)
    assert kept is not None and kept.state == State.READY
    assert any("bob-model: changed since you confirmed" in t for t in texts_to(bot, ADMIN.id))


def test_someone_not_admin_cannot_bulk_anything(bot: Harness) -> None:
    bot.ready()
    bot.clock.advance(hours=9)
    view = home_of(bot, ADMIN.id)
    bulk = button(view, Action.FLEET_BULK_STOP.value)
    act_in_home(bot, ALICE.id, view, {"type": "button", "action_id": bulk["action_id"], "value": "stop"})
    wait_until(lambda: any("Only notebook admins" in t for t in texts_to(bot, ALICE.id)))
    meta = json.dumps({"k": "stop", "ids": [bot.only_request().id]})
    bot.send.submit_view(ALICE.id, View.CONFIRM_BULK.value, {}, private_metadata=meta)
    bot.settle()
    assert len([t for t in texts_to(bot, ALICE.id) if "Only notebook admins" in t]) == 2
    assert bot.app.deps.cloud.status(cloud_environment(bot.only_request(), bot.policy)).state == ACTIVE


def test_an_admin_approves_several_pending_requests_at_once(bot: Harness) -> None:
    bot.ask()
    bot.ask(user=BOB, name="bob-model")
    alice, bob = bot.only_request(), bot.only_request(BOB)
    view = home_of(bot, ADMIN.id)
    picks = {
        "fleet:pick:0": {
            Action.FLEET_PICK_PENDING.value: {
                "type": "checkboxes",
                "selected_options": [{"value": alice.id}, {"value": bob.id}],
            }
        }
    }
    approve = button(view, Action.FLEET_APPROVE_PICKED.value)
    act_in_home(
        bot,
        ADMIN.id,
        view,
        {"type": "button", "action_id": approve["action_id"], "value": "approve"},
        state={"values": picks},
    )
    wait_until(lambda: any("Approved: 2 done" in t for t in texts_to(bot, ADMIN.id)))
    bot.settle()
    for request in (alice, bob):
        stored = bot.store.get(request.id)
        assert stored is not None and stored.decided_by == ADMIN.id and stored.state != State.PENDING_APPROVAL


def test_notebook_list_pages_with_next_and_previous(bot: Harness) -> None:
    seed(bot, 40)
    (first,) = say(bot, ADMIN.id, "list ready")
    assert "Page 1 of 3 \\u00b7 40 match" in first and "more not shown" not in first
    (third,) = say(bot, ADMIN.id, "list ready page 3")
    assert "Page 3 of 3 \\u00b7 40 match" in third
    reply = bot.replies()[-1]
    prev = button({"blocks": reply["blocks"]}, f"{Action.LIST_PAGE.value}:prev")
    before = len(bot.replies())
    bot.send.click(ADMIN.id, prev["action_id"], prev["value"])
    wait_until(lambda: len(bot.replies()) > before)
    bot.settle()
    assert "Page 2 of 3" in reply_texts(bot)[-1] and bot.replies()[-1].get("replace_original") is True
