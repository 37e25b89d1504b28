"""Bad input and people who may not do something: a clear message, and nothing changes."""

from __future__ import annotations

import json
import time

import pytest

from bot.demo.slack_api import SlackUser
from bot.domain.states import State
from bot.slack.ids import Action
from tests.support.harness import (
    A_BOT,
    ADMIN,
    ADMIN2,
    ALICE,
    BOB,
    DEACTIVATED,
    GUEST,
    OUTSIDER,
    SINGLE_CHANNEL_GUEST,
    Harness,
)


@pytest.mark.parametrize(
    ("fields", "block", "words"),
    [
        ({"name": "Not A Name!"}, "display_name", "lowercase letters"),
        ({"idle_minutes": 5}, "idle_minutes", "from 10 to 1440"),
        ({"idle_minutes": 5000}, "idle_minutes", "from 10 to 1440"),
        ({"lifetime_days": 365}, "lifetime_days", "from 1 to 90"),
        ({"idle_minutes": "ten"}, "idle_minutes", "whole number"),
    ],
)
def test_invalid_fields_get_inline_errors_and_nothing_is_saved(
    bot: Harness, fields: dict, block: str, words: str
) -> None:
    # The parameter is shared by every run in the process (mutmut runs pytest in-process, more than once):
    # read it, never change it.
    extra = {key: value for key, value in fields.items() if key != "name"}
    response = bot.ask(ALICE, "cpu-small", fields.get("name", "ok-name"), **extra)
    assert response.status == 200
    answer = response.json()
    assert answer["response_action"] == "errors"
    assert words in answer["errors"][block].lower()
    assert bot.store.find() == []
    assert bot.slack.calls("chat.postMessage") == []


def test_a_second_environment_with_the_same_name_is_refused_inline(bot: Harness) -> None:
    bot.ask(ALICE, "cpu-small", "same")
    answer = bot.ask(ALICE, "cpu-small", "same").json()
    assert "already have an environment called same" in answer["errors"]["display_name"]
    assert len(bot.store.find()) == 1


def test_over_the_quota_is_refused_with_the_reason_before_anything_is_rendered(bot: Harness) -> None:
    bot.ask(ALICE, "cpu-small", "one")
    bot.ask(ALICE, "cpu-small", "two")
    answer = bot.ask(ALICE, "cpu-small", "three").json()
    assert "the most allowed is 2" in answer["errors"]["template"]
    assert len(bot.store.find()) == 2


@pytest.mark.parametrize(
    ("user", "why"),
    [
        (GUEST, "Guest accounts"),
        (SINGLE_CHANNEL_GUEST, "Guest accounts"),
        (DEACTIVATED, "deactivated"),
        (A_BOT, "Bots cannot"),
        (OUTSIDER, "elsewhere.org) is not one this bot serves"),
    ],
)
def test_people_who_cannot_have_environments_are_told_why(bot: Harness, user: SlackUser, why: str) -> None:
    bot.send.command(user.id, "new")
    bot.slack.wait_for("response/1")
    assert why in bot.replies()[-1]["text"]
    assert bot.slack.calls("views.open") == []
    # A forged submission (no modal was ever opened) is refused just the same.
    answer = bot.ask(user, "cpu-small", "sneaky").json()
    assert why in answer["errors"]["template"]
    assert bot.store.find() == []


def test_a_user_without_an_email_is_refused_with_the_scope_hint(tmp_path, sqlite_store) -> None:
    from tests.support.harness import running_bot

    nomail = SlackUser("U0NOMAIL", None, "No Mail")
    with running_bot(tmp_path, sqlite_store, users=[nomail]) as bot:
        bot.send.command(nomail.id, "new")
        bot.slack.wait_for("response/1")
        assert "users:read.email" in bot.replies()[-1]["text"]


def test_a_non_admin_cannot_approve_and_nothing_changes(bot: Harness) -> None:
    bot.ask(ALICE)
    request = bot.only_request(ALICE)
    bot.approve(request.id, BOB)
    bot.slack.wait_for("response/1")
    assert "Only notebook admins" in bot.replies()[-1]["text"]
    assert bot.replies()[-1]["response_type"] == "ephemeral"
    after = bot.store.get(request.id)
    assert after is not None and after.state == State.PENDING_APPROVAL and after.version == request.version
    refused = [a for a in bot.store.audit_trail(request.id) if a.action == "approve refused"]
    assert [a.actor for a in refused] == [BOB.id]


