"""Commit statuses, the bot's merge and a push to a pull request's branch, through PyGithub against the
loopback GitHub, which answers (and refuses) as GitHub does."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from bot.infra.base import APPLY, PLAN, FileChange, MergeRefused, RepoUnavailable
from bot.infra.github import GitHubRepo
from bot.infra.github_auth import github_client
from bot.infra.pacing import Pacer
from tests.support.github_server import GitHubServer

REPO = "acme/infra"
RUN = "https://github.com/acme/infra/actions/runs/7"


@pytest.fixture
def server() -> Iterator[GitHubServer]:
    with GitHubServer(REPO) as s:
        yield s


@pytest.fixture
def repo(server: GitHubServer) -> Iterator[GitHubRepo]:
    client = github_client(token="test-token", api_url=server.url, retries=0, backoff_factor=0.001)
    r = GitHubRepo(REPO, github=client, pacer=Pacer.scaled(1000))
    yield r
    r.close()
    client.close()


def opened(repo: GitHubRepo, name: str = "r1") -> object:
    return repo.open_pull_request(
        FileChange(branch=f"notebook-bot/{name}", title="t", body="b", files={f"environments/{name}.tf": "x = 1\n"})
    )


def test_the_latest_status_of_a_context_is_read_from_the_combined_status(
    server: GitHubServer, repo: GitHubRepo
) -> None:
    pr = repo.open_pull_request(FileChange(branch="notebook-bot/r1", title="t", body="b", files={"a.tf": "x\n"}))
    assert pr.head_sha and repo.commit_status(pr.head_sha, PLAN) is None
    server.set_status(pr.head_sha, PLAN, "pending", "planning", RUN)
    server.set_status(pr.head_sha, "ci/lint", "success", "ok")
    server.set_status(pr.head_sha, PLAN, "failure", "Error: Invalid reference", RUN)
    status = repo.commit_status(pr.head_sha, PLAN)
    assert status is not None and status.failed
    assert (status.state, status.description, status.target_url) == ("failure", "Error: Invalid reference", RUN)
    assert repo.commit_status(pr.head_sha, APPLY) is None
    reads = [c for c in server.calls if c.path == f"/repos/{REPO}/commits/{pr.head_sha}/status"]
    assert len(reads) == 3 and all(c.method == "GET" for c in reads)  # one GET each, nothing else


def test_a_merge_at_the_planned_head_squashes_and_gives_the_merged_commit(
    server: GitHubServer, repo: GitHubRepo
) -> None:
    pr = repo.open_pull_request(FileChange(branch="notebook-bot/r1", title="t", body="b", files={"a.tf": "x\n"}))
    writes = len(server.writes())
    merged = repo.merge_pull_request(pr, method="squash", title="notebook: x (#1)", message="why")
    assert merged.state == "merged" and merged.merge_sha == server.refs["heads/main"]
    assert server.merge_methods == ["squash"] and server.files_on("main")["a.tf"] == "x\n"
    assert len(server.writes()) == writes + 1  # the merge is one write
    assert repo.find_pull_request("notebook-bot/r1").merge_sha == merged.merge_sha  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("message", "words"),
    [
        ("Pull Request is not mergeable", "merge conflict"),
        ("At least 1 approving review is required by reviewers with write access.", "approving review"),
        ('Required status check "plan" is expected.', "status check"),
        ("Base branch was modified. Review and try the merge again.", "base branch moved"),
    ],
)
def test_github_405_refusals_say_which(server: GitHubServer, repo: GitHubRepo, message: str, words: str) -> None:
    pr = repo.open_pull_request(FileChange(branch="notebook-bot/r1", title="t", body="b", files={"a.tf": "x\n"}))
    server.refuse_merge(pr.number, message)
    with pytest.raises(MergeRefused) as refused:
        repo.merge_pull_request(pr, method="squash", title="t", message="m")
    assert words in refused.value.reason and message in refused.value.reason
    assert not server.pulls[0].merged


def test_a_head_that_moved_since_the_plan_is_refused_409(server: GitHubServer, repo: GitHubRepo) -> None:
    pr = repo.open_pull_request(FileChange(branch="notebook-bot/r1", title="t", body="b", files={"a.tf": "x\n"}))
    server.push("notebook-bot/r1", {"b.tf": "y\n"})
    with pytest.raises(MergeRefused) as refused:
        repo.merge_pull_request(pr, method="squash", title="t", message="m")
    assert "Head branch was modified" in refused.value.reason and not server.pulls[0].merged


def test_an_outage_while_merging_is_retried_later_not_a_refusal(server: GitHubServer, repo: GitHubRepo) -> None:
    pr = repo.open_pull_request(FileChange(branch="notebook-bot/r1", title="t", body="b", files={"a.tf": "x\n"}))
    server.fail("PUT", r"/merge$", status=502)
    with pytest.raises(RepoUnavailable):
        repo.merge_pull_request(pr, method="squash", title="t", message="m")


def test_a_push_moves_the_pull_requests_head_so_its_plan_runs_again(server: GitHubServer, repo: GitHubRepo) -> None:
    pr = repo.open_pull_request(FileChange(branch="notebook-bot/r1", title="t", body="b", files={"a.tf": "x\n"}))
    writes = len(server.writes())
    again = repo.push_to_pull_request(
        FileChange(branch="notebook-bot/r1", title="t", body="again", files={"a.tf": "x = 2\n"})
    )
    assert again.number == pr.number and again.head_sha != pr.head_sha
    assert server.pulls[0].head_sha == again.head_sha and server.files_on("notebook-bot/r1")["a.tf"] == "x = 2\n"
    assert len(server.writes()) == writes + 3  # tree, commit, ref
    empty = repo.push_to_pull_request(FileChange(branch="notebook-bot/r1", title="t", body="plan again"))
    assert empty.head_sha != again.head_sha and server.files_on("notebook-bot/r1")["a.tf"] == "x = 2\n"


def test_a_status_set_over_http_as_the_pipeline_does_is_read_back(server: GitHubServer, repo: GitHubRepo) -> None:
    pr = repo.open_pull_request(FileChange(branch="notebook-bot/r1", title="t", body="b", files={"a.tf": "x\n"}))
    body = {"state": "failure", "target_url": RUN, "description": "Error: Unsupported block type", "context": PLAN}
    answer = requests.post(
        f"{server.url}/repos/{REPO}/statuses/{pr.head_sha}",
        json=body,
        headers={"Authorization": "Bearer test-token", "Accept": "application/vnd.github+json"},
        timeout=5,
    )
    assert answer.status_code == 201 and answer.json()["context"] == PLAN
    bad = requests.post(
        f"{server.url}/repos/{REPO}/statuses/{pr.head_sha}",
        json={**body, "state": "done"},
        headers={"Authorization": "Bearer test-token"},
        timeout=5,
    )
    assert bad.status_code == 422
    status = repo.commit_status(pr.head_sha, PLAN)
    assert status is not None and (status.state, status.description) == ("failure", "Error: Unsupported block type")
