"""A message typed in the bot's Messages tab is answered with what the bot understands, once."""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

from tests.support.harness import ALICE, Harness
from tests.support.lifecycle_support import wait_until


def _message(bot: Harness, event: dict[str, Any]) -> int:
    body = {
        "token": "legacy-unused",
        "team_id": bot.send.team_id,
        "api_app_id": "A0NOTEBOOK",
        "type": "event_callback",
        "event_id": "Ev" + secrets.token_hex(5).upper(),
        "event_time": int(time.time()),
        "event": {"type": "message", "ts": f"{time.time():.6f}", "event_ts": f"{time.time():.6f}", **event},
    }
    return bot.send.post(json.dumps(body).encode(), content_type="application/json").status


def test_a_message_to_the_bot_gets_the_help(bot: Harness) -> None:
    assert _message(bot, {"channel_type": "im", "channel": "D0ALICE", "user": ALICE.id, "text": "hello?"}) == 200
    answers = wait_until(lambda: bot.messages_to("D0ALICE"))
    bot.settle()
    assert len(answers) == 1 and "/notebook new" in answers[0]["text"]


def test_the_bots_own_messages_edits_and_channel_messages_get_no_answer(bot: Harness) -> None:
    ignored = [
        {"channel_type": "im", "channel": "D0ALICE", "bot_id": "BBOT", "user": "UBOT", "text": "help"},
        {"channel_type": "im", "channel": "D0ALICE", "subtype": "message_changed", "text": "x"},
        {"channel_type": "channel", "channel": "C0GENERAL", "user": ALICE.id, "text": "hi"},
    ]
    for event in ignored:
        assert _message(bot, event) == 200
    # A message that is answered, sent last: once its answer is there, the others had their turn.
    assert _message(bot, {"channel_type": "im", "channel": "D0BOB", "user": "U0BOB", "text": "hi"}) == 200
    wait_until(lambda: bot.messages_to("D0BOB"))
    bot.settle()
    assert [c.args["channel"] for c in bot.slack.calls("chat.postMessage")] == ["D0BOB"]
