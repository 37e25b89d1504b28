"""The directory on its own: a real SQLite store and a loopback Slack, time moved by hand."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace

import pytest
from slack_sdk import WebClient

from bot.config.load import parse_policy
from bot.demo.slack_api import LoopbackSlack
from bot.slack.people import Directory
from bot.store.sqlite import SqliteStore
from tests.slack.directory_support import FOUR_GROUPS, GROUPS
from tests.support.harness import ALICE, GUEST, FakeClock
from tests.support.lifecycle_support import wait_until


@pytest.fixture
def slack() -> Iterator[LoopbackSlack]:
    with LoopbackSlack([ALICE, GUEST]) as slack:
        slack.state.usergroups.update({g: list(m) for g, m in GROUPS.items()})
        yield slack


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def directory(slack: LoopbackSlack, sqlite_store: SqliteStore, clock: FakeClock) -> Directory:
    client = WebClient(base_url=slack.url, token="xoxb-test", timeout=10)
    return Directory(client, parse_policy(FOUR_GROUPS), sqlite_store, clock=clock, budget=0.3)


def asked(slack: LoopbackSlack, method: str = "users.info") -> int:
    return len(slack.calls(method))


def test_a_person_is_asked_of_slack_once_then_served_from_the_store(directory: Directory, slack: LoopbackSlack) -> None:
    first = directory.person(ALICE.id)
    again = directory.person(ALICE.id)

    assert first == again and first.email == ALICE.email and first.tz == "Europe/Brussels"
    assert first.usergroups == frozenset({"S0ML", "S0SPARK"})
    assert asked(slack) == 1 and asked(slack, "usergroups.users.list") == 4


def test_many_lookups_of_one_person_at_once_ask_slack_once(directory: Directory, slack: LoopbackSlack) -> None:
    slack.state.delay_seconds = 0.2
    threads = [threading.Thread(target=directory.person, args=(ALICE.id,)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert asked(slack) == 1


def test_expired_facts_that_grant_are_never_used_when_slack_misses_the_budget(
    directory: Directory, slack: LoopbackSlack, clock: FakeClock
) -> None:
    directory.person(ALICE.id)
    clock.advance(minutes=6)
    slack.state.delay_seconds = 1.0  # past the 0.3 s budget

    assert directory.known(ALICE.id) is None
    slack.wait_for("users.info", count=2)


def test_expired_facts_that_refuse_stand_when_slack_misses_the_budget(
    directory: Directory, slack: LoopbackSlack, clock: FakeClock
) -> None:
    assert directory.person(GUEST.id).is_guest
    clock.advance(minutes=6)
    slack.state.delay_seconds = 1.0

    person = directory.known(GUEST.id)

    assert person is not None and person.is_guest


def test_facts_near_their_expiry_are_served_at_once_and_refreshed_behind(
    directory: Directory, slack: LoopbackSlack, clock: FakeClock
) -> None:
    directory.person(ALICE.id)
    slack.state.users[ALICE.id] = replace(ALICE, is_restricted=True)
    clock.advance(minutes=3)  # past half the TTL

    assert not directory.person(ALICE.id).is_guest  # still within the TTL: served as stored
    slack.wait_for("users.info", count=2)
    clock.advance(seconds=1)

    assert wait_until(lambda: directory.person(ALICE.id).is_guest)
