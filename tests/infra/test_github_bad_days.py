"""GitHub on a bad day, through the real bot: a Retry-After no one can honour, a repository that stays
unwritable, and a GitHub App that may open pull requests but not label them (403, as GitHub words it)."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.error import HTTPError

import pytest
from urllib3.util.retry import RequestHistory

from bot.domain.states import State
from bot.infra.base import RepoUnavailable
from bot.infra.github import GitHubRepo
from bot.infra.github_auth import github_client, retry_policy
from bot.infra.outage import WriteOutage
from bot.infra.pacing import Pacer
from bot.store.sqlite import SqliteStore
from tests.infra.test_github_repo import change
from tests.support.github_server import FakeClock, GitHubServer
from tests.support.harness import ADMIN, ALICE, BOB, Harness, running_bot

REPO = "acme/infra"
HUGE = 99999999999


@pytest.fixture
def github() -> Iterator[GitHubServer]:
    with GitHubServer(REPO) as server:
        yield server


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(0)


@pytest.fixture
def repo(github: GitHubServer, clock: FakeClock) -> Iterator[GitHubRepo]:
    client = github_client(token="test-token", api_url=github.url, retries=1, backoff_factor=0.001)
    pacer = Pacer.scaled(1000, clock=clock, sleep=clock.sleep)
    r = GitHubRepo(REPO, github=client, pacer=pacer, outage=WriteOutage(REPO, clock=clock))
    yield r
    r.close()
    client.close()


def health(bot: Harness) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(bot.server.url + "/healthz", timeout=5) as resp:
            return resp.status, json.loads(resp.read())
    except HTTPError as e:
        return e.code, json.loads(e.read())


def admin_texts(bot: Harness) -> list[str]:
    return [str(m.get("text")) for m in bot.messages_to("C0ADMINS")]


def test_a_retry_after_of_99999999999_is_handed_back_at_once_and_does_not_stop_later_writes(
    github: GitHubServer, repo: GitHubRepo, clock: FakeClock
) -> None:
    github.secondary_limit("POST", r"/git/trees$", retry_after=HUGE)

    with pytest.raises(RepoUnavailable, match="rate limit"):
        repo.open_pull_request(change("alice"))
    assert clock.sleeps == []  # nothing slept for 3000 years, nothing raised OverflowError

    with pytest.raises(RepoUnavailable):  # the pause holds, without calling GitHub
        repo.open_pull_request(change("bob"))
    assert [c.path for c in github.writes()] == [f"/repos/{REPO}/git/trees"]

    clock.now += repo.pacer.max_pause  # the bounded pause is over: the next write goes out
    assert repo.open_pull_request(change("bob")).number == 1


def test_a_huge_retry_after_on_a_429_is_not_slept_by_the_http_layer_either(
    github: GitHubServer, repo: GitHubRepo, clock: FakeClock
) -> None:
    github.secondary_limit("POST", r"/git/trees$", retry_after=HUGE, status=429)

    with pytest.raises(RepoUnavailable, match="rate limit"):  # at once: no hang, no OverflowError
        repo.open_pull_request(change("alice"))
    clock.now += repo.pacer.max_pause
    assert repo.open_pull_request(change("alice")).number == 1


def test_a_503_with_a_huge_retry_after_is_retried_on_our_own_short_backoff(
    github: GitHubServer, repo: GitHubRepo
) -> None:
    github.secondary_limit("POST", r"/git/trees$", retry_after=HUGE, status=503)

    assert repo.open_pull_request(change("alice")).number == 1
    assert [c.status for c in github.writes()][:2] == [503, 201]


def test_a_repository_unwritable_for_minutes_degrades_healthz_and_tells_the_admins_once(
    tmp_path: Path, sqlite_store: SqliteStore, github: GitHubServer, repo: GitHubRepo, clock: FakeClock
) -> None:
    github.secondary_limit("POST", r"/git/trees$", retry_after=HUGE)  # then a pause that must end
    with running_bot(tmp_path, sqlite_store, repo=repo) as bot:
        bot.ask(ALICE)
        request = bot.only_request(ALICE)
        bot.approve(request.id, ADMIN)
        assert bot.store.get(request.id).state == State.APPROVED  # kept, to be retried
        assert health(bot)[0] == 200  # one refusal is not yet an outage

        for _ in range(3):  # reconcile retries while GitHub keeps refusing, minutes apart
            clock.now += 200
            bot.clock.advance(minutes=10)
            bot.reconcile()

        status, report = health(bot)
        assert status == 503 and report["ok"] is False
        assert "has not been able to write to acme/infra" in report["repo"]
        assert "rate limit" in report["repo"]
        told = [t for t in admin_texts(bot) if "write to acme/infra" in t]
        assert len(told) == 1

        clock.now += repo.pacer.max_pause
        bot.clock.advance(minutes=20)
        bot.reconcile()
        assert bot.store.get(request.id).state == State.PR_OPEN  # GitHub took the write
        status, report = health(bot)
        assert status == 200 and report["ok"] is True and "repo" not in report
        assert len([t for t in admin_texts(bot) if "write to acme/infra" in t]) == 1


def test_a_github_app_without_issues_write_opens_the_pull_request_without_labels_and_admins_are_told_once(
    tmp_path: Path, sqlite_store: SqliteStore, github: GitHubServer, repo: GitHubRepo
) -> None:
    github.forbid("POST", r"/issues/\d+/labels$", times=10)
    with running_bot(tmp_path, sqlite_store, repo=repo) as bot:
        for user in (ALICE, BOB):
            bot.ask(user)
            bot.approve(bot.only_request(user).id, ADMIN)

        for user in (ALICE, BOB):
            opened = bot.only_request(user)
            assert opened.state == State.PR_OPEN and opened.pull_request is not None
            pull = github.pull_for(opened.pull_request.branch)
            assert pull is not None and pull.labels == []
        assert len(github.pulls) == 2  # one each: nothing retried, nothing opened twice
        (told,) = [t for t in admin_texts(bot) if "labels" in t]
        assert "Resource not accessible by integration" in told
        assert "Issues: Read and write" in told
        assert health(bot)[0] == 200  # a missing label permission is not an unwritable repository


def test_github_retries_back_off_with_jitter() -> None:
    after_two_failures = retry_policy(3, 0.5).new(history=(RequestHistory("POST", "/", None, 502, None),) * 2)
    waits = {after_two_failures.get_backoff_time() for _ in range(20)}

    assert all(1.0 <= w <= 1.5 for w in waits)  # 0.5 * 2, plus up to 0.5 of jitter
    assert len(waits) > 1
