"""The GitHub backend behaves like the embedded local git one through the InfraRepo interface."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.infra.base import FileChange, InfraRepo
from bot.infra.github import GitHubRepo
from bot.infra.github_auth import github_client
from bot.infra.local_git import LocalGitRepo
from bot.infra.pacing import Pacer
from tests.support.github_server import GitHubServer


@dataclass
class Host:
    repo: InfraRepo
    merge: Callable[[str], None]
    close: Callable[[str], None]


@pytest.fixture(params=["local", "github"])
def host(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Host]:
    if request.param == "local":
        if shutil.which("git") is None:
            pytest.skip("git is not installed")
        local = LocalGitRepo(tmp_path / "infra")
        yield Host(local, local.merge, local.close)
        return
    with GitHubServer("acme/infra") as server:
        client = github_client(token="test-token", api_url=server.url, retries=1, backoff_factor=0.001)
        remote = GitHubRepo("acme/infra", github=client, pacer=Pacer.scaled(1000))

        def number(branch: str) -> int:
            pull = server.pull_for(branch)
            assert pull is not None
            return pull.number

        yield Host(remote, lambda b: server.merge(number(b)), lambda b: server.close(number(b)))
        remote.close()
        client.close()


def add(name: str) -> FileChange:
    return FileChange(
        branch=f"notebook-bot/{name}",
        title=f"Add {name}",
        body="From Slack.",
        files={f"environments/{name}.tf": f'owner = "{name}"\n'},
    )


def test_the_life_of_environments_looks_the_same_on_both_hosts(host: Host) -> None:
    repo = host.repo
    alice = repo.open_pull_request(add("alice"))
    assert repo.open_pull_request(add("alice")) == alice
    bob = repo.open_pull_request(add("bob"))
    carol = repo.open_pull_request(add("carol"))
    assert [p.branch for p in repo.open_pull_requests()] == [alice.branch, bob.branch, carol.branch]
    assert (alice.number, bob.number, carol.number) == (1, 2, 3)

    host.merge(alice.branch)
    host.close(bob.branch)
    states = {
        b: p.state if (p := repo.find_pull_request(f"notebook-bot/{b}")) else None
        for b in ("alice", "bob", "carol", "dave")
    }
    assert states == {"alice": "merged", "bob": "closed", "carol": "open", "dave": None}
    assert repo.exists_on_base("environments/alice.tf")
    assert not repo.exists_on_base("environments/bob.tf")

    removal = repo.open_pull_request(
        FileChange(
            branch="notebook-bot/alice-delete",
            title="Remove alice",
            body="",
            deletions=("environments/alice.tf", "environments/bob.tf"),
        )
    )
    assert removal.state == "open" and removal.title == "Remove alice"
    host.merge(removal.branch)
    assert not repo.exists_on_base("environments/alice.tf")
    assert repo.exists_on_base("README.md")
    assert [p.branch for p in repo.open_pull_requests()] == [carol.branch]
