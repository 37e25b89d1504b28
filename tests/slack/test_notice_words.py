"""Every notice the workflow gives (``bot/domain/notices.py``) has words in the Slack layer, and the facts a
person typed (a name, a reason, an error) come out as data, never as live markup."""

from __future__ import annotations

import dataclasses
import typing
from datetime import UTC, datetime
from typing import Any, get_args

import pytest

from bot.domain import notices
from bot.domain.errors import Refused
from bot.domain.notices import Link, Notice
from bot.domain.request import EndReason
from bot.domain.states import State
from bot.slack.notices import say
from bot.slack.replies import said

HOSTILE = "<!channel> & <@U0BOB>"
# The fields that carry words from people or from outside (a name, a reason, an error, Google's detail); the
# others are the bot's own (an id, a verb) or Google's state names.
OUTSIDE_WORDS = {"name", "reason", "error", "detail", "owner_email", "why", "example"}
KINDS: list[type[Any]] = list(get_args(Notice))


def example(kind: type[Any], text: str = HOSTILE) -> Any:
    """One notice of ``kind`` whose every text field is ``text``."""
    values: dict[str, object] = {}
    for f in dataclasses.fields(kind):
        hint = str(typing.get_type_hints(kind)[f.name])
        if f.name == "owner_user_id":
            values[f.name] = "U0ALICE"
        elif "Link" in hint:
            values[f.name] = Link("https://github.example/acme/infra/pull/7", 7)
        elif "State" in hint:
            values[f.name] = State.READY
        elif "datetime" in hint:
            values[f.name] = datetime(2026, 12, 9, 10, 0, tzinfo=UTC)
        elif "bool" in hint:
            values[f.name] = False
        elif "int" in hint:
            values[f.name] = 3
        elif f.name in OUTSIDE_WORDS:
            values[f.name] = text
        else:
            values[f.name] = "r2b3c4d5e6"
    return kind(**values)


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.__name__)
def test_every_notice_has_words_and_shows_peoples_words_as_typed(kind: type[Any]) -> None:
    text = say(example(kind))
    assert text.strip()
    assert "<!channel>" not in text and "<@U0BOB>" not in text
    assert "&lt;!channel&gt; &amp; &lt;@U0BOB&gt;" in text


def test_the_three_ways_a_removal_is_announced() -> None:
    pr = Link("https://github.example/acme/infra/pull/7", 7)
    lifetime = say(notices.RemovalOpened("churn", EndReason.LIFETIME, pr))
    vanished = say(notices.RemovalOpened("churn", EndReason.VANISHED, pr))
    deleted = say(notices.RemovalOpened("churn", "deleted by Alice", pr))
    assert "reached the end of its lifetime" in lifetime
    assert "no longer exists in Google Cloud" in vanished
    assert "Deleting *churn* (deleted by Alice)" in deleted and "<https://github.example/acme/infra/pull/7|" in deleted


def test_a_refusal_carries_facts_and_the_slack_layer_words_them() -> None:
    refused = Refused(notices.NotYours("churn", "U0ALICE", "stop"))
    assert said(refused) == "*churn* belongs to <@U0ALICE>; only its owner or a notebook admin can stop it."
    assert said(Refused("Only notebook admins can retry a failed request.")).startswith("Only notebook admins")


def test_an_admins_failure_alert_links_the_pipeline_run_only_when_there_is_one() -> None:
    run = Link("https://github.example/acme/infra/actions/runs/9")
    with_run = say(notices.RequestFailed("r1", "alice@example.com", "apply: boom", run))
    without = say(notices.RequestFailed("r1", "alice@example.com", "apply: boom"))
    assert with_run == without + " · <https://github.example/acme/infra/actions/runs/9|the run>"