def test_an_admin_cannot_approve_their_own_request(bot: Harness) -> None:
    bot.ask(ADMIN, "cpu-small", "admins-own")
    request = bot.only_request(ADMIN)
    bot.approve(request.id, ADMIN)
    bot.slack.wait_for("response/1")
    assert "cannot decide on your own request" in bot.replies()[-1]["text"]
    assert bot.store.get(request.id).state == State.PENDING_APPROVAL  # type: ignore[union-attr]
    bot.approve(request.id, ADMIN2)  # another admin may
    assert bot.store.get(request.id).state == State.PR_OPEN  # type: ignore[union-attr]


def test_unknown_subcommand_answers_with_help(bot: Harness) -> None:
    answer = bot.send.command(ALICE.id, "frobnicate").json()
    assert answer["response_type"] == "ephemeral"
    assert "I don't know `frobnicate`" in answer["text"] and "/notebook new" in answer["text"]


@pytest.mark.parametrize("text", ["", "help", "HELP"])
def test_help_explains_the_commands(bot: Harness, text: str) -> None:
    answer = bot.send.command(ALICE.id, text).json()
    for command in ("/notebook new", "/notebook status", "/notebook delete NAME"):
        assert command in answer["text"]


def test_a_forged_signature_is_refused_with_401_and_does_nothing(bot: Harness) -> None:
    body = b"command=%2Fnotebook&text=new&user_id=U0ALICE&team_id=T0DEMO&trigger_id=1"
    response = bot.send.post(body, signature="v0=" + "0" * 64)
    assert response.status == 401
    assert bot.slack.calls() == []


def test_a_stale_timestamp_is_refused_with_401(bot: Harness) -> None:
    body = b"command=%2Fnotebook&text=new&user_id=U0ALICE&team_id=T0DEMO&trigger_id=1"
    response = bot.send.post(body, timestamp=int(time.time()) - 6 * 60)
    assert response.status == 401
    assert bot.slack.calls() == []


def test_a_correctly_signed_but_unknown_payload_is_not_an_error(bot: Harness) -> None:
    response = bot.send.interaction(
        {
            "type": "block_actions",
            "user": {"id": ALICE.id},
            "actions": [{"action_id": "nobody-listens", "value": "x"}],
        }
    )
    assert response.status in (200, 404)
    assert bot.store.find() == []


def test_reject_asks_for_a_reason_and_tells_the_requester(bot: Harness) -> None:
    bot.ask(ALICE)
    request = bot.only_request(ALICE)
    bot.send.click(ADMIN.id, Action.REJECT.value, request.id)
    opened = bot.slack.wait_for("views.open")
    assert opened[-1].args["view"]["private_metadata"] == request.id
    answer = bot.send.submit_view(
        ADMIN.id,
        "notebook_reject_reason",
        {"reject_reason": {"type": "plain_text_input", "value": "Use the shared cluster for this"}},
        private_metadata=request.id,
    )
    bot.settle()
    assert answer.status == 200
    after = bot.store.get(request.id)
    assert after is not None and after.state == State.REJECTED
    assert after.decision_reason == "Use the shared cluster for this"
    told = [m for m in bot.messages_to(ALICE.id) if "not approved" in m["text"]]
    assert len(told) == 1 and "Use the shared cluster" in told[0]["text"]
    # Approving afterwards changes nothing.
    bot.approve(request.id, ADMIN2)
    assert bot.store.get(request.id).state == State.REJECTED  # type: ignore[union-attr]
    assert "already decided" in bot.replies()[-1]["text"]


def test_a_rejection_without_reason_is_refused_inline(bot: Harness) -> None:
    bot.ask(ALICE)
    request = bot.only_request(ALICE)
    answer = bot.send.submit_view(
        ADMIN.id,
        "notebook_reject_reason",
        {"reject_reason": {"type": "plain_text_input", "value": "  "}},
        private_metadata=request.id,
    ).json()
    assert answer["response_action"] == "errors"
    assert bot.store.get(request.id).state == State.PENDING_APPROVAL  # type: ignore[union-attr]


def test_slack_json_bodies_are_accepted(bot: Harness) -> None:
    # Events API callbacks arrive as JSON; url_verification must answer the challenge.
    body = json.dumps({"type": "url_verification", "challenge": "c-123", "token": "t"}).encode()
    response = bot.send.post(body, content_type="application/json")
    assert response.status == 200 and b"c-123" in response.body


def test_a_reason_cannot_ping_the_admin_channel_or_disguise_a_link(bot: Harness) -> None:
    bot.ask(ALICE, reason="<!channel> please <https://evil.example|Approve here> & thanks")
    (card,) = bot.messages_to("C0ADMINS")
    text = str(card["blocks"])
    assert "<!channel>" not in text and "<https://evil.example|" not in text
    assert "&lt;!channel&gt;" in text and "&amp; thanks" in text
