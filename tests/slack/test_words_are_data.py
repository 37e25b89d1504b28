"""People's words are data: a Slack name or a reject reason that looks like mrkdwn is shown, never obeyed.

One corpus of hostile words goes through every place a person's words reach in Slack: the owner's DMs,
``/notebook status``, the admins' ``/notebook list`` and ``/notebook audit``, the approval cards, and the
App Home. Nothing the bot sends may carry a live ``<!channel>``, a disguised link or a raw ``<@…>``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.demo.slack_api import SlackUser
from bot.demo.slack_events import text_value
from bot.slack.ids import Field, View
from bot.slack.texts import words
from bot.store.sqlite import SqliteStore
from tests.support.harness import ADMIN2, ALICE, EVERYONE, running_bot
from tests.support.lifecycle_support import open_home, say

CORPUS = [
    "<!channel> <https://evil.example|Approve here> @acme/infra-admins",
    "<!here> & <@U0BOB> <#C0GENERAL> *bold* <!subteam^S0ADMINS>",
]
# What must never reach Slack unescaped: each would ping, link or mention.
LIVE = ["<!channel>", "<!here>", "<https://evil.example", "<@U0BOB>", "<#C0GENERAL>", "<!subteam"]


@pytest.mark.parametrize("hostile", CORPUS)
def test_hostile_names_and_reasons_are_shown_not_obeyed_everywhere(
    tmp_path: Path, sqlite_store: SqliteStore, hostile: str
) -> None:
    admin = SlackUser("U0ADMIN1", "olga@example.com", hostile)  # an admin whose Slack name is the attack
    users = [admin if u.id == admin.id else u for u in EVERYONE]
    with running_bot(tmp_path, sqlite_store, users=users) as bot:
        env = bot.ready(ALICE)  # approved by the hostile admin ("approved by <name>" in the audit)
        bot.ask(ALICE, name="second-one")
        second = next(r for r in bot.store.find(owner_user_id=ALICE.id) if r.display_name == "second-one")
        bot.send.submit_view(
            ADMIN2.id,
            View.REJECT_REASON.value,
            {Field.REJECT_REASON.value: text_value(hostile)},
            private_metadata=second.id,
        )
        bot.settle()
        bot.ask(ALICE, name="third-one")
        third = next(r for r in bot.store.find(owner_user_id=ALICE.id) if r.display_name == "third-one")
        # The hostile admin withdraws one request and deletes the environment: their name becomes the reason.
        for request_id in (third.id, env.id):
            assert bot.send.submit_view(admin.id, View.CONFIRM_DELETE.value, {}, private_metadata=request_id).status
            bot.settle()
        seen = {
            "owner's DMs": json.dumps([m for m in bot.messages_to(ALICE.id)])
            + json.dumps([c.args for c in bot.slack.calls("chat.update") if c.args["channel"] == "D0ALICE"]),
            "cards": json.dumps([c.args for c in bot.slack.calls("chat.update") if c.args["channel"] == "C0ADMINS"]),
            "status": " ".join(say(bot, ALICE.id, "status")),
            "list": " ".join(say(bot, ADMIN2.id, "list")),
            "audit": " ".join(say(bot, ADMIN2.id, f"audit {env.id}") + say(bot, ADMIN2.id, f"audit {second.id}")),
        }
        open_home(bot.send, ALICE.id)
        home = bot.slack.wait_for("views.publish", user_id=ALICE.id)
        bot.settle()
        seen["home"] = json.dumps([c.args for c in home])

        shown = json.dumps(words(hostile))[1:-1]  # as escaped mrkdwn, as it sits in a JSON payload
        for place, text in seen.items():
            for live in LIVE:
                assert live not in text, f"{live!r} is live in {place}"
            assert shown in text, f"the words are not shown in {place}"
        everything = json.dumps([c.args for c in bot.slack.calls()])
        assert not [live for live in LIVE if live in everything]
