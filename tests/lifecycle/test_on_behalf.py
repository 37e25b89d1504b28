"""An admin asks for an environment on someone's behalf: it is theirs, both are told, the owner's identity rules
apply, and the admin who asked does not decide on it. Through the real Slack app."""

from __future__ import annotations

import json

from bot.domain.states import State
from bot.slack.ids import View
from tests.support.harness import ADMIN, ADMIN2, ALICE, BOB, GUEST, Harness
from tests.support.lifecycle_support import say, texts_to, wait_until


def open_form_for(bot: Harness, admin: str, owner: str) -> dict[str, object]:
    opened = len(bot.slack.calls("views.open"))
    assert bot.send.command(admin, f"new <@{owner}|someone>").status == 200
    calls = wait_until(lambda: bot.slack.calls("views.open")[opened:])
    assert calls, "no form opened"
    return dict(calls[-1].args["view"])


def submit_for(bot: Harness, user: str, owner: str, name: str = "for-alice") -> object:
    values = {"template": {"type": "static_select", "selected_option": {"value": "cpu-small"}}}
    values["display_name"] = {"type": "plain_text_input", "value": name}
    response = bot.send.submit_view(user, View.NEW_REQUEST.value, values, private_metadata=json.dumps({"for": owner}))
    bot.settle()
    return response


def test_an_admin_asks_for_alice_and_the_environment_is_hers_both_told(bot: Harness) -> None:
    form = open_form_for(bot, ADMIN.id, ALICE.id)
    assert json.loads(str(form["private_metadata"])) == {"for": ALICE.id}
    assert f"For <@{ALICE.id}>" in json.dumps(form["blocks"])

    submit_for(bot, ADMIN.id, ALICE.id)
    request = bot.only_request(ALICE)
    assert request.owner_email == ALICE.email and request.state == State.PENDING_APPROVAL
    (submitted,) = [a for a in bot.store.audit_trail(request.id) if a.action == "submitted"]
    assert submitted.actor == ADMIN.id and "on behalf of alice@example.com" in submitted.detail
    wait_until(lambda: any("asked for an environment for you" in t for t in texts_to(bot, ALICE.id)))
    assert any("on behalf of <@U0ALICE>" in t for t in texts_to(bot, ADMIN.id))
    assert not bot.store.find(owner_user_id=ADMIN.id)

    bot.approve(request.id, ADMIN)  # the admin who asked does not decide
    still = bot.store.get(request.id)
    assert still is not None and still.state == State.PENDING_APPROVAL
    bot.approve(request.id, ADMIN2)
    decided = bot.store.get(request.id)
    assert decided is not None and decided.decided_by == ADMIN2.id


def test_a_guest_cannot_be_the_owner(bot: Harness) -> None:
    (reply,) = say(bot, ADMIN.id, f"new <@{GUEST.id}>")
    assert "cannot own an environment" in reply and "Guest accounts" in reply
    assert not bot.slack.calls("views.open")


def test_only_admins_ask_on_someones_behalf(bot: Harness) -> None:
    (reply,) = say(bot, BOB.id, f"new <@{ALICE.id}>")
    assert "Only notebook admins" in reply
    response = submit_for(bot, BOB.id, ALICE.id)  # a forged form gets nowhere either
    assert "Only notebook admins" in json.dumps(response.json())
    assert not bot.store.find(owner_user_id=ALICE.id) and not bot.store.find(owner_user_id=BOB.id)
