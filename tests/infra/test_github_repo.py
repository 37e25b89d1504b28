"""The GitHub backend, end to end through PyGithub against a loopback GitHub that speaks the REST API."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.infra.base import FileChange, RepoUnavailable
from bot.infra.github import GitHubRepo
from bot.infra.github_auth import github_client
from bot.infra.pacing import Pacer
from tests.support.github_server import FakeClock, GitHubServer

REPO = "acme/infra"


@pytest.fixture
def server() -> Iterator[GitHubServer]:
    with GitHubServer(REPO) as s:
        yield s


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def repo(server: GitHubServer, clock: FakeClock) -> Iterator[GitHubRepo]:
    client = github_client(token="test-token", api_url=server.url, retries=2, backoff_factor=0.001)
    r = GitHubRepo(REPO, github=client, pacer=Pacer(clock=clock, sleep=clock.sleep))
    yield r
    r.close()
    client.close()


def change(name: str = "alice", **kw: object) -> FileChange:
    fields: dict[str, object] = {
        "branch": f"notebook-bot/{name}",
        "title": f"Add {name}'s notebook",
        "body": "Requested in Slack.",
        "files": {f"environments/{name}.tf": "x = 1\n"},
    }
    return FileChange(**{**fields, **kw})  # type: ignore[arg-type]


def steps(server: GitHubServer) -> list[str]:
    return [f"{c.method} {c.path.removeprefix('/repos/' + REPO)}" for c in server.calls]


def test_a_change_becomes_one_commit_and_one_pull_request_in_six_calls_four_of_them_writes(
    server: GitHubServer, repo: GitHubRepo
) -> None:
    pr = repo.open_pull_request(change(files={"environments/alice.tf": "a", "environments/alice.auto.tfvars": "b"}))

    assert [s.split(" /git/commits/")[0] for s in steps(server)] == [
        "GET /git/ref/heads/main",
        "GET",
        "POST /git/trees",
        "POST /git/commits",
        "POST /git/refs",
        "POST /pulls",
    ]
    assert len(server.writes()) == 4
    assert (pr.number, pr.branch, pr.state, pr.title) == (
        1,
        "notebook-bot/alice",
        "open",
        "Add alice's notebook",
    )
    assert pr.url.endswith("/acme/infra/pull/1")
    files = server.files_on("notebook-bot/alice")
    assert files["environments/alice.tf"] == "a" and files["environments/alice.auto.tfvars"] == "b"
    assert "README.md" in files  # built on the base tree, not instead of it
    head = server.commits[server.refs["heads/notebook-bot/alice"]]
    assert head["parents"] == [server.refs["heads/main"]]
    assert head["message"] == "Add alice's notebook\n\nRequested in Slack."


def test_labels_and_reviewers_cost_one_write_each(server: GitHubServer, repo: GitHubRepo) -> None:
    repo.open_pull_request(
        change(labels=("notebook-bot", "env:new"), reviewers=("octocat",), team_reviewers=("platform",))
    )

    assert len(server.calls) == 8 and len(server.writes()) == 6
    pull = server.pulls[0]
    assert pull.labels == ["notebook-bot", "env:new"]
    assert (pull.reviewers, pull.team_reviewers) == (["octocat"], ["platform"])


def test_a_reviewer_github_refuses_does_not_block_the_pull_request(server: GitHubServer, repo: GitHubRepo) -> None:
    server.fail("POST", "/requested_reviewers", status=422)

    pr = repo.open_pull_request(change(reviewers=("not-a-collaborator",)))

    assert pr.state == "open" and len(server.pulls) == 1


def test_deletions_apply_only_to_paths_that_exist_on_the_base_branch(server: GitHubServer, repo: GitHubRepo) -> None:
    server.merge(repo.open_pull_request(change()).number)

    pr = repo.open_pull_request(
        change("alice-removal", files={}, deletions=("environments/alice.tf", "environments/never-there.tf"))
    )

    assert "environments/alice.tf" not in server.files_on(pr.branch)
    assert "README.md" in server.files_on(pr.branch)
    server.merge(pr.number)
    assert not repo.exists_on_base("environments/alice.tf")


def test_opening_the_same_change_twice_returns_the_same_pull_request(server: GitHubServer, repo: GitHubRepo) -> None:
    first = repo.open_pull_request(change())
    second = repo.open_pull_request(change())

    assert first == second and len(server.pulls) == 1


def test_a_retry_after_a_crash_between_branch_and_pull_request_adopts_the_branch(
    server: GitHubServer, repo: GitHubRepo
) -> None:
    server.fail("POST", r"/pulls$", status=503, times=3)  # the first attempt, with its retries, fails here
    with pytest.raises(RepoUnavailable):
        repo.open_pull_request(change())
    assert "heads/notebook-bot/alice" in server.refs and server.pulls == []

    pr = repo.open_pull_request(change())

    assert len(server.pulls) == 1 and pr.number == 1 and pr.state == "open"
    assert [c.status for c in server.calls if c.path.endswith("/git/refs")] == [201, 422]


def test_a_pull_request_github_made_before_the_answer_was_lost_is_adopted(server: GitHubServer) -> None:
    # The pull request is created, but the answer comes after the client's timeout; the retried POST
    # meets "A pull request already exists".
    client = github_client(token="test-token", api_url=server.url, timeout=1, retries=2, backoff_factor=0.001)
    repo = GitHubRepo(REPO, github=client, pacer=Pacer.scaled(1000))
    server.delay("POST", r"/pulls$", 1.5)
    try:
        pr = repo.open_pull_request(change())
    finally:
        repo.close()
        client.close()

    assert len(server.pulls) == 1 and pr.number == 1
    assert [c.status for c in server.calls if c.path.endswith("/pulls") and c.method == "POST"] == [201, 422]


def test_github_errors_twice_then_success_still_open_one_pull_request(server: GitHubServer, repo: GitHubRepo) -> None:
    server.fail("POST", "/git/trees", status=502, times=2)

    pr = repo.open_pull_request(change())

    assert pr.number == 1 and len(server.pulls) == 1
    assert [c.status for c in server.calls if c.path.endswith("/git/trees")] == [502, 502, 201]


def test_github_down_raises_repo_unavailable_and_leaves_no_branch_or_pull_request(
    server: GitHubServer, repo: GitHubRepo
) -> None:
    server.fail("POST", "/git/commits", status=500, times=100)

    with pytest.raises(RepoUnavailable, match="500"):
        repo.open_pull_request(change())

    assert server.pulls == [] and "heads/notebook-bot/alice" not in server.refs


def test_a_secondary_rate_limit_waits_as_github_says_then_sends_the_same_write(
    server: GitHubServer, repo: GitHubRepo, clock: FakeClock
) -> None:
    server.secondary_limit("POST", r"/pulls$", retry_after=42)
    start = clock.now

    pr = repo.open_pull_request(change())

    assert pr.number == 1 and len(server.pulls) == 1
    assert repo.pacer.rate_limit_waits == [42]
    assert clock.now - start >= 42
    statuses = [c.status for c in server.calls if c.path.endswith("/pulls")]
    assert statuses == [403, 201]


def test_a_secondary_rate_limit_without_retry_after_waits_a_minute(server: GitHubServer, repo: GitHubRepo) -> None:
    server.secondary_limit("POST", "/git/trees", retry_after=None)

    repo.open_pull_request(change())

    assert repo.pacer.rate_limit_waits == [60]


def test_find_pull_request_sees_open_merged_and_closed(server: GitHubServer, repo: GitHubRepo) -> None:
    merged = repo.open_pull_request(change("merged"))
    closed = repo.open_pull_request(change("closed"))
    repo.open_pull_request(change("open"))
    server.merge(merged.number, delete_branch=True)
    server.close(closed.number)

    found = {b: repo.find_pull_request(f"notebook-bot/{b}") for b in ("merged", "closed", "open", "unknown")}

    assert {b: p.state if p else None for b, p in found.items()} == {
        "merged": "merged",
        "closed": "closed",
        "open": "open",
        "unknown": None,
    }
    assert repo.exists_on_base("environments/merged.tf") and not repo.exists_on_base("environments/open.tf")


def test_open_pull_requests_lists_only_the_bots_open_ones_across_pages(server: GitHubServer, repo: GitHubRepo) -> None:
    for i in range(101):
        repo.open_pull_request(change(f"user{i:03d}"))
    repo.open_pull_request(change(branch="someone-else/fix", files={"x.tf": ""}))
    server.close(1)

    found = repo.open_pull_requests()

    assert [p.branch for p in found] == [f"notebook-bot/user{i:03d}" for i in range(1, 101)]
    assert len([c for c in server.calls if c.path.endswith("/pulls") and c.method == "GET"]) == 2


def test_a_rejected_token_says_what_to_check_and_never_shows_the_token(server: GitHubServer) -> None:
    client = github_client(token="ghp_wrong_secret_value", api_url=server.url, retries=0)
    repo = GitHubRepo(REPO, github=client)

    with pytest.raises(RepoUnavailable) as caught:
        repo.open_pull_request(change())

    repo.close()
    client.close()
    assert "GITHUB_TOKEN" in caught.value.message and "401" in caught.value.message
    assert "ghp_wrong_secret_value" not in caught.value.message


def test_a_forbidden_write_names_the_permissions_the_token_needs(server: GitHubServer, repo: GitHubRepo) -> None:
    server.fail("POST", "/git/refs", status=403)

    with pytest.raises(RepoUnavailable, match="Contents: read and write and Pull requests: read and write"):
        repo.open_pull_request(change())


def test_a_missing_base_branch_is_reported_not_crashed_on(server: GitHubServer) -> None:
    client = github_client(token="test-token", api_url=server.url, retries=0)
    repo = GitHubRepo(REPO, github=client, base_branch="production")

    with pytest.raises(RepoUnavailable, match="404"):
        repo.open_pull_request(change())

    repo.close()
    client.close()
    assert server.writes() == []
